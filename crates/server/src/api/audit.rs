//! `/api/v1/audit-events`: the append-only log of who changed what (admins).

use axum::Json;
use axum::extract::State;
use kept_domain::{AuditEvent, Page, UserId};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::ApiQuery;
use crate::state::AppState;
use kept_app::audit::{self, AuditFilter};

/// The audit routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_events))
}

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only changes to this kind of thing: `party`, `user` (logins, passwords,
    /// invitations and grants) or `token`.
    subject_type: Option<String>,
    /// Only changes to the thing with this id.
    subject_id: Option<String>,
    /// Only changes made by this user.
    actor: Option<UserId>,
    /// Only this kind of change, such as `party.updated`.
    #[param(value_type = Option<kept_domain::AuditAction>)]
    action: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// Lists audit events, newest first (admins only).
#[utoipa::path(get, path = "/audit-events", tag = "audit", params(ListParams),
    responses(
        (status = 200, description = "A page of events", body = Page<AuditEvent>),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_events(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Page<AuditEvent>>, ApiError> {
    let filter = AuditFilter {
        subject_type: params.subject_type,
        subject_id: params.subject_id,
        actor: params.actor,
        action: params.action,
        cursor: params.cursor,
        limit: params.limit,
    };
    Ok(Json(audit::events(&state.app, &caller, filter).await?))
}
