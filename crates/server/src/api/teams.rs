//! `/api/v1/teams`: the provider's teams, their members (calendar and
//! share of hours for planned work) and the members' absences; and
//! `/api/v1/requests/{id}/assignment`, which gives a request to a team.
//!
//! Tenancy: a team's managers (of it or of a party above it) change it,
//! its agents read it, and anyone else is told it does not exist (404).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use jiff::civil::Date;
use kept_domain::{Absence, AbsenceId, MemberPlace, Page, PartyId, RequestId, UserId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::requests::Outcome;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use kept_app::teams::{self, AbsenceInput, MemberView, TeamSummary, TeamView};

/// The teams routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams))
        .routes(routes!(get_team))
        .routes(routes!(set_member, remove_member))
        .routes(routes!(add_absence))
        .routes(routes!(remove_absence))
        .routes(routes!(assign_request))
}

/// Lists the teams the caller may see, by name: those under the parties
/// where they are a manager or an agent (all, for admins); one page of
/// up to 200.
#[utoipa::path(get, path = "/teams", tag = "teams",
    responses((status = 200, description = "The teams", body = Page<TeamSummary>)))]
async fn list_teams(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Page<TeamSummary>>, ApiError> {
    let items = teams::list(&state.app, &caller).await?;
    Ok(Json(Page {
        items,
        next_cursor: None,
    }))
}

/// Reads a team: its members with their calendars, shares and absences.
#[utoipa::path(get, path = "/teams/{id}", tag = "teams",
    params(("id" = String, Path, description = "The team's party id")),
    responses(
        (status = 200, description = "The team", body = TeamView),
        (status = 404, description = "No such team, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_team(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<PartyId>,
) -> Result<Json<TeamView>, ApiError> {
    Ok(Json(teams::view(&state.app, &caller, id).await?))
}

/// A member's place in a team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    /// The calendar they work on; absent or `null`: around the clock, UTC.
    #[serde(default)]
    calendar_id: Option<kept_domain::CalendarId>,
    /// The share of their hours available for planned work, 1 to 100.
    share_percent: u32,
}

/// Adds a person to the team, or changes their calendar and share.
/// The team's managers only.
#[utoipa::path(put, path = "/teams/{id}/members/{user_id}", tag = "teams", request_body = MemberBody,
    params(("id" = String, Path, description = "The team's party id"), ("user_id" = String, Path, description = "The person's login")),
    responses(
        (status = 200, description = "Their place in the team", body = MemberView),
        (status = 403, description = "Not a manager of the team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team or person, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A share out of range, an unknown or archived calendar", body = Problem, content_type = "application/problem+json"),
    ))]
async fn set_member(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath((id, user_id)): ApiPath<(PartyId, UserId)>,
    ApiJson(body): ApiJson<MemberBody>,
) -> Result<Json<MemberView>, ApiError> {
    let place = MemberPlace {
        calendar_id: body.calendar_id,
        share_percent: kept_domain::team::share_percent(body.share_percent)
            .map_err(kept_domain::ValidationErrors::from)?,
    };
    Ok(Json(
        teams::set_member(&state.app, &caller, id, user_id, place).await?,
    ))
}

/// Takes a person out of the team, with their absences there.
#[utoipa::path(delete, path = "/teams/{id}/members/{user_id}", tag = "teams",
    params(("id" = String, Path, description = "The team's party id"), ("user_id" = String, Path, description = "The person's login")),
    responses(
        (status = 200, description = "Their place as it was", body = MemberView),
        (status = 403, description = "Not a manager of the team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team or member, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn remove_member(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath((id, user_id)): ApiPath<(PartyId, UserId)>,
) -> Result<Json<MemberView>, ApiError> {
    Ok(Json(
        teams::remove_member(&state.app, &caller, id, user_id).await?,
    ))
}

/// An absence: whose, the first and the last day away, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbsenceBody {
    /// The member who is away.
    user_id: UserId,
    /// The first day away, in their calendar's zone.
    #[schema(value_type = String, format = Date)]
    starts_on: Date,
    /// The last day away (inclusive); at most 366 days after the first.
    #[schema(value_type = String, format = Date)]
    ends_on: Date,
    /// Why, in one line of up to 200 characters.
    #[serde(default)]
    reason: String,
}

/// Records an absence of a member: its days are closed on their calendar.
#[utoipa::path(post, path = "/teams/{id}/absences", tag = "teams", request_body = AbsenceBody,
    params(("id" = String, Path, description = "The team's party id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Recorded", body = Absence),
        (status = 403, description = "Not a manager of the team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Dates out of order or too far apart, a reason of more than one line, not a member", body = Problem, content_type = "application/problem+json"),
    ))]
async fn add_absence(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<PartyId>,
    ApiJson(body): ApiJson<AbsenceBody>,
) -> Result<impl IntoResponse, ApiError> {
    let input = AbsenceInput {
        user_id: body.user_id,
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        reason: body.reason,
    };
    let absence = teams::add_absence(&state.app, &caller, id, input).await?;
    let location = format!("/api/v1/teams/{id}/absences/{}", absence.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(absence),
    ))
}

/// Takes back an absence.
#[utoipa::path(delete, path = "/teams/{id}/absences/{absence_id}", tag = "teams",
    params(("id" = String, Path, description = "The team's party id"), ("absence_id" = String, Path, description = "The absence's id")),
    responses(
        (status = 200, description = "The absence taken back", body = Absence),
        (status = 403, description = "Not a manager of the team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team or absence, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn remove_absence(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath((id, absence_id)): ApiPath<(PartyId, AbsenceId)>,
) -> Result<Json<Absence>, ApiError> {
    Ok(Json(
        teams::remove_absence(&state.app, &caller, id, absence_id).await?,
    ))
}

/// Who works a request: a team and, optionally, one of its members.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentBody {
    /// One of the request's provider's teams.
    team_id: PartyId,
    /// A member of that team; absent or `null`: the team as a whole.
    #[serde(default)]
    assignee_id: Option<UserId>,
}

/// Assigns an open request to a team of its provider and optionally one
/// of its members, recorded in its history as an internal event. The
/// provider's agents and managers.
#[utoipa::path(put, path = "/requests/{id}/assignment", tag = "requests", request_body = AssignmentBody,
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "Assigned", body = Outcome),
        (status = 403, description = "Not the provider's agent or manager", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown team, not the provider's, an assignee who is not its member, or a finished request", body = Problem, content_type = "application/problem+json"),
    ))]
async fn assign_request(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<RequestId>,
    ApiJson(body): ApiJson<AssignmentBody>,
) -> Result<Json<Outcome>, ApiError> {
    let (request, event) =
        teams::assign(&state.app, &caller, id, body.team_id, body.assignee_id).await?;
    Ok(Json(Outcome {
        request,
        events: vec![event],
    }))
}
