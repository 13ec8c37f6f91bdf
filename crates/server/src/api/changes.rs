//! Change requests: `/api/v1/contracts/{id}/change-requests` to raise one,
//! `/api/v1/change-requests` to list and act on them.
//!
//! Who does what:
//! - the provider's managers and the client's managers and client contacts
//!   raise them, and edit, submit or withdraw those of their side;
//! - the steering group approves or rejects, each member once;
//! - the provider's managers apply an approved one as a new terms version.
//!
//! Change requests are seen by the provider's and the client's people and
//! by the steering group, not by the customers' people.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use kept_domain::{
    ChangeDraft, ChangeRequest, ChangeRequestId, ChangeStatus, ContractChanges, ContractId, Limit,
    Page, TermsVersion, Timestamp, Verdict,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{ApiJson, ApiPath, ApiQuery};

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use kept_app::changes::{
    self, ChangeFilter, Preview, apply_change, decide, edit_change, raise_change, readable_change,
    redraft_change, submit_change, withdraw_change,
};

/// The change request routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(raise))
        .routes(routes!(list))
        .routes(routes!(get_one, edit))
        .routes(routes!(preview))
        .routes(routes!(submit))
        .routes(routes!(withdraw))
        .routes(routes!(redraft))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(apply))
}

/// A change request as written by its raiser.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    /// What it is about, in a line.
    title: String,
    /// Why it is needed.
    rationale: String,
    /// What it proposes: new terms, customers or services to add or drop,
    /// a new calendar.
    #[serde(deserialize_with = "kept_domain::calendar::strict::object")]
    changes: ContractChanges,
    /// When it should take effect, if not as soon as it is applied.
    #[schema(value_type = Option<String>, format = DateTime)]
    effective_from: Option<Timestamp>,
    /// The terms version `changes.terms` was written against; the latest
    /// if left out. What the change request proposes is the difference from
    /// this version, so changes made by newer versions are kept.
    #[schema(minimum = 1)]
    base_version: Option<u32>,
}

impl DraftBody {
    fn into_draft(self) -> ChangeDraft {
        ChangeDraft {
            title: self.title,
            rationale: self.rationale,
            changes: self.changes,
            effective_from: self.effective_from,
            base_version: self.base_version,
        }
    }
}

/// Raises a change request against a contract, as a draft. The provider's
/// managers raise it for the provider; the client's managers and contacts
/// for the client.
#[utoipa::path(post, path = "/contracts/{id}/change-requests", tag = "change requests", request_body = DraftBody,
    params(("id" = String, Path, description = "The contract's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "The draft", body = ChangeRequest),
        (status = 403, description = "Neither the provider's nor the client's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contract", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown parties, services or calendar, or the contract has ended", body = Problem, content_type = "application/problem+json"),
    ))]
async fn raise(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ContractId>,
    ApiJson(body): ApiJson<DraftBody>,
) -> Result<impl IntoResponse, ApiError> {
    let change = raise_change(&state.app, &caller, id, body.into_draft()).await?;
    let location = format!("/api/v1/change-requests/{}", change.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(change),
    ))
}

/// Filters of a change request list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only those against this contract.
    contract_id: Option<ContractId>,
    /// Only those in this status; `open` for draft, submitted and approved.
    #[param(pattern = "^(?:open|draft|submitted|approved|rejected|applied|withdrawn)$")]
    status: Option<String>,
    /// `true`: only those waiting for the caller's decision.
    awaiting_my_decision: Option<bool>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// Lists the change requests the caller may see, newest first.
#[utoipa::path(get, path = "/change-requests", tag = "change requests", params(ListParams),
    responses(
        (status = 200, description = "A page of change requests", body = Page<ChangeRequest>),
        (status = 422, description = "An unknown status, a limit out of range or a cursor this list did not return", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Page<ChangeRequest>>, ApiError> {
    let statuses = match params.status.as_deref() {
        None => Vec::new(),
        Some("open") => ChangeStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect(),
        Some(s) => vec![
            s.parse()
                .map_err(|e: String| ApiError::field("status", e))?,
        ],
    };
    let filter = ChangeFilter {
        contract_id: params.contract_id,
        statuses,
        awaiting_my_decision: params.awaiting_my_decision.unwrap_or(false),
        cursor: params.cursor,
        limit: Limit::parse("limit", params.limit.unwrap_or(Limit::DEFAULT.get()))?,
    };
    Ok(Json(changes::list(&state.app, &caller, filter).await?))
}

/// Reads one change request.
#[utoipa::path(get, path = "/change-requests/{id}", tag = "change requests", params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "The change request", body = ChangeRequest),
        (status = 404, description = "No such change request, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_one(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ChangeRequestId>,
) -> Result<Json<ChangeRequest>, ApiError> {
    Ok(Json(readable_change(&state.app, &caller, id).await?.0))
}

/// Rewrites a draft (its raiser's side).
#[utoipa::path(put, path = "/change-requests/{id}", tag = "change requests", request_body = DraftBody,
    params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "The rewritten draft", body = ChangeRequest),
        (status = 403, description = "Not of the side that raised it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No longer a draft", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown parties, services or calendar, or the contract has ended", body = Problem, content_type = "application/problem+json"),
    ))]
async fn edit(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ChangeRequestId>,
    ApiJson(body): ApiJson<DraftBody>,
) -> Result<Json<ChangeRequest>, ApiError> {
    Ok(Json(
        edit_change(&state.app, &caller, id, body.into_draft()).await?,
    ))
}

/// What the change request changes, against its base and against the
/// latest version.
#[utoipa::path(get, path = "/change-requests/{id}/preview", tag = "change requests", params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "What it changes, and any conflict with versions made since it was drafted", body = Preview),
        (status = 404, description = "No such change request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Applied now, it would leave invalid terms (a target for a service no longer covered…)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn preview(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ChangeRequestId>,
) -> Result<Json<Preview>, ApiError> {
    Ok(Json(changes::preview(&state.app, &caller, id).await?))
}

/// Sends a draft to the steering group (its raiser's side).
#[utoipa::path(post, path = "/change-requests/{id}/submit", tag = "change requests", params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "Submitted", body = ChangeRequest),
        (status = 403, description = "Not of the side that raised it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft (`invalid-transition`), or a newer version changed what it changes (`change-conflict`, listing the fields under `conflicts`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "It no longer fits the contract, or the contract has ended", body = Problem, content_type = "application/problem+json"),
    ))]
async fn submit(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ChangeRequestId>,
) -> Result<Json<ChangeRequest>, ApiError> {
    Ok(Json(submit_change(&state.app, &caller, id).await?))
}

/// Sends a submitted or approved change request back to draft (its
/// raiser's side), setting the steering group's decisions aside, so it can
/// be redrafted (for instance against a newer version it conflicts with)
/// and decided again.
#[utoipa::path(post, path = "/change-requests/{id}/redraft", tag = "change requests", params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "Back to draft, its decisions set aside", body = ChangeRequest),
        (status = 403, description = "Not of the side that raised it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Neither submitted nor approved", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The contract has ended", body = Problem, content_type = "application/problem+json"),
    ))]
async fn redraft(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ChangeRequestId>,
) -> Result<Json<ChangeRequest>, ApiError> {
    Ok(Json(redraft_change(&state.app, &caller, id).await?))
}

/// Takes back a draft or submitted change request (its raiser's side).
#[utoipa::path(post, path = "/change-requests/{id}/withdraw", tag = "change requests", params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "Withdrawn", body = ChangeRequest),
        (status = 403, description = "Not of the side that raised it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    ))]
async fn withdraw(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ChangeRequestId>,
) -> Result<Json<ChangeRequest>, ApiError> {
    Ok(Json(withdraw_change(&state.app, &caller, id).await?))
}

/// A steering-group member's reasons.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Why, in a few words (optional).
    #[serde(default)]
    #[schema(max_length = 2000)]
    comment: String,
}

/// Approves a submitted change request (steering-group members, once each).
#[utoipa::path(post, path = "/change-requests/{id}/approve", tag = "change requests", request_body(content = DecisionBody, description = "An optional comment"),
    params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "The decision is recorded; `status` is `approved` once the quorum is met", body = ChangeRequest),
        (status = 403, description = "Not on the steering group", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided, or not submitted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A comment over 2000 characters, or the contract has ended", body = Problem, content_type = "application/problem+json"),
    ))]
async fn approve(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ChangeRequestId>,
    body: Option<ApiJson<DecisionBody>>,
) -> Result<Json<ChangeRequest>, ApiError> {
    let body = body.map(|b| b.0).unwrap_or_default();
    Ok(Json(
        decide(&state.app, &caller, id, Verdict::Approve, &body.comment).await?,
    ))
}

/// Rejects a submitted change request (steering-group members, once each).
#[utoipa::path(post, path = "/change-requests/{id}/reject", tag = "change requests", request_body(content = DecisionBody, description = "An optional comment"),
    params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "The decision is recorded; `status` is `rejected` once approval is out of reach", body = ChangeRequest),
        (status = 403, description = "Not on the steering group", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided, or not submitted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A comment over 2000 characters, or the contract has ended", body = Problem, content_type = "application/problem+json"),
    ))]
async fn reject(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ChangeRequestId>,
    body: Option<ApiJson<DecisionBody>>,
) -> Result<Json<ChangeRequest>, ApiError> {
    let body = body.map(|b| b.0).unwrap_or_default();
    Ok(Json(
        decide(&state.app, &caller, id, Verdict::Reject, &body.comment).await?,
    ))
}

/// When an approved change takes effect.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    /// Not before the approval; the one the change request asks for, or
    /// now, if left out.
    #[schema(value_type = Option<String>, format = DateTime)]
    effective_from: Option<Timestamp>,
}

/// An applied change request and the version it made.
#[derive(Debug, Serialize, ToSchema)]
pub struct Applied {
    /// The change request, now `applied`.
    change_request: ChangeRequest,
    /// The new terms version.
    version: TermsVersion,
}

/// Applies an approved change request: a new terms version, effective not
/// before the approval. Changes to customers, services or calendar take
/// effect at once.
#[utoipa::path(post, path = "/change-requests/{id}/apply", tag = "change requests", request_body(content = ApplyBody, description = "An optional effective-from"),
    params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "Applied", body = Applied),
        (status = 403, description = "Not a manager of the provider", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved (`invalid-transition`), or a version made since it was drafted changed what it changes (`change-conflict`, listing the fields under `conflicts`: redraft it)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The effective date is before the approval, the change no longer fits, or the contract has ended", body = Problem, content_type = "application/problem+json"),
    ))]
async fn apply(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ChangeRequestId>,
    body: Option<ApiJson<ApplyBody>>,
) -> Result<Json<Applied>, ApiError> {
    let body = body.map(|b| b.0).unwrap_or_default();
    let (change_request, version) =
        apply_change(&state.app, &caller, id, body.effective_from).await?;
    Ok(Json(Applied {
        change_request,
        version,
    }))
}
