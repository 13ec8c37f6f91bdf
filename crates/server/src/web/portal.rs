//! The customer portal: a customer's people follow their requests and
//! raise new ones. The raise form first asks for the contract (unless the
//! caller has only one), then offers that contract's customers and
//! services, so it works without JavaScript; a lone customer or service is
//! preselected, and each service names its unit. Beside it, a question
//! form offers the services of suppliers up the chain that a question is
//! routed to.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_domain::{
    Contract, ContractId, FieldError, PartyId, Principal, RequestKind, Role, Service, ServiceId,
    ValidationErrors,
};
use serde::Deserialize;

use super::order_question::{CONFIRM, FormQuestion, order_line};
use super::session::{CsrfForm, WebCaller};
use super::{Flash, Labels, Layout, WebError, WebQuery, describe_as, see_other, shown_on_form};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::requests::intake::{Intake, raise};
use kept_app::requests::list::portal;
use kept_app::requests::options::options;

#[derive(Template, WebTemplate)]
#[template(path = "portal.html")]
struct PortalPage {
    layout: Layout,
    /// `true` for everything the user can follow, `false` for what they raised.
    all: bool,
    /// Each request with its status and what happens next, in words.
    rows: Vec<super::home::Told>,
    next: Option<String>,
}

/// Which list and where it continues.
#[derive(Debug, Default, Deserialize)]
pub struct PortalParams {
    /// `all` for every request the user can follow (their organisation's);
    /// anything else for those they raised.
    #[serde(default)]
    show: String,
    #[serde(default)]
    cursor: String,
}

/// `GET /portal`: the requests the user raised, newest first; with
/// `show=all`, every request they can follow (a customer's colleagues' at
/// their site, say).
pub async fn page(
    State(state): State<AppState>,
    caller: WebCaller,
    WebQuery(params): WebQuery<PortalParams>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let all = params.show == "all";
    let cursor = Some(params.cursor).filter(|c| !c.is_empty());
    let page = portal(&state.app, principal, all, cursor).await?;
    Ok(PortalPage {
        layout: Layout::new(&caller.session, principal, "My requests", "portal").await?,
        all,
        rows: page
            .items
            .into_iter()
            .map(|row| super::home::Told::new(row, kept_domain::Timestamp::now()))
            .collect(),
        next: page.next_cursor.map(|c| c.as_str().to_owned()),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "request_new.html")]
struct NewPage {
    layout: Layout,
    /// Contracts to choose from (first step).
    contracts: Vec<(ContractId, String)>,
    /// The chosen contract (second step).
    chosen: Option<Contract>,
    /// Whether it is the caller's only contract (so there is no other to
    /// choose).
    only_contract: bool,
    customers: Vec<(PartyId, String)>,
    services: Vec<ServiceChoice>,
    /// What the quantity counts, when the service is known: the one
    /// chosen, or the contract's only one.
    unit: Option<String>,
    /// Services of suppliers up the chain a question can be routed to,
    /// labelled "Ask Folio Press about: Course materials".
    asks: Vec<(ServiceId, String)>,
    /// The chosen contract's provider, by name.
    provider: String,
    /// Whether what was typed before a refusal was a question up the
    /// chain (so the question form, not the main one, holds it).
    asked: bool,
    kinds: Vec<(&'static str, String)>,
    may_override: bool,
    /// Whether the caller speaks for a side of a contract (its client's or
    /// provider's people), who may propose a change to it; a site's people
    /// ask their head office.
    may_propose: bool,
    /// What the form holds: empty, or what was typed before a refusal.
    filled: Filled,
    /// The question the quantity check asked of the order, if it did.
    question: Option<FormQuestion>,
}

/// A service as the form offers it.
struct ServiceChoice {
    id: ServiceId,
    /// Its name, with its unit when it has one ("Boxed goods — boxes,
    /// packs of 100").
    label: String,
    /// What a quantity of it counts, for the quantity's label.
    unit: Option<String>,
}

impl From<&Service> for ServiceChoice {
    fn from(s: &Service) -> Self {
        let unit = s.quantity_unit();
        Self {
            id: s.id,
            label: match &unit {
                Some(u) => format!("{} — {u}", s.name),
                None => s.name.as_str().to_owned(),
            },
            unit,
        }
    }
}

/// The raise form's values as shown: the defaults, or what the user typed
/// before the request was refused, so nothing typed is lost.
#[derive(Debug, Clone)]
struct Filled {
    customer_id: String,
    service_id: String,
    kind: String,
    priority: String,
    quantity: String,
    subject: String,
    description: String,
    override_reason: String,
}

impl Default for Filled {
    fn default() -> Self {
        Self {
            customer_id: String::new(),
            service_id: String::new(),
            kind: RequestKind::ServiceRequest.as_str().to_owned(),
            priority: "normal".to_owned(),
            quantity: String::new(),
            subject: String::new(),
            description: String::new(),
            override_reason: String::new(),
        }
    }
}

impl From<&RaiseForm> for Filled {
    fn from(form: &RaiseForm) -> Self {
        Self {
            customer_id: form.customer_id.trim().to_owned(),
            service_id: form.service_id.trim().to_owned(),
            kind: form.kind.trim().to_owned(),
            priority: form.priority.trim().to_owned(),
            quantity: form.quantity.clone(),
            subject: form.subject.clone(),
            description: form.description.clone(),
            override_reason: form.override_reason.clone(),
        }
    }
}

/// Which contract the form is for.
#[derive(Debug, Default, Deserialize)]
pub struct NewParams {
    #[serde(default)]
    contract: String,
}

/// `GET /requests/new`: choose a contract, then fill in the request.
pub async fn new_page(
    State(state): State<AppState>,
    caller: WebCaller,
    WebQuery(params): WebQuery<NewParams>,
) -> Result<Response, WebError> {
    let layout = Layout::new(
        &caller.session,
        &caller.principal,
        "Raise a request",
        "raise",
    )
    .await?;
    let page = form_page(
        &state,
        &caller.principal,
        layout,
        &params.contract,
        Filled::default(),
    )
    .await?;
    Ok(page.into_response())
}

/// The raise form for the contract `contract` (an id as typed; anything
/// else shows the choice of contracts, or the caller's only contract's
/// form), holding `filled`.
async fn form_page(
    state: &AppState,
    principal: &Principal,
    layout: Layout,
    contract: &str,
    filled: Filled,
) -> Result<NewPage, WebError> {
    let chosen = contract.trim().parse::<ContractId>().ok();
    let mut offered = options(&state.app, principal, chosen).await?;
    // One contract is no choice: go straight to its form.
    if let ([(only, _)], None) = (offered.contracts.as_slice(), &offered.chosen) {
        offered = options(&state.app, principal, Some(*only)).await?;
    }
    let only_contract = offered.contracts.len() == 1;
    let offer = offered.chosen;
    let asks: Vec<(ServiceId, String)> = offer.as_ref().map_or_else(Vec::new, |o| {
        o.asks
            .iter()
            .map(|(s, supplier)| (s.id, format!("Ask {supplier} about: {}", s.name)))
            .collect()
    });
    let asked = filled.kind == RequestKind::Question.as_str()
        && asks
            .iter()
            .any(|(id, _)| id.to_string() == filled.service_id);
    let Some(offer) = offer else {
        return Ok(NewPage {
            layout,
            contracts: offered.contracts,
            chosen: None,
            only_contract,
            customers: Vec::new(),
            services: Vec::new(),
            unit: None,
            asks,
            provider: String::new(),
            asked,
            kinds: Vec::new(),
            may_override: false,
            may_propose: false,
            question: None,
            filled,
        });
    };
    let services: Vec<ServiceChoice> = offer.services.iter().map(ServiceChoice::from).collect();
    // The template preselects a lone customer or service: it is the answer.
    let unit = match services.as_slice() {
        [only] => only.unit.clone(),
        _ => services
            .iter()
            .find(|s| !asked && s.id.to_string() == filled.service_id)
            .and_then(|s| s.unit.clone()),
    };
    Ok(NewPage {
        layout,
        contracts: offered.contracts,
        only_contract,
        customers: offer.customers,
        services,
        unit,
        asks,
        provider: offer.provider,
        asked,
        kinds: offer
            .kinds
            .iter()
            .map(|k| (k.as_str(), kind_label(*k)))
            .collect(),
        may_override: offer.raiser.may_override,
        may_propose: [Role::Admin, Role::Manager, Role::Client]
            .iter()
            .any(|r| principal.has_role(*r)),
        filled,
        chosen: Some(offer.contract),
        question: None,
    })
}

/// A kind as the form names it: its words, capitalised ("Service request").
fn kind_label(kind: RequestKind) -> String {
    let words = kind.as_str().replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// The raise form's labels, for its messages.
const RAISE_LABELS: Labels = &[
    ("contract_id", "Contract"),
    ("customer_id", "For"),
    ("service_id", "Service"),
    ("kind", "Kind"),
    ("priority", "Priority"),
    ("quantity", "Quantity"),
    ("subject", "Subject"),
    ("description", "Details"),
    ("override_reason", "Reason to accept it anyway"),
];

/// The raise form's fields, as typed.
#[derive(Debug, Deserialize)]
pub struct RaiseForm {
    contract_id: String,
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    service_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    override_reason: String,
    /// The quantity questioned before, kept while the question stands.
    #[serde(default)]
    questioned_quantity: String,
    /// The question's button pressed: `confirm`, or a suggested quantity.
    #[serde(default)]
    quantity_answer: String,
}

/// An id chosen in a select, or which field needs a choice.
fn id<T: std::str::FromStr>(field: &str, raw: &str) -> Result<T, FieldError> {
    raw.trim()
        .parse()
        .map_err(|_| FieldError::new(field, "choose one"))
}

impl RaiseForm {
    fn intake(&self) -> Result<Intake, ApiError> {
        let mut errors = ValidationErrors::new();
        let contract_id = errors.check(id("contract_id", &self.contract_id));
        let service_id = errors.check(id("service_id", &self.service_id));
        let customer_id = match self.customer_id.trim() {
            "" => None,
            raw => errors.check(id("customer_id", raw)),
        };
        let kind = errors.check(
            self.kind
                .parse::<RequestKind>()
                .map_err(|e| FieldError::new("kind", e)),
        );
        let priority = match self.priority.trim() {
            "" => None,
            raw => errors.check(
                raw.parse()
                    .map_err(|e: String| FieldError::new("priority", e)),
            ),
        };
        // An order's quantity is its line, read against its service and
        // checked; another request's is a whole number as it was.
        let order = kind == Some(RequestKind::Order) && !self.quantity.trim().is_empty();
        let (lines, confirm_quantity) = if order {
            let (line, confirm) = order_line(
                &self.quantity,
                &self.quantity_answer,
                &self.questioned_quantity,
            );
            (vec![line], confirm)
        } else {
            (Vec::new(), false)
        };
        let quantity = if order {
            None
        } else {
            errors
                .check(kept_domain::request::parse_quantity(&self.quantity))
                .flatten()
        };
        match (contract_id, service_id, kind) {
            (Some(contract_id), Some(service_id), Some(kind)) if errors.is_empty() => Ok(Intake {
                lines,
                confirm_quantity,
                contract_id,
                customer_id,
                service_id,
                kind,
                priority,
                quantity,
                effort: None,
                subject: self.subject.clone(),
                description: self.description.clone(),
                requester_id: None,
                override_reason: Some(self.override_reason.trim().to_owned())
                    .filter(|r| !r.is_empty()),
            }),
            _ => Err(errors.into()),
        }
    }
}

/// `POST /requests`: raises a request from the form. A refusal the user
/// can act on (a field, the contract's scope) shows the form again with
/// what they typed and why, rather than a redirect that would lose it.
pub async fn create(
    State(state): State<AppState>,
    caller: WebCaller,
    CsrfForm(form): CsrfForm<RaiseForm>,
) -> Result<Response, WebError> {
    let result = async {
        let intake = form.intake()?;
        Ok::<_, ApiError>(raise(&state.app, &caller.principal, intake).await?)
    }
    .await;
    match result {
        Ok(request) => {
            Flash::ok(
                &caller.session,
                format!("Raised request #{}.", request.number),
            )
            .await?;
            Ok(see_other(&format!("/requests/{}", request.id)))
        }
        Err(e) if shown_on_form(&e) => {
            let mut layout = Layout::new(
                &caller.session,
                &caller.principal,
                "Raise a request",
                "raise",
            )
            .await?;
            layout.flash = Some(Flash::refusal(
                &e,
                describe_as(&e, "Not saved.", RAISE_LABELS),
            ));
            let mut filled = Filled::from(&form);
            // What the customer chose to send is what the form now holds.
            if !matches!(form.quantity_answer.trim(), "" | CONFIRM) {
                filled.quantity = form.quantity_answer.trim().to_owned();
            }
            let mut page =
                form_page(&state, &caller.principal, layout, &form.contract_id, filled).await?;
            page.question = FormQuestion::of(&e, &page.filled.quantity);
            Ok((e.kind.status(), page).into_response())
        }
        Err(e) => Err(WebError(e)),
    }
}

/// The portal and raising a request (`GET /requests` is the queue's).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", post(create))
        .route("/requests/new", get(new_page))
        .route("/portal", get(page))
}
