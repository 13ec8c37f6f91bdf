//! Recording new requests, with group commit.
//!
//! A new request is two rows: the request (with its clocks) and its
//! `created` event. Under load, requests raised at the same moment share
//! one transaction: a single writer task takes every request waiting when
//! it is free and records them with one multi-row `INSERT` per table, so
//! the database does one commit, and each index page is written once, for
//! the group. Each request's rows still land atomically (all of a group or
//! none of it); when a group fails, each of its requests is retried in a
//! transaction of its own, so one bad request fails alone.
//!
//! Escalations also lock and note the request they escalate, and take the
//! one-request path.
//!
//! Each request's outbox row (its requester, or the supplier it was
//! escalated to, is told) is written with it, in the same transaction.

use kept_domain::order::{NewOrderLine, OrderToSettle};
use kept_domain::progress::{NewEvent, SlaSummary};
use kept_domain::queue;
use kept_domain::sla::RequestClock;
use kept_domain::{Actor, EventKind, NewRequest, RequestId, RequestStatus, Timestamp, Topic};
use serde_json::json;
use sqlx::AnyConnection;

use crate::batch::{BatchFuture, Batcher, Job};
use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::notify::outbox::{Enqueued, enqueue};
use crate::orders::{answered, insert_lines, quantity_answered, settle_group};
use crate::promises::{PROMISE_INSERT, PromiseRecord, bind_promise, promise_made};
use crate::sql::{RowExt, Sql, micros};

/// The most requests one group commit records.
const MAX_GROUP: usize = 64;

/// The columns of a new request, in the order [`Prepared::bind`] binds them.
const COLUMNS: &str = "id, contract_id, customer_id, requester_id, service_id, kind, priority, \
     quantity, effort_secs, subject, description, status, terms_version, calendar_id, \
     override_reason, escalated_from, raised_by_party, team_id, clocks, sla_due_at, next_alarm_at, \
     sla_at_risk, sla_breached, queue_key, last_seq, created_at, updated_at";

/// A new request ready to insert.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// Its id.
    pub id: RequestId,
    /// What was asked.
    pub new: NewRequest,
    /// The terms version it is measured against.
    pub terms_version: Option<u32>,
    /// The calendar its clocks run on.
    pub calendar_id: Option<kept_domain::CalendarId>,
    /// The team it is assigned to at intake (its service's default team).
    pub team_id: Option<kept_domain::PartyId>,
    /// Its clocks.
    pub clocks: Vec<RequestClock>,
    /// What the queue and the timers need of them.
    pub summary: SlaSummary,
    /// When it was raised.
    pub at: Timestamp,
    /// Who raised it.
    pub actor: Actor,
    /// How it came in, when not through the API (a message's details),
    /// added to its `created` event's data.
    pub via: Option<serde_json::Value>,
    /// The promise made as it is accepted: a `promises` row and a
    /// `promise_made` event (its second) recorded with it.
    pub promise: Option<PromiseRecord>,
    /// An order's lines.
    pub lines: Vec<NewOrderLine>,
    /// An order's lines waiting for the quantity check, settled into
    /// `lines` in the transaction that records it.
    pub check: Option<OrderToSettle>,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl Prepared {
    /// Appends `(…)` with this request's values to a multi-row `VALUES`.
    fn bind(&self, sql: &mut Sql) -> Result<()> {
        let new = &self.new;
        sql.push("(")
            .bind(self.id.to_string())
            .push(", ")
            .bind(new.contract_id.to_string())
            .push(", ")
            .bind(new.customer_id.to_string())
            .push(", ")
            .bind(new.requester_id.to_string())
            .push(", ")
            .bind(new.service_id.to_string())
            .push(", ")
            .bind(new.kind.as_str().to_owned())
            .push(", ")
            .bind(new.priority.as_str().to_owned())
            .push(", ")
            .bind(new.quantity.map(i64::from))
            .push(", ")
            .bind(
                new.effort
                    .map(|e| i64::try_from(e.as_seconds()))
                    .transpose()
                    .map_err(corrupt)?,
            )
            .push(", ")
            .bind(new.subject.clone())
            .push(", ")
            .bind(new.description.clone())
            .push(", ")
            .bind(RequestStatus::New.as_str().to_owned())
            .push(", ")
            .bind(self.terms_version.map(i64::from))
            .push(", ")
            .bind(self.calendar_id.map(|c| c.to_string()))
            .push(", ")
            .bind(new.override_reason.clone())
            .push(", ")
            .bind(new.escalated_from.map(|r| r.to_string()))
            .push(", ")
            .bind(new.raised_by_party.map(|p| p.to_string()))
            .push(", ")
            .bind(self.team_id.map(|t| t.to_string()))
            .push(", ")
            .bind(serde_json::to_string(&self.clocks).map_err(corrupt)?)
            .push(", ")
            .bind(self.summary.due_at.map(micros))
            .push(", ")
            .bind(self.summary.next_alarm_at.map(micros))
            .push(", ")
            .bind(self.summary.at_risk)
            .push(", ")
            .bind(self.summary.breached)
            .push(", ")
            .bind(queue::key(
                RequestStatus::New,
                self.summary.breached,
                self.summary.due_at,
            ))
            .push(", ")
            .bind(self.last_seq())
            .push(", ")
            .bind(micros(self.at))
            .push(", ")
            .bind(micros(self.at))
            .push(")");
        Ok(())
    }

    /// The sequence number of its last event once recorded.
    fn last_seq(&self) -> i64 {
        let count = 1 + usize::from(self.promise.is_some()) + answered(&self.lines).count();
        i64::try_from(count).unwrap_or(i64::MAX)
    }

    /// Its events in order, with their sequence numbers: `created`, the
    /// promise made with it, and the answers to its lines' questions.
    fn events(&self) -> impl Iterator<Item = (i64, NewEvent)> + '_ {
        std::iter::once(self.created_event())
            .chain(self.promise_event())
            .chain(answered(&self.lines).map(|(n, line)| quantity_answered(n, line)))
            .zip(1_i64..)
            .map(|(event, seq)| (seq, event))
    }

    /// Its `promise_made` event, when a promise is made as it is accepted.
    fn promise_event(&self) -> Option<NewEvent> {
        let record = self.promise?;
        let mut event = promise_made(&record);
        if let Some(data) = event.data.as_object_mut() {
            data.insert("at_intake".into(), true.into());
        }
        Some(event)
    }

    /// Its `created` event.
    pub fn created_event(&self) -> NewEvent {
        let new = &self.new;
        let mut data = json!({
                "kind": new.kind.as_str(),
                "priority": new.priority.as_str(),
                "terms_version": self.terms_version,
                "override_reason": new.override_reason,
                "escalated_from": new.escalated_from,
                "clocks": self.clocks.iter().map(|c| json!({ "clock": c.kind.as_str(), "target": c.target.to_string() })).collect::<Vec<_>>(),
        });
        if let (Some(via), Some(data)) = (&self.via, data.as_object_mut()) {
            data.insert("via".into(), via.clone());
        }
        // The acknowledgement tells the date promised with it.
        if let (Some(promise), Some(data)) = (&self.promise, data.as_object_mut()) {
            data.insert("promise".into(), json!({ "date": promise.decision.date }));
        }
        NewEvent {
            kind: EventKind::Created,
            public: true,
            body: None,
            data,
        }
    }
}

/// Inserts the requests and their `created` events on `conn` (inside a
/// transaction); returns their numbers, in order.
pub(crate) async fn insert(conn: &mut AnyConnection, group: &[&Prepared]) -> Result<Vec<i64>> {
    let mut sql = Sql::on(conn, &format!("INSERT INTO requests ({COLUMNS}) VALUES "));
    for (n, p) in group.iter().enumerate() {
        if n > 0 {
            sql.push(", ");
        }
        p.bind(&mut sql)?;
    }
    sql.push(" RETURNING id, number");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let mut numbers = Vec::with_capacity(group.len());
    for p in group {
        let id = p.id.to_string();
        let row = rows
            .iter()
            .find(|r| r.text("id").is_ok_and(|i| i == id))
            .ok_or_else(|| StoreError::Corrupt("an inserted request was not returned".into()))?;
        numbers.push(row.int("number")?);
    }
    let mut sql = Sql::on(
        conn,
        "INSERT INTO request_events (request_id, seq, kind, at, actor_id, actor, public, body, data) VALUES ",
    );
    // Sequence numbers bound as i64, as `append_events` binds them: one
    // event makes the same statement text, and PostgreSQL's prepared
    // statement cache would hand an i32 to a BIGINT parameter.
    let events = group
        .iter()
        .flat_map(|p| p.events().map(move |(seq, e)| (p, seq, e)));
    for (n, (p, seq, event)) in events.enumerate() {
        if n > 0 {
            sql.push(", ");
        }
        sql.push("(")
            .bind(p.id.to_string())
            .push(", ")
            .bind(seq)
            .push(", ")
            .bind(event.kind.as_str().to_owned())
            .push(", ")
            .bind(micros(p.at))
            .push(", ")
            .bind(p.actor.user_id.map(|u| u.to_string()))
            .push(", ")
            .bind(p.actor.label.clone())
            .push(", ")
            .bind(event.public)
            .push(", ")
            .bind(event.body)
            .push(", ")
            .bind(event.data.to_string())
            .push(")");
    }
    sql.query().execute(&mut *conn).await?;
    insert_promises(conn, group).await?;
    insert_lines(conn, group).await?;
    let told: Vec<Enqueued> = group
        .iter()
        .filter_map(|p| {
            let topic = Topic::of_request_event(
                EventKind::Created,
                true,
                &serde_json::Value::Null,
                p.new.escalated_from.is_some(),
                p.new.raised_by_party.is_some(),
            )?;
            Some(Enqueued {
                topic,
                request: Some((p.id, 1)),
                change_request: None,
                data: None,
                at: p.at,
            })
        })
        .collect();
    enqueue(conn, &told).await?;
    Ok(numbers)
}

/// Inserts the promises made as `group` is accepted, one statement for
/// all (none when none is made).
async fn insert_promises(conn: &mut AnyConnection, group: &[&Prepared]) -> Result<()> {
    let promised: Vec<(&Prepared, PromiseRecord)> = group
        .iter()
        .filter_map(|p| p.promise.map(|r| (*p, r)))
        .collect();
    if promised.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::on(conn, PROMISE_INSERT);
    for (n, (p, record)) in promised.iter().enumerate() {
        if n > 0 {
            sql.push(", ");
        }
        bind_promise(&mut sql, p.id, record, None, p.at);
    }
    sql.query().execute(&mut *conn).await?;
    Ok(())
}

/// Records in one transaction those of `group` the quantity check lets
/// through (their lines settled there); answers each with its number, or
/// with the questions that kept it out.
async fn commit(db: &Db, group: &mut [Prepared]) -> Result<Vec<Result<i64>>> {
    let mut tx = db.begin().await?;
    let questioned = settle_group(&mut tx, group).await?;
    let accepted: Vec<&Prepared> = group
        .iter()
        .zip(&questioned)
        .filter(|(_, q)| q.is_none())
        .map(|(p, _)| p)
        .collect();
    let numbers = if accepted.is_empty() {
        Vec::new()
    } else {
        insert(&mut tx, &accepted).await?
    };
    tx.commit().await?;
    let mut numbers = numbers.into_iter();
    Ok(questioned
        .into_iter()
        .map(|q| match q {
            Some(questions) => Err(StoreError::Questioned(questions)),
            None => numbers
                .next()
                .ok_or_else(|| StoreError::Corrupt("an inserted request was not returned".into())),
        })
        .collect())
}

/// The writer's batch: records every request waiting when it is free as
/// one group; when the group fails, each of its requests alone.
fn write_group(db: Db, group: Vec<Job<Prepared, i64>>) -> BatchFuture {
    Box::pin(async move {
        let (mut items, replies): (Vec<Prepared>, Vec<_>) =
            group.into_iter().map(|j| (j.item, j.reply)).unzip();
        match commit(&db, &mut items).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(e) if items.len() == 1 => {
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, size = items.len(), "a group commit failed; recording its requests one by one");
                for (item, reply) in items.into_iter().zip(replies) {
                    let outcome = commit(&db, &mut [item]).await.and_then(|o| {
                        o.into_iter().next().unwrap_or_else(|| {
                            Err(StoreError::Corrupt("a request was not answered".into()))
                        })
                    });
                    let _ = reply.send(outcome);
                }
            }
        }
    })
}

/// Hands new requests to the writer task, which records them in groups.
#[derive(Debug)]
pub(crate) struct GroupCommit(Batcher<Prepared, i64>);

impl Default for GroupCommit {
    fn default() -> Self {
        // One group at a time: each takes the write lock.
        Self(Batcher::new("the request writer", MAX_GROUP, write_group))
    }
}

impl GroupCommit {
    /// Records `prepared` in the next group; returns its number.
    pub async fn record(&self, db: &Db, prepared: Prepared) -> Result<i64> {
        self.0.submit(db, prepared).await
    }
}
