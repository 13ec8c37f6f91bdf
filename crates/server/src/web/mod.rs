//! The web UI: server-rendered pages, plain HTML forms, no front-end build.
//! Every page works without JavaScript; `kept.js` only adds conveniences.
//!
//! Each area has its own module and `routes()`, merged in [`router`]; who
//! is signed in, and the CSRF check on every form, are in [`session`].

mod account;
mod assets;
mod at_risk;
mod calendars;
mod chain;
mod change_request_editor;
mod change_request_forms;
mod change_request_page;
mod change_requests;
mod charts;
mod contracts;
pub(crate) mod home;
mod invite;
mod layout;
mod login;
mod order_question;
pub(crate) mod outbox;
mod parties;
mod portal;
mod problems;
mod promise;
mod promise_answer;
mod queue;
mod request;
mod service_ordering;
mod services;
pub mod session;
mod teams;
mod tokens;
mod unsubscribe;
mod users;
mod webhooks;
pub(crate) mod words;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub use layout::{Flash, Layout, when};

use crate::error::{ApiError, ProblemKind};
use crate::state::AppState;

/// The pages. This function is the table of contents: each area has its
/// own module and `routes()`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(home::routes())
        .merge(login::routes())
        .merge(parties::routes())
        .merge(calendars::routes())
        .merge(contracts::routes())
        .merge(change_request_forms::routes())
        .merge(services::routes())
        .merge(teams::routes())
        .merge(at_risk::routes())
        .merge(queue::routes())
        .merge(portal::routes())
        .merge(request::routes())
        .merge(chain::routes())
        .merge(users::routes())
        .merge(tokens::routes())
        .merge(webhooks::routes())
        .merge(outbox::routes())
        .merge(unsubscribe::routes())
        .merge(promise_answer::routes())
        .merge(promise::routes())
        .merge(account::routes())
        .merge(invite::routes())
        .merge(problems::routes())
        .merge(assets::routes())
}

/// An error shown as an HTML page (the same kinds and statuses as the API).
#[derive(Debug)]
pub struct WebError(pub ApiError);

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<kept_store::StoreError> for WebError {
    fn from(e: kept_store::StoreError) -> Self {
        Self(e.into())
    }
}

impl From<kept_app::Error> for WebError {
    fn from(e: kept_app::Error) -> Self {
        Self(e.into())
    }
}

impl From<kept_domain::FieldError> for WebError {
    fn from(e: kept_domain::FieldError) -> Self {
        Self(e.into())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    title: String,
    detail: Option<String>,
    errors: Vec<kept_domain::FieldError>,
    slug: &'static str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let kind = self.0.kind;
        let page = ErrorPage {
            layout: Layout::bare(kind.title()),
            status: kind.status().as_u16(),
            title: kind.title().to_owned(),
            detail: self.0.detail.clone(),
            errors: self.0.errors.clone(),
            slug: kind.slug(),
        };
        let mut response = (kind.status(), page).into_response();
        if let Some(seconds) = self
            .0
            .retry_after
            .filter(|_| kind == ProblemKind::TooManyAttempts)
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A page that must not be cached (it shows a secret once).
pub fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The answer to unknown URLs: a page, or a problem document under `/api/`
/// (for paths the API router itself does not see, such as `/api/v1/`).
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::not_found()
            .detail("no such API route")
            .into_response();
    }
    WebError(ApiError::not_found()).into_response()
}

/// A query string for a page; bad input shows an error page.
pub struct WebQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S>
    for WebQuery<T>
{
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        crate::extract::ApiQuery::<T>::from_request_parts(parts, state)
            .await
            .map(|q| WebQuery(q.0))
            .map_err(WebError)
    }
}

/// Path parameters for a page; an id that does not parse shows "not found".
pub struct WebPath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S>
    for WebPath<T>
{
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        crate::extract::ApiPath::<T>::from_request_parts(parts, state)
            .await
            .map(|p| WebPath(p.0))
            .map_err(WebError)
    }
}

/// A form with nothing but its CSRF token (a button).
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}

/// A redirect after a form post, with a status that makes browsers GET the target.
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

/// Finishes a form post: on success, a message and a redirect to `ok_to`; on
/// an error the person can fix (invalid fields, conflicts), the error as a
/// message and a redirect back to `back`; anything else (not found,
/// forbidden, internal) as an error page.
pub async fn after_post(
    session: &tower_sessions::Session,
    result: Result<(String, String), ApiError>,
    back: &str,
) -> Result<Response, WebError> {
    after_form(session, result, back, NO_LABELS).await
}

/// [`after_post`] for a form whose fields are shown under `labels`, so a
/// refusal names them as the person saw them.
pub async fn after_form(
    session: &tower_sessions::Session,
    result: Result<(String, String), ApiError>,
    back: &str,
    labels: Labels,
) -> Result<Response, WebError> {
    match result {
        Ok((message, ok_to)) => {
            Flash::ok(session, message).await?;
            Ok(see_other(&ok_to))
        }
        Err(e) if shown_on_form(&e) => {
            let text = describe_as(&e, "Not saved.", labels);
            Flash::error(session, &e, text).await?;
            Ok(see_other(back))
        }
        Err(e) => Err(WebError(e)),
    }
}

/// Whether a refused form post is told on the form (the user can act on
/// it: a field, a conflict, a refusal with a reason) rather than as an
/// error page.
pub(super) fn shown_on_form(e: &ApiError) -> bool {
    matches!(e.kind.status().as_u16(), 409 | 422)
        || (e.kind == ProblemKind::Forbidden && e.detail.is_some())
}

/// The labels a form shows for its fields, by field name (the first
/// segment of a field path: `service_ids[0]` is under `service_ids`), so
/// messages name what the person saw: "Details", not `description`.
pub type Labels = &'static [(&'static str, &'static str)];

/// No labels: fields are named from their names (`parent_id` → "Parent").
pub const NO_LABELS: Labels = &[];

/// An error as one sentence: its detail (or title), or `lead` followed by
/// each field that failed, by its label, and why.
pub(super) fn describe_as(e: &ApiError, lead: &str, labels: Labels) -> String {
    if e.errors.is_empty() {
        e.detail
            .clone()
            .unwrap_or_else(|| e.kind.title().to_owned())
    } else {
        let parts: Vec<String> = e
            .errors
            .iter()
            .map(|f| format!("{}: {}", label_of(&f.field, labels), f.message))
            .collect();
        format!("{lead} {}.", parts.join("; "))
    }
}

/// The label of `field` on a form with `labels`; a name made readable
/// when the form has none for it.
fn label_of(field: &str, labels: Labels) -> String {
    let head = field.split(['[', '.']).next().unwrap_or(field);
    labels
        .iter()
        .find(|(name, _)| *name == field || *name == head)
        .map_or_else(|| humanise(field), |(_, label)| (*label).to_owned())
}

/// `parent_id` → `Parent`, for messages.
fn humanise(field: &str) -> String {
    let words = field.trim_end_matches("_id").replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}
