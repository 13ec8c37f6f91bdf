//! Parties: reading one, and who may manage it or place a party under it.

use crate::Context;
use crate::error::Error;
use kept_domain::{Access, Party, PartyId, Principal};

/// Decides whether the caller may place a party under `parent` (or at the
/// top). A parent the caller cannot see is reported as missing.
pub async fn check_may_place_under(
    ctx: &Context,
    caller: &Principal,
    parent: Option<PartyId>,
) -> Result<(), Error> {
    let access = match parent {
        None => caller.create_top_level_party(),
        Some(id) => match ctx.store.lineage(id).await {
            Ok(lineage) => caller.manage_party(&lineage),
            Err(kept_store::StoreError::NotFound) => Access::Hidden,
            Err(e) => return Err(e.into()),
        },
    };
    match access {
        Access::Hidden => Err(Error::field("parent_id", "no such party")),
        other => Error::check(other),
    }
}

/// Loads a party the caller may read, or answers not found.
pub async fn readable_party(
    ctx: &Context,
    caller: &Principal,
    id: PartyId,
) -> Result<Party, Error> {
    let lineage = ctx.store.lineage(id).await?;
    Error::check(caller.read_party(&lineage))?;
    Ok(ctx.store.party(id).await?)
}

/// Fails unless the caller may manage the party.
pub async fn check_may_manage(ctx: &Context, caller: &Principal, id: PartyId) -> Result<(), Error> {
    let lineage = ctx.store.lineage(id).await?;
    Error::check(caller.manage_party(&lineage))
}
