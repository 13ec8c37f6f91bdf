//! Services: who may read one (its provider's people, and the people of a
//! contract that covers it), who may change it, and the writes (add,
//! change, withdraw, offer again) that the API and the pages both run.

use crate::Context;
use crate::error::Error;
use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    Access, Actor, NewService, PartyId, PartyName, Principal, Service, ServiceDetails, ServiceId,
    ServicePatch, Targets,
};
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

/// Adds a service to the catalog for a provider the caller manages. A
/// provider they cannot see is named as "no such party", as if it did not
/// exist.
pub async fn create(ctx: &Context, caller: &Principal, new: NewService) -> Result<Service, Error> {
    let new = NewService {
        details: new.details.checked()?,
        ..new
    };
    check_manage_service(ctx, caller, new.provider_id).await?;
    Ok(ctx.store.create_service(&Actor::user(caller), new).await?)
}

/// A change to a service; `None` leaves a field as it is, `Some(None)`
/// clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ServiceChange {
    /// A new name.
    pub name: Option<PartyName>,
    /// A new description.
    pub description: Option<String>,
    /// A new unit of measure.
    pub unit: Option<Option<String>>,
    /// A new pack size.
    pub pack_size: Option<Option<u32>>,
    /// A new in-scope list, replacing the old one.
    pub in_scope: Option<Vec<String>>,
    /// A new out-of-scope list, replacing the old one.
    pub out_of_scope: Option<Vec<String>>,
    /// A new typical effort.
    pub default_effort: Option<Option<BusinessDuration>>,
    /// New default service levels, replacing the old ones.
    pub default_targets: Option<Targets>,
}

impl ServiceChange {
    /// A change that replaces the name and every detail (a whole form).
    pub fn whole(name: PartyName, details: ServiceDetails) -> Self {
        Self {
            name: Some(name),
            description: Some(details.description),
            unit: Some(details.unit),
            pack_size: Some(details.pack_size),
            in_scope: Some(details.in_scope),
            out_of_scope: Some(details.out_of_scope),
            default_effort: Some(details.default_effort),
            default_targets: Some(details.default_targets),
        }
    }
}

/// Changes a service the caller manages; the details as changed are
/// checked whole.
pub async fn update(
    ctx: &Context,
    caller: &Principal,
    id: ServiceId,
    change: ServiceChange,
) -> Result<Service, Error> {
    let current = managed_service(ctx, caller, id).await?;
    let details = ServiceDetails {
        description: change.description.unwrap_or(current.description),
        unit: change.unit.unwrap_or(current.unit),
        pack_size: change.pack_size.unwrap_or(current.pack_size),
        in_scope: change.in_scope.unwrap_or(current.in_scope),
        out_of_scope: change.out_of_scope.unwrap_or(current.out_of_scope),
        default_effort: change.default_effort.unwrap_or(current.default_effort),
        default_targets: change.default_targets.unwrap_or(current.default_targets),
    }
    .checked()?;
    let patch = ServicePatch {
        name: change.name,
        details: Some(details),
    };
    Ok(ctx
        .store
        .update_service(&Actor::user(caller), id, patch)
        .await?)
}

/// Withdraws a service the caller manages from the catalog.
pub async fn archive(ctx: &Context, caller: &Principal, id: ServiceId) -> Result<Service, Error> {
    set_archived(ctx, caller, id, true).await
}

/// Offers a withdrawn service again.
pub async fn restore(ctx: &Context, caller: &Principal, id: ServiceId) -> Result<Service, Error> {
    set_archived(ctx, caller, id, false).await
}

async fn set_archived(
    ctx: &Context,
    caller: &Principal,
    id: ServiceId,
    archived: bool,
) -> Result<Service, Error> {
    managed_service(ctx, caller, id).await?;
    Ok(ctx
        .store
        .set_service_archived(&Actor::user(caller), id, archived)
        .await?)
}
