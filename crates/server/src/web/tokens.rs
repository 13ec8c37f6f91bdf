//! The API tokens page: the user's own tokens.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use kept_domain::{Actor, ApiToken, TokenId};
use serde::Deserialize;

use super::session::{CsrfForm, WebCaller};
use super::{Layout, NoFields, WebError, WebPath, after_post, no_store};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::accounts;

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
    let tokens = state.store.tokens_of(caller.principal.user_id).await?;
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

/// The fields of a new token.
#[derive(Debug, Deserialize)]
pub struct NewTokenForm {
    name: String,
    days: Option<String>,
}

/// `POST /tokens`: shows the new secret once, on this response only.
pub async fn create(
    State(state): State<AppState>,
    caller: WebCaller,
    CsrfForm(form): CsrfForm<NewTokenForm>,
) -> Result<Response, WebError> {
    let issued = async {
        let name = accounts::token_name("name", &form.name)?;
        let days = match form.days.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => Some(
                d.parse::<u32>()
                    .map_err(|_| kept_app::Error::field("days", "must be a number of days"))?,
            ),
            None => None,
        };
        let days = accounts::token_days("days", days)?;
        let actor = Actor::user(&caller.principal);
        accounts::issue_token(
            state.store.as_ref(),
            &actor,
            caller.principal.user_id,
            &name,
            days,
        )
        .await
    }
    .await;
    match issued {
        Ok(issued) => render(&state, caller, Some(issued.secret)).await,
        Err(e) => after_post(&caller.session, Err(e.into()), "/tokens").await,
    }
}

/// `POST /tokens/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<TokenId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let result = state
        .store
        .revoke_token(&Actor::user(&principal), principal.user_id, id)
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
