//! Invariants of business-time arithmetic, over random calendars.
#![allow(clippy::unwrap_used)]

mod support;

use kept_calendar::jiff::Timestamp;
use kept_calendar::{BusinessDuration, Calendar, CalendarSpec, SlaClock};
use proptest::prelude::*;

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

fn calendar() -> impl Strategy<Value = Calendar> {
    (
        0..ZONES.len(),
        proptest::array::uniform7(0..DAYS.len()),
        proptest::collection::vec(0i64..900, 0..6),
    )
        .prop_filter_map("overlapping week", |(zone, days, holidays)| {
            let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            let mut toml = format!("zone = \"{}\"\n[week]\n", ZONES[zone]);
            for (name, d) in names.iter().zip(days) {
                let list: Vec<String> = DAYS[d].iter().map(|i| format!("\"{i}\"")).collect();
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

/// Skips calendars with no open time (the `add` error is tested elsewhere).
fn add(cal: &Calendar, s: Timestamp, d: BusinessDuration) -> Option<Timestamp> {
    cal.add(s, d).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn elapsed_from_a_start_to_its_due_instant_is_the_duration(cal in calendar(), s in instant(), d in duration()) {
        if let Some(due) = add(&cal, s, d) {
            prop_assert_eq!(cal.elapsed(s, due), d);
        }
    }

    #[test]
    fn add_is_monotonic_in_start_and_duration(cal in calendar(), a in instant(), b in instant(), d in duration(), e in duration()) {
        let (s1, s2) = (a.min(b), a.max(b));
        if let (Some(x), Some(y)) = (add(&cal, s1, d), add(&cal, s2, d)) {
            prop_assert!(x <= y);
        }
        let (d1, d2) = (d.min(e), d.max(e));
        if let (Some(x), Some(y)) = (add(&cal, a, d1), add(&cal, a, d2)) {
            prop_assert!(x <= y);
        }
    }

    #[test]
    fn adding_in_two_steps_is_adding_the_sum(cal in calendar(), s in instant(), a in duration(), b in duration()) {
        if let (Some(step), Some(whole)) = (add(&cal, s, a), add(&cal, s, a.checked_add(b).unwrap())) {
            if b > BusinessDuration::ZERO {
                prop_assert_eq!(add(&cal, step, b), Some(whole));
            } else {
                // A first step may end on a closing instant; adding zero
                // then moves on to the next opening, as from any closed instant.
                prop_assert_eq!(add(&cal, step, b), cal.next_open(whole));
            }
        }
    }

    #[test]
    fn adding_zero_is_the_next_opening_and_any_duration_counts_from_it(cal in calendar(), s in instant(), d in duration()) {
        let opening = cal.next_open(s);
        prop_assert_eq!(add(&cal, s, BusinessDuration::ZERO), opening);
        if let Some(opening) = opening {
            prop_assert_eq!(add(&cal, s, d), add(&cal, opening, d));
        }
    }

    #[test]
    fn subtracting_zero_is_the_latest_instant_with_open_time_just_before(cal in calendar(), due in instant(), d in duration()) {
        if let Ok(close) = cal.sub(due, BusinessDuration::ZERO) {
            prop_assert!(close <= due);
            prop_assert_eq!(cal.elapsed(close, due), BusinessDuration::ZERO);
            let second = kept_calendar::jiff::SignedDuration::from_secs(1);
            // Open just before it: the second before counts.
            prop_assert_eq!(cal.elapsed(close.checked_sub(second).unwrap(), close), BusinessDuration::from_seconds(1));
            // And a due instant anywhere from there counts back from there.
            if let (Ok(a), Ok(b)) = (cal.sub(due, d), cal.sub(close, d)) {
                prop_assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn the_calendar_is_open_at_its_next_opening_and_closed_at_its_next_close(cal in calendar(), t in instant()) {
        if let Some(open) = cal.next_open(t) {
            prop_assert!(open >= t);
            prop_assert!(cal.is_open(open));
            prop_assert_eq!(cal.is_open(t), open == t);
            let close = cal.next_close(t).unwrap();
            prop_assert!(close > open);
            prop_assert!(!cal.is_open(close));
            prop_assert_eq!(cal.elapsed(open, close).as_seconds() as i64, close.duration_since(open).as_secs());
        }
    }

    #[test]
    fn the_latest_start_leaves_exactly_the_duration(cal in calendar(), due in instant(), d in duration()) {
        if let Ok(start) = cal.sub(due, d) {
            prop_assert!(start <= due);
            prop_assert_eq!(cal.elapsed(start, due), d);
            // Any later start leaves less.
            let later = start.checked_add(kept_calendar::jiff::SignedDuration::from_secs(1)).unwrap();
            if d > BusinessDuration::ZERO {
                prop_assert!(cal.elapsed(later, due) < d);
            }
        }
    }

    #[test]
    fn pausing_a_clock_adds_exactly_the_paused_open_time_to_its_due_instant(
        cal in calendar(), s in instant(), target in duration(), p in 0i64..30 * 86_400, len in 0i64..10 * 86_400,
    ) {
        let from = s.checked_add(kept_calendar::jiff::SignedDuration::from_secs(p)).unwrap();
        let to = from.checked_add(kept_calendar::jiff::SignedDuration::from_secs(len)).unwrap();
        let plain = SlaClock::start(s);
        let mut paused = SlaClock::start(s);
        paused.pause(from).unwrap();
        paused.resume(to).unwrap();
        if let (Ok(Some(due0)), Ok(Some(due1))) = (plain.due(&cal, target), paused.due(&cal, target)) {
            if from < due0 {
                prop_assert_eq!(cal.elapsed(due0, due1), cal.elapsed(from, to));
            } else {
                prop_assert_eq!(due0, due1);
            }
            prop_assert_eq!(paused.elapsed(&cal, due1), target);
        }
    }
}
