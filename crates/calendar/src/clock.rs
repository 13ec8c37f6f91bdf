//! SLA clocks: business time counted from a start, with pauses left out.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::duration::BusinessDuration;
use crate::error::{BusinessTimeError, ClockError};

/// A finished pause of a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// When the clock was paused.
    pub from: Timestamp,
    /// When it was resumed (or stopped while paused).
    pub to: Timestamp,
}

/// Whether a clock is counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Counting open time.
    Running,
    /// Not counting until resumed (awaiting the customer, say).
    Paused,
    /// Finished: elapsed time is frozen.
    Stopped,
}

impl ClockState {
    fn name(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Stopped => "stopped",
        }
    }
}

/// An SLA clock: counts the open time of a [`Calendar`] from its start,
/// leaving out the time it was paused, until it is stopped.
///
/// The clock holds only instants; every answer takes the calendar, so one
/// clock can be read against the calendar in force for its contract.
///
/// ```
/// use kept_calendar::{BusinessDuration, CalendarSpec, SlaClock};
/// let cal = CalendarSpec::from_toml(r#"
///     zone = "UTC"
///     [week]
///     mon = ["09:00-17:00"]
///     tue = ["09:00-17:00"]
/// "#)?.compile()?;
/// let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
/// let mut clock = SlaClock::start(at("2026-03-02T09:00:00Z")); // a Monday
/// clock.pause(at("2026-03-02T10:00:00Z"))?;   // awaiting the customer
/// clock.resume(at("2026-03-02T12:00:00Z"))?;
/// let four_hours = BusinessDuration::from_hours(4);
/// assert_eq!(clock.due(&cal, four_hours)?, Some(at("2026-03-02T15:00:00Z")));
/// assert_eq!(clock.elapsed(&cal, at("2026-03-02T13:00:00Z")), BusinessDuration::from_hours(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClock {
    started_at: Timestamp,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pauses: Vec<Pause>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    paused_since: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stopped_at: Option<Timestamp>,
}

impl SlaClock {
    /// A clock running from `at`.
    pub fn start(at: Timestamp) -> Self {
        Self {
            started_at: at,
            pauses: Vec::new(),
            paused_since: None,
            stopped_at: None,
        }
    }

    /// When the clock started.
    pub fn started_at(&self) -> Timestamp {
        self.started_at
    }

    /// When the clock stopped, if it has.
    pub fn stopped_at(&self) -> Option<Timestamp> {
        self.stopped_at
    }

    /// The finished pauses, oldest first.
    pub fn pauses(&self) -> &[Pause] {
        &self.pauses
    }

    /// Whether the clock is running, paused or stopped.
    pub fn state(&self) -> ClockState {
        match (self.stopped_at, self.paused_since) {
            (Some(_), _) => ClockState::Stopped,
            (None, Some(_)) => ClockState::Paused,
            (None, None) => ClockState::Running,
        }
    }

    fn last_change(&self) -> Timestamp {
        self.stopped_at
            .or(self.paused_since)
            .or(self.pauses.last().map(|p| p.to))
            .unwrap_or(self.started_at)
    }

    fn check(
        &self,
        at: Timestamp,
        want: ClockState,
        operation: &'static str,
    ) -> Result<(), ClockError> {
        let state = self.state();
        if state != want {
            return Err(ClockError::State {
                state: state.name(),
                operation,
            });
        }
        let last = self.last_change();
        if at < last {
            return Err(ClockError::Backwards { at, last });
        }
        Ok(())
    }

    /// Stops counting from `at` until [`SlaClock::resume`].
    pub fn pause(&mut self, at: Timestamp) -> Result<(), ClockError> {
        self.check(at, ClockState::Running, "pause")?;
        self.paused_since = Some(at);
        Ok(())
    }

    /// Counts again from `at`.
    pub fn resume(&mut self, at: Timestamp) -> Result<(), ClockError> {
        self.check(at, ClockState::Paused, "resume")?;
        if let Some(from) = self.paused_since.take() {
            self.pauses.push(Pause { from, to: at });
        }
        Ok(())
    }

    /// Stops the clock for good at `at` (from running or paused).
    pub fn stop(&mut self, at: Timestamp) -> Result<(), ClockError> {
        if self.state() == ClockState::Paused {
            self.resume(at)?;
        }
        self.check(at, ClockState::Running, "stop")?;
        self.stopped_at = Some(at);
        Ok(())
    }

    /// Runs a stopped clock again from `at` (a reopened request): the time
    /// it stood stopped is left out, as a pause.
    pub fn restart(&mut self, at: Timestamp) -> Result<(), ClockError> {
        self.check(at, ClockState::Stopped, "restart")?;
        if let Some(from) = self.stopped_at.take() {
            self.pauses.push(Pause { from, to: at });
        }
        Ok(())
    }

    /// Each stretch the clock did not count, the current pause open-ended.
    fn gaps(&self) -> impl Iterator<Item = (Timestamp, Option<Timestamp>)> + '_ {
        self.pauses
            .iter()
            .map(|p| (p.from, Some(p.to)))
            .chain(self.paused_since.map(|from| (from, None)))
    }

    /// Business time counted by instant `at`.
    pub fn elapsed(&self, calendar: &Calendar, at: Timestamp) -> BusinessDuration {
        let end = self.stopped_at.map_or(at, |s| s.min(at));
        if end <= self.started_at {
            return BusinessDuration::ZERO;
        }
        let paused = self
            .gaps()
            .filter(|(from, _)| *from < end)
            .map(|(from, to)| calendar.elapsed(from, to.map_or(end, |t| t.min(end))))
            .fold(BusinessDuration::ZERO, |sum, d| {
                sum.checked_add(d).unwrap_or(BusinessDuration::MAX)
            });
        calendar
            .elapsed(self.started_at, end)
            .saturating_sub(paused)
    }

    /// The instant at which the clock reaches `target`, or `None` while it is
    /// paused short of it (the due instant is unknown until it resumes).
    /// Stopping the clock does not move the due instant.
    ///
    /// As with [`Calendar::add`], a clock counts from the first open instant
    /// at which it runs: a zero target is due then, not at a start outside
    /// open hours (nor at a pause that begins as the calendar opens).
    pub fn due(
        &self,
        calendar: &Calendar,
        target: BusinessDuration,
    ) -> Result<Option<Timestamp>, BusinessTimeError> {
        let mut cursor = self.started_at;
        let mut remaining = target;
        for (from, to) in self.gaps() {
            // No answer from `add` means the target lies beyond this pause too.
            // A positive target reached exactly as the pause begins is due
            // then; a zero target is due only at an instant the clock runs.
            if let Ok(candidate) = calendar.add(cursor, remaining)
                && (candidate < from || (candidate == from && remaining > BusinessDuration::ZERO))
            {
                return Ok(Some(candidate));
            }
            remaining = remaining.saturating_sub(calendar.elapsed(cursor, from));
            match to {
                Some(to) => cursor = to,
                None => return Ok(None),
            }
        }
        calendar.add(cursor, remaining).map(Some)
    }

    /// Business time left before `target` at instant `at` (zero once breached).
    pub fn remaining(
        &self,
        calendar: &Calendar,
        target: BusinessDuration,
        at: Timestamp,
    ) -> BusinessDuration {
        target.saturating_sub(self.elapsed(calendar, at))
    }

    /// The instant the clock breaches `target`: its due instant, unless it
    /// was stopped at or before then. `None` also while paused short of it.
    pub fn breach_at(
        &self,
        calendar: &Calendar,
        target: BusinessDuration,
    ) -> Result<Option<Timestamp>, BusinessTimeError> {
        Ok(self
            .due(calendar, target)?
            .filter(|due| self.stopped_at.is_none_or(|s| s > *due)))
    }

    /// Whether the clock has passed `target` by instant `at`.
    pub fn is_breached(
        &self,
        calendar: &Calendar,
        target: BusinessDuration,
        at: Timestamp,
    ) -> bool {
        matches!(self.breach_at(calendar, target), Ok(Some(b)) if at > b)
    }
}
