//! The documented semantics of the calendar crate, one test each.
#![allow(clippy::unwrap_used)]

mod support;

use kept_calendar::{BusinessTimeError, ClockError, ClockState, SlaClock};
use support::*;

const LONDON_9_TO_5: &str = r#"
zone = "Europe/London"
[week]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
"#;

#[test]
fn a_start_outside_open_hours_counts_from_the_next_opening() {
    let cal = calendar(LONDON_9_TO_5);
    // Saturday 10:00 + 1h is Monday 10:00.
    assert_eq!(
        cal.add(at("2026-03-07T10:00:00Z"), hours(1)),
        Ok(at("2026-03-09T10:00:00Z"))
    );
    // Before opening on a weekday: counts from 09:00.
    assert_eq!(
        cal.add(at("2026-03-09T07:15:00Z"), hours(2)),
        Ok(at("2026-03-09T11:00:00Z"))
    );
}

#[test]
fn a_due_instant_on_a_closing_instant_stays_there() {
    let cal = calendar(LONDON_9_TO_5);
    // Monday 13:00 + 4h is Monday 17:00, not Tuesday 09:00.
    assert_eq!(
        cal.add(at("2026-03-02T13:00:00Z"), hours(4)),
        Ok(at("2026-03-02T17:00:00Z"))
    );
    // One second more goes to the next opening plus that second.
    let due = cal.add(
        at("2026-03-02T13:00:00Z"),
        kept_calendar::BusinessDuration::from_seconds(4 * 3600 + 1),
    );
    assert_eq!(due, Ok(at("2026-03-03T09:00:01Z")));
    // Friday 13:00 + 4h is Friday 17:00, not Monday.
    assert_eq!(
        cal.add(at("2026-03-06T13:00:00Z"), hours(4)),
        Ok(at("2026-03-06T17:00:00Z"))
    );
}

#[test]
fn the_latest_start_mirrors_the_due_instant() {
    let cal = calendar(LONDON_9_TO_5);
    // Due Tuesday 10:00 with 4h needed: one hour on Tuesday, three on Monday.
    assert_eq!(
        cal.sub(at("2026-03-03T10:00:00Z"), hours(4)),
        Ok(at("2026-03-02T14:00:00Z"))
    );
    // Exactly one day's work before Tuesday 17:00: start at Tuesday's opening.
    assert_eq!(
        cal.sub(at("2026-03-03T17:00:00Z"), hours(8)),
        Ok(at("2026-03-03T09:00:00Z"))
    );
    // Due on Saturday counts back from Friday's close.
    assert_eq!(
        cal.sub(at("2026-03-07T12:00:00Z"), hours(1)),
        Ok(at("2026-03-06T16:00:00Z"))
    );
}

#[test]
fn a_zero_duration_from_a_closed_instant_is_the_next_opening() {
    let cal = calendar(LONDON_9_TO_5);
    // Saturday 10:00 + 0 is Monday's opening, as any other duration counts from there.
    assert_eq!(
        cal.add(at("2026-03-07T10:00:00Z"), hours(0)),
        Ok(at("2026-03-09T09:00:00Z"))
    );
    // A closing instant is closed: Monday 17:00 + 0 is Tuesday 09:00.
    assert_eq!(
        cal.add(at("2026-03-02T17:00:00Z"), hours(0)),
        Ok(at("2026-03-03T09:00:00Z"))
    );
    // Inside open hours (and on an opening) it is the start itself.
    assert_eq!(
        cal.add(at("2026-03-02T11:30:00Z"), hours(0)),
        Ok(at("2026-03-02T11:30:00Z"))
    );
    assert_eq!(
        cal.add(at("2026-03-02T09:00:00Z"), hours(0)),
        Ok(at("2026-03-02T09:00:00Z"))
    );
}

#[test]
fn a_zero_duration_back_from_a_closed_instant_is_the_previous_closing() {
    let cal = calendar(LONDON_9_TO_5);
    // Due on Saturday counts back from Friday's close, whatever the duration.
    assert_eq!(
        cal.sub(at("2026-03-07T12:00:00Z"), hours(0)),
        Ok(at("2026-03-06T17:00:00Z"))
    );
    // An opening instant had no open time just before it: Friday's close.
    assert_eq!(
        cal.sub(at("2026-03-09T09:00:00Z"), hours(0)),
        Ok(at("2026-03-06T17:00:00Z"))
    );
    // Inside open hours, and on the closing instant itself, it is the instant.
    assert_eq!(
        cal.sub(at("2026-03-09T11:30:00Z"), hours(0)),
        Ok(at("2026-03-09T11:30:00Z"))
    );
    assert_eq!(
        cal.sub(at("2026-03-09T17:00:00Z"), hours(0)),
        Ok(at("2026-03-09T17:00:00Z"))
    );
}

#[test]
fn a_zero_target_clock_started_while_closed_is_due_at_the_next_opening() {
    let cal = calendar(LONDON_9_TO_5);
    let clock = SlaClock::start(at("2026-03-07T10:00:00Z")); // a Saturday
    let zero = hours(0);
    assert_eq!(clock.due(&cal, zero), Ok(Some(at("2026-03-09T09:00:00Z"))));
    assert!(!clock.is_breached(&cal, zero, at("2026-03-08T12:00:00Z")));
    assert!(clock.is_breached(&cal, zero, at("2026-03-09T09:00:01Z")));
}

#[test]
fn elapsed_counts_only_open_time_and_is_zero_backwards() {
    let cal = calendar(LONDON_9_TO_5);
    // Friday 16:00 to Monday 10:00: one hour on Friday, one on Monday.
    assert_eq!(
        cal.elapsed(at("2026-03-06T16:00:00Z"), at("2026-03-09T10:00:00Z")),
        hours(2)
    );
    assert_eq!(
        cal.elapsed(at("2026-03-09T10:00:00Z"), at("2026-03-06T16:00:00Z")),
        hours(0)
    );
    // A whole week is 40 hours.
    assert_eq!(
        cal.elapsed(at("2026-03-09T00:00:00Z"), at("2026-03-16T00:00:00Z")),
        hours(40)
    );
}

#[test]
fn open_intervals_include_their_start_and_exclude_their_end() {
    let cal = calendar(LONDON_9_TO_5);
    assert!(cal.is_open(at("2026-03-02T09:00:00Z")));
    assert!(cal.is_open(at("2026-03-02T16:59:59Z")));
    assert!(!cal.is_open(at("2026-03-02T17:00:00Z")));
    assert!(!cal.is_open(at("2026-03-02T08:59:59Z")));
}

#[test]
fn next_open_and_next_close_find_the_edges_of_open_periods() {
    let cal = calendar(LONDON_9_TO_5);
    let sat = at("2026-03-07T10:00:00Z");
    assert_eq!(cal.next_open(sat), Some(at("2026-03-09T09:00:00Z")));
    assert_eq!(cal.next_close(sat), Some(at("2026-03-09T17:00:00Z")));
    let open = at("2026-03-09T11:30:00Z");
    assert_eq!(cal.next_open(open), Some(open));
    assert_eq!(cal.next_close(open), Some(at("2026-03-09T17:00:00Z")));
    // At the closing instant the calendar is closed: the next period's end.
    assert_eq!(
        cal.next_close(at("2026-03-09T17:00:00Z")),
        Some(at("2026-03-10T17:00:00Z"))
    );
}

#[test]
fn a_whole_week_open_has_no_closing_within_a_year_boundary() {
    // 24x7: the open period runs on across midnights and chunk boundaries.
    let cal = weekly("UTC", &ALL_WEEK, &["00:00-24:00"]);
    assert!(cal.is_open(at("2026-12-31T23:59:59Z")));
    assert_eq!(
        cal.add(at("2026-12-31T23:00:00Z"), hours(2)),
        Ok(at("2027-01-01T01:00:00Z"))
    );
    // Open from 1900 to 2200: the period ends where the calendar does.
    assert_eq!(
        cal.next_close(at("2026-06-01T00:00:00Z"))
            .map(|t| t.to_string() > "2199".into()),
        Some(true)
    );
}

#[test]
fn a_day_shift_is_eight_hours_on_the_days_clocks_change() {
    // Clocks change on Sunday night; a shift every day of the week sees none of it.
    let cal = weekly("Europe/London", &ALL_WEEK, &["09:00-17:00"]);
    let day = |d: &str| {
        cal.elapsed(
            local("Europe/London", &format!("{d}T00:00")),
            local("Europe/London", &format!("{d}T23:59")),
        )
    };
    assert_eq!(day("2026-03-29"), hours(8));
    assert_eq!(day("2026-10-25"), hours(8));
}

#[test]
fn a_dst_change_inside_an_open_interval_shortens_or_lengthens_it() {
    let night = weekly("Europe/London", &ALL_WEEK, &["22:00-06:00"]);
    let shift = |d: &str| {
        night.elapsed(
            local("Europe/London", &format!("{d}T21:00")),
            local("Europe/London", &format!("{d}T21:00"))
                .checked_add(kept_calendar::jiff::SignedDuration::from_hours(12))
                .unwrap(),
        )
    };
    assert_eq!(shift("2026-03-28"), hours(7));
    assert_eq!(shift("2026-10-24"), hours(9));
    assert_eq!(shift("2026-06-06"), hours(8));
}

#[test]
fn a_boundary_in_a_spring_forward_gap_opens_at_the_end_of_the_gap() {
    // London skips 01:00-02:00 on 29 March 2026.
    let cal = weekly("Europe/London", &["sun"], &["01:30-03:00"]);
    let sunday = "2026-03-29";
    assert_eq!(
        cal.next_open(at(&format!("{sunday}T00:00:00Z"))),
        Some(at(&format!("{sunday}T01:00:00Z")))
    );
    assert_eq!(
        cal.next_close(at(&format!("{sunday}T00:00:00Z"))),
        Some(at(&format!("{sunday}T02:00:00Z")))
    );
    // An interval wholly inside the gap has no time that day.
    let inside = weekly("Europe/London", &["sun"], &["01:10-01:50"]);
    assert_eq!(
        inside.elapsed(at("2026-03-29T00:00:00Z"), at("2026-03-30T00:00:00Z")),
        hours(0)
    );
    assert_eq!(
        inside.elapsed(at("2026-04-05T00:00:00Z"), at("2026-04-06T00:00:00Z")),
        minutes(40)
    );
}

#[test]
fn a_boundary_the_clock_shows_twice_is_its_first_occurrence() {
    // London repeats 01:00-02:00 on 25 October 2026 (BST then GMT).
    let cal = weekly("Europe/London", &["sun"], &["01:30-03:00"]);
    assert_eq!(
        cal.next_open(at("2026-10-24T12:00:00Z")),
        Some(at("2026-10-25T00:30:00Z"))
    );
    assert_eq!(
        cal.next_close(at("2026-10-24T12:00:00Z")),
        Some(at("2026-10-25T03:00:00Z"))
    );
    assert_eq!(
        cal.elapsed(at("2026-10-24T12:00:00Z"), at("2026-10-26T00:00:00Z")),
        minutes(150)
    );
}

#[test]
fn a_holiday_closes_the_intervals_that_start_on_its_date() {
    let cal = calendar(
        r#"
zone = "Europe/London"
[week]
thu = ["22:00-06:00"]
fri = ["22:00-06:00"]
[[holidays]]
date = "2026-12-25"
name = "Christmas Day"
"#,
    );
    // Thursday 24th's night shift runs into Christmas morning.
    assert!(cal.is_open(at("2026-12-25T05:00:00Z")));
    // Friday 25th's shift does not start.
    assert!(!cal.is_open(at("2026-12-25T23:00:00Z")));
    assert_eq!(
        cal.elapsed(at("2026-12-24T00:00:00Z"), at("2026-12-28T00:00:00Z")),
        hours(8)
    );
}

#[test]
fn a_partial_holiday_replaces_the_hours_of_its_date() {
    let cal = calendar(
        r#"
zone = "Europe/London"
[week]
thu = ["09:00-17:30"]
[[holidays]]
date = "2026-12-24"
name = "Christmas Eve"
open = ["09:00-13:00"]
"#,
    );
    assert_eq!(
        cal.elapsed(at("2026-12-24T00:00:00Z"), at("2026-12-25T00:00:00Z")),
        hours(4)
    );
    assert_eq!(
        cal.add(at("2026-12-24T12:00:00Z"), hours(2)),
        Ok(at("2026-12-31T10:00:00Z"))
    );
}

#[test]
fn exceptions_open_extra_windows_and_closures_win() {
    let cal = calendar(
        r#"
zone = "UTC"
[week]
mon = ["09:00-17:00"]
[[exceptions]]
kind = "open"
from = "2026-03-07T10:00"
to = "2026-03-07T14:00"
name = "Saturday stock-take"
[[exceptions]]
kind = "closed"
from = "2026-03-09T12:00"
to = "2026-03-09T13:00"
name = "Fire drill"
[[exceptions]]
kind = "closed"
from = "2026-03-07T13:00"
to = "2026-03-07T15:00"
"#,
    );
    assert!(cal.is_open(at("2026-03-07T11:00:00Z")));
    assert!(!cal.is_open(at("2026-03-07T13:30:00Z")));
    assert!(!cal.is_open(at("2026-03-09T12:30:00Z")));
    assert_eq!(
        cal.elapsed(at("2026-03-07T00:00:00Z"), at("2026-03-10T00:00:00Z")),
        hours(3 + 7)
    );
}

#[test]
fn a_calendar_with_no_open_time_in_its_range_returns_an_error_not_a_loop() {
    let closed = weekly("UTC", &[], &[]);
    let err = closed.add(at("2026-01-01T00:00:00Z"), hours(1));
    assert!(
        matches!(err, Err(BusinessTimeError::NoOpenTime { .. })),
        "{err:?}"
    );
    assert!(closed.sub(at("2026-01-01T00:00:00Z"), hours(1)).is_err());
    assert_eq!(closed.next_open(at("2026-01-01T00:00:00Z")), None);

    let bounded = calendar(
        r#"
zone = "UTC"
valid_from = "2026-01-01"
valid_until = "2026-01-31"
[week]
mon = ["09:00-17:00"]
"#,
    );
    // Four Mondays in January 2026: 32 hours, then nothing.
    assert_eq!(
        bounded.elapsed(at("2025-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")),
        hours(32)
    );
    assert!(bounded.add(at("2026-01-01T00:00:00Z"), hours(32)).is_ok());
    assert!(bounded.add(at("2026-01-01T00:00:00Z"), hours(33)).is_err());
    // Before the range, counting starts at its first opening.
    assert_eq!(
        bounded.add(at("2025-06-01T00:00:00Z"), hours(1)),
        Ok(at("2026-01-05T10:00:00Z"))
    );

    // Open only by one exception: counting past it fails fast.
    let once = calendar(
        "zone = \"UTC\"\n[[exceptions]]\nkind = \"open\"\nfrom = \"2026-03-07T10:00\"\nto = \"2026-03-07T11:00\"\n",
    );
    assert_eq!(
        once.add(at("2026-01-01T00:00:00Z"), hours(1)),
        Ok(at("2026-03-07T11:00:00Z"))
    );
    assert!(once.add(at("2026-01-01T00:00:00Z"), hours(2)).is_err());
}

#[test]
fn an_instant_outside_the_valid_dates_in_the_calendar_s_zone_is_out_of_range() {
    let bounded = calendar(
        r#"
zone = "Europe/London"
valid_from = "2026-06-01"
valid_until = "2026-06-30"
[week]
mon = ["09:00-17:00"]
"#,
    );
    // 1 June begins at 23:00 UTC the day before (BST); 30 June ends at 23:00 UTC.
    for inside in [
        "2026-05-31T23:00:00Z",
        "2026-06-15T12:00:00Z",
        "2026-06-30T23:00:00Z",
    ] {
        assert_eq!(bounded.check_in_range(at(inside)), Ok(()), "{inside}");
    }
    for outside in [
        "2026-05-31T22:59:59Z",
        "2026-06-30T23:00:01Z",
        "1990-01-01T00:00:00Z",
    ] {
        let err = bounded.check_in_range(at(outside));
        assert!(
            matches!(err, Err(BusinessTimeError::OutOfRange { .. })),
            "{outside}: {err:?}"
        );
    }
    let message = bounded
        .check_in_range(at("2027-01-01T00:00:00Z"))
        .map_err(|e| e.to_string());
    assert_eq!(
        message,
        Err(
            "2027-01-01T00:00:00Z is outside the calendar's valid range, 2026-06-01 to 2026-06-30"
                .into()
        )
    );

    let always = weekly("UTC", &[], &[]);
    assert_eq!(always.check_in_range(at("1900-01-01T00:00:00Z")), Ok(()));
    assert!(always.check_in_range(at("1899-12-31T23:59:59Z")).is_err());
    assert_eq!(always.check_in_range(at("2200-01-01T00:00:00Z")), Ok(()));
    assert!(always.check_in_range(at("2200-01-01T00:00:01Z")).is_err());
}

#[test]
fn samoa_s_skipped_day_has_no_open_time() {
    // Pacific/Apia went from 29 December 2011 straight to 31 December.
    let cal = weekly("Pacific/Apia", &ALL_WEEK, &["09:00-17:00"]);
    let from = local("Pacific/Apia", "2011-12-29T00:00");
    let to = local("Pacific/Apia", "2012-01-01T00:00");
    assert_eq!(cal.elapsed(from, to), hours(16));
    assert_eq!(
        cal.add(local("Pacific/Apia", "2011-12-29T16:00"), hours(2)),
        Ok(local("Pacific/Apia", "2011-12-31T10:00"))
    );
}

#[test]
fn a_clock_leaves_out_its_pauses() {
    let cal = calendar(LONDON_9_TO_5);
    let mut clock = SlaClock::start(at("2026-03-02T09:00:00Z"));
    clock.pause(at("2026-03-02T10:00:00Z")).unwrap();
    assert_eq!(clock.state(), ClockState::Paused);
    // While paused short of the target, the due instant is unknown.
    assert_eq!(clock.due(&cal, hours(4)), Ok(None));
    assert_eq!(clock.elapsed(&cal, at("2026-03-03T12:00:00Z")), hours(1));
    clock.resume(at("2026-03-03T09:00:00Z")).unwrap();
    assert_eq!(
        clock.due(&cal, hours(4)),
        Ok(Some(at("2026-03-03T12:00:00Z")))
    );
    assert_eq!(
        clock.remaining(&cal, hours(4), at("2026-03-03T11:00:00Z")),
        hours(1)
    );
    assert!(!clock.is_breached(&cal, hours(4), at("2026-03-03T12:00:00Z")));
    assert!(clock.is_breached(&cal, hours(4), at("2026-03-03T12:00:01Z")));
    assert_eq!(
        clock.breach_at(&cal, hours(4)),
        Ok(Some(at("2026-03-03T12:00:00Z")))
    );
    clock.stop(at("2026-03-03T11:30:00Z")).unwrap();
    // Stopped in time: no breach, elapsed frozen.
    assert_eq!(clock.breach_at(&cal, hours(4)), Ok(None));
    assert_eq!(
        clock.elapsed(&cal, at("2026-03-09T12:00:00Z")),
        minutes(210)
    );
    assert_eq!(
        clock.remaining(&cal, hours(4), at("2026-03-09T12:00:00Z")),
        minutes(30)
    );
}

#[test]
fn a_target_reached_before_a_pause_keeps_its_due_instant() {
    let cal = calendar(LONDON_9_TO_5);
    let mut clock = SlaClock::start(at("2026-03-02T09:00:00Z"));
    clock.pause(at("2026-03-02T15:00:00Z")).unwrap();
    assert_eq!(
        clock.due(&cal, hours(1)),
        Ok(Some(at("2026-03-02T10:00:00Z")))
    );
    assert!(clock.is_breached(&cal, hours(1), at("2026-03-02T16:00:00Z")));
}

#[test]
fn a_clock_refuses_operations_out_of_order() {
    let mut clock = SlaClock::start(at("2026-03-02T09:00:00Z"));
    assert!(matches!(
        clock.resume(at("2026-03-02T10:00:00Z")),
        Err(ClockError::State { .. })
    ));
    assert!(matches!(
        clock.pause(at("2026-03-02T08:00:00Z")),
        Err(ClockError::Backwards { .. })
    ));
    clock.pause(at("2026-03-02T10:00:00Z")).unwrap();
    assert!(matches!(
        clock.pause(at("2026-03-02T11:00:00Z")),
        Err(ClockError::State { .. })
    ));
    clock.stop(at("2026-03-02T11:00:00Z")).unwrap();
    assert_eq!(clock.state(), ClockState::Stopped);
    assert!(clock.resume(at("2026-03-02T12:00:00Z")).is_err());
    assert!(clock.stop(at("2026-03-02T12:00:00Z")).is_err());
    // Stopping while paused closes the pause.
    assert_eq!(clock.pauses().len(), 1);
}

#[test]
fn a_clock_round_trips_through_json() {
    let mut clock = SlaClock::start(at("2026-03-02T09:00:00Z"));
    clock.pause(at("2026-03-02T10:00:00Z")).unwrap();
    let json = serde_json::to_string(&clock).unwrap();
    assert_eq!(serde_json::from_str::<SlaClock>(&json).unwrap(), clock);
}

#[test]
fn a_restarted_clock_leaves_out_the_time_it_stood_stopped() {
    let cal = calendar(LONDON_9_TO_5);
    let mut clock = SlaClock::start(at("2026-03-02T09:00:00Z"));
    clock.stop(at("2026-03-02T11:00:00Z")).unwrap();
    assert!(clock.restart(at("2026-03-02T10:00:00Z")).is_err());
    clock.restart(at("2026-03-03T09:00:00Z")).unwrap();
    assert_eq!(clock.state(), ClockState::Running);
    // Two hours on Monday, then two more from Tuesday 09:00.
    assert_eq!(
        clock.due(&cal, hours(4)),
        Ok(Some(at("2026-03-03T11:00:00Z")))
    );
    assert!(matches!(
        clock.restart(at("2026-03-03T10:00:00Z")),
        Err(ClockError::State { .. })
    ));
}
