//! Who is told what: the topics that notify people, the audience of each,
//! when their message may go, and how a failed delivery is retried.
//!
//! The store writes an outbox row for every event of a [`Topic`] in the
//! transaction that records the event; the delivery job fans it out to the
//! topic's audience by these rules.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::{EventKind, Timestamp};

named_enum!(
    /// What happened that someone is told about.
    Topic, "a notification topic" {
        /// A request was raised: its requester gets the reference and the
        /// first-response due instant.
        RequestRaised => "request_raised",
        /// The provider replied: the requester is told.
        ProviderReplied => "provider_replied",
        /// The customer replied: the provider's people working it are told.
        CustomerReplied => "customer_replied",
        /// A clock used its at-risk share: its owners and managers are told.
        RequestAtRisk => "request_at_risk",
        /// A clock passed its target: its owners and managers are told at once.
        RequestBreached => "request_breached",
        /// A request was escalated to a supplier: the supplier's people are
        /// told, with the customers waiting downstream.
        EscalationRaised => "escalation_raised",
        /// A customer's question was routed up the chain: the supplier is told.
        QuestionRouted => "question_routed",
        /// A change request waits for the steering group's decision.
        ChangeSubmitted => "change_submitted",
        /// A change request was approved.
        ChangeApproved => "change_approved",
        /// A change request was rejected.
        ChangeRejected => "change_rejected",
        /// A change request was applied to the contract.
        ChangeApplied => "change_applied",
        /// A message mailed in was refused: its sender is told why.
        MailRefused => "mail_refused",
        /// A message mailed in was taken, without its attachments: its
        /// sender is told which were not kept.
        MailAttachmentsDropped => "mail_attachments_dropped",
        /// A request was promised a date: its requester is told the date.
        RequestPromised => "request_promised",
        /// A new date was proposed for a promise: the requester is asked
        /// to agree, with the reason, in the portal or by a single-use link.
        DateProposed => "date_proposed",
        /// The customer answered a proposed date: the provider's people
        /// working the request are told whether they agreed, and in time.
        DateAnswered => "date_answered",
    }
);

named_enum!(
    /// Who, relative to the event, receives a topic's messages.
    Audience, "an audience" {
        /// Whoever raised the request.
        Requester => "requester",
        /// The provider's people who work the contract's requests (agents
        /// and managers of the provider): the owner until requests are
        /// assigned to teams.
        ProviderStaff => "provider_staff",
        /// The provider's managers.
        Managers => "managers",
        /// The people of the supplier a request was escalated or routed to.
        SupplierContacts => "supplier_contacts",
        /// The contract's steering group.
        Approvers => "approvers",
        /// The people of the party that placed the contract.
        ClientContacts => "client_contacts",
        /// Whoever sent the message mailed in (named by the outbox row).
        Sender => "sender",
    }
);

named_enum!(
    /// How a message reaches its recipient.
    Channel, "a channel" {
        /// An email to a person.
        Email => "email",
        /// A signed HTTPS call to a subscribed endpoint.
        Webhook => "webhook",
    }
);

/// When a message may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// At once: it answers what the person just did, or it is urgent.
    AtOnce,
    /// In the recipient's business hours: nobody asked for it and it can wait.
    BusinessHours,
}

impl Topic {
    /// Who receives it, and when.
    pub fn audience(self) -> &'static [(Audience, Timing)] {
        use Audience::*;
        use Timing::*;
        match self {
            Self::RequestRaised
            | Self::ProviderReplied
            | Self::RequestPromised
            | Self::DateProposed => &[(Requester, AtOnce)],
            // It answers what the provider asked.
            Self::DateAnswered => &[(ProviderStaff, AtOnce)],
            Self::CustomerReplied => &[(ProviderStaff, AtOnce)],
            Self::RequestAtRisk => &[(ProviderStaff, BusinessHours), (Managers, BusinessHours)],
            Self::RequestBreached => &[(ProviderStaff, AtOnce), (Managers, AtOnce)],
            Self::EscalationRaised => &[(SupplierContacts, AtOnce)],
            Self::QuestionRouted => &[(SupplierContacts, BusinessHours)],
            Self::ChangeSubmitted => &[(Approvers, BusinessHours)],
            Self::ChangeApproved | Self::ChangeRejected | Self::ChangeApplied => {
                &[(ClientContacts, BusinessHours), (Managers, BusinessHours)]
            }
            Self::MailRefused | Self::MailAttachmentsDropped => &[(Sender, AtOnce)],
        }
    }

    /// Whether it answers a message mailed in: its outbox row names no
    /// request event nor change but the sender, in its data.
    pub fn answers_mail(self) -> bool {
        matches!(self, Self::MailRefused | Self::MailAttachmentsDropped)
    }

    /// Whether its mail is not an answer to anything the recipient did, so
    /// it carries a one-click unsubscribe (RFC 8058) and honours the
    /// recipient's preferences. Mail about a person's own request is
    /// transactional: it always goes.
    pub fn unsubscribable(self) -> bool {
        !matches!(
            self,
            Self::RequestRaised
                | Self::ProviderReplied
                | Self::CustomerReplied
                | Self::RequestPromised
                | Self::DateProposed
                | Self::MailRefused
                | Self::MailAttachmentsDropped
        )
    }

    /// A short description, for preference pages and webhook listings.
    pub fn describe(self) -> &'static str {
        match self {
            Self::RequestRaised => "a request you raised was received",
            Self::ProviderReplied => "the provider replied on your request",
            Self::CustomerReplied => "a customer replied on a request you work",
            Self::RequestAtRisk => "a request is at risk of missing its target",
            Self::RequestBreached => "a request missed its target",
            Self::EscalationRaised => "a request was escalated to your organisation",
            Self::QuestionRouted => "a question was routed to your organisation",
            Self::ChangeSubmitted => "a contract change waits for your decision",
            Self::ChangeApproved => "a contract change was approved",
            Self::ChangeRejected => "a contract change was rejected",
            Self::ChangeApplied => "a contract change was applied",
            Self::MailRefused => "a message you sent was not accepted",
            Self::MailAttachmentsDropped => "the attachments of a message you sent were not kept",
            Self::RequestPromised => "a request you raised was promised a date",
            Self::DateProposed => "a new date is proposed for a request you raised",
            Self::DateAnswered => "a customer answered a new date proposed for a request",
        }
    }

    /// The topic of a request's event, if it notifies anyone. `escalated`
    /// and `routed` say whether the request was raised up the chain for a
    /// request downstream, and for a party further down.
    pub fn of_request_event(
        kind: EventKind,
        public: bool,
        data: &serde_json::Value,
        escalated: bool,
        routed: bool,
    ) -> Option<Topic> {
        let side = data.get("side").and_then(serde_json::Value::as_str);
        match kind {
            EventKind::Created if routed => Some(Self::QuestionRouted),
            EventKind::Created if escalated => Some(Self::EscalationRaised),
            EventKind::Created => Some(Self::RequestRaised),
            EventKind::Reply if side == Some("customer") => Some(Self::CustomerReplied),
            EventKind::Reply => Some(Self::ProviderReplied),
            EventKind::ClockAtRisk => Some(Self::RequestAtRisk),
            EventKind::ClockBreached => Some(Self::RequestBreached),
            EventKind::PromiseMade => Some(Self::RequestPromised),
            EventKind::DateProposed => Some(Self::DateProposed),
            EventKind::DateAnswered => Some(Self::DateAnswered),
            // The answer to a question routed up the chain, relayed to the
            // customer who asked it.
            EventKind::Upstream
                if public && data.get("event").and_then(|e| e.as_str()) == Some("reply") =>
            {
                Some(Self::ProviderReplied)
            }
            _ => None,
        }
    }
}

/// When a message with `timing`, made at `now`, may be sent to someone
/// whose hours `calendar` keeps: now, or when their business hours next
/// open (now again when the calendar never opens, so nothing waits forever).
pub fn send_after(timing: Timing, now: Timestamp, calendar: Option<&Calendar>) -> Timestamp {
    match (timing, calendar) {
        (Timing::BusinessHours, Some(calendar)) if !calendar.is_open(now) => {
            calendar.next_open(now).unwrap_or(now)
        }
        _ => now,
    }
}

/// How failed deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; each further failure doubles it.
    pub first: Duration,
    /// The longest wait.
    pub cap: Duration,
    /// Attempts before a delivery is dead-lettered.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first: Duration::from_secs(30),
            cap: Duration::from_secs(6 * 3600),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (from 1), or `None`
    /// when no attempt is left and the delivery is dead. `jitter`, in
    /// [0, 1), spreads retries over the upper half of the exponential
    /// wait, so deliveries that failed together do not retry together.
    pub fn after_failure(&self, attempt: u32, jitter: f64) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let doublings = attempt.saturating_sub(1).min(32);
        let full = self
            .first
            .saturating_mul(1u32 << doublings.min(31))
            .min(self.cap);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Some(full / 2 + full.mul_f64(jitter / 2.0))
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its first attempt.
    Pending,
    /// An attempt failed; it will be retried.
    Failed,
    /// Delivered.
    Sent,
    /// Every attempt failed; it waits for someone to retry it.
    Dead,
}

impl DeliveryState {
    /// The name used in the API and on pages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Failed => "failed",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DeliveryState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(Self::Pending),
            "failed" => Ok(Self::Failed),
            "sent" => Ok(Self::Sent),
            "dead" => Ok(Self::Dead),
            other => Err(format!(
                "`{other}` is not a delivery state; use one of pending, failed, sent, dead"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn each_event_has_its_topic() {
        let none = json!({});
        let of = |kind, data: &serde_json::Value| {
            Topic::of_request_event(kind, true, data, false, false)
        };
        assert_eq!(of(EventKind::Created, &none), Some(Topic::RequestRaised));
        assert_eq!(
            Topic::of_request_event(EventKind::Created, true, &none, true, false),
            Some(Topic::EscalationRaised)
        );
        assert_eq!(
            Topic::of_request_event(EventKind::Created, true, &none, true, true),
            Some(Topic::QuestionRouted)
        );
        assert_eq!(
            of(EventKind::Reply, &json!({"side": "customer"})),
            Some(Topic::CustomerReplied)
        );
        assert_eq!(
            of(EventKind::Reply, &json!({"side": "provider"})),
            Some(Topic::ProviderReplied)
        );
        assert_eq!(
            of(EventKind::ClockBreached, &none),
            Some(Topic::RequestBreached)
        );
        assert_eq!(
            of(
                EventKind::PromiseMade,
                &json!({"date": "2026-12-07T11:00:00Z"})
            ),
            Some(Topic::RequestPromised)
        );
        assert_eq!(
            of(EventKind::DateProposed, &none),
            Some(Topic::DateProposed)
        );
        assert_eq!(
            of(EventKind::DateAnswered, &json!({"accepted": true})),
            Some(Topic::DateAnswered)
        );
        assert_eq!(of(EventKind::Note, &none), None);
        assert_eq!(of(EventKind::StatusChanged, &none), None);
        assert_eq!(
            Topic::of_request_event(
                EventKind::Upstream,
                false,
                &json!({"event": "reply"}),
                false,
                false
            ),
            None,
            "a relay the customer does not see tells them nothing"
        );
    }

    #[test]
    fn mail_about_your_own_request_cannot_be_unsubscribed() {
        assert!(!Topic::RequestRaised.unsubscribable());
        assert!(!Topic::ProviderReplied.unsubscribable());
        assert!(!Topic::MailRefused.unsubscribable());
        assert!(Topic::RequestAtRisk.unsubscribable());
        for topic in Topic::ALL {
            assert!(!topic.audience().is_empty(), "{topic} tells someone");
        }
    }

    #[test]
    fn the_customer_is_told_of_a_promise_at_once_and_the_provider_of_the_answer() {
        for topic in [Topic::RequestPromised, Topic::DateProposed] {
            assert_eq!(topic.audience(), &[(Audience::Requester, Timing::AtOnce)]);
            assert!(
                !topic.unsubscribable(),
                "{topic} is about their own request"
            );
        }
        assert_eq!(
            Topic::DateAnswered.audience(),
            &[(Audience::ProviderStaff, Timing::AtOnce)]
        );
        assert!(Topic::DateAnswered.unsubscribable());
        assert_eq!(
            "date_proposed".parse::<Topic>().ok(),
            Some(Topic::DateProposed)
        );
    }

    #[test]
    fn retries_back_off_and_then_stop() {
        let policy = RetryPolicy {
            first: Duration::from_secs(10),
            cap: Duration::from_secs(60),
            max_attempts: 4,
        };
        assert_eq!(policy.after_failure(1, 0.0), Some(Duration::from_secs(5)));
        assert_eq!(policy.after_failure(2, 0.0), Some(Duration::from_secs(10)));
        assert_eq!(
            policy.after_failure(3, 0.999_999),
            Some(Duration::from_secs(40) - Duration::from_micros(20))
        );
        assert_eq!(
            policy.after_failure(4, 0.5),
            None,
            "the fourth failure is the last"
        );
    }

    fn office() -> Calendar {
        crate::calendar::CalendarSpec::from_toml(
            "zone = \"Europe/London\"\n[week]\nmon = [\"09:00-17:00\"]\ntue = [\"09:00-17:00\"]\nwed = [\"09:00-17:00\"]\nthu = [\"09:00-17:00\"]\nfri = [\"09:00-17:00\"]\n",
        )
        .expect("spec")
        .compile()
        .expect("calendar")
    }

    #[test]
    fn mail_nobody_asked_for_waits_for_business_hours_and_urgent_mail_does_not() {
        let calendar = office();
        let sunday: Timestamp = "2026-12-06T13:00:00Z".parse().expect("instant");
        let monday: Timestamp = "2026-12-07T09:00:00Z".parse().expect("instant");
        assert_eq!(
            send_after(Timing::BusinessHours, sunday, Some(&calendar)),
            monday
        );
        assert_eq!(send_after(Timing::AtOnce, sunday, Some(&calendar)), sunday);
        assert_eq!(send_after(Timing::BusinessHours, sunday, None), sunday);
        let tuesday: Timestamp = "2026-12-08T10:30:00Z".parse().expect("instant");
        assert_eq!(
            send_after(Timing::BusinessHours, tuesday, Some(&calendar)),
            tuesday
        );
    }

    proptest! {
        #[test]
        fn business_hours_mail_goes_no_earlier_than_made_and_only_when_open(
            minutes in 0i64..(60 * 24 * 28),
        ) {
            let calendar = office();
            let start: Timestamp = "2026-12-01T00:00:00Z".parse().expect("instant");
            let now = start + jiff::SignedDuration::from_mins(minutes);
            let at = send_after(Timing::BusinessHours, now, Some(&calendar));
            prop_assert!(at >= now);
            prop_assert!(calendar.is_open(at));
            if calendar.is_open(now) {
                prop_assert_eq!(at, now);
            }
        }

        #[test]
        fn a_retry_waits_between_half_and_all_of_its_capped_doubling(
            attempt in 1u32..40,
            jitter in 0.0f64..1.0,
            first in 1u64..1000,
            cap in 1u64..100_000,
        ) {
            let policy = RetryPolicy {
                first: Duration::from_secs(first),
                cap: Duration::from_secs(cap),
                max_attempts: 50,
            };
            let wait = policy.after_failure(attempt, jitter).expect("attempts left");
            let full = Duration::from_secs(first)
                .saturating_mul(1u32 << (attempt - 1).min(31))
                .min(Duration::from_secs(cap));
            prop_assert!(wait >= full / 2);
            prop_assert!(wait <= full);
            let later = policy.after_failure(attempt + 1, 0.0).expect("attempts left");
            prop_assert!(later >= full / 2, "the floor never falls");
        }
    }
}
