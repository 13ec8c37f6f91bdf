//! Limits on the size of a request's head, enforced the same way every time.
//!
//! hyper refuses a header block larger than its read buffer (about 400 KiB)
//! with a bare 431, but only when the block arrives in pieces: a block that
//! reaches the buffer in one large read is parsed whole. Kept sets its own,
//! smaller limit after parsing, so the answer does not depend on how the
//! bytes were split on the wire, and is a problem document.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ProblemKind};

/// The largest header block accepted: names and values with their
/// separators, 64 KiB (eight times nginx's default per line).
pub const HEADER_BLOCK_LIMIT: usize = 64 * 1024;

/// The size of a request's header block as sent: `name: value\r\n` each.
pub fn header_block_len(headers: &axum::http::HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

/// Refuses a request whose headers together exceed [`HEADER_BLOCK_LIMIT`]
/// with `headers-too-large` (431).
pub async fn header_block(request: Request, next: Next) -> Response {
    if header_block_len(request.headers()) > HEADER_BLOCK_LIMIT {
        return ApiError::new(ProblemKind::HeadersTooLarge).into_response();
    }
    next.run(request).await
}
