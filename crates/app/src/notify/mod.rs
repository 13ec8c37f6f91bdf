//! Notifications: who is told of each event, what they are told, and the
//! delivery of it, with retries, through a [`Transport`] the server
//! provides (SMTP, the database's mail view, webhooks).
//!
//! Two steps, each from durable rows: [`fanout::dispatch`] turns outbox
//! rows (written with their events) into deliveries, one per recipient
//! and channel, each carrying a [`Notice`] fixed at that moment; then
//! [`deliver::deliver_due`] hands due deliveries to the transport and
//! records each attempt.

pub mod admin;
pub mod answer;
pub mod audience;
pub mod deliver;
pub mod fanout;
pub mod hooks;
pub mod inbound;
pub mod preferences;
pub mod tokens;

use kept_domain::{
    ChangeRequestId, ContractId, DateProposalId, OutboxId, RequestId, RequestStatus, Timestamp,
    Topic, UserId,
};
use kept_store::notify::OutboxEntry;
use serde::{Deserialize, Serialize};

pub use deliver::{Delivered, Transport, deliver_batch, deliver_due};
pub use fanout::{dispatch, dispatch_batch};

/// What one recipient is told of one event: everything a template or a
/// webhook body needs, fixed when the event was fanned out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// What happened.
    pub topic: Topic,
    /// The event's id (the outbox row's).
    pub event_id: OutboxId,
    /// When it happened.
    pub at: Timestamp,
    /// Who is told (absent for webhooks).
    pub to: Option<Addressee>,
    /// The request it happened to.
    pub request: Option<RequestBrief>,
    /// The change request it happened to.
    #[serde(default)]
    pub change: Option<ChangeBrief>,
    /// What was said (a reply), and by whom.
    pub said: Option<Said>,
    /// The clock an alarm is about (`first_response`, `resolution`, …).
    pub clock: Option<String>,
    /// The customers waiting down the chain (an escalation).
    pub waiting: Vec<String>,
    /// The token a reply to this mail carries back to its request.
    pub reply_token: Option<String>,
    /// The token of the one-click unsubscribe from this topic.
    pub unsubscribe_token: Option<String>,
    /// What a message mailed in is answered (its refusal, the attachments
    /// not kept).
    #[serde(default)]
    pub answer: Option<MailAnswer>,
    /// The promise told of: its date, a date proposed or answered.
    #[serde(default)]
    pub promise: Option<PromiseBrief>,
}

impl Notice {
    /// A notice of `entry`'s event at `at`, about nothing yet, to nobody yet.
    pub fn new(entry: &OutboxEntry, at: Timestamp) -> Self {
        Self {
            topic: entry.topic,
            event_id: entry.id,
            at,
            to: None,
            request: None,
            change: None,
            said: None,
            clock: None,
            waiting: Vec::new(),
            reply_token: None,
            unsubscribe_token: None,
            answer: None,
            promise: None,
        }
    }
}

/// A promise as a notice tells of it: the date promised, or a date
/// proposed (with the one it would replace and why), or the customer's
/// answer to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseBrief {
    /// The date promised, proposed or answered.
    pub date: Timestamp,
    /// The date a proposal would replace.
    pub previous_date: Option<Timestamp>,
    /// Why a new date is proposed, in the agent's words.
    pub reason: Option<String>,
    /// The proposal proposed or answered.
    pub proposal_id: Option<DateProposalId>,
    /// Whether the customer agreed (an answer).
    pub accepted: Option<bool>,
    /// Whether they answered before the date it would replace had passed.
    pub in_time: Option<bool>,
    /// Who answered, readable (an answer).
    #[serde(default)]
    pub by: Option<String>,
    /// The token of the recipient's single-use link that answers a
    /// proposal (mail only; never in a webhook's body).
    pub answer_token: Option<String>,
}

impl PromiseBrief {
    /// What a request's promise event of `topic` tells, from its `data`,
    /// `body` and `actor` (none when the data lacks the date).
    pub fn of_event(
        topic: Topic,
        data: &serde_json::Value,
        body: Option<&str>,
        actor: &str,
    ) -> Option<Self> {
        let instant = |key: &str| {
            data.get(key)
                .and_then(serde_json::Value::as_str)
                .and_then(|s| s.parse::<Timestamp>().ok())
        };
        let flag = |key: &str| data.get(key).and_then(serde_json::Value::as_bool);
        // A request promised as it was accepted: its acknowledgement tells
        // the date.
        if topic == Topic::RequestRaised {
            let promise = data.get("promise")?;
            return Some(Self {
                date: promise
                    .get("date")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|s| s.parse::<Timestamp>().ok())?,
                previous_date: None,
                reason: None,
                proposal_id: None,
                accepted: None,
                in_time: None,
                by: None,
                answer_token: None,
            });
        }
        if !matches!(
            topic,
            Topic::RequestPromised | Topic::DateProposed | Topic::DateAnswered
        ) {
            return None;
        }
        Some(Self {
            date: instant("date")?,
            previous_date: instant("previous_date"),
            reason: (topic == Topic::DateProposed)
                .then(|| body.map(str::to_owned))
                .flatten(),
            proposal_id: data
                .get("proposal_id")
                .and_then(serde_json::Value::as_str)
                .and_then(|s| s.parse().ok()),
            accepted: flag("accepted"),
            in_time: flag("in_time"),
            by: (topic == Topic::DateAnswered).then(|| actor.to_owned()),
            answer_token: None,
        })
    }
}

/// The answer to a message mailed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAnswer {
    /// The subject of the message answered.
    pub subject: String,
    /// Why it was refused.
    pub reason: Option<String>,
    /// The attachments not kept, each as `a.pdf (12 kB)`.
    pub not_kept: Vec<String>,
    /// The Message-ID of the message answered, to thread under it.
    pub in_reply_to: Option<String>,
}

/// A change request as a notice names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeBrief {
    /// Its id (for links).
    pub id: ChangeRequestId,
    /// Its contract's id (for links).
    pub contract_id: ContractId,
    /// Its title.
    pub title: String,
    /// Its contract's name.
    pub contract: String,
}

/// The person a notice goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addressee {
    /// The user.
    pub user_id: UserId,
    /// Their name.
    pub name: String,
    /// Their address.
    pub email: String,
}

/// A request as a notice names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestBrief {
    /// Its id (for links).
    pub id: RequestId,
    /// Its number, the reference people quote.
    pub number: i64,
    /// Its subject.
    pub subject: String,
    /// Where it stands.
    pub status: RequestStatus,
    /// The party it serves.
    pub customer: String,
    /// The contract it is raised on.
    pub contract: String,
    /// The earliest due instant of a clock still counting.
    pub due_at: Option<Timestamp>,
    /// The time zone its calendar keeps, for instants in words.
    pub zone: String,
}

/// Something said on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    /// Who said it, readable.
    pub by: String,
    /// What.
    pub body: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_promise_event_tells_its_dates_and_a_proposal_its_reason() {
        let proposal = DateProposalId::new();
        let data = json!({
            "proposal_id": proposal,
            "previous_date": "2026-12-07T11:00:00Z",
            "date": "2026-12-09T17:00:00Z",
        });
        let brief = PromiseBrief::of_event(Topic::DateProposed, &data, Some("Back order"), "sam")
            .expect("a brief");
        assert_eq!(brief.date, "2026-12-09T17:00:00Z".parse().expect("instant"));
        assert_eq!(
            brief.previous_date,
            Some("2026-12-07T11:00:00Z".parse().expect("instant"))
        );
        assert_eq!(brief.reason.as_deref(), Some("Back order"));
        assert_eq!(brief.proposal_id, Some(proposal));
        assert_eq!(brief.by, None);
        assert_eq!(brief.answer_token, None, "each recipient gets their own");

        let answered = json!({
            "proposal_id": proposal, "accepted": true, "via": "link", "in_time": false,
            "date": "2026-12-09T17:00:00Z", "previous_date": "2026-12-07T11:00:00Z",
        });
        let brief =
            PromiseBrief::of_event(Topic::DateAnswered, &answered, None, "tom").expect("a brief");
        assert_eq!((brief.accepted, brief.in_time), (Some(true), Some(false)));
        assert_eq!(brief.by.as_deref(), Some("tom"));

        assert_eq!(
            PromiseBrief::of_event(Topic::RequestRaised, &data, None, "x"),
            None,
            "raised without a promise"
        );
        let raised = json!({"kind": "order", "promise": {"date": "2026-12-09T17:00:00Z"}});
        let brief =
            PromiseBrief::of_event(Topic::RequestRaised, &raised, None, "x").expect("a brief");
        assert_eq!(brief.date, "2026-12-09T17:00:00Z".parse().expect("instant"));
        assert_eq!(
            PromiseBrief::of_event(Topic::ProviderReplied, &data, None, "x"),
            None,
            "not a promise's topic"
        );
        assert_eq!(
            PromiseBrief::of_event(Topic::RequestPromised, &json!({}), None, "x"),
            None,
            "no date, nothing to tell"
        );
    }
}
