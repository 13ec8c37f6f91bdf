//! `peer-workclock`: the workclock crate (crates.io) in the peer comparison.
//!
//! Configured as `Schedule::builder().time_zone("Europe/London")` with the
//! rules `WorkDay::new(09:00, 17:00, Weekdays::MON_TO_FRI)` and
//! `Holidays::new(dates of HOLIDAYS_ICS)`. `add` is `Schedule::add`, `elapsed`
//! is `Schedule::between`. The time zone is the crate's own (jiff), so no
//! conversion is done here.
//!
//! Protocol: see bench-protocol.

use std::time::Instant;

use bench_protocol::{Args, Op, finish, holidays};
use jiff::civil::{date, time};
use jiff::{SignedDuration, Timestamp};
use workclock::{Holidays, Schedule, Weekdays, WorkDay};

const ENGINE: &str = "workclock";

fn build() -> Schedule {
    Schedule::builder()
        .time_zone("Europe/London")
        .rule(WorkDay::new(
            time(9, 0, 0, 0),
            time(17, 0, 0, 0),
            Weekdays::MON_TO_FRI,
        ))
        .rule(Holidays::new(
            holidays().into_iter().map(|(y, m, d)| date(y, m, d)),
        ))
        .build()
        .expect("a valid schedule")
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
) -> Vec<Result<Timestamp, workclock::Error>> {
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
