//! The SLA timers' work: raise the at-risk and breach alarms that are due.
//!
//! Due work is found through the partial index on `next_alarm_at`, never by
//! scanning open requests. On PostgreSQL the due rows are claimed with
//! `FOR UPDATE SKIP LOCKED`, so several servers share the work and each
//! alarm is raised exactly once: the claiming transaction records the
//! alarm and moves `next_alarm_at` on before it releases the row. On SQLite
//! the write lock serialises the servers' transactions to the same effect.

use kept_domain::progress::{Progress, alarm_events, summarise};
use kept_domain::{Actor, RequestEvent, RequestId, Timestamp};
use sqlx::Row;

use super::{append_events, fetch, save_progress};
use crate::SqlStore;
use crate::error::{Result, StoreError};
use crate::notify::skip_locked;
use crate::sql::{Sql, micros};

/// Raises the alarms due by `now` on at most `limit` requests, in one
/// transaction; returns the events recorded.
pub(crate) async fn raise(
    store: &SqlStore,
    now: Timestamp,
    limit: u32,
    at_risk_percent: u8,
) -> Result<Vec<(RequestId, RequestEvent)>> {
    let mut tx = store.db.begin().await?;
    let mut claim = Sql::new("SELECT id FROM requests WHERE next_alarm_at <= ");
    claim
        .bind(micros(now))
        .push(" ORDER BY next_alarm_at")
        .limit(u64::from(limit))
        .push(skip_locked(store.db.backend));
    let rows = claim.query().fetch_all(&mut *tx).await?;
    let actor = Actor::system("SLA timer");
    let mut raised = Vec::new();
    for row in rows {
        let raw: String = row.try_get("id")?;
        let id: RequestId = raw
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("request id {raw:?}")))?;
        let request = fetch(&mut tx, id).await?;
        let last_seq: i64 = sqlx::query("SELECT last_seq FROM requests WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await?
            .try_get("last_seq")?;
        let calendar = store.calendars.get(&mut tx, request.calendar_id).await?;
        let mut state = Progress {
            status: request.status,
            clocks: request.clocks,
        };
        let alarms: Vec<_> = state
            .clocks
            .iter_mut()
            .flat_map(|c| c.raise_due_alarms(&calendar, now, at_risk_percent))
            .collect();
        let events = alarm_events(&alarms);
        let summary = summarise(&state.clocks, &calendar, at_risk_percent);
        let count = i64::try_from(events.len()).unwrap_or(0);
        // The alarm's own instant is when it became due; the event is
        // recorded when raised, never before the request's last change.
        let at = now.max(request.updated_at);
        save_progress(&mut tx, id, &state, summary, last_seq + count, at, None).await?;
        for event in append_events(&mut tx, id, last_seq, &actor, at, events).await? {
            raised.push((id, event));
        }
    }
    tx.commit().await?;
    Ok(raised)
}
