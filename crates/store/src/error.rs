//! Errors of the storage layer.
//!
//! Policy: a query that cannot find its row says [`StoreError::NotFound`]; a
//! write refused because of what is already stored says
//! [`StoreError::Conflict`] (mapped from constraint violations right where the
//! query runs); input that refers to something unusable says
//! [`StoreError::Invalid`] naming the field. Everything else is a
//! [`StoreError::Database`] failure, which callers log and never show.

use kept_domain::{FieldError, ValidationErrors};

/// A failure of a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The write conflicts with what is stored.
    #[error("{0}")]
    Conflict(#[from] Conflict),
    /// The input refers to something that cannot be used (a missing parent, a cycle).
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationErrors),
    /// A supplier -> customer link would close a loop in the chain; the path
    /// runs from the new link's supplier, through its customer, back to it.
    #[error("the link would close a loop in the service chain")]
    ChainCycle(Vec<kept_domain::PartyId>),
    /// The change request cannot take this step from where it stands.
    #[error("{0}")]
    Transition(#[from] kept_domain::InvalidTransition),
    /// The request cannot take this change (a lifecycle step from the wrong
    /// status, a reply to a closed request, a missing reason).
    #[error("{0}")]
    Refused(#[from] kept_domain::Refusal),
    /// A change request changes what a newer terms version has changed
    /// since it was drafted: it must be redrafted and decided again.
    #[error("the change request conflicts with changes made since it was drafted")]
    ChangeConflicts(Vec<kept_domain::ChangeConflict>),
    /// Only members of the contract's steering group decide its change requests.
    #[error("only members of the contract's steering group approve or reject its change requests")]
    NotAnApprover,
    /// The quantity check questions lines of the order: nothing was
    /// recorded; each question says why and what the customer may have
    /// meant.
    #[error("the order's quantities are questioned")]
    Questioned(Vec<kept_domain::order::LineQuestion>),
    /// A stored value could not be read back (a bug or a hand-edited database).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The database URL or options are unusable.
    #[error("database configuration: {0}")]
    Config(String),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// What a refused write conflicts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// Another login already uses this email address.
    #[error("another user already has this email address")]
    EmailTaken,
    /// Another party already has this reference.
    #[error("another party already has this reference")]
    ReferenceTaken,
    /// The person party already has a login.
    #[error("this person already has a login")]
    PersonHasLogin,
    /// The user already holds this role on this party.
    #[error("the user already holds this role on this party")]
    AlreadyGranted,
    /// The party still has parties under it that are not archived.
    #[error("the party has parties under it that are not archived; archive or move them first")]
    HasActiveChildren,
    /// The person party has a login that is not archived.
    #[error("the person has a login that is not archived; archive the user first")]
    HasActiveLogin,
    /// The party sits under an archived party; restore that one first.
    #[error("the party sits under an archived party; restore that one first")]
    ParentArchived,
    /// The login's person party is archived; restore the person first.
    #[error("the person this login belongs to is archived; restore that party first")]
    PersonArchived,
    /// The user is archived.
    #[error("the user is archived; restore them first")]
    UserArchived,
    /// A request with this idempotency key is still being processed.
    #[error("a request with this idempotency key is still in progress")]
    IdempotencyInProgress,
    /// An active link already joins the same supplier and customer.
    #[error("these parties are already linked")]
    AlreadyLinked,
    /// This steering-group member has already decided on the change request.
    #[error("you have already decided on this change request; each member decides once")]
    AlreadyDecided,
    /// The terms version has taken effect and can no longer change.
    #[error("this terms version is in force and can no longer be edited; raise a change request")]
    TermsInForce,
    /// Terms change only through change requests once terms are in force,
    /// and versions the steering group approved are not edited.
    #[error("the contract's terms are under change control; raise a change request")]
    TermsUnderChangeControl,
    /// The message was delivered: there is nothing to retry.
    #[error("this message was already delivered; there is nothing to retry")]
    AlreadyDelivered,
    /// Another contract already takes new requests at this address.
    #[error("another contract already takes requests at this address")]
    IntakeAddressTaken,
}

impl StoreError {
    /// True when the database could not be reached (rather than refusing a query).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
            )
        )
    }

    /// An [`StoreError::Invalid`] naming one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(FieldError::new(field, message).into())
    }
}

impl From<kept_domain::ApplyRefusal> for StoreError {
    fn from(refusal: kept_domain::ApplyRefusal) -> Self {
        match refusal {
            kept_domain::ApplyRefusal::Conflicts(c) => Self::ChangeConflicts(c),
            kept_domain::ApplyRefusal::Invalid(e) => Self::Invalid(e),
        }
    }
}

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a unique-constraint violation to `conflict`, leaving other errors as they are.
pub(crate) fn on_unique(error: sqlx::Error, conflict: Conflict) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(conflict),
        _ => StoreError::Database(error),
    }
}

impl From<kept_domain::FieldError> for StoreError {
    fn from(error: kept_domain::FieldError) -> Self {
        Self::Invalid(error.into())
    }
}
