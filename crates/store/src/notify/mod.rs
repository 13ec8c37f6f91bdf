//! Notifications: the outbox, its deliveries and their attempts, the mail
//! kept in the database when none is sent, and the keys servers share.
//!
//! Work is claimed the way the SLA timers claim alarms: due rows are found
//! through an index on `due_at`, locked with `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL (so several servers share them, each row to one), and their
//! `due_at` moved on by a lease in the claiming transaction. A server that
//! dies holding a claim leaves the row due again when the lease ends: one
//! attempt may repeat, no row is lost.

mod deliveries;
pub mod inbound;
mod mail;
pub(crate) mod outbox;
mod reads;

use async_trait::async_trait;
use kept_domain::{
    Channel, DeliveryId, DeliveryState, OutboxId, PartyId, RequestId, Role, Timestamp, Topic,
    UserId,
};
use serde::Serialize;
use sqlx::any::AnyRow;

use crate::db::Backend;
use crate::error::{Result, StoreError};
use crate::sql::{RowExt, Sql, micros, now};
use crate::{NotifyStore, SqlStore};

pub use deliveries::DeliveryQuery;
pub use mail::{KeptMail, MailQuery};

/// An outbox row claimed for fan-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Its id.
    pub id: OutboxId,
    /// What happened.
    pub topic: Topic,
    /// The request it happened to.
    pub request_id: Option<RequestId>,
    /// The request's event.
    pub seq: Option<i64>,
    /// The change request it happened to.
    pub change_request_id: Option<kept_domain::ChangeRequestId>,
    /// What else the fan-out needs (an address to answer, a reason).
    pub data: Option<serde_json::Value>,
    /// When.
    pub created_at: Timestamp,
}

/// One message to add for an outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    /// By which channel.
    pub channel: Channel,
    /// The address, or the webhook subscription's id.
    pub recipient: String,
    /// The person, when it goes to one.
    pub user_id: Option<UserId>,
    /// What to say.
    pub payload: serde_json::Value,
    /// Not before.
    pub due_at: Timestamp,
}

/// One message to one recipient by one channel, with how it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    /// Its id.
    pub id: DeliveryId,
    /// The outbox row (the event) it tells of.
    pub outbox_id: OutboxId,
    /// What happened.
    pub topic: Topic,
    /// By which channel.
    pub channel: Channel,
    /// The address, or the webhook subscription's id.
    pub recipient: String,
    /// The person, when it goes to one.
    pub user_id: Option<UserId>,
    /// What to say.
    pub payload: serde_json::Value,
    /// Where it stands.
    pub state: DeliveryState,
    /// When it is next tried (pending and failed ones).
    pub due_at: Timestamp,
    /// Attempts made.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was last tried.
    pub last_attempt_at: Option<Timestamp>,
    /// When it was delivered.
    pub sent_at: Option<Timestamp>,
    /// When it was made.
    pub created_at: Timestamp,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered.
    Sent,
    /// Kept in the database instead of sent (no SMTP server): the message
    /// is kept in the same transaction that marks it sent, so once.
    Kept(KeptMail),
    /// Failed; retried at `retry_at`, or dead-lettered when `None`.
    Failed {
        /// Why.
        error: String,
        /// When to try again.
        retry_at: Option<Timestamp>,
    },
}

/// How much waits in the outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxStats {
    /// Events not yet fanned out.
    pub undispatched: i64,
    /// Deliveries waiting for their first attempt.
    pub pending: i64,
    /// Deliveries that failed and will be retried.
    pub failed: i64,
    /// Deliveries dead-lettered.
    pub dead: i64,
    /// When the oldest event or delivery still waiting was made.
    pub oldest: Option<Timestamp>,
}

impl OutboxStats {
    /// Events and deliveries still to deliver (dead ones excluded).
    pub fn depth(&self) -> i64 {
        self.undispatched + self.pending + self.failed
    }
}

/// A person who may be told something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The user.
    pub user_id: UserId,
    /// Their address.
    pub email: String,
    /// Their name.
    pub name: String,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn entry_from_row(row: &AnyRow) -> Result<OutboxEntry> {
    Ok(OutboxEntry {
        id: row.parsed("id")?,
        topic: row.text("topic")?.parse().map_err(corrupt)?,
        request_id: row.opt_parsed("request_id")?,
        seq: row.opt_int("seq")?,
        change_request_id: row.opt_parsed("change_request_id")?,
        data: row
            .opt_text("data")?
            .map(|d| serde_json::from_str(&d))
            .transpose()
            .map_err(corrupt)?,
        created_at: row.instant("created_at")?,
    })
}

/// A transaction of the delivery job's bookkeeping (claims, fan-out,
/// attempts). On PostgreSQL its commit does not wait for the disk
/// (`synchronous_commit = off`, for this transaction only): the database
/// stays consistent, and a crash of PostgreSQL itself may forget the last
/// fraction of a second of it, which only repeats work (a claim taken
/// again, a message sent again), as a lease running out does. The rows
/// that must not be lost, the outbox rows, are written with their
/// events, whose commits wait. Without it each handful of messages
/// recorded waits for a disk flush, and the job falls behind intake.
pub(crate) async fn job_transaction(
    db: &crate::db::Db,
) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
    let mut tx = db.begin().await?;
    if db.backend == Backend::Postgres {
        sqlx::query("SET LOCAL synchronous_commit = off")
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// `FOR UPDATE SKIP LOCKED` where the backend has it (PostgreSQL): on
/// SQLite the write lock already serialises claims.
pub(crate) fn skip_locked(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    }
}

#[async_trait]
impl NotifyStore for SqlStore {
    async fn claim_outbox(
        &self,
        now: Timestamp,
        limit: u32,
        lease: std::time::Duration,
    ) -> Result<Vec<OutboxEntry>> {
        let mut tx = job_transaction(&self.db).await?;
        let mut claim = Sql::new(
            "SELECT id, topic, request_id, seq, change_request_id, data, created_at FROM outbox \
             WHERE dispatched_at IS NULL AND due_at <= ",
        );
        claim
            .bind(micros(now))
            .push(" ORDER BY due_at")
            .limit(u64::from(limit))
            .push(skip_locked(self.db.backend));
        let rows = claim.query().fetch_all(&mut *tx).await?;
        let entries = rows
            .iter()
            .map(entry_from_row)
            .collect::<Result<Vec<_>>>()?;
        if !entries.is_empty() {
            let mut sql = Sql::new("UPDATE outbox SET due_at = ");
            sql.bind(micros(lease_end(now, lease)))
                .push(" WHERE id IN (");
            sql.bind_list(entries.iter().map(|e| e.id.to_string()));
            sql.push(")");
            sql.query().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(entries)
    }

    async fn outbox_of_request(&self, id: RequestId) -> Result<Vec<OutboxEntry>> {
        let mut conn = self.db.read.acquire().await?;
        let rows = sqlx::query(
            "SELECT id, topic, request_id, seq, change_request_id, data, created_at FROM outbox \
             WHERE request_id = $1 ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn fan_out(&self, batch: Vec<(OutboxId, Vec<NewDelivery>)>) -> Result<usize> {
        if batch.is_empty() {
            return Ok(0);
        }
        let at = now();
        let mut tx = job_transaction(&self.db).await?;
        // Only the first to finish fans a row out; a server whose lease
        // ran out while it worked finds it dispatched and adds nothing.
        let mut sql = Sql::new("UPDATE outbox SET dispatched_at = ");
        sql.bind(micros(at))
            .push(" WHERE dispatched_at IS NULL AND id IN (");
        sql.bind_list(batch.iter().map(|(id, _)| id.to_string()));
        sql.push(") RETURNING id, topic");
        let rows = sql.query().fetch_all(&mut *tx).await?;
        let mut won = std::collections::HashMap::with_capacity(rows.len());
        for row in &rows {
            won.insert(row.text("id")?, row.text("topic")?);
        }
        let rows: Vec<(OutboxId, &str, &NewDelivery)> = batch
            .iter()
            .filter_map(|(id, ds)| Some((*id, won.get(&id.to_string())?.as_str(), ds)))
            .flat_map(|(id, topic, ds)| ds.iter().map(move |d| (id, topic, d)))
            .collect();
        deliveries::insert(&mut tx, &rows, at).await?;
        tx.commit().await?;
        Ok(won.len())
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        limit: u32,
        lease: std::time::Duration,
        channels: &[Channel],
    ) -> Result<Vec<Delivery>> {
        deliveries::claim(self, now, limit, lease, channels).await
    }

    async fn record_attempt(&self, id: DeliveryId, outcome: Outcome) -> Result<Delivery> {
        let mut tx = job_transaction(&self.db).await?;
        deliveries::record(&mut tx, vec![(id, outcome)], now()).await?;
        let delivery = deliveries::fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(delivery)
    }

    async fn record_attempts(&self, outcomes: Vec<(DeliveryId, Outcome)>) -> Result<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let mut tx = job_transaction(&self.db).await?;
        deliveries::record(&mut tx, outcomes, now()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_deliveries(&self, query: &DeliveryQuery) -> Result<kept_domain::Page<Delivery>> {
        deliveries::list(self, query).await
    }

    async fn delivery(&self, id: DeliveryId) -> Result<Delivery> {
        let mut conn = self.db.read.acquire().await?;
        deliveries::fetch(&mut conn, id).await
    }

    async fn retry_delivery(&self, id: DeliveryId, now: Timestamp) -> Result<Delivery> {
        let mut tx = self.db.begin().await?;
        let done = sqlx::query(
            "UPDATE deliveries SET state = CASE WHEN state = 'dead' THEN 'failed' ELSE state END, \
             due_at = $1 WHERE id = $2 AND state IN ('pending', 'failed', 'dead')",
        )
        .bind(micros(now))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let delivery = deliveries::fetch(&mut tx, id).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(crate::Conflict::AlreadyDelivered));
        }
        tx.commit().await?;
        Ok(delivery)
    }

    async fn outbox_stats(&self) -> Result<OutboxStats> {
        deliveries::stats(self).await
    }

    async fn kept_mail(&self, query: &MailQuery) -> Result<kept_domain::Page<KeptMail>> {
        mail::list(self, query).await
    }

    async fn kept_message(&self, id: DeliveryId) -> Result<KeptMail> {
        mail::get(self, id).await
    }

    async fn server_key(&self, name: &str, fresh: &str) -> Result<String> {
        let mut tx = self.db.begin().await?;
        sqlx::query(
            "INSERT INTO server_keys (name, value, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name.to_owned())
        .bind(fresh.to_owned())
        .bind(micros(now()))
        .execute(&mut *tx)
        .await?;
        let value: String = sqlx::query_scalar("SELECT value FROM server_keys WHERE name = $1")
            .bind(name.to_owned())
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(value)
    }

    async fn contacts(&self, parties: &[PartyId], roles: &[Role]) -> Result<Vec<Contact>> {
        if parties.is_empty() || roles.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = crate::sql::Sql::new(
            "SELECT DISTINCT u.id, u.email, p.name FROM role_grants g \
             JOIN users u ON u.id = g.user_id JOIN parties p ON p.id = u.party_id \
             WHERE u.archived_at IS NULL AND g.party_id IN (",
        );
        sql.bind_list(parties.iter().map(ToString::to_string));
        sql.push(") AND g.role IN (");
        sql.bind_list(roles.iter().map(|r| r.as_str().to_owned()));
        sql.push(") ORDER BY u.email");
        reads::contacts_of(self, sql).await
    }

    async fn told_events(
        &self,
        keys: &[(RequestId, i64)],
    ) -> Result<Vec<(kept_domain::Request, kept_domain::RequestEvent)>> {
        reads::told_events(self, keys).await
    }

    async fn user_contacts(&self, ids: &[UserId]) -> Result<Vec<Contact>> {
        reads::user_contacts(self, ids).await
    }

    async fn opt_outs(
        &self,
        users: &[UserId],
    ) -> Result<std::collections::HashMap<UserId, Vec<Topic>>> {
        reads::opt_outs(self, users).await
    }

    async fn opted_out(&self, user: UserId) -> Result<Vec<Topic>> {
        let mut conn = self.db.read.acquire().await?;
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT topic FROM notification_opt_outs WHERE user_id = $1")
                .bind(user.to_string())
                .fetch_all(&mut *conn)
                .await?;
        // A topic this version no longer has is ignored, not an error.
        Ok(rows.iter().filter_map(|t| t.parse().ok()).collect())
    }

    async fn set_opted_out(&self, user: UserId, topics: &[Topic]) -> Result<()> {
        let mut tx = self.db.begin().await?;
        sqlx::query("DELETE FROM notification_opt_outs WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        let at = micros(now());
        for topic in topics {
            sqlx::query(
                "INSERT INTO notification_opt_outs (user_id, topic, created_at) VALUES ($1, $2, $3)",
            )
            .bind(user.to_string())
            .bind(topic.as_str().to_owned())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The end of a lease taken at `now`.
fn lease_end(now: Timestamp, lease: std::time::Duration) -> Timestamp {
    let lease = jiff::SignedDuration::try_from(lease).unwrap_or(jiff::SignedDuration::MAX);
    now.checked_add(lease).unwrap_or(now)
}
