//! The account page: who you are, and changing your password.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kept_domain::{Actor, Grant, Password};
use serde::Deserialize;

use super::session::{ClientAddress, CsrfForm, WebCaller, start_session, throttle};
use super::{Layout, WebError, after_post};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::password;

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    email: String,
    grants: Vec<(Grant, String)>,
}

/// `GET /account`.
pub async fn page(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
) -> Result<Response, WebError> {
    let ids: Vec<_> = principal.grants.iter().map(|g| g.party_id).collect();
    let names = state.store.party_names(&ids).await?;
    let grants = principal
        .grants
        .iter()
        .map(|g| {
            let name = names
                .iter()
                .find(|(id, _)| *id == g.party_id)
                .map(|(_, n)| n.to_string())
                .unwrap_or_default();
            (g.clone(), name)
        })
        .collect();
    let page = AccountPage {
        layout: Layout::new(&session, &principal, "Your account", "account").await?,
        email: principal.email.to_string(),
        grants,
    };
    Ok(page.into_response())
}

/// The change-password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

/// `POST /account`: changes the password (after checking the current one,
/// throttled like signing in) and signs out every other session.
pub async fn change_password(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    ClientAddress(address): ClientAddress,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    let email = principal.email.to_string();
    let result = async {
        throttle::check(&state, &email, &address).await?;
        let stored = state
            .store
            .credentials(&email)
            .await?
            .and_then(|c| c.password_hash);
        if !password::verify(&form.current, stored.as_deref()).await {
            throttle::failed(&state, &email, &address).await?;
            return Err(ApiError::field("current", "is not your current password"));
        }
        let new = Password::parse("new", &form.new)?;
        if form.new != form.confirm {
            return Err(ApiError::field(
                "confirm",
                "does not match the new password",
            ));
        }
        let hash = password::hash(&new).await.map_err(ApiError::internal)?;
        state
            .store
            .set_password_hash(&Actor::user(&principal), principal.user_id, &hash)
            .await?;
        // End every session, then carry this one on under a fresh id.
        state.store.delete_sessions_of(principal.user_id).await?;
        start_session(&session, principal.user_id).await?;
        Ok((
            "Password changed. Your other sessions were signed out.".to_owned(),
            "/account".to_owned(),
        ))
    }
    .await;
    after_post(&session, result, "/account").await
}

/// The signed-in user's account.
pub fn routes() -> Router<AppState> {
    Router::new().route("/account", get(page).post(change_password))
}
