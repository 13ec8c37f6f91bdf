//! CSRF protection for browser forms: a random token per session, put in
//! every form as `csrf_token` and checked on every POST.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::error::{ApiError, ProblemKind};
use crate::web::WebError;
use kept_app::secret::random_secret;

/// The session key of the token.
const KEY: &str = "csrf";
/// The form field carrying it.
pub const FIELD: &str = "csrf_token";

/// The session's token, made on first use.
pub async fn token(session: &Session) -> Result<String, ApiError> {
    if let Some(token) = session
        .get::<String>(KEY)
        .await
        .map_err(ApiError::internal)?
    {
        return Ok(token);
    }
    let token = random_secret("").map_err(ApiError::internal)?;
    session
        .insert(KEY, &token)
        .await
        .map_err(ApiError::internal)?;
    Ok(token)
}

/// Replaces the session's token (after signing in).
pub async fn renew(session: &Session) -> Result<String, ApiError> {
    session
        .remove::<String>(KEY)
        .await
        .map_err(ApiError::internal)?;
    token(session).await
}

/// A form body whose CSRF token matched the session's, parsed into `T`
/// (`T` ignores the `csrf_token` field).
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CsrfForm<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let session = Session::from_request_parts(&mut parts, state)
            .await
            .map_err(|(_, m)| ApiError::internal(m))?;
        let bytes = crate::extract::read_body(Request::from_parts(parts, body), state).await?;
        let expected = session
            .get::<String>(KEY)
            .await
            .map_err(ApiError::internal)?;
        if !matches(expected.as_deref(), submitted(&bytes).as_deref()) {
            return Err(ApiError::new(ProblemKind::CsrfTokenInvalid).into());
        }
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&bytes));
        let value = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let path = e.path().to_string();
            crate::extract::field_error(&path, &e.into_inner().to_string(), "form")
        })?;
        Ok(CsrfForm(value))
    }
}

fn submitted(body: &Bytes) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
}

/// Constant-time comparison; no token on either side never matches.
fn matches(expected: Option<&str>, submitted: Option<&str>) -> bool {
    match (expected, submitted) {
        (Some(e), Some(s)) if !e.is_empty() => e.as_bytes().ct_eq(s.as_bytes()).into(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_when_both_present_and_equal() {
        assert!(matches(Some("abc"), Some("abc")));
        assert!(!matches(Some("abc"), Some("abd")));
        assert!(!matches(Some("abc"), None));
        assert!(!matches(None, Some("abc")));
        assert!(!matches(Some(""), Some("")));
    }
}
