//! The calendar as people write it (TOML or JSON), and its validation.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::error::{InvalidCalendar, Problem};
use crate::interval::Interval;

const DAY: i64 = 86_400;
/// The earliest date a calendar's validity range may start on.
pub const EARLIEST_DATE: Date = jiff::civil::date(1900, 1, 1);
/// The latest date a calendar's validity range may end on.
pub const LATEST_DATE: Date = jiff::civil::date(2299, 12, 31);
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A business calendar: a time zone, weekly open hours, holidays, one-off
/// exceptions and an optional range of dates it is valid for.
///
/// ```toml
/// zone = "Europe/London"
/// valid_from = "2026-01-01"      # optional, inclusive
/// valid_until = "2027-12-31"     # optional, inclusive
/// [week]
/// mon = ["09:00-12:30", "13:30-17:30"]
/// fri = ["09:00-17:30", "22:00-06:00"]   # a night shift into Saturday
/// [[holidays]]
/// date = "2026-12-25"
/// name = "Christmas Day"
/// [[holidays]]
/// date = "2026-12-24"
/// name = "Christmas Eve"
/// open = ["09:00-13:00"]         # a partial day: open only these hours
/// [[exceptions]]
/// kind = "closed"                # or "open" for an extra window
/// from = "2026-06-12T12:00"
/// to = "2026-06-12T17:30"
/// name = "Office move"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// IANA time zone name, such as `Europe/London`.
    pub zone: String,
    /// Open intervals for each day of the week.
    #[serde(default, deserialize_with = "crate::strict::object")]
    pub week: Week,
    /// Dates closed in whole or in part.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::strict::objects"
    )]
    pub holidays: Vec<Holiday>,
    /// One-off windows opened or closed, in local wall-clock time.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::strict::objects"
    )]
    pub exceptions: Vec<Exception>,
    /// First local date the calendar is open on, if bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Date>,
    /// Last local date on which an open interval may start, if bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Date>,
}

/// Weekly open hours; a day left out is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Week {
    #[serde(default)]
    pub mon: Vec<Interval>,
    #[serde(default)]
    pub tue: Vec<Interval>,
    #[serde(default)]
    pub wed: Vec<Interval>,
    #[serde(default)]
    pub thu: Vec<Interval>,
    #[serde(default)]
    pub fri: Vec<Interval>,
    #[serde(default)]
    pub sat: Vec<Interval>,
    #[serde(default)]
    pub sun: Vec<Interval>,
}

impl Week {
    /// The days Monday to Sunday, in that order.
    pub fn days(&self) -> [&[Interval]; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }

    /// Open time a week by the clock, in seconds.
    pub fn clock_seconds(&self) -> u64 {
        self.days()
            .iter()
            .flat_map(|d| d.iter())
            .map(|i| u64::from(i.clock_seconds()))
            .sum()
    }
}

/// A date closed in whole, or open only for the hours given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// The local date.
    pub date: Date,
    /// What it is called.
    #[serde(default)]
    pub name: String,
    /// For a partial day, the only hours open on that date; empty means closed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<Interval>,
}

/// Whether an exception opens or closes its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// An extra open window (weekend cover, a stock-take).
    Open,
    /// A window closed in spite of the schedule; wins over an open window.
    Closed,
}

/// A one-off window from `from` to `to` in local wall-clock time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// Open or closed.
    pub kind: ExceptionKind,
    /// Local date and time the window begins.
    pub from: DateTime,
    /// Local date and time the window ends (after `from`).
    pub to: DateTime,
    /// What it is for.
    #[serde(default)]
    pub name: String,
}

impl CalendarSpec {
    /// Reads a calendar from TOML text (not yet validated: see [`CalendarSpec::compile`]).
    pub fn from_toml(text: &str) -> Result<Self, InvalidCalendar> {
        toml::from_str(text).map_err(|e| InvalidCalendar::single("", e.to_string().trim_end()))
    }

    /// Reads a calendar from JSON text (not yet validated).
    pub fn from_json(text: &str) -> Result<Self, InvalidCalendar> {
        serde_json::from_str(text).map_err(|e| InvalidCalendar::single("", e.to_string()))
    }

    /// The calendar as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Checks the calendar, naming every problem: unknown zone, overlapping
    /// intervals, holidays and exceptions outside the range, and so on.
    pub fn validate(&self) -> Result<(), InvalidCalendar> {
        let mut problems = self.range_problems();
        if let Err(invalid) = self.checked() {
            problems.extend(invalid.problems);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(InvalidCalendar { problems })
        }
    }

    /// A validity range past [`EARLIEST_DATE`] to [`LATEST_DATE`]. Checked
    /// when a calendar is written, not when a stored one is compiled, so a
    /// calendar stored before the limit still loads.
    fn range_problems(&self) -> Vec<Problem> {
        // The index, and every walk over a long closure, grows with the
        // range: a calendar valid until year 9557 with one long closed
        // exception took seconds per due date.
        [("valid_from", self.valid_from), ("valid_until", self.valid_until)]
            .into_iter()
            .filter_map(|(field, date)| date.map(|d| (field, d)))
            .filter(|(_, date)| !(EARLIEST_DATE..=LATEST_DATE).contains(date))
            .map(|(field, date)| Problem {
                path: field.into(),
                message: format!(
                    "{date} is outside the dates a calendar can cover ({EARLIEST_DATE} to {LATEST_DATE})"
                ),
            })
            .collect()
    }

    /// Validates and returns the time zone.
    pub(crate) fn checked(&self) -> Result<TimeZone, InvalidCalendar> {
        let mut problems = Vec::new();
        let mut problem = |path: String, message: String| problems.push(Problem { path, message });
        let tz = match jiff::tz::db().get(self.zone.trim()) {
            Ok(tz) => Some(tz),
            Err(_) => {
                problem(
                    "zone".into(),
                    format!(
                        "unknown time zone `{}`: use an IANA name such as Europe/London",
                        self.zone
                    ),
                );
                None
            }
        };
        for (path, message) in week_overlaps(&self.week) {
            problem(path, message);
        }
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until)
            && from > until
        {
            problem(
                "valid_until".into(),
                format!("{until} is before valid_from {from}"),
            );
        }
        let in_range = |d: Date| {
            self.valid_from.is_none_or(|f| d >= f) && self.valid_until.is_none_or(|u| d <= u)
        };
        let mut seen = std::collections::HashMap::new();
        for (n, h) in self.holidays.iter().enumerate() {
            if !in_range(h.date) {
                problem(
                    format!("holidays[{n}].date"),
                    format!("{} is outside the calendar's valid range", h.date),
                );
            }
            if let Some(first) = seen.insert(h.date, n) {
                problem(
                    format!("holidays[{n}].date"),
                    format!("{} is already a holiday (holidays[{first}])", h.date),
                );
            }
            let spans: Vec<_> = h.open.iter().map(|i| day_span(0, *i)).collect();
            for (a, b) in overlapping_pairs(&spans) {
                problem(
                    format!("holidays[{n}].open[{b}]"),
                    format!("{} overlaps {}", h.open[b], h.open[a]),
                );
            }
        }
        for (n, x) in self.exceptions.iter().enumerate() {
            if x.to <= x.from {
                problem(
                    format!("exceptions[{n}].to"),
                    format!("{} is not after from ({})", x.to, x.from),
                );
            }
            if !in_range(x.from.date()) || !in_range(x.to.date()) {
                problem(
                    format!("exceptions[{n}]"),
                    "the window is outside the calendar's valid range".into(),
                );
            }
        }
        match (tz, problems.is_empty()) {
            (Some(tz), true) => Ok(tz),
            _ => Err(InvalidCalendar { problems }),
        }
    }
}

/// An interval of day `day` (0 = Monday) placed on a week-long line of seconds.
fn day_span(day: usize, i: Interval) -> (i64, i64) {
    let base = day as i64 * DAY;
    (
        base + i64::from(i.start_seconds()),
        base + i64::from(i.end_seconds()),
    )
}

/// Index pairs `(a, b)` of spans that overlap, `b` the later-starting one.
fn overlapping_pairs(spans: &[(i64, i64)]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&k| spans[k]);
    let mut pairs = Vec::new();
    for w in order.windows(2) {
        if spans[w[1]].0 < spans[w[0]].1 {
            pairs.push((w[0], w[1]));
        }
    }
    pairs
}

/// Overlaps within the week, including a night shift running into the next
/// day's hours and Sunday's running into Monday's.
fn week_overlaps(week: &Week) -> Vec<(String, String)> {
    let mut spans = Vec::new();
    let mut names = Vec::new();
    for (day, intervals) in week.days().iter().enumerate() {
        for (k, i) in intervals.iter().enumerate() {
            spans.push(day_span(day, *i));
            names.push((day, k, *i));
        }
    }
    // Monday's intervals again, a week later, to catch Sunday night shifts.
    let wrap = spans.len();
    for (k, i) in week.mon.iter().enumerate() {
        spans.push(day_span(7, *i));
        names.push((0, k, *i));
    }
    overlapping_pairs(&spans)
        .into_iter()
        .filter(|&(a, b)| a < wrap || b < wrap)
        .map(|(a, b)| {
            let (da, ka, ia) = names[a];
            let (db, kb, ib) = names[b];
            (
                format!("week.{}[{kb}]", WEEKDAYS[db]),
                format!("{ib} overlaps week.{}[{ka}] {ia}", WEEKDAYS[da]),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validity_range_stays_within_the_dates_a_calendar_can_cover() {
        let spec = |from: &str, until: &str| {
            CalendarSpec::from_toml(&format!(
                "zone = \"UTC\"\nvalid_from = \"{from}\"\nvalid_until = \"{until}\"\n[week]\nmon = [\"09:00-17:00\"]\n"
            ))
            .expect("reads")
        };
        assert!(spec("1900-01-01", "2299-12-31").validate().is_ok());
        let late = spec("2026-01-01", "9557-01-01")
            .validate()
            .expect_err("too late");
        assert_eq!(late.problems[0].path, "valid_until", "{late:?}");
        let early = spec("1899-12-31", "2026-01-01")
            .validate()
            .expect_err("too early");
        assert_eq!(early.problems[0].path, "valid_from", "{early:?}");
    }

    const ISSUE_EXAMPLE: &str = r#"
zone = "Europe/London"
[week]
mon = ["09:00-12:30", "13:30-17:30"]
tue = ["09:00-17:30"]
wed = ["09:00-17:30"]
thu = ["09:00-17:30"]
fri = ["09:00-17:30", "22:00-06:00"]
sat = []
sun = []
[[holidays]]
date = "2026-12-25"
name = "Christmas Day"
"#;

    fn problems(text: &str) -> Vec<String> {
        match CalendarSpec::from_toml(text).and_then(|s| s.validate()) {
            Ok(()) => Vec::new(),
            Err(e) => e
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect(),
        }
    }

    #[test]
    fn the_documented_toml_form_loads_and_round_trips() {
        let spec = CalendarSpec::from_toml(ISSUE_EXAMPLE).expect("loads");
        spec.validate().expect("valid");
        assert_eq!(spec.week.mon.len(), 2);
        assert!(spec.week.fri[1].crosses_midnight());
        assert_eq!(spec.holidays[0].name, "Christmas Day");
        let again = CalendarSpec::from_toml(&spec.to_toml()).expect("round trip");
        assert_eq!(again, spec);
        let json = serde_json::to_string(&spec).expect("json");
        assert_eq!(CalendarSpec::from_json(&json).expect("json back"), spec);
    }

    #[test]
    fn names_each_problem_with_its_place() {
        let found = problems(
            r#"
zone = "Europe/Lodnon"
valid_from = "2026-01-01"
valid_until = "2026-12-31"
[week]
mon = ["09:00-13:00", "12:00-17:00"]
fri = ["22:00-06:00"]
sat = ["05:00-09:00"]
sun = ["23:00-02:00"]
[[holidays]]
date = "2027-01-01"
[[holidays]]
date = "2026-05-04"
[[holidays]]
date = "2026-05-04"
[[exceptions]]
kind = "open"
from = "2026-06-01T10:00"
to = "2026-06-01T09:00"
"#,
        );
        let expect = [
            "zone: unknown time zone `Europe/Lodnon`",
            "week.mon[1]: 12:00-17:00 overlaps week.mon[0] 09:00-13:00",
            "week.sat[0]: 05:00-09:00 overlaps week.fri[0] 22:00-06:00",
            "holidays[0].date: 2027-01-01 is outside",
            "holidays[2].date: 2026-05-04 is already a holiday (holidays[1])",
            "exceptions[0].to: 2026-06-01T09:00:00 is not after",
        ];
        for e in expect {
            assert!(
                found.iter().any(|f| f.starts_with(e)),
                "missing {e:?} in {found:#?}"
            );
        }
        // Sunday 23:00-02:00 runs to Monday 02:00, which is before Monday's 09:00.
        assert!(!found.iter().any(|f| f.contains("week.sun")), "{found:#?}");
    }

    #[test]
    fn malformed_fields_are_refused_with_their_line() {
        let e = CalendarSpec::from_toml("zone = \"UTC\"\n[week]\nmon = [\"9-5\"]\n")
            .expect_err("malformed");
        let text = e.to_string();
        assert!(text.contains("line 3"), "{text}");
        assert!(text.contains("not an open interval"), "{text}");
        let e = CalendarSpec::from_toml("zone = \"UTC\"\n[[holidays]]\ndate = \"2026-02-30\"\n")
            .expect_err("bad date");
        assert!(e.to_string().contains("line 3"), "{e}");
        let e = CalendarSpec::from_toml("zone = \"UTC\"\nweeks = 1\n").expect_err("unknown key");
        assert!(e.to_string().contains("unknown field"), "{e}");
    }
}
