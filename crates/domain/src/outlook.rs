//! What the customer is waiting for on a request, and by when: the plain
//! answer a customer's page gives instead of clock names and durations
//! ("We will reply by Monday 11:00", "Waiting for you").

use crate::Timestamp;
use crate::request::{Request, RequestStatus};
use crate::sla::ClockKind;

/// The next thing that happens on a request, as its customer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// The provider owes a first answer, by `by` when a target applies.
    Reply {
        /// When the answer is due.
        by: Option<Timestamp>,
        /// Whether that instant has passed.
        late: bool,
    },
    /// The provider is working on it, to be done by `by` when a target
    /// applies.
    Finish {
        /// When it is due to be done.
        by: Option<Timestamp>,
        /// Whether that instant has passed.
        late: bool,
    },
    /// The provider asked the customer something and waits for the answer.
    YourAnswer,
    /// Done: the customer may confirm it or reopen it.
    Confirm,
    /// Finished.
    Closed,
    /// Called off.
    Cancelled,
}

impl NextStep {
    /// The next step of `request` at `now`. A first answer is owed while
    /// its first-response clock runs (or, with no such clock, while the
    /// request is new); the due instant is the request's next target.
    pub fn of(request: &Request, now: Timestamp) -> Self {
        let late = request.due_at.is_some_and(|due| due < now);
        let by = request.due_at;
        match request.status {
            RequestStatus::AwaitingCustomer => Self::YourAnswer,
            RequestStatus::Fulfilled => Self::Confirm,
            RequestStatus::Closed => Self::Closed,
            RequestStatus::Cancelled => Self::Cancelled,
            RequestStatus::New | RequestStatus::Acknowledged | RequestStatus::InProgress => {
                let first_response_running = request
                    .clocks
                    .iter()
                    .find(|c| c.kind == ClockKind::FirstResponse)
                    .map(|c| c.clock.stopped_at().is_none());
                let owes_reply =
                    first_response_running.unwrap_or(request.status == RequestStatus::New);
                if owes_reply {
                    Self::Reply { by, late }
                } else {
                    Self::Finish { by, late }
                }
            }
        }
    }

    /// Whether the customer is the one expected to act.
    pub fn is_theirs(self) -> bool {
        matches!(self, Self::YourAnswer | Self::Confirm)
    }
}

/// A status as a customer reads it: what it means for them, not the
/// workflow's name for it.
pub fn status_words(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::New => "Received",
        RequestStatus::Acknowledged => "Seen by the team",
        RequestStatus::InProgress => "Being worked on",
        RequestStatus::AwaitingCustomer => "Waiting for you",
        RequestStatus::Fulfilled => "Done: please confirm",
        RequestStatus::Closed => "Closed",
        RequestStatus::Cancelled => "Cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{BusinessDuration, SlaClock};
    use crate::sla::RequestClock;
    use crate::{
        ContractId, PartyId, Priority, RequestId, RequestKind, ServiceId, SlaState, UserId,
    };

    fn at(s: &str) -> Timestamp {
        s.parse().expect("an instant")
    }

    fn request(status: RequestStatus, due: Option<&str>, clocks: Vec<RequestClock>) -> Request {
        Request {
            id: RequestId::new(),
            number: 1,
            contract_id: ContractId::new(),
            customer_id: PartyId::new(),
            requester_id: UserId::new(),
            service_id: ServiceId::new(),
            kind: RequestKind::Incident,
            priority: Priority::Normal,
            quantity: None,
            effort: None,
            subject: "Leak".to_owned(),
            description: String::new(),
            status,
            terms_version: None,
            calendar_id: None,
            override_reason: None,
            cancel_reason: None,
            escalated_from: None,
            raised_by_party: None,
            team_id: None,
            assignee_id: None,
            sla_state: SlaState::OnTrack,
            due_at: due.map(at),
            clocks,
            created_at: at("2026-12-07T09:00:00Z"),
            updated_at: at("2026-12-07T09:00:00Z"),
        }
    }

    fn clock(kind: ClockKind, stopped: bool) -> RequestClock {
        let mut clock = SlaClock::start(at("2026-12-07T09:00:00Z"));
        if stopped {
            clock
                .stop(at("2026-12-07T10:00:00Z"))
                .expect("a running clock stops");
        }
        RequestClock {
            kind,
            target: BusinessDuration::from_hours(1),
            clock,
            at_risk_fired_at: None,
            breached_fired_at: None,
        }
    }

    #[test]
    fn a_reply_is_owed_while_the_first_response_clock_runs() {
        let now = at("2026-12-07T09:30:00Z");
        let r = request(
            RequestStatus::InProgress,
            Some("2026-12-07T10:00:00Z"),
            vec![clock(ClockKind::FirstResponse, false)],
        );
        assert_eq!(
            NextStep::of(&r, now),
            NextStep::Reply {
                by: Some(at("2026-12-07T10:00:00Z")),
                late: false
            }
        );
    }

    #[test]
    fn once_answered_the_work_is_to_finish_and_late_once_its_due_passed() {
        let now = at("2026-12-08T09:30:00Z");
        let r = request(
            RequestStatus::Acknowledged,
            Some("2026-12-07T17:00:00Z"),
            vec![
                clock(ClockKind::FirstResponse, true),
                clock(ClockKind::Resolution, false),
            ],
        );
        assert_eq!(
            NextStep::of(&r, now),
            NextStep::Finish {
                by: Some(at("2026-12-07T17:00:00Z")),
                late: true
            }
        );
    }

    #[test]
    fn without_clocks_a_new_request_awaits_a_reply_and_one_in_hand_its_end() {
        let now = at("2026-12-07T09:30:00Z");
        let new = request(RequestStatus::New, None, Vec::new());
        assert_eq!(
            NextStep::of(&new, now),
            NextStep::Reply {
                by: None,
                late: false
            }
        );
        let started = request(RequestStatus::InProgress, None, Vec::new());
        assert_eq!(
            NextStep::of(&started, now),
            NextStep::Finish {
                by: None,
                late: false
            }
        );
    }

    #[test]
    fn the_customer_acts_when_asked_and_when_it_is_done() {
        let now = at("2026-12-07T09:30:00Z");
        for (status, step) in [
            (RequestStatus::AwaitingCustomer, NextStep::YourAnswer),
            (RequestStatus::Fulfilled, NextStep::Confirm),
            (RequestStatus::Closed, NextStep::Closed),
            (RequestStatus::Cancelled, NextStep::Cancelled),
        ] {
            let r = request(status, Some("2026-12-07T10:00:00Z"), Vec::new());
            assert_eq!(NextStep::of(&r, now), step, "{status}");
            assert_eq!(
                step.is_theirs(),
                matches!(
                    status,
                    RequestStatus::AwaitingCustomer | RequestStatus::Fulfilled
                )
            );
        }
    }

    #[test]
    fn no_status_is_shown_to_customers_by_its_workflow_name() {
        for status in RequestStatus::ALL {
            assert!(!status_words(*status).contains('_'), "{status}");
        }
    }
}
