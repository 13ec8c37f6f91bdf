//! Listing requests: who may see which, the queue's filters and its order
//! (breached first, then the soonest due, then the oldest: see
//! [`kept_domain::queue`]), with keyset pages in either order, each read
//! from an index in that order.

use kept_domain::{Cursor, Page, PartyScope, Request, RequestStatus, SlaState, UserId, queue};

use super::{SELECT_KEYED, from_row};
use crate::db::Db;
use crate::error::Result;
use crate::parties::{push_in_scope, reach_of};
use crate::query::{OpenCount, RequestOrder, RequestQuery};
use crate::sql::{RowExt, Sql, micros};

/// The condition that a request is visible: the caller reaches its
/// contract's provider or client, or its customer, or asked it.
pub(crate) fn push_visible(sql: &mut Sql, scope: &PartyScope, user: Option<UserId>) {
    // Context parties (a head office above one's site) are visible by name
    // only: their requests are not.
    let Some(reach) = reach_of(scope) else {
        return;
    };
    sql.push(" AND (");
    push_in_scope(sql, "c.provider_id", &reach);
    sql.push(" OR ");
    push_in_scope(sql, "c.client_id", &reach);
    sql.push(" OR ");
    push_in_scope(sql, "r.customer_id", &reach);
    if let Some(user) = user {
        sql.push(" OR r.requester_id = ").bind(user.to_string());
    }
    sql.push(")");
}

/// The condition that a request is open, through its sort key (closed
/// requests sort last, alone); `1 = 1` when the page's key range already
/// holds only open requests, so the query has one bound on the key and the
/// index range is the tightest one (SQLite uses one upper bound of a range).
fn push_open(sql: &mut Sql, bounded: bool) {
    if bounded {
        sql.push("1 = 1");
    } else {
        sql.push("r.queue_key <= ").bind(queue::OPEN_LAST);
    }
}

/// The SQL form of one SLA state, matching [`kept_domain::request::sla_state`].
fn push_sla(sql: &mut Sql, state: SlaState, bounded: bool) {
    sql.push("(");
    match state {
        SlaState::Breached => {
            push_open(sql, bounded);
            sql.push(" AND r.sla_breached = TRUE");
        }
        SlaState::AtRisk => {
            push_open(sql, bounded);
            sql.push(" AND r.sla_breached = FALSE AND r.sla_at_risk = TRUE");
        }
        SlaState::Paused => {
            sql.push(
                "r.status = 'awaiting_customer' AND r.sla_breached = FALSE AND r.sla_at_risk = FALSE",
            );
        }
        SlaState::OnTrack => {
            push_open(sql, bounded);
            sql.push(
                " AND r.status <> 'awaiting_customer' AND r.sla_breached = FALSE \
                 AND r.sla_at_risk = FALSE AND r.sla_due_at IS NOT NULL",
            );
        }
        SlaState::None => {
            sql.push("NOT (");
            push_open(sql, bounded);
            sql.push(") OR (r.status <> 'awaiting_customer' AND r.sla_breached = FALSE AND r.sla_at_risk = FALSE AND r.sla_due_at IS NULL)");
        }
    }
    sql.push(")");
}

/// The filters of `q`; `bounded` when the caller limits the sort key to
/// open requests.
fn push_filters(sql: &mut Sql, q: &RequestQuery, bounded: bool) -> Result<()> {
    push_visible(sql, &q.scope, q.user);
    if let Some(contract) = q.contract_id {
        sql.push(" AND r.contract_id = ").bind(contract.to_string());
    }
    if let Some(customer) = q.customer_id {
        sql.push(
            " AND r.customer_id IN (SELECT descendant_id FROM party_ancestors WHERE ancestor_id = ",
        )
        .bind(customer.to_string())
        .push(")");
    }
    if let Some(requester) = q.requester_id {
        sql.push(" AND r.requester_id = ")
            .bind(requester.to_string());
    }
    if let Some(kind) = q.kind {
        sql.push(" AND r.kind = ").bind(kind.as_str().to_owned());
    }
    if !q.sla.is_empty() {
        sql.push(" AND (");
        for (n, state) in q.sla.iter().enumerate() {
            if n > 0 {
                sql.push(" OR ");
            }
            push_sla(sql, *state, bounded);
        }
        sql.push(")");
    }
    if let Some(before) = q.due_before {
        sql.push(" AND r.sla_due_at < ").bind(micros(before));
    }
    if let Some(down) = q.escalated_from {
        sql.push(" AND r.escalated_from = ").bind(down.to_string());
    }
    if q.from_downstream {
        sql.push(" AND (r.escalated_from IS NOT NULL OR r.raised_by_party IS NOT NULL)");
    }
    Ok(())
}

/// The highest sort key a row matching `q` can have, when the filters
/// bound it: an index range then ends where the matching rows end, rather
/// than at the end of the table (closed requests sort last, breached first,
/// and due instants in between).
fn key_last(q: &RequestQuery) -> Option<i64> {
    let open_statuses = !q.statuses.is_empty() && q.statuses.iter().all(|s| s.is_open());
    let open_sla = !q.sla.is_empty() && !q.sla.contains(&SlaState::None);
    let bounds = [
        (open_statuses || open_sla).then_some(queue::OPEN_LAST),
        (!q.sla.is_empty() && q.sla.iter().all(|s| *s == SlaState::Breached))
            .then_some(queue::BREACHED_LAST),
        q.due_before.map(queue::due_before_last),
    ];
    bounds.into_iter().flatten().min()
}

/// Where the previous page ended.
enum After {
    /// The first page.
    Start,
    /// After this sort key and number, in the urgency order.
    Key(i64, i64),
    /// Before this number, newest first.
    Number(i64),
}

impl After {
    fn of(q: &RequestQuery) -> Result<Self> {
        let Some(c) = &q.cursor else {
            return Ok(Self::Start);
        };
        Ok(match q.order {
            RequestOrder::Urgency => {
                let key = Cursor::decode("cursor", c, 2)?;
                Self::Key(parse_key(&key[0])?, parse_key(&key[1])?)
            }
            RequestOrder::Newest => Self::Number(parse_key(&Cursor::decode("cursor", c, 1)?[0])?),
        })
    }
}

/// One ordered scan: the requests matching `q` in `status` (any status
/// when `None`; `q.statuses` is left to the caller), after the cursor, in
/// the page's order, at most a page.
fn push_branch(
    sql: &mut Sql,
    q: &RequestQuery,
    status: Option<RequestStatus>,
    after: &After,
) -> Result<()> {
    // The key range the filters allow, in the urgency order only: newest
    // first reads by number, and a range on the key would only mislead.
    let last = match q.order {
        RequestOrder::Urgency => key_last(q),
        RequestOrder::Newest => None,
    };
    sql.push(SELECT_KEYED).push(" WHERE 1 = 1");
    if let Some(status) = status {
        sql.push(" AND r.status = ")
            .bind(status.as_str().to_owned());
    }
    if let Some(last) = last {
        sql.push(" AND r.queue_key <= ").bind(last);
    }
    push_filters(sql, q, last.is_some_and(|l| l <= queue::OPEN_LAST))?;
    match after {
        After::Start => {}
        After::Key(key, number) => {
            sql.push(" AND (r.queue_key, r.number) > (")
                .bind(*key)
                .push(", ")
                .bind(*number)
                .push(")");
        }
        After::Number(number) => {
            sql.push(" AND r.number < ").bind(*number);
        }
    }
    sql.push(match q.order {
        RequestOrder::Urgency => " ORDER BY r.queue_key, r.number",
        RequestOrder::Newest => " ORDER BY r.number DESC",
    });
    sql.limit(u64::from(q.limit.get()) + 1);
    Ok(())
}

/// The SQL of a page of `q`: one ordered index scan, so a page reads about
/// a page of rows however many requests there are. Several statuses are one
/// scan each (an index on status and the order serves each), merged: an
/// `IN` list would match rows in status order and sort them all.
pub(crate) fn page_sql(q: &RequestQuery) -> Result<Sql> {
    let after = After::of(q)?;
    let mut statuses = q.statuses.clone();
    statuses.sort_by_key(|s| s.as_str());
    statuses.dedup();
    let mut sql = Sql::new("");
    if statuses.len() <= 1 {
        push_branch(&mut sql, q, statuses.first().copied(), &after)?;
        return Ok(sql);
    }
    for (n, status) in statuses.iter().enumerate() {
        if n > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT * FROM (");
        push_branch(&mut sql, q, Some(*status), &after)?;
        sql.push(&format!(") AS s{n}"));
    }
    sql.push(match q.order {
        RequestOrder::Urgency => " ORDER BY queue_key, number",
        RequestOrder::Newest => " ORDER BY number DESC",
    });
    sql.limit(u64::from(q.limit.get()) + 1);
    Ok(sql)
}

/// A page of requests.
pub(crate) async fn list(db: &Db, q: &RequestQuery) -> Result<Page<Request>> {
    let sql = page_sql(q)?;
    let mut conn = db.read.acquire().await?;
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let items = rows
        .iter()
        .map(|row| Ok((row.int("queue_key")?, from_row(row)?)))
        .collect::<Result<Vec<_>>>()?;
    let order = q.order;
    let page = Page::from_overfetch(items, q.limit, |(key, r)| match order {
        RequestOrder::Urgency => Cursor::encode(&[&key.to_string(), &r.number.to_string()]),
        RequestOrder::Newest => Cursor::encode(&[&r.number.to_string()]),
    });
    Ok(page.map(|(_, r)| r))
}

/// The open requests matching `q` (its statuses, order, cursor and limit
/// aside), counted by customer, with how many breached a target.
pub(crate) async fn open_counts(db: &Db, q: &RequestQuery) -> Result<Vec<OpenCount>> {
    let mut sql = Sql::new(
        "SELECT r.customer_id, COUNT(*) AS open, \
         SUM(CASE WHEN r.sla_breached = TRUE THEN 1 ELSE 0 END) AS breached \
         FROM requests r JOIN contracts c ON c.id = r.contract_id WHERE r.queue_key <= ",
    );
    sql.bind(queue::OPEN_LAST);
    push_filters(&mut sql, q, true)?;
    sql.push(" GROUP BY r.customer_id ORDER BY r.customer_id");
    let mut conn = db.read.acquire().await?;
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            let count = |column: &str| -> Result<u64> {
                u64::try_from(row.int(column)?)
                    .map_err(|e| crate::StoreError::Corrupt(e.to_string()))
            };
            Ok(OpenCount {
                customer_id: row.parsed("customer_id")?,
                open: count("open")?,
                breached: count("breached")?,
            })
        })
        .collect()
}

fn parse_key(raw: &str) -> Result<i64> {
    raw.parse().map_err(|_| {
        kept_domain::FieldError::new("cursor", "is not a cursor this list returned").into()
    })
}

#[cfg(test)]
mod plans;
