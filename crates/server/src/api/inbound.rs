//! `POST /api/v1/inbound-email`: a mail service's inbound hook hands over
//! one raw message (RFC 5322), which becomes a reply or a request as
//! `kept mail receive` makes it (`kept_app::notify::inbound`).
//!
//! The hook authenticates with the configured `inbound_email_token`, not
//! an API token: as `Authorization: Bearer <token>`, or as the password of
//! Basic authentication (what most mail services put in a hook's URL).
//! The token is compared in constant time. Without a configured token the
//! route answers `inbound-email-disabled`.

use axum::Json;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use kept_app::notify::inbound::{Received, receive};
use kept_domain::inbound::MAX_MESSAGE_BYTES;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, Problem, ProblemKind};
use crate::state::AppState;

/// The route's path under `/api/v1`; API-token authentication leaves it to
/// the handler.
pub const PATH: &str = crate::auth::bearer::INBOUND_EMAIL_PATH;

/// The inbound email route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(inbound_email))
}

/// Takes in one email message, as `kept mail receive` does: a reply to a
/// notification becomes a public reply on its request, a message to a
/// contract's intake address raises a request, each as its sender may
/// (the API's rules). Refused, automatic and unknown-sender messages are
/// recorded and answered 202 too, with what happened; a message handed
/// over again is not acted on twice.
#[utoipa::path(post, path = "/inbound-email", tag = "mail",
    security(("inbound_token" = []), ("inbound_basic" = [])),
    request_body(content = String, content_type = "message/rfc822",
        description = "One email message as received (RFC 5322 with MIME), headers and attachments included: at most 20 MiB (20,971,520 bytes).",
        example = json!("From: Tom Reed <tom.reed@harbour-retail.example>\r\nTo: facilities@harbour.kept.demo\r\nSubject: Leaking tap in the staff kitchen\r\nMessage-ID: <tap-1@harbour-retail.example>\r\n\r\nSince Monday.\r\n")),
    responses(
        (status = 202, description = "Taken in: `outcome` says what it did (`replied`, `raised`, `refused`, `ignored`, `unknown_sender`)", body = Received),
        (status = 400, description = "Not an email message Kept can read: no headers, no From address, broken MIME (`malformed-mail`); nothing was done", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid inbound email token was sent (`unauthenticated`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Inbound email is not enabled on this server (`inbound-email-disabled`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The message is over 20 MiB (`mail-too-large`); nothing was done", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `message/rfc822` (`unsupported-media-type`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A header of the message hides a line break, a header injection (`unsafe-mail`); nothing was done", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database cannot be reached (`service-unavailable`); send the message again later", body = Problem, content_type = "application/problem+json"),
    ))]
async fn inbound_email(
    State(state): State<AppState>,
    request: Request,
) -> Result<(StatusCode, Json<Received>), ApiError> {
    let token = state.config.inbound_email_token.as_str();
    if token.is_empty() {
        return Err(ApiError::new(ProblemKind::InboundEmailDisabled)
            .detail("set inbound_email_token (KEPT_INBOUND_EMAIL_TOKEN) to take mail here"));
    }
    let headers = request.headers();
    if !authorised(headers, token) {
        return Err(ApiError::new(ProblemKind::Unauthenticated).detail(
            "send the inbound email token as `Authorization: Bearer <token>` or as the password of Basic authentication",
        ));
    }
    check_media_type(headers)?;
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_MESSAGE_BYTES as u64) {
        return Err(too_large());
    }
    let raw = to_bytes(request.into_body(), MAX_MESSAGE_BYTES)
        .await
        .map_err(|_| too_large())?;
    let received = receive(&state.app, &raw).await?;
    Ok((StatusCode::ACCEPTED, Json(received)))
}

fn too_large() -> ApiError {
    ApiError::new(ProblemKind::MailTooLarge)
        .detail("messages are limited to 20 MiB (20,971,520 bytes); nothing was done")
}

/// Refuses a body not declared `message/rfc822` (parameters allowed).
fn check_media_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("message/rfc822") {
        return Ok(());
    }
    Err(
        ApiError::new(ProblemKind::UnsupportedMediaType).detail(format!(
            "send the message as `Content-Type: message/rfc822`, not `{content_type}`"
        )),
    )
}

/// Whether the request carries `token`, as a Bearer token or a Basic
/// password. Both sides are hashed first, so the comparison takes the
/// same time whatever was sent, its length included.
fn authorised(headers: &HeaderMap, token: &str) -> bool {
    let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some((scheme, credential)) = value.trim().split_once(' ') else {
        return false;
    };
    let credential = credential.trim();
    let presented = if scheme.eq_ignore_ascii_case("bearer") {
        credential.to_owned()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credential)
            .ok()
            .and_then(|d| String::from_utf8(d).ok());
        match decoded.as_deref().and_then(|d| d.split_once(':')) {
            Some((_, password)) => password.to_owned(),
            None => return false,
        }
    } else {
        return false;
    };
    let sent = Sha256::digest(presented.as_bytes());
    let expected = Sha256::digest(token.as_bytes());
    sent.ct_eq(&expected).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(value).expect("a header"),
        );
        headers
    }

    #[test]
    fn the_token_is_taken_as_a_bearer_token_or_a_basic_password_and_nothing_else() {
        let basic = base64::engine::general_purpose::STANDARD.encode("kept:s3cret");
        assert!(authorised(&with("Bearer s3cret"), "s3cret"));
        assert!(authorised(&with("bearer  s3cret "), "s3cret"));
        assert!(authorised(&with(&format!("Basic {basic}")), "s3cret"));
        assert!(!authorised(&with("Bearer s3cre"), "s3cret"));
        assert!(!authorised(&with("Token s3cret"), "s3cret"));
        assert!(!authorised(&with("Basic !!!"), "s3cret"));
        assert!(!authorised(&HeaderMap::new(), "s3cret"));
    }
}
