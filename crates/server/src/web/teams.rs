//! The teams pages: the list of the provider's teams, a page per team
//! (members with their calendars, shares and upcoming absences, and the
//! managers' forms to set a member and record or take back an absence,
//! and its promises kept in the last six months as a chart), and the
//! request page's assign form. Plain forms: no script needed.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_domain::promise::{Integrity, PromiseOutcome};
use kept_domain::{AbsenceId, FieldError, MemberPlace, PartyId, RequestId, UserId};
use serde::Deserialize;

use super::charts::{Bar, Svg, stacked_bars};
use super::session::{CsrfForm, WebCaller};
use super::{Labels, Layout, NoFields, WebError, WebPath, after_form, after_post};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::promises::history::{TeamHistory, team_history};
use kept_app::teams::view::{MemberChoices, member_choices};
use kept_app::teams::{self, AbsenceInput, TeamSummary};

#[derive(Template, WebTemplate)]
#[template(path = "teams.html")]
struct ListPage {
    layout: Layout,
    teams: Vec<TeamSummary>,
}

/// A member as the team's page lists them.
pub struct MemberRow {
    user_id: UserId,
    name: String,
    email: String,
    /// The calendar's name; none: around the clock.
    calendar: Option<String>,
    share: u8,
    /// Upcoming absences: (id, the days in words, reason).
    absences: Vec<(AbsenceId, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "team.html")]
struct TeamPage {
    layout: Layout,
    id: PartyId,
    members: Vec<MemberRow>,
    can_manage: bool,
    choices: MemberChoices,
    kept: KeptSection,
}

/// How many calendar months the team's page charts.
const MONTHS: u8 = 6;

/// A line of a chart's table: its label, then per outcome the count with
/// its share ("3 (60%)"), and the total (none: nothing settled).
pub struct KeptLine {
    label: String,
    cells: Vec<String>,
    total: Option<u64>,
}

/// The "Promises kept" section: the team's promises settled month by
/// month, then internal against external customers over the period, each
/// as a chart and the same numbers as a table.
pub struct KeptSection {
    /// "Dec 2025 to May 2026".
    period: String,
    months_chart: Svg,
    months: Vec<KeptLine>,
    split_chart: Svg,
    split: Vec<KeptLine>,
}

/// The table line of `bar`.
fn kept_line(bar: &Bar) -> KeptLine {
    let total = bar.counts.total();
    let cells = [
        PromiseOutcome::Kept,
        PromiseOutcome::KeptRenegotiated,
        PromiseOutcome::Broken,
    ]
    .into_iter()
    .map(|o| format!("{} ({}%)", bar.count(o), bar.percent(o)))
    .collect();
    KeptLine {
        label: bar.label.clone(),
        cells,
        total: (total > 0).then_some(total),
    }
}

/// The section of `history`, its months in words as "May 2026".
fn kept_section(history: &TeamHistory) -> KeptSection {
    let months: Vec<Bar> = history
        .months
        .iter()
        .map(|m| Bar {
            label: m.month.first_day.strftime("%b %Y").to_string(),
            counts: m.counts,
        })
        .collect();
    let period = match (months.first(), months.last()) {
        (Some(first), Some(last)) => format!("{} to {}", first.label, last.label),
        _ => String::new(),
    };
    let mut all = Integrity::default();
    for counts in [history.internal, history.external] {
        all.add(PromiseOutcome::Kept, counts.kept);
        all.add(PromiseOutcome::KeptRenegotiated, counts.kept_renegotiated);
        all.add(PromiseOutcome::Broken, counts.broken);
    }
    let all = Bar {
        label: period.clone(),
        counts: all,
    };
    let split = [
        ("Internal customers", history.internal),
        ("External customers", history.external),
    ]
    .map(|(label, counts)| Bar {
        label: label.to_owned(),
        counts,
    });
    let months_title = format!(
        "Promises of this team settled month by month, {period}: {}. The numbers follow in a table.",
        all.words()
    );
    let split_title = format!(
        "Promises to internal customers, {period}: {}; to external customers: {}.",
        split[0].words(),
        split[1].words()
    );
    KeptSection {
        months_chart: stacked_bars("kept-months", &months_title, &months),
        months: months.iter().map(kept_line).collect(),
        split_chart: stacked_bars("kept-split", &split_title, &split),
        split: split.iter().map(kept_line).collect(),
        period,
    }
}

/// `GET /teams`.
pub async fn list(State(state): State<AppState>, caller: WebCaller) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let teams = teams::list(&state.app, principal).await?;
    Ok(ListPage {
        layout: Layout::new(&caller.session, principal, "Teams", "teams").await?,
        teams,
    }
    .into_response())
}

/// The days of an absence in words: "4 Jun 2026" or "4 Jun – 5 Jun 2026".
fn days(from: jiff::civil::Date, to: jiff::civil::Date) -> String {
    if from == to {
        from.strftime("%-d %b %Y").to_string()
    } else {
        format!(
            "{} – {}",
            from.strftime("%-d %b %Y"),
            to.strftime("%-d %b %Y")
        )
    }
}

/// `GET /teams/{id}`.
pub async fn page(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<PartyId>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let team = teams::view(&state.app, principal, id).await?;
    let choices = member_choices(&state.app, principal, id).await?;
    let history = team_history(&state.app, principal, id, MONTHS, &jiff::tz::TimeZone::UTC).await?;
    let today = jiff::tz::Offset::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    let members = team
        .members
        .into_iter()
        .map(|m| MemberRow {
            user_id: m.member.user_id,
            name: m.name,
            email: m.email,
            calendar: m.calendar_name,
            share: m.member.share_percent,
            absences: m
                .member
                .absences
                .iter()
                .filter(|a| a.ends_on >= today)
                .map(|a| (a.id, days(a.starts_on, a.ends_on), a.reason.clone()))
                .collect(),
        })
        .collect();
    Ok(TeamPage {
        layout: Layout::new(&caller.session, principal, team.name.as_str(), "teams").await?,
        id,
        members,
        can_manage: team.can_manage,
        choices,
        kept: kept_section(&history),
    }
    .into_response())
}

/// The member form.
#[derive(Debug, Deserialize)]
pub struct MemberForm {
    user_id: String,
    #[serde(default)]
    calendar_id: String,
    share_percent: String,
}

const MEMBER_LABELS: Labels = &[
    ("user_id", "Person"),
    ("calendar_id", "Calendar"),
    ("share_percent", "Share of hours for planned work"),
];

/// An id chosen from a list, or none when left empty.
fn chosen<T: std::str::FromStr>(field: &str, raw: &str) -> Result<Option<T>, ApiError> {
    match raw.trim() {
        "" => Ok(None),
        raw => raw
            .parse()
            .map(Some)
            .map_err(|_| ApiError::field(field, "choose one from the list")),
    }
}

/// `POST /teams/{id}/members`: adds a person or changes their place.
pub async fn set_member(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<PartyId>,
    CsrfForm(form): CsrfForm<MemberForm>,
) -> Result<Response, WebError> {
    let back = format!("/teams/{id}");
    let result = async {
        let user: UserId = chosen("user_id", &form.user_id)?
            .ok_or_else(|| ApiError::field("user_id", "choose a person"))?;
        let share = kept_domain::WholeRange {
            field: "share_percent",
            min: 1,
            max: 100,
        }
        .parse(&form.share_percent)
        .map_err(|e: FieldError| ApiError::from(kept_domain::ValidationErrors::from(e)))?;
        let place = MemberPlace {
            calendar_id: chosen("calendar_id", &form.calendar_id)?,
            share_percent: kept_domain::team::share_percent(share)
                .map_err(kept_domain::ValidationErrors::from)?,
        };
        let member = teams::set_member(&state.app, &caller.principal, id, user, place).await?;
        Ok((format!("Saved {}'s place.", member.name), back.clone()))
    }
    .await;
    after_form(&caller.session, result, &back, MEMBER_LABELS).await
}

/// `POST /teams/{id}/members/{user_id}/remove`.
pub async fn remove_member(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((id, user)): WebPath<(PartyId, UserId)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let back = format!("/teams/{id}");
    let result = async {
        let member = teams::remove_member(&state.app, &caller.principal, id, user).await?;
        Ok((format!("{} left the team.", member.name), back.clone()))
    }
    .await;
    after_post(&caller.session, result, &back).await
}

/// The absence form.
#[derive(Debug, Deserialize)]
pub struct AbsenceForm {
    user_id: String,
    starts_on: String,
    ends_on: String,
    #[serde(default)]
    reason: String,
}

const ABSENCE_LABELS: Labels = &[
    ("user_id", "Who"),
    ("starts_on", "First day away"),
    ("ends_on", "Last day away"),
    ("reason", "Why"),
];

/// `POST /teams/{id}/absences`.
pub async fn add_absence(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<PartyId>,
    CsrfForm(form): CsrfForm<AbsenceForm>,
) -> Result<Response, WebError> {
    let back = format!("/teams/{id}");
    let result = async {
        let user_id = chosen("user_id", &form.user_id)?
            .ok_or_else(|| ApiError::field("user_id", "choose a member"))?;
        let input = AbsenceInput {
            user_id,
            starts_on: teams::date("starts_on", &form.starts_on)?,
            ends_on: teams::date("ends_on", &form.ends_on)?,
            reason: form.reason.clone(),
        };
        teams::add_absence(&state.app, &caller.principal, id, input).await?;
        Ok(("Absence recorded.".to_owned(), back.clone()))
    }
    .await;
    after_form(&caller.session, result, &back, ABSENCE_LABELS).await
}

/// `POST /teams/{id}/absences/{absence_id}/remove`.
pub async fn remove_absence(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((id, absence)): WebPath<(PartyId, AbsenceId)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let back = format!("/teams/{id}");
    let result = async {
        teams::remove_absence(&state.app, &caller.principal, id, absence).await?;
        Ok(("Absence taken back.".to_owned(), back.clone()))
    }
    .await;
    after_post(&caller.session, result, &back).await
}

/// The request page's assign form.
#[derive(Debug, Deserialize)]
pub struct AssignForm {
    team_id: String,
    #[serde(default)]
    assignee_id: String,
}

const ASSIGN_LABELS: Labels = &[("team_id", "Team"), ("assignee_id", "Member")];

/// `POST /requests/{id}/assignment`.
pub async fn assign(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<RequestId>,
    CsrfForm(form): CsrfForm<AssignForm>,
) -> Result<Response, WebError> {
    let back = format!("/requests/{id}");
    let result = async {
        let team = chosen("team_id", &form.team_id)?
            .ok_or_else(|| ApiError::field("team_id", "choose a team"))?;
        let assignee = chosen("assignee_id", &form.assignee_id)?;
        teams::assign(&state.app, &caller.principal, id, team, assignee).await?;
        Ok(("Assigned.".to_owned(), back.clone()))
    }
    .await;
    after_form(&caller.session, result, &back, ASSIGN_LABELS).await
}

/// The teams pages and the assign form.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/teams", get(list))
        .route("/teams/{id}", get(page))
        .route("/teams/{id}/members", post(set_member))
        .route("/teams/{id}/members/{user_id}/remove", post(remove_member))
        .route("/teams/{id}/absences", post(add_absence))
        .route(
            "/teams/{id}/absences/{absence_id}/remove",
            post(remove_absence),
        )
        .route("/requests/{id}/assignment", post(assign))
}
