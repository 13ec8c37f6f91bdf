//! Requests: the units of work on a contract, and the rules of their
//! lifecycle.
//!
//! Lifecycle: new → acknowledged → in progress ⇄ awaiting customer →
//! fulfilled → closed. A fulfilled or closed request may be reopened (back
//! to in progress); an open one may be cancelled with a reason. Every
//! change is an appended [`RequestEvent`], never an overwrite of history.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::calendar::BusinessDuration;
use crate::error::{FieldError, ValidationErrors, is_blank, required_line};
use crate::ids::{ContractId, PartyId, RequestId, ServiceId, UserId};
use crate::number::WholeRange;
use crate::terms::Priority;

/// Longest subject, in characters.
pub const MAX_SUBJECT: usize = 200;
/// Longest description or reply, in characters.
pub const MAX_TEXT: usize = 20_000;
/// Longest reason (cancellation, override), in characters.
pub const MAX_REASON: usize = 1000;
/// Largest quantity of one request.
pub const MAX_QUANTITY: u32 = 1_000_000_000;

named_enum!(
    /// What kind of work a request is.
    RequestKind, "a request kind" {
        /// Goods or a deliverable ordered; has a delivery clock.
        Order => "order",
        /// A standard service asked for.
        ServiceRequest => "service_request",
        /// Something broken.
        Incident => "incident",
        /// A question to answer.
        Question => "question",
        /// Work the provider's own team does for itself.
        InternalTask => "internal_task",
    }
);

named_enum!(
    /// Where a request stands.
    RequestStatus, "a request status" {
        /// Raised, not yet looked at.
        New => "new",
        /// The provider has seen it and said so.
        Acknowledged => "acknowledged",
        /// Being worked.
        InProgress => "in_progress",
        /// Waiting for the customer; its clocks are paused.
        AwaitingCustomer => "awaiting_customer",
        /// Done, waiting for the customer to confirm or reopen.
        Fulfilled => "fulfilled",
        /// Finished.
        Closed => "closed",
        /// Called off, with a reason.
        Cancelled => "cancelled",
    }
);

impl RequestStatus {
    /// Whether work on it is still expected (not fulfilled, closed or
    /// cancelled).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::New | Self::Acknowledged | Self::InProgress | Self::AwaitingCustomer
        )
    }
}

named_enum!(
    /// A step in a request's lifecycle.
    RequestAction, "a request action" {
        /// Tell the customer it has been seen (stops the first-response clock).
        Acknowledge => "acknowledge",
        /// Start work.
        Start => "start",
        /// Wait for the customer (pauses the clocks).
        AwaitCustomer => "await_customer",
        /// Work again after the customer answered (resumes the clocks).
        Resume => "resume",
        /// Mark done (stops the resolution and delivery clocks).
        Fulfil => "fulfil",
        /// Confirm it is finished.
        Close => "close",
        /// Work on it again after it was fulfilled or closed.
        Reopen => "reopen",
        /// Call it off (needs a reason).
        Cancel => "cancel",
    }
);

impl RequestAction {
    /// The statuses the action may start from.
    pub fn from_statuses(self) -> &'static [RequestStatus] {
        use RequestStatus::*;
        match self {
            Self::Acknowledge => &[New],
            Self::Start => &[New, Acknowledged],
            Self::AwaitCustomer => &[Acknowledged, InProgress],
            Self::Resume => &[AwaitingCustomer],
            Self::Fulfil => &[Acknowledged, InProgress, AwaitingCustomer],
            Self::Close => &[Fulfilled],
            Self::Reopen => &[Fulfilled, Closed],
            Self::Cancel => &[New, Acknowledged, InProgress, AwaitingCustomer],
        }
    }

    /// Where the action leads.
    pub fn to_status(self) -> RequestStatus {
        use RequestStatus::*;
        match self {
            Self::Acknowledge => Acknowledged,
            Self::Start | Self::Resume | Self::Reopen => InProgress,
            Self::AwaitCustomer => AwaitingCustomer,
            Self::Fulfil => Fulfilled,
            Self::Close => Closed,
            Self::Cancel => Cancelled,
        }
    }

    /// Whether only the provider's side may take it (the customer's side
    /// may close, reopen and cancel their own requests, and resume by
    /// replying).
    pub fn is_providers(self) -> bool {
        !matches!(self, Self::Close | Self::Reopen | Self::Cancel)
    }

    /// The status after this action from `from`, or why not.
    pub fn apply(self, from: RequestStatus) -> Result<RequestStatus, InvalidRequestTransition> {
        if self.from_statuses().contains(&from) {
            Ok(self.to_status())
        } else {
            Err(InvalidRequestTransition { action: self, from })
        }
    }

    /// The action's verb, for messages.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::Start => "start",
            Self::AwaitCustomer => "wait for the customer on",
            Self::Resume => "resume",
            Self::Fulfil => "fulfil",
            Self::Close => "close",
            Self::Reopen => "reopen",
            Self::Cancel => "cancel",
        }
    }
}

named_enum!(
    /// How a request stands against its SLA clocks, for filters and badges.
    SlaState, "an SLA state" {
        /// A clock still counting passed its target.
        Breached => "breached",
        /// A clock still counting used the at-risk share of its target.
        AtRisk => "at_risk",
        /// Clocks are counting with time to spare.
        OnTrack => "on_track",
        /// Waiting for the customer: the clocks are paused.
        Paused => "paused",
        /// No clock is counting (none set, or all stopped).
        None => "none",
    }
);

impl FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a priority; use urgent, high, normal or low"))
    }
}

/// An action refused in the request's current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a request that is {}; from there it can be: {}", action.verb(), from.as_str().replace('_', " "), allowed(*from))]
pub struct InvalidRequestTransition {
    /// What was tried.
    pub action: RequestAction,
    /// Where the request stood.
    pub from: RequestStatus,
}

/// The actions allowed from `status`, for messages.
fn allowed(status: RequestStatus) -> String {
    let names: Vec<&str> = RequestAction::ALL
        .iter()
        .filter(|a| a.from_statuses().contains(&status))
        .map(|a| a.as_str())
        .collect();
    if names.is_empty() {
        "nothing (it is finished)".to_owned()
    } else {
        names.join(", ")
    }
}

/// A request as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Request {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: RequestId,
    /// A short number for people, unique in the installation.
    pub number: i64,
    /// The contract it is worked under.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub contract_id: ContractId,
    /// The customer party it is for.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub customer_id: PartyId,
    /// The person who asked.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub requester_id: UserId,
    /// The service asked for.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub service_id: ServiceId,
    /// Order, service request, incident, question or internal task.
    pub kind: RequestKind,
    /// How urgent.
    pub priority: Priority,
    /// How many, in the service's unit.
    pub quantity: Option<u32>,
    /// Business time the work is expected to take.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2h"))]
    pub effort: Option<BusinessDuration>,
    /// One line saying what is wanted.
    pub subject: String,
    /// The details.
    pub description: String,
    /// Where it stands.
    pub status: RequestStatus,
    /// The terms version in force when it was raised (none: the services'
    /// default targets).
    pub terms_version: Option<u32>,
    /// The calendar its clocks run on (none: around the clock, UTC).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub calendar_id: Option<crate::ids::CalendarId>,
    /// Why a manager accepted it although the contract does not cover it.
    pub override_reason: Option<String>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The request downstream this one was escalated from, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub escalated_from: Option<RequestId>,
    /// The party further down the chain that raised it, when it was routed
    /// up the chain to this contract.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub raised_by_party: Option<PartyId>,
    /// The team it is assigned to, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub team_id: Option<PartyId>,
    /// The member of that team it is assigned to, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub assignee_id: Option<UserId>,
    /// How it stands against its clocks.
    pub sla_state: SlaState,
    /// The earliest due instant of a clock still counting.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub due_at: Option<Timestamp>,
    /// Its SLA clocks (shown through [`crate::ClockView`]s).
    #[serde(skip)]
    pub clocks: Vec<crate::sla::RequestClock>,
    /// When it was raised.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// How a request stands against its clocks: a breach or an at-risk alarm
/// of a clock still counting comes first, then waiting for the customer,
/// then whether any clock is counting at all.
pub fn sla_state(
    status: RequestStatus,
    at_risk: bool,
    breached: bool,
    due_at: Option<Timestamp>,
) -> SlaState {
    if !status.is_open() {
        SlaState::None
    } else if breached {
        SlaState::Breached
    } else if at_risk {
        SlaState::AtRisk
    } else if status == RequestStatus::AwaitingCustomer {
        SlaState::Paused
    } else if due_at.is_some() {
        SlaState::OnTrack
    } else {
        SlaState::None
    }
}

/// What is needed to raise a request, once checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRequest {
    /// The contract.
    pub contract_id: ContractId,
    /// The customer party.
    pub customer_id: PartyId,
    /// The person asking.
    pub requester_id: UserId,
    /// The service.
    pub service_id: ServiceId,
    /// The kind.
    pub kind: RequestKind,
    /// The priority.
    pub priority: Priority,
    /// The quantity, in the service's unit.
    pub quantity: Option<u32>,
    /// The effort estimate (the service's default when none).
    pub effort: Option<BusinessDuration>,
    /// The subject.
    pub subject: String,
    /// The description.
    pub description: String,
    /// A manager's reason to accept what the contract does not cover.
    pub override_reason: Option<String>,
    /// The downstream request this escalates.
    pub escalated_from: Option<RequestId>,
    /// The party down the chain that raised it, when routed.
    pub raised_by_party: Option<PartyId>,
}

/// Parses the free-text fields of a new request.
pub fn parse_subject(raw: &str) -> Result<String, FieldError> {
    required_line("subject", raw, MAX_SUBJECT)
}

/// Parses a body of text (description, reply, note): trimmed, not over
/// [`MAX_TEXT`] characters, no control characters but line breaks and tabs.
pub fn parse_text(field: &str, raw: &str, required: bool) -> Result<String, FieldError> {
    let text = raw.trim();
    if required && is_blank(text) {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_TEXT} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}

/// Parses a reason (cancellation, override): one line, not empty.
pub fn parse_reason(field: &str, raw: &str) -> Result<String, FieldError> {
    required_line(field, raw, MAX_REASON)
}

/// The range of a quantity: 1 to [`MAX_QUANTITY`].
pub const QUANTITY: WholeRange = WholeRange {
    field: "quantity",
    min: 1,
    max: MAX_QUANTITY,
};

/// Reads a quantity typed into a form: empty is none; otherwise a whole
/// number in [`QUANTITY`] (too large is told as such).
pub fn parse_quantity(raw: &str) -> Result<Option<u32>, FieldError> {
    match raw.trim() {
        "" => Ok(None),
        text => QUANTITY.parse(text).map(Some),
    }
}

/// Reads an optional quantity from JSON with [`QUANTITY`]'s messages, for
/// `#[serde(deserialize_with = ...)]`.
pub fn deserialize_quantity<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    QUANTITY.deserialize_optional(deserializer)
}

/// Checks a quantity: at least 1, at most [`MAX_QUANTITY`].
pub fn check_quantity(quantity: Option<u32>) -> Result<Option<u32>, FieldError> {
    match quantity {
        Some(0) => Err(FieldError::new("quantity", "must be at least 1")),
        Some(q) if q > MAX_QUANTITY => Err(FieldError::new(
            "quantity",
            format!("must be at most {MAX_QUANTITY}"),
        )),
        other => Ok(other),
    }
}

impl NewRequest {
    /// Re-checks the text fields (for callers that built it by hand).
    pub fn checked(mut self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if let Some(s) = errors.check(parse_subject(&self.subject)) {
            self.subject = s;
        }
        if let Some(d) = errors.check(parse_text("description", &self.description, false)) {
            self.description = d;
        }
        errors.check(check_quantity(self.quantity));
        if let Some(reason) = &self.override_reason
            && let Some(r) = errors.check(parse_reason("override_reason", reason))
        {
            self.override_reason = Some(r);
        }
        errors.into_result(self)
    }
}

named_enum!(
    /// What an event of a request's history records.
    EventKind, "an event kind" {
        /// The request was raised.
        Created => "created",
        /// Its status changed.
        StatusChanged => "status_changed",
        /// A reply the customer's side sees.
        Reply => "reply",
        /// A note only the provider's side sees.
        Note => "note",
        /// A clock used its at-risk share of the target.
        ClockAtRisk => "clock_at_risk",
        /// A clock passed its target.
        ClockBreached => "clock_breached",
        /// It was escalated to a supplier up the chain.
        Escalated => "escalated",
        /// Something happened on the request up the chain it waits on.
        Upstream => "upstream",
        /// A date was promised to the customer.
        PromiseMade => "promise_made",
        /// A new date was proposed to the customer.
        DateProposed => "date_proposed",
        /// The customer agreed to a proposed date, or did not.
        DateAnswered => "date_answered",
        /// The plan finishes it after its promised date.
        PromiseAtRisk => "promise_at_risk",
        /// It was assigned to a team, and perhaps one of its members.
        Assigned => "assigned",
        /// An order line questioned for its quantity was confirmed, or
        /// changed, before the order was accepted.
        QuantityAnswered => "quantity_answered",
    }
);

/// One entry of a request's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestEvent {
    /// Its position in the request's history, from 1.
    pub seq: i64,
    /// What happened.
    pub kind: EventKind,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// The user who did it, if a person did.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub actor_id: Option<UserId>,
    /// Who did it, readable (an email, or what the system was doing).
    pub actor: String,
    /// Whether the customer's side sees it.
    pub public: bool,
    /// Text: a reply, a note, a reason.
    pub body: Option<String>,
    /// Details that depend on the kind (statuses, clock, linked request).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path_runs_from_new_to_closed() {
        use RequestAction::*;
        let mut status = RequestStatus::New;
        for action in [Acknowledge, Start, AwaitCustomer, Resume, Fulfil, Close] {
            status = action.apply(status).expect("allowed");
        }
        assert_eq!(status, RequestStatus::Closed);
    }

    #[test]
    fn finished_requests_take_only_a_reopen() {
        assert!(RequestAction::Fulfil.apply(RequestStatus::Closed).is_err());
        assert_eq!(
            RequestAction::Reopen.apply(RequestStatus::Closed),
            Ok(RequestStatus::InProgress)
        );
        for action in RequestAction::ALL {
            assert!(action.apply(RequestStatus::Cancelled).is_err(), "{action}");
        }
    }

    #[test]
    fn a_refusal_says_what_could_be_done_instead() {
        let e = RequestAction::Fulfil
            .apply(RequestStatus::New)
            .expect_err("refused");
        assert_eq!(
            e.to_string(),
            "cannot fulfil a request that is new; from there it can be: acknowledge, start, cancel"
        );
        let e = RequestAction::Start
            .apply(RequestStatus::Cancelled)
            .expect_err("refused");
        assert!(e.to_string().ends_with("nothing (it is finished)"));
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for kind in RequestKind::ALL {
            assert_eq!(kind.as_str().parse::<RequestKind>(), Ok(*kind));
        }
        let e = "ticket".parse::<RequestKind>().expect_err("unknown");
        assert!(e.contains("order, service_request"), "{e}");
    }

    #[test]
    fn text_fields_are_checked() {
        assert!(parse_subject("  ").is_err());
        assert!(parse_subject("Leak\nin store").is_err());
        assert_eq!(parse_subject(" Leak ").as_deref(), Ok("Leak"));
        assert!(parse_text("body", "a\u{7}b", false).is_err());
        assert_eq!(
            parse_text("body", "line 1\nline 2", true).as_deref(),
            Ok("line 1\nline 2")
        );
        assert!(check_quantity(Some(0)).is_err());
        assert_eq!(check_quantity(Some(10)), Ok(Some(10)));
    }
}
