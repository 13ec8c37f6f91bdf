//! `/api/v1/contracts/{id}/terms`: the versions of a contract's terms, the
//! one in force at an instant, and what changed between versions.
//!
//! Everyone who sees the contract sees its terms (a customer's people with
//! only the customers they may see). The provider's managers set the first
//! versions while no terms are in force; after that only applied change
//! requests make versions, and a version in force is never edited.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use kept_domain::{ContractId, Terms, TermsVersion, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{ApiJson, ApiPath, ApiQuery};

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use kept_app::calendars::instant;
use kept_app::terms::{self, DiffLine};

/// The terms routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(terms_in_force))
        .routes(routes!(list_versions, create_version))
        .routes(routes!(update_version))
        .routes(routes!(version_diff))
}

/// When to look.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AtParams {
    /// The instant (RFC 3339); now if left out.
    at: Option<String>,
}

/// The terms version in force at an instant (now by default).
#[utoipa::path(get, path = "/contracts/{id}/terms", tag = "contracts", params(("id" = String, Path, description = "The contract's id"), AtParams),
    responses(
        (status = 200, description = "The version in force", body = TermsVersion),
        (status = 404, description = "No such contract, or no terms in force then", body = Problem, content_type = "application/problem+json"),
    ))]
async fn terms_in_force(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ContractId>,
    ApiQuery(params): ApiQuery<AtParams>,
) -> Result<Json<TermsVersion>, ApiError> {
    let at = match params.at {
        Some(raw) => instant("at", &raw)?,
        None => Timestamp::now(),
    };
    Ok(Json(terms::in_force(&state.app, &caller, id, at).await?))
}

/// Every version of a contract's terms.
#[derive(Debug, Serialize, ToSchema)]
pub struct Versions {
    /// Oldest first.
    items: Vec<TermsVersion>,
}

/// Every version of the contract's terms, oldest first.
#[utoipa::path(get, path = "/contracts/{id}/terms/versions", tag = "contracts", params(("id" = String, Path, description = "The contract's id")),
    responses((status = 200, description = "The versions", body = Versions)))]
async fn list_versions(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ContractId>,
) -> Result<Json<Versions>, ApiError> {
    Ok(Json(Versions {
        items: terms::versions(&state.app, &caller, id).await?,
    }))
}

/// Terms to set, and from when.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTerms {
    /// When they take effect (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    effective_from: Timestamp,
    /// SLA targets, KPIs and the contract's own scope lists.
    #[serde(deserialize_with = "kept_domain::calendar::strict::object")]
    terms: Terms,
}

/// Sets a version of the terms before any is in force (the provider's
/// managers). Once terms are in force, raise a change request instead.
#[utoipa::path(post, path = "/contracts/{id}/terms/versions", tag = "contracts", request_body = SetTerms,
    params(("id" = String, Path, description = "The contract's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "The new version", body = TermsVersion),
        (status = 403, description = "Not a manager of the provider", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Terms are in force: raise a change request", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid terms or effective date", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_version(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ContractId>,
    ApiJson(body): ApiJson<SetTerms>,
) -> Result<impl IntoResponse, ApiError> {
    let version =
        kept_app::terms::create_version(&state.app, &caller, id, body.effective_from, body.terms)
            .await?;
    let location = format!("/api/v1/contracts/{id}/terms/versions/{}", version.version);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(version),
    ))
}

/// Edits the latest version while it is not yet in force and did not come
/// from a change request.
#[utoipa::path(put, path = "/contracts/{id}/terms/versions/{version}", tag = "contracts", request_body = SetTerms,
    params(("id" = String, Path, description = "The contract's id"), ("version" = u32, Path, description = "The version number")),
    responses(
        (status = 200, description = "The edited version", body = TermsVersion),
        (status = 409, description = "The version is in force, or was approved by the steering group", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_version(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath((id, version)): ApiPath<(ContractId, u32)>,
    ApiJson(body): ApiJson<SetTerms>,
) -> Result<Json<TermsVersion>, ApiError> {
    let version = kept_app::terms::update_version(
        &state.app,
        &caller,
        id,
        version,
        body.effective_from,
        body.terms,
    )
    .await?;
    Ok(Json(version))
}

/// What a version changed from the one before it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDiff {
    /// The earlier version (none for the first).
    from: Option<u32>,
    /// This version.
    to: u32,
    /// The differences, each with a sentence.
    changes: Vec<DiffLine>,
}

/// What a version changed from the one before it, in sentences.
#[utoipa::path(get, path = "/contracts/{id}/terms/versions/{version}/diff", tag = "contracts",
    params(("id" = String, Path, description = "The contract's id"), ("version" = u32, Path, description = "The version number")),
    responses(
        (status = 200, description = "The differences", body = VersionDiff),
        (status = 404, description = "No such contract or version", body = Problem, content_type = "application/problem+json"),
    ))]
async fn version_diff(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath((id, version)): ApiPath<(ContractId, u32)>,
) -> Result<Json<VersionDiff>, ApiError> {
    let (from, changes) = terms::version_diff(&state.app, &caller, id, version).await?;
    Ok(Json(VersionDiff {
        from,
        to: version,
        changes,
    }))
}
