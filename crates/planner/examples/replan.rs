//! Runs the bench's workload outside criterion, for callgrind: builds one
//! team (10,000 commitments, 20 members), then applies `CHANGES` changes,
//! re-planning incrementally (`incremental`), from scratch (`naive`), or
//! quotes `CHANGES` prospects (`quote`). `bench/planner.sh` runs each under
//! `valgrind --tool=callgrind` and subtracts a run with no changes, so the
//! instructions counted are those of the changes alone.
//!
//! `cargo run --release -p kept-planner --example replan -- incremental 100`
#![allow(missing_docs, clippy::unwrap_used)]

#[path = "../benches/workload.rs"]
mod workload;

use std::hint::black_box;

use kept_calendar::BusinessDuration;
use kept_calendar::jiff::SignedDuration;
use kept_planner::Prospect;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "incremental".to_owned());
    let changes: u64 = args.next().map_or(100, |n| n.parse().unwrap());
    let mut team = workload::team(20, 10_000, 0, 7);
    let mut plan = team.plan();
    let mut rng = workload::Rng::new(11);
    for _ in 0..changes {
        match mode.as_str() {
            "incremental" => plan.upsert(team.change()),
            "naive" => {
                team.change();
                plan = black_box(team.plan());
            }
            "quote" => {
                let prospect = Prospect {
                    effort: BusinessDuration::from_minutes(15 * (1 + rng.below(12))),
                    priority: 2,
                    sla_due: workload::now()
                        .checked_add(SignedDuration::from_hours(
                            i64::try_from(24 + rng.below(24 * 60)).unwrap(),
                        ))
                        .ok(),
                    assignee: None,
                };
                black_box(plan.quote(prospect, u64::MAX));
            }
            other => panic!("unknown mode {other}: incremental, naive or quote"),
        }
    }
    println!("{} commitments planned", plan.len());
}
