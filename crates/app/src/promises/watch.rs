//! The watch over open promises, and the at-risk list.
//!
//! Every few minutes (and whenever asked) the watch weighs each open
//! promise against its team's plan and against the business time it has
//! used. A promise is at risk when the plan finishes it after its date, or
//! when the configured share of the business time from its making to its
//! date is used. A promise newly at risk gets the suggested action
//! (reassign, split or renegotiate now) and, once per promised date, a
//! `promise_at_risk` event in its history. The owner (the member it is
//! assigned to) and the managers read the list, the soonest date first.

use std::collections::HashMap;
use std::sync::Arc;

use kept_domain::calendar::Calendar;
use kept_domain::promise::{PromiseAtRisk, RiskReason, Suggestion, risk_of, suggest, used_share};
use kept_domain::{Actor, CalendarId, PartyId, Principal, RequestEvent, RequestId, Timestamp};
use kept_planner::{Prospect, TeamPlan};
use kept_store::promises::{AtRiskQuery, RiskUpdate, WatchedPromise};

use super::plans::{Planned, with_plan};
use crate::Context;
use crate::error::Error;

/// The most promises newly at risk one sweep works out a suggestion for,
/// per team: each costs two re-plans and a quote per member under the
/// team's plan, which quotes wait for meanwhile. The rest are weighed
/// again next sweep.
const SUGGESTIONS_PER_SWEEP: usize = 10;

/// The most rows the at-risk list shows.
pub const LIST_LIMIT: u32 = 200;

/// Weighs every open promise now; returns the `promise_at_risk` events
/// raised.
pub async fn sweep(ctx: &Context) -> Result<Vec<RequestEvent>, Error> {
    let mut calendars = HashMap::new();
    let mut raised = Vec::new();
    for team in ctx.store.promised_teams().await? {
        raised.extend(watch_team(ctx, team, &mut calendars).await?);
    }
    Ok(raised)
}

/// Weighs the open promises of `team` (none: of requests of no team) now;
/// returns the `promise_at_risk` events raised.
pub async fn sweep_team(ctx: &Context, team: Option<PartyId>) -> Result<Vec<RequestEvent>, Error> {
    watch_team(ctx, team, &mut HashMap::new()).await
}

/// [`sweep_team`], with the calendars compiled so far.
async fn watch_team(
    ctx: &Context,
    team: Option<PartyId>,
    calendars: &mut HashMap<Option<CalendarId>, Arc<Calendar>>,
) -> Result<Vec<RequestEvent>, Error> {
    let now = Timestamp::now();
    let threshold = f64::from(ctx.settings.promise_at_risk_percent) / 100.0;
    let watched = ctx.store.watched_promises(team).await?;
    if watched.is_empty() {
        return Ok(Vec::new());
    }
    let mut used = Vec::with_capacity(watched.len());
    for w in &watched {
        let calendar = calendar_of(ctx, calendars, w.calendar_id).await?;
        let elapsed = calendar.elapsed(w.made_at, now.min(w.date).max(w.made_at));
        let span = calendar.elapsed(w.made_at, w.date.max(w.made_at));
        used.push(if now >= w.date {
            1.0
        } else {
            used_share(elapsed, span)
        });
    }
    let updates = match team {
        Some(team) => {
            with_plan(ctx, team, |planned| {
                weigh(planned, &watched, &used, threshold)
            })
            .await?
        }
        None => weigh_unplanned(&watched, &used, threshold),
    };
    let actor = Actor::system("promise watch");
    Ok(ctx.store.watch_promises(&actor, &updates).await?)
}

/// A calendar compiled once per sweep.
async fn calendar_of(
    ctx: &Context,
    seen: &mut HashMap<Option<CalendarId>, Arc<Calendar>>,
    id: Option<CalendarId>,
) -> Result<Arc<Calendar>, Error> {
    if let Some(calendar) = seen.get(&id) {
        return Ok(calendar.clone());
    }
    let calendar = ctx.store.compiled_calendar(id).await?;
    seen.insert(id, calendar.clone());
    Ok(calendar)
}

/// What changed of `watched`, weighed against its team's plan.
fn weigh(
    planned: &mut Planned,
    watched: &[WatchedPromise],
    used: &[f64],
    threshold: f64,
) -> Vec<RiskUpdate> {
    let mut suggested = 0;
    let mut updates = Vec::new();
    for (w, used) in watched.iter().zip(used) {
        let projected = planned.plan.completion(w.request_id);
        let Some(reason) = risk_of(w.date, projected, Some(*used), threshold) else {
            if w.last.is_some() {
                updates.push(update(w, None, projected.flatten()));
            }
            continue;
        };
        let suggestion = match w.last {
            Some((_, s)) => s,
            None if suggested < SUGGESTIONS_PER_SWEEP => {
                suggested += 1;
                suggestion_for(&mut planned.plan, &planned.members, w)
            }
            // Weighed again next sweep.
            None => continue,
        };
        let risk = Some((reason, suggestion));
        if w.last != risk || w.projected != projected.flatten() {
            updates.push(update(w, risk, projected.flatten()));
        }
    }
    updates
}

/// What changed of promises in no team's plan: the time used alone.
fn weigh_unplanned(watched: &[WatchedPromise], used: &[f64], threshold: f64) -> Vec<RiskUpdate> {
    watched
        .iter()
        .zip(used)
        .filter_map(|(w, used)| {
            let risk = risk_of(w.date, None, Some(*used), threshold)
                .map(|reason| (reason, Suggestion::Renegotiate));
            (w.last != risk).then(|| update(w, risk, None))
        })
        .collect()
}

fn update(
    w: &WatchedPromise,
    risk: Option<(RiskReason, Suggestion)>,
    projected: Option<Timestamp>,
) -> RiskUpdate {
    RiskUpdate {
        request_id: w.request_id,
        date: w.date,
        risk,
        projected,
    }
}

/// What to advise for `w`: reassign when another member alone would
/// finish it by its date, split when the team together would, else
/// renegotiate now. Each is asked of the plan with the work taken out and
/// quoted afresh, then put back as it was.
fn suggestion_for(
    plan: &mut TeamPlan<RequestId>,
    members: &[kept_domain::UserId],
    w: &WatchedPromise,
) -> Suggestion {
    let Some(work) = plan
        .projections()
        .find(|(work, _)| work.key == w.request_id)
        .map(|(work, _)| *work)
    else {
        return Suggestion::Renegotiate;
    };
    plan.remove(w.request_id);
    let mut in_time = |assignee: Option<usize>| {
        let prospect = Prospect {
            effort: work.effort,
            priority: work.priority,
            sla_due: Some(w.date),
            assignee,
        };
        plan.quote(prospect, RequestId::new())
            .at_sla
            .is_some_and(|done| done <= w.date)
    };
    let current = w
        .assignee_id
        .and_then(|a| members.iter().position(|m| *m == a));
    let other_member = (0..members.len())
        .filter(|m| Some(*m) != current)
        .any(|m| in_time(Some(m)));
    let team = !other_member && in_time(None);
    plan.upsert(work);
    suggest(other_member, team)
}

/// The promises at risk the caller is answerable for, the soonest date
/// first: the provider's people see their contracts' (admins all); `mine`
/// keeps those assigned to the caller; `team` one team's.
pub async fn at_risk(
    ctx: &Context,
    caller: &Principal,
    team: Option<PartyId>,
    mine: bool,
) -> Result<Vec<PromiseAtRisk>, Error> {
    if let Some(team) = team {
        crate::teams::readable_team(ctx, caller, team).await?;
    }
    let query = AtRiskQuery {
        scope: caller.party_scope(),
        team,
        assignee: mine.then_some(caller.user_id),
        limit: LIST_LIMIT,
    };
    Ok(ctx.store.promises_at_risk(&query).await?)
}
