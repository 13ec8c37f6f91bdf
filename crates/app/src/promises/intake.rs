//! The promise a request gets as it is accepted: the later of its SLA due
//! instant and its realistic date in its team's plan.
//!
//! The default applies whoever raises it, since the customer placing an
//! order cannot choose for the provider. When the plan is later than the
//! SLA the promise is the plan's date, recorded as beyond the SLA; the
//! provider's people may replace it with their choice (the SLA date, or a
//! date of their own) until anyone proposes another date
//! ([`super::make`]).

use kept_domain::promise::{Choice, Undecided, decide};
use kept_domain::sla::start_clocks;
use kept_domain::team::OpenWork;
use kept_domain::{Request, RequestId, Timestamp};
use kept_planner::{Prospect, Work};
use kept_store::RequestRecord;
use kept_store::promises::PromiseRecord;

use super::plans::{UNESTIMATED, rank, with_plan};
use super::target::due_of;
use crate::Context;
use crate::error::Error;

/// The promise to record with `record`, raised at `at` for a customer
/// that is (`internal`) or is not part of the provider's organisation;
/// none when neither terms nor a plan give a date. A request raised in
/// the past (seeded or imported) is weighed against its SLA alone: the
/// plan is of now.
pub async fn promise_for(
    ctx: &Context,
    record: &RequestRecord,
    at: Timestamp,
    internal: bool,
    backdated: bool,
) -> Result<Option<PromiseRecord>, Error> {
    let sla_due = match &record.calendar {
        Some(calendar) => {
            let clocks = start_clocks(record.new.kind, &record.targets, at);
            due_of(&clocks, calendar, 0)
        }
        None => None,
    };
    let realistic = match record.team_id {
        Some(team) if !backdated => {
            let prospect = Prospect {
                effort: record.new.effort.unwrap_or(UNESTIMATED),
                priority: rank(record.new.priority),
                sla_due,
                assignee: None,
            };
            with_plan(ctx, team, |p| {
                p.plan.quote(prospect, RequestId::new()).realistic
            })
            .await?
        }
        _ => None,
    };
    let decision = match decide(sla_due, realistic, None) {
        Ok(d) => d,
        // The default: the later date, the plan's.
        Err(Undecided::ChoiceNeeded { .. }) => {
            match decide(sla_due, realistic, Some(Choice::Realistic)) {
                Ok(d) => d,
                Err(_) => return Ok(None),
            }
        }
        Err(Undecided::NoDate) => return Ok(None),
    };
    Ok(Some(PromiseRecord {
        decision,
        sla_due,
        realistic,
        internal,
    }))
}

/// Puts a request just recorded into its team's plan, if one is kept, so
/// the next quote and promise see it without rebuilding the plan.
pub fn plan_new(ctx: &Context, request: &Request, promised: Option<Timestamp>) {
    let Some(team) = request.team_id else {
        return;
    };
    let effort = request.effort.unwrap_or(UNESTIMATED);
    let work = Work {
        key: request.id,
        due: promised.or(request.due_at),
        priority: rank(request.priority),
        seq: request.number,
        effort,
        assignee: None,
    };
    let open = OpenWork {
        id: request.id,
        number: request.number,
        subject: request.subject.clone(),
        customer_id: request.customer_id,
        contract_id: request.contract_id,
        priority: request.priority,
        effort: request.effort,
        due_at: request.due_at,
        promised,
        assignee_id: None,
        status: request.status,
        created_at: request.created_at,
    };
    ctx.plans.add(team, work, open);
}
