//! `/api/v1/audit-events`: the append-only log of who changed what (admins).

use axum::Json;
use axum::extract::State;
use kept_domain::{AuditAction, AuditEvent, Limit, Page, UserId, single_line};
use kept_store::AuditQuery;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::ApiQuery;
use crate::state::AppState;

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
    #[param(value_type = Option<String>)]
    action: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
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
    ApiError::check(caller.administer_users())?;
    let action = params
        .action
        .map(|a| {
            a.parse::<AuditAction>()
                .map_err(|m| ApiError::field("action", m))
        })
        .transpose()?;
    let query = AuditQuery {
        subject_type: params
            .subject_type
            .map(|t| single_line("subject_type", &t, 64))
            .transpose()?,
        subject_id: params
            .subject_id
            .map(|i| single_line("subject_id", &i, 200))
            .transpose()?,
        actor: params.actor,
        action,
        cursor: params.cursor,
        limit: Limit::parse("limit", params.limit.unwrap_or(Limit::DEFAULT.get()))?,
    };
    Ok(Json(state.store.audit_events(&query).await?))
}
