//! Errors of the calendar crate: a calendar refused, an `.ics` file refused,
//! business-time arithmetic that has no answer, and clock misuse.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;

/// One thing wrong with a calendar, at a path such as `week.mon[1]` or
/// `holidays[3].date`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the calendar the problem is (empty for the whole file).
    pub path: String,
    /// What is wrong, in words a person can act on.
    pub message: String,
}

/// A calendar that cannot be used, with every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InvalidCalendar {
    /// The problems, in the order of the calendar's fields.
    pub problems: Vec<Problem>,
}

impl InvalidCalendar {
    /// A calendar refused for one reason at `path`.
    pub fn single(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            problems: vec![Problem {
                path: path.into(),
                message: message.into(),
            }],
        }
    }
}

impl fmt::Display for InvalidCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for p in &self.problems {
            if !first {
                f.write_str("\n")?;
            }
            first = false;
            if p.path.is_empty() {
                f.write_str(&p.message)?;
            } else {
                write!(f, "{}: {}", p.path, p.message)?;
            }
        }
        Ok(())
    }
}

/// An iCalendar file that could not be read, with the line at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct IcsError {
    /// The 1-based line of the file where the problem is.
    pub line: usize,
    /// What is wrong there.
    pub reason: String,
}

/// Business-time arithmetic with no answer on this calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BusinessTimeError {
    /// The calendar has not enough open time after (or before) the instant
    /// within the range it is valid for.
    #[error("the calendar has not enough open time {direction} {from} within its range")]
    NoOpenTime {
        /// `after` for `add`, `before` for `sub`.
        direction: &'static str,
        /// The instant counted from.
        from: Timestamp,
    },
    /// An instant asked about falls on a date the calendar is not valid
    /// for, so it cannot say whether it is open then.
    #[error("{at} is outside the calendar's valid range, {first} to {last}")]
    OutOfRange {
        /// The instant asked about.
        at: Timestamp,
        /// The first date the calendar is valid for.
        first: Date,
        /// The last.
        last: Date,
    },
}

/// A clock operation that does not fit the clock's state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// Pausing a clock that is not running, resuming one that is not paused,
    /// or touching a stopped clock.
    #[error("the clock is {state}; it cannot {operation}")]
    State {
        /// The clock's state.
        state: &'static str,
        /// What was asked.
        operation: &'static str,
    },
    /// An instant earlier than the clock's last change.
    #[error("{at} is before the clock's last change at {last}")]
    Backwards {
        /// The instant given.
        at: Timestamp,
        /// The clock's last change.
        last: Timestamp,
    },
}
