//! `/api/v1/services`: the service catalog.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    Limit, NewService, Page, PartyId, PartyName, Service, ServiceDetails, ServiceId, Targets,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ArchivedParam, double_option};
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use kept_app::services::{self, ServiceChange, ServiceFilter};
use kept_domain::order::Ordering;

/// The services routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_services, create_service))
        .routes(routes!(get_service, update_service))
        .routes(routes!(archive_service))
        .routes(routes!(restore_service))
}

/// Filters of a service list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this provider's services.
    provider_id: Option<PartyId>,
    /// `active` (default), `archived` (withdrawn) or `all`.
    archived: Option<ArchivedParam>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// Lists the services of providers the caller may see, by name.
#[utoipa::path(get, path = "/services", tag = "services", params(ListParams),
    responses((status = 200, description = "A page of services", body = Page<Service>)))]
async fn list_services(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Page<Service>>, ApiError> {
    let filter = ServiceFilter {
        provider_id: params.provider_id,
        archived: params.archived.unwrap_or_default().into(),
        cursor: params.cursor,
        limit: Limit::parse("limit", params.limit.unwrap_or(Limit::DEFAULT.get()))?,
    };
    Ok(Json(services::list(&state.app, &caller, filter).await?))
}

/// A new service.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateService {
    /// The party that offers it (you must manage it).
    provider_id: PartyId,
    /// Its name, 1 to 200 characters.
    #[schema(value_type = String)]
    name: PartyName,
    /// What it is, up to 4,000 characters.
    #[serde(default)]
    description: String,
    /// Unit of measure ("box", "visit").
    unit: Option<String>,
    /// Units in a pack, at least 1.
    pack_size: Option<u32>,
    /// What it covers, one item per entry.
    #[serde(default)]
    in_scope: Vec<String>,
    /// What it does not cover.
    #[serde(default)]
    out_of_scope: Vec<String>,
    /// Typical effort, such as `2h`.
    #[schema(value_type = Option<String>, example = "2h")]
    default_effort: Option<BusinessDuration>,
    /// Default service levels.
    #[serde(default, deserialize_with = "kept_domain::calendar::strict::object")]
    default_targets: Targets,
    /// The team new requests are assigned to: one of the provider's teams.
    default_team_id: Option<PartyId>,
    /// How it is ordered: a line's maximum, whole units only, a unit's
    /// size, and the quantity check's thresholds (defaults when absent).
    #[serde(default)]
    ordering: Ordering,
}

/// Adds a service to the catalog. Admins, and managers of the provider.
#[utoipa::path(post, path = "/services", tag = "services", request_body = CreateService,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Added", body = Service),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_service(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<CreateService>,
) -> Result<impl IntoResponse, ApiError> {
    let new = NewService {
        provider_id: body.provider_id,
        name: body.name,
        details: ServiceDetails {
            description: body.description,
            unit: body.unit,
            pack_size: body.pack_size,
            in_scope: body.in_scope,
            out_of_scope: body.out_of_scope,
            default_effort: body.default_effort,
            default_targets: body.default_targets,
            default_team_id: body.default_team_id,
            ordering: body.ordering,
        },
    };
    let service = services::create(&state.app, &caller, new).await?;
    let location = format!("/api/v1/services/{}", service.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(service),
    ))
}

/// Reads one service: its provider's people (and those who see the
/// provider) and, read-only, the people of a contract that lists it.
#[utoipa::path(get, path = "/services/{id}", tag = "services", params(("id" = String, Path, description = "The service's id")),
    responses(
        (status = 200, description = "The service", body = Service),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_service(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ServiceId>,
) -> Result<Json<Service>, ApiError> {
    Ok(Json(
        services::readable_service(&state.app, &caller, id).await?,
    ))
}

/// A change to a service; absent fields stay as they are, `null` clears an
/// optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateService {
    /// A new name.
    #[schema(value_type = Option<String>)]
    name: Option<PartyName>,
    /// A new description.
    description: Option<String>,
    /// A new unit; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    unit: Option<Option<String>>,
    /// A new pack size; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u32>)]
    pack_size: Option<Option<u32>>,
    /// A new in-scope list, replacing the old one.
    in_scope: Option<Vec<String>>,
    /// A new out-of-scope list, replacing the old one.
    out_of_scope: Option<Vec<String>>,
    /// A new typical effort; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    default_effort: Option<Option<BusinessDuration>>,
    /// New default service levels, replacing the old ones.
    #[serde(
        default,
        deserialize_with = "kept_domain::calendar::strict::option_object"
    )]
    default_targets: Option<Targets>,
    /// A new default team (one of the provider's teams); `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    default_team_id: Option<Option<PartyId>>,
    /// How it is ordered, replacing the old settings whole.
    ordering: Option<Ordering>,
}

/// Changes a service: name, description, units, scope lists or defaults.
#[utoipa::path(patch, path = "/services/{id}", tag = "services", request_body = UpdateService,
    params(("id" = String, Path, description = "The service's id")),
    responses(
        (status = 200, description = "The changed service", body = Service),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_service(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ServiceId>,
    ApiJson(body): ApiJson<UpdateService>,
) -> Result<Json<Service>, ApiError> {
    let change = ServiceChange {
        name: body.name,
        description: body.description,
        unit: body.unit,
        pack_size: body.pack_size,
        in_scope: body.in_scope,
        out_of_scope: body.out_of_scope,
        default_effort: body.default_effort,
        default_targets: body.default_targets,
        default_team_id: body.default_team_id,
        ordering: body.ordering,
    };
    Ok(Json(
        services::update(&state.app, &caller, id, change).await?,
    ))
}

/// Withdraws a service from the catalog.
#[utoipa::path(post, path = "/services/{id}/archive", tag = "services", params(("id" = String, Path, description = "The service's id")),
    responses((status = 200, description = "The withdrawn service", body = Service)))]
async fn archive_service(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ServiceId>,
) -> Result<Json<Service>, ApiError> {
    Ok(Json(services::archive(&state.app, &caller, id).await?))
}

/// Offers a withdrawn service again.
#[utoipa::path(post, path = "/services/{id}/restore", tag = "services", params(("id" = String, Path, description = "The service's id")),
    responses((status = 200, description = "The service", body = Service)))]
async fn restore_service(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ServiceId>,
) -> Result<Json<Service>, ApiError> {
    Ok(Json(services::restore(&state.app, &caller, id).await?))
}
