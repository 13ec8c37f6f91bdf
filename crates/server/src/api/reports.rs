//! Reports: `GET /api/v1/reports/promises`, promise integrity per team,
//! contract, customer, or internal against external, over a period.
//!
//! Tenancy: anyone signed in; each counts only the promises of the
//! requests they see, as their request list shows them.

use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use kept_app::promises::report::{self, IntegrityReport, ReportInput};
use kept_domain::promise::IntegrityBy;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The report routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(promise_integrity))
}

/// The period and grouping of the promise integrity report.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IntegrityParams {
    /// Promises settled from this instant (RFC 3339; default: 90 days
    /// before `to`).
    #[param(value_type = Option<String>)]
    from: Option<Timestamp>,
    /// Until this instant, excluded (RFC 3339; default: now).
    #[param(value_type = Option<String>)]
    to: Option<Timestamp>,
    /// Group by `team` (the default), `contract`, `customer`, or
    /// `internal` (internal against external customers).
    #[param(value_type = Option<String>)]
    by: Option<IntegrityBy>,
}

/// Promise integrity: of the promises settled in the period on requests
/// the caller sees, the share kept as first made, kept after a timely
/// renegotiation and broken, one row per group (by name) and a total.
/// Teams the caller may not see are counted together in one unnamed row.
#[utoipa::path(get, path = "/reports/promises", tag = "reports", params(IntegrityParams),
    responses(
        (status = 200, description = "The counts and shares per group, and their total", body = IntegrityReport),
        (status = 422, description = "An instant that is not RFC 3339, an unknown `by`, or `from` not before `to`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn promise_integrity(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<IntegrityParams>,
) -> Result<Json<IntegrityReport>, ApiError> {
    let input = ReportInput {
        from: params.from,
        to: params.to,
        by: params.by,
    };
    Ok(Json(report::report(&state.app, &caller, input).await?))
}
