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
    CalendarId, Contract, ContractId, Email, Limit, NewContract, Page, PartyId, PartyName,
    Principal, Quorum, ServiceId, UserId,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ArchivedParam;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use kept_app::contracts::scope::{self, ScopeAnswer, ScopeQuestion};
use kept_app::contracts::{Filter, create_as, list, readable_contract, rename, set_intake_address};

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
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
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
    let filter = Filter {
        party_id: params.party_id,
        archived: params.archived.unwrap_or_default().into(),
        cursor: params.cursor,
        limit: Limit::parse("limit", params.limit.unwrap_or(Limit::DEFAULT.get()))?,
    };
    Ok(Json(list(&state.app, &caller, filter).await?))
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

/// A change to a contract: its name, and the address it takes new
/// requests at by email. Its terms, services, customers, calendar and
/// scope change only through change requests.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContract {
    /// A new name.
    #[schema(value_type = Option<String>)]
    name: Option<PartyName>,
    /// The address people mail new requests to (`facilities@example.com`),
    /// unique to this contract; `null` stops taking requests by email.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>, format = Email)]
    intake_address: Option<Option<Email>>,
}

/// Renames a contract, or sets the address it takes new requests at by
/// email (the provider's admins and managers).
#[utoipa::path(patch, path = "/contracts/{id}", tag = "contracts", request_body = UpdateContract,
    params(("id" = String, Path, description = "The contract's id")),
    responses(
        (status = 200, description = "The changed contract", body = Contract),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contract", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another contract takes requests at this intake address (`intake-address-taken`)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_contract(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ContractId>,
    ApiJson(body): ApiJson<UpdateContract>,
) -> Result<Json<Contract>, ApiError> {
    if body.name.is_none() && body.intake_address.is_none() {
        return Err(ApiError::field(
            "body",
            "send a `name`, an `intake_address`, or both",
        ));
    }
    let mut contract = None;
    if let Some(name) = body.name {
        contract = Some(rename(&state.app, &caller, id, name).await?);
    }
    if let Some(address) = body.intake_address {
        contract = Some(set_intake_address(&state.app, &caller, id, address).await?);
    }
    contract.map(Json).ok_or_else(ApiError::not_found)
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
    Ok(Json(
        scope::scope_check(&state.app, &caller, id, body).await?,
    ))
}
