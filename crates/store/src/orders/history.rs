//! The quantity check's read of a customer's recent orders of an item,
//! done in batches: every check waiting when the reader is free is
//! answered by one statement, with one row per customer and item (their
//! last quantities joined into one text), rather than one statement and
//! a row per past order for each.

use kept_domain::{PartyId, ServiceId};

use crate::batch::{BatchFuture, Batcher, Job};
use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::sql::{RowExt, Sql};

/// The most histories one statement reads.
const MAX_BATCH: usize = 32;
/// How many statements may read at once: a check need not wait for the
/// batch before it to finish (SQLite has four readers on two cores).
const AT_ONCE: usize = 4;

/// Whose history of what, and how many of the last orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wanted {
    /// The customer.
    pub customer: PartyId,
    /// The item.
    pub service: ServiceId,
    /// How many of the last orders.
    pub limit: u32,
}

/// Hands history reads to the reader task, which does them in batches.
#[derive(Debug)]
pub(crate) struct GroupRead(Batcher<Wanted, Vec<u64>>);

impl Default for GroupRead {
    fn default() -> Self {
        Self(Batcher::new(
            "the order history reader",
            MAX_BATCH,
            AT_ONCE,
            read_batch,
        ))
    }
}

impl GroupRead {
    /// The quantities, in thousandths, of `wanted`'s last orders, newest
    /// first, leaving out cancelled orders.
    pub async fn read(&self, db: &Db, wanted: Wanted) -> Result<Vec<u64>> {
        self.0.submit(db, wanted).await
    }
}

/// Reads a batch's histories in one statement and answers each job; when
/// the statement fails, each job's history is read alone, so each gets an
/// answer or an error of its own.
fn read_batch(db: Db, jobs: Vec<Job<Wanted, Vec<u64>>>) -> BatchFuture {
    Box::pin(async move {
        // Two checks of the same customer and item share a branch.
        let mut distinct: Vec<Wanted> = Vec::with_capacity(jobs.len());
        for job in &jobs {
            if !distinct.contains(&job.item) {
                distinct.push(job.item);
            }
        }
        match read(&db, &distinct).await {
            Ok(histories) => {
                for job in jobs {
                    let found = distinct
                        .iter()
                        .position(|w| *w == job.item)
                        .and_then(|n| histories.get(n).cloned())
                        .unwrap_or_default();
                    let _ = job.reply.send(Ok(found));
                }
            }
            Err(e) if distinct.len() == 1 => {
                tracing::debug!(error = %e, "an order history read failed");
                let message = e.to_string();
                for job in jobs {
                    let error = StoreError::Database(sqlx::Error::Protocol(message.clone()));
                    let _ = job.reply.send(Err(error));
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, size = distinct.len(), "a batch of order history reads failed; reading each alone");
                for job in jobs {
                    let alone = read(&db, &[job.item]).await;
                    let _ = job
                        .reply
                        .send(alone.map(|mut h| h.pop().unwrap_or_default()));
                }
            }
        }
    })
}

/// One branch per customer and item: the index on (customer, service,
/// ordered_at) gives the last orders, newest first; `string_agg` with its
/// own `ORDER BY` (SQLite 3.44 and PostgreSQL alike) joins them into one
/// row, keeping that order.
async fn read(db: &Db, wanted: &[Wanted]) -> Result<Vec<Vec<u64>>> {
    // A statement per batch size is planned (PostgreSQL plans each on
    // every connection before it settles on a generic plan): batches are
    // padded to a power of two, the last repeated, so there are six.
    let size = wanted.len().next_power_of_two();
    let padded = wanted
        .iter()
        .chain(std::iter::repeat_n(wanted.last(), size - wanted.len()).flatten());
    let mut sql = Sql::new("");
    for (n, w) in padded.enumerate() {
        if n > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(&format!(
            "SELECT CAST({n} AS BIGINT) AS k, string_agg(CAST(h.q AS TEXT), ',' ORDER BY h.at DESC) AS qs FROM \
             (SELECT l.quantity_milli AS q, l.ordered_at AS at FROM order_lines l \
             WHERE l.customer_id = "
        ))
        .bind(w.customer.to_string())
        .push(" AND l.service_id = ")
        .bind(w.service.to_string())
        .push(concat!(" AND ", counted!(), " ORDER BY l.ordered_at DESC LIMIT "))
        .bind(i64::from(w.limit))
        .push(") h");
    }
    let rows = sql.query().fetch_all(&db.read).await?;
    let mut histories = vec![Vec::new(); wanted.len()];
    for row in rows {
        let k = usize::try_from(row.int("k")?).map_err(corrupt)?;
        if k >= size {
            return Err(corrupt(format!("history {k} was not asked for")));
        }
        // A padding branch's answer is its original's.
        let Some(slot) = histories.get_mut(k) else {
            continue;
        };
        if let Some(joined) = row.opt_text("qs")? {
            *slot = joined
                .split(',')
                .map(|q| q.parse::<u64>().map_err(corrupt))
                .collect::<Result<_>>()?;
        }
    }
    Ok(histories)
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
