//! `/api/v1/calendars`: stored business calendars, and business-time
//! arithmetic on them.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use kept_domain::business_calendar::problems;
use kept_domain::calendar::{BusinessDuration, CalendarSpec};
use kept_domain::{CalendarId, Limit, Page, PartyId, PartyName, StoredCalendar, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ArchivedParam;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use kept_app::calendars::{self, CalendarChange, CalendarFilter, CalendarInput, Rules, instant};

/// The calendars routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calendars, create_calendar))
        .routes(routes!(get_calendar, update_calendar))
        .routes(routes!(archive_calendar))
        .routes(routes!(restore_calendar))
        .routes(routes!(calendar_due))
        .routes(routes!(calendar_elapsed))
}

/// Filters of a calendar list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `active` (default), `archived` or `all`.
    archived: Option<ArchivedParam>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// Lists the calendars of the parties the caller may see, by name.
#[utoipa::path(get, path = "/calendars", tag = "calendars", params(ListParams),
    responses((status = 200, description = "A page of calendars", body = Page<StoredCalendar>)))]
async fn list_calendars(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Page<StoredCalendar>>, ApiError> {
    let filter = CalendarFilter {
        archived: params.archived.unwrap_or_default().into(),
        cursor: params.cursor,
        limit: Limit::parse("limit", params.limit.unwrap_or(Limit::DEFAULT.get()))?,
    };
    Ok(Json(calendars::list(&state.app, &caller, filter).await?))
}

/// A new calendar: `spec` in the calendar format as JSON, or the same as TOML
/// text in `toml`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCalendar {
    /// Its name, 1 to 200 characters.
    #[schema(value_type = String)]
    name: PartyName,
    /// The party that keeps it (you must manage it).
    owner_id: PartyId,
    /// Zone, week, holidays, exceptions, valid_from, valid_until.
    #[schema(value_type = Option<Object>)]
    #[serde(
        default,
        deserialize_with = "kept_domain::calendar::strict::option_object"
    )]
    spec: Option<CalendarSpec>,
    /// The same rules written as TOML.
    toml: Option<String>,
}

/// Stores a calendar, validated: every problem is named (`spec.week.mon[1]`).
#[utoipa::path(post, path = "/calendars", tag = "calendars", request_body = CreateCalendar,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Stored", body = StoredCalendar),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid calendar", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_calendar(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<CreateCalendar>,
) -> Result<impl IntoResponse, ApiError> {
    let rules = Rules::either(body.spec, body.toml)?
        .ok_or_else(|| ApiError::field("spec", "a calendar needs its rules, in spec or toml"))?;
    let input = CalendarInput {
        name: body.name,
        owner_id: body.owner_id,
        rules,
    };
    let calendar = calendars::create(&state.app, &caller, input).await?;
    let location = format!("/api/v1/calendars/{}", calendar.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(calendar),
    ))
}

/// Reads one calendar: its owner's people (and those who see the owner)
/// and, read-only, the people of a contract that runs on it.
#[utoipa::path(get, path = "/calendars/{id}", tag = "calendars", params(("id" = String, Path, description = "The calendar's id")),
    responses(
        (status = 200, description = "The calendar", body = StoredCalendar),
        (status = 404, description = "No such calendar", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_calendar(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<CalendarId>,
) -> Result<Json<StoredCalendar>, ApiError> {
    Ok(Json(
        calendars::readable_calendar(&state.app, &caller, id).await?,
    ))
}

/// A change to a calendar; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCalendar {
    /// A new name.
    #[schema(value_type = Option<String>)]
    name: Option<PartyName>,
    /// New rules as JSON.
    #[schema(value_type = Option<Object>)]
    #[serde(
        default,
        deserialize_with = "kept_domain::calendar::strict::option_object"
    )]
    spec: Option<CalendarSpec>,
    /// New rules as TOML.
    toml: Option<String>,
}

/// Renames a calendar or replaces its rules, validated as on creation.
#[utoipa::path(patch, path = "/calendars/{id}", tag = "calendars", request_body = UpdateCalendar,
    params(("id" = String, Path, description = "The calendar's id")),
    responses(
        (status = 200, description = "The changed calendar", body = StoredCalendar),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such calendar", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid calendar", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_calendar(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<CalendarId>,
    ApiJson(body): ApiJson<UpdateCalendar>,
) -> Result<Json<StoredCalendar>, ApiError> {
    let change = CalendarChange {
        name: body.name,
        rules: Rules::either(body.spec, body.toml)?,
    };
    Ok(Json(
        calendars::update(&state.app, &caller, id, change).await?,
    ))
}

/// Archives a calendar.
#[utoipa::path(post, path = "/calendars/{id}/archive", tag = "calendars", params(("id" = String, Path, description = "The calendar's id")),
    responses((status = 200, description = "The archived calendar", body = StoredCalendar)))]
async fn archive_calendar(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<CalendarId>,
) -> Result<Json<StoredCalendar>, ApiError> {
    Ok(Json(calendars::archive(&state.app, &caller, id).await?))
}

/// Restores an archived calendar.
#[utoipa::path(post, path = "/calendars/{id}/restore", tag = "calendars", params(("id" = String, Path, description = "The calendar's id")),
    responses((status = 200, description = "The restored calendar", body = StoredCalendar)))]
async fn restore_calendar(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<CalendarId>,
) -> Result<Json<StoredCalendar>, ApiError> {
    Ok(Json(calendars::restore(&state.app, &caller, id).await?))
}

/// Where to count from, and how much open time.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DueParams {
    /// When the clock starts (RFC 3339).
    start: String,
    /// Open time to add: `4h`, `90m`, `2h30m`, `40h`.
    duration: String,
}

/// A due instant.
#[derive(Debug, Serialize, ToSchema)]
pub struct Due {
    /// When the clock started.
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    /// The open time added.
    #[schema(value_type = String, example = "4h")]
    pub duration: BusinessDuration,
    /// The earliest instant by which that much open time has passed.
    #[schema(value_type = String, format = DateTime)]
    pub due: Timestamp,
}

/// The due instant: `start` plus `duration` of the calendar's open time. A
/// start outside open hours counts from the next opening (so a zero
/// duration gives that opening); a due instant on a closing time stays there.
/// A start outside the calendar's valid dates is refused.
#[utoipa::path(get, path = "/calendars/{id}/due", tag = "calendars",
    params(("id" = String, Path, description = "The calendar's id"), DueParams),
    responses(
        (status = 200, description = "The due instant", body = Due),
        (status = 422, description = "A bad instant or duration, a start outside the calendar's valid dates, or not enough open time in its range", body = Problem, content_type = "application/problem+json"),
    ))]
async fn calendar_due(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<CalendarId>,
    ApiQuery(params): ApiQuery<DueParams>,
) -> Result<Json<Due>, ApiError> {
    let stored = calendars::readable_calendar(&state.app, &caller, id).await?;
    let start = instant("start", &params.start)?;
    let duration: BusinessDuration =
        params
            .duration
            .parse()
            .map_err(|e: kept_domain::calendar::ParseDurationError| {
                ApiError::field("duration", e.to_string())
            })?;
    let calendar = stored.spec.compile().map_err(|e| problems("spec", &e))?;
    calendar
        .check_in_range(start)
        .map_err(|e| ApiError::field("start", e.to_string()))?;
    let due = calendar
        .add(start, duration)
        .map_err(|e| ApiError::field("duration", e.to_string()))?;
    Ok(Json(Due {
        start,
        duration,
        due,
    }))
}

/// Two instants.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ElapsedParams {
    /// The start (RFC 3339).
    from: String,
    /// The end (RFC 3339), not before `from`.
    to: String,
}

/// Open time between two instants.
#[derive(Debug, Serialize, ToSchema)]
pub struct Elapsed {
    /// The open time, as `2h30m`.
    #[schema(value_type = String, example = "2h30m")]
    pub elapsed: BusinessDuration,
    /// The same in seconds.
    pub seconds: u64,
}

/// The calendar's open time between two instants, both within its valid dates.
#[utoipa::path(get, path = "/calendars/{id}/elapsed", tag = "calendars",
    params(("id" = String, Path, description = "The calendar's id"), ElapsedParams),
    responses(
        (status = 200, description = "The open time", body = Elapsed),
        (status = 422, description = "A bad instant, or one outside the calendar's valid dates", body = Problem, content_type = "application/problem+json"),
    ))]
async fn calendar_elapsed(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<CalendarId>,
    ApiQuery(params): ApiQuery<ElapsedParams>,
) -> Result<Json<Elapsed>, ApiError> {
    let stored = calendars::readable_calendar(&state.app, &caller, id).await?;
    let (from, to) = (instant("from", &params.from)?, instant("to", &params.to)?);
    if to < from {
        return Err(ApiError::field("to", "must not be before from"));
    }
    let calendar = stored.spec.compile().map_err(|e| problems("spec", &e))?;
    for (field, at) in [("from", from), ("to", to)] {
        calendar
            .check_in_range(at)
            .map_err(|e| ApiError::field(field, e.to_string()))?;
    }
    let elapsed = calendar.elapsed(from, to);
    Ok(Json(Elapsed {
        seconds: elapsed.as_seconds(),
        elapsed,
    }))
}
