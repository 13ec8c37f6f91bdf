//! Contracts: whether the caller sees the whole contract or only their own
//! customers, listing and reading them as they may see them, and recording
//! one. The pages' reads are in [`pages`], the scope check in [`scope`].

pub mod pages;
pub mod scope;

use crate::Context;
use crate::error::Error;
use kept_domain::{
    Access, Actor, CalendarId, Contract, ContractId, Email, Limit, NewContract, Page, PartyId,
    PartyName, Principal, ServiceId,
};
use kept_store::{ArchivedFilter, ContractQuery, StoreError};

/// Which contracts to list; the use case adds the caller's scope.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only contracts where this party is provider, client or a customer.
    pub party_id: Option<PartyId>,
    /// Running, ended or both.
    pub archived: ArchivedFilter,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

/// A page of the contracts the caller sees, by name, each as they may see
/// it (a customer's people see only their own customers on it).
pub async fn list(
    ctx: &Context,
    caller: &Principal,
    filter: Filter,
) -> Result<Page<Contract>, Error> {
    let query = ContractQuery {
        party_id: filter.party_id,
        archived: filter.archived,
        cursor: filter.cursor,
        limit: filter.limit,
        ..ContractQuery::new(caller.party_scope(), Some(caller.user_id))
    };
    let page = ctx.store.list_contracts(&query).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for c in page.items {
        items.push(as_seen_by(ctx, caller, c).await?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// The contracts the caller sees, by name, up to the largest page (what a
/// page's choices and overviews list).
pub async fn seen(ctx: &Context, caller: &Principal) -> Result<Vec<Contract>, Error> {
    Ok(ctx
        .store
        .list_contracts(&ContractQuery {
            limit: Limit::MAX_PAGE,
            ..ContractQuery::new(caller.party_scope(), Some(caller.user_id))
        })
        .await?
        .items)
}

/// Whether the caller sees the whole contract (admin, provider or client
/// people, steering group) rather than only their own customers.
pub async fn sees_all(ctx: &Context, caller: &Principal, c: &Contract) -> Result<bool, Error> {
    if caller.is_admin() || c.is_steered_by(caller.user_id) {
        return Ok(true);
    }
    for party in [c.provider_id, c.client_id] {
        let lineage = ctx.store.lineage(party).await?;
        if caller.roots().any(|root| lineage.contains(root)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The contract as this caller may see it: other customers left out for a
/// customer's people.
pub async fn as_seen_by(
    ctx: &Context,
    caller: &Principal,
    mut contract: Contract,
) -> Result<Contract, Error> {
    if !sees_all(ctx, caller, &contract).await? {
        contract.customer_ids = readable_parties(ctx, caller, contract.customer_ids).await?;
    }
    Ok(contract)
}

/// The parties of `ids` the caller may read.
pub async fn readable_parties(
    ctx: &Context,
    caller: &Principal,
    ids: Vec<PartyId>,
) -> Result<Vec<PartyId>, Error> {
    let mut mine = Vec::new();
    for id in ids {
        let seen = match ctx.store.lineage(id).await {
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
pub async fn on_a_contract_seen(
    ctx: &Context,
    caller: &Principal,
    service: Option<ServiceId>,
    calendar: Option<CalendarId>,
) -> Result<bool, Error> {
    let found = ctx
        .store
        .list_contracts(&ContractQuery {
            service_id: service,
            calendar_id: calendar,
            archived: ArchivedFilter::All,
            limit: Limit::parse("limit", 1)?,
            ..ContractQuery::new(caller.party_scope(), Some(caller.user_id))
        })
        .await?;
    Ok(!found.items.is_empty())
}

/// A contract, if the caller sees it, decided by the domain's rule over
/// reference data read through the cache (the hot path of intake). The
/// store's SQL decides the same for lists; a property test in the store's
/// conformance suite keeps the two equal.
pub async fn visible(
    ctx: &Context,
    caller: &Principal,
    id: ContractId,
) -> kept_store::Result<Contract> {
    let store = ctx.store.as_ref();
    let contract = store.contract(id).await?;
    if caller.is_admin() || contract.is_steered_by(caller.user_id) {
        return Ok(contract);
    }
    let provider = store.lineage(contract.provider_id).await?;
    let client = store.lineage(contract.client_id).await?;
    let mut customers = Vec::with_capacity(contract.customer_ids.len());
    for c in &contract.customer_ids {
        customers.push(store.lineage(*c).await?);
    }
    if caller.sees_contract(&provider, &client, &customers, &contract.steering_group) {
        Ok(contract)
    } else {
        Err(kept_store::StoreError::NotFound)
    }
}

/// Loads a contract the caller may see, as they may see it; 404 otherwise.
pub async fn readable_contract(
    ctx: &Context,
    caller: &Principal,
    id: ContractId,
) -> Result<Contract, Error> {
    let contract = ctx
        .store
        .visible_contract(id, &caller.party_scope(), Some(caller.user_id))
        .await?;
    as_seen_by(ctx, caller, contract).await
}

/// Fails unless the caller may change the contract: admins and managers of
/// the provider.
pub async fn check_manage_contract(
    ctx: &Context,
    caller: &Principal,
    c: &Contract,
) -> Result<(), Error> {
    // The caller sees the contract, so a refusal is 403 even when the
    // provider itself is beyond what they see.
    match caller.manage_party(&ctx.store.lineage(c.provider_id).await?) {
        Access::Allowed => Ok(()),
        _ => Error::check(Access::Forbidden),
    }
}

/// A contract the caller sees and may change (404 when hidden, 403 when
/// only seen).
pub async fn managed_contract(
    ctx: &Context,
    caller: &Principal,
    id: ContractId,
) -> Result<Contract, Error> {
    let contract = readable_contract(ctx, caller, id).await?;
    check_manage_contract(ctx, caller, &contract).await?;
    Ok(contract)
}

/// Records a contract for the caller: they must manage the provider and
/// see the client and every customer (a party they cannot see is named as
/// "no such party", as if it did not exist).
pub async fn create_as(
    ctx: &Context,
    caller: &Principal,
    new: NewContract,
) -> Result<Contract, Error> {
    let new = new.checked()?;
    let provider = match ctx.store.lineage(new.provider_id).await {
        Err(StoreError::NotFound) => return Err(Error::field("provider_id", "no such party")),
        other => other?,
    };
    match caller.manage_party(&provider) {
        Access::Hidden => return Err(Error::field("provider_id", "no such party")),
        other => Error::check(other)?,
    }
    let named = std::iter::once(("client_id".to_owned(), new.client_id)).chain(
        new.customer_ids
            .iter()
            .enumerate()
            .map(|(n, id)| (format!("customer_ids[{n}]"), *id)),
    );
    for (field, id) in named {
        let seen = match ctx.store.lineage(id).await {
            Ok(lineage) => caller.read_party(&lineage).is_allowed(),
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !seen {
            return Err(Error::field(field, "no such party"));
        }
    }
    Ok(ctx.store.create_contract(&Actor::user(caller), new).await?)
}

/// Renames a contract (its managers); answers it as the caller sees it.
pub async fn rename(
    ctx: &Context,
    caller: &Principal,
    id: ContractId,
    name: PartyName,
) -> Result<Contract, Error> {
    managed_contract(ctx, caller, id).await?;
    let renamed = ctx
        .store
        .rename_contract(&Actor::user(caller), id, name)
        .await?;
    as_seen_by(ctx, caller, renamed).await
}

/// Ends (`archived`) or resumes a contract (its managers).
pub async fn set_archived(
    ctx: &Context,
    caller: &Principal,
    id: ContractId,
    archived: bool,
) -> Result<Contract, Error> {
    managed_contract(ctx, caller, id).await?;
    let changed = ctx
        .store
        .set_contract_archived(&Actor::user(caller), id, archived)
        .await?;
    as_seen_by(ctx, caller, changed).await
}

/// Sets (or, with `None`, clears) the address the contract takes new
/// requests at by email (its managers: the provider's admins and
/// managers); one address serves one contract.
pub async fn set_intake_address(
    ctx: &Context,
    caller: &Principal,
    id: ContractId,
    address: Option<Email>,
) -> Result<Contract, Error> {
    managed_contract(ctx, caller, id).await?;
    let changed = ctx
        .store
        .set_intake_address(&Actor::user(caller), id, address)
        .await?;
    as_seen_by(ctx, caller, changed).await
}
