//! What the fan-out reads of a batch of outbox rows, a query per kind of
//! thing rather than per row: the requests and events told of, the people
//! addressed and the topics they turned off.

use std::collections::HashMap;

use kept_domain::{Request, RequestEvent, RequestId, Topic, UserId};

use super::Contact;
use crate::SqlStore;
use crate::error::Result;
use crate::requests::{SELECT, event_from_row, from_row};
use crate::sql::{RowExt, Sql};

/// The requests of `keys` and, of each, the event numbered by its key;
/// a key whose request or event is missing is left out.
pub(super) async fn told_events(
    store: &SqlStore,
    keys: &[(RequestId, i64)],
) -> Result<Vec<(Request, RequestEvent)>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let ids = || keys.iter().map(|(id, _)| id.to_string());
    let mut conn = store.db.read.acquire().await?;
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE r.id IN (");
    sql.bind_list(ids());
    sql.push(")");
    let requests = sql
        .query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok((row.text("id")?, from_row(row)?)))
        .collect::<Result<HashMap<String, Request>>>()?;
    // Every event of these requests with one of these numbers: a few more
    // than the keys name at most, and one query for the batch.
    let mut sql = Sql::new(
        "SELECT request_id, seq, kind, at, actor_id, actor, public, body, data \
         FROM request_events WHERE request_id IN (",
    );
    sql.bind_list(ids());
    sql.push(") AND seq IN (");
    sql.bind_list(keys.iter().map(|(_, seq)| *seq));
    sql.push(")");
    let mut events = HashMap::new();
    for row in sql.query().fetch_all(&mut *conn).await? {
        events.insert((row.text("request_id")?, row.int("seq")?), row);
    }
    let mut out = Vec::with_capacity(keys.len());
    for (id, seq) in keys {
        let id = id.to_string();
        if let (Some(request), Some(row)) = (requests.get(&id), events.get(&(id.clone(), *seq))) {
            out.push((request.clone(), event_from_row(row)?));
        }
    }
    Ok(out)
}

/// The active users among `ids`, as contacts.
pub(super) async fn user_contacts(store: &SqlStore, ids: &[UserId]) -> Result<Vec<Contact>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT u.id, u.email, p.name FROM users u JOIN parties p ON p.id = u.party_id \
         WHERE u.archived_at IS NULL AND u.id IN (",
    );
    sql.bind_list(ids.iter().map(ToString::to_string));
    sql.push(") ORDER BY u.email");
    contacts_of(store, sql).await
}

/// The contacts `sql` selects (`id`, `email` and `name` of each).
pub(super) async fn contacts_of(store: &SqlStore, sql: Sql) -> Result<Vec<Contact>> {
    let mut conn = store.db.read.acquire().await?;
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(Contact {
                user_id: r.parsed("id")?,
                email: r.text("email")?,
                name: r.text("name")?,
            })
        })
        .collect()
}

/// The topics each of `users` turned off (a user with none is absent).
pub(super) async fn opt_outs(
    store: &SqlStore,
    users: &[UserId],
) -> Result<HashMap<UserId, Vec<Topic>>> {
    let mut out: HashMap<UserId, Vec<Topic>> = HashMap::new();
    if users.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new("SELECT user_id, topic FROM notification_opt_outs WHERE user_id IN (");
    sql.bind_list(users.iter().map(ToString::to_string));
    sql.push(")");
    let mut conn = store.db.read.acquire().await?;
    for row in sql.query().fetch_all(&mut *conn).await? {
        // A topic this version no longer has is ignored, not an error.
        if let Ok(topic) = row.text("topic")?.parse() {
            out.entry(row.parsed("user_id")?).or_default().push(topic);
        }
    }
    Ok(out)
}
