//! A request's page: what was asked, its clocks, its timeline, and the
//! forms to reply, note and take the steps the user may take.
//!
//! The provider's people read the clocks (targets, time used and left);
//! the customer's side reads instead what happens next, in words, with
//! due instants in the zone of the request's calendar, and the status as
//! it means to them: no clock names, durations or effort.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_domain::{
    ClockView, NextStep, Request, RequestAction, RequestChange, RequestEvent, RequestId,
    RequestRole, RequestStatus, Timestamp, UserId, status_words,
};
use serde::Deserialize;

use super::words::{Sentence, after_reply, next_step_sentence};
use super::{Labels, Layout, WebError, WebPath, after_form};

use super::session::{CsrfForm, WebCaller};
use crate::state::AppState;
use kept_app::requests::chain::{Escalation, RequestChain, escalate};
use kept_app::requests::detail::detail;
use kept_app::requests::{act, parse_action, readable};
use kept_app::teams::view::AssignChoice;

/// An event as the timeline shows it.
pub struct Entry {
    /// The event.
    pub event: RequestEvent,
    /// What happened, in words.
    pub said: String,
}

/// A step the user may take, as a button.
pub struct Step {
    /// The action's name (the form value).
    pub action: &'static str,
    /// The button's label.
    pub label: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "request.html")]
struct RequestPage {
    layout: Layout,
    request: Request,
    clocks: Vec<ClockView>,
    contract: String,
    customer: String,
    requester: String,
    service: String,
    raised_by: Option<String>,
    /// Whether the reader may open the service's page.
    service_link: bool,
    timeline: Vec<Entry>,
    steps: Vec<Step>,
    can_cancel: bool,
    is_provider: bool,
    /// The status as the reader reads it: the workflow's word for the
    /// provider's people, what it means to them for the customer's side.
    status: String,
    /// For the customer's side: what happens next, a sentence each.
    told: Vec<Sentence>,
    /// For the customer's side: whether what they wait for is overdue.
    late: bool,
    chain: RequestChain,
    /// Supplier contracts up the chain it could be escalated under.
    suppliers: Vec<(kept_domain::ContractId, String)>,
    /// For the provider's side: the team it is assigned to, and the member.
    team: Option<String>,
    assignee: Option<String>,
    /// The teams it may be assigned to, each with its members.
    teams: Vec<AssignChoice>,
    /// Its promise and the dates proposed.
    promise: kept_app::promises::PromiseView,
    /// An order's lines, with the customer's usual beside each.
    lines: Vec<kept_app::orders::LineView>,
}

impl RequestPage {
    /// Whether the request is assigned to `team`.
    fn is_team(&self, team: &kept_domain::PartyId) -> bool {
        self.request.team_id == Some(*team)
    }

    /// The proposed date waiting for the customer's answer, if any.
    fn open_proposal(&self) -> Option<&kept_domain::promise::DateProposal> {
        self.promise
            .proposals
            .iter()
            .find(|p| p.status == kept_domain::promise::ProposalStatus::Open)
    }

    /// A promise's outcome in words.
    fn outcome_words(outcome: &kept_domain::promise::PromiseOutcome) -> &'static str {
        match outcome {
            kept_domain::promise::PromiseOutcome::Kept => "kept",
            kept_domain::promise::PromiseOutcome::KeptRenegotiated => {
                "kept, after a new date was agreed in time"
            }
            kept_domain::promise::PromiseOutcome::Broken => "broken",
        }
    }

    /// Whether the request is assigned to `user` in `team`.
    fn is_assignee(&self, team: &kept_domain::PartyId, user: &UserId) -> bool {
        self.is_team(team) && self.request.assignee_id == Some(*user)
    }
}

/// What happens next on `request` at `now`, told to its customer: the
/// next step and, while a reply is owed, when the work is due too.
fn what_next(
    request: &Request,
    clocks: &[ClockView],
    zone: &jiff::tz::TimeZone,
    now: Timestamp,
) -> (Vec<Sentence>, bool) {
    let step = NextStep::of(request, now);
    let then = after_reply(step, clocks, now);
    let late = [Some(step), then].into_iter().flatten().any(|s| {
        matches!(
            s,
            NextStep::Reply { late: true, .. } | NextStep::Finish { late: true, .. }
        )
    });
    let said = [Some(step), then]
        .into_iter()
        .flatten()
        .map(|s| next_step_sentence(s, zone, now))
        .collect();
    (said, late)
}

/// A step's button: the customer confirms rather than "closes".
fn button(action: RequestAction, is_provider: bool) -> &'static str {
    match action {
        RequestAction::Close if !is_provider => "Confirm it is finished",
        _ => label(action),
    }
}

fn label(action: RequestAction) -> &'static str {
    match action {
        RequestAction::Acknowledge => "Acknowledge",
        RequestAction::Start => "Start work",
        RequestAction::AwaitCustomer => "Wait for the customer",
        RequestAction::Resume => "Resume",
        RequestAction::Fulfil => "Mark fulfilled",
        RequestAction::Close => "Close",
        RequestAction::Reopen => "Reopen",
        RequestAction::Cancel => "Cancel",
    }
}

/// What an event says, in words; a status change in the customer's words
/// when `customer` reads it.
fn describe(
    event: &RequestEvent,
    users: &HashMap<UserId, String>,
    parties: &HashMap<kept_domain::PartyId, String>,
    customer: bool,
) -> String {
    let who = event
        .actor_id
        .and_then(|u| users.get(&u).cloned())
        .unwrap_or_else(|| event.actor.clone());
    let text = |key: &str| {
        event.data[key]
            .as_str()
            .unwrap_or_default()
            .replace('_', " ")
    };
    // Instants in the history are shown in UTC, as the rest of it.
    let date = |key: &str| {
        event.data[key]
            .as_str()
            .and_then(|t| t.parse::<Timestamp>().ok())
            .map(|t| t.strftime("%a %-d %b %Y %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    match event.kind {
        kept_domain::EventKind::Created => format!("{who} raised the request"),
        kept_domain::EventKind::StatusChanged if customer => {
            match event.data["to"].as_str().map(str::parse::<RequestStatus>) {
                Some(Ok(to)) => format!("{who}: {}", status_words(to)),
                _ => format!("{who} moved it to {}", text("to")),
            }
        }
        kept_domain::EventKind::StatusChanged => {
            format!("{who} moved it from {} to {}", text("from"), text("to"))
        }
        kept_domain::EventKind::Reply => format!("{who} replied"),
        kept_domain::EventKind::Note => format!("{who} noted (internal)"),
        kept_domain::EventKind::ClockAtRisk => {
            format!("The {} clock is at risk", text("clock"))
        }
        kept_domain::EventKind::ClockBreached => {
            format!("The {} clock passed its target", text("clock"))
        }
        kept_domain::EventKind::Escalated => format!(
            "{who} escalated it up the chain as request #{}",
            event.data["number"]
        ),
        kept_domain::EventKind::PromiseMade if event.data["at_intake"] == true => {
            format!("Promised by {} as it was accepted", date("date"))
        }
        kept_domain::EventKind::PromiseMade => format!("{who} promised it by {}", date("date")),
        kept_domain::EventKind::DateProposed => format!(
            "{who} proposed a new date: {} instead of {}",
            date("date"),
            date("previous_date")
        ),
        kept_domain::EventKind::DateAnswered => {
            let how = match event.data["via"].as_str() {
                Some("link") => " through the link in the email",
                _ => "",
            };
            if event.data["accepted"] == true {
                format!("{who} agreed to {}{how}", date("date"))
            } else {
                format!("{who} did not agree to {}{how}", date("date"))
            }
        }
        kept_domain::EventKind::PromiseAtRisk if event.data["reason"] == "time" => format!(
            "Most of the time to its promised date, {}, is used: at risk",
            date("date")
        ),
        kept_domain::EventKind::PromiseAtRisk => format!(
            "The plan finishes it after its promised date, {}: at risk",
            date("date")
        ),
        kept_domain::EventKind::QuantityAnswered if event.data["answer"] == "changed" => format!(
            "{who} changed line {} from {} to {} when asked “{}”",
            event.data["line"],
            text("asked"),
            text("quantity"),
            text("question")
        ),
        kept_domain::EventKind::QuantityAnswered => format!(
            "{who} confirmed line {} ({}) when asked “{}”",
            event.data["line"],
            text("quantity"),
            text("question")
        ),
        kept_domain::EventKind::Assigned => {
            let named = |key: &str, names: &dyn Fn(&str) -> Option<String>| {
                event.data[key].as_str().and_then(names)
            };
            let team = named("team_id", &|id| parties.get(&id.parse().ok()?).cloned())
                .unwrap_or_else(|| "a team".to_owned());
            match named("assignee_id", &|id| users.get(&id.parse().ok()?).cloned()) {
                Some(person) => format!("{who} assigned it to {person} in {team}"),
                None => format!("{who} assigned it to {team}"),
            }
        }
        kept_domain::EventKind::Upstream => format!(
            "Up the chain, on request #{}: {}",
            event.data["number"],
            match event.data["event"].as_str() {
                Some("reply") => "the supplier replied".to_owned(),
                Some("status_changed") => format!(
                    "moved to {}",
                    event.data["data"]["to"]
                        .as_str()
                        .unwrap_or_default()
                        .replace('_', " ")
                ),
                Some(other) => other.replace('_', " "),
                None => String::new(),
            }
        ),
    }
}

/// `GET /requests/{id}`.
pub async fn page(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<RequestId>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let shown = detail(&state.app, principal, id).await?;
    let is_provider = shown.role == RequestRole::Provider;
    let request = shown.request;
    let steps = RequestAction::ALL
        .iter()
        .copied()
        .filter(|a| *a != RequestAction::Cancel)
        .filter(|a| a.from_statuses().contains(&request.status))
        .filter(|a| is_provider || !a.is_providers())
        .map(|a| Step {
            action: a.as_str(),
            label: button(a, is_provider),
        })
        .collect();
    let timeline = shown
        .events
        .into_iter()
        .map(|event| Entry {
            said: describe(&event, &shown.users, &shown.parties, !is_provider),
            event,
        })
        .collect();
    let (told, late, status) = if is_provider {
        let status = request.status.as_str().replace('_', " ");
        (Vec::new(), false, status)
    } else {
        let (told, late) = what_next(&request, &shown.clocks, &shown.zone, Timestamp::now());
        (told, late, status_words(request.status).to_owned())
    };
    let name_of = |id: &kept_domain::PartyId| shown.parties.get(id).cloned();
    Ok(RequestPage {
        layout: Layout::new(
            &caller.session,
            principal,
            format!("#{} {}", request.number, request.subject),
            "requests",
        )
        .await?,
        clocks: shown.clocks,
        contract: shown.contract.name.as_str().to_owned(),
        customer: name_of(&request.customer_id).unwrap_or_default(),
        requester: shown
            .users
            .get(&request.requester_id)
            .cloned()
            .unwrap_or_default(),
        raised_by: request.raised_by_party.and_then(|p| name_of(&p)),
        team: request.team_id.and_then(|t| name_of(&t)),
        assignee: request
            .assignee_id
            .and_then(|u| shown.users.get(&u).cloned()),
        teams: shown.teams,
        promise: shown.promise,
        lines: shown.lines,
        service: shown.service,
        service_link: shown.service_link,
        timeline,
        steps,
        can_cancel: RequestAction::Cancel
            .from_statuses()
            .contains(&request.status),
        is_provider,
        status,
        told,
        late,
        chain: shown.chain,
        suppliers: shown.suppliers,
        request,
    }
    .into_response())
}

/// A step from the page.
#[derive(Debug, Deserialize)]
pub struct StepForm {
    action: String,
    #[serde(default)]
    reason: String,
}

/// `POST /requests/{id}/actions`.
pub async fn take_step(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<RequestId>,
    CsrfForm(form): CsrfForm<StepForm>,
) -> Result<Response, WebError> {
    let back = format!("/requests/{id}");
    let result = async {
        let action = parse_action(&form.action)?;
        let reason = Some(form.reason.trim().to_owned()).filter(|r| !r.is_empty());
        act(
            &state.app,
            &caller.principal,
            id,
            RequestChange::Act { action, reason },
        )
        .await?;
        Ok((
            format!("Done: {}.", label(action).to_lowercase()),
            back.clone(),
        ))
    }
    .await;
    after_form(&caller.session, result, &back, STEP_LABELS).await
}

/// The step forms' labels, for their messages.
const STEP_LABELS: Labels = &[("action", "Next step"), ("reason", "Why")];

/// The reply form's labels: the customer's side writes "Your reply".
const REPLY_LABELS: Labels = &[("body", "Your reply")];

/// The provider's side writes a "Message" (a reply or an internal note).
const MESSAGE_LABELS: Labels = &[("body", "Message")];

/// The escalation form's labels.
const ESCALATION_LABELS: Labels = &[
    ("contract_id", "Supplier contract"),
    ("service_id", "Service"),
    ("subject", "Subject for the supplier"),
    ("description", "Details"),
    ("priority", "Priority"),
];

/// A reply or a note from the page.
#[derive(Debug, Deserialize)]
pub struct TextForm {
    body: String,
    /// `note` for an internal note; a reply otherwise.
    #[serde(default)]
    internal: Option<String>,
}

/// `POST /requests/{id}/replies`: a reply, or an internal note when the
/// note box is ticked.
pub async fn write(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<RequestId>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> Result<Response, WebError> {
    let back = format!("/requests/{id}");
    let result = async {
        let (change, done) = if form.internal.is_some() {
            (RequestChange::Note { body: form.body }, "Noted.")
        } else {
            (
                RequestChange::Reply {
                    side: kept_domain::ReplySide::Customer,
                    body: form.body,
                },
                "Replied.",
            )
        };
        act(&state.app, &caller.principal, id, change).await?;
        Ok((done.to_owned(), back.clone()))
    }
    .await;
    // The form's label depends on the side: asked only when refused.
    let labels = match &result {
        Err(_) => match readable(&state.app, &caller.principal, id).await {
            Ok(r) if r.role == RequestRole::Provider => MESSAGE_LABELS,
            _ => REPLY_LABELS,
        },
        Ok(_) => REPLY_LABELS,
    };
    after_form(&caller.session, result, &back, labels).await
}

/// The escalation form.
#[derive(Debug, Deserialize)]
pub struct EscalateForm {
    contract_id: String,
    #[serde(default)]
    subject: String,
}

/// `POST /requests/{id}/escalations`: escalates to a supplier up the chain.
pub async fn escalate_to_supplier(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<RequestId>,
    CsrfForm(form): CsrfForm<EscalateForm>,
) -> Result<Response, WebError> {
    let back = format!("/requests/{id}");
    let result = async {
        let contract_id = form.contract_id.trim().parse().map_err(|_| {
            crate::error::ApiError::field("contract_id", "choose the supplier contract")
        })?;
        let escalation = Escalation {
            contract_id: Some(contract_id),
            subject: Some(form.subject.trim().to_owned()).filter(|s| !s.is_empty()),
            ..Escalation::default()
        };
        let up = escalate(&state.app, &caller.principal, id, escalation).await?;
        Ok((
            format!("Escalated up the chain as request #{}.", up.number),
            back.clone(),
        ))
    }
    .await;
    after_form(&caller.session, result, &back, ESCALATION_LABELS).await
}

/// One request's page and what can be done on it.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests/{id}", get(page))
        .route("/requests/{id}/actions", post(take_step))
        .route("/requests/{id}/replies", post(write))
        .route("/requests/{id}/escalations", post(escalate_to_supplier))
}
