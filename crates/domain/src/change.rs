//! Change requests: the only way a contract's terms, services, customers,
//! calendar or scope change. Raised by the provider or the client, decided
//! by the steering group under the contract's quorum rule, and applied as a
//! new terms version.
//!
//! Lifecycle: draft → submitted → approved or rejected; approved → applied;
//! draft or submitted → withdrawn; submitted or approved → draft again
//! (redrafted, its decisions set aside) when it must change, for instance
//! because a newer version changed what it changes. Each member of the
//! steering group decides at most once per round. A change is approved once
//! approvals meet the quorum, and rejected once rejections leave too few
//! members to meet it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::contract::Quorum;
use crate::error::{FieldError, ValidationErrors, single_line};
use crate::ids::{ChangeRequestId, ContractId, UserId};

mod changes;
mod steps;

pub use changes::{ContractChanges, Coverage};
pub use steps::{ChangeSteps, ChangeViewer};

/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest rationale, in characters.
pub const MAX_RATIONALE: usize = 4000;
/// Longest comment on a decision, in characters.
pub const MAX_COMMENT: usize = 2000;

/// Where a change request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    /// Being written; only its raiser's side sees it change.
    Draft,
    /// Waiting for the steering group.
    Submitted,
    /// The quorum approved it; waiting to be applied.
    Approved,
    /// The steering group turned it down.
    Rejected,
    /// A new terms version carries it.
    Applied,
    /// Its raiser took it back.
    Withdrawn,
}

impl ChangeStatus {
    /// Every status.
    pub const ALL: [ChangeStatus; 6] = [
        Self::Draft,
        Self::Submitted,
        Self::Approved,
        Self::Rejected,
        Self::Applied,
        Self::Withdrawn,
    ];

    /// The name used in the API and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Applied => "applied",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Whether it still needs someone to act (draft, submitted, approved).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Draft | Self::Submitted | Self::Approved)
    }
}

impl fmt::Display for ChangeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChangeStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a change request status"))
    }
}

/// Something done to a change request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAction {
    /// Edit a draft.
    Edit,
    /// Send a draft to the steering group.
    Submit,
    /// Approve or reject.
    Decide,
    /// Make it a new terms version.
    Apply,
    /// Take it back.
    Withdraw,
    /// Send it back to draft, setting its decisions aside.
    Redraft,
}

impl ChangeAction {
    /// The statuses it can start from.
    fn from(self) -> &'static [ChangeStatus] {
        use ChangeStatus::*;
        match self {
            Self::Edit | Self::Submit => &[Draft],
            Self::Decide => &[Submitted],
            Self::Apply => &[Approved],
            Self::Withdraw => &[Draft, Submitted],
            Self::Redraft => &[Submitted, Approved],
        }
    }

    /// The verb, for messages.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::Submit => "submit",
            Self::Decide => "decide on",
            Self::Apply => "apply",
            Self::Withdraw => "withdraw",
            Self::Redraft => "redraft",
        }
    }

    /// Fails with a sentence unless the action is allowed from `status`.
    pub fn check(self, status: ChangeStatus) -> Result<(), InvalidTransition> {
        if self.from().contains(&status) {
            Ok(())
        } else {
            Err(InvalidTransition {
                action: self,
                status,
            })
        }
    }
}

/// An action refused in the change request's current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a change request that is {status}{}", action.verb(), hint(*action, *status))]
pub struct InvalidTransition {
    /// What was tried.
    pub action: ChangeAction,
    /// Where the change request stands.
    pub status: ChangeStatus,
}

fn hint(action: ChangeAction, status: ChangeStatus) -> &'static str {
    match (action, status) {
        (ChangeAction::Apply, ChangeStatus::Draft | ChangeStatus::Submitted) => {
            "; the steering group must approve it first"
        }
        (ChangeAction::Decide, ChangeStatus::Draft) => "; it must be submitted first",
        _ => "",
    }
}

/// Which side raised a change request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The provider.
    Provider,
    /// The client.
    Client,
}

impl Side {
    /// The name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Client => "client",
        }
    }
}

impl FromStr for Side {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "provider" => Ok(Self::Provider),
            "client" => Ok(Self::Client),
            _ => Err(format!("`{s}` is not a side")),
        }
    }
}

/// A steering-group member's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// For.
    Approve,
    /// Against.
    Reject,
}

impl Verdict {
    /// The name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
        }
    }
}

impl FromStr for Verdict {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "approve" => Ok(Self::Approve),
            "reject" => Ok(Self::Reject),
            _ => Err(format!("`{s}` is not a verdict")),
        }
    }
}

/// One member's decision on a change request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    /// The member.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub user_id: UserId,
    /// Approve or reject.
    pub verdict: Verdict,
    /// Why, in their words (may be empty).
    pub comment: String,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub decided_at: Timestamp,
}

/// Where the steering group's decisions leave a submitted change request:
/// approved, rejected, or still open (`None`).
pub fn outcome(quorum: Quorum, members: usize, decisions: &[Decision]) -> Option<ChangeStatus> {
    let approvals = decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Approve)
        .count();
    let rejections = decisions.len() - approvals;
    if quorum.is_met(approvals, members) {
        Some(ChangeStatus::Approved)
    } else if members.saturating_sub(rejections) < quorum.required(members) {
        Some(ChangeStatus::Rejected)
    } else {
        None
    }
}

/// A change request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeRequest {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: ChangeRequestId,
    /// The contract it would change.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub contract_id: ContractId,
    /// What it is about, in a line.
    pub title: String,
    /// Why: the case for the change.
    pub rationale: String,
    /// What it proposes, as its raiser wrote it (terms whole, against
    /// `base_version`).
    pub changes: ContractChanges,
    /// The terms version it was drafted against (none before any).
    pub base_version: Option<u32>,
    /// What it changes: the differences from its base version. This is
    /// what the steering group decides on and what applying it applies.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub proposal: Vec<crate::terms::Difference>,
    /// When the raiser would like it to take effect (never before approval).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub effective_from: Option<Timestamp>,
    /// Provider or client.
    pub side: Side,
    /// Who raised it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub raised_by: UserId,
    /// Where it stands.
    pub status: ChangeStatus,
    /// The steering group's decisions so far, oldest first.
    pub decisions: Vec<Decision>,
    /// When it was submitted.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub submitted_at: Option<Timestamp>,
    /// When the steering group's decision was reached.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub decided_at: Option<Timestamp>,
    /// When it was applied.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub applied_at: Option<Timestamp>,
    /// The terms version that carries it, once applied.
    pub applied_version: Option<u32>,
    /// When it was raised.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

impl ChangeRequest {
    /// Whether `user` has decided on it.
    pub fn decided_by(&self, user: UserId) -> Option<&Decision> {
        self.decisions.iter().find(|d| d.user_id == user)
    }
}

/// What the raiser writes: the parts of a change request that can be
/// edited while it is a draft.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeDraft {
    /// Its title.
    pub title: String,
    /// Its rationale.
    pub rationale: String,
    /// What it proposes.
    pub changes: ContractChanges,
    /// When it should take effect.
    pub effective_from: Option<Timestamp>,
    /// The version its terms were written against; the latest when left
    /// out.
    pub base_version: Option<u32>,
}

impl ChangeDraft {
    /// Checks the title, the rationale and the changes on their own.
    pub fn checked(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let text = check_text(&self.title, &self.rationale);
        let changes = self.changes.checked();
        let (title, rationale) = match text {
            Ok(t) => t,
            Err(e) => {
                errors.0.extend(e.0);
                Default::default()
            }
        };
        let changes = match changes {
            Ok(c) => c,
            Err(e) => {
                errors.0.extend(e.0);
                ContractChanges::default()
            }
        };
        errors.into_result(Self {
            title,
            rationale,
            changes,
            ..self
        })
    }
}

/// A change request to raise (as a draft).
#[derive(Debug, Clone, PartialEq)]
pub struct NewChangeRequest {
    /// The contract.
    pub contract_id: ContractId,
    /// Provider or client.
    pub side: Side,
    /// Who raises it.
    pub raised_by: UserId,
    /// What it says.
    pub draft: ChangeDraft,
}

/// Checks a title and a rationale.
pub fn check_text(title: &str, rationale: &str) -> Result<(String, String), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let title = errors.check(single_line("title", title, MAX_TITLE));
    let rationale = rationale.trim();
    if crate::error::is_blank(rationale) {
        errors.push(FieldError::new(
            "rationale",
            "say why the change is needed: the steering group decides on it",
        ));
    } else if has_control(rationale) {
        errors.push(FieldError::new(
            "rationale",
            "must not contain control characters other than line breaks and tabs",
        ));
    } else if rationale.chars().count() > MAX_RATIONALE {
        errors.push(FieldError::new(
            "rationale",
            format!("at most {MAX_RATIONALE} characters"),
        ));
    }
    errors.finish(|| (title.unwrap_or_default(), rationale.to_owned()))
}

/// Whether text that may span lines holds another control character (a
/// NUL, which PostgreSQL cannot even store, an escape, a bell).
fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Checks a steering-group member's comment on their decision: optional,
/// trimmed, at most [`MAX_COMMENT`] characters (it may span lines).
pub fn check_comment(comment: &str) -> Result<String, FieldError> {
    let comment = comment.trim();
    if has_control(comment) {
        return Err(FieldError::new(
            "comment",
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    if comment.chars().count() > MAX_COMMENT {
        return Err(FieldError::new(
            "comment",
            format!("at most {MAX_COMMENT} characters"),
        ));
    }
    Ok(comment.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_is_trimmed_and_limited_in_characters_not_bytes() {
        assert_eq!(check_comment("  fine \n").ok().as_deref(), Some("fine"));
        assert!(check_comment(&"é".repeat(MAX_COMMENT)).is_ok());
        assert!(check_comment("a\u{0}b").is_err(), "no NUL");
        assert!(check_comment("line\nline\ttab").is_ok());
        assert!(check_text("Title", "a\u{1b}b").is_err(), "no escape");
        let refused = check_comment(&"a".repeat(MAX_COMMENT + 1));
        assert!(refused.is_err_and(|e| e.field == "comment"));
    }

    fn decision(verdict: Verdict) -> Decision {
        Decision {
            user_id: UserId::new(),
            verdict,
            comment: String::new(),
            decided_at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_quorum_decides_and_rejections_end_it_once_approval_is_out_of_reach() {
        use Verdict::*;
        let d = |vs: &[Verdict]| vs.iter().map(|v| decision(*v)).collect::<Vec<_>>();
        assert_eq!(outcome(Quorum::All, 3, &d(&[Approve, Approve])), None);
        assert_eq!(
            outcome(Quorum::All, 3, &d(&[Approve, Approve, Approve])),
            Some(ChangeStatus::Approved)
        );
        assert_eq!(
            outcome(Quorum::All, 3, &d(&[Reject])),
            Some(ChangeStatus::Rejected)
        );
        assert_eq!(outcome(Quorum::Majority, 3, &d(&[Reject])), None);
        assert_eq!(
            outcome(Quorum::Majority, 3, &d(&[Reject, Approve, Approve])),
            Some(ChangeStatus::Approved)
        );
        assert_eq!(
            outcome(Quorum::Majority, 3, &d(&[Reject, Reject])),
            Some(ChangeStatus::Rejected)
        );
        assert_eq!(outcome(Quorum::AtLeast(1), 3, &d(&[Reject, Reject])), None);
    }

    #[test]
    fn only_the_lifecycle_moves_are_allowed() {
        use ChangeStatus::*;
        assert!(ChangeAction::Submit.check(Draft).is_ok());
        assert!(ChangeAction::Decide.check(Submitted).is_ok());
        assert!(ChangeAction::Apply.check(Approved).is_ok());
        assert!(ChangeAction::Withdraw.check(Submitted).is_ok());
        let e = ChangeAction::Apply.check(Submitted).expect_err("refused");
        assert_eq!(
            e.to_string(),
            "cannot apply a change request that is submitted; the steering group must approve it first"
        );
        for s in [Approved, Rejected, Applied, Withdrawn] {
            assert!(ChangeAction::Withdraw.check(s).is_err());
            assert!(ChangeAction::Decide.check(s).is_err());
        }
        assert!(ChangeAction::Apply.check(Applied).is_err());
    }
}
