//! `/api/v1/requests`: raise requests, follow them through their lifecycle,
//! reply, write internal notes, and read their histories and clocks.
//!
//! Tenancy: the provider's people see every request of their contracts and
//! its internal notes; the client's people see all of a contract's
//! requests, a customer's people only their own party's; the requester
//! always sees theirs. Others get 404.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use kept_domain::{
    ContractId, Limit, Page, PartyId, RequestChange, RequestEvent, RequestId, RequestKind,
    SlaState, Timestamp, UserId,
};
use kept_store::RequestOrder;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use kept_app::requests::chain::{Escalation, RequestChain, chain, escalate_shown};
use kept_app::requests::detail::timeline;
use kept_app::requests::filters::{comma_list, parse_statuses};
use kept_app::requests::intake::{Intake, raise_shown};
use kept_app::requests::list::{Filter, list};
use kept_app::requests::{self, RequestView, parse_action};

/// The requests routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requests, create_request))
        .routes(routes!(get_request))
        .routes(routes!(list_events))
        .routes(routes!(take_action))
        .routes(routes!(reply))
        .routes(routes!(note))
        .routes(routes!(escalate_request))
        .routes(routes!(request_chain))
}

/// Raises a request. Its clocks start from the terms in force (service ×
/// priority) on the contract's calendar.
#[utoipa::path(post, path = "/requests", tag = "requests", request_body = Intake,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "The request, with its clocks", body = RequestView),
        (status = 403, description = "An override by someone who is not the provider's manager", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An order line's quantity is far from what the customer usually orders (`unusual-quantity`): confirm it or change it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (an order line's quantity or unit among them), unknown contract, customer or service, or not covered by the contract (`request-not-covered`, `request-out-of-scope`)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_request(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<Intake>,
) -> Result<impl IntoResponse, ApiError> {
    let shown = raise_shown(&state.app, &caller, body).await?;
    let location = format!("/api/v1/requests/{}", shown.request.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(shown),
    ))
}

/// Filters and order of a request list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only on this contract.
    contract_id: Option<ContractId>,
    /// Only for this customer party or parties under it.
    customer_id: Option<PartyId>,
    /// Only asked by this user.
    requester_id: Option<UserId>,
    /// `open`, `closed` (fulfilled, closed, cancelled) or statuses separated
    /// by commas (`new,in_progress`).
    #[param(
        pattern = "^(?:open|closed|\\s*(?:new|acknowledged|in_progress|awaiting_customer|fulfilled|closed|cancelled)?\\s*(?:,\\s*(?:new|acknowledged|in_progress|awaiting_customer|fulfilled|closed|cancelled)?\\s*)*)$"
    )]
    status: Option<String>,
    /// Only of this kind.
    #[param(value_type = Option<RequestKind>)]
    kind: Option<RequestKind>,
    /// SLA states separated by commas: `breached`, `at_risk`, `on_track`,
    /// `paused`, `none`.
    #[param(
        pattern = "^\\s*(?:breached|at_risk|on_track|paused|none)?\\s*(?:,\\s*(?:breached|at_risk|on_track|paused|none)?\\s*)*$"
    )]
    sla: Option<String>,
    /// Only those due before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    due_before: Option<Timestamp>,
    /// Only the requests escalated from this one.
    escalated_from: Option<RequestId>,
    /// `urgency` (default): breached first, then the soonest due (when each
    /// request's next target falls due on its contract's calendar, not the
    /// business time it has left), then open requests with no clock running,
    /// closed ones last, the oldest first among equals; or `newest`.
    #[param(pattern = "^(?:urgency|newest)$")]
    order: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

impl ListParams {
    fn filter(self) -> Result<Filter, ApiError> {
        let order = match self.order.as_deref() {
            None | Some("urgency") => RequestOrder::Urgency,
            Some("newest") => RequestOrder::Newest,
            Some(other) => {
                return Err(ApiError::field(
                    "order",
                    format!("`{other}` is not an order; use urgency or newest"),
                ));
            }
        };
        Ok(Filter {
            contract_id: self.contract_id,
            customer_id: self.customer_id,
            requester_id: self.requester_id,
            statuses: self
                .status
                .as_deref()
                .map(parse_statuses)
                .transpose()?
                .unwrap_or_default(),
            kind: self.kind,
            sla: self
                .sla
                .as_deref()
                .map(|raw| comma_list::<SlaState>("sla", raw))
                .transpose()?
                .unwrap_or_default(),
            due_before: self.due_before,
            escalated_from: self.escalated_from,
            // The API lists them through `escalated_from` per request.
            from_downstream: false,
            order,
            cursor: self.cursor,
            limit: Limit::parse("limit", self.limit.unwrap_or(Limit::DEFAULT.get()))?,
        })
    }
}

/// Lists the requests the caller may see, most urgent first (breached, then
/// the soonest due on each contract's calendar, then the oldest).
#[utoipa::path(get, path = "/requests", tag = "requests", params(ListParams),
    responses((status = 200, description = "A page of requests", body = Page<RequestView>)))]
async fn list_requests(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Page<RequestView>>, ApiError> {
    let filter = params.filter()?;
    Ok(Json(list(&state.app, &caller, filter).await?))
}

/// Reads one request with its clocks.
#[utoipa::path(get, path = "/requests/{id}", tag = "requests", params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "The request", body = RequestView),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_request(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<RequestId>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(requests::get(&state.app, &caller, id).await?))
}

/// A request's history, oldest first. The customer's side sees the public
/// events only.
#[utoipa::path(get, path = "/requests/{id}/events", tag = "requests", params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "The events", body = Vec<RequestEvent>),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_events(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<RequestId>,
) -> Result<Json<Vec<RequestEvent>>, ApiError> {
    Ok(Json(timeline(&state.app, &caller, id).await?))
}

/// A lifecycle step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// `acknowledge`, `start`, `await_customer`, `resume`, `fulfil`,
    /// `close`, `reopen` or `cancel`.
    #[schema(example = "acknowledge")]
    action: String,
    /// Why: required to cancel.
    reason: Option<String>,
}

/// What a step, reply or note did: the request after it and the events it
/// appended.
#[derive(Debug, Serialize, ToSchema)]
pub struct Outcome {
    /// The request after the change.
    pub(crate) request: RequestView,
    /// The events appended.
    pub(crate) events: Vec<RequestEvent>,
}

async fn outcome(
    state: &AppState,
    caller: &kept_domain::Principal,
    id: RequestId,
    change: RequestChange,
) -> Result<Outcome, ApiError> {
    let (request, events) = requests::act_shown(&state.app, caller, id, change).await?;
    Ok(Outcome { request, events })
}

/// Takes a lifecycle step: the customer's side may `close`, `reopen` and
/// `cancel`; the provider's side any step allowed from the current status.
#[utoipa::path(post, path = "/requests/{id}/actions", tag = "requests", request_body = ActionBody,
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "Done", body = Outcome),
        (status = 403, description = "A step only the provider's people take", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status (`invalid-transition`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown action, or a cancellation without a reason", body = Problem, content_type = "application/problem+json"),
    ))]
async fn take_action(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<RequestId>,
    ApiJson(body): ApiJson<ActionBody>,
) -> Result<Json<Outcome>, ApiError> {
    let action = parse_action(&body.action)?;
    let change = RequestChange::Act {
        action,
        reason: body.reason,
    };
    Ok(Json(outcome(&state, &caller, id, change).await?))
}

/// Text for a reply or a note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    /// The text, up to 20,000 characters.
    body: String,
}

/// Replies publicly. The provider's first reply stops the first-response
/// clock; the customer's reply to a request awaiting them resumes it, and
/// to a fulfilled one reopens it.
#[utoipa::path(post, path = "/requests/{id}/replies", tag = "requests", request_body = TextBody,
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 201, description = "Replied", body = Outcome),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request is closed or cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty or too long reply", body = Problem, content_type = "application/problem+json"),
    ))]
async fn reply(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<RequestId>,
    ApiJson(body): ApiJson<TextBody>,
) -> Result<impl IntoResponse, ApiError> {
    let change = RequestChange::Reply {
        side: kept_domain::ReplySide::Customer,
        body: body.body,
    };
    let done = outcome(&state, &caller, id, change).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// Writes an internal note, which only the provider's people see.
#[utoipa::path(post, path = "/requests/{id}/notes", tag = "requests", request_body = TextBody,
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 201, description = "Noted", body = Outcome),
        (status = 403, description = "Not the provider's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty or too long note", body = Problem, content_type = "application/problem+json"),
    ))]
async fn note(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<RequestId>,
    ApiJson(body): ApiJson<TextBody>,
) -> Result<impl IntoResponse, ApiError> {
    let change = RequestChange::Note { body: body.body };
    let done = outcome(&state, &caller, id, change).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// Escalates the request to a supplier up the chain: a linked request on
/// the supplier contract (where this request's provider is the client),
/// with that contract's targets and calendar. The supplier's replies and
/// steps flow back to this request's timeline.
#[utoipa::path(post, path = "/requests/{id}/escalations", tag = "requests", request_body = Escalation,
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 201, description = "The supplier's request", body = RequestView),
        (status = 403, description = "Not the provider's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request is finished", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No or no such supplier contract, or it does not cover the service", body = Problem, content_type = "application/problem+json"),
    ))]
async fn escalate_request(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<RequestId>,
    ApiJson(body): ApiJson<Escalation>,
) -> Result<impl IntoResponse, ApiError> {
    let shown = escalate_shown(&state.app, &caller, id, body).await?;
    let location = format!("/api/v1/requests/{}", shown.request.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(shown),
    ))
}

/// The request's place in the chain: the supplier requests it waits on,
/// the request and customers down the chain that wait on it.
#[utoipa::path(get, path = "/requests/{id}/chain", tag = "requests", params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "Its chain", body = RequestChain),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn request_chain(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<RequestId>,
) -> Result<Json<RequestChain>, ApiError> {
    Ok(Json(chain(&state.app, &caller, id).await?))
}
