//! Every daylight-saving change of 2025–2027 in London and New York, with a
//! day shift, a night shift and a 24×7 calendar.
#![allow(clippy::unwrap_used)]

mod support;

use kept_calendar::jiff::civil::Date;
use support::*;

#[derive(Clone, Copy, Debug)]
enum Change {
    /// Clocks go forward: the night is an hour shorter.
    Spring,
    /// Clocks go back: the night is an hour longer.
    Fall,
}
use Change::{Fall, Spring};

/// The Sundays on which the clocks change.
const CHANGES: [(&str, &str, Change); 12] = [
    ("Europe/London", "2025-03-30", Spring),
    ("Europe/London", "2025-10-26", Fall),
    ("Europe/London", "2026-03-29", Spring),
    ("Europe/London", "2026-10-25", Fall),
    ("Europe/London", "2027-03-28", Spring),
    ("Europe/London", "2027-10-31", Fall),
    ("America/New_York", "2025-03-09", Spring),
    ("America/New_York", "2025-11-02", Fall),
    ("America/New_York", "2026-03-08", Spring),
    ("America/New_York", "2026-11-01", Fall),
    ("America/New_York", "2027-03-14", Spring),
    ("America/New_York", "2027-11-07", Fall),
];

fn days(sunday: &str) -> (String, String, String) {
    let sun: Date = sunday.parse().unwrap();
    (
        sun.yesterday().unwrap().to_string(),
        sunday.to_string(),
        sun.tomorrow().unwrap().to_string(),
    )
}

#[test]
fn the_table_lists_the_real_changes() {
    for (zone, sunday, change) in CHANGES {
        let (sat, sun, _) = days(sunday);
        let before = local(zone, &format!("{sat}T12:00"));
        let after = local(zone, &format!("{sun}T12:00"));
        let real_hours = after.duration_since(before).as_hours();
        let expect = match change {
            Spring => 23,
            Fall => 25,
        };
        assert_eq!(real_hours, expect, "{zone} {sunday}");
    }
}

#[test]
fn a_day_shift_keeps_eight_hours_on_each_day_of_change() {
    let cal_for = |zone| weekly(zone, &ALL_WEEK, &["09:00-17:00"]);
    for (zone, sunday, change) in CHANGES {
        let cal = cal_for(zone);
        let (sat, sun, mon) = days(sunday);
        let l = |s: String| local(zone, &s);
        assert_eq!(
            cal.elapsed(l(format!("{sun}T00:00")), l(format!("{mon}T00:00"))),
            hours(8),
            "{zone} {sunday} {change:?}"
        );
        let due = cal.add(l(format!("{sat}T16:00")), hours(2));
        assert_eq!(
            due,
            Ok(l(format!("{sun}T10:00"))),
            "{zone} {sunday} {change:?}"
        );
        assert_eq!(
            cal.sub(l(format!("{sun}T10:00")), hours(2)),
            Ok(l(format!("{sat}T16:00"))),
            "{zone} {sunday}"
        );
    }
}

#[test]
fn a_night_shift_across_the_change_loses_or_gains_an_hour() {
    for (zone, sunday, change) in CHANGES {
        let cal = weekly(zone, &ALL_WEEK, &["22:00-06:00"]);
        let (sat, sun, _) = days(sunday);
        let l = |s: String| local(zone, &s);
        let (night, due) = match change {
            Spring => (hours(7), l(format!("{sun}T23:00"))),
            Fall => (hours(9), l(format!("{sun}T05:00"))),
        };
        assert_eq!(
            cal.elapsed(l(format!("{sat}T21:00")), l(format!("{sun}T12:00"))),
            night,
            "{zone} {sunday}"
        );
        assert_eq!(
            cal.add(l(format!("{sat}T22:00")), hours(8)),
            Ok(due),
            "{zone} {sunday}"
        );
        assert_eq!(
            cal.sub(due, hours(8)),
            Ok(l(format!("{sat}T22:00"))),
            "{zone} {sunday}"
        );
        assert!(cal.is_open(l(format!("{sun}T04:00"))), "{zone} {sunday}");
        assert_eq!(
            cal.next_close(l(format!("{sat}T23:00"))),
            Some(l(format!("{sun}T06:00"))),
            "{zone} {sunday}"
        );
    }
}

#[test]
fn a_round_the_clock_calendar_has_a_23_or_25_hour_sunday() {
    for (zone, sunday, change) in CHANGES {
        let cal = weekly(zone, &ALL_WEEK, &["00:00-24:00"]);
        let (_, sun, mon) = days(sunday);
        let l = |s: String| local(zone, &s);
        let (length, due) = match change {
            Spring => (hours(23), l(format!("{mon}T01:00"))),
            Fall => (hours(25), l(format!("{sun}T23:00"))),
        };
        assert_eq!(
            cal.elapsed(l(format!("{sun}T00:00")), l(format!("{mon}T00:00"))),
            length,
            "{zone} {sunday}"
        );
        assert_eq!(
            cal.add(l(format!("{sun}T00:00")), hours(24)),
            Ok(due),
            "{zone} {sunday}"
        );
        assert_eq!(
            cal.sub(due, hours(24)),
            Ok(l(format!("{sun}T00:00"))),
            "{zone} {sunday}"
        );
    }
}
