//! Errors of the HTTP layer, and the catalogue of problem types.
//!
//! Policy:
//! - Every error a client can get is one [`ProblemKind`] with a stable `type`
//!   (`/problems/<slug>`), an HTTP status and a title. The catalogue below is
//!   the public contract; `docs/PROBLEMS.md` and the `/problems` pages are
//!   generated from it.
//! - The API answers `application/problem+json` (RFC 9457). Field-level
//!   failures list every bad field under `errors`, each naming the field.
//! - An object the caller may not see answers `not-found`, exactly like one
//!   that does not exist.
//! - Internal failures are logged with their cause and answered with a
//!   generic `internal-error`: details never reach the client.
//! - The web UI renders the same errors as HTML pages (`WebError`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kept_app::Kind;
use kept_domain::{Access, FieldError, ValidationErrors};
use kept_store::{Conflict, StoreError};
use serde::Serialize;

macro_rules! catalogue {
    ($($variant:ident => ($slug:literal, $status:ident, $title:literal, $doc:literal),)*) => {
        /// A kind of error a client can receive, with a stable `type`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ProblemKind {
            $(#[doc = $doc] $variant,)*
        }

        impl ProblemKind {
            /// Every kind, in catalogue order.
            pub const ALL: &'static [ProblemKind] = &[$(Self::$variant,)*];

            /// The stable identifier, used in the `type` URI.
            pub fn slug(self) -> &'static str {
                match self { $(Self::$variant => $slug,)* }
            }

            /// The HTTP status.
            pub fn status(self) -> StatusCode {
                match self { $(Self::$variant => StatusCode::$status,)* }
            }

            /// A short, fixed summary.
            pub fn title(self) -> &'static str {
                match self { $(Self::$variant => $title,)* }
            }

            /// What it means and what to do about it.
            pub fn description(self) -> &'static str {
                match self { $(Self::$variant => $doc,)* }
            }
        }
    };
}

catalogue! {
    MalformedJson => ("malformed-json", BAD_REQUEST, "The body is not valid JSON",
        "The request body could not be parsed as JSON. `detail` gives the line and column. Fix the syntax and send it again."),
    UnsupportedMediaType => ("unsupported-media-type", UNSUPPORTED_MEDIA_TYPE, "The body's media type is not accepted",
        "Requests with a body must send `Content-Type: application/json`, except `POST /inbound-email`, which takes one email message as `message/rfc822`."),
    ValidationFailed => ("validation-failed", UNPROCESSABLE_ENTITY, "Some fields are invalid",
        "The request was well-formed but some values are missing, of the wrong type, unknown or not allowed. `errors` lists each field (as a dotted path) with a message."),
    PayloadTooLarge => ("payload-too-large", PAYLOAD_TOO_LARGE, "The body is too large",
        "Request bodies are limited to 1 MiB (a message to `POST /inbound-email`, to 20 MiB: see `mail-too-large`)."),
    HeadersTooLarge => ("headers-too-large", REQUEST_HEADER_FIELDS_TOO_LARGE, "The request's headers are too large",
        "The header block (every name and value together) is limited to 64 KiB. A block of several hundred KiB may be cut off by the HTTP parser before Kept sees it, with an empty 431 response; a request line (URL) over 64 KiB is answered 414 the same way."),
    Unauthenticated => ("unauthenticated", UNAUTHORIZED, "Authentication is needed",
        "Send a valid API token as `Authorization: Bearer <token>`. Tokens are created on the API tokens page or with `kept token create`. A revoked or expired token, or one whose user is archived, is refused the same way."),
    Forbidden => ("forbidden", FORBIDDEN, "You may not do this",
        "You can see this object but your roles do not allow this action on it. Ask an admin or the object's manager."),
    NotFound => ("not-found", NOT_FOUND, "Not found",
        "Nothing with this id exists that you are allowed to see. Objects outside your parties answer the same way, so their existence is not revealed."),
    MethodNotAllowed => ("method-not-allowed", METHOD_NOT_ALLOWED, "Method not allowed",
        "This URL exists but does not accept this HTTP method. The `Allow` header lists the methods it does accept."),
    EmailTaken => ("email-taken", CONFLICT, "The email address is already in use",
        "Another user has this email address. Each login needs its own address."),
    ReferenceTaken => ("reference-taken", CONFLICT, "The reference is already in use",
        "Another party has this reference. References identify parties in other systems and must be unique."),
    PersonHasLogin => ("person-has-login", CONFLICT, "The person already has a login",
        "The person party given already belongs to a user. Update that user instead."),
    AlreadyGranted => ("already-granted", CONFLICT, "The role is already granted",
        "The user already holds this role on this party."),
    PartyHasActiveChildren => ("party-has-active-children", CONFLICT, "The party still has active parties under it",
        "Archive or move the parties nested under this one first."),
    PartyHasActiveLogin => ("party-has-active-login", CONFLICT, "The person still has an active login",
        "Archive the user whose login belongs to this person first."),
    ParentArchived => ("parent-archived", CONFLICT, "The parent party is archived",
        "Restore the party above this one first."),
    PersonArchived => ("person-archived", CONFLICT, "The person is archived",
        "The person party this login belongs to is archived. Restore that party first, then the login."),
    UserArchived => ("user-archived", CONFLICT, "The user is archived",
        "This needs an active login. Restore the user first."),
ChainCycle => ("chain-cycle", CONFLICT, "The link would close a loop in the service chain",
        "A party cannot supply itself, directly or through others. The detail names the path the new link would close; end one of its links first or link the other way."),
    AlreadyLinked => ("already-linked", CONFLICT, "The parties are already linked",
        "An active link already joins this supplier to this customer."),
    RequestNotCovered => ("request-not-covered", UNPROCESSABLE_ENTITY, "The contract does not cover this request",
        "The customer or the service is not on the contract. `detail` says which; `scope` holds the full check and `change_request` where to propose adding it (`POST` its `href` with a change request). A manager of the provider may accept the request anyway by sending an `override_reason`."),
    RequestOutOfScope => ("request-out-of-scope", UNPROCESSABLE_ENTITY, "The request is outside the contract's scope",
        "The subject matches an item the service or the contract's terms list as out of scope. `detail` names it; `scope` holds the full check and `change_request` where to propose bringing it into scope. A manager of the provider may accept the request anyway by sending an `override_reason`."),
    PromiseChoiceNeeded => ("promise-choice-needed", CONFLICT, "The realistic date is later than the SLA's",
        "Given the team's whole load, the request cannot be finished by its SLA due instant without pushing other promises past their dates. `sla_due` and `realistic` give both dates and `squeezed` the promises the SLA date would push out. Send the request again with `choice`: `sla` promises the SLA date anyway (the promise starts at risk), `realistic` promises the realistic date (recorded as beyond the SLA)."),
    UnusualQuantity => ("unusual-quantity", CONFLICT, "A quantity is far from what the customer usually orders",
        "An order line asks for far more (or less) than the customer usually orders of the item, in a way that looks like a common mistake: a count of the pieces in a pack, a slipped zero, the wrong unit. `detail` asks the question; `questions` holds one per line (`line`, `question`, `why`, `slip`, the suggested `alternatives`, the customer's `usual` orders and, where the service records a unit's size, how large the delivery would be). Nothing was recorded. Send the order again with `confirm_quantity: true` to accept the quantities as typed, or with a suggested quantity (and the one questioned as the line's `questioned_quantity`, so the change is recorded)."),
    InvalidTransition => ("invalid-transition", CONFLICT, "The object cannot take this step from where it stands",
        "The action is not allowed in the object's current status (applying a change request the steering group has not approved, deciding on a withdrawn one…). `detail` says where it stands and what must happen first."),
    NotAnApprover => ("not-an-approver", FORBIDDEN, "Only the steering group decides",
        "Change requests are approved or rejected only by members of the contract's steering group."),
    ChangeConflict => ("change-conflict", CONFLICT, "The change conflicts with a newer terms version",
        "A change request proposes the differences from the version it was drafted against. A version made since then changed some of the same fields to other values, so applying it would undo an approved change. `conflicts` lists each field (`field`, what the change request proposes, what was done `since`, and a sentence). Redraft it (`POST /change-requests/{id}/redraft`, then edit it against the latest version), submit it and have it approved again."),
    AlreadyDecided => ("already-decided", CONFLICT, "You have already decided",
        "Each member of a steering group approves or rejects a change request once."),
    TermsInForce => ("terms-in-force", CONFLICT, "The terms version is in force",
        "A terms version is never edited once it has taken effect. Raise a change request; once approved and applied it becomes a new version."),
    TermsUnderChangeControl => ("terms-under-change-control", CONFLICT, "The terms change only through change requests",
        "The contract's terms are in force (or this version was approved by the steering group), so new terms come only from an approved change request."),
    IntakeAddressTaken => ("intake-address-taken", CONFLICT, "The intake address is another contract's",
        "Another contract already takes new requests by email at this address. Each intake address leads to one contract; choose another, or clear the other contract's first."),
    MalformedMail => ("malformed-mail", BAD_REQUEST, "The body is not an email message Kept can read",
        "`POST /inbound-email` takes one RFC 5322 message. This one has no headers, no From address, a part whose encoding is broken, or a multipart part whose boundary is missing or never appears. `detail` says which. Nothing was done with it."),
    MailTooLarge => ("mail-too-large", PAYLOAD_TOO_LARGE, "The message is too large",
        "Messages mailed in are limited to 20 MiB (20,971,520 bytes), headers and attachments included. Nothing was done with it; send the attachments another way."),
    UnsafeMail => ("unsafe-mail", UNPROCESSABLE_ENTITY, "A header of the message hides a line break",
        "A header Kept reads (Subject, From, To, Cc, Reply-To, Delivered-To, Message-ID, In-Reply-To, References) decodes to text with a line break: an attempt to inject headers into the mail Kept would send. Nothing in the message was acted on, and its sender is not answered."),
    InboundEmailDisabled => ("inbound-email-disabled", NOT_FOUND, "Inbound email is not enabled",
        "This server takes no mail over HTTP: its `inbound_email_token` is not set. An operator enables `POST /inbound-email` by setting it (`KEPT_INBOUND_EMAIL_TOKEN`), and gives the same token to the mail service's inbound hook."),
    AlreadyDelivered => ("already-delivered", CONFLICT, "The message was already delivered",
        "Only messages that are waiting, failed or dead-lettered can be retried; this one reached its recipient."),
    SecretNotReplayed => ("secret-not-replayed", CONFLICT, "The first response held a secret and cannot be sent again",
        "The first request with this `Idempotency-Key` succeeded, and its response held a secret shown only once (an API token, a webhook's signing secret or an invitation link). Kept never keeps such a response, so it cannot be replayed; nothing was created twice. `Location`, when present, names what was created: list your tokens or webhooks, or issue a new invitation."),
    IdempotencyKeyReused => ("idempotency-key-reused", UNPROCESSABLE_ENTITY, "The idempotency key was used for a different request",
        "An `Idempotency-Key` identifies one request. It was sent before with a different method, path or body; use a new key for a new request."),
    IdempotencyKeyInUse => ("idempotency-key-in-use", CONFLICT, "A request with this idempotency key is in progress",
        "The first request with this `Idempotency-Key` has not finished. Retry after a moment to receive its response."),
    TooManyAttempts => ("too-many-attempts", TOO_MANY_REQUESTS, "Too many failed sign-ins",
        "Sign-in from this address is paused after repeated failures: for one account after a few, for a time that doubles with each further failure; for every account after many. Wait for the time in `Retry-After` (seconds); the account's owner, signing in from elsewhere, is not held up."),
    CsrfTokenInvalid => ("csrf-token-invalid", FORBIDDEN, "The form has expired",
        "A form was sent without the token of the page it came from (or the session ended). Reload the page and submit again."),
    CrossSiteForm => ("cross-site-form", FORBIDDEN, "The form came from another site",
        "A form was posted to Kept from a page of another site (its `Origin` or `Referer` names that site), so it was refused whatever it carried. Open the page in Kept and submit it there."),
    ServiceUnavailable => ("service-unavailable", SERVICE_UNAVAILABLE, "The service is unavailable",
        "Kept cannot reach its database. Retry later; operators should check `/healthz` and the logs."),
    InternalError => ("internal-error", INTERNAL_SERVER_ERROR, "Internal error",
        "Something failed inside Kept. It has been logged with the request id (`x-request-id`); nothing about it is shown here."),
}

impl ProblemKind {
    /// The `type` URI: a path on this server where the problem is described.
    pub fn type_uri(self) -> String {
        format!("/problems/{}", self.slug())
    }

    /// The kind with this slug.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.slug() == slug)
    }
}

/// An error answered to a client.
#[derive(Debug)]
pub struct ApiError {
    /// Which problem.
    pub kind: ProblemKind,
    /// Specifics of this occurrence, safe to show.
    pub detail: Option<String>,
    /// The fields that failed, for `validation-failed`.
    pub errors: Vec<FieldError>,
    /// Seconds to wait, for `too-many-attempts`.
    pub retry_after: Option<u64>,
    /// Members beyond RFC 9457's, specific to the kind (what a refused
    /// request was checked against, where to raise a change request).
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

/// The JSON body of a problem response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Identifies the kind of problem; stable, see `/problems`.
    #[serde(rename = "type")]
    #[schema(example = "/problems/not-found")]
    pub type_: String,
    /// A short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// Specifics of this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The fields that failed validation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Members specific to the kind, described with it.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    /// An error of `kind` with nothing more to say.
    pub fn new(kind: ProblemKind) -> Self {
        Self {
            kind,
            detail: None,
            errors: Vec::new(),
            retry_after: None,
            extensions: serde_json::Map::new(),
        }
    }

    /// Adds a member specific to the kind.
    pub fn with(mut self, key: &str, value: serde_json::Value) -> Self {
        self.extensions.insert(key.to_owned(), value);
        self
    }

    /// Adds specifics.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// A `validation-failed` error naming one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationErrors::from(FieldError::new(field, message)).into()
    }

    /// `not-found`.
    pub fn not_found() -> Self {
        Self::new(ProblemKind::NotFound)
    }

    /// An internal failure: logged here with its cause, shown generically.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ProblemKind::InternalError)
    }

    /// Fails unless the policy allowed: forbidden answers 403, hidden answers 404.
    pub fn check(access: Access) -> Result<(), Self> {
        match access {
            Access::Allowed => Ok(()),
            Access::Forbidden => Err(Self::new(ProblemKind::Forbidden)),
            Access::Hidden => Err(Self::not_found()),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Problem {
        Problem {
            type_: self.kind.type_uri(),
            title: self.kind.title().to_owned(),
            status: self.kind.status().as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
            extensions: self.extensions.clone(),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        Self {
            detail: Some(errors.to_string()),
            errors: errors.0,
            ..Self::new(ProblemKind::ValidationFailed)
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ValidationErrors::from(error).into()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        kept_app::Error::from(error).into()
    }
}

/// The problem type of each refusal a use case can give: the one place
/// where the application's kinds meet the catalogue, for the API and the
/// pages alike.
impl From<Kind> for ProblemKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::NotFound => Self::NotFound,
            Kind::Forbidden => Self::Forbidden,
            Kind::NotAnApprover => Self::NotAnApprover,
            Kind::Invalid => Self::ValidationFailed,
            Kind::Conflict(conflict) => match conflict {
                Conflict::EmailTaken => Self::EmailTaken,
                Conflict::ReferenceTaken => Self::ReferenceTaken,
                Conflict::PersonHasLogin => Self::PersonHasLogin,
                Conflict::AlreadyGranted => Self::AlreadyGranted,
                Conflict::HasActiveChildren => Self::PartyHasActiveChildren,
                Conflict::HasActiveLogin => Self::PartyHasActiveLogin,
                Conflict::ParentArchived => Self::ParentArchived,
                Conflict::PersonArchived => Self::PersonArchived,
                Conflict::UserArchived => Self::UserArchived,
                Conflict::IdempotencyInProgress => Self::IdempotencyKeyInUse,
                Conflict::AlreadyLinked => Self::AlreadyLinked,
                Conflict::AlreadyDecided => Self::AlreadyDecided,
                Conflict::TermsInForce => Self::TermsInForce,
                Conflict::TermsUnderChangeControl => Self::TermsUnderChangeControl,
                Conflict::AlreadyDelivered => Self::AlreadyDelivered,
                Conflict::IntakeAddressTaken => Self::IntakeAddressTaken,
            },
            Kind::ChainCycle => Self::ChainCycle,
            Kind::InvalidTransition => Self::InvalidTransition,
            Kind::ChangeConflict => Self::ChangeConflict,
            Kind::NotCovered => Self::RequestNotCovered,
            Kind::OutOfScope => Self::RequestOutOfScope,
            Kind::PromiseChoiceNeeded => Self::PromiseChoiceNeeded,
            Kind::UnusualQuantity => Self::UnusualQuantity,
            Kind::MalformedMail => Self::MalformedMail,
            Kind::MailTooLarge => Self::MailTooLarge,
            Kind::UnsafeMail => Self::UnsafeMail,
            Kind::Unavailable => Self::ServiceUnavailable,
            Kind::Internal => Self::InternalError,
        }
    }
}

impl From<kept_app::Error> for ApiError {
    fn from(error: kept_app::Error) -> Self {
        Self {
            detail: error.detail,
            errors: error.errors,
            extensions: error.extensions,
            ..Self::new(error.kind.into())
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.kind.status(), axum::Json(self.body())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.kind == ProblemKind::Unauthenticated {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"kept\""),
            );
        }
        response
    }
}

/// The catalogue as Markdown, for `docs/PROBLEMS.md`.
pub fn catalogue_markdown() -> String {
    let mut out = String::from(
        "# Problem types\n\n\
         Kept's API answers errors as `application/problem+json` (RFC 9457). The `type`\n\
         member is one of the stable identifiers below; match on it, not on `title` or\n\
         `detail`. A running server describes each at `/problems/<slug>`.\n\n\
         This file is generated from `crates/server/src/error.rs`; a test keeps it current\n\
         (`UPDATE_DOCS=1 cargo test -p kept-server problem_catalogue` rewrites it).\n\n\
         | type | status | title |\n|---|---|---|\n",
    );
    for kind in ProblemKind::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            kind.type_uri(),
            kind.status().as_u16(),
            kind.title()
        ));
    }
    out.push('\n');
    for kind in ProblemKind::ALL {
        out.push_str(&format!(
            "## `{}`\n\n{} {}. {}\n\n",
            kind.slug(),
            kind.status().as_u16(),
            kind.status().canonical_reason().unwrap_or_default(),
            kind.description()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_round_trip() {
        let mut slugs: Vec<&str> = ProblemKind::ALL.iter().map(|k| k.slug()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemKind::ALL.len());
        for kind in ProblemKind::ALL {
            assert_eq!(ProblemKind::from_slug(kind.slug()), Some(*kind));
        }
    }

    #[test]
    fn every_refusal_of_a_use_case_has_the_problem_type_of_its_name() {
        for kind in kept_app::Kind::ALL {
            assert_eq!(ProblemKind::from(*kind).slug(), kind.name(), "{kind:?}");
        }
    }

    #[test]
    fn problem_catalogue_in_docs_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/PROBLEMS.md");
        let generated = catalogue_markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, &generated).expect("write docs/PROBLEMS.md");
        }
        let current = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            current == generated,
            "docs/PROBLEMS.md is out of date: run UPDATE_DOCS=1 cargo test -p kept-server problem_catalogue"
        );
    }
}
