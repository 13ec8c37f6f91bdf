//! Helpers shared by the calendar's integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use kept_calendar::jiff::Timestamp;
use kept_calendar::jiff::civil::DateTime;
use kept_calendar::{BusinessDuration, Calendar, CalendarSpec};

/// A calendar from TOML, which must be valid.
pub fn calendar(toml: &str) -> Calendar {
    CalendarSpec::from_toml(toml)
        .and_then(|s| s.compile())
        .unwrap_or_else(|e| panic!("calendar should load: {e}\n{toml}"))
}

/// A calendar open `hours` on each of the given days, in `zone`.
pub fn weekly(zone: &str, days: &[&str], hours: &[&str]) -> Calendar {
    let list = hours
        .iter()
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut toml = format!("zone = \"{zone}\"\n[week]\n");
    for d in days {
        toml.push_str(&format!("{d} = [{list}]\n"));
    }
    calendar(&toml)
}

/// Every day of the week.
pub const ALL_WEEK: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// Monday to Friday.
pub const WEEKDAYS: [&str; 5] = ["mon", "tue", "wed", "thu", "fri"];

/// An instant written in RFC 3339 (`2026-03-02T09:00:00Z`).
pub fn at(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The instant a local wall-clock time (`2026-03-28T22:00`) stands for in
/// `zone` (the earlier one if the clock shows it twice).
pub fn local(zone: &str, s: &str) -> Timestamp {
    let dt: DateTime = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
    dt.in_tz(zone).unwrap().timestamp()
}

/// Hours of business time.
pub fn hours(h: u64) -> BusinessDuration {
    BusinessDuration::from_hours(h)
}

/// Minutes of business time.
pub fn minutes(m: u64) -> BusinessDuration {
    BusinessDuration::from_minutes(m)
}
