//! Signing in and out.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_domain::UserId;
use serde::Deserialize;
use tower_sessions::Session;

use super::session::{ClientAddress, CsrfForm, USER_KEY, safe_next, sign_in, throttle};
use super::{Layout, NoFields, WebError, WebQuery, see_other};
use crate::error::{ApiError, ProblemKind};
use crate::state::AppState;
use kept_app::accounts;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    email: String,
    error: Option<String>,
    /// The problem type of a refusal, for `data-problem`.
    problem: Option<&'static str>,
}

/// Where to go after signing in.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// `GET /login`.
pub async fn page(
    session: Session,
    WebQuery(query): WebQuery<LoginQuery>,
) -> Result<Response, WebError> {
    let next = safe_next(query.next.as_deref());
    if session
        .get::<UserId>(USER_KEY)
        .await
        .map_err(ApiError::internal)?
        .is_some()
    {
        return Ok(see_other(&next));
    }
    let layout = Layout::anonymous(&session, "Sign in").await?;
    Ok(LoginPage {
        layout,
        next,
        email: String::new(),
        error: None,
        problem: None,
    }
    .into_response())
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// `POST /login`: checks the password (throttled per account and address
/// together, and per address), then starts a fresh session, so an id
/// planted before sign-in is useless.
pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    ClientAddress(address): ClientAddress,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, WebError> {
    // Whatever was typed is the throttling key; control characters (which
    // no address has, and PostgreSQL cannot store) are dropped.
    let email: String = form
        .email
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let next = safe_next(form.next.as_deref());
    if let Err(refusal) = throttle::check(&state, &email, &address).await {
        return throttled(&session, next, email, refusal).await;
    }

    let user = match accounts::authenticate(&state.app, &email, &form.password).await? {
        Some(user) => user,
        None => {
            throttle::failed(&state, &email, &address).await?;
            tracing::info!(%email, %address, "failed sign-in");
            let layout = Layout::anonymous(&session, "Sign in").await?;
            let page = LoginPage {
                layout,
                next,
                email,
                error: Some("Email or password is incorrect.".into()),
                problem: None,
            };
            return Ok((StatusCode::UNAUTHORIZED, page).into_response());
        }
    };
    throttle::succeeded(&state, &email, &address).await?;
    sign_in(&state, &session, user.id).await?;
    Ok(see_other(&next))
}

/// A throttled sign-in: the form again, with what was typed and how long
/// to wait, so the person can try again from where they are (429 with
/// `Retry-After`). Any other refusal is an error page as usual.
async fn throttled(
    session: &Session,
    next: String,
    email: String,
    refusal: ApiError,
) -> Result<Response, WebError> {
    if refusal.kind != ProblemKind::TooManyAttempts {
        return Err(refusal.into());
    }
    let layout = Layout::anonymous(session, "Sign in").await?;
    let detail = refusal
        .detail
        .as_deref()
        .unwrap_or("too many failed sign-ins");
    let mut message: String = detail
        .chars()
        .take(1)
        .flat_map(char::to_uppercase)
        .collect();
    message.push_str(&detail.chars().skip(1).collect::<String>());
    message.push('.');
    let page = LoginPage {
        layout,
        next,
        email,
        error: Some(message),
        problem: Some(ProblemKind::TooManyAttempts.slug()),
    };
    let mut response = (StatusCode::TOO_MANY_REQUESTS, page).into_response();
    if let Some(seconds) = refusal.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    Ok(response)
}

/// `POST /logout`: ends the session everywhere it is stored.
pub async fn logout(
    session: Session,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    session.flush().await.map_err(ApiError::internal)?;
    Ok(see_other("/login"))
}

/// The sign-in page and signing out.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(page).post(submit))
        .route("/logout", post(logout))
}
