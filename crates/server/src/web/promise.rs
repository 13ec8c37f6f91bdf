//! The promise's forms on a request's page: the provider's people make the
//! promise (choosing between the SLA's date and the realistic one when the
//! plan is later) and propose a new date; the customer's people agree to a
//! proposed date or keep the old one.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use jiff::civil::DateTime;
use kept_app::promises;
use kept_domain::promise::Choice;
use kept_domain::{DateProposalId, FieldError, RequestId, Timestamp, ValidationErrors};
use serde::Deserialize;

use super::session::{CsrfForm, WebCaller};
use super::{Labels, WebError, WebPath, after_form};
use crate::error::ApiError;
use crate::state::AppState;

/// The promise form's labels.
const PROMISE_LABELS: Labels = &[("choice", "Date to promise"), ("date", "Date")];

/// The proposal form's labels.
const PROPOSAL_LABELS: Labels = &[("date", "New date"), ("reason", "Why")];

/// The answer form's labels.
const ANSWER_LABELS: Labels = &[("proposal", "Proposed date")];

/// Which date to promise.
#[derive(Debug, Deserialize)]
pub struct PromiseForm {
    #[serde(default)]
    choice: String,
}

/// A new date and why.
#[derive(Debug, Deserialize)]
pub struct ProposalForm {
    date: String,
    #[serde(default)]
    reason: String,
}

/// Agree or keep the old date.
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    choice: String,
    request_id: RequestId,
}

/// A date and time typed in a `datetime-local` field, read in UTC (the
/// page shows every instant in UTC).
fn typed_instant(raw: &str) -> Result<Timestamp, ApiError> {
    raw.trim()
        .parse::<DateTime>()
        .ok()
        .and_then(|dt| jiff::tz::TimeZone::UTC.to_timestamp(dt).ok())
        .ok_or_else(|| {
            ValidationErrors::from(FieldError::new(
                "date",
                "must be a date and time, such as 2027-03-01T14:00",
            ))
            .into()
        })
}

/// `POST /requests/{id}/promise`.
pub async fn make(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<RequestId>,
    CsrfForm(form): CsrfForm<PromiseForm>,
) -> Result<Response, WebError> {
    let back = format!("/requests/{id}");
    let result = async {
        let choice = match form.choice.as_str() {
            "sla" => Some(Choice::Sla),
            "realistic" => Some(Choice::Realistic),
            _ => None,
        };
        let promise = promises::make(&state.app, &caller.principal, id, choice).await?;
        Ok((
            format!("Promised by {}.", super::when(&promise.date)),
            back.clone(),
        ))
    }
    .await;
    after_form(&caller.session, result, &back, PROMISE_LABELS).await
}

/// `POST /requests/{id}/promise/proposals`.
pub async fn propose(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<RequestId>,
    CsrfForm(form): CsrfForm<ProposalForm>,
) -> Result<Response, WebError> {
    let back = format!("/requests/{id}");
    let result = async {
        let date = typed_instant(&form.date)?;
        promises::propose(&state.app, &caller.principal, id, date, &form.reason).await?;
        Ok((
            "Proposed: the customer is asked to agree.".to_owned(),
            back.clone(),
        ))
    }
    .await;
    after_form(&caller.session, result, &back, PROPOSAL_LABELS).await
}

/// `POST /promise-proposals/{id}/answer`.
pub async fn answer(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<DateProposalId>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<Response, WebError> {
    let back = format!("/requests/{}", form.request_id);
    let result = async {
        let accept = form.choice == "agree";
        let (_, promise) =
            promises::answer(&state.app, &caller.principal, id, accept, "portal").await?;
        let said = if accept {
            format!("Agreed: the new date is {}.", super::when(&promise.date))
        } else {
            format!("Kept the date: {}.", super::when(&promise.date))
        };
        Ok((said, back.clone()))
    }
    .await;
    after_form(&caller.session, result, &back, ANSWER_LABELS).await
}

/// The promise forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests/{id}/promise", post(make))
        .route("/requests/{id}/promise/proposals", post(propose))
        .route("/promise-proposals/{id}/answer", post(answer))
}
