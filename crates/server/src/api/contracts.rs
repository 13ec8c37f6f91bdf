//! `/api/v1/contracts`: who provides, who placed it, who is served, which
//! services, on which calendar, steered by whom.
//!
//! Tenancy: the provider's and the client's people see the whole contract;
//! a customer's people see it with only the customers they may see; the
//! steering group sees the contracts they steer.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use kept_domain::{
    CalendarId, Contract, ContractChanges, ContractId, Limit, NewContract, Page, PartyId,
    PartyName, Principal, Quorum, ScopeCheck, ScopeOutcome, ServiceId, Timestamp, UserId,
    check_scope, single_line,
};
use kept_store::{ContractQuery, StoreError};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ArchivedParam;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use kept_app::contracts::{as_seen_by, create_as, readable_contract, rename};

/// The contracts routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contracts, create_contract))
        .routes(routes!(get_contract, update_contract))
        .routes(routes!(archive_contract))
        .routes(routes!(restore_contract))
        .routes(routes!(scope_check))
}

/// Filters of a contract list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only contracts where this party is provider, client or a customer.
    party_id: Option<PartyId>,
    /// `active` (default), `archived` (ended) or `all`.
    archived: Option<ArchivedParam>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// Lists the contracts the caller may see, by name.
#[utoipa::path(get, path = "/contracts", tag = "contracts", params(ListParams),
    responses((status = 200, description = "A page of contracts", body = Page<Contract>)))]
async fn list_contracts(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Page<Contract>>, ApiError> {
    let query = ContractQuery {
        party_id: params.party_id,
        archived: params.archived.unwrap_or_default().into(),
        cursor: params.cursor,
        limit: Limit::parse("limit", params.limit.unwrap_or(Limit::DEFAULT.get()))?,
        ..ContractQuery::new(caller.party_scope(), Some(caller.user_id))
    };
    let page = state.store.list_contracts(&query).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for c in page.items {
        items.push(as_seen_by(&state.app, &caller, c).await?);
    }
    Ok(Json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// A new contract.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContract {
    /// Its name, 1 to 200 characters.
    #[schema(value_type = String)]
    name: PartyName,
    /// The provider (you must manage it).
    provider_id: PartyId,
    /// The client: the party that placed the contract.
    client_id: PartyId,
    /// The customers served: one or many parties.
    customer_ids: Vec<PartyId>,
    /// Services from the provider's catalog.
    #[serde(default)]
    service_ids: Vec<ServiceId>,
    /// The business calendar its clocks run on.
    calendar_id: Option<CalendarId>,
    /// The last day of the probation period (YYYY-MM-DD).
    #[schema(value_type = Option<String>, format = Date)]
    probation_ends_on: Option<jiff::civil::Date>,
    /// The users who approve change requests.
    steering_group: Vec<UserId>,
    /// `all`, `majority`, or the number of approvals needed (as text).
    #[schema(value_type = String, example = "majority")]
    quorum: Quorum,
}

/// Records a contract. Admins, and managers of the provider who can see the
/// client and every customer.
#[utoipa::path(post, path = "/contracts", tag = "contracts", request_body = CreateContract,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Recorded", body = Contract),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or unknown parties, services, calendar or users", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_contract(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<CreateContract>,
) -> Result<impl IntoResponse, ApiError> {
    let new = NewContract {
        name: body.name,
        provider_id: body.provider_id,
        client_id: body.client_id,
        customer_ids: body.customer_ids,
        service_ids: body.service_ids,
        calendar_id: body.calendar_id,
        probation_ends_on: body.probation_ends_on,
        steering_group: body.steering_group,
        quorum: body.quorum,
    };
    let contract = create_as(&state.app, &caller, new).await?;
    let location = format!("/api/v1/contracts/{}", contract.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(contract),
    ))
}

/// Reads one contract (a customer's people see only their own customers).
#[utoipa::path(get, path = "/contracts/{id}", tag = "contracts", params(("id" = String, Path, description = "The contract's id")),
    responses(
        (status = 200, description = "The contract", body = Contract),
        (status = 404, description = "No such contract, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_contract(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ContractId>,
) -> Result<Json<Contract>, ApiError> {
    Ok(Json(readable_contract(&state.app, &caller, id).await?))
}

/// A change to a contract. Its terms, services, customers, calendar and
/// scope change only through change requests.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContract {
    /// A new name.
    #[schema(value_type = String)]
    name: PartyName,
}

/// Renames a contract.
#[utoipa::path(patch, path = "/contracts/{id}", tag = "contracts", request_body = UpdateContract,
    params(("id" = String, Path, description = "The contract's id")),
    responses(
        (status = 200, description = "The renamed contract", body = Contract),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contract", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_contract(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ContractId>,
    ApiJson(body): ApiJson<UpdateContract>,
) -> Result<Json<Contract>, ApiError> {
    Ok(Json(rename(&state.app, &caller, id, body.name).await?))
}

async fn set_archived(
    state: &AppState,
    caller: &Principal,
    id: ContractId,
    archived: bool,
) -> Result<Json<Contract>, ApiError> {
    Ok(Json(
        kept_app::contracts::set_archived(&state.app, caller, id, archived).await?,
    ))
}

/// Ends a contract.
#[utoipa::path(post, path = "/contracts/{id}/archive", tag = "contracts", params(("id" = String, Path, description = "The contract's id")),
    responses((status = 200, description = "The ended contract", body = Contract)))]
async fn archive_contract(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ContractId>,
) -> Result<Json<Contract>, ApiError> {
    set_archived(&state, &caller, id, true).await
}

/// Restores an ended contract.
#[utoipa::path(post, path = "/contracts/{id}/restore", tag = "contracts", params(("id" = String, Path, description = "The contract's id")),
    responses((status = 200, description = "The restored contract", body = Contract)))]
async fn restore_contract(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ContractId>,
) -> Result<Json<Contract>, ApiError> {
    set_archived(&state, &caller, id, false).await
}

/// What to check against a contract.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeQuestion {
    /// The party the request is for (a site, or a person at one).
    customer_id: PartyId,
    /// The service asked for.
    service_id: ServiceId,
    /// What the request is about, in free text (matched against the
    /// service's out-of-scope list).
    subject: Option<String>,
}

/// How the contract could come to cover a request: a change request to
/// raise, with a proposal to start from.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Offer {
    /// What to do, in a sentence.
    pub message: String,
    /// Where to raise it: `POST` a change request here.
    pub raise_change_request: String,
    /// The `changes` of a change request that would cover it.
    pub proposal: ContractChanges,
}

/// The answer, and what to do when the contract does not cover it.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ScopeAnswer {
    /// Covered, not covered or out of scope, with the reason.
    #[serde(flatten)]
    pub check: ScopeCheck,
    /// The terms version the answer used, if terms are in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms_version: Option<u32>,
    /// When not covered: how the contract could come to cover it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer: Option<Offer>,
}

/// Says whether a request for this customer and service (and subject) is
/// covered by the contract, not covered, or explicitly out of scope.
#[utoipa::path(post, path = "/contracts/{id}/scope-check", tag = "contracts", request_body = ScopeQuestion,
    params(("id" = String, Path, description = "The contract's id")),
    responses(
        (status = 200, description = "The answer with its reason", body = ScopeAnswer),
        (status = 404, description = "No such contract", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown customer or service", body = Problem, content_type = "application/problem+json"),
    ))]
async fn scope_check(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ContractId>,
    ApiJson(body): ApiJson<ScopeQuestion>,
) -> Result<Json<ScopeAnswer>, ApiError> {
    let contract = state
        .store
        .visible_contract(id, &caller.party_scope(), Some(caller.user_id))
        .await?;
    let subject = body
        .subject
        .map(|s| single_line("subject", &s, 500))
        .transpose()?;
    let lineage = match state.store.lineage(body.customer_id).await {
        Ok(lineage) if caller.read_party(&lineage).is_allowed() => lineage,
        Ok(_) | Err(StoreError::NotFound) => {
            return Err(ApiError::field("customer_id", "no such party"));
        }
        Err(e) => return Err(e.into()),
    };
    let customer = state.store.party(body.customer_id).await?;
    let service = match state.store.service(body.service_id).await {
        Err(StoreError::NotFound) => return Err(ApiError::field("service_id", "no such service")),
        other => other?,
    };
    let terms = state.store.terms_at(id, Timestamp::now()).await?;
    let check = check_scope(
        &contract,
        &lineage,
        customer.name.as_str(),
        &service,
        terms.as_ref().map(|v| &v.terms),
        subject.as_deref(),
    );
    let proposal = match check.outcome {
        ScopeOutcome::Covered => None,
        ScopeOutcome::NotCovered
            if !lineage.0.iter().any(|p| contract.customer_ids.contains(p)) =>
        {
            Some(ContractChanges {
                add_customers: vec![body.customer_id],
                ..ContractChanges::default()
            })
        }
        ScopeOutcome::NotCovered => Some(ContractChanges {
            add_services: vec![service.id],
            ..ContractChanges::default()
        }),
        ScopeOutcome::OutOfScope => {
            let mut next = terms.as_ref().map(|v| v.terms.clone()).unwrap_or_default();
            if let Some(item) = &check.matched {
                next.out_of_scope.retain(|i| i != item);
                next.in_scope.push(item.clone());
            }
            Some(ContractChanges {
                terms: Some(next),
                ..ContractChanges::default()
            })
        }
    };
    let offer = proposal.map(|proposal| Offer {
        message: format!(
            "Raise a change request on {} to cover it; its steering group decides.",
            contract.name
        ),
        raise_change_request: format!("/api/v1/contracts/{id}/change-requests"),
        proposal,
    });
    Ok(Json(ScopeAnswer {
        check,
        terms_version: terms.map(|v| v.version),
        offer,
    }))
}
