//! `peer-ule-hours`: the ule-hours crate (crates.io) in the peer comparison.
//!
//! Configured as `Schedule::builder("Europe/London").mon_fri("09:00-17:00")`
//! with every holiday of `HOLIDAYS_ICS` as `closed_on(date)`: the crate's API
//! for single dates, kept in a `BTreeSet` (a `Holiday::On` rule per date gives
//! the same answers but is checked one rule at a time). `add` is
//! `Schedule::add`, `elapsed` is `Schedule::between`. The time zone is the
//! crate's own (jiff), so no conversion is done here.
//!
//! Protocol: see bench-protocol.

use std::time::Instant;

use bench_protocol::{Args, Op, finish, holidays};
use ule_hours::Schedule;
use ule_hours::jiff::civil::date;
use ule_hours::jiff::{SignedDuration, Timestamp};

const ENGINE: &str = "ule-hours";

fn build() -> Schedule {
    let mut builder = Schedule::builder("Europe/London")
        .and_then(|b| b.mon_fri("09:00-17:00"))
        .expect("a valid schedule");
    for (y, m, d) in holidays() {
        builder = builder.closed_on(date(y, m, d));
    }
    builder.build()
}

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).expect("an instant in jiff's range")
}

/// The timed loop (a named function so that callgrind can count just this).
#[inline(never)]
fn compute_add(
    schedule: &Schedule,
    starts: &[Timestamp],
    budget: SignedDuration,
) -> Vec<Result<Timestamp, ule_hours::Error>> {
    starts.iter().map(|&t| schedule.add(t, budget)).collect()
}

#[inline(never)]
fn compute_elapsed(schedule: &Schedule, pairs: &[(Timestamp, Timestamp)]) -> Vec<SignedDuration> {
    pairs.iter().map(|&(a, b)| schedule.between(a, b)).collect()
}

fn main() {
    let args = Args::from_env(ENGINE);
    let t = Instant::now();
    let schedule = build();
    let build_time = t.elapsed();
    match &args.op {
        Op::Add { budget, starts } => {
            let starts: Vec<Timestamp> = starts.iter().map(|&s| ts(s)).collect();
            let budget =
                SignedDuration::from_secs(i64::try_from(*budget).expect("a budget in range"));
            let t = Instant::now();
            let out = compute_add(&schedule, &starts, budget);
            let compute = t.elapsed();
            let answers = out.into_iter().map(|r| r.map(Timestamp::as_second));
            finish(ENGINE, &args, answers, compute, build_time);
        }
        Op::Elapsed { pairs } => {
            let pairs: Vec<(Timestamp, Timestamp)> =
                pairs.iter().map(|&(a, b)| (ts(a), ts(b))).collect();
            let t = Instant::now();
            let out = compute_elapsed(&schedule, &pairs);
            let compute = t.elapsed();
            let answers = out.into_iter().map(|d| Ok::<_, String>(d.as_secs()));
            finish(ENGINE, &args, answers, compute, build_time);
        }
    }
}
