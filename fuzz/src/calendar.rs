//! Once a calendar has been read from outside
//! input, what the service does with it next (validate, store as TOML and
//! read back, count business time on it), with the invariants that must
//! hold whatever the calendar says.

use kept_calendar::jiff::Timestamp;
use kept_calendar::jiff::civil::{Date, Time};
use kept_calendar::jiff::tz::Offset;
use kept_calendar::{BusinessDuration, Calendar, CalendarSpec};

/// Durations counted on every calendar: none, a second, a working day, a
/// long target.
const DURATIONS: [u64; 4] = [0, 1, 8 * 3600, 1000 * 3600];

/// Instants counted from on every calendar, besides those the calendar
/// names: an ordinary day, a European change of offset, midsummer.
const INSTANTS: [i64; 3] = [1_735_689_600, 1_774_747_800, 1_781_524_800];

/// Validates `spec` as the service does before storing it and, when it is
/// valid, checks it survives the round trip through its stored TOML form,
/// then compiles it and counts business time on it.
pub fn exercise(spec: &CalendarSpec) {
    if spec.validate().is_err() {
        return;
    }
    let stored = spec.to_toml();
    match CalendarSpec::from_toml(&stored) {
        Ok(again) => assert_eq!(&again, spec, "stored as:\n{stored}"),
        Err(e) => panic!("a valid calendar does not read back from its TOML: {e}\n{stored}"),
    }
    let Ok(calendar) = spec.compile() else {
        panic!("a calendar that validates does not compile");
    };
    for t in instants(spec) {
        count_from(&calendar, t);
    }
}

/// The fixed instants, and midnight UTC on the dates the calendar names
/// (its range, its first holiday and exception), where its edges are.
fn instants(spec: &CalendarSpec) -> Vec<Timestamp> {
    let named: Vec<Date> = [
        spec.valid_from,
        spec.valid_until,
        spec.holidays.first().map(|h| h.date),
        spec.exceptions.first().map(|e| e.from.date()),
    ]
    .into_iter()
    .flatten()
    .collect();
    INSTANTS
        .iter()
        .filter_map(|&s| Timestamp::from_second(s).ok())
        .chain(named.into_iter().filter_map(|d| {
            Offset::UTC
                .to_timestamp(d.to_datetime(Time::midnight()))
                .ok()
        }))
        .collect()
}

/// Business time from and to `t`: `add` and `sub` leave exactly the
/// duration asked for, and the next opening is open.
fn count_from(calendar: &Calendar, t: Timestamp) {
    if let Some(open) = calendar.next_open(t) {
        assert!(open >= t, "next opening {open} before {t}");
        assert!(calendar.is_open(open), "closed at its next opening {open}");
        if let Some(close) = calendar.next_close(t) {
            assert!(
                close > open,
                "next close {close} not after next opening {open}"
            );
        }
    }
    for seconds in DURATIONS {
        let d = BusinessDuration::from_seconds(seconds);
        if let Ok(due) = calendar.add(t, d) {
            assert!(due >= t, "due {due} before start {t}");
            assert_eq!(calendar.elapsed(t, due), d, "from {t} to due {due}");
        }
        if let Ok(start) = calendar.sub(t, d) {
            assert!(start <= t, "latest start {start} after due {t}");
            assert_eq!(
                calendar.elapsed(start, t),
                d,
                "from latest start {start} to {t}"
            );
        }
    }
}
