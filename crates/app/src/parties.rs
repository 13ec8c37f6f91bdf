//! Parties: reading one, who may manage it or place a party under it, and
//! the writes (create, change, archive, restore) that the API and the
//! pages both run.

use crate::Context;
use crate::error::Error;
use kept_domain::{Access, Actor, NewParty, Party, PartyId, PartyPatch, Principal};

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

/// Creates a party where the caller may place it: admins anywhere,
/// managers under the parties they manage.
pub async fn create(ctx: &Context, caller: &Principal, new: NewParty) -> Result<Party, Error> {
    check_may_place_under(ctx, caller, new.parent_id).await?;
    Ok(ctx.store.create_party(&Actor::user(caller), new).await?)
}

/// Changes a party the caller manages; a move also needs the right to
/// place it under its new parent.
pub async fn update(
    ctx: &Context,
    caller: &Principal,
    id: PartyId,
    patch: PartyPatch,
) -> Result<Party, Error> {
    check_may_manage(ctx, caller, id).await?;
    // A patch that repeats the current parent is not a move.
    if let Some(parent) = patch.parent_id
        && parent != ctx.store.party(id).await?.parent_id
    {
        check_may_place_under(ctx, caller, parent).await?;
    }
    Ok(ctx
        .store
        .update_party(&Actor::user(caller), id, patch)
        .await?)
}

/// Archives a party the caller manages (refused while active parties or
/// an active login sit under it).
pub async fn archive(ctx: &Context, caller: &Principal, id: PartyId) -> Result<Party, Error> {
    set_archived(ctx, caller, id, true).await
}

/// Restores an archived party the caller manages (its parent must be active).
pub async fn restore(ctx: &Context, caller: &Principal, id: PartyId) -> Result<Party, Error> {
    set_archived(ctx, caller, id, false).await
}

async fn set_archived(
    ctx: &Context,
    caller: &Principal,
    id: PartyId,
    archived: bool,
) -> Result<Party, Error> {
    check_may_manage(ctx, caller, id).await?;
    Ok(ctx
        .store
        .set_party_archived(&Actor::user(caller), id, archived)
        .await?)
}
