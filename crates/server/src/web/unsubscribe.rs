//! The one-click unsubscribe of RFC 8058. A mail client POSTs
//! `List-Unsubscribe=One-Click` to the link and it takes effect; a person
//! who opens the link sees what it stops and a button, since loading a
//! page changes nothing (mail scanners open links). The signed token is
//! the only credential: no session, no CSRF token.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use tower_sessions::Session;

use super::{Layout, WebError, no_store};
use crate::state::AppState;
use kept_app::notify::preferences;

#[derive(Template, WebTemplate)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    layout: Layout,
    token: String,
    what: &'static str,
    email: String,
    done: bool,
}

/// `GET /unsubscribe/{token}`: what the link stops, and a button.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let (topic, email) = preferences::unsubscribe_target(&state.app, &token).await?;
    Ok(no_store(UnsubscribePage {
        layout: Layout::anonymous(&session, "Stop these emails").await?,
        token,
        what: topic.describe(),
        email,
        done: false,
    }))
}

/// `POST /unsubscribe/{token}`: stops them (the one-click POST of a mail
/// client, or the button; the body is not needed).
pub async fn confirm(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let (_, email) = preferences::unsubscribe_target(&state.app, &token).await?;
    let topic = preferences::unsubscribe(&state.app, &token).await?;
    Ok(no_store(UnsubscribePage {
        layout: Layout::anonymous(&session, "Emails stopped").await?,
        token,
        what: topic.describe(),
        email,
        done: true,
    }))
}

/// The unsubscribe link's page.
pub fn routes() -> Router<AppState> {
    Router::new().route("/unsubscribe/{token}", get(page).post(confirm))
}
