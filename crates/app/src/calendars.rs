//! Calendars: who may read one (its keeper's people, and the people of a
//! contract that runs on it) and who may change it, and reading an instant
//! typed at the edge.

use crate::Context;
use crate::error::Error;
use kept_domain::{CalendarId, PartyId, Principal, StoredCalendar, Timestamp};

/// Fails unless the caller may manage a calendar kept by `owner`.
pub async fn check_manage_calendar(
    ctx: &Context,
    caller: &Principal,
    owner: PartyId,
) -> Result<(), Error> {
    let lineage = match ctx.store.lineage(owner).await {
        Err(kept_store::StoreError::NotFound) => {
            return Err(Error::field("owner_id", "no such party"));
        }
        other => other?,
    };
    match caller.manage_party(&lineage) {
        kept_domain::Access::Hidden => Err(Error::field("owner_id", "no such party")),
        other => Error::check(other),
    }
}

/// Loads a calendar the caller may read (they see its owner, or a
/// contract that runs on it), or answers not found.
pub async fn readable_calendar(
    ctx: &Context,
    caller: &Principal,
    id: CalendarId,
) -> Result<StoredCalendar, Error> {
    let calendar = ctx.store.calendar(id).await?;
    let keeper = ctx.store.lineage(calendar.owner_id).await?;
    // The contracts are asked only of those who do not see the owner.
    let covered = !caller.read_party(&keeper).is_allowed()
        && super::contracts::on_a_contract_seen(ctx, caller, None, Some(id)).await?;
    Error::check(caller.read_catalog_entry(&keeper, covered))?;
    Ok(calendar)
}

/// Loads a calendar the caller may change.
pub async fn managed_calendar(
    ctx: &Context,
    caller: &Principal,
    id: CalendarId,
) -> Result<StoredCalendar, Error> {
    let calendar = readable_calendar(ctx, caller, id).await?;
    let lineage = ctx.store.lineage(calendar.owner_id).await?;
    Error::check(caller.manage_party(&lineage))?;
    Ok(calendar)
}

/// An instant given in a query: RFC 3339 with an offset.
pub fn instant(field: &str, raw: &str) -> Result<Timestamp, Error> {
    raw.trim().parse().map_err(|_| {
        Error::field(
            field,
            "must be an instant in RFC 3339, such as 2026-03-27T16:30:00Z",
        )
    })
}
