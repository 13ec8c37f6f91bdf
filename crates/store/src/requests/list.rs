//! Listing requests: who may see which, the queue's filters and its order
//! (breached first, then the earliest due, then the oldest), with keyset
//! pages in either order.

use kept_domain::{Cursor, Page, PartyScope, Request, RequestStatus, SlaState, UserId};

use super::{SELECT, from_row};
use crate::db::Db;
use crate::error::Result;
use crate::parties::{push_in_scope, reach_of};
use crate::query::{RequestOrder, RequestQuery};
use crate::sql::{Sql, micros};

/// The sort key of a request without a running clock: after every due one.
const NEVER: i64 = i64::MAX;

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

const OPEN: [RequestStatus; 4] = [
    RequestStatus::New,
    RequestStatus::Acknowledged,
    RequestStatus::InProgress,
    RequestStatus::AwaitingCustomer,
];

fn push_open(sql: &mut Sql) {
    sql.push("r.status IN (")
        .bind_list(OPEN.iter().map(|s| s.as_str().to_owned()))
        .push(")");
}

/// The SQL form of one SLA state, matching [`kept_domain::request::sla_state`].
fn push_sla(sql: &mut Sql, state: SlaState) {
    sql.push("(");
    match state {
        SlaState::Breached => {
            push_open(sql);
            sql.push(" AND r.sla_breached = TRUE");
        }
        SlaState::AtRisk => {
            push_open(sql);
            sql.push(" AND r.sla_breached = FALSE AND r.sla_at_risk = TRUE");
        }
        SlaState::Paused => {
            sql.push(
                "r.status = 'awaiting_customer' AND r.sla_breached = FALSE AND r.sla_at_risk = FALSE",
            );
        }
        SlaState::OnTrack => {
            push_open(sql);
            sql.push(
                " AND r.status <> 'awaiting_customer' AND r.sla_breached = FALSE \
                 AND r.sla_at_risk = FALSE AND r.sla_due_at IS NOT NULL",
            );
        }
        SlaState::None => {
            sql.push("NOT (");
            push_open(sql);
            sql.push(") OR (r.status <> 'awaiting_customer' AND r.sla_breached = FALSE AND r.sla_at_risk = FALSE AND r.sla_due_at IS NULL)");
        }
    }
    sql.push(")");
}

fn push_filters(sql: &mut Sql, q: &RequestQuery) -> Result<()> {
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
    if !q.statuses.is_empty() {
        sql.push(" AND r.status IN (")
            .bind_list(q.statuses.iter().map(|s| s.as_str().to_owned()))
            .push(")");
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
            push_sla(sql, *state);
        }
        sql.push(")");
    }
    if let Some(before) = q.due_before {
        sql.push(" AND r.sla_due_at < ").bind(micros(before));
    }
    if let Some(down) = q.escalated_from {
        sql.push(" AND r.escalated_from = ").bind(down.to_string());
    }
    Ok(())
}

fn due_key(r: &Request) -> i64 {
    r.due_at.map_or(NEVER, micros)
}

/// The stored breached flag: only a clock still counting (so only an open
/// request) keeps it, which is exactly when the state says breached.
fn breached(r: &Request) -> bool {
    r.sla_state == SlaState::Breached
}

/// A page of requests.
pub(crate) async fn list(db: &Db, q: &RequestQuery) -> Result<Page<Request>> {
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE 1 = 1");
    push_filters(&mut sql, q)?;
    let due = "COALESCE(r.sla_due_at, 9223372036854775807)";
    match q.order {
        RequestOrder::Urgency => {
            if let Some(c) = &q.cursor {
                let key = Cursor::decode("cursor", c, 3)?;
                let (was_breached, due_at, number) =
                    (key[0] == "1", parse_key(&key[1])?, parse_key(&key[2])?);
                // Breached rows come first: after a breached cursor, the
                // rest of the breached rows and then every other row.
                let flag = if was_breached { "TRUE" } else { "FALSE" };
                sql.push(" AND (");
                if was_breached {
                    sql.push("r.sla_breached = FALSE OR ");
                }
                sql.push(&format!("(r.sla_breached = {flag} AND ({due} > "))
                    .bind(due_at)
                    .push(&format!(" OR ({due} = "))
                    .bind(due_at)
                    .push(" AND r.number > ")
                    .bind(number)
                    .push("))))");
            }
            sql.push(&format!(
                " ORDER BY r.sla_breached DESC, {due} ASC, r.number ASC LIMIT "
            ));
        }
        RequestOrder::Newest => {
            if let Some(c) = &q.cursor {
                let key = Cursor::decode("cursor", c, 1)?;
                sql.push(" AND r.number < ").bind(parse_key(&key[0])?);
            }
            sql.push(" ORDER BY r.number DESC LIMIT ");
        }
    }
    sql.bind(i64::from(q.limit.get()) + 1);
    let mut conn = db.read.acquire().await?;
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(match q.order {
        RequestOrder::Urgency => Page::from_overfetch(items, q.limit, |r| {
            Cursor::encode(&[
                if breached(r) { "1" } else { "0" },
                &due_key(r).to_string(),
                &r.number.to_string(),
            ])
        }),
        RequestOrder::Newest => {
            Page::from_overfetch(items, q.limit, |r| Cursor::encode(&[&r.number.to_string()]))
        }
    })
}

fn parse_key(raw: &str) -> Result<i64> {
    raw.parse().map_err(|_| {
        kept_domain::FieldError::new("cursor", "is not a cursor this list returned").into()
    })
}
