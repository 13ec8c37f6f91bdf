//! Supplier → customer links: listing, making, ending and restoring them
//! as the domain's link policy allows (`Principal::make_link`,
//! `change_link`), a loop refusal named in the parties the caller may see,
//! and the chain's walks and paths.

use crate::Context;
use crate::error::{Error, Kind};
use kept_domain::chain::MAX_DEPTH;
use kept_domain::{
    Access, Actor, ChainGraph, Direction, Limit, Lineage, Link, LinkAccess, LinkId, NewLink, Page,
    PartyId, PartyKind, Principal,
};
use kept_store::{ArchivedFilter, LinkQuery, StoreError};
use serde::Serialize;

/// A party's lineage, or `None` if there is no such party.
async fn lineage_if_any(ctx: &Context, id: PartyId) -> Result<Option<Lineage>, Error> {
    match ctx.store.lineage(id).await {
        Ok(lineage) => Ok(Some(lineage)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Fails unless the caller may make the link (see
/// [`Principal::make_link`]): a party they may not see is reported as
/// missing, on its field.
pub async fn check_may_make(ctx: &Context, caller: &Principal, new: &NewLink) -> Result<(), Error> {
    let supplier = lineage_if_any(ctx, new.supplier_id).await?;
    let customer = lineage_if_any(ctx, new.customer_id).await?;
    match caller.make_link(supplier.as_ref(), customer.as_ref()) {
        LinkAccess::Allowed => Ok(()),
        LinkAccess::Forbidden => Err(Error::new(Kind::Forbidden)),
        LinkAccess::Hidden(end) => Err(Error::field(end.field(), "no such party")),
    }
}

/// Whether the caller may end or restore a link (see
/// [`Principal::change_link`]), the link being one they see.
pub async fn may_change_link(
    ctx: &Context,
    caller: &Principal,
    link: &Link,
) -> Result<Access, Error> {
    let supplier = ctx.store.lineage(link.supplier_id).await?;
    let customer = ctx.store.lineage(link.customer_id).await?;
    Ok(caller.change_link(&supplier, &customer))
}

/// Turns a loop refusal into a problem that names the parties on the path,
/// those the caller may not see only as such.
pub async fn describe_link_error(ctx: &Context, caller: &Principal, error: StoreError) -> Error {
    let StoreError::ChainCycle(path) = error else {
        return error.into();
    };
    let names = ctx.store.party_names(&path).await.unwrap_or_default();
    let mut text = Vec::with_capacity(path.len());
    for id in &path {
        let visible = match ctx.store.lineage(*id).await {
            Ok(lineage) => caller.read_party(&lineage).is_allowed(),
            Err(_) => false,
        };
        let name = names
            .iter()
            .find(|(n, _)| n == id)
            .map(|(_, name)| name.as_str().to_owned());
        text.push(match (visible, name) {
            (true, Some(name)) => name,
            _ => "a party you cannot see".to_owned(),
        });
    }
    Error::new(Kind::ChainCycle).detail(format!(
        "{} already supplies {} through the chain, so the link would close the loop {}",
        text.get(1).cloned().unwrap_or_default(),
        text.first().cloned().unwrap_or_default(),
        text.join(" → ")
    ))
}

/// Makes a link if the caller may (see [`check_may_make`]).
pub async fn make_link(ctx: &Context, caller: &Principal, new: NewLink) -> Result<Link, Error> {
    check_may_make(ctx, caller, &new).await?;
    match ctx.store.create_link(&Actor::user(caller), new).await {
        Ok(link) => Ok(link),
        Err(e) => Err(describe_link_error(ctx, caller, e).await),
    }
}

/// Loads a link the caller may see (404 otherwise) and their access to it.
pub async fn visible_link(
    ctx: &Context,
    caller: &Principal,
    id: LinkId,
) -> Result<(Link, Access), Error> {
    // Visible exactly when the store would list it for this caller.
    let link = ctx.store.visible_link(id, &caller.party_scope()).await?;
    let access = may_change_link(ctx, caller, &link).await?;
    Ok((link, access))
}

/// Ends or restores a link if the caller may change it.
pub async fn set_link_archived(
    ctx: &Context,
    caller: &Principal,
    id: LinkId,
    archived: bool,
) -> Result<Link, Error> {
    Error::check(visible_link(ctx, caller, id).await?.1)?;
    match ctx
        .store
        .set_link_archived(&Actor::user(caller), id, archived)
        .await
    {
        Ok(link) => Ok(link),
        Err(e) => Err(describe_link_error(ctx, caller, e).await),
    }
}

/// Which links to list: a [`LinkQuery`] without its scope, which is the
/// caller's (links with either party visible).
#[derive(Debug, Clone, Default)]
pub struct LinkFilter {
    /// Only links where this party is supplier or customer.
    pub party_id: Option<PartyId>,
    /// Active, ended or both.
    pub archived: ArchivedFilter,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

/// A page of the links the caller may see.
pub async fn list(
    ctx: &Context,
    caller: &Principal,
    filter: LinkFilter,
) -> Result<Page<Link>, Error> {
    let query = LinkQuery {
        scope: caller.party_scope(),
        party_id: filter.party_id,
        archived: filter.archived,
        cursor: filter.cursor,
        limit: filter.limit,
    };
    Ok(ctx.store.list_links(&query).await?)
}

/// A party as the chain shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainParty {
    /// The party's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: PartyId,
    /// Its name.
    pub name: String,
    /// What sort of party.
    pub kind: PartyKind,
}

/// A party reached by a walk.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainStep {
    /// The party reached.
    pub party: ChainParty,
    /// Links away from the start (1: a direct supplier or customer).
    pub depth: u32,
    /// The link by which it was reached.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub link_id: LinkId,
    /// The party on the near side of that link.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub from_id: PartyId,
}

/// The result of a walk.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainWalk {
    /// Where the walk started.
    pub party: ChainParty,
    /// Which way it went.
    pub direction: Direction,
    /// The parties reached, nearest first.
    pub items: Vec<ChainStep>,
}

/// A supplier → customer path.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainPath {
    /// The parties from the one furthest upstream to the one downstream.
    pub path: Vec<ChainParty>,
}

/// The parties named by `ids`, in order, as the chain shows them.
async fn chain_parties(ctx: &Context, ids: &[PartyId]) -> Result<Vec<ChainParty>, Error> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let p = ctx.store.party(*id).await?;
        out.push(ChainParty {
            id: p.id,
            name: p.name.as_str().to_owned(),
            kind: p.kind,
        });
    }
    Ok(out)
}

/// How many links a walk follows: 1 to [`MAX_DEPTH`], all of them if not
/// given.
fn walk_depth(depth: Option<u32>) -> Result<u32, Error> {
    match depth.unwrap_or(MAX_DEPTH) {
        d @ 1..=MAX_DEPTH => Ok(d),
        _ => Err(Error::field(
            "depth",
            format!("must be from 1 to {MAX_DEPTH}"),
        )),
    }
}

/// Walks the chain the caller may see from a party they may read, up to
/// `depth` links (all, if not given): upstream from the party and the
/// parties it belongs to (a store is served through its head office's
/// suppliers), or downstream from it.
pub async fn walk(
    ctx: &Context,
    caller: &Principal,
    id: PartyId,
    direction: Direction,
    depth: Option<u32>,
) -> Result<ChainWalk, Error> {
    let depth = walk_depth(depth)?;
    let lineage = ctx.store.lineage(id).await?;
    Error::check(caller.read_party(&lineage))?;
    let links = ctx.store.chain_links(&caller.party_scope()).await?;
    let start = match direction {
        Direction::Upstream => lineage.0.clone(),
        Direction::Downstream => vec![id],
    };
    let reached = ChainGraph::new(&links).walk(&start, direction, depth);
    let ids: Vec<PartyId> = reached.iter().map(|r| r.party_id).collect();
    let parties = chain_parties(ctx, &ids).await?;
    let mut start = chain_parties(ctx, &[id]).await?;
    let party = start.pop().ok_or_else(Error::not_found)?;
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

/// The shortest supplier → customer path between two parties the caller
/// may read, in whichever direction it runs, by the links they may see;
/// not found if there is none.
pub async fn path(
    ctx: &Context,
    caller: &Principal,
    from: PartyId,
    to: PartyId,
) -> Result<ChainPath, Error> {
    let mut lineages = Vec::with_capacity(2);
    for id in [from, to] {
        let lineage = ctx.store.lineage(id).await?;
        Error::check(caller.read_party(&lineage))?;
        lineages.push(lineage);
    }
    let links = ctx.store.chain_links(&caller.party_scope()).await?;
    let graph = ChainGraph::new(&links);
    // A party nested under a linked one (a participant of a cohort) is
    // reached through the nearest linked party above it.
    let through = |from: PartyId, to: PartyId, lineage: &Lineage| {
        lineage.0.iter().rev().find_map(|above| {
            let mut path = graph.path(from, *above)?;
            if *above != to {
                path.push(to);
            }
            Some(path)
        })
    };
    let path = through(from, to, &lineages[1])
        .or_else(|| through(to, from, &lineages[0]))
        .ok_or_else(|| Error::not_found().detail("no chain of links joins these parties"))?;
    Ok(ChainPath {
        path: chain_parties(ctx, &path).await?,
    })
}
