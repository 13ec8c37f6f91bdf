//! `/api/v1/parties`: organisations, sites, departments, teams and people.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use kept_domain::{
    Limit, NewParty, Page, Party, PartyId, PartyKind, PartyName, PartyPatch, PartyReference,
    single_line,
};
use kept_store::PartyOrder;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ArchivedParam, double_option};
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use kept_app::parties::{self, PartyFilter, ShownParty};

/// The parties routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_parties, create_party))
        .routes(routes!(get_party, update_party))
        .routes(routes!(archive_party))
        .routes(routes!(restore_party))
}

/// Sort order of a party list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderParam {
    /// Oldest first (the default).
    Created,
    /// By name, ignoring case.
    Name,
}

/// Filters of a party list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only parties of this kind.
    kind: Option<PartyKind>,
    /// Only the direct children of this party.
    parent_id: Option<PartyId>,
    /// Only parties nested at any depth under this one.
    under: Option<PartyId>,
    /// Only internal (`true`) or external (`false`) parties.
    internal: Option<bool>,
    /// Only parties whose name contains this text, ignoring case.
    q: Option<String>,
    /// `active` (default), `archived` or `all`.
    archived: Option<ArchivedParam>,
    /// `created` (default) or `name`.
    order: Option<OrderParam>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// Lists the parties the caller may see: those they reach in full, the
/// organisations above them (context) by id, kind and name only.
#[utoipa::path(get, path = "/parties", tag = "parties", params(ListParams),
    responses(
        (status = 200, description = "A page of parties; those above what you reach by name only", body = Page<ShownParty>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad filter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_parties(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Page<ShownParty>>, ApiError> {
    let filter = PartyFilter {
        kind: params.kind,
        parent_id: params.parent_id,
        under: params.under,
        internal: params.internal,
        search: params.q.map(|q| single_line("q", &q, 200)).transpose()?,
        archived: params.archived.unwrap_or_default().into(),
        order: match params.order {
            Some(OrderParam::Name) => PartyOrder::Name,
            _ => PartyOrder::Created,
        },
        cursor: params.cursor,
        limit: Limit::parse("limit", params.limit.unwrap_or(Limit::DEFAULT.get()))?,
    };
    Ok(Json(
        parties::list_shown(&state.app, &caller, filter).await?,
    ))
}

/// A new party.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateParty {
    /// What sort of party.
    kind: PartyKind,
    /// Its name, 1 to 200 characters.
    #[schema(value_type = String)]
    name: PartyName,
    /// The party it belongs to; sites, departments and teams need one.
    parent_id: Option<PartyId>,
    /// Part of the provider's own organisation; defaults to the parent's flag.
    internal: Option<bool>,
    /// Its identifier in another system, unique.
    #[schema(value_type = Option<String>)]
    reference: Option<PartyReference>,
}

/// Creates a party. Admins create anywhere; managers under the parties they manage.
#[utoipa::path(post, path = "/parties", tag = "parties", request_body = CreateParty,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Created", body = Party),
        (status = 403, description = "Not allowed here", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reference is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_party(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<CreateParty>,
) -> Result<impl IntoResponse, ApiError> {
    let new = NewParty {
        kind: body.kind,
        name: body.name,
        parent_id: body.parent_id,
        internal: body.internal,
        reference: body.reference,
    };
    let party = parties::create(&state.app, &caller, new).await?;
    let location = format!("/api/v1/parties/{}", party.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(party),
    ))
}

/// Reads one party: in full if you reach it, by id, kind and name only if
/// it is above what you reach (your site's head office, say).
#[utoipa::path(get, path = "/parties/{id}", tag = "parties", params(("id" = String, Path, description = "The party's id")),
    responses(
        (status = 200, description = "The party", body = ShownParty),
        (status = 404, description = "No such party, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_party(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<PartyId>,
) -> Result<Json<ShownParty>, ApiError> {
    Ok(Json(parties::read(&state.app, &caller, id).await?))
}

/// A change to a party; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateParty {
    /// A new name.
    #[schema(value_type = Option<String>)]
    name: Option<PartyName>,
    /// A new parent; `null` moves the party to the top (admins only).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    parent_id: Option<Option<PartyId>>,
    /// A new internal flag.
    internal: Option<bool>,
    /// A new reference; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    reference: Option<Option<PartyReference>>,
}

/// Changes a party: rename, move, flag or re-reference it.
#[utoipa::path(patch, path = "/parties/{id}", tag = "parties", request_body = UpdateParty,
    params(("id" = String, Path, description = "The party's id")),
    responses(
        (status = 200, description = "The changed party", body = Party),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such party", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another party has the reference", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or a move that would make a cycle", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_party(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<PartyId>,
    ApiJson(body): ApiJson<UpdateParty>,
) -> Result<Json<Party>, ApiError> {
    let patch = PartyPatch {
        name: body.name,
        parent_id: body.parent_id,
        internal: body.internal,
        reference: body.reference,
    };
    Ok(Json(parties::update(&state.app, &caller, id, patch).await?))
}

/// Archives a party: hidden from lists, kept for history. Refused while
/// active parties or an active login sit under it.
#[utoipa::path(post, path = "/parties/{id}/archive", tag = "parties",
    params(("id" = String, Path, description = "The party's id")),
    responses(
        (status = 200, description = "The archived party", body = Party),
        (status = 409, description = "Active parties or a login under it", body = Problem, content_type = "application/problem+json"),
    ))]
async fn archive_party(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<PartyId>,
) -> Result<Json<Party>, ApiError> {
    Ok(Json(parties::archive(&state.app, &caller, id).await?))
}

/// Restores an archived party (its parent must be active).
#[utoipa::path(post, path = "/parties/{id}/restore", tag = "parties",
    params(("id" = String, Path, description = "The party's id")),
    responses(
        (status = 200, description = "The restored party", body = Party),
        (status = 409, description = "The parent is archived", body = Problem, content_type = "application/problem+json"),
    ))]
async fn restore_party(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<PartyId>,
) -> Result<Json<Party>, ApiError> {
    Ok(Json(parties::restore(&state.app, &caller, id).await?))
}
