//! The contracts pages: the contracts a user may see, and a page per
//! contract with its parties, its catalog (what is in scope and what is
//! not, for each service), its calendar and its steering group.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kept_domain::{
    CalendarId, Contract, ContractId, FieldError, Limit, NewContract, PartyId, PartyName,
    Principal, Quorum, Service, ServiceId, UserId, ValidationErrors,
};
use kept_store::{CalendarQuery, ContractQuery, PartyQuery, ServiceQuery, UserQuery};

use super::change_requests::{Echo, Governance, governance};
use super::services::providers;
use super::{Layout, WebError, WebPath, after_post};

use super::session::{CsrfForm, WebCaller};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::contracts::{create_as, readable_contract};
use kept_app::governance::contract_governance;

/// A contract as a row of the list.
pub struct Row {
    contract: Contract,
    provider: String,
    client: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "contracts.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
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
    /// Parties under the client not yet served, for a change request.
    candidate_customers: Vec<(PartyId, String)>,
    /// The provider's services not on the contract, for a change request.
    candidate_services: Vec<(ServiceId, String)>,
}

async fn names(state: &AppState, ids: &[PartyId]) -> Result<HashMap<PartyId, String>, WebError> {
    Ok(state
        .store
        .party_names(ids)
        .await?
        .into_iter()
        .map(|(id, n)| (id, n.as_str().to_owned()))
        .collect())
}

/// `GET /contracts`.
pub async fn list(State(state): State<AppState>, caller: WebCaller) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let page = state
        .store
        .list_contracts(&ContractQuery {
            limit: Limit::MAX_PAGE,
            ..ContractQuery::new(principal.party_scope(), Some(principal.user_id))
        })
        .await?;
    let ids: Vec<PartyId> = page
        .items
        .iter()
        .flat_map(|c| [c.provider_id, c.client_id])
        .collect();
    let names = names(&state, &ids).await?;
    let name = |id: &PartyId| names.get(id).cloned().unwrap_or_default();
    let rows = page
        .items
        .into_iter()
        .map(|contract| Row {
            provider: name(&contract.provider_id),
            client: name(&contract.client_id),
            contract,
        })
        .collect();
    Ok(ListPage {
        layout: Layout::new(&caller.session, principal, "Contracts", "contracts").await?,
        rows,
        form: choices(&state, principal).await?,
    }
    .into_response())
}

/// The choices of the new-contract form: providers the caller manages,
/// organisations, sites and teams they see (as client or customers), the
/// managed providers' services, calendars and users they see.
async fn choices(state: &AppState, principal: &Principal) -> Result<Option<Choices>, WebError> {
    let providers = providers(state, principal).await?;
    if providers.is_empty() {
        return Ok(None);
    }
    let scope = principal.party_scope();
    let parties = state
        .store
        .list_parties(&PartyQuery {
            order: kept_store::PartyOrder::Name,
            limit: Limit::MAX_PAGE,
            ..PartyQuery::new(scope.clone())
        })
        .await?
        .items
        .into_iter()
        .filter(|p| p.kind != kept_domain::PartyKind::Person)
        .map(|p| (p.id, p.name.as_str().to_owned()))
        .collect();
    let mut services = Vec::new();
    for (provider, provider_name) in &providers {
        let offered = state
            .store
            .list_services(&ServiceQuery {
                provider_id: Some(*provider),
                limit: Limit::MAX_PAGE,
                ..ServiceQuery::new(kept_domain::PartyScope::All)
            })
            .await?;
        services.extend(
            offered
                .items
                .into_iter()
                .map(|s| (s.id, format!("{} ({provider_name})", s.name))),
        );
    }
    let calendars = state
        .store
        .list_calendars(&CalendarQuery {
            limit: Limit::MAX_PAGE,
            ..CalendarQuery::new(scope.clone())
        })
        .await?
        .items
        .into_iter()
        .map(|c| (c.id, format!("{} ({})", c.name, c.spec.zone)))
        .collect();
    let users = state
        .store
        .list_users(&UserQuery {
            limit: Limit::MAX_PAGE,
            ..UserQuery::new(scope)
        })
        .await?
        .items
        .into_iter()
        .map(|u| (u.id, format!("{} <{}>", u.name, u.email)))
        .collect();
    Ok(Some(Choices {
        providers,
        parties,
        services,
        calendars,
        users,
    }))
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
    detail_page(&state, &caller, id, Echo::None).await
}

/// The contract page, with a refused change-request form shown again as
/// typed (`echo`).
pub(super) async fn detail_page(
    state: &AppState,
    caller: &WebCaller,
    id: ContractId,
    echo: Echo,
) -> Result<Response, WebError> {
    let state = state.clone();
    let principal = &caller.principal;
    let contract = readable_contract(&state.app, principal, id).await?;
    let mut ids = vec![contract.provider_id, contract.client_id];
    ids.extend(&contract.customer_ids);
    let names = names(&state, &ids).await?;
    let name = |id: &PartyId| names.get(id).cloned().unwrap_or_default();
    let mut customers: Vec<(PartyId, String)> = contract
        .customer_ids
        .iter()
        .map(|id| (*id, name(id)))
        .collect();
    customers.sort_by_key(|a| a.1.to_lowercase());
    let mut services = Vec::with_capacity(contract.service_ids.len());
    for sid in &contract.service_ids {
        services.push(state.store.service(*sid).await?);
    }
    services.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    let calendar = match contract.calendar_id {
        Some(cid) => {
            let c = state.store.calendar(cid).await?;
            Some((cid.to_string(), format!("{} ({})", c.name, c.spec.zone)))
        }
        None => None,
    };
    let mut approvers = Vec::new();
    for uid in &contract.steering_group {
        approvers.push(state.store.user(*uid).await?.name.as_str().to_owned());
    }
    let gov = governance(
        contract_governance(&state.app, principal, &contract).await?,
        &contract,
        echo,
    );
    let (candidate_customers, candidate_services) = if gov.can_raise {
        candidates(&state, principal, &contract).await?
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(DetailPage {
        layout: Layout::new(
            &caller.session,
            principal,
            contract.name.as_str(),
            "contracts",
        )
        .await?,
        provider: name(&contract.provider_id),
        client: name(&contract.client_id),
        customers,
        services,
        calendar,
        approvers,
        gov,
        candidate_customers,
        candidate_services,
        contract,
    }
    .into_response())
}

/// What a change request from this page could add: parties under the
/// client the caller sees that are not yet customers, and the provider's
/// offered services not yet on the contract.
async fn candidates(
    state: &AppState,
    principal: &kept_domain::Principal,
    contract: &Contract,
) -> Result<(Vec<(PartyId, String)>, Vec<(ServiceId, String)>), WebError> {
    let parties = state
        .store
        .list_parties(&PartyQuery {
            under: Some(contract.client_id),
            order: kept_store::PartyOrder::Name,
            limit: Limit::MAX_PAGE,
            ..PartyQuery::new(principal.party_scope())
        })
        .await?;
    let customers = parties
        .items
        .into_iter()
        .filter(|p| {
            p.kind != kept_domain::PartyKind::Person && !contract.customer_ids.contains(&p.id)
        })
        .map(|p| (p.id, p.name.as_str().to_owned()))
        .collect();
    let services = state
        .store
        .list_services(&ServiceQuery {
            provider_id: Some(contract.provider_id),
            limit: Limit::MAX_PAGE,
            ..ServiceQuery::new(kept_domain::PartyScope::All)
        })
        .await?
        .items
        .into_iter()
        .filter(|s| !contract.service_ids.contains(&s.id))
        .map(|s| (s.id, s.name.as_str().to_owned()))
        .collect();
    Ok((customers, services))
}

/// The contract pages (their change requests are in `change_request_forms`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contracts", get(list).post(create))
        .route("/contracts/{id}", get(detail))
}
