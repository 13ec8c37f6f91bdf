//! Contracts: whether the caller sees the whole contract or only their own
//! customers, reading one as they may see it, and recording one.

use crate::error::ApiError;
use crate::state::AppState;
use kept_domain::{
    Access, Actor, CalendarId, Contract, ContractId, Limit, NewContract, PartyId, Principal,
    ServiceId,
};
use kept_store::{ContractQuery, StoreError};

/// Whether the caller sees the whole contract (admin, provider or client
/// people, steering group) rather than only their own customers.
pub(crate) async fn sees_all(
    state: &AppState,
    caller: &Principal,
    c: &Contract,
) -> Result<bool, ApiError> {
    if caller.is_admin() || c.is_steered_by(caller.user_id) {
        return Ok(true);
    }
    for party in [c.provider_id, c.client_id] {
        let lineage = state.store.lineage(party).await?;
        if caller.roots().any(|root| lineage.contains(root)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The contract as this caller may see it: other customers left out for a
/// customer's people.
pub(crate) async fn as_seen_by(
    state: &AppState,
    caller: &Principal,
    mut contract: Contract,
) -> Result<Contract, ApiError> {
    if !sees_all(state, caller, &contract).await? {
        contract.customer_ids = readable_parties(state, caller, contract.customer_ids).await?;
    }
    Ok(contract)
}

/// The parties of `ids` the caller may read.
pub(crate) async fn readable_parties(
    state: &AppState,
    caller: &Principal,
    ids: Vec<PartyId>,
) -> Result<Vec<PartyId>, ApiError> {
    let mut mine = Vec::new();
    for id in ids {
        let seen = match state.store.lineage(id).await {
            Ok(lineage) => caller.read_party(&lineage).is_allowed(),
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if seen {
            mine.push(id);
        }
    }
    Ok(mine)
}

/// Whether a contract the caller sees, running or ended, lists `service`
/// or runs on `calendar` (the filters given): such a catalog entry is
/// theirs to read.
pub(crate) async fn on_a_contract_seen(
    state: &AppState,
    caller: &Principal,
    service: Option<ServiceId>,
    calendar: Option<CalendarId>,
) -> Result<bool, ApiError> {
    let found = state
        .store
        .list_contracts(&ContractQuery {
            service_id: service,
            calendar_id: calendar,
            archived: kept_store::ArchivedFilter::All,
            limit: Limit::parse("limit", 1)?,
            ..ContractQuery::new(caller.party_scope(), Some(caller.user_id))
        })
        .await?;
    Ok(!found.items.is_empty())
}

/// Loads a contract the caller may see, as they may see it; 404 otherwise.
pub(crate) async fn readable_contract(
    state: &AppState,
    caller: &Principal,
    id: ContractId,
) -> Result<Contract, ApiError> {
    let contract = state
        .store
        .visible_contract(id, &caller.party_scope(), Some(caller.user_id))
        .await?;
    as_seen_by(state, caller, contract).await
}

/// Fails unless the caller may change the contract: admins and managers of
/// the provider.
pub(crate) async fn check_manage_contract(
    state: &AppState,
    caller: &Principal,
    c: &Contract,
) -> Result<(), ApiError> {
    // The caller sees the contract, so a refusal is 403 even when the
    // provider itself is beyond what they see.
    match caller.manage_party(&state.store.lineage(c.provider_id).await?) {
        Access::Allowed => Ok(()),
        _ => ApiError::check(Access::Forbidden),
    }
}

/// Records a contract for the caller: they must manage the provider and
/// see the client and every customer (a party they cannot see is named as
/// "no such party", as if it did not exist).
pub(crate) async fn create_as(
    state: &AppState,
    caller: &Principal,
    new: NewContract,
) -> Result<Contract, ApiError> {
    let new = new.checked()?;
    let provider = match state.store.lineage(new.provider_id).await {
        Err(StoreError::NotFound) => return Err(ApiError::field("provider_id", "no such party")),
        other => other?,
    };
    match caller.manage_party(&provider) {
        Access::Hidden => return Err(ApiError::field("provider_id", "no such party")),
        other => ApiError::check(other)?,
    }
    let named = std::iter::once(("client_id".to_owned(), new.client_id)).chain(
        new.customer_ids
            .iter()
            .enumerate()
            .map(|(n, id)| (format!("customer_ids[{n}]"), *id)),
    );
    for (field, id) in named {
        let seen = match state.store.lineage(id).await {
            Ok(lineage) => caller.read_party(&lineage).is_allowed(),
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !seen {
            return Err(ApiError::field(field, "no such party"));
        }
    }
    Ok(state
        .store
        .create_contract(&Actor::user(caller), new)
        .await?)
}
