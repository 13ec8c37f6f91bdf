//! What a change request's steps check before they write: the contract has
//! not ended, what the changes name exists, the proposal still lays over
//! the latest version; and, for applying, what the contract's member
//! tables gain and lose.

use kept_domain::{
    ChangeDraft, ChangeRequest, Contract, ContractChanges, ContractId, Coverage, Difference,
    TermsVersion, Timestamp, apply_proposal, propose,
};
use sqlx::AnyConnection;

use crate::contracts::{check_calendar, check_services, fetch_contract};
use crate::error::{Result, StoreError};
use crate::parties::usable_party;
use crate::sql::to_micros;
use crate::terms::{coverage_of, fetch_versions, latest_coverage};

/// Refuses any step of a change request on a contract that has ended: it
/// takes no more changes (withdrawing one is still allowed).
pub(super) fn check_not_ended(contract: &Contract) -> Result<()> {
    if contract.is_archived() {
        return Err(StoreError::invalid("contract_id", "the contract has ended"));
    }
    Ok(())
}

/// Checks that the contract has not ended and that what the changes name
/// exists.
async fn check_named(
    conn: &mut AnyConnection,
    contract: ContractId,
    changes: &ContractChanges,
) -> Result<Contract> {
    let c = fetch_contract(conn, contract).await?;
    check_not_ended(&c)?;
    for (n, id) in changes.add_customers.iter().enumerate() {
        usable_party(conn, *id, &format!("changes.add_customers[{n}]")).await?;
    }
    check_services(conn, c.provider_id, &changes.add_services)
        .await
        .map_err(|e| prefix(e, "changes.add_services", "service_ids"))?;
    if let Some(calendar) = changes.calendar_id {
        check_calendar(conn, calendar)
            .await
            .map_err(|e| prefix(e, "changes.calendar_id", "calendar_id"))?;
    }
    Ok(c)
}

/// Checks a draft's changes and works out its proposal against the version
/// it names (the latest when it names none): returns that version's number
/// and the proposal.
pub(super) async fn draft_proposal(
    conn: &mut AnyConnection,
    contract: ContractId,
    draft: &ChangeDraft,
) -> Result<(Option<u32>, Vec<Difference>)> {
    check_named(conn, contract, &draft.changes).await?;
    let versions = fetch_versions(conn, contract).await?;
    let latest = versions.last().map(|v| v.version);
    let base_version = match draft.base_version {
        None => latest,
        Some(n) if versions.iter().any(|v| v.version == n) => Some(n),
        Some(n) => {
            return Err(StoreError::invalid(
                "base_version",
                format!("the contract has no terms version {n}"),
            ));
        }
    };
    let base = coverage_of(conn, contract, &versions, base_version).await?;
    Ok((base_version, propose(&base, &draft.changes)?))
}

/// A change request laid over the latest version.
pub(super) struct Applied {
    /// Every version so far.
    pub(super) versions: Vec<TermsVersion>,
    /// The contract as it stands.
    pub(super) contract: Contract,
    /// What the contract covers with the change applied.
    pub(super) next: Coverage,
}

/// Checks that a change request still names what exists and lays its
/// proposal over the latest version.
pub(super) async fn check_applies(
    conn: &mut AnyConnection,
    change: &ChangeRequest,
) -> Result<Applied> {
    let contract = check_named(conn, change.contract_id, &change.changes).await?;
    let versions = fetch_versions(conn, change.contract_id).await?;
    let latest = latest_coverage(conn, change.contract_id, &versions).await?;
    let next = apply_proposal(&latest, &change.proposal)?;
    Ok(Applied {
        versions,
        contract,
        next,
    })
}

/// The entries of `next` missing from `now`, and those of `now` gone from `next`.
pub(super) fn added_and_removed<T: PartialEq + Copy>(now: &[T], next: &[T]) -> (Vec<T>, Vec<T>) {
    (
        next.iter().filter(|x| !now.contains(x)).copied().collect(),
        now.iter().filter(|x| !next.contains(x)).copied().collect(),
    )
}

/// Renames the fields of a validation error from the contract's names to
/// the change request's.
fn prefix(e: StoreError, to: &str, from: &str) -> StoreError {
    match e {
        StoreError::Invalid(mut errors) => {
            for f in &mut errors.0 {
                f.field = f.field.replacen(from, to, 1);
            }
            StoreError::Invalid(errors)
        }
        other => other,
    }
}

/// Adds and removes rows of a contract's member table.
pub(super) async fn sync_members<T: ToString>(
    conn: &mut AnyConnection,
    table: &'static str,
    column: &'static str,
    contract: ContractId,
    add: &[T],
    remove: &[T],
) -> Result<()> {
    // Table and column names are constants of the calling module, never input.
    let insert = format!("INSERT INTO {table} (contract_id, {column}) VALUES ($1, $2)");
    let delete = format!("DELETE FROM {table} WHERE contract_id = $1 AND {column} = $2");
    for (text, ids) in [(insert, add), (delete, remove)] {
        for id in ids {
            sqlx::query(sqlx::AssertSqlSafe(text.clone()))
                .bind(contract.to_string())
                .bind(id.to_string())
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// When an approved change request takes effect: as asked (or as it
/// proposed, or now), never before its approval, and now when it changes
/// customers, services or the calendar, which the contract's own lists
/// carry from the moment they change.
pub(super) fn effective_from_of(
    cr: &ChangeRequest,
    asked: Option<Timestamp>,
    at: Timestamp,
) -> Result<Timestamp> {
    let approved_at = cr.decided_at.unwrap_or(at);
    let effective_from = to_micros(asked.or(cr.effective_from).unwrap_or(at));
    if effective_from < approved_at {
        return Err(StoreError::invalid(
            "effective_from",
            format!("must not be before the approval ({approved_at})"),
        ));
    }
    if cr.changes.changes_coverage() && effective_from > at {
        return Err(StoreError::invalid(
            "effective_from",
            "changes to customers, services or calendar take effect when applied: \
             apply it on the day, or leave effective_from out",
        ));
    }
    Ok(effective_from)
}

/// Brings the contract's own lists (customers, services, calendar) from
/// what it covers `now` to what it covers `next`: the proposal as laid over
/// the latest version, not as drafted (parts may already be done).
pub(super) async fn sync_coverage(
    conn: &mut AnyConnection,
    contract: ContractId,
    now: &Contract,
    next: &Coverage,
) -> Result<()> {
    let (add, remove) = added_and_removed(&now.customer_ids, &next.customer_ids);
    sync_members(
        conn,
        "contract_customers",
        "party_id",
        contract,
        &add,
        &remove,
    )
    .await?;
    let (add, remove) = added_and_removed(&now.service_ids, &next.service_ids);
    sync_members(
        conn,
        "contract_services",
        "service_id",
        contract,
        &add,
        &remove,
    )
    .await?;
    if next.calendar_id != now.calendar_id
        && let Some(calendar) = next.calendar_id
    {
        sqlx::query("UPDATE contracts SET calendar_id = $1 WHERE id = $2")
            .bind(calendar.to_string())
            .bind(contract.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
