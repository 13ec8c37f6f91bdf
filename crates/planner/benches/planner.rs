//! Re-planning after one change, incrementally and from scratch (the
//! naive baseline), for one team of 10,000 open commitments over 20
//! members and for a database of 100,000 over 50 teams; and a quote.
//!
//! `cargo bench -p kept-planner` (or `bench/planner.sh`, which also counts
//! instructions with callgrind; see docs/PERFORMANCE.md).
#![allow(missing_docs, clippy::unwrap_used)]

mod workload;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kept_calendar::BusinessDuration;
use kept_planner::{Prospect, TeamPlan, Work};
use workload::{Team, now, team};

fn one_team(c: &mut Criterion) {
    let mut group = c.benchmark_group("one team: 10,000 commitments, 20 members");
    group.throughput(Throughput::Elements(1));
    let mut t = team(20, 10_000, 0, 7);
    let mut plan = t.plan();
    group.bench_function("change, incremental re-plan", |b| {
        b.iter(|| plan.upsert(black_box(t.change())));
    });
    let mut first = 0;
    group.bench_function("change of the first commitment (worst case)", |b| {
        b.iter(|| {
            first = (first + 1) % 12;
            plan.upsert(Work {
                due: Some(now()),
                effort: BusinessDuration::from_minutes(15 * (1 + first)),
                ..t.work[0]
            });
        });
    });
    group.bench_function("change, naive re-plan from scratch", |b| {
        b.iter(|| {
            t.change();
            black_box(t.plan())
        });
    });
    let mut rng = workload::Rng::new(11);
    group.bench_function("quote", |b| {
        b.iter(|| {
            let prospect = Prospect {
                effort: BusinessDuration::from_minutes(15 * (1 + rng.below(12))),
                priority: 2,
                sla_due: now()
                    .checked_add(kept_calendar::jiff::SignedDuration::from_hours(
                        i64::try_from(24 + rng.below(24 * 60)).unwrap(),
                    ))
                    .ok(),
                assignee: None,
            };
            black_box(plan.quote(prospect, u64::MAX))
        });
    });
    group.finish();
}

fn database(c: &mut Criterion) {
    let mut group = c.benchmark_group("database: 100,000 commitments, 50 teams");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1));
    let mut teams: Vec<Team> = (0..50u64)
        .map(|i| team(20, 2_000, i * 1_000_000, 100 + i))
        .collect();
    let mut plans: Vec<TeamPlan<u64>> = teams.iter().map(Team::plan).collect();
    let mut rng = workload::Rng::new(5);
    group.bench_function("change, incremental re-plan", |b| {
        b.iter(|| {
            let i = usize::try_from(rng.below(50)).unwrap();
            plans[i].upsert(teams[i].change());
        });
    });
    group.bench_function("change, naive re-plan of every team from scratch", |b| {
        b.iter(|| {
            let i = usize::try_from(rng.below(50)).unwrap();
            teams[i].change();
            black_box(teams.iter().map(Team::plan).collect::<Vec<_>>())
        });
    });
    group.finish();
}

criterion_group!(benches, one_team, database);
criterion_main!(benches);
