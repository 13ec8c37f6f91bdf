//! The contracts pages: the contracts a user may see, and a page per
//! contract with its parties, its catalog (what is in scope and what is
//! not, for each service), its calendar and its steering group.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kept_domain::{Contract, ContractId, Limit, PartyId, Service, ServiceId};
use kept_store::{ContractQuery, PartyQuery, ServiceQuery};

use super::change_requests::{Governance, governance};
use super::{Layout, WebError, WebPath};
use crate::api::readable_contract;
use crate::auth::WebCaller;
use crate::state::AppState;

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
    }
    .into_response())
}

/// `GET /contracts/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<ContractId>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let contract = readable_contract(&state, principal, id).await?;
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
    let gov = governance(&state, principal, &contract).await?;
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
