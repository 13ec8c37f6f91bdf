//! Promises: `POST /api/v1/promises/quote` for a prospective request; a
//! request's promise (`/api/v1/requests/{id}/promise`), the new dates
//! proposed for it and the customer's answer
//! (`/api/v1/promise-proposals/{id}/answer`).
//!
//! Tenancy: the provider's people of a request quote, promise and propose;
//! its customer's people answer; anyone else is told it does not exist.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use jiff::Timestamp;
use kept_app::promises::quote::{QuoteAnswer, QuoteInput};
use kept_app::promises::{self, PromiseView};
use kept_domain::promise::{Choice, DateProposal, Promise};
use kept_domain::{DateProposalId, RequestId, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

/// The promise routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(quote))
        .routes(routes!(at_risk))
        .routes(routes!(get_promise, make_promise))
        .routes(routes!(propose_date))
        .routes(routes!(get_proposal))
        .routes(routes!(answer_date))
}

/// Quotes a prospective request: its SLA due instant from the terms in
/// force, the realistic date given its team's whole load, the load in
/// words, and the promises that squeezing it in by its SLA date would push
/// past their dates. For the provider's people of the team.
#[utoipa::path(post, path = "/promises/quote", tag = "promises", request_body = QuoteInput,
    responses(
        (status = 200, description = "The quote", body = QuoteAnswer),
        (status = 422, description = "An unknown contract, service, team or member, or a service with no team", body = Problem, content_type = "application/problem+json"),
    ))]
async fn quote(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(input): ApiJson<QuoteInput>,
) -> Result<Json<QuoteAnswer>, ApiError> {
    Ok(Json(
        promises::quote::quote(&state.app, &caller, input).await?,
    ))
}

/// Which promises at risk to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AtRiskParams {
    /// Only this team's.
    #[param(value_type = Option<String>, format = Uuid)]
    team_id: Option<kept_domain::PartyId>,
    /// Only those assigned to the caller (`true`).
    mine: Option<bool>,
}

/// The promises at risk the caller answers for, the soonest date first
/// (at most 200): of the contracts the caller's organisation provides
/// (admins: all), each with why (`plan`: the team's plan finishes it
/// after its date; `time`: most of its business time is used) and the
/// suggested action (`reassign`, `split` or `renegotiate`). Customers and
/// clients see none. The watch weighs the promises every
/// `promise_watch_interval_ms`.
#[utoipa::path(get, path = "/promises/at-risk", tag = "promises", params(AtRiskParams),
    responses(
        (status = 200, description = "The promises at risk", body = [kept_domain::promise::PromiseAtRisk]),
        (status = 404, description = "No such team, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed team id or `mine`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn at_risk(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<AtRiskParams>,
) -> Result<Json<Vec<kept_domain::promise::PromiseAtRisk>>, ApiError> {
    Ok(Json(
        promises::watch::at_risk(
            &state.app,
            &caller,
            params.team_id,
            params.mine.unwrap_or(false),
        )
        .await?,
    ))
}

/// Reads a request's promise, the dates proposed since and, for the
/// provider's people, the plan's projected completion.
#[utoipa::path(get, path = "/requests/{id}/promise", tag = "promises",
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "Its promise (`promise` is null until one is made)", body = PromiseView),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_promise(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<RequestId>,
) -> Result<Json<PromiseView>, ApiError> {
    Ok(Json(promises::view(&state.app, &caller, id).await?))
}

/// Which date to promise.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceName {
    /// The SLA due instant, although the plan finishes later: the promise
    /// starts at risk.
    Sla,
    /// The realistic date: recorded as beyond the SLA.
    Realistic,
}

/// What to promise.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromiseBody {
    /// Needed when the realistic date is later than the SLA's.
    #[serde(default)]
    choice: Option<ChoiceName>,
    /// A date to promise instead (RFC 3339).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    date: Option<Timestamp>,
}

/// Makes an open request's promise: the later of its SLA due instant and
/// its realistic date. When the realistic date is later, answers 409
/// `promise-choice-needed` with both, until `choice` (or a `date`) is sent.
#[utoipa::path(post, path = "/requests/{id}/promise", tag = "promises", request_body = PromiseBody,
    params(("id" = String, Path, description = "The request's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Promised", body = Promise),
        (status = 403, description = "Of the customer's side: the provider's people promise", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The realistic date is later than the SLA's: choose", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Already promised, no longer open, a date in the past, or no date known", body = Problem, content_type = "application/problem+json"),
    ))]
async fn make_promise(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<RequestId>,
    ApiJson(body): ApiJson<PromiseBody>,
) -> Result<impl IntoResponse, ApiError> {
    let choice = match (body.choice, body.date) {
        (Some(_), Some(_)) => {
            return Err(ValidationErrors::from(kept_domain::FieldError::new(
                "date",
                "send either `choice` or `date`, not both",
            ))
            .into());
        }
        (_, Some(date)) if date <= Timestamp::now() => {
            return Err(ValidationErrors::from(kept_domain::FieldError::new(
                "date",
                "must be in the future",
            ))
            .into());
        }
        (_, Some(date)) => Some(Choice::Date(date)),
        (Some(ChoiceName::Sla), None) => Some(Choice::Sla),
        (Some(ChoiceName::Realistic), None) => Some(Choice::Realistic),
        (None, None) => None,
    };
    let promise = promises::make(&state.app, &caller, id, choice).await?;
    let location = format!("/api/v1/requests/{id}/promise");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(promise),
    ))
}

/// A new date proposed to the customer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalBody {
    /// The date proposed (RFC 3339, in the future).
    #[schema(value_type = String, format = DateTime)]
    date: Timestamp,
    /// Why, in one line of up to 1,000 characters, as the customer reads it.
    #[schema(min_length = 1, max_length = 1000)]
    reason: String,
}

/// Proposes a new date for a request's promise, before the old one passes
/// if it can be helped: the customer agrees or not. A proposal still open
/// is withdrawn.
#[utoipa::path(post, path = "/requests/{id}/promise/proposals", tag = "promises", request_body = ProposalBody,
    params(("id" = String, Path, description = "The request's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Proposed", body = DateProposal),
        (status = 403, description = "Of the customer's side: the provider's people propose", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request has no promise yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A date in the past or already promised, no reason, or the promise is settled", body = Problem, content_type = "application/problem+json"),
    ))]
async fn propose_date(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<RequestId>,
    ApiJson(body): ApiJson<ProposalBody>,
) -> Result<impl IntoResponse, ApiError> {
    let proposal = promises::propose(&state.app, &caller, id, body.date, &body.reason).await?;
    let location = format!("/api/v1/promise-proposals/{}", proposal.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(proposal),
    ))
}

/// Reads a proposed date: the date it would replace, the reason, and
/// the answer once given.
#[utoipa::path(get, path = "/promise-proposals/{id}", tag = "promises",
    params(("id" = String, Path, description = "The proposal's id")),
    responses(
        (status = 200, description = "The proposal", body = DateProposal),
        (status = 404, description = "No such proposal, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_proposal(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<DateProposalId>,
) -> Result<Json<DateProposal>, ApiError> {
    Ok(Json(promises::proposal(&state.app, &caller, id).await?))
}

/// The customer's answer to a proposed date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// Whether they agree to the new date.
    accept: bool,
}

/// A proposal once answered, with the promise after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Answered {
    /// The proposal.
    proposal: DateProposal,
    /// The promise: its date is the proposal's when it was agreed.
    promise: Promise,
}

/// Answers a proposed date, as someone of the request's customer's side.
/// An answered or withdrawn proposal takes no more answers.
#[utoipa::path(post, path = "/promise-proposals/{id}/answer", tag = "promises", request_body = AnswerBody,
    params(("id" = String, Path, description = "The proposal's id")),
    responses(
        (status = 200, description = "Answered", body = Answered),
        (status = 403, description = "Neither of the customer's side nor the requester", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such proposal, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Answered or withdrawn already", body = Problem, content_type = "application/problem+json"),
    ))]
async fn answer_date(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<DateProposalId>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> Result<Json<Answered>, ApiError> {
    let (proposal, promise) = promises::answer(&state.app, &caller, id, body.accept, "api").await?;
    Ok(Json(Answered { proposal, promise }))
}
