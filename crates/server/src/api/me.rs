//! `/api/v1/me`: who the caller is.

use axum::Json;
use axum::extract::State;
use kept_domain::{Grant, User};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::users;

/// The me route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// The caller and their roles.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The caller's login.
    user: User,
    /// Every role the caller holds.
    grants: Vec<Grant>,
}

/// The caller: their login and roles.
#[utoipa::path(get, path = "/me", tag = "users", responses((status = 200, description = "The caller", body = Me)))]
async fn me(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<Me>, ApiError> {
    let user = users::readable_user(&state.app, &caller, caller.user_id).await?;
    Ok(Json(Me {
        user,
        grants: caller.grants,
    }))
}
