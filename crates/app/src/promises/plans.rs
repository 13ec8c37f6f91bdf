//! Each team's plan, built from the store and kept for a few seconds.
//!
//! A plan is built from scratch when asked for and none is fresh: the
//! team's members (their calendars with absences closed), its open work
//! and the promises made for it. Several servers share one database, so a
//! plan is trusted for [`FRESH`] at most; a change made through this
//! server forgets its team's plan at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kept_domain::calendar::{BusinessDuration, Calendar};
use kept_domain::team::{Absence, OpenWork, around_the_clock};
use kept_domain::{PartyId, Priority, RequestId, Timestamp, UserId};
use kept_planner::{Member, TeamPlan, Work};

use crate::Context;
use crate::error::Error;

/// How long a plan is trusted without being rebuilt.
pub const FRESH: Duration = Duration::from_secs(5);

/// What open work without an estimate counts as.
pub const UNESTIMATED: BusinessDuration = BusinessDuration::from_hours(1);

/// A team's plan and what it was built from.
#[derive(Debug)]
pub struct Planned {
    /// The plan.
    pub plan: TeamPlan<RequestId>,
    /// The members, in the plan's order.
    pub members: Vec<UserId>,
    /// The open work it holds, by request.
    pub work: HashMap<RequestId, OpenWork>,
    /// Each member's first name and absences, for the reason of a quote.
    pub people: Vec<(String, Vec<Absence>)>,
    /// When it was built.
    built: Instant,
}

/// The plans of the teams asked about lately.
#[derive(Debug, Default)]
pub struct Plans {
    teams: Mutex<HashMap<PartyId, Arc<Mutex<Planned>>>>,
    /// Held while a plan is built, so that requests arriving together
    /// build it once and the others wait for it.
    building: tokio::sync::Mutex<()>,
}

impl Plans {
    /// Forgets `team`'s plan: the next question rebuilds it.
    pub fn forget(&self, team: PartyId) {
        if let Ok(mut teams) = self.teams.lock() {
            teams.remove(&team);
        }
    }

    /// Adds work just recorded to `team`'s plan, if one is kept: the plan
    /// re-plans from where it sorts rather than being rebuilt.
    pub fn add(&self, team: PartyId, work: Work<RequestId>, open: OpenWork) {
        let Some((planned, _)) = self.kept(team) else {
            return;
        };
        if let Ok(mut planned) = planned.lock() {
            planned.plan.upsert(work);
            planned.work.insert(open.id, open);
        };
    }

    fn fresh(&self, team: PartyId) -> Option<Arc<Mutex<Planned>>> {
        self.kept(team).filter(|(_, fresh)| *fresh).map(|(p, _)| p)
    }

    /// The plan kept for `team`, and whether it is still fresh.
    fn kept(&self, team: PartyId) -> Option<(Arc<Mutex<Planned>>, bool)> {
        let teams = self.teams.lock().ok()?;
        let planned = teams.get(&team)?;
        let built = planned.lock().ok()?.built;
        Some((planned.clone(), built.elapsed() < FRESH))
    }
}

/// Runs `f` on `team`'s plan, building it first unless a fresh one is
/// kept (or a stale one is, while another request rebuilds it).
pub async fn with_plan<R>(
    ctx: &Context,
    team: PartyId,
    f: impl FnOnce(&mut Planned) -> R,
) -> Result<R, Error> {
    let planned = match ctx.plans.kept(team) {
        Some((planned, true)) => planned,
        // Stale while another request rebuilds it: answered from the plan
        // kept, rather than waiting.
        Some((planned, false)) if ctx.plans.building.try_lock().is_err() => planned,
        _ => {
            let _building = ctx.plans.building.lock().await;
            match ctx.plans.fresh(team) {
                // Built while this one waited.
                Some(planned) => planned,
                None => {
                    let built = Arc::new(Mutex::new(build(ctx, team).await?));
                    if let Ok(mut teams) = ctx.plans.teams.lock() {
                        teams.insert(team, built.clone());
                    }
                    built
                }
            }
        }
    };
    let mut guard = planned
        .lock()
        .map_err(|_| Error::internal("a team's plan was poisoned"))?;
    Ok(f(&mut guard))
}

/// A priority's place in the order: urgent first.
pub fn rank(priority: Priority) -> u8 {
    Priority::ALL
        .iter()
        .position(|p| *p == priority)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

/// Builds `team`'s plan from the store, from now.
async fn build(ctx: &Context, team: PartyId) -> Result<Planned, Error> {
    let now = Timestamp::now();
    let people = ctx.store.team_members(team).await?;
    let mut members = Vec::with_capacity(people.len());
    for person in &people {
        let spec = match person.calendar_id {
            Some(id) => ctx.store.calendar(id).await?.spec,
            None => around_the_clock(),
        };
        let calendar: Calendar = person.calendar(&spec).map_err(Error::internal)?;
        members.push(Member {
            calendar,
            share_percent: person.share_percent,
        });
    }
    let ids: Vec<UserId> = people.iter().map(|p| p.user_id).collect();
    let mut named = Vec::with_capacity(people.len());
    for person in &people {
        let user = ctx.store.user(person.user_id).await?;
        let first = user
            .name
            .as_str()
            .split_whitespace()
            .next()
            .unwrap_or("Someone");
        named.push((first.to_owned(), person.absences.clone()));
    }
    let open = ctx.store.team_work(team).await?;
    let work = open
        .iter()
        .map(|w| Work {
            key: w.id,
            due: w.promised.or(w.due_at),
            priority: rank(w.priority),
            seq: w.number,
            effort: w.effort.unwrap_or(UNESTIMATED),
            assignee: w.assignee_id.and_then(|a| ids.iter().position(|m| *m == a)),
        })
        .collect();
    // Planning thousands of commitments is CPU work: off the async
    // workers, so the requests they serve do not wait behind it.
    let plan = tokio::task::spawn_blocking(move || TeamPlan::new(now, members, work))
        .await
        .map_err(|e| Error::internal(format!("planning a team failed: {e}")))?;
    Ok(Planned {
        plan,
        members: ids,
        work: open.into_iter().map(|w| (w.id, w)).collect(),
        people: named,
        built: Instant::now(),
    })
}
