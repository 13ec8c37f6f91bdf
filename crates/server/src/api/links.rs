//! `/api/v1/links` and the chain walks: who supplies whom.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use kept_domain::{Direction, Limit, Link, LinkId, NewLink, Page, PartyId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ArchivedParam;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use kept_app::links::{
    self, ChainPath, ChainWalk, LinkFilter, make_link, set_link_archived, visible_link,
};

/// The links and chain routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_links, create_link))
        .routes(routes!(get_link))
        .routes(routes!(archive_link))
        .routes(routes!(restore_link))
        .routes(routes!(party_chain))
        .routes(routes!(chain_path))
}

/// Filters of a link list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only links where this party is supplier or customer.
    party_id: Option<PartyId>,
    /// `active` (default), `archived` (ended links) or `all`.
    archived: Option<ArchivedParam>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// Lists the links the caller may see: those with either party visible.
#[utoipa::path(get, path = "/links", tag = "chain", params(ListParams),
    responses(
        (status = 200, description = "A page of links", body = Page<Link>),
        (status = 422, description = "A bad filter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_links(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Page<Link>>, ApiError> {
    let filter = LinkFilter {
        party_id: params.party_id,
        archived: params.archived.unwrap_or_default().into(),
        cursor: params.cursor,
        limit: Limit::parse("limit", params.limit.unwrap_or(Limit::DEFAULT.get()))?,
    };
    Ok(Json(links::list(&state.app, &caller, filter).await?))
}

/// A new link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLink {
    /// The party that provides.
    supplier_id: PartyId,
    /// The party that is served.
    customer_id: PartyId,
    /// What flows along the link, up to 200 characters.
    label: Option<String>,
}

/// Links a supplier to a customer. Admins, and managers of either party
/// who can see the other.
/// A link that would close a loop is refused (`chain-cycle`).
#[utoipa::path(post, path = "/links", tag = "chain", request_body = CreateLink,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Linked", body = Link),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A loop, or already linked", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown parties or a self-link", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_link(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<CreateLink>,
) -> Result<impl IntoResponse, ApiError> {
    let new = NewLink::new(body.supplier_id, body.customer_id, body.label.as_deref())?;
    let link = make_link(&state.app, &caller, new).await?;
    let location = format!("/api/v1/links/{}", link.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(link),
    ))
}

/// Reads one link.
#[utoipa::path(get, path = "/links/{id}", tag = "chain", params(("id" = String, Path, description = "The link's id")),
    responses(
        (status = 200, description = "The link", body = Link),
        (status = 404, description = "No such link, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_link(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<LinkId>,
) -> Result<Json<Link>, ApiError> {
    Ok(Json(visible_link(&state.app, &caller, id).await?.0))
}

/// Ends a link: it stays in the history but no longer counts in the chain.
#[utoipa::path(post, path = "/links/{id}/archive", tag = "chain", params(("id" = String, Path, description = "The link's id")),
    responses(
        (status = 200, description = "The ended link", body = Link),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such link", body = Problem, content_type = "application/problem+json"),
    ))]
async fn archive_link(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<LinkId>,
) -> Result<Json<Link>, ApiError> {
    Ok(Json(
        set_link_archived(&state.app, &caller, id, true).await?,
    ))
}

/// Restores an ended link, unless it would now close a loop.
#[utoipa::path(post, path = "/links/{id}/restore", tag = "chain", params(("id" = String, Path, description = "The link's id")),
    responses(
        (status = 200, description = "The restored link", body = Link),
        (status = 409, description = "It would close a loop, or the parties are linked again", body = Problem, content_type = "application/problem+json"),
    ))]
async fn restore_link(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<LinkId>,
) -> Result<Json<Link>, ApiError> {
    Ok(Json(
        set_link_archived(&state.app, &caller, id, false).await?,
    ))
}

/// Options of a chain walk.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChainParams {
    /// `upstream` (towards suppliers) or `downstream` (towards customers).
    direction: Direction,
    /// How many links to follow, 1 to 32 (default 32).
    #[param(minimum = 1, maximum = 32)]
    depth: Option<u32>,
}

/// The parties upstream (suppliers, their suppliers…) or downstream
/// (customers, their customers…) of a party, by the links the caller may see.
#[utoipa::path(get, path = "/parties/{id}/chain", tag = "chain",
    params(("id" = String, Path, description = "The party's id"), ChainParams),
    responses(
        (status = 200, description = "The walk", body = ChainWalk),
        (status = 404, description = "No such party", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad direction or depth", body = Problem, content_type = "application/problem+json"),
    ))]
async fn party_chain(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<PartyId>,
    ApiQuery(params): ApiQuery<ChainParams>,
) -> Result<Json<ChainWalk>, ApiError> {
    let walk = links::walk(&state.app, &caller, id, params.direction, params.depth).await?;
    Ok(Json(walk))
}

/// The two ends of a path.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PathParams {
    /// One party.
    from: PartyId,
    /// The other.
    to: PartyId,
}

/// The shortest supplier → customer path between two parties, in whichever
/// direction it runs, by the links the caller may see; 404 if none.
#[utoipa::path(get, path = "/chain/path", tag = "chain", params(PathParams),
    responses(
        (status = 200, description = "The path, upstream end first", body = ChainPath),
        (status = 404, description = "No path, or a party you may not see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn chain_path(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<PathParams>,
) -> Result<Json<ChainPath>, ApiError> {
    Ok(Json(
        links::path(&state.app, &caller, params.from, params.to).await?,
    ))
}
