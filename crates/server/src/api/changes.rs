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
    Actor, ChangeDraft, ChangeRequest, ChangeRequestId, ChangeStatus, Contract, ContractChanges,
    ContractId, Difference, Limit, NewChangeRequest, Page, Principal, Role, Side, TermsVersion,
    Timestamp, Verdict,
};
use kept_store::{ChangeRequestQuery, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::contracts::{check_manage, readable_contract, readable_parties, sees_all};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::terms::{DiffLine, NameBook, diff_lines, readable_diff};
use crate::auth::Caller;
use crate::error::{ApiError, Problem, ProblemKind};
use crate::state::AppState;

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

/// The side the caller acts for on this contract, if any: admins and the
/// provider's managers for the provider; managers and client contacts of
/// the client for the client.
pub(crate) async fn side_of(
    state: &AppState,
    caller: &Principal,
    contract: &Contract,
) -> Result<Option<Side>, ApiError> {
    if caller
        .manage_party(&state.store.lineage(contract.provider_id).await?)
        .is_allowed()
    {
        return Ok(Some(Side::Provider));
    }
    let client = state.store.lineage(contract.client_id).await?;
    let speaks_for_client = caller
        .grants
        .iter()
        .any(|g| matches!(g.role, Role::Client | Role::Manager) && client.contains(g.party_id));
    Ok(speaks_for_client.then_some(Side::Client))
}

/// The change request and its contract, if the caller may see them; 404
/// otherwise (customers' people included).
pub(crate) async fn readable_change(
    state: &AppState,
    caller: &Principal,
    id: ChangeRequestId,
) -> Result<(ChangeRequest, Contract), ApiError> {
    let change = state.store.change_request(id).await?;
    let contract = readable_contract(state, caller, change.contract_id).await?;
    if !sees_all(state, caller, &contract).await? {
        return Err(ApiError::not_found());
    }
    Ok((change, contract))
}

/// Fails unless the caller acts for the side that raised the change.
async fn check_raiser_side(
    state: &AppState,
    caller: &Principal,
    contract: &Contract,
    change: &ChangeRequest,
) -> Result<(), ApiError> {
    if caller.is_admin() || side_of(state, caller, contract).await? == Some(change.side) {
        Ok(())
    } else {
        Err(ApiError::new(ProblemKind::Forbidden).detail(format!(
            "only the {} side, which raised it, may do this",
            change.side.as_str()
        )))
    }
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

/// Refuses customers to add that the caller cannot see, as if they did not
/// exist.
///
/// Customers to remove are not filtered by what the caller may see: whoever
/// sees the contract sees its customer list, so the provider's managers may
/// propose to stop serving a customer they cannot otherwise read. The store
/// refuses any that the contract does not list
/// (`changes.remove_customers[n]`: "is not a customer of the contract"),
/// which says nothing about whether such a party exists.
pub(crate) async fn check_named_parties(
    state: &AppState,
    caller: &Principal,
    changes: &ContractChanges,
) -> Result<(), ApiError> {
    let ids = &changes.add_customers;
    let seen = readable_parties(state, caller, ids.clone()).await?;
    if let Some(n) = ids.iter().position(|id| !seen.contains(id)) {
        return Err(ApiError::field(
            format!("changes.add_customers[{n}]"),
            "no such party",
        ));
    }
    Ok(())
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
    let contract = readable_contract(&state, &caller, id).await?;
    let side = side_of(&state, &caller, &contract).await?.ok_or_else(|| {
        ApiError::new(ProblemKind::Forbidden)
            .detail("change requests are raised by the provider's managers or the client")
    })?;
    let draft = body.into_draft().checked()?;
    check_named_parties(&state, &caller, &draft.changes).await?;
    let change = state
        .store
        .create_change_request(
            &Actor::user(&caller),
            NewChangeRequest {
                contract_id: id,
                side,
                raised_by: caller.user_id,
                draft,
            },
        )
        .await?;
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
    status: Option<String>,
    /// `true`: only those waiting for the caller's decision.
    awaiting_my_decision: Option<bool>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// Lists the change requests the caller may see, newest first.
#[utoipa::path(get, path = "/change-requests", tag = "change requests", params(ListParams),
    responses((status = 200, description = "A page of change requests", body = Page<ChangeRequest>)))]
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
    let query = ChangeRequestQuery {
        contract_id: params.contract_id,
        statuses,
        awaiting_decision_of: params
            .awaiting_my_decision
            .unwrap_or(false)
            .then_some(caller.user_id),
        cursor: params.cursor,
        limit: Limit::parse("limit", params.limit.unwrap_or(Limit::DEFAULT.get()))?,
        ..ChangeRequestQuery::new(caller.party_scope(), Some(caller.user_id))
    };
    Ok(Json(state.store.list_change_requests(&query).await?))
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
    Ok(Json(readable_change(&state, &caller, id).await?.0))
}

/// Rewrites a draft (its raiser's side).
#[utoipa::path(put, path = "/change-requests/{id}", tag = "change requests", request_body = DraftBody,
    params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "The rewritten draft", body = ChangeRequest),
        (status = 409, description = "No longer a draft", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown parties, services or calendar, or the contract has ended", body = Problem, content_type = "application/problem+json"),
    ))]
async fn edit(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ChangeRequestId>,
    ApiJson(body): ApiJson<DraftBody>,
) -> Result<Json<ChangeRequest>, ApiError> {
    let (change, contract) = readable_change(&state, &caller, id).await?;
    check_raiser_side(&state, &caller, &contract, &change).await?;
    let draft = body.into_draft().checked()?;
    check_named_parties(&state, &caller, &draft.changes).await?;
    Ok(Json(
        state
            .store
            .edit_change_request(&Actor::user(&caller), id, draft)
            .await?,
    ))
}

/// One part of a change request that a newer version changed differently.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictLine {
    /// What both touched: `terms.sla.{service}.{priority}.{target}`,
    /// `terms.kpis.{kpi}.{period}` or `calendar_id`.
    pub field: String,
    /// What the change request proposes, from its base version's value.
    #[schema(value_type = Object)]
    pub proposed: serde_json::Value,
    /// What the newer versions did to the same field since.
    #[schema(value_type = Object)]
    pub since: serde_json::Value,
    /// The conflict in a sentence.
    pub description: String,
}

/// What a change request changes: against the version it was drafted from,
/// and, if applied now, against the latest version.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    /// The version it was drafted against (none before any).
    pub base_version: Option<u32>,
    /// What it changes against that version: what the steering group
    /// decides on.
    pub changes: Vec<DiffLine>,
    /// The latest version, which applying it now would follow (none before
    /// any).
    pub latest_version: Option<u32>,
    /// What applying it now would change against the latest version: its
    /// changes less those already made since. Empty while it conflicts.
    pub against_latest: Vec<DiffLine>,
    /// Fields a newer version changed differently since it was drafted;
    /// while any is listed it cannot be submitted or applied and must be
    /// redrafted.
    pub conflicts: Vec<ConflictLine>,
    /// The latest version with every part of the change that does not
    /// conflict laid over it: where a redraft starts from.
    #[serde(skip)]
    pub rebased: kept_domain::Coverage,
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
    let (change, contract) = readable_change(&state, &caller, id).await?;
    Ok(Json(preview_change(&state, &contract, &change).await?))
}

/// Works out a change request's preview: its proposal in sentences, and
/// how it lays over the latest version.
pub(crate) async fn preview_change(
    state: &AppState,
    contract: &Contract,
    change: &ChangeRequest,
) -> Result<Preview, ApiError> {
    let versions = state.store.terms_versions(contract.id).await?;
    let latest = match versions.last() {
        Some(v) => v.coverage(),
        None => {
            let full = state.store.contract(contract.id).await?;
            kept_domain::Coverage {
                terms: kept_domain::Terms::default(),
                customer_ids: full.customer_ids,
                service_ids: full.service_ids,
                calendar_id: full.calendar_id,
            }
        }
    };
    let rebased = kept_domain::rebase(&latest, &change.proposal);
    let against_latest = if rebased.conflicts.is_empty() {
        // Refuses (422) what would no longer be valid terms.
        let next =
            kept_domain::apply_proposal(&latest, &change.proposal).map_err(StoreError::from)?;
        readable_diff(state, None, (&latest).into(), (&next).into()).await?
    } else {
        Vec::new()
    };
    Ok(Preview {
        base_version: change.base_version,
        changes: diff_lines(state, change.proposal.clone()).await?,
        latest_version: versions.last().map(|v| v.version),
        against_latest,
        conflicts: conflict_lines(state, &rebased.conflicts).await?,
        rebased: rebased.coverage,
    })
}

/// Conflicts in sentences.
async fn conflict_lines(
    state: &AppState,
    conflicts: &[kept_domain::ChangeConflict],
) -> Result<Vec<ConflictLine>, ApiError> {
    let mentioned: Vec<Difference> = conflicts
        .iter()
        .flat_map(|c| [c.proposed.clone(), c.since.clone()])
        .collect();
    let names = NameBook::for_differences(state, &mentioned).await?;
    conflicts
        .iter()
        .map(|c| {
            Ok(ConflictLine {
                field: c.field.clone(),
                proposed: serde_json::to_value(&c.proposed).map_err(ApiError::internal)?,
                since: serde_json::to_value(&c.since).map_err(ApiError::internal)?,
                description: c.describe(&names),
            })
        })
        .collect()
}

/// A store error as a problem, naming the conflicting fields of a change
/// request in sentences.
pub(crate) async fn change_problem(state: &AppState, error: StoreError) -> ApiError {
    match error {
        StoreError::ChangeConflicts(conflicts) => match conflict_lines(state, &conflicts).await {
            Ok(lines) => conflict_problem(lines),
            Err(e) => e,
        },
        other => other.into(),
    }
}

fn conflict_problem(lines: Vec<ConflictLine>) -> ApiError {
    let detail = format!(
        "Since it was drafted, a newer terms version changed what it changes: {}. Redraft it \
         against the latest version and have it approved again",
        lines
            .iter()
            .map(|l| l.description.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
    let conflicts = serde_json::to_value(&lines).unwrap_or_default();
    ApiError::new(ProblemKind::ChangeConflict)
        .detail(detail)
        .with("conflicts", conflicts)
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
    let (change, contract) = readable_change(&state, &caller, id).await?;
    check_raiser_side(&state, &caller, &contract, &change).await?;
    match state
        .store
        .submit_change_request(&Actor::user(&caller), id)
        .await
    {
        Ok(change) => Ok(Json(change)),
        Err(e) => Err(change_problem(&state, e).await),
    }
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
    Ok(Json(redraft_change(&state, &caller, id).await?))
}

/// Sends a change request back to draft, for its raiser's side.
pub(crate) async fn redraft_change(
    state: &AppState,
    caller: &Principal,
    id: ChangeRequestId,
) -> Result<ChangeRequest, ApiError> {
    let (change, contract) = readable_change(state, caller, id).await?;
    check_raiser_side(state, caller, &contract, &change).await?;
    Ok(state
        .store
        .redraft_change_request(&Actor::user(caller), id)
        .await?)
}

/// Takes back a draft or submitted change request (its raiser's side).
#[utoipa::path(post, path = "/change-requests/{id}/withdraw", tag = "change requests", params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "Withdrawn", body = ChangeRequest),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    ))]
async fn withdraw(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ChangeRequestId>,
) -> Result<Json<ChangeRequest>, ApiError> {
    let (change, contract) = readable_change(&state, &caller, id).await?;
    check_raiser_side(&state, &caller, &contract, &change).await?;
    Ok(Json(
        state
            .store
            .withdraw_change_request(&Actor::user(&caller), id)
            .await?,
    ))
}

/// A steering-group member's reasons.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Why, in a few words (optional).
    #[serde(default)]
    comment: String,
}

/// Records the caller's decision on a change request.
pub(crate) async fn decide(
    state: &AppState,
    caller: &Principal,
    id: ChangeRequestId,
    verdict: Verdict,
    comment: &str,
) -> Result<ChangeRequest, ApiError> {
    let (_, contract) = readable_change(state, caller, id).await?;
    if !contract.is_steered_by(caller.user_id) {
        return Err(ApiError::from(StoreError::NotAnApprover));
    }
    let comment = comment.trim();
    if comment.chars().count() > 2000 {
        return Err(ApiError::field("comment", "at most 2000 characters"));
    }
    Ok(state
        .store
        .decide_change_request(&Actor::user(caller), id, verdict, comment.to_owned())
        .await?)
}

/// Approves a submitted change request (steering-group members, once each).
#[utoipa::path(post, path = "/change-requests/{id}/approve", tag = "change requests", request_body(content = DecisionBody, description = "An optional comment"),
    params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "The decision is recorded; `status` is `approved` once the quorum is met", body = ChangeRequest),
        (status = 403, description = "Not on the steering group", body = Problem, content_type = "application/problem+json"),
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
        decide(&state, &caller, id, Verdict::Approve, &body.comment).await?,
    ))
}

/// Rejects a submitted change request (steering-group members, once each).
#[utoipa::path(post, path = "/change-requests/{id}/reject", tag = "change requests", request_body(content = DecisionBody, description = "An optional comment"),
    params(("id" = String, Path, description = "The change request's id")),
    responses(
        (status = 200, description = "The decision is recorded; `status` is `rejected` once approval is out of reach", body = ChangeRequest),
        (status = 403, description = "Not on the steering group", body = Problem, content_type = "application/problem+json"),
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
        decide(&state, &caller, id, Verdict::Reject, &body.comment).await?,
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

/// Applies an approved change request as a new terms version (the
/// provider's managers).
pub(crate) async fn apply_change(
    state: &AppState,
    caller: &Principal,
    id: ChangeRequestId,
    effective_from: Option<Timestamp>,
) -> Result<(ChangeRequest, TermsVersion), ApiError> {
    let (_, contract) = readable_change(state, caller, id).await?;
    check_manage(state, caller, &contract).await?;
    match state
        .store
        .apply_change_request(&Actor::user(caller), id, effective_from)
        .await
    {
        Ok(done) => Ok(done),
        Err(e) => Err(change_problem(state, e).await),
    }
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
    let (change_request, version) = apply_change(&state, &caller, id, body.effective_from).await?;
    Ok(Json(Applied {
        change_request,
        version,
    }))
}
