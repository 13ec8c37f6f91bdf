//! The chain view: the supplier → customer links the user may see, drawn as
//! server-rendered SVG, with a selected party's upstream and downstream
//! highlighted; and the forms to link and unlink parties.

mod layout;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_app::chain::{ChainView, chain_view};
use kept_domain::{Link, LinkId, NewLink, PartyId, PartyKind};
use serde::Deserialize;

use super::{Layout, NoFields, WebError, WebPath, WebQuery, after_post};

use super::session::{CsrfForm, WebCaller};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::links::{make_link, set_link_archived};
use layout::{Drawing, Edge, Highlight, Node};

/// A party's box, and whether the viewer may open its chain (otherwise it
/// is shown by name only).
pub struct Shown {
    node: Node,
    open: bool,
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
    nodes: Vec<Shown>,
    /// Full names the diagram had to cut.
    legend: Vec<String>,
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

/// `GET /chain`: the graph of visible links.
pub async fn page(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebQuery(query): WebQuery<ChainQuery>,
) -> Result<Response, WebError> {
    let view = chain_view(&state.app, &principal, query.party).await?;
    let walk = highlight(&view);
    let Drawing {
        nodes,
        edges,
        width,
        height,
        legend,
    } = layout::layout(&view.links, &view.names, &walk);
    let reached = |walked: &[kept_domain::Reached]| -> Vec<Reached> {
        walked
            .iter()
            .map(|r| Reached {
                id: r.party_id,
                open: view.opens(r.party_id),
                name: view.name(r.party_id),
                depth: r.depth,
            })
            .collect()
    };
    let (upstream, downstream) = match &view.selected {
        Some(s) => (reached(&s.upstream), reached(&s.downstream)),
        None => (Vec::new(), Vec::new()),
    };
    let links = view
        .links
        .iter()
        .map(|l| LinkRow {
            supplier_open: view.opens(l.supplier_id),
            customer_open: view.opens(l.customer_id),
            can_end: view.may_end.contains(&l.id),
            supplier: view.name(l.supplier_id),
            customer: view.name(l.customer_id),
            link: l.clone(),
        })
        .collect();
    Ok(ChainPage {
        layout: Layout::new(&session, &principal, "Service chain", "chain").await?,
        width,
        height,
        legend,
        nodes: nodes
            .into_iter()
            .map(|node| Shown {
                open: view.opens(node.id),
                node,
            })
            .collect(),
        edges,
        selected: view.selected.as_ref().map(|s| (s.id, view.name(s.id))),
        upstream,
        downstream,
        links,
        choices: view.choices,
        can_link: view.may_link,
    }
    .into_response())
}

/// The selected party and its walks, for the drawing.
fn highlight(view: &ChainView) -> Highlight {
    let Some(s) = &view.selected else {
        return Highlight::default();
    };
    Highlight {
        selected: Some(s.id),
        upstream: s.upstream.iter().map(|r| r.party_id).collect(),
        downstream: s.downstream.iter().map(|r| r.party_id).collect(),
    }
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
