//! The calendars pages: a list, a page per calendar with its rules written
//! out, an editor (TOML, validated on save; problems shown beside the text
//! as typed), and a form to try a due instant.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_domain::business_calendar::{problems, validate_spec};
use kept_domain::calendar::{BusinessDuration, CalendarSpec};
use kept_domain::{
    Actor, CalendarId, CalendarPatch, FieldError, Limit, NewCalendar, PartyId, PartyName,
    Principal, StoredCalendar,
};
use kept_store::{CalendarQuery, PartyQuery};
use serde::Deserialize;

use super::{Flash, Layout, NoFields, WebError, WebPath, WebQuery, after_post, see_other};

use super::session::{CsrfForm, WebCaller};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::calendars::{instant, managed_calendar, readable_calendar};

/// What a new calendar starts from in the editor.
const EXAMPLE: &str = r#"zone = "Europe/London"
[week]
mon = ["09:00-17:30"]
tue = ["09:00-17:30"]
wed = ["09:00-17:30"]
thu = ["09:00-17:30"]
fri = ["09:00-17:30"]
sat = []
sun = []
[[holidays]]
date = "2026-12-25"
name = "Christmas Day"
"#;

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A calendar as a row of the list.
pub struct Row {
    calendar: StoredCalendar,
    owner: String,
    weekly: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendars.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    owners: Vec<(PartyId, String)>,
    name: String,
    owner_id: Option<PartyId>,
    toml: String,
    errors: Vec<FieldError>,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar.html")]
struct DetailPage {
    layout: Layout,
    calendar: StoredCalendar,
    owner: String,
    /// Whether the reader sees the owner (else they read the calendar
    /// through a contract that runs on it: no link to the owner).
    sees_owner: bool,
    weekly: String,
    days: Vec<(&'static str, String)>,
    can_manage: bool,
    name: String,
    toml: String,
    errors: Vec<FieldError>,
    start: String,
    duration: String,
    due: Option<Result<String, String>>,
}

fn weekly(spec: &CalendarSpec) -> String {
    BusinessDuration::from_seconds(spec.week.clock_seconds()).to_string()
}

/// Parties the user may keep calendars for (those they manage).
async fn owners(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<(PartyId, String)>, WebError> {
    let page = state
        .store
        .list_parties(&PartyQuery {
            order: kept_store::PartyOrder::Name,
            limit: Limit::MAX_PAGE,
            kind: Some(kept_domain::PartyKind::Organisation),
            ..PartyQuery::new(principal.party_scope())
        })
        .await?;
    let mut out = Vec::new();
    for p in page.items {
        let lineage = state.store.lineage(p.id).await?;
        if principal.manage_party(&lineage).is_allowed() {
            out.push((p.id, p.name.as_str().to_owned()));
        }
    }
    Ok(out)
}

async fn list_page(
    state: &AppState,
    caller: &WebCaller,
    form: (String, Option<PartyId>, String),
    errors: Vec<FieldError>,
) -> Result<ListPage, WebError> {
    let principal = &caller.principal;
    let page = state
        .store
        .list_calendars(&CalendarQuery {
            limit: Limit::MAX_PAGE,
            ..CalendarQuery::new(principal.party_scope())
        })
        .await?;
    let ids: Vec<PartyId> = page.items.iter().map(|c| c.owner_id).collect();
    let names: HashMap<PartyId, String> = state
        .store
        .party_names(&ids)
        .await?
        .into_iter()
        .map(|(id, n)| (id, n.as_str().to_owned()))
        .collect();
    let rows = page
        .items
        .into_iter()
        .map(|calendar| Row {
            owner: names.get(&calendar.owner_id).cloned().unwrap_or_default(),
            weekly: weekly(&calendar.spec),
            calendar,
        })
        .collect();
    let (name, owner_id, toml) = form;
    Ok(ListPage {
        layout: Layout::new(&caller.session, principal, "Calendars", "calendars").await?,
        rows,
        owners: owners(state, principal).await?,
        name,
        owner_id,
        toml,
        errors,
    })
}

/// `GET /calendars`.
pub async fn list(State(state): State<AppState>, caller: WebCaller) -> Result<Response, WebError> {
    let page = list_page(
        &state,
        &caller,
        (String::new(), None, EXAMPLE.to_owned()),
        Vec::new(),
    )
    .await?;
    Ok(page.into_response())
}

/// The fields of the calendar editor.
#[derive(Debug, Deserialize)]
pub struct CalendarForm {
    name: String,
    owner_id: Option<PartyId>,
    toml: String,
}

/// Reads the editor's fields: every problem is reported, none is fatal.
fn read_form(form: &CalendarForm) -> Result<(PartyName, CalendarSpec), Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = PartyName::parse("name", &form.name)
        .map_err(|e| errors.push(e))
        .ok();
    let spec = match CalendarSpec::from_toml(&form.toml) {
        Ok(spec) => match validate_spec("calendar", &spec) {
            Ok(()) => Some(spec),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        },
        Err(e) => {
            errors.extend(problems("calendar", &e).0);
            None
        }
    };
    match (name, spec) {
        (Some(name), Some(spec)) if errors.is_empty() => Ok((name, spec)),
        _ => Err(errors),
    }
}

/// `POST /calendars`: stores a calendar, or shows the editor again with
/// its problems.
pub async fn create(
    State(state): State<AppState>,
    caller: WebCaller,
    CsrfForm(form): CsrfForm<CalendarForm>,
) -> Result<Response, WebError> {
    let keep = (form.name.clone(), form.owner_id, form.toml.clone());
    let (name, spec) = match read_form(&form) {
        Ok(read) => read,
        Err(errors) => {
            let page = list_page(&state, &caller, keep, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let Some(owner_id) = form.owner_id else {
        let errors = vec![FieldError::new("owner_id", "choose who keeps the calendar")];
        let page = list_page(&state, &caller, keep, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let lineage = state.store.lineage(owner_id).await?;
    ApiError::check(caller.principal.manage_party(&lineage))?;
    let calendar = state
        .store
        .create_calendar(
            &Actor::user(&caller.principal),
            NewCalendar {
                name,
                owner_id,
                spec,
            },
        )
        .await?;
    Flash::ok(&caller.session, format!("Saved {}.", calendar.name)).await?;
    Ok(see_other(&format!("/calendars/{}", calendar.id)))
}

/// A due instant to try.
#[derive(Debug, Deserialize)]
pub struct TryQuery {
    start: Option<String>,
    duration: Option<String>,
}

async fn detail_page(
    state: &AppState,
    caller: &WebCaller,
    calendar: StoredCalendar,
    form: Option<(String, String, Vec<FieldError>)>,
    tried: TryQuery,
) -> Result<DetailPage, WebError> {
    let principal = &caller.principal;
    let lineage = state.store.lineage(calendar.owner_id).await?;
    let owner = state
        .store
        .party(calendar.owner_id)
        .await?
        .name
        .as_str()
        .to_owned();
    let days = calendar
        .spec
        .week
        .days()
        .iter()
        .zip(DAYS)
        .map(|(intervals, day)| {
            let text: Vec<String> = intervals.iter().map(ToString::to_string).collect();
            (
                day,
                if text.is_empty() {
                    "closed".to_owned()
                } else {
                    text.join(", ")
                },
            )
        })
        .collect();
    let (name, toml, errors) = form.unwrap_or_else(|| {
        (
            calendar.name.as_str().to_owned(),
            calendar.spec.to_toml(),
            Vec::new(),
        )
    });
    let start = tried.start.unwrap_or_default();
    let duration = tried.duration.unwrap_or_else(|| "4h".to_owned());
    let due = if start.trim().is_empty() {
        None
    } else {
        Some(try_due(&calendar.spec, &start, &duration))
    };
    Ok(DetailPage {
        layout: Layout::new(
            &caller.session,
            principal,
            calendar.name.as_str(),
            "calendars",
        )
        .await?,
        owner,
        sees_owner: principal.read_party(&lineage).is_allowed(),
        weekly: weekly(&calendar.spec),
        days,
        can_manage: principal.manage_party(&lineage).is_allowed(),
        name,
        toml,
        errors,
        start,
        duration,
        due,
        calendar,
    })
}

fn try_due(spec: &CalendarSpec, start: &str, duration: &str) -> Result<String, String> {
    let start = instant("start", start).map_err(|e| e.detail.unwrap_or_default())?;
    let duration: BusinessDuration = duration.parse().map_err(|e| format!("{e}"))?;
    let calendar = spec.compile().map_err(|e| e.to_string())?;
    let due = calendar.add(start, duration).map_err(|e| e.to_string())?;
    let local = due.to_zoned_datetime(calendar.time_zone().clone());
    Ok(format!(
        "{due} ({} local time)",
        local.strftime("%a %Y-%m-%d %H:%M")
    ))
}

/// `GET /calendars/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<CalendarId>,
    WebQuery(tried): WebQuery<TryQuery>,
) -> Result<Response, WebError> {
    let calendar = readable_calendar(&state.app, &caller.principal, id).await?;
    Ok(detail_page(&state, &caller, calendar, None, tried)
        .await?
        .into_response())
}

/// `POST /calendars/{id}`: saves the editor, or shows it again with its problems.
pub async fn update(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<CalendarId>,
    CsrfForm(form): CsrfForm<CalendarForm>,
) -> Result<Response, WebError> {
    let calendar = managed_calendar(&state.app, &caller.principal, id).await?;
    let (name, spec) = match read_form(&form) {
        Ok(read) => read,
        Err(errors) => {
            let keep = Some((form.name, form.toml, errors));
            let tried = TryQuery {
                start: None,
                duration: None,
            };
            let page = detail_page(&state, &caller, calendar, keep, tried).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let patch = CalendarPatch {
        name: Some(name),
        spec: Some(spec),
    };
    state
        .store
        .update_calendar(&Actor::user(&caller.principal), id, patch)
        .await?;
    Flash::ok(&caller.session, "Saved.").await?;
    Ok(see_other(&format!("/calendars/{id}")))
}

/// `POST /calendars/{id}/archive` and `/restore`.
async fn set_archived(
    state: &AppState,
    caller: &WebCaller,
    id: CalendarId,
    archived: bool,
) -> Result<Response, WebError> {
    let back = format!("/calendars/{id}");
    let result = async {
        managed_calendar(&state.app, &caller.principal, id).await?;
        state
            .store
            .set_calendar_archived(&Actor::user(&caller.principal), id, archived)
            .await?;
        let message = if archived { "Archived." } else { "Restored." };
        Ok((message.to_owned(), back.clone()))
    }
    .await;
    after_post(&caller.session, result, &back).await
}

/// `POST /calendars/{id}/archive`.
pub async fn archive(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<CalendarId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    set_archived(&state, &caller, id, true).await
}

/// `POST /calendars/{id}/restore`.
pub async fn restore(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<CalendarId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    set_archived(&state, &caller, id, false).await
}

/// The calendar pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendars", get(list).post(create))
        .route("/calendars/{id}", get(detail).post(update))
        .route("/calendars/{id}/archive", post(archive))
        .route("/calendars/{id}/restore", post(restore))
}
