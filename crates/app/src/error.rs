//! What a use case refuses, and why, in terms of the service and not of
//! any front end.
//!
//! Every refusal is one [`Kind`]; the API maps each kind to one problem
//! type of its catalogue (`kept_server::error`) and the web UI renders the
//! same problem as a page, so the same refusal reads the same everywhere.
//! A kind never depends on who is asking: an object the caller may not see
//! is [`Kind::NotFound`], exactly like one that does not exist.

use kept_domain::{Access, FieldError, ValidationErrors};
use kept_store::{Conflict, StoreError};

/// Why a use case refused (or failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nothing with this id exists that the caller may see.
    NotFound,
    /// The caller sees the object but may not do this to it.
    Forbidden,
    /// Only the contract's steering group decides on its change requests.
    NotAnApprover,
    /// Some fields are missing, malformed or not allowed (see `errors`).
    Invalid,
    /// A named conflict with what is stored (a taken email, an active child…).
    Conflict(Conflict),
    /// The link would close a loop in the service chain.
    ChainCycle,
    /// The object cannot take this step from where it stands.
    InvalidTransition,
    /// A change request would undo a change approved since it was drafted.
    ChangeConflict,
    /// The contract does not cover the request's customer or service.
    NotCovered,
    /// The request matches something the contract puts out of scope.
    OutOfScope,
    /// The realistic date is later than the SLA's: the promise needs a
    /// choice between them.
    PromiseChoiceNeeded,
    /// An order line's quantity is far from what the customer usually
    /// orders: the order needs it confirmed or changed.
    UnusualQuantity,
    /// A message mailed in cannot be read as one (not RFC 5322, broken
    /// MIME, no From address).
    MalformedMail,
    /// A message mailed in is larger than Kept takes in.
    MailTooLarge,
    /// A message mailed in has a header that hides a line break (a header
    /// injection): nothing in it is acted on.
    UnsafeMail,
    /// The database cannot be reached.
    Unavailable,
    /// Something failed inside Kept (logged where it happened).
    Internal,
}

impl Kind {
    /// Every kind without data, and each named conflict: for tests that
    /// check a mapping is total.
    pub const ALL: &'static [Kind] = &[
        Kind::NotFound,
        Kind::Forbidden,
        Kind::NotAnApprover,
        Kind::Invalid,
        Kind::Conflict(Conflict::EmailTaken),
        Kind::Conflict(Conflict::ReferenceTaken),
        Kind::Conflict(Conflict::PersonHasLogin),
        Kind::Conflict(Conflict::AlreadyGranted),
        Kind::Conflict(Conflict::HasActiveChildren),
        Kind::Conflict(Conflict::HasActiveLogin),
        Kind::Conflict(Conflict::ParentArchived),
        Kind::Conflict(Conflict::PersonArchived),
        Kind::Conflict(Conflict::UserArchived),
        Kind::Conflict(Conflict::IdempotencyInProgress),
        Kind::Conflict(Conflict::AlreadyLinked),
        Kind::Conflict(Conflict::AlreadyDecided),
        Kind::Conflict(Conflict::TermsInForce),
        Kind::Conflict(Conflict::TermsUnderChangeControl),
        Kind::Conflict(Conflict::AlreadyDelivered),
        Kind::Conflict(Conflict::IntakeAddressTaken),
        Kind::ChainCycle,
        Kind::InvalidTransition,
        Kind::ChangeConflict,
        Kind::NotCovered,
        Kind::OutOfScope,
        Kind::PromiseChoiceNeeded,
        Kind::UnusualQuantity,
        Kind::MalformedMail,
        Kind::MailTooLarge,
        Kind::UnsafeMail,
        Kind::Unavailable,
        Kind::Internal,
    ];

    /// A stable name, the same as the slug of the API's problem type for
    /// this refusal (a server test keeps the two equal), so that the CLI
    /// and the API name a refusal alike.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NotFound => "not-found",
            Kind::Forbidden => "forbidden",
            Kind::NotAnApprover => "not-an-approver",
            Kind::Invalid => "validation-failed",
            Kind::Conflict(c) => match c {
                Conflict::EmailTaken => "email-taken",
                Conflict::ReferenceTaken => "reference-taken",
                Conflict::PersonHasLogin => "person-has-login",
                Conflict::AlreadyGranted => "already-granted",
                Conflict::HasActiveChildren => "party-has-active-children",
                Conflict::HasActiveLogin => "party-has-active-login",
                Conflict::ParentArchived => "parent-archived",
                Conflict::PersonArchived => "person-archived",
                Conflict::UserArchived => "user-archived",
                Conflict::IdempotencyInProgress => "idempotency-key-in-use",
                Conflict::AlreadyLinked => "already-linked",
                Conflict::AlreadyDecided => "already-decided",
                Conflict::TermsInForce => "terms-in-force",
                Conflict::TermsUnderChangeControl => "terms-under-change-control",
                Conflict::AlreadyDelivered => "already-delivered",
                Conflict::IntakeAddressTaken => "intake-address-taken",
            },
            Kind::ChainCycle => "chain-cycle",
            Kind::InvalidTransition => "invalid-transition",
            Kind::ChangeConflict => "change-conflict",
            Kind::NotCovered => "request-not-covered",
            Kind::OutOfScope => "request-out-of-scope",
            Kind::PromiseChoiceNeeded => "promise-choice-needed",
            Kind::UnusualQuantity => "unusual-quantity",
            Kind::MalformedMail => "malformed-mail",
            Kind::MailTooLarge => "mail-too-large",
            Kind::UnsafeMail => "unsafe-mail",
            Kind::Unavailable => "service-unavailable",
            Kind::Internal => "internal-error",
        }
    }

    /// A sentence for when there is no detail to give.
    pub fn summary(self) -> &'static str {
        match self {
            Kind::NotFound => "not found",
            Kind::Forbidden => "you may not do this",
            Kind::NotAnApprover => "only the contract's steering group decides",
            Kind::Invalid => "some fields are invalid",
            Kind::Conflict(_) => "this conflicts with what is stored",
            Kind::ChainCycle => "the link would close a loop in the service chain",
            Kind::InvalidTransition => "this cannot be done from where the object stands",
            Kind::ChangeConflict => "a newer terms version changed the same fields",
            Kind::NotCovered => "the contract does not cover this request",
            Kind::OutOfScope => "the request is outside the contract's scope",
            Kind::PromiseChoiceNeeded => {
                "the realistic date is later than the SLA's: choose which to promise"
            }
            Kind::UnusualQuantity => "a quantity is far from what the customer usually orders",
            Kind::MalformedMail => "the message cannot be read as an email",
            Kind::MailTooLarge => "the message is larger than 20 MiB",
            Kind::UnsafeMail => "a header of the message hides a line break",
            Kind::Unavailable => "the database cannot be reached",
            Kind::Internal => "something failed inside Kept",
        }
    }
}

/// A use case's refusal or failure, with what may be shown about it.
#[derive(Debug, Clone)]
pub struct Error {
    /// Which refusal.
    pub kind: Kind,
    /// Specifics of this occurrence, safe to show to the caller.
    pub detail: Option<String>,
    /// The fields that failed, for [`Kind::Invalid`].
    pub errors: Vec<FieldError>,
    /// Data specific to the kind (what a refused request was checked
    /// against, the fields a change conflicts on), as JSON members.
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

/// What use cases answer.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A refusal of `kind` with nothing more to say.
    pub fn new(kind: Kind) -> Self {
        Self {
            kind,
            detail: None,
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
        }
    }

    /// [`Kind::NotFound`].
    pub fn not_found() -> Self {
        Self::new(Kind::NotFound)
    }

    /// [`Kind::Forbidden`], saying why.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(Kind::Forbidden).detail(detail)
    }

    /// [`Kind::Invalid`] naming one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationErrors::from(FieldError::new(field, message)).into()
    }

    /// An internal failure: logged here with its cause, shown generically.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(Kind::Internal)
    }

    /// Adds specifics.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds a member specific to the kind.
    pub fn with(mut self, key: &str, value: serde_json::Value) -> Self {
        self.extensions.insert(key.to_owned(), value);
        self
    }

    /// What went wrong in words: each field's message, or the detail, or
    /// the kind's summary.
    pub fn message(&self) -> String {
        if self.errors.is_empty() {
            self.detail
                .clone()
                .unwrap_or_else(|| self.kind.summary().to_owned())
        } else {
            self.errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        }
    }

    /// Fails unless the policy allowed: forbidden is [`Kind::Forbidden`],
    /// hidden is [`Kind::NotFound`].
    pub fn check(access: Access) -> Result<()> {
        match access {
            Access::Allowed => Ok(()),
            Access::Forbidden => Err(Self::new(Kind::Forbidden)),
            Access::Hidden => Err(Self::not_found()),
        }
    }
}

/// The message, then the kind's name: what a terminal shows.
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message(), self.kind.name())
    }
}

impl std::error::Error for Error {}

impl From<ValidationErrors> for Error {
    fn from(errors: ValidationErrors) -> Self {
        Self {
            detail: Some(errors.to_string()),
            errors: errors.0,
            ..Self::new(Kind::Invalid)
        }
    }
}

impl From<FieldError> for Error {
    fn from(error: FieldError) -> Self {
        ValidationErrors::from(error).into()
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::not_found(),
            StoreError::Invalid(errors) => errors.into(),
            StoreError::Conflict(conflict) => {
                Self::new(Kind::Conflict(conflict)).detail(conflict.to_string())
            }
            // Use cases that can name the parties do so (see `links`).
            StoreError::ChainCycle(path) => Self::new(Kind::ChainCycle).detail(format!(
                "the link would close the loop {}",
                path.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" → ")
            )),
            StoreError::Transition(t) => Self::new(Kind::InvalidTransition).detail(t.to_string()),
            StoreError::Refused(refusal) => match refusal {
                kept_domain::Refusal::Invalid(field) => field.into(),
                kept_domain::Refusal::Clock(e) => Self::internal(e),
                other => Self::new(Kind::InvalidTransition).detail(other.to_string()),
            },
            // Use cases that can name the services do so (`changes`).
            StoreError::ChangeConflicts(conflicts) => Self::new(Kind::ChangeConflict)
                .detail(format!(
                    "a newer terms version changed what it changes: {}",
                    conflicts
                        .iter()
                        .map(|c| c.field.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .with(
                    "conflicts",
                    serde_json::to_value(&conflicts).unwrap_or_default(),
                ),
            StoreError::Questioned(asked) => crate::orders::questioned(&asked),
            StoreError::NotAnApprover => Self::new(Kind::NotAnApprover).detail(error.to_string()),
            e if e.is_unavailable() => {
                tracing::error!(error = %e, "database unavailable");
                Self::new(Kind::Unavailable)
            }
            other => Self::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_is_not_found_and_forbidden_is_forbidden() {
        assert_eq!(
            Error::check(Access::Hidden).map_err(|e| e.kind).err(),
            Some(Kind::NotFound)
        );
        assert_eq!(
            Error::check(Access::Forbidden).map_err(|e| e.kind).err(),
            Some(Kind::Forbidden)
        );
        assert!(Error::check(Access::Allowed).is_ok());
    }

    #[test]
    fn store_refusals_keep_their_names() {
        let e = Error::from(StoreError::Conflict(Conflict::EmailTaken));
        assert_eq!(e.kind, Kind::Conflict(Conflict::EmailTaken));
        assert!(e.detail.is_some_and(|d| d.contains("email")));
        assert_eq!(Error::from(StoreError::NotFound).kind, Kind::NotFound);
    }
}
