//! Calendars: who may read one (its keeper's people, and the people of a
//! contract that runs on it) and who may change it, and reading an instant
//! typed at the edge.

use crate::error::ApiError;
use crate::state::AppState;
use kept_domain::{CalendarId, PartyId, Principal, StoredCalendar, Timestamp};

pub(crate) async fn check_manage_calendar(
    state: &AppState,
    caller: &Principal,
    owner: PartyId,
) -> Result<(), ApiError> {
    let lineage = match state.store.lineage(owner).await {
        Err(kept_store::StoreError::NotFound) => {
            return Err(ApiError::field("owner_id", "no such party"));
        }
        other => other?,
    };
    match caller.manage_party(&lineage) {
        kept_domain::Access::Hidden => Err(ApiError::field("owner_id", "no such party")),
        other => ApiError::check(other),
    }
}

/// Loads a calendar the caller may read (they see its owner, or a
/// contract that runs on it), or answers not found.
pub(crate) async fn readable_calendar(
    state: &AppState,
    caller: &Principal,
    id: CalendarId,
) -> Result<StoredCalendar, ApiError> {
    let calendar = state.store.calendar(id).await?;
    let keeper = state.store.lineage(calendar.owner_id).await?;
    // The contracts are asked only of those who do not see the owner.
    let covered = !caller.read_party(&keeper).is_allowed()
        && super::contracts::on_a_contract_seen(state, caller, None, Some(id)).await?;
    ApiError::check(caller.read_catalog_entry(&keeper, covered))?;
    Ok(calendar)
}

/// Loads a calendar the caller may change.
pub(crate) async fn managed_calendar(
    state: &AppState,
    caller: &Principal,
    id: CalendarId,
) -> Result<StoredCalendar, ApiError> {
    let calendar = readable_calendar(state, caller, id).await?;
    let lineage = state.store.lineage(calendar.owner_id).await?;
    ApiError::check(caller.manage_party(&lineage))?;
    Ok(calendar)
}

/// An instant given in a query: RFC 3339 with an offset.
pub(crate) fn instant(field: &str, raw: &str) -> Result<Timestamp, ApiError> {
    raw.trim().parse().map_err(|_| {
        ApiError::field(
            field,
            "must be an instant in RFC 3339, such as 2026-03-27T16:30:00Z",
        )
    })
}
