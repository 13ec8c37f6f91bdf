//! Reading change requests: the row, its decisions and its proposal, one by
//! id (optionally under its row lock) or as the caller sees them.

use kept_domain::{
    ChangeRequest, ChangeRequestId, ContractChanges, ContractId, Decision, Difference, PartyScope,
    UserId, propose,
};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::parties::push_in_scope;
use crate::sql::{RowExt, Sql};
use crate::terms::{coverage_of, fetch_versions, latest_coverage};

pub(super) const SELECT: &str = "SELECT cr.id, cr.contract_id, cr.title, cr.rationale, cr.changes, \
     cr.effective_from, cr.side, cr.raised_by, cr.status, cr.submitted_at, cr.decided_at, \
     cr.applied_at, cr.applied_version, cr.created_at, cr.updated_at, cr.base_version, \
     cr.proposal FROM change_requests cr";

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

async fn decisions(conn: &mut AnyConnection, id: ChangeRequestId) -> Result<Vec<Decision>> {
    let rows = sqlx::query(
        "SELECT user_id, verdict, comment, decided_at FROM change_decisions \
         WHERE change_request_id = $1 ORDER BY decided_at, user_id",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Decision {
                user_id: r.parsed("user_id")?,
                verdict: r.text("verdict")?.parse().map_err(corrupt)?,
                comment: r.text("comment")?,
                decided_at: r.instant("decided_at")?,
            })
        })
        .collect()
}

fn opt_version(row: &AnyRow, column: &str) -> Result<Option<u32>> {
    row.opt_int(column)?
        .map(u32::try_from)
        .transpose()
        .map_err(corrupt)
}

/// The proposal of a change request raised before proposals were stored:
/// its changes against its base version, or against the latest version when
/// they no longer fit that base (as such requests were then applied).
async fn legacy_proposal(
    conn: &mut AnyConnection,
    contract: ContractId,
    base_version: Option<u32>,
    changes: &ContractChanges,
) -> Result<Vec<Difference>> {
    let versions = fetch_versions(conn, contract).await?;
    let base = coverage_of(conn, contract, &versions, base_version).await?;
    if let Ok(p) = propose(&base, changes) {
        return Ok(p);
    }
    let latest = latest_coverage(conn, contract, &versions).await?;
    Ok(propose(&latest, changes).unwrap_or_default())
}

pub(super) async fn from_row(conn: &mut AnyConnection, row: &AnyRow) -> Result<ChangeRequest> {
    let id: ChangeRequestId = row.parsed("id")?;
    let contract_id = row.parsed("contract_id")?;
    let changes: ContractChanges = serde_json::from_str(&row.text("changes")?).map_err(corrupt)?;
    let base_version = opt_version(row, "base_version")?;
    let proposal = match row.opt_text("proposal")? {
        Some(text) => serde_json::from_str(&text).map_err(corrupt)?,
        None => legacy_proposal(conn, contract_id, base_version, &changes).await?,
    };
    Ok(ChangeRequest {
        id,
        contract_id,
        title: row.text("title")?,
        rationale: row.text("rationale")?,
        changes,
        base_version,
        proposal,
        effective_from: row.opt_instant("effective_from")?,
        side: row.text("side")?.parse().map_err(corrupt)?,
        raised_by: row.parsed("raised_by")?,
        status: row.text("status")?.parse().map_err(corrupt)?,
        decisions: decisions(conn, id).await?,
        submitted_at: row.opt_instant("submitted_at")?,
        decided_at: row.opt_instant("decided_at")?,
        applied_at: row.opt_instant("applied_at")?,
        applied_version: opt_version(row, "applied_version")?,
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

pub(super) async fn fetch(conn: &mut AnyConnection, id: ChangeRequestId) -> Result<ChangeRequest> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE cr.id = $1")))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(conn, &row).await
}

/// Takes the change request's row lock and reads it.
pub(super) async fn lock(conn: &mut AnyConnection, id: ChangeRequestId) -> Result<ChangeRequest> {
    let done = sqlx::query("UPDATE change_requests SET updated_at = updated_at WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    fetch(conn, id).await
}

pub(super) fn push_visible(sql: &mut Sql, scope: &PartyScope, user: Option<UserId>) {
    let PartyScope::Within { roots, .. } = scope else {
        return;
    };
    let reach = PartyScope::Within {
        roots: roots.clone(),
        context: Vec::new(),
    };
    sql.push(" AND EXISTS (SELECT 1 FROM contracts c WHERE c.id = cr.contract_id AND (");
    push_in_scope(sql, "c.provider_id", &reach);
    sql.push(" OR ");
    push_in_scope(sql, "c.client_id", &reach);
    if let Some(user) = user {
        sql.push(" OR EXISTS (SELECT 1 FROM contract_approvers ca WHERE ca.contract_id = c.id AND ca.user_id = ")
            .bind(user.to_string())
            .push(")");
    }
    sql.push("))");
}
