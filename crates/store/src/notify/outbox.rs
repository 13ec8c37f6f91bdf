//! Writing outbox rows, inside the transaction that records their events.

use kept_domain::{OutboxId, RequestId, Timestamp, Topic};
use sqlx::AnyConnection;

use crate::error::Result;
use crate::sql::{Sql, micros};

/// An event someone is told about, to write to the outbox.
#[derive(Debug, Clone)]
pub(crate) struct Enqueued {
    /// What happened.
    pub topic: Topic,
    /// The request it happened to, and its event.
    pub request: Option<(RequestId, i64)>,
    /// The change request it happened to.
    pub change_request: Option<kept_domain::ChangeRequestId>,
    /// What else the fan-out needs (an address to answer, a reason).
    pub data: Option<serde_json::Value>,
    /// When.
    pub at: Timestamp,
}

/// Writes `rows` to the outbox on `conn`, one multi-row `INSERT`.
pub(crate) async fn enqueue(conn: &mut AnyConnection, rows: &[Enqueued]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::on(
        conn,
        "INSERT INTO outbox (id, topic, request_id, seq, change_request_id, data, created_at, due_at) VALUES ",
    );
    for (n, row) in rows.iter().enumerate() {
        if n > 0 {
            sql.push(", ");
        }
        sql.push("(")
            .bind(OutboxId::new().to_string())
            .push(", ")
            .bind(row.topic.as_str().to_owned())
            .push(", ")
            .bind(row.request.map(|(id, _)| id.to_string()))
            .push(", ")
            .bind(row.request.map(|(_, seq)| seq))
            .push(", ")
            .bind(row.change_request.map(|id| id.to_string()))
            .push(", ")
            .bind(row.data.as_ref().map(ToString::to_string))
            .push(", ")
            .bind(micros(row.at))
            .push(", ")
            .bind(micros(row.at))
            .push(")");
    }
    sql.query().execute(&mut *conn).await?;
    Ok(())
}
