//! The admin's notification pages: the outbox (what waits, what failed,
//! what died, with a retry) and the mail view (the mail kept in the
//! database when no SMTP server is configured, as each person got it).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_app::notify::admin::{self, DeliveryFilter, MailFilter};
use kept_domain::{DeliveryId, DeliveryState, RequestId};
use kept_store::notify::{Delivery, KeptMail, OutboxStats};
use serde::Deserialize;

use super::session::{CsrfForm, WebCaller};
use super::{Layout, NoFields, WebError, WebPath, WebQuery, after_post};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "outbox.html")]
struct OutboxPage {
    layout: Layout,
    stats: OutboxStats,
    mail: &'static str,
    shown: String,
    deliveries: Vec<Delivery>,
    next_page: Option<String>,
}

/// The outbox page's filters.
#[derive(Debug, Deserialize)]
pub struct OutboxQuery {
    state: Option<String>,
    cursor: Option<String>,
}

/// The states a filter name shows: one, or every one not delivered.
fn states(shown: &str) -> Vec<String> {
    match shown {
        "waiting" => ["pending", "failed", "dead"].map(str::to_owned).to_vec(),
        "all" => Vec::new(),
        one => vec![one.to_owned()],
    }
}

/// `GET /admin/outbox`.
pub async fn outbox(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebQuery(query): WebQuery<OutboxQuery>,
) -> Result<Response, WebError> {
    let shown = query.state.unwrap_or_else(|| "waiting".into());
    let filter = DeliveryFilter {
        states: states(&shown),
        cursor: query.cursor,
        limit: None,
    };
    let page = admin::deliveries(&state.app, &principal, filter).await?;
    let stats = admin::stats(&state.app, &principal).await?;
    let next_page = page.next_cursor.as_ref().map(|c| {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("state", &shown)
            .append_pair("cursor", c.as_str())
            .finish();
        format!("/admin/outbox?{query}")
    });
    Ok(OutboxPage {
        layout: Layout::new(&session, &principal, "Outbox", "admin").await?,
        stats,
        mail: state.outgoing.describe(),
        shown,
        deliveries: page.items,
        next_page,
    }
    .into_response())
}

/// `POST /admin/outbox/{id}/retry`: due again now.
pub async fn retry(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<DeliveryId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let result = admin::retry(&state.app, &principal, id)
        .await
        .map(|d| {
            (
                format!("The message to {} will be sent again now.", d.recipient),
                "/admin/outbox".to_owned(),
            )
        })
        .map_err(ApiError::from);
    after_post(&session, result, "/admin/outbox").await
}

#[derive(Template, WebTemplate)]
#[template(path = "mail_list.html")]
struct MailListPage {
    layout: Layout,
    to: String,
    mail: Vec<KeptMail>,
    next_page: Option<String>,
}

/// The mail view's filters.
#[derive(Debug, Deserialize)]
pub struct MailQuery {
    to: Option<String>,
    request: Option<RequestId>,
    cursor: Option<String>,
}

/// `GET /admin/mail`.
pub async fn mail(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebQuery(query): WebQuery<MailQuery>,
) -> Result<Response, WebError> {
    let to = query.to.unwrap_or_default();
    let filter = MailFilter {
        to: (!to.trim().is_empty()).then(|| to.trim().to_owned()),
        request: query.request,
        cursor: query.cursor,
        limit: None,
    };
    let page = admin::mail(&state.app, &principal, filter).await?;
    let next_page = page.next_cursor.as_ref().map(|c| {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("to", &to)
            .append_pair("cursor", c.as_str())
            .finish();
        format!("/admin/mail?{query}")
    });
    Ok(MailListPage {
        layout: Layout::new(&session, &principal, "Mail", "admin").await?,
        to,
        mail: page.items,
        next_page,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "mail_message.html")]
struct MessagePage {
    layout: Layout,
    mail: KeptMail,
    headers: Vec<(String, String)>,
    text: String,
    has_html: bool,
}

/// A kept message's headers and parts, as read back by a mail parser.
struct Parts {
    headers: Vec<(String, String)>,
    text: String,
    html: Option<String>,
}

fn parts(raw: &str) -> Parts {
    let Some(message) = mail_parser::MessageParser::default().parse(raw.as_bytes()) else {
        return Parts {
            headers: Vec::new(),
            text: raw.to_owned(),
            html: None,
        };
    };
    let headers = message
        .headers_raw()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-type"))
        .map(|(name, value)| (name.to_owned(), value.trim().replace("\r\n", "")))
        .collect();
    Parts {
        headers,
        text: message
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
        html: message.body_html(0).map(|h| h.into_owned()),
    }
}

/// `GET /admin/mail/{id}`: one message, its headers, its text and its HTML.
pub async fn message(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<DeliveryId>,
) -> Result<Response, WebError> {
    let mail = admin::message(&state.app, &principal, id).await?;
    let parts = parts(&mail.message);
    Ok(MessagePage {
        layout: Layout::new(&session, &principal, &mail.subject, "admin").await?,
        headers: parts.headers,
        text: parts.text,
        has_html: parts.html.is_some(),
        mail,
    }
    .into_response())
}

/// `GET /admin/mail/{id}/html`: the HTML part alone, for the frame on the
/// message page. It is the mail's own markup, so it is served sandboxed:
/// no scripts, no requests anywhere, framed only by Kept's own pages.
pub async fn html(
    State(state): State<AppState>,
    WebCaller { principal, .. }: WebCaller,
    WebPath(id): WebPath<DeliveryId>,
) -> Result<Response, WebError> {
    let mail = admin::message(&state.app, &principal, id).await?;
    let html = parts(&mail.message).html.ok_or_else(ApiError::not_found)?;
    let mut response = axum::response::Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'",
        ),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    Ok(response)
}

/// Whether a delivery can be retried (it has not been delivered).
pub fn retryable(state: &DeliveryState) -> bool {
    *state != DeliveryState::Sent
}

/// The admin's outbox and mail pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/outbox", get(outbox))
        .route("/admin/outbox/{id}/retry", post(retry))
        .route("/admin/mail", get(mail))
        .route("/admin/mail/{id}", get(message))
        .route("/admin/mail/{id}/html", get(html))
}
