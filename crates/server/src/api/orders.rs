//! Orders: `GET /api/v1/requests/{id}/lines`, an order's lines with the
//! question each raised before it was accepted and how it was settled, and
//! `GET /api/v1/services/{id}/quantity-check`, how often a service's order
//! lines were questioned and how. Orders themselves are raised through
//! `POST /api/v1/requests`.
//!
//! Tenancy: whoever may read the request reads its lines; the provider's
//! people read the service's counts; anyone else is told neither exists.

use axum::Json;
use axum::extract::State;
use kept_domain::order::OrderLine;
use kept_domain::{RequestId, ServiceId};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::ApiPath;
use crate::state::AppState;

/// The order routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(order_lines))
        .routes(routes!(quantity_check))
}

/// Reads an order's lines (empty for other requests): each line's
/// quantity, the unit it was typed in, and the question it raised with
/// how the customer settled it (`confirmed`, or `changed` from `asked`).
#[utoipa::path(get, path = "/requests/{id}/lines", tag = "requests",
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "The order's lines, in order", body = Vec<OrderLine>),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn order_lines(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<RequestId>,
) -> Result<Json<Vec<OrderLine>>, ApiError> {
    Ok(Json(
        kept_app::orders::lines(&state.app, &caller, id).await?,
    ))
}

/// How often a service's order lines were questioned before they were
/// accepted, and how the customers settled the questions.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuantityCheck {
    /// Order lines accepted.
    pub lines: u64,
    /// Of those, questioned before they were accepted.
    pub questioned: u64,
    /// Questioned, then changed by the customer: a mistake caught.
    pub changed: u64,
    /// Questioned, then confirmed as typed: asked for nothing.
    pub confirmed: u64,
}

/// Reads the quantity check's precision for a service: of its accepted
/// order lines, how many were questioned, changed and confirmed, so its
/// thresholds (`ordering.check`) can be tuned. For the provider's people.
#[utoipa::path(get, path = "/services/{id}/quantity-check", tag = "services",
    params(("id" = String, Path, description = "The service's id")),
    responses(
        (status = 200, description = "The counts", body = QuantityCheck),
        (status = 404, description = "No such service, or not its provider's to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn quantity_check(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<ServiceId>,
) -> Result<Json<QuantityCheck>, ApiError> {
    let stats = kept_app::services::question_stats(&state.app, &caller, id).await?;
    Ok(Json(QuantityCheck {
        lines: stats.lines,
        questioned: stats.questioned,
        changed: stats.changed,
        confirmed: stats.confirmed,
    }))
}
