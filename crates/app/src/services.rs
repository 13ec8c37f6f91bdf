//! Services: who may read one (its provider's people, and the people of a
//! contract that covers it) and who may change it.

use crate::Context;
use crate::error::Error;
use kept_domain::{Access, PartyId, Principal, Service, ServiceId};
use kept_store::StoreError;

/// Fails unless the caller manages the provider; an unseen one is missing.
pub async fn check_manage_service(
    ctx: &Context,
    caller: &Principal,
    provider: PartyId,
) -> Result<(), Error> {
    let lineage = match ctx.store.lineage(provider).await {
        Err(StoreError::NotFound) => return Err(Error::field("provider_id", "no such party")),
        other => other?,
    };
    match caller.manage_party(&lineage) {
        Access::Hidden => Err(Error::field("provider_id", "no such party")),
        other => Error::check(other),
    }
}

/// Loads a service the caller may read (they see its provider, or a
/// contract that lists it), or answers not found.
pub async fn readable_service(
    ctx: &Context,
    caller: &Principal,
    id: ServiceId,
) -> Result<Service, Error> {
    let service = ctx.store.service(id).await?;
    let keeper = ctx.store.lineage(service.provider_id).await?;
    // The contracts are asked only of those who do not see the provider.
    let covered = !caller.read_party(&keeper).is_allowed()
        && super::contracts::on_a_contract_seen(ctx, caller, Some(id), None).await?;
    Error::check(caller.read_catalog_entry(&keeper, covered))?;
    Ok(service)
}

/// Loads a service the caller may change.
pub async fn managed_service(
    ctx: &Context,
    caller: &Principal,
    id: ServiceId,
) -> Result<Service, Error> {
    let service = readable_service(ctx, caller, id).await?;
    Error::check(caller.manage_party(&ctx.store.lineage(service.provider_id).await?))?;
    Ok(service)
}
