//! Users (logins) and their roles: who may read one, and the writes
//! (create, change, archive, restore, invite, grant, revoke) that the API
//! and the pages both run, and the views of the admins' pages. Only admins
//! administer logins; a user they cannot even read is not found, whoever
//! asks.

use kept_domain::{
    Actor, Cursor, Grant, GrantId, Limit, Page, Party, PartyId, PartyKind, PartyScope, Principal,
    Role, User, UserId,
};
use kept_store::{ArchivedFilter, PartyOrder, PartyQuery, UserPatch, UserQuery};

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

/// Which users to list: a [`UserQuery`] without its scope, which is the
/// caller's (everyone for admins, the people under the parties a manager
/// manages, else the caller alone).
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Only users whose email or name contains this text, ignoring case.
    pub search: Option<String>,
    /// Only users holding this role somewhere.
    pub role: Option<Role>,
    /// Archived users too, or only them.
    pub archived: ArchivedFilter,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

/// A page of the users the caller may read, by email.
pub async fn list(
    ctx: &Context,
    caller: &Principal,
    filter: UserFilter,
) -> Result<Page<User>, Error> {
    let query = UserQuery {
        scope: caller.user_scope(),
        search: filter.search,
        role: filter.role,
        archived: filter.archived,
        cursor: filter.cursor,
        limit: filter.limit,
    };
    Ok(ctx.store.list_users(&query).await?)
}

/// A role as typed in a form or a query string: empty for none.
pub fn parse_role(raw: &str) -> Result<Option<Role>, Error> {
    match raw {
        "" => Ok(None),
        r => r.parse().map(Some).map_err(|m| Error::field("role", m)),
    }
}

/// The users page's filters as typed: read only once the caller is known
/// to be an admin, so that others hear "forbidden" whatever they type.
#[derive(Debug, Clone, Default)]
pub struct TypedUserFilter {
    /// Search text (`q`).
    pub q: String,
    /// A role name, empty for any.
    pub role: String,
    /// Archived users too, or only them.
    pub archived: ArchivedFilter,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The users as the admins' page lists them.
#[derive(Debug, Clone)]
pub struct UserListing {
    /// One page of users, by email.
    pub users: Vec<User>,
    /// Where the next page starts, if there is one.
    pub next_cursor: Option<Cursor>,
    /// The parties a new login or a grant can be placed on.
    pub places: Vec<Party>,
}

/// The users page (admins): one page of users and where a new login may go.
pub async fn listing(
    ctx: &Context,
    caller: &Principal,
    typed: TypedUserFilter,
) -> Result<UserListing, Error> {
    Error::check(caller.administer_users())?;
    let filter = UserFilter {
        search: Some(kept_domain::single_line("q", &typed.q, 200)?),
        role: parse_role(&typed.role)?,
        archived: typed.archived,
        cursor: typed.cursor,
        limit: Limit::DEFAULT,
    };
    let page = list(ctx, caller, filter).await?;
    Ok(UserListing {
        users: page.items,
        next_cursor: page.next_cursor,
        places: places(ctx).await?,
    })
}

/// Every party a login or a grant can be placed on (all but people), by
/// name; for admins, who see every party.
async fn places(ctx: &Context) -> Result<Vec<Party>, Error> {
    let page = ctx
        .store
        .list_parties(&PartyQuery {
            order: PartyOrder::Name,
            limit: Limit::MAX_PAGE,
            ..PartyQuery::new(PartyScope::All)
        })
        .await?;
    Ok(page
        .items
        .into_iter()
        .filter(|p| p.kind != PartyKind::Person)
        .collect())
}

/// A role with the name of the party it is held on.
#[derive(Debug, Clone)]
pub struct GrantRow {
    /// The role held.
    pub grant: Grant,
    /// The name of its party.
    pub party_name: String,
}

/// The grants given with their parties' names.
pub(crate) async fn named_grants(
    ctx: &Context,
    grants: Vec<Grant>,
) -> Result<Vec<GrantRow>, Error> {
    let ids: Vec<PartyId> = grants.iter().map(|g| g.party_id).collect();
    let names = crate::parties::names(ctx, &ids).await?;
    Ok(grants
        .into_iter()
        .map(|grant| GrantRow {
            party_name: names.get(&grant.party_id).cloned().unwrap_or_default(),
            grant,
        })
        .collect())
}

/// A login as its admin page shows it.
#[derive(Debug, Clone)]
pub struct UserView {
    /// The login.
    pub user: User,
    /// Its roles, with their parties' names.
    pub grants: Vec<GrantRow>,
    /// The parties a grant can be placed on.
    pub places: Vec<Party>,
    /// Whether it is the caller's own login (not theirs to archive).
    pub is_self: bool,
}

/// The login `id` as an admin administers it.
pub async fn view(ctx: &Context, caller: &Principal, id: UserId) -> Result<UserView, Error> {
    let user = administered_user(ctx, caller, id).await?;
    let grants = grants(ctx, caller, id).await?;
    Ok(UserView {
        grants: named_grants(ctx, grants).await?,
        places: places(ctx).await?,
        is_self: user.id == caller.user_id,
        user,
    })
}
