//! `/api/v1/links` and the chain walks: who supplies whom.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use kept_domain::chain::MAX_DEPTH;
use kept_domain::{
    ChainGraph, Direction, Limit, Link, LinkId, NewLink, Page, PartyId, PartyKind, Principal,
};
use kept_store::LinkQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ArchivedParam;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use kept_app::links::{make_link, set_link_archived, visible_link};

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
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
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
    let query = LinkQuery {
        scope: caller.party_scope(),
        party_id: params.party_id,
        archived: params.archived.unwrap_or_default().into(),
        cursor: params.cursor,
        limit: Limit::parse("limit", params.limit.unwrap_or(Limit::DEFAULT.get()))?,
    };
    Ok(Json(state.store.list_links(&query).await?))
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
    depth: Option<u32>,
}

/// A party as the chain shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChainParty {
    /// The party's id.
    #[schema(value_type = String, format = Uuid)]
    pub id: PartyId,
    /// Its name.
    pub name: String,
    /// What sort of party.
    pub kind: PartyKind,
}

/// A party reached by a walk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChainStep {
    /// The party reached.
    pub party: ChainParty,
    /// Links away from the start (1: a direct supplier or customer).
    pub depth: u32,
    /// The link by which it was reached.
    #[schema(value_type = String, format = Uuid)]
    pub link_id: LinkId,
    /// The party on the near side of that link.
    #[schema(value_type = String, format = Uuid)]
    pub from_id: PartyId,
}

/// The result of a walk.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainWalk {
    /// Where the walk started.
    pub party: ChainParty,
    /// Which way it went.
    pub direction: Direction,
    /// The parties reached, nearest first.
    pub items: Vec<ChainStep>,
}

/// The parties named by `ids`, in order, as the chain shows them.
pub(crate) async fn chain_parties(
    state: &AppState,
    ids: &[PartyId],
) -> Result<Vec<ChainParty>, ApiError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let p = state.store.party(*id).await?;
        out.push(ChainParty {
            id: p.id,
            name: p.name.as_str().to_owned(),
            kind: p.kind,
        });
    }
    Ok(out)
}

/// Walks the chain the caller may see from a party: upstream from the party
/// and the parties it belongs to (a store is served through its head
/// office's suppliers), or downstream from it.
pub(crate) async fn walk(
    state: &AppState,
    caller: &Principal,
    id: PartyId,
    direction: Direction,
    depth: u32,
) -> Result<ChainWalk, ApiError> {
    let lineage = state.store.lineage(id).await?;
    ApiError::check(caller.read_party(&lineage))?;
    let links = state.store.chain_links(&caller.party_scope()).await?;
    let start = match direction {
        Direction::Upstream => lineage.0.clone(),
        Direction::Downstream => vec![id],
    };
    let reached = ChainGraph::new(&links).walk(&start, direction, depth);
    let ids: Vec<PartyId> = reached.iter().map(|r| r.party_id).collect();
    let parties = chain_parties(state, &ids).await?;
    let party = chain_parties(state, &[id]).await?.remove(0);
    Ok(ChainWalk {
        party,
        direction,
        items: reached
            .iter()
            .zip(parties)
            .map(|(r, party)| ChainStep {
                party,
                depth: r.depth,
                link_id: r.link_id,
                from_id: r.from_id,
            })
            .collect(),
    })
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
    let depth = depth_param(params.depth)?;
    Ok(Json(
        walk(&state, &caller, id, params.direction, depth).await?,
    ))
}

fn depth_param(depth: Option<u32>) -> Result<u32, ApiError> {
    match depth.unwrap_or(MAX_DEPTH) {
        d @ 1..=MAX_DEPTH => Ok(d),
        _ => Err(ApiError::field(
            "depth",
            format!("must be from 1 to {MAX_DEPTH}"),
        )),
    }
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

/// A supplier → customer path.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainPath {
    /// The parties from the one furthest upstream to the one downstream.
    pub path: Vec<ChainParty>,
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
    let mut lineages = Vec::with_capacity(2);
    for id in [params.from, params.to] {
        let lineage = state.store.lineage(id).await?;
        ApiError::check(caller.read_party(&lineage))?;
        lineages.push(lineage);
    }
    let links = state.store.chain_links(&caller.party_scope()).await?;
    let graph = ChainGraph::new(&links);
    // A party nested under a linked one (a participant of a cohort) is
    // reached through the nearest linked party above it.
    let through = |from: PartyId, to: PartyId, lineage: &kept_domain::Lineage| {
        lineage.0.iter().rev().find_map(|above| {
            let mut path = graph.path(from, *above)?;
            if *above != to {
                path.push(to);
            }
            Some(path)
        })
    };
    let path = through(params.from, params.to, &lineages[1])
        .or_else(|| through(params.to, params.from, &lineages[0]))
        .ok_or_else(|| ApiError::not_found().detail("no chain of links joins these parties"))?;
    Ok(Json(ChainPath {
        path: chain_parties(&state, &path).await?,
    }))
}
