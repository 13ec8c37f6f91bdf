//! `Idempotency-Key` on POST: a repeat of a request returns the first
//! response instead of acting twice.
//!
//! Keys are per user. The first request claims its key in the database
//! before running, so a concurrent repeat is told to retry (409) rather than
//! racing it, on one server or several. A response of 5xx releases the key,
//! so a failed request can be retried with the same key. The same key with a
//! different method, path or body is refused (422); a JSON body is compared
//! by its meaning, so a client that serialises it again (keys in another
//! order, other spacing) is replayed, not refused. A response that carries
//! a one-time secret (marked [`ContainsSecret`]) is not kept: its key
//! replays `secret-not-replayed` instead, so the secret exists only as a hash.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kept_domain::Principal;
use kept_store::{IdempotencyStart, StoredResponse};
use serde_json::Value;

use crate::error::{ApiError, ProblemKind};
use crate::extract::BODY_LIMIT;
use crate::state::AppState;
use kept_app::secret::hash_secret;

/// The request header carrying the key.
pub const HEADER: &str = "idempotency-key";
/// Set on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";

/// Marks a response whose body holds a secret shown once (an API token, an
/// invitation link), so it is never stored for replay.
#[derive(Debug, Clone, Copy)]
pub struct ContainsSecret;

/// The middleware; runs after authentication.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(raw_key) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    // Unauthenticated requests go on to be refused by the handler (401),
    // whatever their key: who is asking comes before what they send.
    let Some(user) = request.extensions().get::<Principal>().map(|p| p.user_id) else {
        return next.run(request).await;
    };
    let key = match valid_key(raw_key) {
        Ok(key) => key,
        Err(e) => return e.into_response(),
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, BODY_LIMIT).await else {
        return ApiError::new(ProblemKind::PayloadTooLarge).into_response();
    };
    let target = parts.uri.path_and_query().map_or("", |p| p.as_str());
    let fingerprint = hash_secret(&format!(
        "{} {target}\n{}",
        parts.method,
        comparable_body(&body)
    ));

    match state.store.start_idempotent(user, &key, &fingerprint).await {
        Ok(IdempotencyStart::Claimed) => {}
        Ok(IdempotencyStart::Replay(stored)) => return replay(stored),
        Ok(IdempotencyStart::Mismatch) => {
            return ApiError::new(ProblemKind::IdempotencyKeyReused).into_response();
        }
        Ok(IdempotencyStart::InProgress) => {
            return ApiError::new(ProblemKind::IdempotencyKeyInUse).into_response();
        }
        Err(e) => return ApiError::from(e).into_response(),
    }

    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (parts, body) = response.into_parts();
    let body = match to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => {
            let _ = state.store.abandon_idempotent(user, &key).await;
            return ApiError::internal(e).into_response();
        }
    };
    let header_text = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let outcome = if parts.status.is_server_error() {
        state.store.abandon_idempotent(user, &key).await
    } else {
        let stored = if parts.extensions.get::<ContainsSecret>().is_some() {
            let problem = ApiError::new(ProblemKind::SecretNotReplayed).body();
            StoredResponse {
                status: ProblemKind::SecretNotReplayed.status().as_u16(),
                content_type: Some("application/problem+json".into()),
                location: header_text(header::LOCATION),
                body: serde_json::to_vec(&problem).unwrap_or_default(),
            }
        } else {
            StoredResponse {
                status: parts.status.as_u16(),
                content_type: header_text(header::CONTENT_TYPE),
                location: header_text(header::LOCATION),
                body: body.to_vec(),
            }
        };
        state.store.finish_idempotent(user, &key, &stored).await
    };
    if let Err(e) = outcome {
        tracing::error!(error = %e, "could not record an idempotent response");
    }
    Response::from_parts(parts, Body::from(body))
}

/// The body as retries are compared: JSON written one way (object keys
/// sorted, no spacing), anything else as it is. The two cannot be
/// confused: only the first starts with `json `.
fn comparable_body(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => {
            let mut out = String::from("json ");
            write_canonical(&value, &mut out);
            out
        }
        Err(_) => format!("raw {}", String::from_utf8_lossy(body)),
    }
}

/// Writes `value` with its objects' keys in order. The parser stops at 128
/// levels of nesting, so the recursion is bounded.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn valid_key(raw: &HeaderValue) -> Result<String, ApiError> {
    let key = raw.to_str().unwrap_or_default();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::field(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters (a UUID is a good choice)",
        ));
    }
    Ok(key.to_owned())
}

fn replay(stored: StoredResponse) -> Response {
    let mut response = Response::new(Body::from(stored.body));
    *response.status_mut() = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, stored.content_type),
        (header::LOCATION, stored.location),
    ] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, value);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_are_compared_by_meaning_and_others_byte_for_byte() {
        let same = [
            r#"{"kind":"organisation","name":"Acme","tags":[1,{"b":2,"a":1}]}"#,
            "{ \"name\" : \"Acme\",\n  \"tags\": [1, {\"a\": 1, \"b\": 2}], \"kind\": \"organisation\" }",
            r#"{"name":"Ac\u006de","kind":"organisation","tags":[1,{"a":1,"b":2}]}"#,
        ];
        let first = comparable_body(same[0].as_bytes());
        for body in same {
            assert_eq!(comparable_body(body.as_bytes()), first, "{body}");
        }
        for different in [
            r#"{"kind":"organisation","name":"Acme ","tags":[1,{"b":2,"a":1}]}"#,
            r#"{"kind":"organisation","name":"Acme","tags":[{"b":2,"a":1},1]}"#,
            r#"{"kind":"organisation","name":"Acme","tags":[1,{"b":2,"a":1}],"x":null}"#,
        ] {
            assert_ne!(comparable_body(different.as_bytes()), first, "{different}");
        }
        assert_eq!(comparable_body(b"not json"), "raw not json");
        assert_ne!(comparable_body(b"{ }"), comparable_body(b"raw {}"));
        assert_eq!(comparable_body(b"{ }"), comparable_body(b"{}"));
    }
}
