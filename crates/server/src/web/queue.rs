//! The request queue: every request the user may see, most urgent first
//! (breached, then the soonest due on each contract's calendar, then the
//! oldest), with filters by contract,
//! customer, status, SLA state and due date, and filters saved by name.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_domain::{
    ContractId, Limit, PartyId, Principal, Request, SavedFilterId, SlaState, Timestamp,
};
use kept_store::{ContractQuery, RequestOrder, RequestQuery, SavedFilter};
use serde::Deserialize;

use super::session::{CsrfForm, WebCaller};
use super::{Layout, NoFields, WebError, WebPath, WebQuery, after_post};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::requests::parse_statuses as parse_request_statuses;
use kept_app::requests::saved;

/// A request as a row of the queue.
pub struct Row {
    /// The request.
    pub request: Request,
    /// Its customer's name.
    pub customer: String,
    /// Its contract's name.
    pub contract: String,
}

impl Row {
    /// The status as words.
    pub fn status(&self) -> String {
        self.request.status.as_str().replace('_', " ")
    }

    /// The SLA state as words.
    pub fn sla(&self) -> String {
        self.request.sla_state.as_str().replace('_', " ")
    }
}

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

fn parse_query(p: &QueueParams, caller: &Principal) -> Result<RequestQuery, ApiError> {
    let mut q = RequestQuery::new(caller.party_scope(), Some(caller.user_id));
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

/// Rows with the names of their customers and contracts.
pub async fn rows(state: &AppState, requests: Vec<Request>) -> Result<Vec<Row>, WebError> {
    let mut ids: Vec<PartyId> = requests.iter().map(|r| r.customer_id).collect();
    ids.sort();
    ids.dedup();
    let names: HashMap<PartyId, String> = state
        .store
        .party_names(&ids)
        .await?
        .into_iter()
        .map(|(id, n)| (id, n.as_str().to_owned()))
        .collect();
    let mut contracts: HashMap<ContractId, String> = HashMap::new();
    let mut out = Vec::with_capacity(requests.len());
    for request in requests {
        if !contracts.contains_key(&request.contract_id) {
            let c = state.store.contract(request.contract_id).await?;
            contracts.insert(c.id, c.name.as_str().to_owned());
        }
        out.push(Row {
            customer: names.get(&request.customer_id).cloned().unwrap_or_default(),
            contract: contracts
                .get(&request.contract_id)
                .cloned()
                .unwrap_or_default(),
            request,
        });
    }
    Ok(out)
}

/// The contracts the user sees, and their customers the user may see,
/// for the filters.
async fn filter_choices(
    state: &AppState,
    caller: &Principal,
) -> Result<(Vec<(ContractId, String)>, Vec<(PartyId, String)>), WebError> {
    let contracts = state
        .store
        .list_contracts(&ContractQuery {
            limit: Limit::MAX_PAGE,
            ..ContractQuery::new(caller.party_scope(), Some(caller.user_id))
        })
        .await?
        .items;
    let mut customer_ids = Vec::new();
    for c in &contracts {
        for id in &c.customer_ids {
            if caller
                .read_party(&state.store.lineage(*id).await?)
                .is_allowed()
            {
                customer_ids.push(*id);
            }
        }
    }
    customer_ids.sort();
    customer_ids.dedup();
    let mut customers: Vec<(PartyId, String)> = state
        .store
        .party_names(&customer_ids)
        .await?
        .into_iter()
        .map(|(id, n)| (id, n.as_str().to_owned()))
        .collect();
    customers.sort_by_key(|(_, n)| n.to_lowercase());
    Ok((
        contracts
            .into_iter()
            .map(|c| (c.id, c.name.as_str().to_owned()))
            .collect(),
        customers,
    ))
}

/// `GET /requests`.
pub async fn page(
    State(state): State<AppState>,
    caller: WebCaller,
    RawQuery(raw): RawQuery,
    WebQuery(params): WebQuery<QueueParams>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let (rows, next, problem) = match parse_query(&params, principal) {
        Ok(query) => {
            let page = state.store.list_requests(&query).await?;
            (rows(&state, page.items).await?, page.next_cursor, None)
        }
        Err(e) => (Vec::new(), None, Some(unusable(&e))),
    };
    let (contracts, customers) = filter_choices(&state, principal).await?;
    let query = raw
        .unwrap_or_default()
        .split('&')
        .filter(|kv| !kv.starts_with("cursor=") && !kv.is_empty())
        .collect::<Vec<_>>()
        .join("&");
    Ok(QueuePage {
        layout: Layout::new(&caller.session, principal, "Requests", "requests").await?,
        rows,
        params,
        problem,
        contracts,
        customers,
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
        saved: saved::list(&state.app, principal).await?,
        query,
        next: next.map(|c| c.as_str().to_owned()),
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
