//! Users (logins) and their roles: who may read one, and the writes
//! (create, change, archive, restore, invite, grant, revoke) that the API
//! and the pages both run. Only admins administer logins; a user they
//! cannot even read is not found, whoever asks.

use kept_domain::{Actor, Grant, GrantId, PartyId, Principal, Role, User, UserId};
use kept_store::UserPatch;

use crate::Context;
use crate::accounts::{self, Invitation, NewLogin};
use crate::error::{Error, Kind};

/// Loads a user the caller may read (admins, the user themself, managers
/// of a party above the person), or answers not found.
pub async fn readable_user(ctx: &Context, caller: &Principal, id: UserId) -> Result<User, Error> {
    let user = ctx.store.user(id).await?;
    let lineage = ctx.store.lineage(user.party_id).await?;
    Error::check(caller.read_user(id, &lineage))?;
    Ok(user)
}

/// Loads a user the caller may administer: not found if they cannot read
/// the user, forbidden if they read but are not an admin.
pub async fn administered_user(
    ctx: &Context,
    caller: &Principal,
    id: UserId,
) -> Result<User, Error> {
    let user = readable_user(ctx, caller, id).await?;
    Error::check(caller.administer_users())?;
    Ok(user)
}

/// The roles a user holds: for admins, and for the user themself (grants
/// name parties that others may not see).
pub async fn grants(ctx: &Context, caller: &Principal, id: UserId) -> Result<Vec<Grant>, Error> {
    readable_user(ctx, caller, id).await?;
    if id != caller.user_id {
        Error::check(caller.administer_users())?;
    }
    Ok(ctx.store.grants_of(id).await?)
}

/// Creates a login (admins); without a password, also an invitation link
/// under `public_url`.
pub async fn create(
    ctx: &Context,
    caller: &Principal,
    public_url: &str,
    new: NewLogin,
) -> Result<(User, Option<Invitation>), Error> {
    Error::check(caller.administer_users())?;
    if new.party_id.is_some() && new.parent_id.is_some() {
        return Err(Error::field(
            "parent_id",
            "give either party_id (an existing person) or parent_id (where a new person goes), not both",
        ));
    }
    accounts::create_login(ctx.store.as_ref(), &Actor::user(caller), public_url, new).await
}

/// Changes a user's email (admins) or name (admins, and the user themself).
pub async fn update(
    ctx: &Context,
    caller: &Principal,
    id: UserId,
    patch: UserPatch,
) -> Result<User, Error> {
    readable_user(ctx, caller, id).await?;
    let renaming_self = id == caller.user_id && patch.email.is_none();
    if !renaming_self {
        Error::check(caller.administer_users())?;
    }
    Ok(ctx
        .store
        .update_user(&Actor::user(caller), id, patch)
        .await?)
}

/// Archives a login (admins; not their own, so an installation keeps an
/// admin): it can no longer sign in, its sessions end and its tokens are
/// revoked.
pub async fn archive(ctx: &Context, caller: &Principal, id: UserId) -> Result<User, Error> {
    administered_user(ctx, caller, id).await?;
    if id == caller.user_id {
        return Err(Error::forbidden("you cannot archive your own login"));
    }
    Ok(ctx
        .store
        .set_user_archived(&Actor::user(caller), id, true)
        .await?)
}

/// Restores an archived login (admins; its tokens stay revoked).
pub async fn restore(ctx: &Context, caller: &Principal, id: UserId) -> Result<User, Error> {
    administered_user(ctx, caller, id).await?;
    Ok(ctx
        .store
        .set_user_archived(&Actor::user(caller), id, false)
        .await?)
}

/// Issues a new invitation link for a user to set their password,
/// replacing any earlier one (admins).
pub async fn invite(
    ctx: &Context,
    caller: &Principal,
    public_url: &str,
    id: UserId,
) -> Result<Invitation, Error> {
    administered_user(ctx, caller, id).await?;
    accounts::invite(ctx.store.as_ref(), &Actor::user(caller), public_url, id).await
}

/// Grants a user a role on a party (admins).
pub async fn add_grant(
    ctx: &Context,
    caller: &Principal,
    id: UserId,
    role: Role,
    party: PartyId,
) -> Result<Grant, Error> {
    administered_user(ctx, caller, id).await?;
    Ok(ctx
        .store
        .add_grant(&Actor::user(caller), id, role, party)
        .await?)
}

/// Takes away one of a user's grants (admins). The grant must belong to
/// that user, and nobody removes their own admin role, so an installation
/// keeps an admin to undo mistakes.
pub async fn revoke_grant(
    ctx: &Context,
    caller: &Principal,
    id: UserId,
    grant: GrantId,
) -> Result<Grant, Error> {
    administered_user(ctx, caller, id).await?;
    let found = ctx.store.grant(grant).await?;
    if found.user_id != id {
        return Err(Error::not_found());
    }
    if found.role == Role::Admin && id == caller.user_id {
        return Err(Error::new(Kind::Forbidden)
            .detail("you cannot remove your own admin role; ask another admin"));
    }
    Ok(ctx.store.revoke_grant(&Actor::user(caller), grant).await?)
}
