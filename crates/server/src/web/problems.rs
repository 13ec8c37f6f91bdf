//! `/problems`: the catalogue of error types the API answers with, so each
//! `type` URI in a problem response leads to its description.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Layout, WebError};
use crate::error::{ApiError, ProblemKind};
use crate::state::AppState;

/// One entry as shown.
pub struct Entry {
    slug: &'static str,
    status: u16,
    title: &'static str,
    description: &'static str,
}

impl From<ProblemKind> for Entry {
    fn from(k: ProblemKind) -> Self {
        Self {
            slug: k.slug(),
            status: k.status().as_u16(),
            title: k.title(),
            description: k.description(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "problems.html")]
struct ProblemsPage {
    layout: Layout,
    entries: Vec<Entry>,
}

/// `GET /problems`.
pub async fn list() -> Response {
    let entries = ProblemKind::ALL.iter().map(|k| Entry::from(*k)).collect();
    ProblemsPage {
        layout: Layout::bare("Error types"),
        entries,
    }
    .into_response()
}

/// `GET /problems/{slug}`.
pub async fn detail(Path(slug): Path<String>) -> Result<Response, WebError> {
    let kind = ProblemKind::from_slug(&slug).ok_or_else(ApiError::not_found)?;
    let entries = vec![Entry::from(kind)];
    Ok(ProblemsPage {
        layout: Layout::bare(kind.title()),
        entries,
    }
    .into_response())
}

/// The catalogue of error types.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/problems", get(list))
        .route("/problems/{slug}", get(detail))
}
