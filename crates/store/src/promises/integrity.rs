//! Promise integrity: settled promises counted by outcome, one row per
//! team, contract, customer or internal flag, over a period, for the
//! requests a caller sees. The counting and the grouping happen in SQL
//! (one statement for both backends), so the report reads one row per
//! group however many promises there are. A query may keep to one team's
//! requests (a team's page charts its own promises).

use kept_domain::promise::{Integrity, IntegrityBy};
use kept_domain::{ContractId, PartyId, PartyScope, Timestamp, UserId};
use sqlx::any::AnyRow;

use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::requests::push_visible;
use crate::sql::{RowExt, Sql, micros};

/// Which settled promises to count, and by what.
#[derive(Debug, Clone)]
pub struct IntegrityQuery {
    /// The parties the caller reaches (admins: all): a promise counts when
    /// its request is visible, as in request lists.
    pub scope: PartyScope,
    /// The caller, who also sees the requests they asked.
    pub user: Option<UserId>,
    /// What the counts are grouped by.
    pub by: IntegrityBy,
    /// Promises settled at or after this instant.
    pub from: Timestamp,
    /// Promises settled before this instant.
    pub to: Timestamp,
    /// Only the requests of this team (none: every team's and none's).
    pub team: Option<PartyId>,
}

/// What one group of counts is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IntegrityKey {
    /// A team (none: requests assigned to no team).
    Team(Option<PartyId>),
    /// A contract.
    Contract(ContractId),
    /// A customer party.
    Customer(PartyId),
    /// Internal (true) or external (false) customers.
    Internal(bool),
}

/// The outcomes of the promises of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegrityGroup {
    /// The group.
    pub key: IntegrityKey,
    /// Its counts.
    pub counts: Integrity,
}

/// The column a dimension groups by (aliases of [`SELECT`]'s tables).
fn column(by: IntegrityBy) -> &'static str {
    match by {
        IntegrityBy::Team => "r.team_id",
        IntegrityBy::Contract => "r.contract_id",
        IntegrityBy::Customer => "r.customer_id",
        IntegrityBy::Internal => "p.internal",
    }
}

fn key_of(by: IntegrityBy, row: &AnyRow) -> Result<IntegrityKey> {
    Ok(match by {
        IntegrityBy::Team => IntegrityKey::Team(row.opt_parsed("group_key")?),
        IntegrityBy::Contract => IntegrityKey::Contract(row.parsed("group_key")?),
        IntegrityBy::Customer => IntegrityKey::Customer(row.parsed("group_key")?),
        IntegrityBy::Internal => IntegrityKey::Internal(row.flag("group_key")?),
    })
}

fn count(row: &AnyRow, col: &str) -> Result<u64> {
    u64::try_from(row.int(col)?).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

/// The statement of `q`: the settled promises in the period (read from the
/// `promises_settled` index), joined to their requests and contracts for
/// the same visibility rule as request lists, counted per group.
pub(crate) fn integrity_sql(q: &IntegrityQuery) -> Sql {
    let key = column(q.by);
    let mut sql = Sql::new(&format!(
        "SELECT {key} AS group_key, \
         SUM(CASE WHEN p.outcome = 'kept' THEN 1 ELSE 0 END) AS kept, \
         SUM(CASE WHEN p.outcome = 'kept_renegotiated' THEN 1 ELSE 0 END) AS kept_renegotiated, \
         SUM(CASE WHEN p.outcome = 'broken' THEN 1 ELSE 0 END) AS broken \
         FROM promises p JOIN requests r ON r.id = p.request_id \
         JOIN contracts c ON c.id = r.contract_id \
         WHERE p.settled_at IS NOT NULL AND p.outcome IS NOT NULL AND p.settled_at >= "
    ));
    sql.bind(micros(q.from))
        .push(" AND p.settled_at < ")
        .bind(micros(q.to));
    if let Some(team) = q.team {
        sql.push(" AND r.team_id = ").bind(team.to_string());
    }
    push_visible(&mut sql, &q.scope, q.user);
    sql.push(&format!(" GROUP BY {key} ORDER BY {key}"));
    sql
}

/// The counts of `q`, one group per key, in key order.
pub(crate) async fn integrity(db: &Db, q: &IntegrityQuery) -> Result<Vec<IntegrityGroup>> {
    let sql = integrity_sql(q);
    let mut conn = db.read.acquire().await?;
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            Ok(IntegrityGroup {
                key: key_of(q.by, row)?,
                counts: Integrity {
                    kept: count(row, "kept")?,
                    kept_renegotiated: count(row, "kept_renegotiated")?,
                    broken: count(row, "broken")?,
                },
            })
        })
        .collect()
}
