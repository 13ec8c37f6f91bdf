//! The audit log: appended inside each change's transaction, read by admins.

use async_trait::async_trait;
use kept_domain::{Actor, AuditAction, AuditEvent, AuditEventId, Cursor, Page};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::query::AuditQuery;
use crate::sql::{RowExt, Sql, micros, now};
use crate::{AuditStore, SqlStore};

/// Appends one event on `conn`, which should be the transaction making the change.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: AuditAction,
    subject_type: &str,
    subject_id: &str,
    details: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_user_id, actor, action, subject_type, subject_id, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(AuditEventId::new().to_string())
    .bind(micros(now()))
    .bind(actor.user_id.map(|u| u.to_string()))
    .bind(actor.label.clone())
    .bind(action.as_str().to_owned())
    .bind(subject_type.to_owned())
    .bind(subject_id.to_owned())
    .bind(details.to_string())
    .execute(&mut *conn)
    .await?;
    // Every audited change is a change of reference data: move the
    // generation on, so every server's caches see it.
    sqlx::query("UPDATE generation SET value = value + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn event_from_row(row: &AnyRow) -> Result<AuditEvent> {
    let details = row.text("details")?;
    Ok(AuditEvent {
        id: row.parsed("id")?,
        at: row.instant("at")?,
        actor_user_id: row.opt_parsed("actor_user_id")?,
        actor: row.text("actor")?,
        action: row.parsed("action")?,
        subject_type: row.text("subject_type")?,
        subject_id: row.text("subject_id")?,
        details: serde_json::from_str(&details).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn audit_events(&self, q: &AuditQuery) -> Result<Page<AuditEvent>> {
        let mut sql = Sql::new(
            "SELECT id, at, actor_user_id, actor, action, subject_type, subject_id, details \
             FROM audit_events WHERE 1 = 1",
        );
        if let Some(t) = &q.subject_type {
            sql.push(" AND subject_type = ").bind(t.clone());
        }
        if let Some(id) = &q.subject_id {
            sql.push(" AND subject_id = ").bind(id.clone());
        }
        if let Some(actor) = q.actor {
            sql.push(" AND actor_user_id = ").bind(actor.to_string());
        }
        if let Some(action) = q.action {
            sql.push(" AND action = ").bind(action.as_str().to_owned());
        }
        if let Some(c) = q.cursor.as_deref() {
            let key = Cursor::decode("cursor", c, 1)?;
            sql.push(" AND id < ").bind(key[0].clone());
        }
        sql.push(" ORDER BY id DESC")
            .limit(u64::from(q.limit.get()) + 1);
        let rows = sql.query().fetch_all(&self.db.read).await?;
        let events = rows
            .iter()
            .map(event_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(events, q.limit, |e| {
            Cursor::encode(&[&e.id.to_string()])
        }))
    }
}
