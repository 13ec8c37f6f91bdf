//! Deliveries: added by fan-out, claimed by the delivery job, each attempt
//! recorded, listed for the admin page.

use kept_domain::{Channel, Cursor, DeliveryId, DeliveryState, Limit, OutboxId, Page, Timestamp};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::{Delivery, NewDelivery, OutboxStats, Outcome, corrupt, lease_end, skip_locked};
use crate::SqlStore;
use crate::error::{Result, StoreError};
use crate::sql::{RowExt, Sql, micros};

const COLUMNS: &str = "id, outbox_id, topic, channel, recipient, user_id, payload, state, due_at, \
     attempts, last_error, last_attempt_at, sent_at, created_at";

/// Which deliveries to list.
#[derive(Debug, Clone, Default)]
pub struct DeliveryQuery {
    /// Only these states (all when empty).
    pub states: Vec<DeliveryState>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

fn from_row(row: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: row.parsed("id")?,
        outbox_id: row.parsed("outbox_id")?,
        topic: row.text("topic")?.parse().map_err(corrupt)?,
        channel: row.text("channel")?.parse().map_err(corrupt)?,
        recipient: row.text("recipient")?,
        user_id: row.opt_parsed("user_id")?,
        payload: serde_json::from_str(&row.text("payload")?).map_err(corrupt)?,
        state: row.parsed("state")?,
        due_at: row.instant("due_at")?,
        attempts: u32::try_from(row.int("attempts")?).map_err(corrupt)?,
        last_error: row.opt_text("last_error")?,
        last_attempt_at: row.opt_instant("last_attempt_at")?,
        sent_at: row.opt_instant("sent_at")?,
        created_at: row.instant("created_at")?,
    })
}

/// Rows one `INSERT` of deliveries writes at most. Small on purpose: on
/// PostgreSQL through sqlx's `Any` driver a statement's cost grows faster
/// than its parameters (100 rows, 1,100 parameters: 45 ms; 20 rows: 0.7 ms,
/// measured with `sqlx::query=debug` under `bench/notify.sh`).
const INSERT_ROWS: usize = 20;

/// Adds deliveries, each with its outbox row and that row's topic, in
/// multi-row `INSERT`s (a recipient already told of a row by a channel is
/// not told again).
pub(super) async fn insert(
    conn: &mut AnyConnection,
    rows: &[(OutboxId, &str, &NewDelivery)],
    at: Timestamp,
) -> Result<()> {
    for chunk in rows.chunks(INSERT_ROWS) {
        let mut sql = Sql::new(
            "INSERT INTO deliveries (id, outbox_id, topic, channel, recipient, user_id, payload, \
             state, due_at, attempts, created_at) VALUES ",
        );
        for (n, (outbox, topic, d)) in chunk.iter().enumerate() {
            if n > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind(DeliveryId::new().to_string())
                .push(", ")
                .bind(outbox.to_string())
                .push(", ")
                .bind((*topic).to_owned())
                .push(", ")
                .bind(d.channel.as_str().to_owned())
                .push(", ")
                .bind(d.recipient.clone())
                .push(", ")
                .bind(d.user_id.map(|u| u.to_string()))
                .push(", ")
                .bind(d.payload.to_string())
                .push(", 'pending', ")
                .bind(micros(d.due_at))
                .push(", 0, ")
                .bind(micros(at))
                .push(")");
        }
        sql.push(" ON CONFLICT (outbox_id, channel, recipient) DO NOTHING");
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Reads one delivery on a connection.
pub(super) async fn fetch(conn: &mut AnyConnection, id: DeliveryId) -> Result<Delivery> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM deliveries WHERE id = $1"
    )))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Claims at most `limit` due deliveries by `channels`: each is counted
/// as an attempt and made due again only when the lease ends.
pub(super) async fn claim(
    store: &SqlStore,
    now: Timestamp,
    limit: u32,
    lease: std::time::Duration,
    channels: &[Channel],
) -> Result<Vec<Delivery>> {
    if channels.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = super::job_transaction(&store.db).await?;
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM deliveries WHERE state IN ('pending', 'failed') AND due_at <= "
    ));
    sql.bind(micros(now)).push(" AND channel IN (");
    sql.bind_list(channels.iter().map(|c| c.as_str().to_owned()));
    sql.push(") ORDER BY due_at")
        .limit(u64::from(limit))
        .push(skip_locked(store.db.backend));
    let rows = sql.query().fetch_all(&mut *tx).await?;
    let mut claimed = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    if !claimed.is_empty() {
        let mut sql = Sql::new("UPDATE deliveries SET due_at = ");
        sql.bind(micros(lease_end(now, lease)))
            .push(", attempts = attempts + 1, last_attempt_at = ")
            .bind(micros(now))
            .push(" WHERE id IN (");
        sql.bind_list(claimed.iter().map(|d| d.id.to_string()));
        sql.push(")");
        sql.query().execute(&mut *tx).await?;
    }
    for d in &mut claimed {
        d.attempts += 1;
        d.last_attempt_at = Some(now);
    }
    tx.commit().await?;
    Ok(claimed)
}

/// Records how the deliveries' current attempts ended, on `conn` (inside
/// a transaction): the delivered ones (sent, or kept in the database) in
/// two statements whatever their number, each failure on its own.
pub(super) async fn record(
    conn: &mut AnyConnection,
    outcomes: Vec<(DeliveryId, Outcome)>,
    at: Timestamp,
) -> Result<()> {
    let mut delivered = Vec::new();
    for (id, outcome) in outcomes {
        match outcome {
            Outcome::Sent => delivered.push(id),
            Outcome::Kept(mail) => {
                super::mail::keep(conn, mail).await?;
                delivered.push(id);
            }
            Outcome::Failed { error, retry_at } => failed(conn, id, error, retry_at, at).await?,
        }
    }
    for chunk in delivered.chunks(INSERT_ROWS) {
        log_attempts(conn, chunk, None, at).await?;
        let mut sql = Sql::new("UPDATE deliveries SET state = 'sent', sent_at = ");
        sql.bind(micros(at))
            .push(", last_error = NULL WHERE id IN (");
        sql.bind_list(chunk.iter().map(ToString::to_string));
        sql.push(")");
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Logs the current attempt of each of `ids` (numbered by the claim), as
/// failed with `error` or, without one, successful. A repeated attempt
/// (after a lease ran out) is logged once.
async fn log_attempts(
    conn: &mut AnyConnection,
    ids: &[DeliveryId],
    error: Option<String>,
    at: Timestamp,
) -> Result<()> {
    let mut sql = Sql::new(
        "INSERT INTO delivery_attempts (delivery_id, attempt, at, ok, error) \
         SELECT id, attempts, ",
    );
    sql.bind(micros(at))
        .push(", ")
        .bind(error.is_none())
        .push(", ")
        .bind(error)
        .push(" FROM deliveries WHERE id IN (");
    sql.bind_list(ids.iter().map(ToString::to_string));
    sql.push(") ON CONFLICT (delivery_id, attempt) DO NOTHING");
    sql.query().execute(&mut *conn).await?;
    Ok(())
}

/// Records a failed attempt: the delivery is due again at `retry_at`, or
/// dead without one.
async fn failed(
    conn: &mut AnyConnection,
    id: DeliveryId,
    error: String,
    retry_at: Option<Timestamp>,
    at: Timestamp,
) -> Result<()> {
    log_attempts(conn, &[id], Some(error.clone()), at).await?;
    let (state, due) = match retry_at {
        Some(retry) => ("failed", retry),
        None => ("dead", at),
    };
    sqlx::query(
        "UPDATE deliveries SET state = $1, due_at = $2, last_error = $3 \
         WHERE id = $4 AND state <> 'sent'",
    )
    .bind(state.to_owned())
    .bind(micros(due))
    .bind(error)
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Lists deliveries, newest first.
pub(super) async fn list(store: &SqlStore, q: &DeliveryQuery) -> Result<Page<Delivery>> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM deliveries WHERE 1 = 1"));
    if !q.states.is_empty() {
        sql.push(" AND state IN (");
        sql.bind_list(q.states.iter().map(|s| s.as_str().to_owned()));
        sql.push(")");
    }
    if let Some(raw) = &q.cursor {
        let parts = Cursor::decode("cursor", raw, 1)?;
        sql.push(" AND id < ").bind(parts[0].clone());
    }
    sql.push(" ORDER BY id DESC")
        .limit(u64::from(q.limit.get()) + 1);
    let mut conn = store.db.read.acquire().await?;
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, q.limit, |d| {
        Cursor::encode(&[&d.id.to_string()])
    }))
}

/// How much waits in the outbox.
pub(super) async fn stats(store: &SqlStore) -> Result<OutboxStats> {
    let mut conn = store.db.read.acquire().await?;
    let (undispatched, oldest_event): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE dispatched_at IS NULL")
            .fetch_one(&mut *conn)
            .await?;
    let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT state, COUNT(*), MIN(created_at) FROM deliveries \
         WHERE state IN ('pending', 'failed', 'dead') GROUP BY state",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut stats = OutboxStats {
        undispatched,
        ..OutboxStats::default()
    };
    let mut oldest = oldest_event;
    for (state, count, first) in rows {
        match state.as_str() {
            "pending" => stats.pending = count,
            "failed" => stats.failed = count,
            _ => {
                stats.dead = count;
                continue;
            }
        }
        oldest = match (oldest, first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    stats.oldest = oldest
        .map(Timestamp::from_microsecond)
        .transpose()
        .map_err(corrupt)?;
    Ok(stats)
}
