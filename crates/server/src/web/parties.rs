//! The parties pages: a scoped list, a detail page per party, and the forms
//! to create, change, archive and restore them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_domain::{
    AuditEvent, Limit, NewParty, Party, PartyId, PartyKind, PartyName, PartyPatch, PartyReference,
    Principal,
};
use kept_store::{ArchivedFilter, PartyOrder};
use serde::Deserialize;

use super::{Layout, NoFields, WebError, WebPath, WebQuery, after_post};

use super::session::{CsrfForm, WebCaller};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::parties::{self, PartyFilter, PartyRow};

#[derive(Template, WebTemplate)]
#[template(path = "parties.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<PartyRow>,
    q: String,
    kind: String,
    archived: String,
    next_page: Option<String>,
    can_create_top: bool,
    kinds: &'static [PartyKind],
}

/// Filters of the list page.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    kind: Option<String>,
    archived: Option<String>,
    parent_id: Option<PartyId>,
    cursor: Option<String>,
}

fn archived_filter(raw: &str) -> ArchivedFilter {
    match raw {
        "archived" => ArchivedFilter::Archived,
        "all" => ArchivedFilter::All,
        _ => ArchivedFilter::Active,
    }
}

/// `GET /parties`: the parties the user may see, by name.
pub async fn list(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebQuery(query): WebQuery<ListQuery>,
) -> Result<Response, WebError> {
    let kind = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(
            k.parse::<PartyKind>()
                .map_err(|m| ApiError::field("kind", m))?,
        ),
        None => None,
    };
    let archived = query.archived.clone().unwrap_or_else(|| "active".into());
    let filter = PartyFilter {
        kind,
        parent_id: query.parent_id,
        search: query
            .q
            .as_deref()
            .map(|q| kept_domain::single_line("q", q, 200))
            .transpose()?,
        archived: archived_filter(&archived),
        order: PartyOrder::Name,
        cursor: query.cursor.clone(),
        limit: Limit::DEFAULT,
        ..PartyFilter::default()
    };
    let listing = parties::listing(&state.app, &principal, filter).await?;
    let q = query.q.unwrap_or_default();
    let kind = query.kind.unwrap_or_default();
    let next_page = listing.next_cursor.as_ref().map(|c| {
        let mut link = form_urlencoded::Serializer::new(String::new());
        link.append_pair("q", &q)
            .append_pair("kind", &kind)
            .append_pair("archived", &archived);
        if let Some(parent) = query.parent_id {
            link.append_pair("parent_id", &parent.to_string());
        }
        link.append_pair("cursor", c.as_str());
        format!("/parties?{}", link.finish())
    });
    let page = ListPage {
        layout: Layout::new(&session, &principal, "Parties", "parties").await?,
        rows: listing.rows,
        q,
        kind,
        archived,
        next_page,
        can_create_top: listing.can_create_top,
        kinds: &PartyKind::ALL,
    };
    Ok(page.into_response())
}

/// An optional reference field: empty means none; `None` if it is invalid
/// (recorded in `errors`).
fn optional_reference(
    errors: &mut kept_domain::ValidationErrors,
    raw: Option<&str>,
) -> Option<Option<PartyReference>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => errors
            .check(PartyReference::parse("reference", r))
            .map(Some),
        None => Some(None),
    }
}

/// The fields of a new party.
#[derive(Debug, Deserialize)]
pub struct NewPartyForm {
    name: String,
    kind: String,
    internal: Option<String>,
    reference: Option<String>,
}

impl NewPartyForm {
    fn parse(self, parent_id: Option<PartyId>) -> Result<NewParty, ApiError> {
        let mut errors = kept_domain::ValidationErrors::new();
        let name = errors.check(PartyName::parse("name", &self.name));
        let kind = errors.check(
            self.kind
                .parse::<PartyKind>()
                .map_err(|m| kept_domain::FieldError::new("kind", m)),
        );
        let reference = optional_reference(&mut errors, self.reference.as_deref());
        let internal = self.internal.is_some();
        match (name, kind, reference) {
            (Some(name), Some(kind), Some(reference)) if errors.is_empty() => Ok(NewParty {
                kind,
                name,
                parent_id,
                // Unticked means "inherit" under a parent, "external" at the top.
                internal: if internal {
                    Some(true)
                } else if parent_id.is_none() {
                    Some(false)
                } else {
                    None
                },
                reference,
            }),
            _ => Err(errors.into()),
        }
    }
}

async fn create_under(
    state: &AppState,
    principal: &Principal,
    parent: Option<PartyId>,
    form: NewPartyForm,
) -> Result<(String, String), ApiError> {
    let party = parties::create(&state.app, principal, form.parse(parent)?).await?;
    Ok((
        format!("Created {}.", party.name),
        format!("/parties/{}", party.id),
    ))
}

/// `POST /parties`: a new party at the top (admins).
pub async fn create(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    CsrfForm(form): CsrfForm<NewPartyForm>,
) -> Result<Response, WebError> {
    let result = create_under(&state, &principal, None, form).await;
    after_post(&session, result, "/parties").await
}

/// `POST /parties/{id}/children`: a new party under this one.
pub async fn create_child(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<PartyId>,
    CsrfForm(form): CsrfForm<NewPartyForm>,
) -> Result<Response, WebError> {
    let result = create_under(&state, &principal, Some(id), form).await;
    // A parent that is not there for the caller has no page to tell them on.
    let back = match &result {
        Err(e) if e.errors.iter().any(|f| f.field == "parent_id") => "/parties".to_owned(),
        _ => format!("/parties/{id}"),
    };
    after_post(&session, result, &back).await
}

#[derive(Template, WebTemplate)]
#[template(path = "party.html")]
struct DetailPage {
    layout: Layout,
    id: PartyId,
    name: String,
    kind: PartyKind,
    /// The party in full, or `None` when the viewer sees it by name only.
    party: Option<Party>,
    trail: Vec<(PartyId, String)>,
    children: Vec<PartyRow>,
    more_children: bool,
    can_manage: bool,
    child_kinds: Vec<PartyKind>,
    history: Vec<AuditEvent>,
}

/// `GET /parties/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<PartyId>,
) -> Result<Response, WebError> {
    let view = parties::view(&state.app, &principal, id).await?;
    let name = view.party.name().to_string();
    let page = DetailPage {
        layout: Layout::new(&session, &principal, name.clone(), "parties").await?,
        id,
        name,
        kind: view.party.kind(),
        party: view.party.full().cloned(),
        trail: view.trail,
        children: view.children,
        more_children: view.more_children,
        can_manage: view.can_manage,
        child_kinds: view.child_kinds,
        history: view.history,
    };
    Ok(page.into_response())
}

/// The fields of the edit form.
#[derive(Debug, Deserialize)]
pub struct EditForm {
    name: String,
    reference: Option<String>,
    internal: Option<String>,
}

/// `POST /parties/{id}`: saves the edit form.
pub async fn update(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<PartyId>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Result<Response, WebError> {
    let result = async {
        let mut errors = kept_domain::ValidationErrors::new();
        let name = errors.check(PartyName::parse("name", &form.name));
        let reference = optional_reference(&mut errors, form.reference.as_deref());
        let patch = errors.finish(|| PartyPatch {
            name,
            reference,
            internal: Some(form.internal.is_some()),
            parent_id: None,
        })?;
        let party = parties::update(&state.app, &principal, id, patch).await?;
        Ok((format!("Saved {}.", party.name), format!("/parties/{id}")))
    }
    .await;
    after_post(&session, result, &format!("/parties/{id}")).await
}

async fn set_archived(
    state: &AppState,
    principal: &Principal,
    id: PartyId,
    archived: bool,
) -> Result<(String, String), ApiError> {
    let (party, verb) = if archived {
        (
            parties::archive(&state.app, principal, id).await?,
            "Archived",
        )
    } else {
        (
            parties::restore(&state.app, principal, id).await?,
            "Restored",
        )
    };
    Ok((format!("{verb} {}.", party.name), format!("/parties/{id}")))
}

/// `POST /parties/{id}/archive`.
pub async fn archive(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<PartyId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let result = set_archived(&state, &principal, id, true).await;
    after_post(&session, result, &format!("/parties/{id}")).await
}

/// `POST /parties/{id}/restore`.
pub async fn restore(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<PartyId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let result = set_archived(&state, &principal, id, false).await;
    after_post(&session, result, &format!("/parties/{id}")).await
}

/// The party pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/parties", get(list).post(create))
        .route("/parties/{id}", get(detail).post(update))
        .route("/parties/{id}/children", post(create_child))
        .route("/parties/{id}/archive", post(archive))
        .route("/parties/{id}/restore", post(restore))
}
