//! Business-time arithmetic for Kept: calendars, due instants and SLA clocks.
//!
//! Pure: no I/O, no other crate of the workspace. Time zones and daylight
//! saving come from [`jiff`] and its bundled time-zone database.
//!
//! # A calendar
//!
//! A [`CalendarSpec`] is written in TOML or JSON: an IANA zone, open
//! intervals for each weekday, holidays (whole or partial days), one-off
//! exceptions and an optional validity range. [`CalendarSpec::compile`]
//! validates it, naming every problem, and gives a [`Calendar`].
//!
//! ```
//! use kept_calendar::{BusinessDuration, CalendarSpec};
//! let calendar = CalendarSpec::from_toml(r#"
//!     zone = "Europe/London"
//!     [week]
//!     mon = ["09:00-12:30", "13:30-17:30"]
//!     tue = ["09:00-17:30"]
//!     wed = ["09:00-17:30"]
//!     thu = ["09:00-17:30"]
//!     fri = ["09:00-17:30", "22:00-06:00"]
//!     [[holidays]]
//!     date = "2026-12-25"
//!     name = "Christmas Day"
//! "#)?.compile()?;
//! let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
//! // Friday 16:30 (GMT) + 4h: one hour on Friday, then the night shift.
//! let due = calendar.add(at("2026-03-27T16:30:00Z"), BusinessDuration::from_hours(4))?;
//! assert_eq!(due, at("2026-03-28T01:00:00Z"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Semantics
//!
//! - **Open intervals** include their start and exclude their end. An
//!   interval whose end is not after its start (`22:00-06:00`) runs past
//!   midnight into the next day; `00:00-24:00` is a whole day; an interval
//!   with equal start and end is refused.
//! - **A start outside open hours counts from the next opening**: Saturday
//!   10:00 + 1h on a Mon–Fri 09:00–17:00 calendar is Monday 10:00, and
//!   Saturday 10:00 + 0 is Monday 09:00 (a zero duration from an open
//!   instant is that instant). A closing instant is outside open hours:
//!   Monday 17:00 + 0 is Tuesday 09:00. [`Calendar::sub`] mirrors it: a due
//!   instant outside open hours counts back from the previous closing
//!   (Monday 09:00 − 0 is Friday 17:00). An [`SlaClock`] likewise counts
//!   from the first open instant at which it runs. zendesk's biz answers
//!   the same both ways; Business::Hours (so Request Tracker's SLA due
//!   dates), businesstimedelta and ule-hours agree on every zero-budget
//!   `add` of `bench/calendar_vs_peers.sh` (workload `add:0h`).
//! - **A due instant that lands exactly on a closing instant stays there**:
//!   Monday 13:00 + 4h is Monday 17:00, not Tuesday 09:00. Formally, for a
//!   duration above zero, [`Calendar::add`] gives the *earliest* instant by
//!   which the duration of open time has passed, and [`Calendar::sub`] the
//!   *latest* start. So adding in two steps is adding the sum, except that
//!   a first step ending on a closing instant, plus zero, moves on to the
//!   next opening.
//! - **Durations are real elapsed seconds of open time.** A 09:00–17:00 day
//!   is eight hours on any date, since clocks change at night; a night shift
//!   22:00–06:00 across a spring-forward change is seven hours, across a
//!   fall-back change nine; a 24×7 calendar's Sunday of change is 23 or 25
//!   hours.
//! - **Boundaries in a gap or a fold.** A schedule boundary stands for the
//!   first instant at which the local clock reads that time *or later*. In a
//!   spring-forward gap (01:30 in London on the last Sunday of March) that
//!   is the end of the gap (02:00 BST); a time the clock shows twice at
//!   fall-back is its first occurrence. An interval left with no time by
//!   this rule (wholly inside a gap, such as Samoa's skipped 30 December
//!   2011) is closed.
//! - **Holidays close the intervals that start on their date**: a night
//!   shift that began the evening before runs to its end. A partial holiday
//!   (`open = ["09:00-13:00"]`) replaces that date's hours.
//! - **Exceptions** are one-off windows in local time: `open` adds a window,
//!   `closed` removes one and wins over any opening.
//! - **Validity.** Open intervals start only on dates from `valid_from` to
//!   `valid_until` (inclusive); a calendar without them is valid from
//!   1900-01-01 to 2199-12-31. When there is not enough open time left in range (or none at
//!   all), `add` and `sub` return [`BusinessTimeError::NoOpenTime`]: they
//!   never loop. `add` counts a start before the range from its first
//!   opening (an SLA clock must run); where a person asks about an instant
//!   (a due instant's start, an elapsed span's ends), [`Calendar::check_in_range`]
//!   refuses one outside the valid dates with [`BusinessTimeError::OutOfRange`].
//! - Instants are kept to the microsecond; [`Calendar::elapsed`] drops
//!   sub-second remainders.
//!
//! # Speed
//!
//! The calendar is indexed as sorted open intervals with running totals in
//! chunks of about 13 months, built on first use (see the `index` module);
//! `add`, `sub` and `elapsed` find their answer with a bucket lookup and a
//! short search instead of walking day by day.

mod calendar;
mod clock;
mod duration;
mod error;
mod ics;
mod index;
mod interval;
mod spec;
pub mod strict;

pub use calendar::Calendar;
pub use clock::{ClockState, Pause, SlaClock};
pub use duration::{BusinessDuration, ParseDurationError};
pub use error::{BusinessTimeError, ClockError, IcsError, InvalidCalendar, Problem};
pub use ics::holidays_from_ics;
pub use interval::{Interval, ParseIntervalError};
pub use spec::{CalendarSpec, EARLIEST_DATE, Exception, ExceptionKind, Holiday, LATEST_DATE, Week};

/// The jiff version this crate speaks, re-exported for callers' instants.
pub use jiff;
