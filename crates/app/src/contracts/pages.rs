//! What the contracts pages show, each read in one use case: the list of
//! contracts the caller sees with the choices of the new-contract form
//! (for those who manage a provider), and one contract with its parties,
//! catalog, calendar, steering group, terms and change requests, and what
//! a change request from its page could add.

use kept_domain::{
    Contract, ContractId, Limit, PartyId, PartyKind, PartyScope, Principal, Service, ServiceId,
    StoredCalendar, User,
};
use kept_store::{CalendarQuery, PartyOrder, PartyQuery, ServiceQuery, UserQuery};

use super::readable_contract;
use crate::Context;
use crate::error::Error;
use crate::governance::{GovernanceView, contract_governance};

/// A contract as a row of the list, with its parties' names.
#[derive(Debug, Clone)]
pub struct ContractRow {
    /// The contract.
    pub contract: Contract,
    /// Its provider's name.
    pub provider: String,
    /// Its client's name.
    pub client: String,
}

/// The contracts list page.
#[derive(Debug, Clone)]
pub struct ContractList {
    /// The contracts the caller sees, by name.
    pub rows: Vec<ContractRow>,
    /// The new-contract form's choices; `None` when the caller manages no
    /// provider.
    pub form: Option<NewContractChoices>,
}

/// What the new-contract form offers.
#[derive(Debug, Clone)]
pub struct NewContractChoices {
    /// The providers the caller manages, by name.
    pub providers: Vec<(PartyId, String)>,
    /// The organisations, sites and teams they see (client and customers).
    pub parties: Vec<(PartyId, String)>,
    /// The managed providers' services, each with its provider's name.
    pub services: Vec<(Service, String)>,
    /// The calendars they see.
    pub calendars: Vec<StoredCalendar>,
    /// The users they see (the steering group).
    pub users: Vec<User>,
}

/// The contracts the caller sees, with the new-contract form's choices.
pub async fn list_page(ctx: &Context, caller: &Principal) -> Result<ContractList, Error> {
    let contracts = super::seen(ctx, caller).await?;
    let ids: Vec<PartyId> = contracts
        .iter()
        .flat_map(|c| [c.provider_id, c.client_id])
        .collect();
    let names = ctx.party_names(&ids).await?;
    let name = |id: &PartyId| names.get(id).cloned().unwrap_or_default();
    let rows = contracts
        .into_iter()
        .map(|contract| ContractRow {
            provider: name(&contract.provider_id),
            client: name(&contract.client_id),
            contract,
        })
        .collect();
    Ok(ContractList {
        rows,
        form: new_contract_choices(ctx, caller).await?,
    })
}

/// The new-contract form's choices, when the caller manages a provider.
async fn new_contract_choices(
    ctx: &Context,
    caller: &Principal,
) -> Result<Option<NewContractChoices>, Error> {
    let providers = crate::services::providers(ctx, caller).await?;
    if providers.is_empty() {
        return Ok(None);
    }
    let scope = caller.party_scope();
    let parties = ctx
        .store
        .list_parties(&PartyQuery {
            order: PartyOrder::Name,
            limit: Limit::MAX_PAGE,
            ..PartyQuery::new(scope.clone())
        })
        .await?
        .items
        .into_iter()
        .filter(|p| p.kind != PartyKind::Person)
        .map(|p| (p.id, p.name.as_str().to_owned()))
        .collect();
    let mut services = Vec::new();
    for (provider, provider_name) in &providers {
        let offered = ctx
            .store
            .list_services(&ServiceQuery {
                provider_id: Some(*provider),
                limit: Limit::MAX_PAGE,
                ..ServiceQuery::new(PartyScope::All)
            })
            .await?;
        services.extend(
            offered
                .items
                .into_iter()
                .map(|s| (s, provider_name.clone())),
        );
    }
    let calendars = ctx
        .store
        .list_calendars(&CalendarQuery {
            limit: Limit::MAX_PAGE,
            ..CalendarQuery::new(scope.clone())
        })
        .await?
        .items;
    let users = ctx
        .store
        .list_users(&UserQuery {
            limit: Limit::MAX_PAGE,
            ..UserQuery::new(scope)
        })
        .await?
        .items;
    Ok(Some(NewContractChoices {
        providers,
        parties,
        services,
        calendars,
        users,
    }))
}

/// A contract's page.
pub struct ContractPage {
    /// The contract as the caller may see it.
    pub contract: Contract,
    /// Its provider's name.
    pub provider: String,
    /// Its client's name.
    pub client: String,
    /// Its customers the caller may see, by name.
    pub customers: Vec<(PartyId, String)>,
    /// Its services, by name.
    pub services: Vec<Service>,
    /// Its calendar, if it has one.
    pub calendar: Option<StoredCalendar>,
    /// The names of its steering group.
    pub approvers: Vec<String>,
    /// Its terms and change requests as the caller may see and act on them.
    pub governance: GovernanceView,
    /// For a change request (when the caller may raise one): parties
    /// under the client they see that are not yet customers, by name.
    pub candidate_customers: Vec<(PartyId, String)>,
    /// For a change request: the provider's services not on the contract.
    pub candidate_services: Vec<(ServiceId, String)>,
}

/// The contract `id` as its page shows it to the caller; 404 when they do
/// not see it.
pub async fn contract_page(
    ctx: &Context,
    caller: &Principal,
    id: ContractId,
) -> Result<ContractPage, Error> {
    let contract = readable_contract(ctx, caller, id).await?;
    let mut ids = vec![contract.provider_id, contract.client_id];
    ids.extend(&contract.customer_ids);
    let names = ctx.party_names(&ids).await?;
    let name = |id: &PartyId| names.get(id).cloned().unwrap_or_default();
    let mut customers: Vec<(PartyId, String)> = contract
        .customer_ids
        .iter()
        .map(|id| (*id, name(id)))
        .collect();
    customers.sort_by_key(|a| a.1.to_lowercase());
    let mut services = Vec::with_capacity(contract.service_ids.len());
    for sid in &contract.service_ids {
        services.push(ctx.store.service(*sid).await?);
    }
    services.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    let calendar = match contract.calendar_id {
        Some(cid) => Some(ctx.store.calendar(cid).await?),
        None => None,
    };
    let mut approvers = Vec::new();
    for uid in &contract.steering_group {
        approvers.push(ctx.store.user(*uid).await?.name.as_str().to_owned());
    }
    let governance = contract_governance(ctx, caller, &contract).await?;
    let (candidate_customers, candidate_services) = if governance.may_raise {
        candidates(ctx, caller, &contract).await?
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(ContractPage {
        provider: name(&contract.provider_id),
        client: name(&contract.client_id),
        customers,
        services,
        calendar,
        approvers,
        governance,
        candidate_customers,
        candidate_services,
        contract,
    })
}

/// What a change request could add: parties under the client the caller
/// sees that are not yet customers, and the provider's services not yet
/// on the contract.
async fn candidates(
    ctx: &Context,
    caller: &Principal,
    contract: &Contract,
) -> Result<(Vec<(PartyId, String)>, Vec<(ServiceId, String)>), Error> {
    let parties = ctx
        .store
        .list_parties(&PartyQuery {
            under: Some(contract.client_id),
            order: PartyOrder::Name,
            limit: Limit::MAX_PAGE,
            ..PartyQuery::new(caller.party_scope())
        })
        .await?;
    let customers = parties
        .items
        .into_iter()
        .filter(|p| p.kind != PartyKind::Person && !contract.customer_ids.contains(&p.id))
        .map(|p| (p.id, p.name.as_str().to_owned()))
        .collect();
    let services = ctx
        .store
        .list_services(&ServiceQuery {
            provider_id: Some(contract.provider_id),
            limit: Limit::MAX_PAGE,
            ..ServiceQuery::new(PartyScope::All)
        })
        .await?
        .items
        .into_iter()
        .filter(|s| !contract.service_ids.contains(&s.id))
        .map(|s| (s.id, s.name.as_str().to_owned()))
        .collect();
    Ok((customers, services))
}
