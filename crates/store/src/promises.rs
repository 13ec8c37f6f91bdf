//! Promises and the new dates proposed for them. Every write locks the
//! request's row first and appends the request's event (with its outbox
//! row) in the same transaction, so the history, the promise and who is
//! told never disagree.

use async_trait::async_trait;
use kept_domain::progress::NewEvent;
use kept_domain::promise::{
    DateProposal, Decision, Promise, PromiseAtRisk, PromiseOutcome, ProposalStatus, check_proposal,
};
use kept_domain::{Actor, DateProposalId, EventKind, PartyId, RequestEvent, RequestId, Timestamp};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::requests::{append_events, lock};
use crate::sql::{RowExt, Sql, micros, now};
use crate::{PromiseStore, SqlStore};

mod integrity;
mod watch;

pub use integrity::{IntegrityGroup, IntegrityKey, IntegrityQuery};
pub use watch::{AtRiskQuery, RiskUpdate, WatchedPromise};

const PROMISE: &str = "SELECT request_id, date, original_date, basis, sla_due, realistic, \
     beyond_sla, started_at_risk, made_by, made_at, renegotiations, renegotiated_late, outcome, \
     settled_at FROM promises";

const PROPOSAL: &str = "SELECT id, request_id, previous_date, date, reason, proposed_by, \
     proposed_at, status, answered_by, answered_at, answered_via, in_time FROM date_proposals";

fn promise_row(row: &AnyRow) -> Result<Promise> {
    Ok(Promise {
        request_id: row.parsed("request_id")?,
        date: row.instant("date")?,
        original_date: row.instant("original_date")?,
        basis: row.parsed("basis")?,
        sla_due: row.opt_instant("sla_due")?,
        realistic: row.opt_instant("realistic")?,
        beyond_sla: row.flag("beyond_sla")?,
        started_at_risk: row.flag("started_at_risk")?,
        made_by: row.opt_parsed("made_by")?,
        made_at: row.instant("made_at")?,
        renegotiations: u32::try_from(row.int("renegotiations")?).unwrap_or(u32::MAX),
        renegotiated_late: row.flag("renegotiated_late")?,
        outcome: row.opt_parsed("outcome")?,
        settled_at: row.opt_instant("settled_at")?,
    })
}

fn proposal_row(row: &AnyRow) -> Result<DateProposal> {
    Ok(DateProposal {
        id: row.parsed("id")?,
        request_id: row.parsed("request_id")?,
        previous_date: row.instant("previous_date")?,
        date: row.instant("date")?,
        reason: row.text("reason")?,
        proposed_by: row.parsed("proposed_by")?,
        proposed_at: row.instant("proposed_at")?,
        status: row.parsed("status")?,
        answered_by: row.opt_parsed("answered_by")?,
        answered_at: row.opt_instant("answered_at")?,
        answered_via: row.opt_text("answered_via")?,
        in_time: row.opt_flag("in_time")?,
    })
}

/// A promise to record for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromiseRecord {
    /// The date and how it was chosen.
    pub decision: Decision,
    /// The SLA due instant it was weighed against.
    pub sla_due: Option<Timestamp>,
    /// The planner's realistic date.
    pub realistic: Option<Timestamp>,
    /// Whether the customer is part of the provider's own organisation.
    pub internal: bool,
}

/// The insert of promises, to which [`bind_promise`] appends each row.
pub(crate) const PROMISE_INSERT: &str = "INSERT INTO promises (request_id, date, original_date, \
     basis, sla_due, realistic, beyond_sla, started_at_risk, internal, made_by, made_at) VALUES ";

/// Appends `(…)` with the values of `record` for request `id`, made by
/// `by` (none: by Kept, at intake) at `at`.
pub(crate) fn bind_promise(
    sql: &mut Sql,
    id: RequestId,
    record: &PromiseRecord,
    by: Option<kept_domain::UserId>,
    at: Timestamp,
) {
    let d = record.decision;
    sql.push("(")
        .bind(id.to_string())
        .push(", ")
        .bind(micros(d.date))
        .push(", ")
        .bind(micros(d.date))
        .push(", ")
        .bind(d.basis.as_str().to_owned())
        .push(", ")
        .bind(record.sla_due.map(micros))
        .push(", ")
        .bind(record.realistic.map(micros))
        .push(", ")
        .bind(d.beyond_sla)
        .push(", ")
        .bind(d.starts_at_risk)
        .push(", ")
        .bind(record.internal)
        .push(", ")
        .bind(by.map(|u| u.to_string()))
        .push(", ")
        .bind(micros(at))
        .push(")");
}

/// The `promise_made` event of `record`.
pub(crate) fn promise_made(record: &PromiseRecord) -> NewEvent {
    let d = record.decision;
    NewEvent::new(
        EventKind::PromiseMade,
        true,
        json!({
            "date": d.date, "basis": d.basis, "beyond_sla": d.beyond_sla,
            "starts_at_risk": d.starts_at_risk, "sla_due": record.sla_due,
            "realistic": record.realistic,
        }),
    )
}

/// A customer's answer to a proposed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// Agreed or not.
    pub accept: bool,
    /// `portal`, `link` or `api`.
    pub via: &'static str,
}

pub(crate) async fn fetch_promise(conn: &mut AnyConnection, id: RequestId) -> Result<Promise> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{PROMISE} WHERE request_id = $1"
    )))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    promise_row(&row)
}

async fn fetch_proposal(conn: &mut AnyConnection, id: DateProposalId) -> Result<DateProposal> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{PROPOSAL} WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    proposal_row(&row)
}

/// Settles the promise of a request fulfilled at `at`, if it has one still
/// open: called where the request's status becomes fulfilled.
pub(crate) async fn settle(conn: &mut AnyConnection, id: RequestId, at: Timestamp) -> Result<()> {
    let promise = match fetch_promise(conn, id).await {
        Err(StoreError::NotFound) => return Ok(()),
        other => other?,
    };
    if promise.outcome.is_some() {
        return Ok(());
    }
    let outcome: PromiseOutcome = promise.outcome_at(at);
    sqlx::query("UPDATE promises SET outcome = $1, settled_at = $2 WHERE request_id = $3")
        .bind(outcome.as_str().to_owned())
        .bind(micros(at))
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    // What waits for an answer can no longer change anything.
    sqlx::query(
        "UPDATE date_proposals SET status = 'withdrawn' WHERE request_id = $1 AND status = 'open'",
    )
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl PromiseStore for SqlStore {
    async fn make_promise(
        &self,
        actor: &Actor,
        id: RequestId,
        record: PromiseRecord,
    ) -> Result<(Promise, RequestEvent)> {
        let mut tx = self.db.begin().await?;
        let (request, last_seq) = lock(&mut tx, id).await?;
        if !request.status.is_open() {
            return Err(StoreError::invalid("request", "is no longer open"));
        }
        let at = now().max(request.updated_at);
        let before = match fetch_promise(&mut tx, id).await {
            Ok(p) => Some(p.date),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e),
        };
        // A promise Kept made at intake is replaced by the provider's
        // choice, until anyone has proposed another date for it.
        let mut sql = Sql::new(PROMISE_INSERT);
        bind_promise(&mut sql, id, &record, actor.user_id, at);
        sql.push(
            " ON CONFLICT (request_id) DO UPDATE SET date = excluded.date, \
             original_date = excluded.original_date, basis = excluded.basis, \
             sla_due = excluded.sla_due, realistic = excluded.realistic, \
             beyond_sla = excluded.beyond_sla, started_at_risk = excluded.started_at_risk, \
             made_by = excluded.made_by, made_at = excluded.made_at, at_risk_since = NULL, \
             risk_reason = NULL, suggestion = NULL \
             WHERE promises.made_by IS NULL AND promises.renegotiations = 0 \
             AND promises.outcome IS NULL AND NOT EXISTS \
             (SELECT 1 FROM date_proposals d WHERE d.request_id = promises.request_id)",
        );
        let done = sql.query().execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::invalid(
                "promise",
                "the request already has a promise: propose a new date instead",
            ));
        }
        let mut event = promise_made(&record);
        if let (Some(before), Some(data)) = (before, event.data.as_object_mut()) {
            data.insert("replaces".into(), json!(before));
        }
        let events = append_events(&mut tx, id, last_seq, actor, at, vec![event]).await?;
        bump(&mut tx, id, last_seq + 1, at).await?;
        let promise = fetch_promise(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        let event = events.into_iter().next().ok_or(StoreError::NotFound)?;
        Ok((promise, event))
    }

    async fn promise(&self, id: RequestId) -> Result<Promise> {
        let mut conn = self.db.read.acquire().await?;
        fetch_promise(&mut conn, id).await
    }

    async fn promises(&self, ids: &[RequestId]) -> Result<Vec<Promise>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(PROMISE);
        sql.push(" WHERE request_id IN (");
        sql.bind_list(ids.iter().map(ToString::to_string));
        sql.push(")");
        let mut conn = self.db.read.acquire().await?;
        let rows = sql.query().fetch_all(&mut *conn).await?;
        rows.iter().map(promise_row).collect()
    }

    async fn date_proposals(&self, id: RequestId) -> Result<Vec<DateProposal>> {
        let mut conn = self.db.read.acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{PROPOSAL} WHERE request_id = $1 ORDER BY proposed_at, id"
        )))
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(proposal_row).collect()
    }

    async fn date_proposal(&self, id: DateProposalId) -> Result<DateProposal> {
        let mut conn = self.db.read.acquire().await?;
        fetch_proposal(&mut conn, id).await
    }

    async fn propose_date(
        &self,
        actor: &Actor,
        id: RequestId,
        date: Timestamp,
        reason: &str,
    ) -> Result<(DateProposal, RequestEvent)> {
        let proposer = actor.user_id.ok_or(StoreError::NotFound)?;
        let mut tx = self.db.begin().await?;
        let (request, last_seq) = lock(&mut tx, id).await?;
        let promise = fetch_promise(&mut tx, id).await?;
        let at = now().max(request.updated_at);
        let reason = check_proposal(&promise, date, reason, at)
            .map_err(|e| StoreError::Invalid(e.into()))?;
        sqlx::query("UPDATE date_proposals SET status = 'withdrawn' WHERE request_id = $1 AND status = 'open'")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let proposal = DateProposalId::new();
        sqlx::query(
            "INSERT INTO date_proposals (id, request_id, previous_date, date, reason, proposed_by, \
             proposed_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open')",
        )
        .bind(proposal.to_string())
        .bind(id.to_string())
        .bind(micros(promise.date))
        .bind(micros(date))
        .bind(reason.clone())
        .bind(proposer.to_string())
        .bind(micros(at))
        .execute(&mut *tx)
        .await?;
        let mut event = NewEvent::new(
            EventKind::DateProposed,
            true,
            json!({ "proposal_id": proposal, "previous_date": promise.date, "date": date }),
        );
        event.body = Some(reason);
        let events = append_events(&mut tx, id, last_seq, actor, at, vec![event]).await?;
        bump(&mut tx, id, last_seq + 1, at).await?;
        let proposal = fetch_proposal(&mut tx, proposal).await?;
        self.commit_audited(tx).await?;
        let event = events.into_iter().next().ok_or(StoreError::NotFound)?;
        Ok((proposal, event))
    }

    async fn answer_date(
        &self,
        actor: &Actor,
        proposal: DateProposalId,
        answer: Answer,
    ) -> Result<(DateProposal, Promise, RequestEvent)> {
        let mut tx = self.db.begin().await?;
        let found = fetch_proposal(&mut tx, proposal).await?;
        let id = found.request_id;
        let (request, last_seq) = lock(&mut tx, id).await?;
        // Read again under the lock: a second submit finds it answered.
        let found = fetch_proposal(&mut tx, proposal).await?;
        if found.status != ProposalStatus::Open {
            return Err(StoreError::invalid(
                "proposal",
                format!("was {} already", found.status.as_str()),
            ));
        }
        let promise = fetch_promise(&mut tx, id).await?;
        let at = now().max(request.updated_at);
        let (agreed, in_time) = promise.agree(found.date, at);
        let status = if answer.accept {
            ProposalStatus::Accepted
        } else {
            ProposalStatus::Declined
        };
        sqlx::query(
            "UPDATE date_proposals SET status = $1, answered_by = $2, answered_at = $3, \
             answered_via = $4, in_time = $5 WHERE id = $6",
        )
        .bind(status.as_str().to_owned())
        .bind(actor.user_id.map(|u| u.to_string()))
        .bind(micros(at))
        .bind(answer.via.to_owned())
        .bind(in_time)
        .bind(proposal.to_string())
        .execute(&mut *tx)
        .await?;
        if answer.accept {
            sqlx::query(
                // The new date is watched afresh.
                "UPDATE promises SET date = $1, renegotiations = $2, renegotiated_late = $3, \
                 at_risk_since = NULL, risk_reason = NULL, suggestion = NULL \
                 WHERE request_id = $4",
            )
            .bind(micros(agreed.date))
            .bind(i64::from(agreed.renegotiations))
            .bind(agreed.renegotiated_late)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let event = NewEvent::new(
            EventKind::DateAnswered,
            true,
            json!({
                "proposal_id": proposal, "accepted": answer.accept, "via": answer.via,
                "in_time": in_time, "date": found.date, "previous_date": found.previous_date,
            }),
        );
        let events = append_events(&mut tx, id, last_seq, actor, at, vec![event]).await?;
        bump(&mut tx, id, last_seq + 1, at).await?;
        let answered = fetch_proposal(&mut tx, proposal).await?;
        let promise = fetch_promise(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        let event = events.into_iter().next().ok_or(StoreError::NotFound)?;
        Ok((answered, promise, event))
    }

    async fn promise_integrity(&self, query: &IntegrityQuery) -> Result<Vec<IntegrityGroup>> {
        integrity::integrity(&self.db, query).await
    }

    async fn promised_teams(&self) -> Result<Vec<Option<PartyId>>> {
        let rows = sqlx::query(
            "SELECT DISTINCT r.team_id FROM promises p JOIN requests r ON r.id = p.request_id \
             WHERE p.outcome IS NULL",
        )
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(|r| r.opt_parsed("team_id")).collect()
    }

    async fn watched_promises(&self, team: Option<PartyId>) -> Result<Vec<WatchedPromise>> {
        let mut conn = self.db.read.acquire().await?;
        watch::watched(&mut conn, team).await
    }

    async fn watch_promises(
        &self,
        actor: &Actor,
        updates: &[RiskUpdate],
    ) -> Result<Vec<RequestEvent>> {
        // One transaction per promise: each locks one request's row, so the
        // watch never holds many while another writer wants two of them.
        let mut raised = Vec::new();
        for update in updates {
            let mut tx = self.db.begin().await?;
            raised.extend(watch::write(&mut tx, actor, update, now()).await?);
            self.commit_audited(tx).await?;
        }
        Ok(raised)
    }

    async fn promises_at_risk(&self, query: &AtRiskQuery) -> Result<Vec<PromiseAtRisk>> {
        let mut conn = self.db.read.acquire().await?;
        watch::at_risk(&mut conn, query).await
    }
}

/// Records the request's new last event and change instant.
async fn bump(conn: &mut AnyConnection, id: RequestId, last_seq: i64, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE requests SET last_seq = $1, updated_at = $2 WHERE id = $3")
        .bind(last_seq)
        .bind(micros(at))
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
