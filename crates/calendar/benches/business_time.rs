//! Due instants and elapsed business time on a Mon–Fri 09:00–17:30
//! Europe/London calendar with the England and Wales bank holidays, from
//! starts spread over 2026 and 2027; and the cost of building the index.
//!
//! `cargo bench -p kept-calendar` (see docs/PERFORMANCE.md).
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kept_calendar::jiff::Timestamp;
use kept_calendar::{BusinessDuration, Calendar, CalendarSpec, holidays_from_ics};

const BANK_HOLIDAYS: &str = include_str!("../../../bench/data/england-and-wales.ics");
const STARTS: usize = 10_000;

fn spec() -> CalendarSpec {
    let mut spec = CalendarSpec::from_toml(
        r#"
zone = "Europe/London"
[week]
mon = ["09:00-17:30"]
tue = ["09:00-17:30"]
wed = ["09:00-17:30"]
thu = ["09:00-17:30"]
fri = ["09:00-17:30"]
"#,
    )
    .unwrap();
    spec.holidays = holidays_from_ics(BANK_HOLIDAYS).unwrap();
    spec
}

/// Starts at pseudo-random seconds of 2026 and 2027 (a fixed sequence).
fn starts() -> Vec<Timestamp> {
    let from = 1_767_225_600i64; // 2026-01-01T00:00:00Z
    let span = 2 * 365 * 86_400u64;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..STARTS)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Timestamp::from_second(from + (x % span) as i64).unwrap()
        })
        .collect()
}

fn warm(cal: &Calendar) {
    // Touch every chunk the workloads reach, so the build is not timed.
    let t = Timestamp::from_second(1_767_225_600).unwrap();
    let _ = cal.elapsed(
        t,
        Timestamp::from_second(1_767_225_600 + 3 * 365 * 86_400).unwrap(),
    );
}

fn due_and_elapsed(c: &mut Criterion) {
    let cal = spec().compile().unwrap();
    warm(&cal);
    let starts = starts();
    let targets = [
        ("4h", BusinessDuration::from_hours(4)),
        ("3 business days", BusinessDuration::from_minutes(3 * 510)),
        ("30 business days", BusinessDuration::from_minutes(30 * 510)),
    ];
    let mut group = c.benchmark_group("calendar");
    group.throughput(Throughput::Elements(STARTS as u64));
    for (name, target) in targets {
        group.bench_function(format!("add {name}"), |b| {
            b.iter(|| {
                for &s in &starts {
                    black_box(cal.add(black_box(s), target).unwrap());
                }
            })
        });
        let pairs: Vec<_> = starts
            .iter()
            .map(|&s| (s, cal.add(s, target).unwrap()))
            .collect();
        group.bench_function(format!("elapsed {name}"), |b| {
            b.iter(|| {
                for &(s, d) in &pairs {
                    black_box(cal.elapsed(black_box(s), black_box(d)));
                }
            })
        });
    }
    group.finish();
}

fn build(c: &mut Criterion) {
    let spec = spec();
    let (a, b) = (
        Timestamp::from_second(1_767_225_600).unwrap(),
        Timestamp::from_second(1_767_225_600 + 2 * 365 * 86_400).unwrap(),
    );
    c.bench_function("calendar/compile and index two years", |bench| {
        bench.iter(|| {
            let cal = spec.compile().unwrap();
            black_box(cal.elapsed(a, b))
        })
    });
}

criterion_group!(benches, due_and_elapsed, build);
criterion_main!(benches);
