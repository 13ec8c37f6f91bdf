//! The chain view: the supplier → customer links the user may see, drawn as
//! server-rendered SVG, with a selected party's upstream and downstream
//! highlighted; and the forms to link and unlink parties.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_domain::{
    ChainGraph, Direction, Limit, Link, LinkId, NewLink, PartyId, PartyKind, chain::MAX_DEPTH,
};
use kept_store::PartyQuery;
use serde::Deserialize;

use super::{Layout, NoFields, WebError, WebPath, WebQuery, after_post};

use super::session::{CsrfForm, WebCaller};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::links::{make_link, may_change_link, set_link_archived};

const NODE_W: i64 = 200;
const NODE_H: i64 = 40;
const GAP_X: i64 = 90;
const GAP_Y: i64 = 24;
const PAD: i64 = 16;

/// A party drawn in the graph.
pub struct Node {
    id: PartyId,
    /// The viewer may open its chain (otherwise it is shown by name only).
    open: bool,
    name: String,
    label: String,
    x: i64,
    y: i64,
    class: &'static str,
}

/// A link drawn in the graph.
pub struct Edge {
    x1: i64,
    y1: i64,
    x2: i64,
    y2: i64,
    class: &'static str,
    title: String,
}

/// A party reached from the selected one, for the text lists.
pub struct Reached {
    id: PartyId,
    open: bool,
    name: String,
    depth: u32,
}

/// A link in the table under the graph.
pub struct LinkRow {
    link: Link,
    supplier_open: bool,
    customer_open: bool,
    can_end: bool,
    supplier: String,
    customer: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "chain.html")]
struct ChainPage {
    layout: Layout,
    width: i64,
    height: i64,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    selected: Option<(PartyId, String)>,
    upstream: Vec<Reached>,
    downstream: Vec<Reached>,
    links: Vec<LinkRow>,
    choices: Vec<(PartyId, String, PartyKind)>,
    can_link: bool,
}

/// The party to highlight.
#[derive(Debug, Deserialize)]
pub struct ChainQuery {
    party: Option<PartyId>,
}

fn shorten(name: &str) -> String {
    const MAX: usize = 26;
    if name.chars().count() <= MAX {
        name.to_owned()
    } else {
        let cut: String = name.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

/// `GET /chain`: the graph of visible links.
pub async fn page(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebQuery(query): WebQuery<ChainQuery>,
) -> Result<Response, WebError> {
    let links = state.store.chain_links(&principal.party_scope()).await?;
    let graph = ChainGraph::new(&links);
    let ids: BTreeSet<PartyId> = links
        .iter()
        .flat_map(|l| [l.supplier_id, l.customer_id])
        .chain(query.party)
        .collect();
    let names: BTreeMap<PartyId, String> = state
        .store
        .party_names(&ids.iter().copied().collect::<Vec<_>>())
        .await?
        .into_iter()
        .map(|(id, n)| (id, n.as_str().to_owned()))
        .collect();
    let name = |id: &PartyId| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    // Parties above the viewer's own show by name only: no link to a
    // chain page they would be refused.
    let mut openable = BTreeSet::new();
    for id in &ids {
        let lineage = state.store.lineage(*id).await?;
        if principal.read_party(&lineage).is_allowed() {
            openable.insert(*id);
        }
    }
    let open = |id: &PartyId| openable.contains(id);

    let (mut upstream, mut downstream) = (Vec::new(), Vec::new());
    let selected = match query.party {
        Some(id) => {
            let lineage = state.store.lineage(id).await?;
            ApiError::check(principal.read_party(&lineage))?;
            for (dir, out, start) in [
                (Direction::Upstream, &mut upstream, lineage.0.clone()),
                (Direction::Downstream, &mut downstream, vec![id]),
            ] {
                *out = graph
                    .walk(&start, dir, MAX_DEPTH)
                    .into_iter()
                    .map(|r| Reached {
                        id: r.party_id,
                        open: open(&r.party_id),
                        name: name(&r.party_id),
                        depth: r.depth,
                    })
                    .collect();
            }
            Some((id, name(&id)))
        }
        None => None,
    };
    let up: BTreeSet<PartyId> = upstream.iter().map(|r| r.id).collect();
    let down: BTreeSet<PartyId> = downstream.iter().map(|r| r.id).collect();
    let class_of = |id: &PartyId| {
        if selected.as_ref().is_some_and(|(s, _)| s == id) {
            "node selected"
        } else if up.contains(id) {
            "node upstream"
        } else if down.contains(id) {
            "node downstream"
        } else {
            "node"
        }
    };

    // Columns by layer, suppliers on the left. The first column is sorted by
    // name; each later one by the mean row of its suppliers (then name), which
    // keeps most arrows from crossing.
    let mut columns: BTreeMap<u32, Vec<PartyId>> = BTreeMap::new();
    for (id, layer) in graph.layers() {
        columns.entry(layer).or_default().push(id);
    }
    let mut at: BTreeMap<PartyId, (i64, i64)> = BTreeMap::new();
    let mut nodes = Vec::new();
    let mut rows = 0;
    for (layer, mut ids) in columns {
        let mean_supplier_row = |id: &PartyId| {
            let ys: Vec<i64> = links
                .iter()
                .filter(|l| l.customer_id == *id)
                .filter_map(|l| at.get(&l.supplier_id).map(|(_, y)| *y))
                .collect();
            if ys.is_empty() {
                i64::MAX
            } else {
                ys.iter().sum::<i64>() / ys.len() as i64
            }
        };
        ids.sort_by_cached_key(|id| (mean_supplier_row(id), name(id).to_lowercase()));
        rows = rows.max(ids.len() as i64);
        for (row, id) in ids.into_iter().enumerate() {
            let (x, y) = (
                PAD + i64::from(layer) * (NODE_W + GAP_X),
                PAD + row as i64 * (NODE_H + GAP_Y),
            );
            at.insert(id, (x, y));
            let full = name(&id);
            nodes.push(Node {
                id,
                open: open(&id),
                label: shorten(&full),
                name: full,
                x,
                y,
                class: class_of(&id),
            });
        }
    }
    let on_walk = |l: &Link| {
        let sel = selected.as_ref().map(|(s, _)| *s);
        let touches = |p: PartyId| Some(p) == sel || up.contains(&p) || down.contains(&p);
        (up.contains(&l.supplier_id) || Some(l.supplier_id) == sel || down.contains(&l.supplier_id))
            && touches(l.customer_id)
            && !(up.contains(&l.supplier_id) && down.contains(&l.customer_id))
    };
    let edges = links
        .iter()
        .filter_map(|l| {
            let (sx, sy) = at.get(&l.supplier_id)?;
            let (cx, cy) = at.get(&l.customer_id)?;
            Some(Edge {
                x1: sx + NODE_W,
                y1: sy + NODE_H / 2,
                x2: *cx,
                y2: cy + NODE_H / 2,
                class: if on_walk(l) { "edge on-walk" } else { "edge" },
                title: format!(
                    "{} supplies {}{}",
                    name(&l.supplier_id),
                    name(&l.customer_id),
                    l.label
                        .as_ref()
                        .map(|t| format!(": {t}"))
                        .unwrap_or_default()
                ),
            })
        })
        .collect();
    let width = PAD * 2 + (nodes.iter().map(|n| n.x).max().unwrap_or(0) + NODE_W).max(NODE_W);
    let height = PAD * 2 + rows.max(1) * (NODE_H + GAP_Y);

    let can_link = principal.is_admin()
        || principal
            .grants
            .iter()
            .any(|g| g.role == kept_domain::Role::Manager);
    let choices = if can_link {
        let page = state
            .store
            .list_parties(&PartyQuery {
                order: kept_store::PartyOrder::Name,
                limit: Limit::MAX_PAGE,
                ..PartyQuery::new(principal.party_scope())
            })
            .await?;
        page.items
            .into_iter()
            .map(|p| (p.id, p.name.as_str().to_owned(), p.kind))
            .collect()
    } else {
        Vec::new()
    };
    let mut link_rows = Vec::with_capacity(links.len());
    for l in &links {
        link_rows.push(LinkRow {
            supplier_open: open(&l.supplier_id),
            customer_open: open(&l.customer_id),
            can_end: can_link && may_change_link(&state.app, &principal, l).await?,
            supplier: name(&l.supplier_id),
            customer: name(&l.customer_id),
            link: l.clone(),
        });
    }
    Ok(ChainPage {
        layout: Layout::new(&session, &principal, "Service chain", "chain").await?,
        width,
        height,
        nodes,
        edges,
        selected,
        upstream,
        downstream,
        links: link_rows,
        choices,
        can_link,
    }
    .into_response())
}

/// The fields of a new link.
#[derive(Debug, Deserialize)]
pub struct LinkForm {
    supplier_id: PartyId,
    customer_id: PartyId,
    label: Option<String>,
}

/// `POST /chain/links`: links two parties.
pub async fn create(
    State(state): State<AppState>,
    caller: WebCaller,
    CsrfForm(form): CsrfForm<LinkForm>,
) -> Result<Response, WebError> {
    let result = async {
        let new = NewLink::new(form.supplier_id, form.customer_id, form.label.as_deref())?;
        Ok(make_link(&state.app, &caller.principal, new).await?)
    }
    .await;
    let target = format!("/chain?party={}", form.customer_id);
    after_post(
        &caller.session,
        result.map(|_| ("Linked.".to_owned(), target.clone())),
        &target,
    )
    .await
}

/// `POST /chain/links/{id}/archive`: ends a link.
pub async fn archive(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<LinkId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let result = set_link_archived(&state.app, &caller.principal, id, true)
        .await
        .map_err(ApiError::from);
    after_post(
        &caller.session,
        result.map(|_| ("Link ended.".to_owned(), "/chain".to_owned())),
        "/chain",
    )
    .await
}

/// The service chain page and its links.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chain", get(page))
        .route("/chain/links", post(create))
        .route("/chain/links/{id}/archive", post(archive))
}
