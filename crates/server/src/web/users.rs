//! The users pages (admins): list and create logins, grant and revoke
//! roles, archive and restore, issue invitation links.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_domain::{
    Email, GrantId, Party, PartyId, PartyName, Password, Principal, Role, User, UserId,
};
use kept_store::ArchivedFilter;
use serde::Deserialize;

use super::session::{CsrfForm, WebCaller};
use super::{Layout, NoFields, WebError, WebPath, WebQuery, after_post};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::accounts::{self, NewLogin};
use kept_app::users::{self, GrantRow, TypedUserFilter};

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
struct ListPage {
    layout: Layout,
    users: Vec<User>,
    q: String,
    role: String,
    archived: String,
    next_page: Option<String>,
    roles: &'static [Role],
    places: Vec<Party>,
}

/// Filters of the list page.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    role: Option<String>,
    archived: Option<String>,
    cursor: Option<String>,
}

/// `GET /users`.
pub async fn list(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebQuery(query): WebQuery<ListQuery>,
) -> Result<Response, WebError> {
    let role = query.role.unwrap_or_default();
    let archived = query.archived.unwrap_or_else(|| "active".into());
    let q = query.q.unwrap_or_default();
    let typed = TypedUserFilter {
        q: q.clone(),
        role: role.clone(),
        archived: match archived.as_str() {
            "archived" => ArchivedFilter::Archived,
            "all" => ArchivedFilter::All,
            _ => ArchivedFilter::Active,
        },
        cursor: query.cursor,
    };
    let listing = users::listing(&state.app, &principal, typed).await?;
    let next_page = listing.next_cursor.as_ref().map(|c| {
        let link: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &q)
            .append_pair("role", &role)
            .append_pair("archived", &archived)
            .append_pair("cursor", c.as_str())
            .finish();
        format!("/users?{link}")
    });
    let page = ListPage {
        layout: Layout::new(&session, &principal, "Users", "users").await?,
        users: listing.users,
        q,
        role,
        archived,
        next_page,
        roles: &Role::ALL,
        places: listing.places,
    };
    Ok(page.into_response())
}

/// The fields of a new login.
#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    email: String,
    name: String,
    parent_id: Option<String>,
    password: Option<String>,
}

/// `POST /users`.
pub async fn create(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    CsrfForm(form): CsrfForm<NewUserForm>,
) -> Result<Response, WebError> {
    let result = async {
        let mut errors = kept_domain::ValidationErrors::new();
        let email = errors.check(Email::parse("email", &form.email));
        let name = errors.check(PartyName::parse("name", &form.name));
        let parent_id = match form.parent_id.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => errors.check(
                p.parse::<PartyId>()
                    .map_err(|_| kept_domain::FieldError::new("parent_id", "no such party")),
            ),
            None => None,
        };
        let password = match form.password.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => errors.check(Password::parse("password", p)),
            None => None,
        };
        let (Some(email), Some(name)) = (email, name) else {
            return Err(errors.into());
        };
        errors.finish(|| ())?;
        let new = NewLogin {
            email,
            name,
            parent_id,
            party_id: None,
            password,
        };
        let public_url = state.config.effective_public_url();
        let (user, invitation) = users::create(&state.app, &principal, &public_url, new).await?;
        let message = match invitation {
            Some(i) => format!(
                "Created {}. Send them this link to set a password (it works once, for {} days): {}",
                user.email,
                accounts::INVITATION_DAYS,
                i.url
            ),
            None => format!("Created {}.", user.email),
        };
        Ok((message, format!("/users/{}", user.id)))
    }
    .await;
    after_post(&session, result, "/users").await
}

#[derive(Template, WebTemplate)]
#[template(path = "user.html")]
struct DetailPage {
    layout: Layout,
    user: User,
    grants: Vec<GrantRow>,
    roles: &'static [Role],
    places: Vec<Party>,
    is_self: bool,
}

/// `GET /users/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<UserId>,
) -> Result<Response, WebError> {
    let view = users::view(&state.app, &principal, id).await?;
    let page = DetailPage {
        layout: Layout::new(&session, &principal, view.user.email.to_string(), "users").await?,
        is_self: view.is_self,
        user: view.user,
        grants: view.grants,
        roles: &Role::ALL,
        places: view.places,
    };
    Ok(page.into_response())
}

/// The fields of a new grant.
#[derive(Debug, Deserialize)]
pub struct GrantForm {
    role: String,
    party_id: String,
}

/// `POST /users/{id}/grants`.
pub async fn add_grant(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<UserId>,
    CsrfForm(form): CsrfForm<GrantForm>,
) -> Result<Response, WebError> {
    let back = format!("/users/{id}");
    let result = async {
        let role = users::parse_role(&form.role)?
            .ok_or_else(|| ApiError::field("role", "choose a role"))?;
        let party: PartyId = form
            .party_id
            .parse()
            .map_err(|_| ApiError::field("party_id", "choose a party"))?;
        users::add_grant(&state.app, &principal, id, role, party).await?;
        Ok((format!("Granted {role}."), back.clone()))
    }
    .await;
    after_post(&session, result, &back).await
}

/// `POST /users/{id}/grants/{grant_id}/revoke`.
pub async fn revoke_grant(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath((id, grant_id)): WebPath<(UserId, GrantId)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let back = format!("/users/{id}");
    let result = async {
        let grant = users::revoke_grant(&state.app, &principal, id, grant_id).await?;
        Ok((format!("Revoked {}.", grant.role), back.clone()))
    }
    .await;
    after_post(&session, result, &back).await
}

async fn set_archived(
    state: &AppState,
    principal: &Principal,
    id: UserId,
    archived: bool,
) -> Result<(String, String), ApiError> {
    let user = if archived {
        users::archive(&state.app, principal, id).await?
    } else {
        users::restore(&state.app, principal, id).await?
    };
    let verb = if archived { "Archived" } else { "Restored" };
    Ok((format!("{verb} {}.", user.email), format!("/users/{id}")))
}

/// `POST /users/{id}/archive`.
pub async fn archive(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<UserId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let result = set_archived(&state, &principal, id, true).await;
    after_post(&session, result, &format!("/users/{id}")).await
}

/// `POST /users/{id}/restore`.
pub async fn restore(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<UserId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let result = set_archived(&state, &principal, id, false).await;
    after_post(&session, result, &format!("/users/{id}")).await
}

/// `POST /users/{id}/invitation`: a new link for the person to set a password.
pub async fn invite(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<UserId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let result = async {
        let public_url = state.config.effective_public_url();
        let invitation = users::invite(&state.app, &principal, &public_url, id).await?;
        let message = format!(
            "New invitation link (works once, for {} days): {}",
            accounts::INVITATION_DAYS,
            invitation.url
        );
        Ok((message, format!("/users/{id}")))
    }
    .await;
    after_post(&session, result, &format!("/users/{id}")).await
}

/// The user pages: logins, grants and invitations.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}", get(detail))
        .route("/users/{id}/grants", post(add_grant))
        .route("/users/{id}/grants/{grant_id}/revoke", post(revoke_grant))
        .route("/users/{id}/archive", post(archive))
        .route("/users/{id}/restore", post(restore))
        .route("/users/{id}/invitation", post(invite))
}
