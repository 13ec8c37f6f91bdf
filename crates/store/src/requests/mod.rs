//! Requests: recorded with their first event and clocks in one transaction,
//! changed under the request's row lock (status, clocks and events move
//! together), and listed for the caller's parties only.
//!
//! The SLA clocks live as JSON in the request's row, beside the columns the
//! queue and the timers need (`sla_due_at`, `next_alarm_at`, the at-risk
//! and breached flags, and the queue's sort key `queue_key`), which every
//! write recomputes from them.

mod alarms;
pub(crate) mod create;
mod list;

pub(crate) use create::GroupCommit;
pub(crate) use list::push_visible;

use async_trait::async_trait;
use kept_domain::progress::{self, NewEvent, Progress, RequestChange, SlaSummary, summarise};
use kept_domain::queue;
use kept_domain::request::sla_state;
use kept_domain::sla::{RequestClock, start_clocks};
use kept_domain::{
    Actor, EventKind, Page, PartyScope, Request, RequestEvent, RequestId, RequestStatus, Timestamp,
    Topic, UserId,
};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::notify::outbox::{Enqueued, enqueue};
use crate::query::{RequestQuery, RequestRecord};
use crate::sql::{RowExt, Sql, micros, now};
use crate::{RequestStore, SqlStore};

/// `SELECT` of the columns [`from_row`] reads (and `$extra` ones) from a
/// request with its contract, which visibility needs.
macro_rules! select {
    ($extra:literal) => {
        concat!(
            "SELECT r.number, r.id, r.contract_id, r.customer_id, r.requester_id, r.service_id, \
             r.kind, r.priority, r.quantity, r.effort_secs, r.subject, r.description, r.status, \
             r.terms_version, r.calendar_id, r.override_reason, r.cancel_reason, \
             r.escalated_from, r.raised_by_party, r.team_id, r.assignee_id, r.clocks, r.sla_due_at, r.sla_at_risk, \
             r.sla_breached, r.last_seq, r.created_at, r.updated_at",
            $extra,
            " FROM requests r JOIN contracts c ON c.id = r.contract_id"
        )
    };
}

pub(crate) const SELECT: &str = select!("");
/// [`SELECT`] with the queue's sort key, which the list's pages need.
pub(crate) const SELECT_KEYED: &str = select!(", r.queue_key");

/// A reference the caller named that is not there, as invalid input.
fn unknown(e: StoreError, field: &str, message: &str) -> StoreError {
    match e {
        StoreError::NotFound => StoreError::invalid(field, message),
        e => e,
    }
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Decodes a request from a row of [`SELECT`].
pub(crate) fn from_row(row: &AnyRow) -> Result<Request> {
    let status: RequestStatus = row.text("status")?.parse().map_err(corrupt)?;
    let due_at = row.opt_instant("sla_due_at")?;
    let clocks: Vec<RequestClock> = serde_json::from_str(&row.text("clocks")?).map_err(corrupt)?;
    Ok(Request {
        id: row.parsed("id")?,
        number: row.int("number")?,
        contract_id: row.parsed("contract_id")?,
        customer_id: row.parsed("customer_id")?,
        requester_id: row.parsed("requester_id")?,
        service_id: row.parsed("service_id")?,
        kind: row.text("kind")?.parse().map_err(corrupt)?,
        priority: row.parsed("priority")?,
        quantity: row
            .opt_int("quantity")?
            .map(u32::try_from)
            .transpose()
            .map_err(corrupt)?,
        effort: row
            .opt_int("effort_secs")?
            .map(|s| u64::try_from(s).map(kept_domain::calendar::BusinessDuration::from_seconds))
            .transpose()
            .map_err(corrupt)?,
        subject: row.text("subject")?,
        description: row.text("description")?,
        status,
        terms_version: row
            .opt_int("terms_version")?
            .map(u32::try_from)
            .transpose()
            .map_err(corrupt)?,
        calendar_id: row.opt_parsed("calendar_id")?,
        override_reason: row.opt_text("override_reason")?,
        cancel_reason: row.opt_text("cancel_reason")?,
        escalated_from: row.opt_parsed("escalated_from")?,
        raised_by_party: row.opt_parsed("raised_by_party")?,
        team_id: row.opt_parsed("team_id")?,
        assignee_id: row.opt_parsed("assignee_id")?,
        sla_state: sla_state(
            status,
            row.flag("sla_at_risk")?,
            row.flag("sla_breached")?,
            due_at,
        ),
        due_at,
        clocks,
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

pub(crate) fn event_from_row(row: &AnyRow) -> Result<RequestEvent> {
    Ok(RequestEvent {
        seq: row.int("seq")?,
        kind: row.text("kind")?.parse().map_err(corrupt)?,
        at: row.instant("at")?,
        actor_id: row.opt_parsed("actor_id")?,
        actor: row.text("actor")?,
        public: row.flag("public")?,
        body: row.opt_text("body")?,
        data: serde_json::from_str(&row.text("data")?).map_err(corrupt)?,
    })
}

/// Reads one request on a connection.
pub(crate) async fn fetch(conn: &mut AnyConnection, id: RequestId) -> Result<Request> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.id = $1")))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Takes the request's row lock (a no-op `UPDATE`) and reads it, with the
/// seq of its last event.
pub(crate) async fn lock(conn: &mut AnyConnection, id: RequestId) -> Result<(Request, i64)> {
    let done = sqlx::query("UPDATE requests SET last_seq = last_seq WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.id = $1")))
        .bind(id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    Ok((from_row(&row)?, row.int("last_seq")?))
}

/// Appends `events` after `last_seq`, as `actor`, at `at`, with an outbox
/// row for each that tells someone; returns them.
pub(crate) async fn append_events(
    conn: &mut AnyConnection,
    id: RequestId,
    last_seq: i64,
    actor: &Actor,
    at: Timestamp,
    events: Vec<NewEvent>,
) -> Result<Vec<RequestEvent>> {
    let mut out = Vec::with_capacity(events.len());
    for (n, e) in events.into_iter().enumerate() {
        let seq = last_seq + 1 + i64::try_from(n).map_err(corrupt)?;
        sqlx::query(
            "INSERT INTO request_events (request_id, seq, kind, at, actor_id, actor, public, body, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.to_string())
        .bind(seq)
        .bind(e.kind.as_str().to_owned())
        .bind(micros(at))
        .bind(actor.user_id.map(|u| u.to_string()))
        .bind(actor.label.clone())
        .bind(e.public)
        .bind(e.body.clone())
        .bind(e.data.to_string())
        .execute(&mut *conn)
        .await?;
        out.push(RequestEvent {
            seq,
            kind: e.kind,
            at,
            actor_id: actor.user_id,
            actor: actor.label.clone(),
            public: e.public,
            body: e.body,
            data: e.data,
        });
    }
    // Created events come through `create::insert`, which knows whether
    // the request was escalated; no other kind depends on it.
    let told: Vec<Enqueued> = out
        .iter()
        .filter_map(|e| {
            let topic = Topic::of_request_event(e.kind, e.public, &e.data, false, false)?;
            Some(Enqueued {
                topic,
                request: Some((id, e.seq)),
                change_request: None,
                data: None,
                at,
            })
        })
        .collect();
    enqueue(conn, &told).await?;
    Ok(out)
}

/// Writes a request's status, clocks and what is derived from them.
pub(crate) async fn save_progress(
    conn: &mut AnyConnection,
    id: RequestId,
    progress: &Progress,
    summary: SlaSummary,
    last_seq: i64,
    at: Timestamp,
    cancel_reason: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE requests SET status = $1, clocks = $2, sla_due_at = $3, next_alarm_at = $4, \
         sla_at_risk = $5, sla_breached = $6, queue_key = $7, last_seq = $8, updated_at = $9, \
         cancel_reason = COALESCE($10, cancel_reason) WHERE id = $11",
    )
    .bind(progress.status.as_str().to_owned())
    .bind(serde_json::to_string(&progress.clocks).map_err(corrupt)?)
    .bind(summary.due_at.map(micros))
    .bind(summary.next_alarm_at.map(micros))
    .bind(summary.at_risk)
    .bind(summary.breached)
    .bind(queue::key(
        progress.status,
        summary.breached,
        summary.due_at,
    ))
    .bind(last_seq)
    .bind(micros(at))
    .bind(cancel_reason.map(str::to_owned))
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    if progress.status == RequestStatus::Cancelled {
        crate::orders::cancel_lines(conn, id, at).await?;
    }
    Ok(())
}

/// Tells the request downstream what happened up the chain: each public
/// event of `upstream` becomes an `upstream` event there, internal unless
/// the upstream request was routed for a party further down.
async fn pass_downstream(
    conn: &mut AnyConnection,
    upstream: &Request,
    actor: &Actor,
    at: Timestamp,
    events: &[RequestEvent],
) -> Result<()> {
    let Some(down) = upstream.escalated_from else {
        return Ok(());
    };
    let relayed: Vec<NewEvent> = events
        .iter()
        .filter(|e| e.public)
        .map(|e| NewEvent {
            kind: EventKind::Upstream,
            // A question routed up the chain for someone further down is
            // answered to them: its relays are public.
            public: upstream.raised_by_party.is_some(),
            body: e.body.clone(),
            data: json!({
                "request_id": upstream.id,
                "number": upstream.number,
                "event": e.kind.as_str(),
                "data": e.data,
            }),
        })
        .collect();
    if relayed.is_empty() {
        return Ok(());
    }
    let (downstream, last_seq) = lock(conn, down).await?;
    let at = at.max(downstream.updated_at);
    let count = i64::try_from(relayed.len()).map_err(corrupt)?;
    append_events(conn, down, last_seq, actor, at, relayed).await?;
    sqlx::query("UPDATE requests SET last_seq = last_seq + $1, updated_at = $2 WHERE id = $3")
        .bind(count)
        .bind(micros(at))
        .bind(down.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl SqlStore {
    /// `record` ready to insert: checked, its clocks started on its
    /// calendar; `via` is added to its `created` event's data.
    pub(crate) async fn prepare_request(
        &self,
        actor: &Actor,
        record: RequestRecord,
        via: Option<serde_json::Value>,
    ) -> Result<create::Prepared> {
        let new = record.new.checked()?;
        // The calendar is read before the write lock is taken, so the
        // (serialised, on SQLite) write transaction holds only the inserts.
        let calendar = match record.calendar {
            Some(calendar) => calendar,
            None => {
                let mut conn = self.db.read.acquire().await?;
                self.calendars
                    .get(&mut conn, record.calendar_id)
                    .await
                    .map_err(|e| unknown(e, "calendar_id", "no such calendar"))?
            }
        };
        let at = record
            .raised_at
            .map_or_else(now, |raised| raised.min(now()));
        let clocks = start_clocks(new.kind, &record.targets, at);
        let summary = summarise(&clocks, &calendar, record.at_risk_percent);
        Ok(create::Prepared {
            id: RequestId::new(),
            new,
            terms_version: record.terms_version,
            calendar_id: record.calendar_id,
            team_id: record.team_id,
            clocks,
            summary,
            at,
            actor: actor.clone(),
            via,
            promise: record.promise,
            lines: record.lines,
            check: record.check,
        })
    }

    /// Applies `change` to request `id` on `conn` (a transaction), under
    /// the request's row lock; `via` is added to the first event's data.
    pub(crate) async fn act_in(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        id: RequestId,
        change: RequestChange,
        at_risk_percent: u8,
        via: Option<serde_json::Value>,
    ) -> Result<(Request, Vec<RequestEvent>)> {
        let (request, last_seq) = lock(conn, id).await?;
        let calendar = self.calendars.get(conn, request.calendar_id).await?;
        // Never before the last change, even if this server's clock lags.
        let at = now().max(request.updated_at);
        let cancel_reason = match &change {
            RequestChange::Act {
                action: kept_domain::RequestAction::Cancel,
                reason,
            } => reason.clone(),
            _ => None,
        };
        let mut state = Progress {
            status: request.status,
            clocks: request.clocks.clone(),
        };
        let mut events = progress::apply(&mut state, change, at)?;
        if let (Some(via), Some(first)) = (via, events.first_mut())
            && let Some(data) = first.data.as_object_mut()
        {
            data.insert("via".into(), via);
        }
        let summary = summarise(&state.clocks, &calendar, at_risk_percent);
        if state.status == RequestStatus::Fulfilled && request.status != RequestStatus::Fulfilled {
            crate::promises::settle(conn, id, at).await?;
        }
        let count = i64::try_from(events.len()).map_err(corrupt)?;
        save_progress(
            conn,
            id,
            &state,
            summary,
            last_seq + count,
            at,
            cancel_reason.as_deref().map(str::trim),
        )
        .await?;
        let events = append_events(conn, id, last_seq, actor, at, events).await?;
        pass_downstream(conn, &request, actor, at, &events).await?;
        let request = fetch(conn, id).await?;
        Ok((request, events))
    }
}

/// The request `prepared` became once recorded as number `number`.
pub(crate) fn recorded(prepared: create::Prepared, number: i64) -> Request {
    let (new, summary) = (prepared.new, prepared.summary);
    Request {
        id: prepared.id,
        number,
        contract_id: new.contract_id,
        customer_id: new.customer_id,
        requester_id: new.requester_id,
        service_id: new.service_id,
        kind: new.kind,
        priority: new.priority,
        quantity: new.quantity,
        effort: new.effort,
        subject: new.subject,
        description: new.description,
        status: RequestStatus::New,
        terms_version: prepared.terms_version,
        calendar_id: prepared.calendar_id,
        override_reason: new.override_reason,
        cancel_reason: None,
        escalated_from: new.escalated_from,
        raised_by_party: new.raised_by_party,
        team_id: prepared.team_id,
        assignee_id: None,
        sla_state: sla_state(
            RequestStatus::New,
            summary.at_risk,
            summary.breached,
            summary.due_at,
        ),
        due_at: summary.due_at,
        clocks: prepared.clocks,
        created_at: prepared.at,
        updated_at: prepared.at,
    }
}

#[async_trait]
impl RequestStore for SqlStore {
    #[tracing::instrument(skip(self, actor, record), err(level = "debug"))]
    async fn create_request(&self, actor: &Actor, record: RequestRecord) -> Result<Request> {
        let mut prepared = self.prepare_request(actor, record, None).await?;
        let number = match prepared.new.escalated_from {
            None => self.group_commit.record(&self.db, prepared.clone()).await?,
            Some(down) => {
                let mut tx = self.db.begin().await?;
                // The request it escalates is locked (and checked) first: an
                // unknown one is the caller's mistake, not a foreign-key failure.
                let (downstream, last_seq) = lock(&mut tx, down)
                    .await
                    .map_err(|e| unknown(e, "escalated_from", "no such request"))?;
                crate::orders::settle_one(&mut tx, &mut prepared).await?;
                let number = create::insert(&mut tx, &[&prepared]).await?[0];
                let note = NewEvent::new(
                    EventKind::Escalated,
                    prepared.new.raised_by_party.is_some(),
                    json!({ "request_id": prepared.id, "number": number, "contract_id": prepared.new.contract_id }),
                );
                let at = prepared.at.max(downstream.updated_at);
                append_events(&mut tx, down, last_seq, actor, at, vec![note]).await?;
                sqlx::query(
                    "UPDATE requests SET last_seq = last_seq + 1, updated_at = $1 WHERE id = $2",
                )
                .bind(micros(at))
                .bind(down.to_string())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                number
            }
        };
        Ok(recorded(prepared, number))
    }

    async fn request(&self, id: RequestId) -> Result<Request> {
        let mut conn = self.db.read.acquire().await?;
        fetch(&mut conn, id).await
    }

    async fn request_by_number(&self, number: i64) -> Result<Request> {
        let mut conn = self.db.read.acquire().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.number = $1")))
            .bind(number)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    async fn visible_request(
        &self,
        id: RequestId,
        scope: &PartyScope,
        user: Option<UserId>,
    ) -> Result<Request> {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE r.id = ").bind(id.to_string());
        list::push_visible(&mut sql, scope, user);
        let mut conn = self.db.read.acquire().await?;
        let row = sql
            .query()
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    async fn list_requests(&self, query: &RequestQuery) -> Result<Page<Request>> {
        list::list(&self.db, query).await
    }

    async fn open_request_counts(&self, query: &RequestQuery) -> Result<Vec<crate::OpenCount>> {
        list::open_counts(&self.db, query).await
    }

    async fn request_events(
        &self,
        id: RequestId,
        include_internal: bool,
    ) -> Result<Vec<RequestEvent>> {
        let mut sql = Sql::new(
            "SELECT seq, kind, at, actor_id, actor, public, body, data FROM request_events WHERE request_id = ",
        );
        sql.bind(id.to_string());
        if !include_internal {
            sql.push(" AND public = TRUE");
        }
        sql.push(" ORDER BY seq");
        let mut conn = self.db.read.acquire().await?;
        let rows = sql.query().fetch_all(&mut *conn).await?;
        rows.iter().map(event_from_row).collect()
    }

    #[tracing::instrument(skip(self, actor, change), err(level = "debug"))]
    async fn act_on_request(
        &self,
        actor: &Actor,
        id: RequestId,
        change: RequestChange,
        at_risk_percent: u8,
    ) -> Result<(Request, Vec<RequestEvent>)> {
        let mut tx = self.db.begin().await?;
        let done = self
            .act_in(&mut tx, actor, id, change, at_risk_percent, None)
            .await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn compiled_calendar(
        &self,
        id: Option<kept_domain::CalendarId>,
    ) -> Result<std::sync::Arc<kept_domain::calendar::Calendar>> {
        let mut conn = self.db.read.acquire().await?;
        self.calendars.get(&mut conn, id).await
    }

    async fn raise_due_alarms(
        &self,
        now: Timestamp,
        limit: u32,
        at_risk_percent: u8,
    ) -> Result<Vec<(RequestId, RequestEvent)>> {
        alarms::raise(self, now, limit, at_risk_percent).await
    }
}
