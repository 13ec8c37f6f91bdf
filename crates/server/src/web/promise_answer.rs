//! The single-use link in the mail that proposes a new date. Opening it
//! shows the request, the date promised, the date proposed and why, with
//! two buttons; loading it changes nothing (mail scanners open links),
//! only the form's POST answers. The signed token is the credential: no
//! sign-in. The form carries the session's CSRF token, as the other
//! forms reached without signing in (an invitation) do.
//!
//! A second submit, or one after a newer proposal, shows where the
//! proposal stands (409, a page); a forged or garbled token, "this link
//! does not work" (404).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use jiff::tz::TimeZone;
use kept_app::Kind;
use kept_app::promises::link::{self, LinkState, LinkView};
use kept_domain::{RequestId, Timestamp};
use serde::Deserialize;
use tower_sessions::Session;

use super::session::CsrfForm;
use super::words::day_and_time;
use super::{Layout, WebError, no_store};
use crate::state::AppState;

/// What the page says of the proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// Waiting: the form.
    Ask,
    /// This submit agreed.
    Agreed,
    /// This submit kept the old date.
    Kept,
    /// Answered before this visit or submit.
    AlreadyAnswered {
        /// Whether it was agreed.
        accepted: bool,
    },
    /// A newer proposal replaced it.
    Replaced,
    /// The request was finished first.
    Closed,
    /// The token is not one of ours.
    Unknown,
}

#[derive(Template, WebTemplate)]
#[template(path = "promise_answer.html")]
struct AnswerPage {
    layout: Layout,
    token: String,
    shown: Shown,
    proposal: Option<Dates>,
}

/// The proposal as the page words it.
struct Dates {
    request_id: RequestId,
    number: i64,
    subject: String,
    previous: Timestamp,
    previous_words: String,
    date: Timestamp,
    date_words: String,
    reason: String,
    name: String,
}

impl Dates {
    fn of(view: &LinkView) -> Self {
        let zone = TimeZone::get(&view.zone).unwrap_or(TimeZone::UTC);
        let now = Timestamp::now();
        Self {
            request_id: view.request_id,
            number: view.number,
            subject: view.subject.clone(),
            previous: view.previous_date,
            previous_words: day_and_time(view.previous_date, &zone, now),
            date: view.date,
            date_words: day_and_time(view.date, &zone, now),
            reason: view.reason.clone(),
            name: view.name.clone(),
        }
    }
}

/// What a proposal no longer open shows.
fn settled(state: LinkState) -> Shown {
    match state {
        LinkState::Open => Shown::Ask,
        LinkState::Answered { accepted } => Shown::AlreadyAnswered { accepted },
        LinkState::Replaced => Shown::Replaced,
        LinkState::Closed => Shown::Closed,
    }
}

fn title(shown: Shown) -> &'static str {
    match shown {
        Shown::Ask => "A new date is proposed",
        Shown::Agreed => "New date agreed",
        Shown::Kept => "The date promised stays",
        Shown::AlreadyAnswered { .. } => "Already answered",
        Shown::Replaced => "This date was replaced",
        Shown::Closed => "This request is finished",
        Shown::Unknown => "This link does not work",
    }
}

async fn render(
    session: &Session,
    status: StatusCode,
    token: String,
    shown: Shown,
    view: Option<&LinkView>,
) -> Result<Response, WebError> {
    let layout = Layout::anonymous(session, title(shown)).await?;
    Ok(no_store((
        status,
        AnswerPage {
            layout,
            token,
            shown,
            proposal: view.map(Dates::of),
        },
    )))
}

/// The page of a token that is not one of ours, or of an error.
async fn refused(
    session: &Session,
    token: String,
    e: kept_app::Error,
) -> Result<Response, WebError> {
    if matches!(e.kind, Kind::NotFound) {
        return render(session, StatusCode::NOT_FOUND, token, Shown::Unknown, None).await;
    }
    Err(e.into())
}

/// `GET /promise-answer/{token}`: the proposal and, while it is open, the
/// form; changes nothing.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match link::by_link(&state.app, &token).await {
        Ok(view) => {
            let shown = settled(view.state);
            render(&session, StatusCode::OK, token, shown, Some(&view)).await
        }
        Err(e) => refused(&session, token, e).await,
    }
}

/// The customer's choice.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// Agree to the new date.
    Agree,
    /// Keep the date promised.
    Keep,
}

/// The answer form.
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    choice: Choice,
}

/// `POST /promise-answer/{token}`: answers, as the person the link was
/// sent to; a proposal no longer open is shown as it stands (409).
pub async fn answer(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<Response, WebError> {
    let accept = matches!(form.choice, Choice::Agree);
    match link::answer_by_link(&state.app, &token, accept).await {
        Ok(done) if done.answered_now => {
            let shown = if accept { Shown::Agreed } else { Shown::Kept };
            render(&session, StatusCode::OK, token, shown, Some(&done.view)).await
        }
        Ok(done) => {
            let shown = settled(done.view.state);
            render(
                &session,
                StatusCode::CONFLICT,
                token,
                shown,
                Some(&done.view),
            )
            .await
        }
        Err(e) => refused(&session, token, e).await,
    }
}

/// The answer link's page.
pub fn routes() -> Router<AppState> {
    Router::new().route("/promise-answer/{token}", get(page).post(answer))
}
