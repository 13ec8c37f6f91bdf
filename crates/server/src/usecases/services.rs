//! Services: who may read one (its provider's people, and the people of a
//! contract that covers it) and who may change it.

use crate::error::ApiError;
use crate::state::AppState;
use kept_domain::{Access, PartyId, Principal, Service, ServiceId};
use kept_store::StoreError;

/// Fails unless the caller manages the provider; an unseen one is missing.
pub(crate) async fn check_manage_service(
    state: &AppState,
    caller: &Principal,
    provider: PartyId,
) -> Result<(), ApiError> {
    let lineage = match state.store.lineage(provider).await {
        Err(StoreError::NotFound) => return Err(ApiError::field("provider_id", "no such party")),
        other => other?,
    };
    match caller.manage_party(&lineage) {
        Access::Hidden => Err(ApiError::field("provider_id", "no such party")),
        other => ApiError::check(other),
    }
}

/// Loads a service the caller may read (they see its provider, or a
/// contract that lists it), or answers not found.
pub(crate) async fn readable_service(
    state: &AppState,
    caller: &Principal,
    id: ServiceId,
) -> Result<Service, ApiError> {
    let service = state.store.service(id).await?;
    let keeper = state.store.lineage(service.provider_id).await?;
    // The contracts are asked only of those who do not see the provider.
    let covered = !caller.read_party(&keeper).is_allowed()
        && super::contracts::on_a_contract_seen(state, caller, Some(id), None).await?;
    ApiError::check(caller.read_catalog_entry(&keeper, covered))?;
    Ok(service)
}

/// Loads a service the caller may change.
pub(crate) async fn managed_service(
    state: &AppState,
    caller: &Principal,
    id: ServiceId,
) -> Result<Service, ApiError> {
    let service = readable_service(state, caller, id).await?;
    ApiError::check(caller.manage_party(&state.store.lineage(service.provider_id).await?))?;
    Ok(service)
}
