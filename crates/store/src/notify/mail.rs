//! Mail kept in the database instead of sent (no SMTP server configured):
//! the demo's mail view, and what tests read.

use kept_domain::{Cursor, DeliveryId, Limit, Page, RequestId, Timestamp, UserId};
use serde::Serialize;
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::error::{Result, StoreError};
use crate::sql::{RowExt, Sql, micros};
use sqlx::AnyConnection;

/// One message kept, as it would have been sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptMail {
    /// The delivery it was (also its id here).
    pub delivery_id: DeliveryId,
    /// The address it went to.
    pub recipient: String,
    /// The person it went to.
    pub user_id: Option<UserId>,
    /// The request it is about.
    pub request_id: Option<RequestId>,
    /// Its subject.
    pub subject: String,
    /// The whole message, RFC 5322.
    pub message: String,
    /// When it was kept.
    pub created_at: Timestamp,
}

/// Which kept mail to list.
#[derive(Debug, Clone, Default)]
pub struct MailQuery {
    /// Only mail to this address.
    pub recipient: Option<String>,
    /// Only mail about this request.
    pub request_id: Option<RequestId>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

const COLUMNS: &str = "delivery_id, recipient, user_id, request_id, subject, message, created_at";

fn from_row(row: &AnyRow) -> Result<KeptMail> {
    Ok(KeptMail {
        delivery_id: row.parsed("delivery_id")?,
        recipient: row.text("recipient")?,
        user_id: row.opt_parsed("user_id")?,
        request_id: row.opt_parsed("request_id")?,
        subject: row.text("subject")?,
        message: row.text("message")?,
        created_at: row.instant("created_at")?,
    })
}

/// Keeps `mail` on `conn` (inside the transaction that marks its delivery
/// sent): kept once however often it is handed over.
pub(super) async fn keep(conn: &mut AnyConnection, mail: KeptMail) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO kept_mail (id, {COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (delivery_id) DO NOTHING"
    )))
    .bind(mail.delivery_id.to_string())
    .bind(mail.delivery_id.to_string())
    .bind(mail.recipient)
    .bind(mail.user_id.map(|u| u.to_string()))
    .bind(mail.request_id.map(|r| r.to_string()))
    .bind(mail.subject)
    .bind(mail.message)
    .bind(micros(mail.created_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Lists kept mail, newest first.
pub(super) async fn list(store: &SqlStore, q: &MailQuery) -> Result<Page<KeptMail>> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM kept_mail WHERE 1 = 1"));
    if let Some(recipient) = &q.recipient {
        sql.push(" AND recipient = ").bind(recipient.clone());
    }
    if let Some(request) = q.request_id {
        sql.push(" AND request_id = ").bind(request.to_string());
    }
    if let Some(raw) = &q.cursor {
        let parts = Cursor::decode("cursor", raw, 1)?;
        sql.push(" AND delivery_id < ").bind(parts[0].clone());
    }
    sql.push(" ORDER BY delivery_id DESC")
        .limit(u64::from(q.limit.get()) + 1);
    let mut conn = store.db.read.acquire().await?;
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, q.limit, |m| {
        Cursor::encode(&[&m.delivery_id.to_string()])
    }))
}

/// One kept message.
pub(super) async fn get(store: &SqlStore, id: DeliveryId) -> Result<KeptMail> {
    let mut conn = store.db.read.acquire().await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM kept_mail WHERE delivery_id = $1"
    )))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}
