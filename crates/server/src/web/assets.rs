//! Static assets, embedded in the binary.

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::WebError;
use crate::error::ApiError;
use crate::state::AppState;

const CSS: &str = include_str!("../../assets/kept.css");
const JS: &str = include_str!("../../assets/kept.js");

/// Serves `/assets/{file}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "kept.css" => (CSS, "text/css; charset=utf-8"),
        "kept.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return WebError(ApiError::not_found()).into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// The embedded stylesheet and script.
pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{file}", get(serve))
}
