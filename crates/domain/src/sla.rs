//! The SLA clocks of a request: which run, what stops, pauses and resumes
//! them, when each is at risk or breached, and which alarm is due next.
//!
//! - **First response** runs from creation until the provider's first
//!   public reply or acknowledgement.
//! - **Resolution** runs until the request is fulfilled.
//! - **Delivery** (orders only) runs until the order is fulfilled.
//!
//! All three pause while the request awaits the customer and resume when
//! work goes on (a customer's reply resumes them). A cancelled request stops
//! them. Reopening a fulfilled or closed request runs resolution and
//! delivery again, leaving out the time it stood fulfilled.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::calendar::{BusinessDuration, Calendar, ClockError, ClockState, SlaClock};
use crate::request::{RequestKind, RequestStatus};
use crate::service::Targets;

/// The at-risk share of a target used unless configured: 75%.
pub const DEFAULT_AT_RISK_PERCENT: u8 = 75;

/// Which promise a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// Until the provider first answers.
    FirstResponse,
    /// Until the request is fulfilled.
    Resolution,
    /// Until the order is delivered (fulfilled).
    Delivery,
}

impl ClockKind {
    /// Every kind.
    pub const ALL: [ClockKind; 3] = [Self::FirstResponse, Self::Resolution, Self::Delivery];

    /// The name used in the API and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstResponse => "first_response",
            Self::Resolution => "resolution",
            Self::Delivery => "delivery",
        }
    }

    /// The name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::FirstResponse => "First response",
            Self::Resolution => "Resolution",
            Self::Delivery => "Delivery",
        }
    }
}

impl std::fmt::Display for ClockKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ClockKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a clock (first_response, resolution, delivery)"))
    }
}

/// One clock of a request with its target and the alarms already raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestClock {
    /// What it measures.
    pub kind: ClockKind,
    /// The business time promised.
    pub target: BusinessDuration,
    /// Its start, pauses and stop.
    pub clock: SlaClock,
    /// When the at-risk alarm was raised, if it was.
    pub at_risk_fired_at: Option<Timestamp>,
    /// When the breach alarm was raised, if it was.
    pub breached_fired_at: Option<Timestamp>,
}

/// The instants a stored clock is indexed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClockTimes {
    /// When it reaches its target (none while paused short of it, or when
    /// the calendar has no open time left).
    pub due_at: Option<Timestamp>,
    /// When it reaches the at-risk share of its target.
    pub at_risk_at: Option<Timestamp>,
    /// When the next alarm (at risk, then breach) is due; none when none is.
    pub next_alarm_at: Option<Timestamp>,
}

/// An alarm a clock raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alarm {
    /// The clock used the at-risk share of its target.
    AtRisk {
        /// The clock.
        kind: ClockKind,
        /// When it got there.
        at: Timestamp,
    },
    /// The clock passed its target.
    Breached {
        /// The clock.
        kind: ClockKind,
        /// When it got there.
        at: Timestamp,
    },
}

/// A clock as the API and pages show it at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClockView {
    /// What it measures.
    pub kind: ClockKind,
    /// Running, paused or stopped.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "running"))]
    pub state: ClockState,
    /// The business time promised.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "4h"))]
    pub target: BusinessDuration,
    /// When it started.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub started_at: Timestamp,
    /// When it is (or was) due; none while paused short of its target.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub due_at: Option<Timestamp>,
    /// When it stopped, if it has.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub stopped_at: Option<Timestamp>,
    /// Business time counted so far.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1h30m"))]
    pub elapsed: BusinessDuration,
    /// Business time left before the target (zero once breached).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2h30m"))]
    pub remaining: BusinessDuration,
    /// Whether it used the at-risk share of its target without stopping.
    pub at_risk: bool,
    /// Whether it passed its target (stopping late counts).
    pub breached: bool,
}

/// The share `percent` of `target`, rounded down to the second.
fn share(target: BusinessDuration, percent: u8) -> BusinessDuration {
    let seconds = u128::from(target.as_seconds()) * u128::from(percent.min(100)) / 100;
    BusinessDuration::from_seconds(u64::try_from(seconds).unwrap_or(u64::MAX))
}

impl RequestClock {
    /// A clock running from `at` towards `target`.
    pub fn start(kind: ClockKind, target: BusinessDuration, at: Timestamp) -> Self {
        Self {
            kind,
            target,
            clock: SlaClock::start(at),
            at_risk_fired_at: None,
            breached_fired_at: None,
        }
    }

    /// The instants to index it by, at-risk share `percent`.
    pub fn times(&self, calendar: &Calendar, percent: u8) -> ClockTimes {
        let due_at = self.clock.due(calendar, self.target).ok().flatten();
        let at_risk_at = self
            .clock
            .due(calendar, share(self.target, percent))
            .ok()
            .flatten();
        let next_alarm_at = if self.clock.state() == ClockState::Running {
            let at_risk = at_risk_at.filter(|_| self.at_risk_fired_at.is_none());
            let breach = due_at.filter(|_| self.breached_fired_at.is_none());
            match (at_risk, breach) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        } else {
            None
        };
        ClockTimes {
            due_at,
            at_risk_at,
            next_alarm_at,
        }
    }

    /// Raises the alarms due by `now` that were not raised yet, marking
    /// them raised. A clock stopped or paused raises nothing; a clock that
    /// breached without the at-risk alarm raises both, at-risk first.
    pub fn raise_due_alarms(
        &mut self,
        calendar: &Calendar,
        now: Timestamp,
        percent: u8,
    ) -> Vec<Alarm> {
        let mut alarms = Vec::new();
        if self.clock.state() != ClockState::Running {
            return alarms;
        }
        let times = self.times(calendar, percent);
        if self.at_risk_fired_at.is_none()
            && let Some(at) = times.at_risk_at.filter(|at| *at <= now)
        {
            self.at_risk_fired_at = Some(now);
            alarms.push(Alarm::AtRisk {
                kind: self.kind,
                at,
            });
        }
        if self.breached_fired_at.is_none()
            && let Some(at) = times.due_at.filter(|at| *at <= now)
        {
            self.breached_fired_at = Some(now);
            alarms.push(Alarm::Breached {
                kind: self.kind,
                at,
            });
        }
        alarms
    }

    /// The clock as seen at `now`.
    pub fn view(&self, calendar: &Calendar, now: Timestamp, percent: u8) -> ClockView {
        let times = self.times(calendar, percent);
        let elapsed = self.clock.elapsed(calendar, now);
        let breached = self.clock.is_breached(calendar, self.target, now);
        let at_risk = self.clock.state() != ClockState::Stopped
            && elapsed >= share(self.target, percent)
            && !breached;
        ClockView {
            kind: self.kind,
            state: self.clock.state(),
            target: self.target,
            started_at: self.clock.started_at(),
            due_at: times.due_at,
            stopped_at: self.clock.stopped_at(),
            elapsed,
            remaining: self.target.saturating_sub(elapsed),
            at_risk,
            breached,
        }
    }

    fn stop(&mut self, at: Timestamp) -> Result<(), ClockError> {
        if self.clock.state() == ClockState::Stopped {
            return Ok(());
        }
        self.clock.stop(at)
    }
}

/// The clocks a new request of `kind` starts at `at`, from the targets in
/// force (the terms' row for its service and priority, or the service's
/// defaults). A target left unset starts no clock.
pub fn start_clocks(kind: RequestKind, targets: &Targets, at: Timestamp) -> Vec<RequestClock> {
    let mut clocks = Vec::new();
    if let Some(t) = targets.first_response {
        clocks.push(RequestClock::start(ClockKind::FirstResponse, t, at));
    }
    if let Some(t) = targets.resolution {
        clocks.push(RequestClock::start(ClockKind::Resolution, t, at));
    }
    if kind == RequestKind::Order
        && let Some(t) = targets.delivery
    {
        clocks.push(RequestClock::start(ClockKind::Delivery, t, at));
    }
    clocks
}

/// Moves the clocks for a status change `from` → `to` at `at`.
pub fn on_status_change(
    clocks: &mut [RequestClock],
    from: RequestStatus,
    to: RequestStatus,
    at: Timestamp,
) -> Result<(), ClockError> {
    use RequestStatus::*;
    for c in clocks.iter_mut() {
        let state = c.clock.state();
        match to {
            Acknowledged if c.kind == ClockKind::FirstResponse => c.stop(at)?,
            AwaitingCustomer if state == ClockState::Running => c.clock.pause(at)?,
            Fulfilled | Cancelled => c.stop(at)?,
            InProgress if state == ClockState::Paused => c.clock.resume(at)?,
            InProgress
                if matches!(from, Fulfilled | Closed)
                    && state == ClockState::Stopped
                    && c.kind != ClockKind::FirstResponse =>
            {
                c.clock.restart(at)?;
            }
            _ => {}
        }
        // Answering by starting work also counts as the first response.
        if to == InProgress && from == New && c.kind == ClockKind::FirstResponse {
            c.stop(at)?;
        }
    }
    Ok(())
}

/// Stops the first-response clock: the provider replied publicly.
pub fn on_provider_reply(clocks: &mut [RequestClock], at: Timestamp) -> Result<(), ClockError> {
    for c in clocks
        .iter_mut()
        .filter(|c| c.kind == ClockKind::FirstResponse)
    {
        c.stop(at)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarSpec;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("instant")
    }

    fn hours(h: u64) -> BusinessDuration {
        BusinessDuration::from_hours(h)
    }

    /// Mon–Fri 09:00–17:00 UTC.
    fn office() -> Calendar {
        CalendarSpec::from_toml(
            "zone = \"UTC\"\n[week]\nmon = [\"09:00-17:00\"]\ntue = [\"09:00-17:00\"]\nwed = [\"09:00-17:00\"]\nthu = [\"09:00-17:00\"]\nfri = [\"09:00-17:00\"]\n",
        )
        .expect("spec")
        .compile()
        .expect("calendar")
    }

    fn targets() -> Targets {
        Targets {
            first_response: Some(hours(4)),
            resolution: Some(hours(16)),
            delivery: Some(hours(8)),
        }
    }

    #[test]
    fn only_orders_get_a_delivery_clock() {
        let start = at("2026-03-02T09:00:00Z");
        let kinds = |k| {
            start_clocks(k, &targets(), start)
                .iter()
                .map(|c| c.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kinds(RequestKind::Incident),
            [ClockKind::FirstResponse, ClockKind::Resolution]
        );
        assert_eq!(kinds(RequestKind::Order).len(), 3);
        assert!(start_clocks(RequestKind::Question, &Targets::default(), start).is_empty());
    }

    #[test]
    fn acknowledging_stops_first_response_and_waiting_pauses_the_rest() {
        let cal = office();
        let mut clocks = start_clocks(
            RequestKind::Incident,
            &targets(),
            at("2026-03-02T09:00:00Z"),
        );
        on_status_change(
            &mut clocks,
            RequestStatus::New,
            RequestStatus::Acknowledged,
            at("2026-03-02T10:00:00Z"),
        )
        .expect("ack");
        on_status_change(
            &mut clocks,
            RequestStatus::Acknowledged,
            RequestStatus::AwaitingCustomer,
            at("2026-03-02T11:00:00Z"),
        )
        .expect("wait");
        let now = at("2026-03-03T12:00:00Z");
        let first = clocks[0].view(&cal, now, 75);
        let resolution = clocks[1].view(&cal, now, 75);
        assert_eq!(first.state, ClockState::Stopped);
        assert_eq!(first.elapsed, hours(1));
        assert!(!first.breached);
        assert_eq!(resolution.state, ClockState::Paused);
        assert_eq!(resolution.elapsed, hours(2));
        assert_eq!(resolution.due_at, None);
        on_status_change(
            &mut clocks,
            RequestStatus::AwaitingCustomer,
            RequestStatus::InProgress,
            at("2026-03-04T09:00:00Z"),
        )
        .expect("resume");
        // 2 h used; 14 h left from Wednesday 09:00 → Thursday 15:00.
        assert_eq!(
            clocks[1].view(&cal, now, 75).due_at,
            Some(at("2026-03-05T15:00:00Z"))
        );
    }

    #[test]
    fn alarms_fire_once_each_in_order() {
        let cal = office();
        let mut clock = RequestClock::start(
            ClockKind::FirstResponse,
            hours(4),
            at("2026-03-02T09:00:00Z"),
        );
        let times = clock.times(&cal, 75);
        assert_eq!(times.at_risk_at, Some(at("2026-03-02T12:00:00Z")));
        assert_eq!(times.due_at, Some(at("2026-03-02T13:00:00Z")));
        assert_eq!(times.next_alarm_at, times.at_risk_at);
        assert!(
            clock
                .raise_due_alarms(&cal, at("2026-03-02T11:59:59Z"), 75)
                .is_empty()
        );
        let first = clock.raise_due_alarms(&cal, at("2026-03-02T12:00:00Z"), 75);
        assert!(matches!(first.as_slice(), [Alarm::AtRisk { .. }]));
        assert_eq!(clock.times(&cal, 75).next_alarm_at, times.due_at);
        assert!(
            clock
                .raise_due_alarms(&cal, at("2026-03-02T12:30:00Z"), 75)
                .is_empty()
        );
        let second = clock.raise_due_alarms(&cal, at("2026-03-02T14:00:00Z"), 75);
        assert!(matches!(second.as_slice(), [Alarm::Breached { .. }]));
        assert_eq!(clock.times(&cal, 75).next_alarm_at, None);
        assert!(
            clock
                .raise_due_alarms(&cal, at("2026-03-09T14:00:00Z"), 75)
                .is_empty()
        );
    }

    #[test]
    fn a_late_sweep_raises_both_alarms_and_a_stopped_clock_none() {
        let cal = office();
        let mut late =
            RequestClock::start(ClockKind::Resolution, hours(4), at("2026-03-02T09:00:00Z"));
        assert_eq!(
            late.raise_due_alarms(&cal, at("2026-03-03T09:00:00Z"), 75)
                .len(),
            2
        );
        let mut stopped =
            RequestClock::start(ClockKind::Resolution, hours(4), at("2026-03-02T09:00:00Z"));
        stopped.stop(at("2026-03-02T10:00:00Z")).expect("stop");
        assert_eq!(stopped.times(&cal, 75).next_alarm_at, None);
        assert!(
            stopped
                .raise_due_alarms(&cal, at("2026-03-03T09:00:00Z"), 75)
                .is_empty()
        );
    }

    #[test]
    fn reopening_runs_resolution_again_without_the_time_it_stood_fulfilled() {
        let cal = office();
        let mut clocks = start_clocks(
            RequestKind::Incident,
            &targets(),
            at("2026-03-02T09:00:00Z"),
        );
        on_provider_reply(&mut clocks, at("2026-03-02T09:30:00Z")).expect("reply");
        on_status_change(
            &mut clocks,
            RequestStatus::InProgress,
            RequestStatus::Fulfilled,
            at("2026-03-02T13:00:00Z"),
        )
        .expect("fulfil");
        on_status_change(
            &mut clocks,
            RequestStatus::Fulfilled,
            RequestStatus::InProgress,
            at("2026-03-03T09:00:00Z"),
        )
        .expect("reopen");
        let now = at("2026-03-03T10:00:00Z");
        assert_eq!(clocks[0].view(&cal, now, 75).state, ClockState::Stopped);
        let resolution = clocks[1].view(&cal, now, 75);
        assert_eq!(resolution.state, ClockState::Running);
        assert_eq!(resolution.elapsed, hours(5));
    }

    #[test]
    fn a_zero_target_started_while_closed_raises_nothing_until_the_next_opening() {
        let cal = office();
        let mut clock = RequestClock::start(
            ClockKind::FirstResponse,
            BusinessDuration::ZERO,
            at("2026-03-07T10:00:00Z"), // a Saturday
        );
        let monday = at("2026-03-09T09:00:00Z");
        let sunday = at("2026-03-08T20:00:00Z");

        let times = clock.times(&cal, 75);
        let weekend = clock.raise_due_alarms(&cal, sunday, 75);
        let view = clock.view(&cal, sunday, 75);
        let opening = clock.raise_due_alarms(&cal, monday, 75);

        assert_eq!(times.due_at, Some(monday));
        assert_eq!(times.next_alarm_at, Some(monday));
        assert!(weekend.is_empty());
        assert!(!view.breached);
        assert_eq!(opening.len(), 2);
    }

    #[test]
    fn a_stop_after_the_target_counts_as_a_breach() {
        let cal = office();
        let mut clock = RequestClock::start(
            ClockKind::FirstResponse,
            hours(1),
            at("2026-03-02T09:00:00Z"),
        );
        clock.stop(at("2026-03-02T11:00:00Z")).expect("stop");
        let view = clock.view(&cal, at("2026-03-02T12:00:00Z"), 75);
        assert!(view.breached);
        assert!(!view.at_risk);
        assert_eq!(view.remaining, BusinessDuration::ZERO);
    }
}
