//! Mail in: each message taken in is recorded in the transaction that acts
//! on it (the reply it added, the request it raised), with the outbox row
//! of its answer, if it has one. The Message-ID is unique, so a message
//! handed over twice acts once: the second finds the first's row, or fails
//! on its unique index and changes nothing.

use async_trait::async_trait;
use kept_domain::{
    Actor, Attachment, Cursor, InboundMailId, InboundOutcome, Limit, Page, Request, RequestChange,
    RequestEvent, RequestId, Topic,
};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::outbox::{Enqueued, enqueue};
use crate::error::{Result, StoreError};
use crate::query::RequestRecord;
use crate::requests::{create, recorded};
use crate::sql::{RowExt, Sql, micros, now};
use crate::{InboundStore, SqlStore};

/// A message taken in, to record with what it did.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInbound {
    /// Its Message-ID (or a hash of its bytes when it has none).
    pub message_id: String,
    /// Its From address.
    pub sender: String,
    /// Its To, Cc and Delivered-To addresses.
    pub recipients: Vec<String>,
    /// Its subject, one line.
    pub subject: String,
    /// What it did.
    pub outcome: InboundOutcome,
    /// Why it was refused or ignored.
    pub reason: Option<String>,
    /// The request it replied on (a raised one is filled in by the store).
    pub request_id: Option<RequestId>,
    /// The attachments that were not kept.
    pub attachments: Vec<Attachment>,
    /// The answer to its sender: an outbox row of this topic with this
    /// data (a raised request's id is added to it as `request_id`).
    pub answer: Option<(Topic, serde_json::Value)>,
}

impl NewInbound {
    /// What the event it made records of it.
    fn via(&self) -> serde_json::Value {
        json!({
            "channel": "email",
            "message_id": self.message_id,
            "attachments_not_kept": self.attachments,
        })
    }
}

/// A message taken in, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InboundMail {
    /// Its id.
    pub id: InboundMailId,
    /// Its Message-ID (or a hash of its bytes).
    pub message_id: String,
    /// Its From address.
    pub sender: String,
    /// Its To, Cc and Delivered-To addresses.
    pub recipients: Vec<String>,
    /// Its subject.
    pub subject: String,
    /// What it did.
    pub outcome: InboundOutcome,
    /// Why it was refused or ignored.
    pub reason: Option<String>,
    /// The request it replied on or raised.
    pub request_id: Option<RequestId>,
    /// The attachments that were not kept.
    pub attachments: Vec<Attachment>,
    /// When it was taken in.
    pub received_at: kept_domain::Timestamp,
}

/// What recording a message came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Receipt<T> {
    /// It was recorded, with what it did.
    Recorded(T),
    /// A message with its Message-ID was taken in before: nothing was done.
    Repeated(InboundMail),
}

/// Which messages to list.
#[derive(Debug, Clone, Default)]
pub struct InboundQuery {
    /// Only those with this outcome.
    pub outcome: Option<InboundOutcome>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

const COLUMNS: &str = "id, message_id, sender, recipients, subject, outcome, reason, request_id, \
                       attachments, received_at";

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn from_row(row: &AnyRow) -> Result<InboundMail> {
    Ok(InboundMail {
        id: row.parsed("id")?,
        message_id: row.text("message_id")?,
        sender: row.text("sender")?,
        recipients: serde_json::from_str(&row.text("recipients")?).map_err(corrupt)?,
        subject: row.text("subject")?,
        outcome: row.text("outcome")?.parse().map_err(corrupt)?,
        reason: row.opt_text("reason")?,
        request_id: row.opt_parsed("request_id")?,
        attachments: serde_json::from_str(&row.text("attachments")?).map_err(corrupt)?,
        received_at: row.instant("received_at")?,
    })
}

async fn find(conn: &mut AnyConnection, message_id: &str) -> Result<Option<InboundMail>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM inbound_mail WHERE message_id = $1"
    )))
    .bind(message_id.to_owned())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Records `mail` on `conn` (the transaction that acts on it), with its
/// answer; `None` when its Message-ID was taken in before.
async fn insert(conn: &mut AnyConnection, mail: NewInbound) -> Result<Option<InboundMail>> {
    let recorded = InboundMail {
        id: InboundMailId::new(),
        message_id: mail.message_id,
        sender: mail.sender,
        recipients: mail.recipients,
        subject: mail.subject,
        outcome: mail.outcome,
        reason: mail.reason,
        request_id: mail.request_id,
        attachments: mail.attachments,
        received_at: now(),
    };
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO inbound_mail ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (message_id) DO NOTHING"
    )))
    .bind(recorded.id.to_string())
    .bind(recorded.message_id.clone())
    .bind(recorded.sender.clone())
    .bind(serde_json::to_string(&recorded.recipients).map_err(corrupt)?)
    .bind(recorded.subject.clone())
    .bind(recorded.outcome.as_str().to_owned())
    .bind(recorded.reason.clone())
    .bind(recorded.request_id.map(|r| r.to_string()))
    .bind(serde_json::to_string(&recorded.attachments).map_err(corrupt)?)
    .bind(micros(recorded.received_at))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    if let Some((topic, data)) = mail.answer {
        let row = Enqueued {
            topic,
            request: None,
            change_request: None,
            data: Some(data),
            at: recorded.received_at,
        };
        enqueue(conn, &[row]).await?;
    }
    Ok(Some(recorded))
}

/// The row of an earlier message with `message_id`, read after a
/// transaction found it there and gave up.
async fn repeated(store: &SqlStore, message_id: &str) -> Result<InboundMail> {
    let mut conn = store.db.read.acquire().await?;
    find(&mut conn, message_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("a message seen twice then not at all".into()))
}

#[async_trait]
impl InboundStore for SqlStore {
    async fn inbound_mail(&self, message_id: &str) -> Result<Option<InboundMail>> {
        let mut conn = self.db.read.acquire().await?;
        find(&mut conn, message_id).await
    }

    async fn record_inbound(&self, mail: NewInbound) -> Result<Receipt<InboundMail>> {
        let message_id = mail.message_id.clone();
        let mut tx = self.db.begin().await?;
        match insert(&mut tx, mail).await? {
            Some(recorded) => {
                tx.commit().await?;
                Ok(Receipt::Recorded(recorded))
            }
            None => Ok(Receipt::Repeated(repeated(self, &message_id).await?)),
        }
    }

    #[tracing::instrument(skip(self, actor, change, mail), err(level = "debug"))]
    async fn reply_by_mail(
        &self,
        actor: &Actor,
        id: RequestId,
        change: RequestChange,
        at_risk_percent: u8,
        mail: NewInbound,
    ) -> Result<Receipt<(Request, Vec<RequestEvent>, InboundMail)>> {
        let message_id = mail.message_id.clone();
        let via = mail.via();
        let mut tx = self.db.begin().await?;
        // The message first: a repeat stops here, before anything is done.
        let Some(recorded) = insert(&mut tx, mail).await? else {
            return Ok(Receipt::Repeated(repeated(self, &message_id).await?));
        };
        let (request, events) = self
            .act_in(&mut tx, actor, id, change, at_risk_percent, Some(via))
            .await?;
        tx.commit().await?;
        Ok(Receipt::Recorded((request, events, recorded)))
    }

    #[tracing::instrument(skip(self, actor, record, mail), err(level = "debug"))]
    async fn raise_by_mail(
        &self,
        actor: &Actor,
        record: RequestRecord,
        mut mail: NewInbound,
    ) -> Result<Receipt<(Request, InboundMail)>> {
        let message_id = mail.message_id.clone();
        let mut prepared = self
            .prepare_request(actor, record, Some(mail.via()))
            .await?;
        mail.request_id = Some(prepared.id);
        if let Some((_, serde_json::Value::Object(data))) = &mut mail.answer {
            data.insert("request_id".into(), json!(prepared.id));
        }
        let mut tx = self.db.begin().await?;
        // The request before the message that names it; a repeat rolls
        // both back.
        crate::orders::settle_one(&mut tx, &mut prepared).await?;
        let number = create::insert(&mut tx, &[&prepared]).await?[0];
        let Some(mail) = insert(&mut tx, mail).await? else {
            drop(tx);
            return Ok(Receipt::Repeated(repeated(self, &message_id).await?));
        };
        tx.commit().await?;
        Ok(Receipt::Recorded((recorded(prepared, number), mail)))
    }

    async fn list_inbound(&self, q: &InboundQuery) -> Result<Page<InboundMail>> {
        let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM inbound_mail WHERE 1 = 1"));
        if let Some(outcome) = q.outcome {
            sql.push(" AND outcome = ")
                .bind(outcome.as_str().to_owned());
        }
        if let Some(raw) = &q.cursor {
            let parts = Cursor::decode("cursor", raw, 1)?;
            sql.push(" AND id < ").bind(parts[0].clone());
        }
        sql.push(" ORDER BY id DESC")
            .limit(u64::from(q.limit.get()) + 1);
        let mut conn = self.db.read.acquire().await?;
        let rows = sql.query().fetch_all(&mut *conn).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, q.limit, |m| {
            Cursor::encode(&[&m.id.to_string()])
        }))
    }
}
