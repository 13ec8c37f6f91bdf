//! Browser authentication: the signed-in user behind a cookie session.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use kept_domain::{Principal, UserId};
use kept_store::StoreError;
use tower_sessions::Session;

use super::csrf;
use super::store::USER_KEY;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::WebError;

/// The signed-in user of a page. Without a live session the browser is sent
/// to the sign-in page, which returns it here afterwards.
pub struct WebCaller {
    /// Who they are.
    pub principal: Principal,
    /// Their session.
    pub session: Session,
}

impl FromRequestParts<AppState> for WebCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(status, m)| (status, m).into_response())?;
        let target = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.to_string(), |u| u.0.to_string());
        let to_login = || Redirect::to(&format!("/login?next={}", encode(&target))).into_response();
        let user: Option<UserId> = session
            .get(USER_KEY)
            .await
            .map_err(|e| WebError::from(ApiError::internal(e)).into_response())?;
        let Some(user) = user else {
            return Err(to_login());
        };
        state
            .app
            .refs
            .refresh(state.store.as_ref(), state.config.reference_cache_ms == 0)
            .await
            .map_err(|e| WebError::from(ApiError::from(e)).into_response())?;
        match state.store.principal(user).await {
            Ok(principal) => Ok(Self { principal, session }),
            Err(StoreError::NotFound) => {
                // The user was archived: this session is over.
                let _ = session.flush().await;
                Err(to_login())
            }
            Err(e) => Err(WebError::from(ApiError::from(e)).into_response()),
        }
    }
}

/// Makes `session` the signed-in session of `user`: under a new id (so an
/// id planted before sign-in is useless) and with a new CSRF token.
pub async fn start_session(session: &Session, user: UserId) -> Result<(), ApiError> {
    session.cycle_id().await.map_err(ApiError::internal)?;
    session
        .insert(USER_KEY, user)
        .await
        .map_err(ApiError::internal)?;
    csrf::renew(session).await?;
    Ok(())
}

/// Signs a user in on this session, after their password (or invitation)
/// was checked, and notes the sign-in.
pub async fn sign_in(state: &AppState, session: &Session, user: UserId) -> Result<(), ApiError> {
    start_session(session, user).await?;
    state.store.record_login(user).await?;
    tracing::info!(%user, "signed in");
    Ok(())
}

/// Percent-encodes a path for a query parameter.
pub fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A local path to go to after signing in: only paths on this site, so the
/// sign-in page cannot be used to send people elsewhere. Anything that is not
/// plain visible ASCII is refused too: browsers drop tabs and newlines from
/// URLs, so `/<TAB>/evil.example` would become `//evil.example`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/parties?q=x")), "/parties?q=x");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
        assert_eq!(safe_next(Some("/a\\b")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
