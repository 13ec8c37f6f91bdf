//! Supplier → customer links: making, ending and restoring them as the
//! domain's link policy allows (`Principal::make_link`, `change_link`), and
//! a loop refusal named in the parties the caller may see.

use crate::Context;
use crate::error::{Error, Kind};
use kept_domain::{Access, Actor, Lineage, Link, LinkAccess, LinkId, NewLink, PartyId, Principal};
use kept_store::StoreError;

/// A party's lineage, or `None` if there is no such party.
async fn lineage_if_any(ctx: &Context, id: PartyId) -> Result<Option<Lineage>, Error> {
    match ctx.store.lineage(id).await {
        Ok(lineage) => Ok(Some(lineage)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Fails unless the caller may make the link (see
/// [`Principal::make_link`]): a party they may not see is reported as
/// missing, on its field.
pub async fn check_may_make(ctx: &Context, caller: &Principal, new: &NewLink) -> Result<(), Error> {
    let supplier = lineage_if_any(ctx, new.supplier_id).await?;
    let customer = lineage_if_any(ctx, new.customer_id).await?;
    match caller.make_link(supplier.as_ref(), customer.as_ref()) {
        LinkAccess::Allowed => Ok(()),
        LinkAccess::Forbidden => Err(Error::new(Kind::Forbidden)),
        LinkAccess::Hidden(end) => Err(Error::field(end.field(), "no such party")),
    }
}

/// Whether the caller may end or restore a link (see
/// [`Principal::change_link`]), the link being one they see.
pub async fn may_change_link(
    ctx: &Context,
    caller: &Principal,
    link: &Link,
) -> Result<Access, Error> {
    let supplier = ctx.store.lineage(link.supplier_id).await?;
    let customer = ctx.store.lineage(link.customer_id).await?;
    Ok(caller.change_link(&supplier, &customer))
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
    let access = may_change_link(ctx, caller, &link).await?;
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
