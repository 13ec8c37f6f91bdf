//! The request queue: every request the user may see, most urgent first
//! (breached, then the soonest due on each contract's calendar, then the
//! oldest), with filters by contract,
//! customer, status, SLA state and due date, and filters saved by name.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_domain::{ContractId, Limit, PartyId, SavedFilterId, SlaState, Timestamp};
use kept_store::{RequestOrder, SavedFilter};
use serde::Deserialize;

use super::session::{CsrfForm, WebCaller};
use super::{Layout, NoFields, WebError, WebPath, WebQuery, after_post};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::requests::list::{Filter, Row};
use kept_app::requests::parse_statuses as parse_request_statuses;
use kept_app::requests::queue::queue;
use kept_app::requests::saved;

/// The queue's filters as typed, kept to fill the form again.
#[derive(Debug, Default, Deserialize)]
pub struct QueueParams {
    #[serde(default)]
    contract: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    sla: String,
    #[serde(default)]
    due_before: String,
    #[serde(default)]
    order: String,
    #[serde(default)]
    cursor: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "queue.html")]
struct QueuePage {
    layout: Layout,
    rows: Vec<Row>,
    params: QueueParams,
    /// What the filters could not use, said plainly.
    problem: Option<String>,
    contracts: Vec<(ContractId, String)>,
    customers: Vec<(PartyId, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    slas: Vec<(&'static str, &'static str)>,
    saved: Vec<SavedFilter>,
    /// The query string of these filters, to save them.
    query: String,
    next: Option<String>,
}

/// The instant a `due_before` field means: an RFC 3339 instant, or a
/// local date and time (`datetime-local`) or a date, read in UTC.
fn parse_due(raw: &str) -> Result<Timestamp, String> {
    let raw = raw.trim();
    if let Ok(t) = raw.parse::<Timestamp>() {
        return Ok(t);
    }
    let civil = raw
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| {
            raw.parse::<jiff::civil::Date>()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })
        .map_err(|_| format!("“{raw}” is not a date and time"))?;
    jiff::tz::TimeZone::UTC
        .to_timestamp(civil)
        .map_err(|e| e.to_string())
}

fn parse_filter(p: &QueueParams) -> Result<Filter, ApiError> {
    let mut q = Filter::default();
    if !p.contract.is_empty() {
        q.contract_id = Some(
            p.contract
                .parse()
                .map_err(|_| ApiError::field("contract", "is not a contract"))?,
        );
    }
    if !p.customer.is_empty() {
        q.customer_id = Some(
            p.customer
                .parse()
                .map_err(|_| ApiError::field("customer", "is not a party"))?,
        );
    }
    q.statuses = match p.status.as_str() {
        "" => parse_request_statuses("open")?,
        "all" => Vec::new(),
        other => parse_request_statuses(other)?,
    };
    if !p.sla.is_empty() {
        q.sla = vec![
            p.sla
                .parse::<SlaState>()
                .map_err(|e| ApiError::field("sla", e))?,
        ];
    }
    if !p.due_before.is_empty() {
        q.due_before =
            Some(parse_due(&p.due_before).map_err(|e| ApiError::field("due_before", e))?);
    }
    q.order = match p.order.as_str() {
        "" | "urgency" => RequestOrder::Urgency,
        "newest" => RequestOrder::Newest,
        other => {
            return Err(ApiError::field(
                "order",
                format!("“{other}” is not an order"),
            ));
        }
    };
    if !p.cursor.is_empty() {
        q.cursor = Some(p.cursor.clone());
    }
    q.limit = Limit::DEFAULT;
    Ok(q)
}

/// The filter form's labels, for its messages.
const FILTER_LABELS: super::Labels = &[
    ("contract", "Contract"),
    ("customer", "Customer"),
    ("status", "Status"),
    ("sla", "SLA"),
    ("due_before", "Due before"),
    ("order", "Order"),
];

/// What the filters could not use, as one sentence ("Not saved." suits a
/// form post, not a filter that saves nothing).
fn unusable(e: &ApiError) -> String {
    super::describe_as(e, "These filters cannot be used.", FILTER_LABELS)
}

/// `GET /requests`.
pub async fn page(
    State(state): State<AppState>,
    caller: WebCaller,
    RawQuery(raw): RawQuery,
    WebQuery(params): WebQuery<QueueParams>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let (filter, problem) = match parse_filter(&params) {
        Ok(filter) => (Some(filter), None),
        Err(e) => (None, Some(unusable(&e))),
    };
    let found = queue(&state.app, principal, filter).await?;
    let query = raw
        .unwrap_or_default()
        .split('&')
        .filter(|kv| !kv.starts_with("cursor=") && !kv.is_empty())
        .collect::<Vec<_>>()
        .join("&");
    Ok(QueuePage {
        layout: Layout::new(&caller.session, principal, "Requests", "requests").await?,
        rows: found.rows,
        params,
        problem,
        contracts: found.contracts,
        customers: found.customers,
        statuses: vec![
            ("", "Open"),
            ("new", "New"),
            ("acknowledged", "Acknowledged"),
            ("in_progress", "In progress"),
            ("awaiting_customer", "Awaiting customer"),
            ("fulfilled", "Fulfilled"),
            ("closed", "Closed"),
            ("cancelled", "Cancelled"),
            ("all", "Any"),
        ],
        slas: vec![
            ("", "Any"),
            ("breached", "Breached"),
            ("at_risk", "At risk"),
            ("on_track", "On track"),
            ("paused", "Paused"),
            ("none", "No clock"),
        ],
        saved: found.saved,
        query,
        next: found.next_cursor.map(|c| c.as_str().to_owned()),
    }
    .into_response())
}

/// The save-filter form.
#[derive(Debug, Deserialize)]
pub struct SaveForm {
    name: String,
    #[serde(default)]
    query: String,
}

/// `POST /requests/filters`: saves the queue's current filters by name.
pub async fn save_filter(
    State(state): State<AppState>,
    caller: WebCaller,
    CsrfForm(form): CsrfForm<SaveForm>,
) -> Result<Response, WebError> {
    let result = saved::save(&state.app, &caller.principal, &form.name, &form.query)
        .await
        .map(|filter| {
            (
                format!("Saved the filter “{}”.", filter.name),
                format!("/requests?{}", filter.query),
            )
        })
        .map_err(ApiError::from);
    after_post(&caller.session, result, "/requests").await
}

/// `POST /requests/filters/{id}/delete`.
pub async fn delete_filter(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<SavedFilterId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let result = saved::delete(&state.app, &caller.principal, id)
        .await
        .map(|()| {
            (
                "Deleted the saved filter.".to_owned(),
                "/requests".to_owned(),
            )
        })
        .map_err(ApiError::from);
    after_post(&caller.session, result, "/requests").await
}

/// The request queue and its saved filters (`POST /requests` is the portal's).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", get(page))
        .route("/requests/filters", post(save_filter))
        .route("/requests/filters/{id}/delete", post(delete_filter))
}
