//! Watching open promises: what the watch reads of each, what it writes
//! back (at risk or not, why, the plan's projection, the suggested
//! action), the `promise_at_risk` event raised once per promised date, and
//! the at-risk list.

use kept_domain::progress::NewEvent;
use kept_domain::promise::{PromiseAtRisk, RiskReason, Suggestion};
use kept_domain::{
    Actor, CalendarId, EventKind, PartyId, PartyScope, RequestEvent, RequestId, RequestStatus,
    Timestamp, UserId,
};
use serde_json::json;
use sqlx::any::AnyRow;

use crate::error::Result;
use crate::parties::{push_in_scope, reach_of};
use crate::requests::{append_events, lock};
use crate::sql::{RowExt, Sql, micros};

/// An open promise of an open request, as the watch reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchedPromise {
    /// The request.
    pub request_id: RequestId,
    /// The date promised.
    pub date: Timestamp,
    /// When it was made.
    pub made_at: Timestamp,
    /// The calendar the request's clocks run on.
    pub calendar_id: Option<CalendarId>,
    /// The member it is assigned to, if any.
    pub assignee_id: Option<UserId>,
    /// What the watch found last time: why it was at risk (none: it was
    /// not), the projection and the suggestion.
    pub last: Option<(RiskReason, Suggestion)>,
    /// The projection written last time.
    pub projected: Option<Timestamp>,
    /// The date for which `promise_at_risk` was raised last.
    pub raised_for: Option<Timestamp>,
}

/// What the watch found of one promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskUpdate {
    /// The request.
    pub request_id: RequestId,
    /// The date it was weighed against.
    pub date: Timestamp,
    /// Why it is at risk and what to do (none: it is not).
    pub risk: Option<(RiskReason, Suggestion)>,
    /// When its team's plan finishes it.
    pub projected: Option<Timestamp>,
}

const WATCHED: &str = "SELECT p.request_id, p.date, p.made_at, r.calendar_id, r.assignee_id, \
     p.risk_reason, p.suggestion, p.projected, p.risk_raised_for \
     FROM promises p JOIN requests r ON r.id = p.request_id \
     WHERE p.outcome IS NULL AND r.status IN (";

fn watched_row(row: &AnyRow) -> Result<WatchedPromise> {
    let reason: Option<RiskReason> = row.opt_parsed("risk_reason")?;
    let suggestion: Option<Suggestion> = row.opt_parsed("suggestion")?;
    Ok(WatchedPromise {
        request_id: row.parsed("request_id")?,
        date: row.instant("date")?,
        made_at: row.instant("made_at")?,
        calendar_id: row.opt_parsed("calendar_id")?,
        assignee_id: row.opt_parsed("assignee_id")?,
        last: reason.zip(suggestion),
        projected: row.opt_instant("projected")?,
        raised_for: row.opt_instant("risk_raised_for")?,
    })
}

/// The open promises of `team`'s open requests (none: of requests of no
/// team).
pub(crate) async fn watched(
    conn: &mut sqlx::AnyConnection,
    team: Option<PartyId>,
) -> Result<Vec<WatchedPromise>> {
    let mut sql = Sql::new(WATCHED);
    let open = RequestStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str().to_owned());
    sql.bind_list(open).push(")");
    match team {
        Some(team) => sql.push(" AND r.team_id = ").bind(team.to_string()),
        None => sql.push(" AND r.team_id IS NULL"),
    };
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(watched_row).collect()
}

/// Writes what the watch found of one promise, if its date is still the
/// one weighed (a promise re-made or renegotiated since is weighed afresh
/// next time); raises `promise_at_risk` (for the provider's people) when
/// it is at risk and has not been for this date, as `actor`, at `at`.
/// Returns the event raised, if any.
pub(crate) async fn write(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    update: &RiskUpdate,
    at: Timestamp,
) -> Result<Option<RequestEvent>> {
    let id = update.request_id.to_string();
    let Some((reason, suggestion)) = update.risk else {
        sqlx::query(
            "UPDATE promises SET at_risk_since = NULL, risk_reason = NULL, suggestion = NULL, \
             projected = $1 WHERE request_id = $2 AND outcome IS NULL AND date = $3",
        )
        .bind(update.projected.map(micros))
        .bind(id)
        .bind(micros(update.date))
        .execute(&mut *conn)
        .await?;
        return Ok(None);
    };
    // The request's row first, as every other writer of promises locks
    // it: taking the promise's row first would deadlock against them.
    let (request, last_seq) = lock(conn, update.request_id).await?;
    sqlx::query(
        "UPDATE promises SET at_risk_since = COALESCE(at_risk_since, $1), risk_reason = $2, \
         suggestion = $3, projected = $4 WHERE request_id = $5 AND outcome IS NULL AND date = $6",
    )
    .bind(micros(at))
    .bind(reason.as_str().to_owned())
    .bind(suggestion.as_str().to_owned())
    .bind(update.projected.map(micros))
    .bind(id.clone())
    .bind(micros(update.date))
    .execute(&mut *conn)
    .await?;
    // Once per promised date, whichever server gets here first.
    let first = sqlx::query(
        "UPDATE promises SET risk_raised_for = date WHERE request_id = $1 AND outcome IS NULL \
         AND date = $2 AND (risk_raised_for IS NULL OR risk_raised_for <> date)",
    )
    .bind(id)
    .bind(micros(update.date))
    .execute(&mut *conn)
    .await?;
    if first.rows_affected() == 0 {
        return Ok(None);
    }
    let at = at.max(request.updated_at);
    let event = NewEvent::new(
        EventKind::PromiseAtRisk,
        false,
        json!({
            "date": update.date, "projected": update.projected,
            "reason": reason, "suggestion": suggestion,
        }),
    );
    let events = append_events(conn, update.request_id, last_seq, actor, at, vec![event]).await?;
    super::bump(conn, update.request_id, last_seq + 1, at).await?;
    Ok(events.into_iter().next())
}

/// Which promises at risk to list.
#[derive(Debug, Clone)]
pub struct AtRiskQuery {
    /// The parties the caller reaches: promises of contracts they provide
    /// (admins: all).
    pub scope: PartyScope,
    /// Only these teams' (none: every team's, and those of no team).
    pub team: Option<PartyId>,
    /// Only those assigned to this member.
    pub assignee: Option<UserId>,
    /// At most this many.
    pub limit: u32,
}

/// The promises at risk of `q`, the soonest date first.
pub(crate) async fn at_risk(
    conn: &mut sqlx::AnyConnection,
    q: &AtRiskQuery,
) -> Result<Vec<PromiseAtRisk>> {
    let mut sql = Sql::new(
        "SELECT p.request_id, r.number, r.subject, r.customer_id, cu.name AS customer, \
         r.team_id, t.name AS team, r.assignee_id, up.name AS assignee, p.date, p.projected, \
         p.risk_reason, p.suggestion, p.at_risk_since \
         FROM promises p JOIN requests r ON r.id = p.request_id \
         JOIN contracts c ON c.id = r.contract_id JOIN parties cu ON cu.id = r.customer_id \
         LEFT JOIN parties t ON t.id = r.team_id LEFT JOIN users u ON u.id = r.assignee_id \
         LEFT JOIN parties up ON up.id = u.party_id \
         WHERE p.at_risk_since IS NOT NULL AND p.outcome IS NULL",
    );
    if let Some(reach) = reach_of(&q.scope) {
        sql.push(" AND ");
        push_in_scope(&mut sql, "c.provider_id", &reach);
    }
    if let Some(team) = q.team {
        sql.push(" AND r.team_id = ").bind(team.to_string());
    }
    if let Some(user) = q.assignee {
        sql.push(" AND r.assignee_id = ").bind(user.to_string());
    }
    sql.push(" ORDER BY p.date, r.number")
        .limit(u64::from(q.limit));
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            Ok(PromiseAtRisk {
                request_id: row.parsed("request_id")?,
                number: row.int("number")?,
                subject: row.text("subject")?,
                customer_id: row.parsed("customer_id")?,
                customer: row.text("customer")?,
                team_id: row.opt_parsed("team_id")?,
                team: row.opt_text("team")?,
                assignee_id: row.opt_parsed("assignee_id")?,
                assignee: row.opt_text("assignee")?,
                date: row.instant("date")?,
                projected: row.opt_instant("projected")?,
                reason: row.parsed("risk_reason")?,
                suggestion: row.parsed("suggestion")?,
                at_risk_since: row.instant("at_risk_since")?,
            })
        })
        .collect()
}
