//! `/api/v1/users`: logins, their roles, and invitations.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use kept_domain::{
    Email, Grant, GrantId, Limit, Page, PartyId, PartyName, Password, Role, User, UserId,
    single_line,
};
use kept_store::UserPatch;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ArchivedParam;
use super::idempotency::ContainsSecret;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use kept_app::accounts::NewLogin;
use kept_app::users::{self, UserFilter};

/// The users routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(archive_user))
        .routes(routes!(restore_user))
        .routes(routes!(invite_user))
        .routes(routes!(list_grants, add_grant))
        .routes(routes!(revoke_grant))
}

/// Filters of a user list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only users whose email or name contains this text, ignoring case.
    q: Option<String>,
    /// Only users holding this role somewhere.
    role: Option<Role>,
    /// `active` (default), `archived` or `all`.
    archived: Option<ArchivedParam>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// Lists users: all of them for admins; for managers, the people under the
/// parties they manage; for anyone else, themself.
#[utoipa::path(get, path = "/users", tag = "users", params(ListParams),
    responses((status = 200, description = "A page of users, by email", body = Page<User>)))]
async fn list_users(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Page<User>>, ApiError> {
    let filter = UserFilter {
        search: params.q.map(|q| single_line("q", &q, 200)).transpose()?,
        role: params.role,
        archived: params.archived.unwrap_or_default().into(),
        cursor: params.cursor,
        limit: Limit::parse("limit", params.limit.unwrap_or(Limit::DEFAULT.get()))?,
    };
    Ok(Json(users::list(&state.app, &caller, filter).await?))
}

/// A new login.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// The login, unique.
    #[schema(value_type = String, format = Email)]
    email: Email,
    /// The person's name.
    #[schema(value_type = String)]
    name: PartyName,
    /// Where the new person party belongs (an organisation, site, team…).
    parent_id: Option<PartyId>,
    /// An existing person party to attach the login to, instead of making one.
    party_id: Option<PartyId>,
    /// The first password (at least 10 characters). Without one, the
    /// response carries an invitation link for the person to set it.
    password: Option<String>,
}

/// A created login, with its invitation link when no password was given.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    /// The user.
    #[serde(flatten)]
    user: User,
    /// A one-time link with which the person sets their password.
    #[serde(skip_serializing_if = "Option::is_none")]
    invitation_url: Option<String>,
}

/// Creates a login (admins only).
#[utoipa::path(post, path = "/users", tag = "users", request_body = CreateUser,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Created", body = CreatedUser),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<impl IntoResponse, ApiError> {
    let password = body
        .password
        .map(|p| Password::parse("password", &p))
        .transpose()?;
    let new = NewLogin {
        email: body.email,
        name: body.name,
        parent_id: body.parent_id,
        party_id: body.party_id,
        password,
    };
    let public_url = state.config.effective_public_url();
    let (user, invitation) = users::create(&state.app, &caller, &public_url, new).await?;
    let location = format!("/api/v1/users/{}", user.id);
    let body = CreatedUser {
        user,
        invitation_url: invitation.map(|i| i.url),
    };
    let secret = body
        .invitation_url
        .is_some()
        .then_some(Extension(ContainsSecret));
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        secret,
        Json(body),
    ))
}

/// Reads one user.
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 404, description = "No such user, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(users::readable_user(&state.app, &caller, id).await?))
}

/// A change to a user; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// A new login (admins only).
    #[schema(value_type = Option<String>, format = Email)]
    email: Option<Email>,
    /// A new name (admins, or the user themself).
    #[schema(value_type = Option<String>)]
    name: Option<PartyName>,
}

/// Changes a user's email (admins) or name (admins and the user themself).
#[utoipa::path(patch, path = "/users/{id}", tag = "users", request_body = UpdateUser,
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The changed user", body = User),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<Json<User>, ApiError> {
    let patch = UserPatch {
        email: body.email,
        name: body.name,
    };
    Ok(Json(users::update(&state.app, &caller, id, patch).await?))
}

/// Archives a login: it can no longer sign in, its sessions end and its
/// tokens are revoked (admins only; not yourself).
#[utoipa::path(post, path = "/users/{id}/archive", tag = "users", params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The archived user", body = User),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
    ))]
async fn archive_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(users::archive(&state.app, &caller, id).await?))
}

/// Restores an archived login (its tokens stay revoked).
#[utoipa::path(post, path = "/users/{id}/restore", tag = "users", params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "The restored user", body = User)))]
async fn restore_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(users::restore(&state.app, &caller, id).await?))
}

/// A fresh invitation link.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationLink {
    /// The one-time link with which the person sets their password.
    invitation_url: String,
    /// When it stops working.
    #[schema(value_type = String, format = DateTime)]
    expires_at: jiff::Timestamp,
}

/// Issues a new invitation link for a user to set their password, replacing
/// any earlier link (admins only).
#[utoipa::path(post, path = "/users/{id}/invitation", tag = "users", params(("id" = String, Path, description = "The user's id")),
    responses((status = 201, description = "A new link", body = InvitationLink)))]
async fn invite_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<UserId>,
) -> Result<impl IntoResponse, ApiError> {
    let public_url = state.config.effective_public_url();
    let invitation = users::invite(&state.app, &caller, &public_url, id).await?;
    let body = InvitationLink {
        invitation_url: invitation.url,
        expires_at: invitation.expires_at,
    };
    Ok((StatusCode::CREATED, Extension(ContainsSecret), Json(body)))
}

/// Lists the roles a user holds (admins, and the user themself: grants
/// name parties that others may not see).
#[utoipa::path(get, path = "/users/{id}/grants", tag = "users", params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user's grants", body = Vec<Grant>),
        (status = 403, description = "Neither an admin nor the user", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_grants(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<Vec<Grant>>, ApiError> {
    Ok(Json(users::grants(&state.app, &caller, id).await?))
}

/// A role to grant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddGrant {
    /// The role.
    role: Role,
    /// The party it is held on; it reaches everything under that party.
    party_id: PartyId,
}

/// Grants a role on a party (admins only).
#[utoipa::path(post, path = "/users/{id}/grants", tag = "users", request_body = AddGrant,
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 201, description = "Granted", body = Grant),
        (status = 409, description = "Already granted", body = Problem, content_type = "application/problem+json"),
    ))]
async fn add_grant(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(body): ApiJson<AddGrant>,
) -> Result<impl IntoResponse, ApiError> {
    let grant = users::add_grant(&state.app, &caller, id, body.role, body.party_id).await?;
    Ok((StatusCode::CREATED, Json(grant)))
}

/// Takes a role away (admins only; an admin cannot take away their own admin role).
#[utoipa::path(delete, path = "/users/{id}/grants/{grant_id}", tag = "users",
    params(("id" = String, Path, description = "The user's id"), ("grant_id" = String, Path, description = "The grant's id")),
    responses(
        (status = 200, description = "The revoked grant", body = Grant),
        (status = 403, description = "Not an admin, or your own admin role", body = Problem, content_type = "application/problem+json"),
    ))]
async fn revoke_grant(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath((id, grant_id)): ApiPath<(UserId, GrantId)>,
) -> Result<Json<Grant>, ApiError> {
    Ok(Json(
        users::revoke_grant(&state.app, &caller, id, grant_id).await?,
    ))
}
