//! Invariants of business-time arithmetic, over random calendars.
//!
//! An operation with no answer on a calendar (one that is never open) is
//! not a case that passes unchecked: its refusal must be the one expected
//! (`NoOpenTime` on a calendar with no open hours), and each property
//! counts the cases that checked its claim, failing unless nine in ten did.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::atomic::{AtomicU32, Ordering};

use kept_calendar::jiff::{SignedDuration, Timestamp};
use kept_calendar::{BusinessDuration, BusinessTimeError, Calendar, CalendarSpec, SlaClock};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};

const ZONES: [&str; 6] = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Pacific/Apia",
];

/// Day templates, some crossing midnight; combinations that overlap are
/// filtered out by validation.
const DAYS: [&[&str]; 8] = [
    &[],
    &["09:00-17:00"],
    &["09:00-12:30", "13:30-17:30"],
    &["22:00-06:00"],
    &["00:00-24:00"],
    &["07:45-11:15", "18:00-23:30"],
    &["01:30-02:30"],
    &[],
];

/// Cases per property.
const CASES: u32 = 256;

/// The share of calendars drawn with no open hours at all, on which every
/// operation must refuse: a few in each property's run (about one case in
/// forty once overlapping weeks are filtered out), so far under one in ten
/// that the count of checked cases cannot fall short by chance.
const NEVER_OPEN: f64 = 0.015;

fn calendar() -> impl Strategy<Value = Calendar> {
    (
        proptest::bool::weighted(NEVER_OPEN),
        0..ZONES.len(),
        proptest::array::uniform7(0..DAYS.len()),
        proptest::collection::vec(0i64..900, 0..6),
    )
        .prop_filter_map("overlapping week", |(closed, zone, days, holidays)| {
            let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            let mut toml = format!("zone = \"{}\"\n[week]\n", ZONES[zone]);
            for (name, d) in names.iter().zip(days) {
                let hours = if closed { &[][..] } else { DAYS[d] };
                let list: Vec<String> = hours.iter().map(|i| format!("\"{i}\"")).collect();
                toml.push_str(&format!("{name} = [{}]\n", list.join(", ")));
            }
            let base: kept_calendar::jiff::civil::Date = "2025-01-01".parse().ok()?;
            let mut seen = std::collections::HashSet::new();
            for offset in holidays {
                let date = base
                    .checked_add(kept_calendar::jiff::Span::new().days(offset))
                    .ok()?;
                if seen.insert(date) {
                    toml.push_str(&format!("[[holidays]]\ndate = \"{date}\"\n"));
                }
            }
            CalendarSpec::from_toml(&toml).ok()?.compile().ok()
        })
}

/// Instants over 2025–2027, to the second.
fn instant() -> impl Strategy<Value = Timestamp> {
    (1_735_689_600i64..1_830_297_600).prop_map(|s| Timestamp::from_second(s).unwrap())
}

/// Up to 200 hours, to the second.
fn duration() -> impl Strategy<Value = BusinessDuration> {
    (0u64..200 * 3600).prop_map(BusinessDuration::from_seconds)
}

/// Whether the calendar, as written, is never open: no weekly hours, no
/// open exception, no partly open holiday. The one kind of calendar on
/// which the instants and durations drawn here have no answer (its range,
/// 1900 to 2200, holds them with room to spare).
fn never_open(cal: &Calendar) -> bool {
    let spec = cal.spec();
    spec.week.clock_seconds() == 0
        && spec.exceptions.is_empty()
        && spec.holidays.iter().all(|h| h.open.is_empty())
}

/// Checks a refusal is the expected one: `NoOpenTime` counting `direction`
/// from `from`, on a calendar that is never open.
fn expect_no_open_time(
    cal: &Calendar,
    error: BusinessTimeError,
    direction: &'static str,
    from: Timestamp,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        &error,
        &BusinessTimeError::NoOpenTime { direction, from },
        "the wrong refusal"
    );
    prop_assert!(
        never_open(cal),
        "refused on a calendar with open hours: {}\n{}",
        error,
        cal.spec().to_toml()
    );
    Ok(())
}

/// `add`'s answer, or `None` once its refusal is checked to be the expected one.
fn add(
    cal: &Calendar,
    s: Timestamp,
    d: BusinessDuration,
) -> Result<Option<Timestamp>, TestCaseError> {
    match cal.add(s, d) {
        Ok(due) => Ok(Some(due)),
        Err(e) => expect_no_open_time(cal, e, "after", s).map(|()| None),
    }
}

/// `sub`'s answer, or `None` once its refusal is checked to be the expected one.
fn sub(
    cal: &Calendar,
    due: Timestamp,
    d: BusinessDuration,
) -> Result<Option<Timestamp>, TestCaseError> {
    match cal.sub(due, d) {
        Ok(start) => Ok(Some(start)),
        Err(e) => expect_no_open_time(cal, e, "before", due).map(|()| None),
    }
}

/// `next_open`'s answer, checked to be `None` only on a calendar never open.
fn next_open(cal: &Calendar, t: Timestamp) -> Result<Option<Timestamp>, TestCaseError> {
    let open = cal.next_open(t);
    prop_assert!(
        open.is_some() || never_open(cal),
        "never opens after {}\n{}",
        t,
        cal.spec().to_toml()
    );
    Ok(open)
}

/// Runs `property` on [`CASES`] inputs drawn from `strategy`. The property
/// answers whether it checked its claim (`false`: the input had nothing to
/// check, the refusal having been checked instead); fails unless at least
/// nine in ten of the cases checked it, so that inputs on which the
/// operation is undefined cannot make a property pass without checking.
fn check<S: Strategy>(
    name: &str,
    strategy: S,
    property: impl Fn(S::Value) -> Result<bool, TestCaseError>,
) {
    let (ran, checked) = (AtomicU32::new(0), AtomicU32::new(0));
    let mut runner = TestRunner::new(ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let outcome = runner.run(&strategy, |value| {
        ran.fetch_add(1, Ordering::Relaxed);
        if property(value)? {
            checked.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{name}: {e}");
    }
    let (ran, checked) = (ran.into_inner(), checked.into_inner());
    eprintln!("{name}: {checked} of {ran} cases checked");
    assert_eq!(ran, CASES, "{name}: every case runs");
    assert!(
        checked * 10 >= ran * 9,
        "{name}: only {checked} of {ran} cases checked anything"
    );
}

#[test]
fn elapsed_from_a_start_to_its_due_instant_is_the_duration() {
    check(
        "elapsed to the due instant",
        (calendar(), instant(), duration()),
        |(cal, s, d)| {
            let Some(due) = add(&cal, s, d)? else {
                return Ok(false);
            };
            prop_assert_eq!(cal.elapsed(s, due), d);
            Ok(true)
        },
    );
}

#[test]
fn add_is_monotonic_in_start_and_duration() {
    check(
        "add is monotonic",
        (calendar(), instant(), instant(), duration(), duration()),
        |(cal, a, b, d, e)| {
            let (s1, s2) = (a.min(b), a.max(b));
            let (d1, d2) = (d.min(e), d.max(e));
            let by_start = (add(&cal, s1, d)?, add(&cal, s2, d)?);
            let by_duration = (add(&cal, a, d1)?, add(&cal, a, d2)?);
            let ((Some(x1), Some(y1)), (Some(x2), Some(y2))) = (by_start, by_duration) else {
                return Ok(false);
            };
            prop_assert!(x1 <= y1, "later start {} due {} before {}", s2, y1, x1);
            prop_assert!(x2 <= y2, "longer duration {} due {} before {}", d2, y2, x2);
            Ok(true)
        },
    );
}

#[test]
fn adding_in_two_steps_is_adding_the_sum() {
    check(
        "adding in two steps",
        (calendar(), instant(), duration(), duration()),
        |(cal, s, a, b)| {
            let sum = a.checked_add(b).unwrap();
            let (Some(step), Some(whole)) = (add(&cal, s, a)?, add(&cal, s, sum)?) else {
                return Ok(false);
            };
            if b > BusinessDuration::ZERO {
                prop_assert_eq!(add(&cal, step, b)?, Some(whole));
            } else {
                // A first step may end on a closing instant; adding zero
                // then moves on to the next opening, as from any closed instant.
                prop_assert_eq!(add(&cal, step, b)?, cal.next_open(whole));
            }
            Ok(true)
        },
    );
}

#[test]
fn adding_zero_is_the_next_opening_and_any_duration_counts_from_it() {
    check(
        "adding zero",
        (calendar(), instant(), duration()),
        |(cal, s, d)| {
            let opening = next_open(&cal, s)?;
            prop_assert_eq!(add(&cal, s, BusinessDuration::ZERO)?, opening);
            let Some(opening) = opening else {
                prop_assert_eq!(add(&cal, s, d)?, None);
                return Ok(false);
            };
            prop_assert_eq!(add(&cal, s, d)?, add(&cal, opening, d)?);
            Ok(true)
        },
    );
}

#[test]
fn subtracting_zero_is_the_latest_instant_with_open_time_just_before() {
    check(
        "subtracting zero",
        (calendar(), instant(), duration()),
        |(cal, due, d)| {
            let Some(close) = sub(&cal, due, BusinessDuration::ZERO)? else {
                prop_assert_eq!(sub(&cal, due, d)?, None);
                return Ok(false);
            };
            prop_assert!(close <= due);
            prop_assert_eq!(cal.elapsed(close, due), BusinessDuration::ZERO);
            let second = SignedDuration::from_secs(1);
            // Open just before it: the second before counts.
            prop_assert_eq!(
                cal.elapsed(close.checked_sub(second).unwrap(), close),
                BusinessDuration::from_seconds(1)
            );
            // And a due instant anywhere from there counts back from there.
            prop_assert_eq!(sub(&cal, due, d)?, sub(&cal, close, d)?);
            Ok(true)
        },
    );
}

#[test]
fn the_calendar_is_open_at_its_next_opening_and_closed_at_its_next_close() {
    check(
        "next opening and close",
        (calendar(), instant()),
        |(cal, t)| {
            let Some(open) = next_open(&cal, t)? else {
                prop_assert!(!cal.is_open(t));
                prop_assert_eq!(cal.next_close(t), None);
                return Ok(false);
            };
            prop_assert!(open >= t);
            prop_assert!(cal.is_open(open));
            prop_assert_eq!(cal.is_open(t), open == t);
            let close = cal
                .next_close(t)
                .ok_or_else(|| TestCaseError::fail(format!("opens at {open} and never closes")))?;
            prop_assert!(close > open);
            prop_assert!(!cal.is_open(close));
            prop_assert_eq!(
                cal.elapsed(open, close).as_seconds() as i64,
                close.duration_since(open).as_secs()
            );
            Ok(true)
        },
    );
}

#[test]
fn the_latest_start_leaves_exactly_the_duration() {
    check(
        "the latest start",
        (calendar(), instant(), duration()),
        |(cal, due, d)| {
            let Some(start) = sub(&cal, due, d)? else {
                return Ok(false);
            };
            prop_assert!(start <= due);
            prop_assert_eq!(cal.elapsed(start, due), d);
            // Any later start leaves less.
            let later = start.checked_add(SignedDuration::from_secs(1)).unwrap();
            if d > BusinessDuration::ZERO {
                prop_assert!(cal.elapsed(later, due) < d);
            }
            Ok(true)
        },
    );
}

#[test]
fn pausing_a_clock_adds_exactly_the_paused_open_time_to_its_due_instant() {
    check(
        "pausing a clock",
        (
            calendar(),
            instant(),
            duration(),
            0i64..30 * 86_400,
            0i64..10 * 86_400,
        ),
        |(cal, s, target, p, len)| {
            let from = s.checked_add(SignedDuration::from_secs(p)).unwrap();
            let to = from.checked_add(SignedDuration::from_secs(len)).unwrap();
            let plain = SlaClock::start(s);
            let mut paused = SlaClock::start(s);
            paused.pause(from).unwrap();
            paused.resume(to).unwrap();
            match (plain.due(&cal, target), paused.due(&cal, target)) {
                (Ok(Some(due0)), Ok(Some(due1))) => {
                    if from < due0 {
                        prop_assert_eq!(cal.elapsed(due0, due1), cal.elapsed(from, to));
                    } else {
                        prop_assert_eq!(due0, due1);
                    }
                    prop_assert_eq!(paused.elapsed(&cal, due1), target);
                    Ok(true)
                }
                // Counted from its start, then (paused) from its resumption.
                (Err(plain), Err(paused)) => {
                    expect_no_open_time(&cal, plain, "after", s)?;
                    expect_no_open_time(&cal, paused, "after", to)?;
                    Ok(false)
                }
                other => Err(TestCaseError::fail(format!(
                    "a running clock has a due instant, or none on this calendar: {other:?}"
                ))),
            }
        },
    );
}
