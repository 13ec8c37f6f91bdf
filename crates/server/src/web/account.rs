//! The account page: who you are, and changing your password.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::session::{ClientAddress, CsrfForm, WebCaller, start_session, throttle};
use super::{Layout, WebError, after_post};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::accounts::{self, PasswordChange};
use kept_app::notify::preferences::{self, Preference};
use kept_app::users::GrantRow;

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    email: String,
    grants: Vec<GrantRow>,
    preferences: Vec<Preference>,
}

/// `GET /account`.
pub async fn page(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
) -> Result<Response, WebError> {
    let account = accounts::account(&state.app, &principal).await?;
    let page = AccountPage {
        layout: Layout::new(&session, &principal, "Your account", "account").await?,
        email: account.email.to_string(),
        grants: account.grants,
        preferences: preferences::list(&state.app, &principal).await?,
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
        let change = PasswordChange {
            current: form.current,
            new: form.new,
            confirm: form.confirm,
        };
        match accounts::change_password(&state.app, &principal, change).await {
            Err(e) if accounts::is_wrong_password(&e) => {
                throttle::failed(&state, &email, &address).await?;
                return Err(ApiError::from(e));
            }
            other => other?,
        }
        // Every stored session is gone: carry this one on under a fresh id.
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
    Router::new()
        .route("/account", get(page).post(change_password))
        .route("/account/email", axum::routing::post(set_email))
}

/// The email preferences form: one checkbox per topic, named by topic.
#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(flatten)]
    topics: std::collections::HashMap<String, String>,
}

/// `POST /account/email`: which topics come by email.
pub async fn set_email(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> Result<Response, WebError> {
    let wanted: Vec<kept_domain::Topic> = form
        .topics
        .keys()
        .filter_map(|name| name.strip_prefix("topic_")?.parse().ok())
        .collect();
    let result = preferences::set(&state.app, &principal, &wanted)
        .await
        .map(|()| {
            (
                "Email preferences saved.".to_owned(),
                "/account#email".to_owned(),
            )
        })
        .map_err(ApiError::from);
    after_post(&session, result, "/account#email").await
}
