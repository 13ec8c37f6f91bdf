//! Accepting an invitation: a person sets their password and is signed in.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use kept_domain::{Password, Timestamp};
use serde::Deserialize;
use tower_sessions::Session;

use super::session::{CsrfForm, sign_in};
use super::{Flash, Layout, WebError, no_store, see_other};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::password;
use kept_app::secret::hash_secret;

#[derive(Template, WebTemplate)]
#[template(path = "invite.html")]
struct InvitePage {
    layout: Layout,
    token: String,
    email: Option<String>,
    error: Option<String>,
}

async fn render(
    session: &Session,
    token: String,
    email: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let status = if email.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let layout = Layout::anonymous(session, "Set your password").await?;
    Ok(no_store((
        status,
        InvitePage {
            layout,
            token,
            email,
            error,
        },
    )))
}

/// `GET /invite/{token}`.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let user = state
        .store
        .invitation_user(&hash_secret(&token), Timestamp::now())
        .await?;
    render(&session, token, user.map(|u| u.email.to_string()), None).await
}

/// The set-password form.
#[derive(Debug, Deserialize)]
pub struct InviteForm {
    password: String,
    confirm: String,
}

/// `POST /invite/{token}`.
pub async fn accept(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<Response, WebError> {
    let hash = hash_secret(&token);
    let Some(user) = state.store.invitation_user(&hash, Timestamp::now()).await? else {
        return render(&session, token, None, None).await;
    };
    let password = match Password::parse("password", &form.password) {
        Err(e) => {
            return render(
                &session,
                token,
                Some(user.email.to_string()),
                Some(format!("The password {}.", e.message)),
            )
            .await;
        }
        Ok(_) if form.password != form.confirm => {
            return render(
                &session,
                token,
                Some(user.email.to_string()),
                Some("The two passwords differ.".into()),
            )
            .await;
        }
        Ok(p) => p,
    };
    let password_hash = password::hash(&password)
        .await
        .map_err(ApiError::internal)?;
    let user = match state
        .store
        .accept_invitation(&hash, &password_hash, Timestamp::now())
        .await
    {
        Err(kept_store::StoreError::NotFound) => return render(&session, token, None, None).await,
        other => other?,
    };
    sign_in(&state, &session, user.id).await?;
    Flash::ok(&session, "Your password is set. Welcome to Kept.").await?;
    Ok(see_other("/"))
}

/// Accepting an invitation.
pub fn routes() -> Router<AppState> {
    Router::new().route("/invite/{token}", get(page).post(accept))
}
