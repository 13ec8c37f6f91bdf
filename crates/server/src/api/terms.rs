//! `/api/v1/contracts/{id}/terms`: the versions of a contract's terms, the
//! one in force at an instant, and what changed between versions.
//!
//! Everyone who sees the contract sees its terms (a customer's people with
//! only the customers they may see). The provider's managers set the first
//! versions while no terms are in force; after that only applied change
//! requests make versions, and a version in force is never edited.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use kept_domain::{
    Actor, CalendarId, ContractId, Covered, Difference, Names, PartyId, Principal, ServiceId,
    Terms, TermsVersion, Timestamp, diff_versions,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::contracts::{check_manage, readable_contract, readable_parties, sees_all};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::instant;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// The terms routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(terms_in_force))
        .routes(routes!(list_versions, create_version))
        .routes(routes!(update_version))
        .routes(routes!(version_diff))
}

/// A version as the caller may see it: customers they may not see left out.
pub(crate) async fn version_as_seen(
    state: &AppState,
    caller: &Principal,
    all: bool,
    mut v: TermsVersion,
) -> Result<TermsVersion, ApiError> {
    if !all {
        v.customer_ids = readable_parties(state, caller, v.customer_ids).await?;
    }
    Ok(v)
}

/// Names for the parties, services and calendars differences mention.
pub(crate) struct NameBook {
    parties: HashMap<PartyId, String>,
    services: HashMap<ServiceId, String>,
    calendars: HashMap<CalendarId, String>,
}

impl Names for NameBook {
    fn party(&self, id: PartyId) -> String {
        self.parties
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
    fn service(&self, id: ServiceId) -> String {
        self.services
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
    fn calendar(&self, id: CalendarId) -> String {
        self.calendars
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

impl NameBook {
    /// Looks up every name the differences mention.
    pub(crate) async fn for_differences(
        state: &AppState,
        differences: &[Difference],
    ) -> Result<Self, ApiError> {
        let mut book = Self {
            parties: HashMap::new(),
            services: HashMap::new(),
            calendars: HashMap::new(),
        };
        let mut parties = Vec::new();
        for d in differences {
            match d {
                Difference::Customer { party_id, .. } => parties.push(*party_id),
                Difference::Service { service_id, .. } | Difference::Sla { service_id, .. } => {
                    if !book.services.contains_key(service_id) {
                        let s = state.store.service(*service_id).await?;
                        book.services
                            .insert(*service_id, s.name.as_str().to_owned());
                    }
                }
                Difference::Calendar { from, to } => {
                    for id in from.iter().chain(to) {
                        let c = state.store.calendar(*id).await?;
                        book.calendars.insert(*id, c.name.as_str().to_owned());
                    }
                }
                Difference::Kpi { .. } | Difference::Scope { .. } => {}
            }
        }
        book.parties = state
            .store
            .party_names(&parties)
            .await?
            .into_iter()
            .map(|(id, n)| (id, n.as_str().to_owned()))
            .collect();
        Ok(book)
    }
}

/// One difference between versions, with its reading.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffLine {
    /// What kind of change: `sla`, `kpi`, `customer`, `service`,
    /// `calendar` or `scope`.
    #[schema(value_type = Object)]
    #[serde(flatten)]
    pub difference: serde_json::Value,
    /// The change in a sentence.
    pub description: String,
}

/// The differences from `old` to `new` that the caller may see, readable.
pub(crate) async fn readable_diff(
    state: &AppState,
    visible_customers: Option<&[PartyId]>,
    old: Covered<'_>,
    new: Covered<'_>,
) -> Result<Vec<DiffLine>, ApiError> {
    let differences: Vec<Difference> = diff_versions(old, new)
        .into_iter()
        .filter(|d| visible_customers.is_none_or(|v| !d.is_about_other_customer(v)))
        .collect();
    diff_lines(state, differences).await
}

/// Differences in sentences.
pub(crate) async fn diff_lines(
    state: &AppState,
    differences: Vec<Difference>,
) -> Result<Vec<DiffLine>, ApiError> {
    let names = NameBook::for_differences(state, &differences).await?;
    differences
        .into_iter()
        .map(|d| {
            Ok(DiffLine {
                description: d.describe(&names),
                difference: serde_json::to_value(&d).map_err(ApiError::internal)?,
            })
        })
        .collect()
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
    let contract = readable_contract(&state, &caller, id).await?;
    let at = match params.at {
        Some(raw) => instant("at", &raw)?,
        None => Timestamp::now(),
    };
    let version =
        state.store.terms_at(id, at).await?.ok_or_else(|| {
            ApiError::not_found().detail(format!("no terms were in force at {at}"))
        })?;
    let all = sees_all(&state, &caller, &contract).await?;
    Ok(Json(version_as_seen(&state, &caller, all, version).await?))
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
    let contract = readable_contract(&state, &caller, id).await?;
    let all = sees_all(&state, &caller, &contract).await?;
    let mut items = Vec::new();
    for v in state.store.terms_versions(id).await? {
        items.push(version_as_seen(&state, &caller, all, v).await?);
    }
    Ok(Json(Versions { items }))
}

/// Terms to set, and from when.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTerms {
    /// When they take effect (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    effective_from: Timestamp,
    /// SLA targets, KPIs and the contract's own scope lists.
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
    let contract = readable_contract(&state, &caller, id).await?;
    check_manage(&state, &caller, &contract).await?;
    let version = state
        .store
        .create_terms_version(&Actor::user(&caller), id, body.effective_from, body.terms)
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
    let contract = readable_contract(&state, &caller, id).await?;
    check_manage(&state, &caller, &contract).await?;
    let version = state
        .store
        .update_terms_version(
            &Actor::user(&caller),
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
    let contract = readable_contract(&state, &caller, id).await?;
    let all = sees_all(&state, &caller, &contract).await?;
    let versions = state.store.terms_versions(id).await?;
    let at = versions
        .iter()
        .position(|v| v.version == version)
        .ok_or_else(ApiError::not_found)?;
    let empty = Terms::default();
    let old = match at.checked_sub(1).and_then(|i| versions.get(i)) {
        Some(v) => Covered::from(v),
        None => Covered {
            terms: &empty,
            customer_ids: &[],
            service_ids: &[],
            calendar_id: None,
        },
    };
    let visible = if all {
        None
    } else {
        Some(contract.customer_ids.clone())
    };
    let changes = readable_diff(
        &state,
        visible.as_deref(),
        old,
        Covered::from(&versions[at]),
    )
    .await?;
    Ok(Json(VersionDiff {
        from: at.checked_sub(1).map(|i| versions[i].version),
        to: version,
        changes,
    }))
}
