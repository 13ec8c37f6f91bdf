//! Promises: the date committed to the customer for a request, how it is
//! chosen, renegotiated and, at fulfilment, judged.
//!
//! A promise is made when a request is accepted: by default the later of
//! the SLA due instant and the planner's realistic date. When the
//! realistic date is later, someone of the provider chooses: the SLA date
//! anyway (the promise starts at risk) or the realistic date (recorded as
//! beyond the SLA). A renegotiation agreed before the date it replaces has
//! passed keeps the promise whole; one agreed after breaks it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::error::FieldError;
use crate::ids::{DateProposalId, RequestId, UserId};
use crate::request::parse_reason;

named_enum!(
    /// Which date was promised.
    PromiseBasis, "a promise basis" {
        /// The SLA due instant: the load allowed it, or it was chosen
        /// although the realistic date was later.
        Sla => "sla",
        /// The planner's realistic date, later than the SLA's.
        Realistic => "realistic",
        /// A date someone of the provider set.
        Set => "set",
    }
);

named_enum!(
    /// How a promise ended.
    PromiseOutcome, "a promise outcome" {
        /// Fulfilled by the date first promised.
        Kept => "kept",
        /// Fulfilled by a date agreed before the earlier one had passed.
        KeptRenegotiated => "kept_renegotiated",
        /// Fulfilled late, or renegotiated only after the date had passed.
        Broken => "broken",
    }
);

named_enum!(
    /// What promise integrity is counted by.
    IntegrityBy, "an integrity dimension" {
        /// The team the request is assigned to.
        Team => "team",
        /// The contract the request is under.
        Contract => "contract",
        /// The customer party the request serves.
        Customer => "customer",
        /// Internal against external customers.
        Internal => "internal",
    }
);

named_enum!(
    /// Where a proposal of a new date stands.
    ProposalStatus, "a proposal status" {
        /// Waiting for the customer's answer.
        Open => "open",
        /// The customer agreed: it is the promise's date now.
        Accepted => "accepted",
        /// The customer did not agree: the date stands.
        Declined => "declined",
        /// Replaced by a later proposal, or the request ended first.
        Withdrawn => "withdrawn",
    }
);

named_enum!(
    /// What a manager or owner is advised to do with a promise at risk.
    Suggestion, "a suggested action" {
        /// Talk to the customer now and agree a new date.
        Renegotiate => "renegotiate",
        /// Another member could finish it in time.
        Reassign => "reassign",
        /// More than one person can finish in time, and one cannot.
        Split => "split",
    }
);

/// What the provider chose when the realistic date is later than the SLA's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Promise the SLA date anyway.
    Sla,
    /// Promise the realistic date.
    Realistic,
    /// Promise this date.
    Date(Timestamp),
}

/// A promise as decided, before it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// The date promised.
    pub date: Timestamp,
    /// Which date it is.
    pub basis: PromiseBasis,
    /// Whether it is later than the SLA due instant.
    pub beyond_sla: bool,
    /// Whether the plan already finishes it after its date.
    pub starts_at_risk: bool,
}

/// Why no promise could be decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undecided {
    /// The realistic date is later than the SLA's: someone must choose.
    ChoiceNeeded {
        /// The SLA due instant.
        sla_due: Timestamp,
        /// The realistic date.
        realistic: Timestamp,
    },
    /// Neither terms nor a plan give a date: someone must set one.
    NoDate,
}

/// Decides the promise of a request whose SLA falls due at `sla_due` and
/// whose realistic date is `realistic`, with the provider's `choice` if
/// one was made.
pub fn decide(
    sla_due: Option<Timestamp>,
    realistic: Option<Timestamp>,
    choice: Option<Choice>,
) -> Result<Decision, Undecided> {
    let beyond = |date: Timestamp| sla_due.is_some_and(|sla| date > sla);
    let late = |date: Timestamp| realistic.is_some_and(|r| r > date);
    let decision = |date, basis| Decision {
        date,
        basis,
        beyond_sla: beyond(date),
        starts_at_risk: late(date),
    };
    match (choice, sla_due, realistic) {
        (Some(Choice::Date(date)), _, _) => Ok(decision(date, PromiseBasis::Set)),
        (Some(Choice::Sla), Some(sla), _) => Ok(decision(sla, PromiseBasis::Sla)),
        (Some(Choice::Realistic), _, Some(r)) => Ok(decision(r, PromiseBasis::Realistic)),
        (_, Some(sla), Some(r)) if r > sla => Err(Undecided::ChoiceNeeded {
            sla_due: sla,
            realistic: r,
        }),
        (_, Some(sla), _) => Ok(decision(sla, PromiseBasis::Sla)),
        (_, None, Some(r)) => Ok(decision(r, PromiseBasis::Realistic)),
        (_, None, None) => Err(Undecided::NoDate),
    }
}

/// A promise as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Promise {
    /// The request it is for.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub request_id: RequestId,
    /// The date promised now.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub date: Timestamp,
    /// The date first promised.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub original_date: Timestamp,
    /// Which date was first promised.
    pub basis: PromiseBasis,
    /// The SLA due instant when it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub sla_due: Option<Timestamp>,
    /// The planner's realistic date when it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub realistic: Option<Timestamp>,
    /// Whether the date first promised was later than the SLA's.
    pub beyond_sla: bool,
    /// Whether the plan finished it after its date when it was made.
    pub started_at_risk: bool,
    /// Who made it (none: made at intake for the customer).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub made_by: Option<UserId>,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub made_at: Timestamp,
    /// New dates agreed.
    pub renegotiations: u32,
    /// Whether a new date was agreed only after the one it replaced had
    /// passed: the promise is broken whatever follows.
    pub renegotiated_late: bool,
    /// How it ended, once the request was fulfilled.
    pub outcome: Option<PromiseOutcome>,
    /// When it ended.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub settled_at: Option<Timestamp>,
}

impl Promise {
    /// The outcome of a promise fulfilled at `at`.
    pub fn outcome_at(&self, at: Timestamp) -> PromiseOutcome {
        if self.renegotiated_late || at > self.date {
            PromiseOutcome::Broken
        } else if self.renegotiations > 0 {
            PromiseOutcome::KeptRenegotiated
        } else {
            PromiseOutcome::Kept
        }
    }

    /// The promise once `date` is agreed at `at`, and whether it was agreed
    /// in time (before the date it replaces had passed).
    pub fn agree(&self, date: Timestamp, at: Timestamp) -> (Self, bool) {
        let in_time = at <= self.date;
        let next = Self {
            date,
            renegotiations: self.renegotiations + 1,
            renegotiated_late: self.renegotiated_late || !in_time,
            ..self.clone()
        };
        (next, in_time)
    }

    /// Whether a new date may still be proposed or agreed.
    pub fn is_open(&self) -> bool {
        self.outcome.is_none()
    }
}

/// A new date proposed for a promise (a renegotiation).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DateProposal {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: DateProposalId,
    /// The request.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub request_id: RequestId,
    /// The date it would replace.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub previous_date: Timestamp,
    /// The date proposed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub date: Timestamp,
    /// Why, in the agent's words, as the customer reads it.
    pub reason: String,
    /// Who proposed it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub proposed_by: UserId,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub proposed_at: Timestamp,
    /// Where it stands.
    pub status: ProposalStatus,
    /// Who answered.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub answered_by: Option<UserId>,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub answered_at: Option<Timestamp>,
    /// How: `portal`, `link` (the email's single-use link) or `api`.
    pub answered_via: Option<String>,
    /// Whether it was answered before the date it would replace had passed.
    pub in_time: Option<bool>,
}

/// Checks a proposal of `date` made at `now` for `promise`, with `reason`:
/// the date must be in the future and differ from the one promised, and
/// the promise must still be open.
pub fn check_proposal(
    promise: &Promise,
    date: Timestamp,
    reason: &str,
    now: Timestamp,
) -> Result<String, FieldError> {
    if !promise.is_open() {
        return Err(FieldError::new(
            "date",
            "the request is fulfilled: its promise is settled",
        ));
    }
    if date <= now {
        return Err(FieldError::new("date", "must be in the future"));
    }
    if date == promise.date {
        return Err(FieldError::new("date", "is the date already promised"));
    }
    parse_reason("reason", reason)
}

/// What to do with a promise at risk: reassign when another member alone
/// could finish it by its date; split when no one alone could but the team
/// together could; otherwise renegotiate now.
pub fn suggest(other_member_in_time: bool, team_in_time: bool) -> Suggestion {
    if other_member_in_time {
        Suggestion::Reassign
    } else if team_in_time {
        Suggestion::Split
    } else {
        Suggestion::Renegotiate
    }
}

/// Counts of outcomes: promise integrity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Integrity {
    /// Kept as first made.
    pub kept: u64,
    /// Kept after a timely renegotiation.
    pub kept_renegotiated: u64,
    /// Broken.
    pub broken: u64,
}

impl Integrity {
    /// Counts `outcomes`.
    pub fn of(outcomes: impl IntoIterator<Item = PromiseOutcome>) -> Self {
        outcomes.into_iter().fold(Self::default(), |mut i, o| {
            i.add(o, 1);
            i
        })
    }

    /// Adds `count` of `outcome`.
    pub fn add(&mut self, outcome: PromiseOutcome, count: u64) {
        match outcome {
            PromiseOutcome::Kept => self.kept += count,
            PromiseOutcome::KeptRenegotiated => self.kept_renegotiated += count,
            PromiseOutcome::Broken => self.broken += count,
        }
    }

    /// All settled promises.
    pub fn total(&self) -> u64 {
        self.kept + self.kept_renegotiated + self.broken
    }

    /// The share of `outcome`, 0 to 1 (0 when none are settled).
    pub fn share(&self, outcome: PromiseOutcome) -> f64 {
        let part = match outcome {
            PromiseOutcome::Kept => self.kept,
            PromiseOutcome::KeptRenegotiated => self.kept_renegotiated,
            PromiseOutcome::Broken => self.broken,
        };
        match self.total() {
            0 => 0.0,
            total => part as f64 / total as f64,
        }
    }
}

mod risk;

pub use risk::{DEFAULT_AT_RISK_PERCENT, PromiseAtRisk, RiskReason, risk_of, used_share};

#[cfg(test)]
mod tests;
