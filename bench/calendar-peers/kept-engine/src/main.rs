//! `kept-engine`: Kept's own business-time engine (kept-calendar) in the peer
//! comparison; every peer's answers are checked against this one's.
//!
//! The calendar is `KEPT_CALENDAR_TOML` (default `bench/data/london-9-17.toml`),
//! loaded with `CalendarSpec::from_toml` and `compile`. kept-calendar indexes
//! its open intervals lazily, about 13 months at a time, so before the timed
//! loop one `add` on a 2026 and one on a 2027 instant build the chunks that
//! the inputs (starts across 2026, due instants up to ~3 months later) use;
//! that time is part of the reported build_seconds. `add` is `Calendar::add`,
//! `elapsed` is `Calendar::elapsed`.
//!
//! Protocol: see bench-protocol.

use std::time::Instant;

use bench_protocol::{Args, Op, finish, kept_calendar_toml};
use jiff::Timestamp;
use kept_calendar::{BusinessDuration, BusinessTimeError, Calendar, CalendarSpec};

const ENGINE: &str = "kept";

fn build() -> Calendar {
    let text = kept_calendar_toml();
    let calendar = CalendarSpec::from_toml(&text)
        .and_then(|spec| spec.compile())
        .unwrap_or_else(|e| {
            eprintln!("kept-engine: the calendar is invalid: {e}");
            std::process::exit(2)
        });
    // Build the lazily indexed chunks for 2026 and 2027 before timing.
    for warm in ["2026-06-01T12:00:00Z", "2027-06-01T12:00:00Z"] {
        let at: Timestamp = warm.parse().expect("an instant");
        let _ = calendar.add(at, BusinessDuration::from_hours(1));
    }
    calendar
}

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).expect("an instant in jiff's range")
}

/// The timed loop (a named function so that callgrind can count just this).
#[inline(never)]
fn compute_add(
    calendar: &Calendar,
    starts: &[Timestamp],
    budget: BusinessDuration,
) -> Vec<Result<Timestamp, BusinessTimeError>> {
    starts.iter().map(|&t| calendar.add(t, budget)).collect()
}

#[inline(never)]
fn compute_elapsed(calendar: &Calendar, pairs: &[(Timestamp, Timestamp)]) -> Vec<BusinessDuration> {
    pairs.iter().map(|&(a, b)| calendar.elapsed(a, b)).collect()
}

fn main() {
    let args = Args::from_env(ENGINE);
    let t = Instant::now();
    let calendar = build();
    let build_time = t.elapsed();
    match &args.op {
        Op::Add { budget, starts } => {
            let starts: Vec<Timestamp> = starts.iter().map(|&s| ts(s)).collect();
            let budget = BusinessDuration::from_seconds(*budget);
            let t = Instant::now();
            let out = compute_add(&calendar, &starts, budget);
            let compute = t.elapsed();
            let answers = out.into_iter().map(|r| r.map(Timestamp::as_second));
            finish(ENGINE, &args, answers, compute, build_time);
        }
        Op::Elapsed { pairs } => {
            let pairs: Vec<(Timestamp, Timestamp)> =
                pairs.iter().map(|&(a, b)| (ts(a), ts(b))).collect();
            let t = Instant::now();
            let out = compute_elapsed(&calendar, &pairs);
            let compute = t.elapsed();
            let answers = out
                .into_iter()
                .map(|d| i64::try_from(d.as_seconds()).map_err(|e| e.to_string()));
            finish(ENGINE, &args, answers, compute, build_time);
        }
    }
}
