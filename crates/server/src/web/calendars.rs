//! The calendars pages: a list, a page per calendar with its rules written
//! out, an editor (TOML, validated on save; problems shown beside the text
//! as typed), and a form to try a due instant.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_domain::calendar::{BusinessDuration, CalendarSpec};
use kept_domain::{CalendarId, FieldError, PartyId, PartyName, StoredCalendar, ValidationErrors};
use serde::Deserialize;

use super::{Flash, Layout, NoFields, WebError, WebPath, WebQuery, after_post, see_other};

use super::session::{CsrfForm, WebCaller};
use crate::state::AppState;
use kept_app::Kind;
use kept_app::calendars::{self, CalendarChange, CalendarInput, CalendarView, Rules, instant};

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

async fn list_page(
    state: &AppState,
    caller: &WebCaller,
    form: (String, Option<PartyId>, String),
    errors: Vec<FieldError>,
) -> Result<ListPage, WebError> {
    let principal = &caller.principal;
    let listing = calendars::listing(&state.app, principal).await?;
    let rows = listing
        .rows
        .into_iter()
        .map(|(calendar, owner)| Row {
            owner,
            weekly: weekly(&calendar.spec),
            calendar,
        })
        .collect();
    let (name, owner_id, toml) = form;
    Ok(ListPage {
        layout: Layout::new(&caller.session, principal, "Calendars", "calendars").await?,
        rows,
        owners: listing.owners,
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

/// Reads the editor's name (and, for a new calendar, its keeper). When a
/// field is missing or does not parse, every problem is named at once,
/// those of the rules too; otherwise the use case checks the rules, as for
/// the API.
fn read_form(form: &CalendarForm, new: bool) -> Result<PartyName, kept_app::Error> {
    let mut errors = ValidationErrors::new();
    let name = errors.check(PartyName::parse("name", &form.name));
    if new && form.owner_id.is_none() {
        errors.push(FieldError::new("owner_id", "choose who keeps the calendar"));
    }
    match name {
        Some(name) if errors.is_empty() => Ok(name),
        _ => {
            if let Err(more) = rules(form).read() {
                errors.0.extend(more.errors);
            }
            Err(errors.into())
        }
    }
}

/// The rules as typed in the editor.
fn rules(form: &CalendarForm) -> Rules {
    Rules::Toml(form.toml.clone())
}

/// `POST /calendars`: stores a calendar, or shows the editor again with
/// its problems.
pub async fn create(
    State(state): State<AppState>,
    caller: WebCaller,
    CsrfForm(form): CsrfForm<CalendarForm>,
) -> Result<Response, WebError> {
    let result = async {
        let name = read_form(&form, true)?;
        let owner_id = form
            .owner_id
            .ok_or_else(|| kept_app::Error::field("owner_id", "choose who keeps the calendar"))?;
        let input = CalendarInput {
            name,
            owner_id,
            rules: rules(&form),
        };
        calendars::create(&state.app, &caller.principal, input).await
    }
    .await;
    match result {
        Ok(calendar) => {
            Flash::ok(&caller.session, format!("Saved {}.", calendar.name)).await?;
            Ok(see_other(&format!("/calendars/{}", calendar.id)))
        }
        Err(e) if e.kind == Kind::Invalid => {
            let keep = (form.name, form.owner_id, form.toml);
            let page = list_page(&state, &caller, keep, e.errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A due instant to try.
#[derive(Debug, Deserialize)]
pub struct TryQuery {
    start: Option<String>,
    duration: Option<String>,
}

async fn detail_page(
    caller: &WebCaller,
    view: CalendarView,
    form: Option<(String, String, Vec<FieldError>)>,
    tried: TryQuery,
) -> Result<DetailPage, WebError> {
    let CalendarView {
        calendar,
        owner,
        sees_owner,
        can_manage,
    } = view;
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
            &caller.principal,
            calendar.name.as_str(),
            "calendars",
        )
        .await?,
        owner,
        sees_owner,
        weekly: weekly(&calendar.spec),
        days,
        can_manage,
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
    calendar.check_in_range(start).map_err(|e| e.to_string())?;
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
    let view = calendars::view(&state.app, &caller.principal, id).await?;
    Ok(detail_page(&caller, view, None, tried)
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
    let result = async {
        let change = CalendarChange {
            name: Some(read_form(&form, false)?),
            rules: Some(rules(&form)),
        };
        calendars::update(&state.app, &caller.principal, id, change).await
    }
    .await;
    let refusal = match result {
        Ok(_) => {
            Flash::ok(&caller.session, "Saved.").await?;
            return Ok(see_other(&format!("/calendars/{id}")));
        }
        Err(e) if e.kind == Kind::Invalid => e,
        Err(e) => return Err(e.into()),
    };
    // The editor comes back with its problems to one who may change the
    // calendar; anyone else hears of the problems alone, as through the API.
    let view = match calendars::view(&state.app, &caller.principal, id).await {
        Ok(view) if view.can_manage => view,
        Ok(_) => return Err(refusal.into()),
        Err(e) if matches!(e.kind, Kind::NotFound | Kind::Forbidden) => return Err(refusal.into()),
        Err(e) => return Err(e.into()),
    };
    let keep = Some((form.name, form.toml, refusal.errors));
    let tried = TryQuery {
        start: None,
        duration: None,
    };
    let page = detail_page(&caller, view, keep, tried).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
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
        if archived {
            calendars::archive(&state.app, &caller.principal, id).await?;
        } else {
            calendars::restore(&state.app, &caller.principal, id).await?;
        }
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
