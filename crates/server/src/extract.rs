//! Extractors shared by the API and the pages, which turn bad input into
//! problems naming the field, never into a panic, a 500 or axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ProblemKind};

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON request body, parsed into `T`.
///
/// - not `application/json` → `unsupported-media-type` (415)
/// - over 1 MiB → `payload-too-large` (413)
/// - not JSON → `malformed-json` (400), with line and column
/// - missing, mistyped or unknown fields → `validation-failed` (422) naming the field
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !(essence.eq_ignore_ascii_case("application/json") || essence.ends_with("+json")) {
            return Err(ApiError::new(ProblemKind::UnsupportedMediaType)
                .detail(format!("got Content-Type `{content_type}`")));
        }
        let bytes = read_body(request, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// An optional JSON body: a request without one (no `Content-Type` and no
/// bytes) gives `None`; anything else is read as [`ApiJson`].
impl<T: DeserializeOwned, S: Send + Sync> axum::extract::OptionalFromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        if request.headers().get(CONTENT_TYPE).is_none() {
            let bytes = read_body(request, state).await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            return Err(ApiError::new(ProblemKind::UnsupportedMediaType)
                .detail("a body was sent without `Content-Type: application/json`"));
        }
        <Self as FromRequest<S>>::from_request(request, state)
            .await
            .map(Some)
    }
}

/// Reads a whole body, answering 413 past [`BODY_LIMIT`].
pub async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ProblemKind::PayloadTooLarge)
                    .detail("request bodies are limited to 1 MiB")
            } else {
                ApiError::new(ProblemKind::MalformedJson).detail(rejection.body_text())
            }
        })
}

/// Parses a JSON object into `T`, naming the offending field on failure.
///
/// Every request body of the API is an object. serde would also read a
/// struct from an array, by position; that is refused so the contract stays
/// the documented one.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let malformed =
        |e: serde_json::Error| ApiError::new(ProblemKind::MalformedJson).detail(e.to_string());
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(malformed)?;
        return Err(ApiError::field(BODY, "must be a JSON object"));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let is_data = inner.classify() == serde_json::error::Category::Data
            // serde_json reports some type errors (a number where an enum's
            // string belongs) as syntax errors; valid JSON means they are not.
            || serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok();
        if is_data {
            field_error(&path, &inner.to_string(), BODY)
        } else {
            malformed(inner)
        }
    })?;
    deserializer.end().map_err(malformed)?;
    Ok(value)
}

/// How a whole request body is named in field errors.
const BODY: &str = "body";
/// How a whole query string is named in field errors.
pub const QUERY: &str = "query";

/// A query string, parsed into `T` (which should deny unknown fields).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                field_error(&path, &e.into_inner().to_string(), QUERY)
            })
    }
}

/// Path parameters. An id that does not parse cannot name anything, so it
/// answers `not-found` like any other unknown id.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|_| ApiError::not_found())
    }
}

/// A `validation-failed` error for a serde data error at `path`; `root`
/// names the whole input (`body`, `query`, `form`).
///
/// serde reports an unknown, missing or repeated field on the object that
/// holds it, so the field's own name is taken from the message and joined
/// to the path.
pub fn field_error(path: &str, message: &str, root: &str) -> ApiError {
    let message = strip_position(message);
    let named = ["unknown field `", "missing field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    let field = match (path, named) {
        ("." | "", Some(name)) => name.to_owned(),
        // An unknown key is already the last segment of the path.
        (path, Some(name)) if path == name || path.ends_with(&format!(".{name}")) => {
            path.to_owned()
        }
        (path, Some(name)) => format!("{path}.{name}"),
        ("." | "", None) => root.to_owned(),
        (path, None) => path.to_owned(),
    };
    ApiError::field(field, message)
}

/// serde_json appends " at line L column C" to data errors; in a field
/// error the field name says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message[..i].to_owned(),
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: kept_domain::PartyName,
        kind: Option<kept_domain::PartyKind>,
        count: Option<u32>,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        flag: bool,
    }

    fn field_of(json: &str) -> (u16, String) {
        match parse_json::<Body>(json.as_bytes()) {
            Ok(_) => (200, String::new()),
            Err(e) => (
                e.kind.status().as_u16(),
                e.errors
                    .first()
                    .map(|f| f.field.clone())
                    .unwrap_or_else(|| e.kind.slug().to_owned()),
            ),
        }
    }

    #[test]
    fn every_kind_of_bad_body_names_its_field() {
        assert_eq!(field_of(r#"{"name": "ok"}"#), (200, String::new()));
        assert_eq!(field_of(r#"{"name": "ok""#), (400, "malformed-json".into()));
        assert_eq!(
            field_of(r#"{"name": "ok"} trailing"#),
            (400, "malformed-json".into())
        );
        assert_eq!(field_of(r#"{"name": 5}"#), (422, "name".into()));
        assert_eq!(field_of(r#"{"name": "  "}"#), (422, "name".into()));
        assert_eq!(field_of(r#"{}"#), (422, "name".into()));
        assert_eq!(
            field_of(r#"{"name": "ok", "colour": "red"}"#),
            (422, "colour".into())
        );
        assert_eq!(
            field_of(r#"{"name": "ok", "count": -1}"#),
            (422, "count".into())
        );
        assert_eq!(
            field_of(r#"{"name": "ok", "inner": {"flag": "yes"}}"#),
            (422, "inner.flag".into())
        );
        assert_eq!(
            field_of(r#"{"name": "ok", "inner": {"flg": true}}"#),
            (422, "inner.flg".into())
        );
        assert_eq!(field_of("5"), (422, "body".into()));
        assert_eq!(
            field_of("[1, 2]"),
            (422, "body".into()),
            "the body must be an object"
        );
        assert_eq!(field_of("[1, 2"), (400, "malformed-json".into()));
        assert_eq!(
            field_of(r#"{"name": "ok", "name": "again"}"#),
            (422, "name".into())
        );
        assert_eq!(
            field_of(r#"{"name": "ok", "kind": 5}"#),
            (422, "kind".into())
        );
    }
}
