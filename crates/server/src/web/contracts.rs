//! The contracts pages: the contracts a user may see, and a page per
//! contract with its parties, its catalog (what is in scope and what is
//! not, for each service), its calendar and its steering group.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kept_domain::{
    CalendarId, Contract, ContractId, FieldError, NewContract, PartyId, PartyName, Quorum, Service,
    ServiceId, UserId, ValidationErrors,
};

use super::change_requests::{Governance, governance};
use super::{Layout, WebError, WebPath, after_post};

use super::session::{CsrfForm, WebCaller};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::contracts::create_as;
use kept_app::contracts::pages::{ContractRow, NewContractChoices, contract_page, list_page};

#[derive(Template, WebTemplate)]
#[template(path = "contracts.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ContractRow>,
    /// The choices of the new-contract form; `None` when the caller
    /// manages no provider.
    form: Option<Choices>,
}

/// What the new-contract form offers, each as (id, label).
pub struct Choices {
    providers: Vec<(PartyId, String)>,
    parties: Vec<(PartyId, String)>,
    services: Vec<(ServiceId, String)>,
    calendars: Vec<(CalendarId, String)>,
    users: Vec<(UserId, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "contract.html")]
struct DetailPage {
    layout: Layout,
    contract: Contract,
    provider: String,
    client: String,
    customers: Vec<(PartyId, String)>,
    services: Vec<Service>,
    calendar: Option<(String, String)>,
    approvers: Vec<String>,
    gov: Governance,
}

/// `GET /contracts`.
pub async fn list(State(state): State<AppState>, caller: WebCaller) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let found = list_page(&state.app, principal).await?;
    Ok(ListPage {
        layout: Layout::new(&caller.session, principal, "Contracts", "contracts").await?,
        rows: found.rows,
        form: found.form.map(Choices::from),
    }
    .into_response())
}

impl From<NewContractChoices> for Choices {
    /// The choices, labelled as the form shows them.
    fn from(c: NewContractChoices) -> Self {
        Self {
            providers: c.providers,
            parties: c.parties,
            services: c
                .services
                .into_iter()
                .map(|(s, provider)| (s.id, format!("{} ({provider})", s.name)))
                .collect(),
            calendars: c
                .calendars
                .into_iter()
                .map(|c| (c.id, format!("{} ({})", c.name, c.spec.zone)))
                .collect(),
            users: c
                .users
                .into_iter()
                .map(|u| (u.id, format!("{} <{}>", u.name, u.email)))
                .collect(),
        }
    }
}

/// A form body as its name/value pairs, for forms with multiple choices.
struct Pairs(Vec<(String, String)>);

impl Pairs {
    /// The first value of `name`, trimmed; empty when absent.
    fn one(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// Every non-empty value of `name`, parsed; a value that does not
    /// parse is noted against the field.
    fn ids<T: std::str::FromStr>(&self, name: &str, errors: &mut ValidationErrors) -> Vec<T> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .filter_map(|(_, v)| {
                errors.check(
                    v.trim()
                        .parse()
                        .map_err(|_| FieldError::new(name, "is not an id")),
                )
            })
            .collect()
    }

    /// The value of `name` parsed, or `None` when empty.
    fn optional<T: std::str::FromStr>(
        &self,
        name: &str,
        what: &str,
        errors: &mut ValidationErrors,
    ) -> Option<T> {
        match self.one(name) {
            "" => None,
            raw => errors.check(
                raw.parse()
                    .map_err(|_| FieldError::new(name, format!("is not {what}"))),
            ),
        }
    }
}

/// Reads the new-contract form into a contract to record.
fn read_new_contract(form: &Pairs) -> Result<NewContract, ApiError> {
    let mut errors = ValidationErrors::new();
    let name = errors.check(PartyName::parse("name", form.one("name")));
    let provider = form.optional::<PartyId>("provider_id", "a party", &mut errors);
    let client = form.optional::<PartyId>("client_id", "a party", &mut errors);
    let customer_ids = form.ids("customer_ids", &mut errors);
    let service_ids = form.ids("service_ids", &mut errors);
    let steering_group = form.ids("steering_group", &mut errors);
    let calendar_id = form.optional("calendar_id", "a calendar", &mut errors);
    let probation_ends_on = form.optional("probation_ends_on", "a date (YYYY-MM-DD)", &mut errors);
    let quorum = errors.check(
        form.one("quorum")
            .parse::<Quorum>()
            .map_err(|e| FieldError::new("quorum", e)),
    );
    if provider.is_none() {
        errors.push(FieldError::new("provider_id", "choose the provider"));
    }
    if client.is_none() {
        errors.push(FieldError::new("client_id", "choose the client"));
    }
    match (name, provider, client, quorum) {
        (Some(name), Some(provider_id), Some(client_id), Some(quorum)) if errors.is_empty() => {
            Ok(NewContract {
                name,
                provider_id,
                client_id,
                customer_ids,
                service_ids,
                calendar_id,
                probation_ends_on,
                steering_group,
                quorum,
            })
        }
        _ => Err(errors.into()),
    }
}

/// `POST /contracts`: records a contract from the form.
pub async fn create(
    State(state): State<AppState>,
    caller: WebCaller,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let result = async {
        let new = read_new_contract(&Pairs(pairs))?;
        let contract = create_as(&state.app, &caller.principal, new).await?;
        Ok((
            format!("Recorded {}.", contract.name),
            format!("/contracts/{}", contract.id),
        ))
    }
    .await;
    after_post(&caller.session, result, "/contracts").await
}

/// `GET /contracts/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<ContractId>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let found = contract_page(&state.app, principal, id).await?;
    let contract = found.contract;
    let gov = governance(found.governance, &contract);
    Ok(DetailPage {
        layout: Layout::new(
            &caller.session,
            principal,
            contract.name.as_str(),
            "contracts",
        )
        .await?,
        provider: found.provider,
        client: found.client,
        customers: found.customers,
        services: found.services,
        calendar: found
            .calendar
            .map(|c| (c.id.to_string(), format!("{} ({})", c.name, c.spec.zone))),
        approvers: found.approvers,
        gov,
        contract,
    }
    .into_response())
}

/// The contract pages (their change requests are in `change_request_forms`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contracts", get(list).post(create))
        .route("/contracts/{id}", get(detail))
}
