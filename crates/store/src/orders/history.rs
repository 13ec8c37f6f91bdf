//! The quantity check's read of customers' recent orders of items: one
//! statement for every history a group of orders needs, with one row per
//! customer and item (their last quantities joined into one text), rather
//! than one statement and a row per past order for each. The group commit
//! reads them in the transaction that records the orders.

use kept_domain::{PartyId, ServiceId};
use sqlx::AnyConnection;

use crate::error::{Result, StoreError};
use crate::sql::{RowExt, Sql};

/// The most histories one statement reads; a larger group reads in parts.
pub(crate) const MAX_BATCH: usize = 32;

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

/// The quantities, in thousandths, of each of `wanted`'s last orders, in
/// order; statements of at most [`MAX_BATCH`] histories each.
pub(crate) async fn read_all(conn: &mut AnyConnection, wanted: &[Wanted]) -> Result<Vec<Vec<u64>>> {
    let mut histories = Vec::with_capacity(wanted.len());
    for part in wanted.chunks(MAX_BATCH) {
        histories.extend(read(conn, part).await?);
    }
    Ok(histories)
}

/// One branch per customer and item: the index on (customer, service,
/// ordered_at) gives the last orders, newest first; `string_agg` with its
/// own `ORDER BY` (SQLite 3.44 and PostgreSQL alike) joins them into one
/// row, keeping that order.
async fn read(conn: &mut AnyConnection, wanted: &[Wanted]) -> Result<Vec<Vec<u64>>> {
    // A statement per batch size is planned (PostgreSQL plans each on
    // every connection before it settles on a generic plan): batches are
    // padded to a power of two, so there are six. A padding branch asks
    // for the history of no customer: one look in the index finds nothing.
    let size = wanted.len().next_power_of_two();
    let Some(last) = wanted.last() else {
        return Ok(Vec::new());
    };
    let branches = wanted
        .iter()
        .map(|w| (w.customer.to_string(), w.service.to_string(), w.limit))
        .chain(std::iter::repeat_n(
            (String::new(), String::new(), last.limit),
            size - wanted.len(),
        ));
    let mut sql = Sql::on(conn, "");
    for (n, (customer, service, limit)) in branches.enumerate() {
        if n > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(&format!(
            "SELECT CAST({n} AS BIGINT) AS k, string_agg(CAST(h.q AS TEXT), ',' ORDER BY h.at DESC) AS qs FROM \
             (SELECT l.quantity_milli AS q, l.ordered_at AS at FROM order_lines l \
             WHERE l.customer_id = "
        ))
        .bind(customer)
        .push(" AND l.service_id = ")
        .bind(service)
        .push(concat!(" AND ", counted!(), " ORDER BY l.ordered_at DESC"))
        .limit(u64::from(limit))
        .push(") h");
    }
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let mut histories = vec![Vec::new(); wanted.len()];
    for row in rows {
        let k = usize::try_from(row.int("k")?).map_err(corrupt)?;
        if k >= size {
            return Err(corrupt(format!("history {k} was not asked for")));
        }
        // A padding branch has no slot.
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

/// The quantities of the last `limit` orders of `service` by any
/// customer, newest first.
pub(crate) async fn item_history(
    conn: &mut AnyConnection,
    service: ServiceId,
    limit: u32,
) -> Result<Vec<u64>> {
    let mut sql = Sql::new("SELECT l.quantity_milli FROM order_lines l WHERE l.service_id = ");
    sql.bind(service.to_string())
        .push(concat!(" AND ", counted!(), " ORDER BY l.ordered_at DESC"))
        .limit(u64::from(limit));
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            let q = row.int("quantity_milli")?;
            u64::try_from(q).map_err(corrupt)
        })
        .collect()
}
