//! API authentication by Bearer token.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kept_domain::{Principal, Timestamp};

use crate::error::{ApiError, ProblemKind};
use crate::state::AppState;
use kept_app::cache::CachedToken;
use kept_app::secret::hash_secret;

/// How often a token's last use is written down, at most.
const TOUCH_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// The authenticated API caller. Handlers take it as an argument; without a
/// valid token the request is answered `unauthenticated`.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| unauthenticated("send an API token as `Authorization: Bearer <token>`"))
    }
}

fn unauthenticated(detail: &str) -> ApiError {
    ApiError::new(ProblemKind::Unauthenticated).detail(detail)
}

/// The path (under `/api/v1`) of the inbound email hook, which carries
/// its own token (checked by its handler), not a user's.
pub const INBOUND_EMAIL_PATH: &str = "/inbound-email";

/// Resolves a Bearer token, if one is sent, to the caller (left in the
/// request's extensions for [`Caller`]). A token that is sent but not valid
/// is refused here; no token passes through, for routes that need none.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // The inbound email hook sends its own token, which its handler checks.
    if request.uri().path() == INBOUND_EMAIL_PATH {
        return next.run(request).await;
    }
    if let Some(header) = request.headers().get(AUTHORIZATION) {
        match principal_for(&state, header.to_str().unwrap_or_default()).await {
            Ok(principal) => {
                request.extensions_mut().insert(principal);
            }
            Err(e) => return e.into_response(),
        }
    }
    next.run(request).await
}

/// The token of a `Bearer` credential; the scheme's name is matched
/// without regard to case (RFC 9110, section 11.1).
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

async fn principal_for(state: &AppState, header: &str) -> Result<Principal, ApiError> {
    let token = bearer_token(header)
        .ok_or_else(|| unauthenticated("the Authorization header must be `Bearer <token>`"))?;
    let store = state.store.as_ref();
    let now = Timestamp::now();
    let hash = hash_secret(token);
    state
        .app
        .refs
        .refresh(store, state.config.reference_cache_ms == 0)
        .await?;
    let user = match state.app.refs.token(&hash, now) {
        Some(cached) => {
            if now.duration_since(cached.touched_at) > TOUCH_EVERY {
                let touched = CachedToken {
                    touched_at: now,
                    ..cached
                };
                state
                    .app
                    .refs
                    .keep_token(&hash, touched, state.app.refs.stamp());
                let (store, id) = (state.store.clone(), cached.owner.token_id);
                tokio::spawn(async move {
                    if let Err(e) = store.touch_token(id, now).await {
                        tracing::warn!(error = %e, "noting a token's use failed");
                    }
                });
            }
            cached.owner.user_id
        }
        None => {
            let before = state.app.refs.stamp();
            let owner = store
                .token_owner_at(&hash, now)
                .await?
                .ok_or_else(|| unauthenticated("the token is unknown, revoked or expired"))?;
            let token = CachedToken {
                owner,
                touched_at: now,
            };
            state.app.refs.keep_token(&hash, token, before);
            state
                .app
                .refs
                .observe(Some(owner.generation), store.local_writes());
            owner.user_id
        }
    };
    match state.store.principal(user).await {
        Ok(principal) => Ok(principal),
        Err(kept_store::StoreError::NotFound) => {
            Err(unauthenticated("the token's user is archived"))
        }
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_read_in_any_case_and_nothing_else_is() {
        for header in ["Bearer abc", "bearer abc", "BEARER abc", "bEaReR   abc "] {
            assert_eq!(bearer_token(header), Some("abc"), "{header}");
        }
        for header in ["Basic abc", "Bearer", "Bearer ", "Bearerabc", "Token abc"] {
            assert_eq!(bearer_token(header), None, "{header}");
        }
    }
}
