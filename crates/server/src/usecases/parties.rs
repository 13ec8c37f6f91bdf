//! Parties: reading one, and who may manage it or place a party under it.

use crate::error::ApiError;
use crate::state::AppState;
use kept_domain::{Access, Party, PartyId, Principal};

/// Decides whether the caller may place a party under `parent` (or at the
/// top). A parent the caller cannot see is reported as missing.
pub(crate) async fn check_may_place_under(
    state: &AppState,
    caller: &Principal,
    parent: Option<PartyId>,
) -> Result<(), ApiError> {
    let access = match parent {
        None => caller.create_top_level_party(),
        Some(id) => match state.store.lineage(id).await {
            Ok(lineage) => caller.manage_party(&lineage),
            Err(kept_store::StoreError::NotFound) => Access::Hidden,
            Err(e) => return Err(e.into()),
        },
    };
    match access {
        Access::Hidden => Err(ApiError::field("parent_id", "no such party")),
        other => ApiError::check(other),
    }
}

/// Loads a party the caller may read, or answers not found.
pub(crate) async fn readable_party(
    state: &AppState,
    caller: &Principal,
    id: PartyId,
) -> Result<Party, ApiError> {
    let lineage = state.store.lineage(id).await?;
    ApiError::check(caller.read_party(&lineage))?;
    Ok(state.store.party(id).await?)
}

/// Fails unless the caller may manage the party.
pub(crate) async fn check_may_manage(
    state: &AppState,
    caller: &Principal,
    id: PartyId,
) -> Result<(), ApiError> {
    let lineage = state.store.lineage(id).await?;
    ApiError::check(caller.manage_party(&lineage))
}
