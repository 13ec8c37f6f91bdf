//! Supplier → customer links: who may make, end or restore one, and a
//! loop refusal named in the parties the caller may see.

use crate::Context;
use crate::error::{Error, Kind};
use kept_domain::{Access, Actor, Link, LinkId, NewLink, PartyId, Principal};
use kept_store::StoreError;

/// How the caller stands towards the two parties of a link.
pub struct Standing {
    /// Manages at least one of them.
    manages: bool,
    /// Reads at least one of them.
    reads: bool,
    /// The field of the first party the caller may not see.
    unseen: Option<&'static str>,
}

/// How the caller stands towards a supplier and a customer.
pub async fn standing(
    ctx: &Context,
    caller: &Principal,
    supplier: PartyId,
    customer: PartyId,
) -> Result<Standing, Error> {
    let mut standing = Standing {
        manages: false,
        reads: false,
        unseen: None,
    };
    for (field, id) in [("supplier_id", supplier), ("customer_id", customer)] {
        let lineage = match ctx.store.lineage(id).await {
            Ok(lineage) => lineage,
            Err(StoreError::NotFound) => {
                standing.unseen.get_or_insert(field);
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        standing.manages |= caller.manage_party(&lineage).is_allowed();
        if caller.read_party(&lineage).is_allowed() {
            standing.reads = true;
        } else {
            standing.unseen.get_or_insert(field);
        }
    }
    Ok(standing)
}

/// Who may make a link: admins, and managers of either party who can see
/// the other. A party the caller may not see is reported as missing.
pub async fn check_may_make(ctx: &Context, caller: &Principal, new: &NewLink) -> Result<(), Error> {
    let s = standing(ctx, caller, new.supplier_id, new.customer_id).await?;
    match (s.manages, s.reads, s.unseen) {
        (true, _, Some(field)) if !caller.is_admin() => Err(Error::field(field, "no such party")),
        (true, _, _) => Ok(()),
        (false, true, _) => Err(Error::new(Kind::Forbidden)),
        (false, false, _) => Err(Error::field("supplier_id", "no such party")),
    }
}

/// Whether the caller may end or restore a link: admins, and managers of
/// either party.
pub async fn may_change_link(
    ctx: &Context,
    caller: &Principal,
    link: &Link,
) -> Result<bool, Error> {
    Ok(standing(ctx, caller, link.supplier_id, link.customer_id)
        .await?
        .manages)
}

/// Turns a loop refusal into a problem that names the parties on the path,
/// those the caller may not see only as such.
pub async fn describe_link_error(ctx: &Context, caller: &Principal, error: StoreError) -> Error {
    let StoreError::ChainCycle(path) = error else {
        return error.into();
    };
    let names = ctx.store.party_names(&path).await.unwrap_or_default();
    let mut text = Vec::with_capacity(path.len());
    for id in &path {
        let visible = match ctx.store.lineage(*id).await {
            Ok(lineage) => caller.read_party(&lineage).is_allowed(),
            Err(_) => false,
        };
        let name = names
            .iter()
            .find(|(n, _)| n == id)
            .map(|(_, name)| name.as_str().to_owned());
        text.push(match (visible, name) {
            (true, Some(name)) => name,
            _ => "a party you cannot see".to_owned(),
        });
    }
    Error::new(Kind::ChainCycle).detail(format!(
        "{} already supplies {} through the chain, so the link would close the loop {}",
        text.get(1).cloned().unwrap_or_default(),
        text.first().cloned().unwrap_or_default(),
        text.join(" → ")
    ))
}

/// Makes a link if the caller may (see [`check_may_make`]).
pub async fn make_link(ctx: &Context, caller: &Principal, new: NewLink) -> Result<Link, Error> {
    check_may_make(ctx, caller, &new).await?;
    match ctx.store.create_link(&Actor::user(caller), new).await {
        Ok(link) => Ok(link),
        Err(e) => Err(describe_link_error(ctx, caller, e).await),
    }
}

/// Loads a link the caller may see (404 otherwise) and their access to it.
pub async fn visible_link(
    ctx: &Context,
    caller: &Principal,
    id: LinkId,
) -> Result<(Link, Access), Error> {
    // Visible exactly when the store would list it for this caller.
    let link = ctx.store.visible_link(id, &caller.party_scope()).await?;
    let access = if may_change_link(ctx, caller, &link).await? {
        Access::Allowed
    } else {
        Access::Forbidden
    };
    Ok((link, access))
}

/// Ends or restores a link if the caller may change it.
pub async fn set_link_archived(
    ctx: &Context,
    caller: &Principal,
    id: LinkId,
    archived: bool,
) -> Result<Link, Error> {
    Error::check(visible_link(ctx, caller, id).await?.1)?;
    match ctx
        .store
        .set_link_archived(&Actor::user(caller), id, archived)
        .await
    {
        Ok(link) => Ok(link),
        Err(e) => Err(describe_link_error(ctx, caller, e).await),
    }
}
