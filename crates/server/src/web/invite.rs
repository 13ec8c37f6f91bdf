//! Accepting an invitation: a person sets their password and is signed in.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use tower_sessions::Session;

use super::session::{CsrfForm, sign_in};
use super::{Flash, Layout, WebError, no_store, see_other};
use crate::state::AppState;
use kept_app::accounts::{self, Acceptance, PasswordProblem};

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
    let user = accounts::invitation(&state.app, &token).await?;
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
    let acceptance =
        accounts::accept_invitation(&state.app, &token, &form.password, &form.confirm).await?;
    let user = match acceptance {
        Acceptance::Accepted(user) => user,
        Acceptance::NoInvitation => return render(&session, token, None, None).await,
        Acceptance::Refused { email, problem } => {
            let error = match problem {
                PasswordProblem::Invalid(message) => format!("The password {message}."),
                PasswordProblem::Mismatch => "The two passwords differ.".to_owned(),
            };
            return render(&session, token, Some(email.to_string()), Some(error)).await;
        }
    };
    sign_in(&state, &session, user.id).await?;
    Flash::ok(&session, "Your password is set. Welcome to Kept.").await?;
    Ok(see_other("/"))
}

/// Accepting an invitation.
pub fn routes() -> Router<AppState> {
    Router::new().route("/invite/{token}", get(page).post(accept))
}
