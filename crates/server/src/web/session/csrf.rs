//! CSRF protection for browser forms: a random token per session, put in
//! every form as `csrf_token` and checked on every POST; and the post's
//! `Origin` (or, without one, its `Referer`) must be Kept's own.
//!
//! Browsers send `Origin` on every POST, so a form posted from another site
//! names that site and is refused even if it somehow carries a valid token.
//! A post with neither header comes from no browser page (a script with the
//! token and the session cookie) and is judged by its token alone.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN, REFERER};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use tower_sessions::Session;
use url::Url;

use crate::config::Config;
use crate::error::{ApiError, ProblemKind};
use crate::state::AppState;
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

/// A form body posted from Kept's own page whose CSRF token matched the
/// session's, parsed into `T` (`T` ignores the `csrf_token` field).
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        if !from_own_page(&parts.headers, host(&parts).as_deref(), &state.config) {
            return Err(ApiError::new(ProblemKind::CrossSiteForm).into());
        }
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

/// The host the request was sent to: `Host`, or HTTP/2's `:authority`.
fn host(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(ToString::to_string))
}

/// Whether a post came from one of Kept's own pages: its `Origin`, or
/// without one its `Referer`, is the origin of the configured public URL or
/// of the host the request was sent to (over HTTPS when cookies are
/// secure). A post with neither header passes, to be judged by its token.
fn from_own_page(headers: &HeaderMap, host: Option<&str>, config: &Config) -> bool {
    let text = |name| headers.get(name).map(|v| v.to_str().unwrap_or_default());
    let Some(source) = text(ORIGIN).or_else(|| text(REFERER)) else {
        return true;
    };
    // An opaque origin ("null": a sandboxed frame, a data: URL) is no page of ours.
    let Ok(source) = Url::parse(source) else {
        return false;
    };
    let origin = source.origin();
    if !origin.is_tuple() {
        return false;
    }
    if !config.public_url.is_empty()
        && Url::parse(&config.public_url).is_ok_and(|own| own.origin() == origin)
    {
        return true;
    }
    if config.secure_cookies && source.scheme() != "https" {
        return false;
    }
    host.and_then(|host| Url::parse(&format!("{}://{host}/", source.scheme())).ok())
        .is_some_and(|sent_to| sent_to.origin() == origin)
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
    use axum::http::HeaderValue;

    fn headers(pairs: &[(axum::http::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                name.clone(),
                HeaderValue::from_str(value).expect("a header"),
            );
        }
        map
    }

    fn own(pairs: &[(axum::http::HeaderName, &str)], host: &str, config: &Config) -> bool {
        from_own_page(&headers(pairs), Some(host), config)
    }

    #[test]
    fn a_post_from_the_host_it_was_sent_to_is_our_own_and_any_other_is_not() {
        let config = Config::default();
        let host = "kept.example:8080";
        assert!(own(&[(ORIGIN, "http://kept.example:8080")], host, &config));
        assert!(own(&[(ORIGIN, "http://KEPT.example:8080")], host, &config));
        assert!(own(
            &[(REFERER, "http://kept.example:8080/parties?q=a")],
            host,
            &config
        ));
        assert!(
            own(&[], host, &config),
            "no browser page: the token decides"
        );
        assert!(!own(&[(ORIGIN, "http://evil.example")], host, &config));
        assert!(!own(&[(ORIGIN, "http://kept.example:9090")], host, &config));
        assert!(!own(&[(ORIGIN, "null")], host, &config));
        assert!(!own(
            &[(REFERER, "http://evil.example/kept.example:8080")],
            host,
            &config
        ));
        assert!(
            !own(
                &[
                    (ORIGIN, "http://evil.example"),
                    (REFERER, "http://kept.example:8080/")
                ],
                host,
                &config
            ),
            "the Origin decides when there is one"
        );
        assert!(own(
            &[(ORIGIN, "https://kept.example")],
            "kept.example",
            &config
        ));
        assert!(own(
            &[(ORIGIN, "https://kept.example:443")],
            "kept.example",
            &config
        ));
    }

    #[test]
    fn behind_a_proxy_the_public_url_is_our_own_and_secure_cookies_want_https() {
        let config = Config {
            public_url: "https://kept.example/".into(),
            secure_cookies: true,
            ..Config::default()
        };
        assert!(own(
            &[(ORIGIN, "https://kept.example")],
            "127.0.0.1:8080",
            &config
        ));
        assert!(!own(
            &[(ORIGIN, "https://evil.example")],
            "127.0.0.1:8080",
            &config
        ));
        assert!(
            !own(&[(ORIGIN, "http://kept.example")], "kept.example", &config),
            "plain HTTP is not the page when Kept is served over HTTPS"
        );
    }

    #[test]
    fn tokens_match_only_when_both_present_and_equal() {
        assert!(matches(Some("abc"), Some("abc")));
        assert!(!matches(Some("abc"), Some("abd")));
        assert!(!matches(Some("abc"), None));
        assert!(!matches(None, Some("abc")));
        assert!(!matches(Some(""), Some("")));
    }
}
