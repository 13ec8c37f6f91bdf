//! Orders: `GET /api/v1/requests/{id}/lines`, an order's lines with the
//! question each raised before it was accepted and how it was settled.
//! Orders themselves are raised through `POST /api/v1/requests`.
//!
//! Tenancy: whoever may read the request reads its lines; anyone else is
//! told it does not exist.

use axum::Json;
use axum::extract::State;
use kept_domain::RequestId;
use kept_domain::order::OrderLine;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::ApiPath;
use crate::state::AppState;

/// The order routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(order_lines))
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
