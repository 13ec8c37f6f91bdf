//! The API tokens page: the user's own tokens.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use kept_domain::{ApiToken, TokenId};
use serde::Deserialize;

use super::session::{CsrfForm, WebCaller};
use super::{Labels, Layout, NoFields, WebError, WebPath, after_form, after_post, no_store};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::tokens;

#[derive(Template, WebTemplate)]
#[template(path = "tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<ApiToken>,
    new_secret: Option<String>,
}

async fn render(
    state: &AppState,
    caller: WebCaller,
    new_secret: Option<String>,
) -> Result<Response, WebError> {
    let tokens = tokens::list(&state.app, &caller.principal).await?;
    let layout = Layout::new(&caller.session, &caller.principal, "API tokens", "tokens").await?;
    Ok(no_store(TokensPage {
        layout,
        tokens,
        new_secret,
    }))
}

/// `GET /tokens`.
pub async fn page(State(state): State<AppState>, caller: WebCaller) -> Result<Response, WebError> {
    render(&state, caller, None).await
}

/// The new-token form's labels, for its messages.
const TOKEN_LABELS: Labels = &[("name", "Name"), ("expires_in_days", "Expires")];

/// The fields of a new token (named as the API's).
#[derive(Debug, Deserialize)]
pub struct NewTokenForm {
    name: String,
    expires_in_days: Option<String>,
}

/// `POST /tokens`: shows the new secret once, on this response only.
pub async fn create(
    State(state): State<AppState>,
    caller: WebCaller,
    CsrfForm(form): CsrfForm<NewTokenForm>,
) -> Result<Response, WebError> {
    let issued = async {
        let days = match form.expires_in_days.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => Some(d.parse::<u32>().map_err(|_| {
                kept_app::Error::field("expires_in_days", "must be a number of days")
            })?),
            None => None,
        };
        tokens::issue(&state.app, &caller.principal, &form.name, days).await
    }
    .await;
    match issued {
        Ok(issued) => render(&state, caller, Some(issued.secret)).await,
        Err(e) => after_form(&caller.session, Err(e.into()), "/tokens", TOKEN_LABELS).await,
    }
}

/// `POST /tokens/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<TokenId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let result = tokens::revoke(&state.app, &principal, id)
        .await
        .map(|t| (format!("Revoked {}.", t.name), "/tokens".to_owned()))
        .map_err(ApiError::from);
    after_post(&session, result, "/tokens").await
}

/// The signed-in user's API tokens.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(page).post(create))
        .route("/tokens/{id}/revoke", post(revoke))
}
