//! Order lines, recorded with their requests, and the order history the
//! quantity check reads.

use async_trait::async_trait;
use kept_domain::order::{LineAnswer, LineUnit, NewOrderLine, OrderLine};
use kept_domain::progress::NewEvent;
use kept_domain::{Actor, AuditAction, EventKind, OrderLineId, PartyId, RequestId, ServiceId};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::error::{Result, StoreError};
use crate::requests::create::Prepared;
use crate::sql::{RowExt, Sql, micros};
use crate::{ImportedOrder, OrderStore, Progress, QuestionStats, RowError, SqlStore};

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn milli(value: u64) -> Result<i64> {
    i64::try_from(value).map_err(corrupt)
}

/// The lines of `lines` a question was asked about and settled, with their
/// numbers from 1.
pub(crate) fn answered(lines: &[NewOrderLine]) -> impl Iterator<Item = (u32, &NewOrderLine)> {
    (1u32..)
        .zip(lines)
        .filter(|(_, line)| line.answer.is_some())
}

/// The `quantity_answered` event of line `n`: which answer, to what
/// question, and the quantity before and after.
pub(crate) fn quantity_answered(n: u32, line: &NewOrderLine) -> NewEvent {
    let shown = OrderLine::of(n, line);
    NewEvent {
        kind: EventKind::QuantityAnswered,
        public: true,
        body: None,
        data: json!({
            "line": n,
            "service_id": line.service_id,
            "answer": line.answer.map(LineAnswer::as_str),
            "question": line.question,
            "quantity": shown.quantity,
            "asked": shown.asked,
        }),
    }
}

/// Inserts the order lines of `group` (inside its transaction).
pub(crate) async fn insert_lines(conn: &mut AnyConnection, group: &[&Prepared]) -> Result<()> {
    if group.iter().all(|p| p.lines.is_empty()) {
        return Ok(());
    }
    let mut sql = Sql::on(
        conn,
        "INSERT INTO order_lines (id, request_id, line_no, customer_id, service_id, \
         quantity_milli, typed_milli, unit, question, answer, asked_milli, ordered_at, source) VALUES ",
    );
    let mut first = true;
    for p in group {
        for (n, line) in (1i64..).zip(&p.lines) {
            if !first {
                sql.push(", ");
            }
            first = false;
            sql.push("(")
                .bind(OrderLineId::new().to_string())
                .push(", ")
                .bind(p.id.to_string())
                .push(", ")
                .bind(n)
                .push(", ")
                .bind(p.new.customer_id.to_string())
                .push(", ")
                .bind(line.service_id.to_string())
                .push(", ")
                .bind(milli(line.quantity.milli)?)
                .push(", ")
                .bind(milli(line.quantity.typed_milli)?)
                .push(", ")
                .bind(line.quantity.unit.as_str().to_owned())
                .push(", ")
                .bind(line.question.clone())
                .push(", ")
                .bind(line.answer.map(|a| a.as_str().to_owned()))
                .push(", ")
                .bind(line.asked_milli.map(milli).transpose()?)
                .push(", ")
                .bind(micros(p.at))
                .push(", 'request')");
        }
    }
    sql.query().execute(&mut *conn).await?;
    Ok(())
}

fn line_from_row(row: &AnyRow) -> Result<OrderLine> {
    let positive = |col: &str| -> Result<u64> { u64::try_from(row.int(col)?).map_err(corrupt) };
    let unit = row.text("unit")?;
    let line = NewOrderLine {
        service_id: row.parsed("service_id")?,
        quantity: kept_domain::order::Quantity {
            typed_milli: positive("typed_milli")?,
            unit: LineUnit::from_stored(&unit).ok_or_else(|| corrupt(unit))?,
            milli: positive("quantity_milli")?,
        },
        question: row.opt_text("question")?,
        answer: row.opt_parsed("answer")?,
        asked_milli: row
            .opt_int("asked_milli")?
            .map(|m| u64::try_from(m).map_err(corrupt))
            .transpose()?,
    };
    let n = u32::try_from(row.int("line_no")?).map_err(corrupt)?;
    Ok(OrderLine::of(n, &line))
}

/// Why a row of an import was refused: a reference imported before, or a
/// customer or service that does not exist.
fn import_error(e: sqlx::Error, row: &ImportedOrder) -> StoreError {
    let message = e.to_string().to_lowercase();
    if message.contains("unique") || message.contains("duplicate") {
        StoreError::invalid(
            "reference",
            format!(
                "{} was imported before",
                row.reference.as_deref().unwrap_or("the reference")
            ),
        )
    } else if message.contains("foreign key") {
        StoreError::invalid("customer", "no such customer or service")
    } else {
        e.into()
    }
}

/// History leaves out the lines of cancelled orders (the history index
/// holds only the others).
macro_rules! counted {
    () => {
        "l.cancelled_at IS NULL"
    };
}

/// Takes the lines of request `id`, cancelled at `at`, out of history.
pub(crate) async fn cancel_lines(
    conn: &mut AnyConnection,
    id: RequestId,
    at: kept_domain::Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE order_lines SET cancelled_at = $1 WHERE request_id = $2")
        .bind(micros(at))
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

mod history;
mod settle;
pub(crate) use settle::{settle_group, settle_one};

#[async_trait]
impl OrderStore for SqlStore {
    async fn order_history(
        &self,
        customer: PartyId,
        service: ServiceId,
        limit: u32,
    ) -> Result<Vec<u64>> {
        let wanted = history::Wanted {
            customer,
            service,
            limit,
        };
        let mut conn = self.db.read.acquire().await?;
        let mut histories = history::read_all(&mut conn, &[wanted]).await?;
        Ok(histories.pop().unwrap_or_default())
    }

    async fn item_history(&self, service: ServiceId, limit: u32) -> Result<Vec<u64>> {
        let mut conn = self.db.read.acquire().await?;
        history::item_history(&mut conn, service, limit).await
    }

    async fn order_lines(&self, request: RequestId) -> Result<Vec<OrderLine>> {
        let rows = sqlx::query(
            "SELECT line_no, service_id, quantity_milli, typed_milli, unit, question, answer, \
             asked_milli FROM order_lines WHERE request_id = $1 ORDER BY line_no",
        )
        .bind(request.to_string())
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(line_from_row).collect()
    }

    async fn import_orders(
        &self,
        actor: &Actor,
        rows: Vec<ImportedOrder>,
        progress: Progress<'_>,
    ) -> std::result::Result<usize, RowError> {
        let mut tx = self.db.begin().await?;
        let now = crate::sql::now();
        for (n, row) in rows.iter().enumerate() {
            let at = |error: StoreError| RowError {
                row: Some(n),
                error,
            };
            if row.ordered_at > now {
                return Err(at(StoreError::invalid(
                    "ordered_at",
                    "must not be in the future",
                )));
            }
            let inserted = sqlx::query(
                "INSERT INTO order_lines (id, request_id, line_no, customer_id, service_id, \
                 quantity_milli, typed_milli, unit, ordered_at, source, reference) \
                 VALUES ($1, NULL, 1, $2, $3, $4, $5, $6, $7, 'import', $8)",
            )
            .bind(OrderLineId::new().to_string())
            .bind(row.customer_id.to_string())
            .bind(row.service_id.to_string())
            .bind(milli(row.quantity.milli).map_err(at)?)
            .bind(milli(row.quantity.typed_milli).map_err(at)?)
            .bind(row.quantity.unit.as_str().to_owned())
            .bind(micros(row.ordered_at))
            .bind(row.reference.clone())
            .execute(&mut *tx)
            .await;
            if let Err(e) = inserted {
                return Err(at(import_error(e, row)));
            }
            progress(n + 1);
        }
        append(
            &mut tx,
            actor,
            AuditAction::OrdersImported,
            "orders",
            "import",
            json!({ "rows": rows.len() }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(rows.len())
    }

    async fn confirmed_orders(&self, ids: &[RequestId]) -> Result<Vec<RequestId>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT DISTINCT request_id FROM order_lines WHERE answer = 'confirmed' \
             AND request_id IN (",
        );
        for (n, id) in ids.iter().enumerate() {
            if n > 0 {
                sql.push(", ");
            }
            sql.bind(id.to_string());
        }
        sql.push(")");
        let rows = sql.query().fetch_all(&self.db.read).await?;
        rows.iter().map(|r| r.parsed("request_id")).collect()
    }

    async fn question_stats(&self, service: ServiceId) -> Result<QuestionStats> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS lines, \
             COALESCE(SUM(CASE WHEN question IS NOT NULL THEN 1 ELSE 0 END), 0) AS questioned, \
             COALESCE(SUM(CASE WHEN answer = 'confirmed' THEN 1 ELSE 0 END), 0) AS confirmed, \
             COALESCE(SUM(CASE WHEN answer = 'changed' THEN 1 ELSE 0 END), 0) AS changed \
             FROM order_lines WHERE service_id = $1 AND source = 'request'",
        )
        .bind(service.to_string())
        .fetch_one(&self.db.read)
        .await?;
        let count = |col: &str| -> Result<u64> { u64::try_from(row.int(col)?).map_err(corrupt) };
        Ok(QuestionStats {
            lines: count("lines")?,
            questioned: count("questioned")?,
            confirmed: count("confirmed")?,
            changed: count("changed")?,
        })
    }
}
