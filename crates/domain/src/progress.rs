//! What a change does to a request: its status, its clocks, and the events
//! appended to its history. Pure: the store loads the request, calls
//! [`apply`] and writes what comes back, all in one transaction.

use serde_json::json;

use crate::Timestamp;
use crate::calendar::{Calendar, ClockError, ClockState};
use crate::error::FieldError;
use crate::request::{
    EventKind, InvalidRequestTransition, RequestAction, RequestStatus, parse_reason, parse_text,
};
use crate::sla::{Alarm, RequestClock, on_provider_reply, on_status_change};

/// Which side of the contract wrote a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The provider's people (agents, managers, admins).
    Provider,
    /// The customer's or client's people.
    Customer,
}

impl Side {
    /// The name stored with the event.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Customer => "customer",
        }
    }
}

/// A change asked of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestChange {
    /// A lifecycle step; cancelling needs a reason.
    Act {
        /// The step.
        action: RequestAction,
        /// Why (required to cancel, kept with the event otherwise).
        reason: Option<String>,
    },
    /// A reply the other side sees.
    Reply {
        /// Who wrote it.
        side: Side,
        /// The text.
        body: String,
    },
    /// A note only the provider's side sees.
    Note {
        /// The text.
        body: String,
    },
}

/// The parts of a request a change moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Where it stands.
    pub status: RequestStatus,
    /// Its SLA clocks.
    pub clocks: Vec<RequestClock>,
}

/// An event to append, before the store gives it its place and actor.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// Whether the customer's side sees it.
    pub public: bool,
    /// Its text, if any.
    pub body: Option<String>,
    /// Details by kind.
    pub data: serde_json::Value,
}

impl NewEvent {
    /// An event without text.
    pub fn new(kind: EventKind, public: bool, data: serde_json::Value) -> Self {
        Self {
            kind,
            public,
            body: None,
            data,
        }
    }
}

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The step is not allowed from where the request stands.
    #[error("{0}")]
    Transition(#[from] InvalidRequestTransition),
    /// A field of the change is unusable.
    #[error("{0}")]
    Invalid(#[from] FieldError),
    /// A reply to a closed or cancelled request.
    #[error("the request is {}; reopen it before replying", .0.as_str())]
    Finished(RequestStatus),
    /// A clock could not follow (an instant before its last change).
    #[error("{0}")]
    Clock(#[from] ClockError),
}

fn status_event(action: RequestAction, from: RequestStatus, to: RequestStatus) -> NewEvent {
    NewEvent::new(
        EventKind::StatusChanged,
        true,
        json!({ "action": action.as_str(), "from": from.as_str(), "to": to.as_str() }),
    )
}

fn step(
    progress: &mut Progress,
    action: RequestAction,
    at: Timestamp,
) -> Result<NewEvent, Refusal> {
    let from = progress.status;
    let to = action.apply(from)?;
    on_status_change(&mut progress.clocks, from, to, at)?;
    progress.status = to;
    Ok(status_event(action, from, to))
}

/// Applies `change` at `at`: moves the status and clocks of `progress` and
/// returns the events to append, or why it was refused (leaving `progress`
/// as it was).
///
/// A customer's reply to a request awaiting them resumes it, and one to a
/// fulfilled request reopens it; the provider's first public reply stops the
/// first-response clock. Replies to closed or cancelled requests are
/// refused: reopen first.
pub fn apply(
    progress: &mut Progress,
    change: RequestChange,
    at: Timestamp,
) -> Result<Vec<NewEvent>, Refusal> {
    let mut next = progress.clone();
    let events = match change {
        RequestChange::Act { action, reason } => {
            let reason = match (action, reason) {
                (RequestAction::Cancel, None) => {
                    return Err(
                        FieldError::new("reason", "say why the request is cancelled").into(),
                    );
                }
                (_, Some(r)) => Some(parse_reason("reason", &r)?),
                (_, None) => None,
            };
            let mut event = step(&mut next, action, at)?;
            event.body = reason;
            vec![event]
        }
        RequestChange::Reply { side, body } => {
            let body = parse_text("body", &body, true)?;
            let mut events = Vec::new();
            if matches!(
                next.status,
                RequestStatus::Closed | RequestStatus::Cancelled
            ) {
                return Err(Refusal::Finished(next.status));
            }
            match side {
                Side::Provider => on_provider_reply(&mut next.clocks, at)?,
                Side::Customer => {}
            }
            events.push(NewEvent {
                kind: EventKind::Reply,
                public: true,
                body: Some(body),
                data: json!({ "side": side.as_str() }),
            });
            if side == Side::Customer {
                let resume = match next.status {
                    RequestStatus::AwaitingCustomer => Some(RequestAction::Resume),
                    RequestStatus::Fulfilled => Some(RequestAction::Reopen),
                    _ => None,
                };
                if let Some(action) = resume {
                    events.push(step(&mut next, action, at)?);
                }
            }
            events
        }
        RequestChange::Note { body } => {
            let body = parse_text("body", &body, true)?;
            vec![NewEvent {
                kind: EventKind::Note,
                public: false,
                body: Some(body),
                data: json!({}),
            }]
        }
    };
    *progress = next;
    Ok(events)
}

/// Events for alarms a clock raised.
pub fn alarm_events(alarms: &[Alarm]) -> Vec<NewEvent> {
    alarms
        .iter()
        .map(|alarm| match *alarm {
            Alarm::AtRisk { kind, at } => NewEvent::new(
                EventKind::ClockAtRisk,
                false,
                json!({ "clock": kind.as_str(), "reached_at": at }),
            ),
            Alarm::Breached { kind, at } => NewEvent::new(
                EventKind::ClockBreached,
                false,
                json!({ "clock": kind.as_str(), "due_at": at }),
            ),
        })
        .collect()
}

/// What the queue needs to know of a request's clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlaSummary {
    /// The earliest due instant of its running clocks.
    pub due_at: Option<Timestamp>,
    /// When its next alarm is due.
    pub next_alarm_at: Option<Timestamp>,
    /// A running or paused clock raised its at-risk alarm (and not breached).
    pub at_risk: bool,
    /// A running or paused clock raised its breach alarm.
    pub breached: bool,
}

/// Summarises the clocks for the queue and the alarm index.
pub fn summarise(clocks: &[RequestClock], calendar: &Calendar, percent: u8) -> SlaSummary {
    let mut summary = SlaSummary::default();
    for c in clocks {
        if c.clock.state() == ClockState::Stopped {
            continue;
        }
        let times = c.times(calendar, percent);
        if c.clock.state() == ClockState::Running {
            summary.due_at = min(summary.due_at, times.due_at);
        }
        summary.next_alarm_at = min(summary.next_alarm_at, times.next_alarm_at);
        summary.breached |= c.breached_fired_at.is_some();
        summary.at_risk |= c.at_risk_fired_at.is_some();
    }
    summary.at_risk &= !summary.breached;
    summary
}

fn min(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{BusinessDuration, CalendarSpec};
    use crate::request::RequestKind;
    use crate::service::Targets;
    use crate::sla::{ClockKind, start_clocks};

    fn at(s: &str) -> Timestamp {
        s.parse().expect("instant")
    }

    fn office() -> Calendar {
        CalendarSpec::from_toml(
            "zone = \"UTC\"\n[week]\nmon = [\"09:00-17:00\"]\ntue = [\"09:00-17:00\"]\nwed = [\"09:00-17:00\"]\nthu = [\"09:00-17:00\"]\nfri = [\"09:00-17:00\"]\n",
        )
        .expect("spec")
        .compile()
        .expect("calendar")
    }

    fn new_request() -> Progress {
        Progress {
            status: RequestStatus::New,
            clocks: start_clocks(
                RequestKind::Incident,
                &Targets {
                    first_response: Some(BusinessDuration::from_hours(4)),
                    resolution: Some(BusinessDuration::from_hours(16)),
                    delivery: None,
                },
                at("2026-03-02T09:00:00Z"),
            ),
        }
    }

    fn act(action: RequestAction) -> RequestChange {
        RequestChange::Act {
            action,
            reason: None,
        }
    }

    #[test]
    fn a_providers_reply_stops_first_response_and_a_customers_does_not() {
        let mut p = new_request();
        let customer = RequestChange::Reply {
            side: Side::Customer,
            body: "Still leaking".into(),
        };
        apply(&mut p, customer, at("2026-03-02T09:30:00Z")).expect("reply");
        assert_eq!(p.clocks[0].clock.state(), ClockState::Running);
        let provider = RequestChange::Reply {
            side: Side::Provider,
            body: "On our way".into(),
        };
        let events = apply(&mut p, provider, at("2026-03-02T10:00:00Z")).expect("reply");
        assert_eq!(events[0].kind, EventKind::Reply);
        assert!(events[0].public);
        assert_eq!(p.clocks[0].clock.state(), ClockState::Stopped);
        assert_eq!(p.status, RequestStatus::New);
    }

    #[test]
    fn a_customers_reply_resumes_a_request_awaiting_them() {
        let mut p = new_request();
        for action in [RequestAction::Acknowledge, RequestAction::AwaitCustomer] {
            apply(&mut p, act(action), at("2026-03-02T10:00:00Z")).expect("step");
        }
        assert_eq!(p.clocks[1].clock.state(), ClockState::Paused);
        let reply = RequestChange::Reply {
            side: Side::Customer,
            body: "Here is the photo".into(),
        };
        let events = apply(&mut p, reply, at("2026-03-03T09:00:00Z")).expect("reply");
        assert_eq!(
            events.iter().map(|e| e.kind).collect::<Vec<_>>(),
            [EventKind::Reply, EventKind::StatusChanged]
        );
        assert_eq!(p.status, RequestStatus::InProgress);
        assert_eq!(p.clocks[1].clock.state(), ClockState::Running);
    }

    #[test]
    fn refusals_leave_the_request_as_it_was() {
        let mut p = new_request();
        let before = p.clone();
        assert!(matches!(
            apply(
                &mut p,
                act(RequestAction::Close),
                at("2026-03-02T10:00:00Z")
            ),
            Err(Refusal::Transition(_))
        ));
        assert!(matches!(
            apply(
                &mut p,
                act(RequestAction::Cancel),
                at("2026-03-02T10:00:00Z")
            ),
            Err(Refusal::Invalid(_))
        ));
        let empty = RequestChange::Note { body: "  ".into() };
        assert!(apply(&mut p, empty, at("2026-03-02T10:00:00Z")).is_err());
        assert_eq!(p, before);
    }

    #[test]
    fn a_closed_request_takes_notes_but_no_replies() {
        let mut p = new_request();
        for action in [
            RequestAction::Acknowledge,
            RequestAction::Fulfil,
            RequestAction::Close,
        ] {
            apply(&mut p, act(action), at("2026-03-02T10:00:00Z")).expect("step");
        }
        let reply = RequestChange::Reply {
            side: Side::Customer,
            body: "Thanks".into(),
        };
        let refused = apply(&mut p, reply, at("2026-03-02T11:00:00Z")).expect_err("closed");
        assert!(refused.to_string().contains("reopen"), "{refused}");
        let note = RequestChange::Note {
            body: "Invoice sent".into(),
        };
        let events = apply(&mut p, note, at("2026-03-02T11:00:00Z")).expect("note");
        assert!(!events[0].public);
    }

    #[test]
    fn the_summary_takes_the_earliest_running_due_and_the_next_alarm() {
        let cal = office();
        let mut p = new_request();
        let s = summarise(&p.clocks, &cal, 75);
        assert_eq!(s.due_at, Some(at("2026-03-02T13:00:00Z")));
        assert_eq!(s.next_alarm_at, Some(at("2026-03-02T12:00:00Z")));
        assert!(!s.at_risk && !s.breached);
        apply(
            &mut p,
            act(RequestAction::Acknowledge),
            at("2026-03-02T10:00:00Z"),
        )
        .expect("ack");
        let s = summarise(&p.clocks, &cal, 75);
        // Resolution: 16 h from Monday 09:00 → Tuesday 17:00; at risk after 12 h.
        assert_eq!(s.due_at, Some(at("2026-03-03T17:00:00Z")));
        assert_eq!(s.next_alarm_at, Some(at("2026-03-03T13:00:00Z")));
        let alarms = p.clocks[1].raise_due_alarms(&cal, at("2026-03-03T14:00:00Z"), 75);
        assert_eq!(alarm_events(&alarms)[0].kind, EventKind::ClockAtRisk);
        let s = summarise(&p.clocks, &cal, 75);
        assert!(s.at_risk && !s.breached);
        assert_eq!(p.clocks[1].kind, ClockKind::Resolution);
    }
}
