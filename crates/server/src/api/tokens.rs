//! `/api/v1/tokens`: the caller's own API tokens.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use kept_domain::{ApiToken, TokenId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::idempotency::ContainsSecret;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use kept_app::tokens;

/// The tokens routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// Lists the caller's tokens, newest first (never their secrets).
#[utoipa::path(get, path = "/tokens", tag = "tokens",
    responses((status = 200, description = "The caller's tokens", body = Vec<ApiToken>)))]
async fn list_tokens(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(tokens::list(&state.app, &caller).await?))
}

/// A token to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// A label to tell it apart, 1 to 100 characters.
    name: String,
    /// Days until it stops working, 1 to 3650; absent: it does not expire.
    expires_in_days: Option<u32>,
}

/// A new token with its secret, which is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token as listed later.
    #[serde(flatten)]
    token: ApiToken,
    /// Send as `Authorization: Bearer <secret>`. Not retrievable later.
    secret: String,
}

/// Creates a token for the caller.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = CreateToken,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Created; the secret is in the body", body = CreatedToken),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<impl IntoResponse, ApiError> {
    let issued = tokens::issue(&state.app, &caller, &body.name, body.expires_in_days).await?;
    Ok((
        StatusCode::CREATED,
        Extension(ContainsSecret),
        Json(CreatedToken {
            token: issued.token,
            secret: issued.secret,
        }),
    ))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", params(("id" = String, Path, description = "The token's id")),
    responses(
        (status = 200, description = "The revoked token", body = ApiToken),
        (status = 404, description = "No such token of yours", body = Problem, content_type = "application/problem+json"),
    ))]
async fn revoke_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<TokenId>,
) -> Result<Json<ApiToken>, ApiError> {
    Ok(Json(tokens::revoke(&state.app, &caller, id).await?))
}
