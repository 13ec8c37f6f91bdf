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
    ChangeRequestId, ContractId, OutboxId, RequestId, RequestStatus, Timestamp, Topic, UserId,
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
        }
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
