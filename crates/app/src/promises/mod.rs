//! Promises: quoting a prospective request, making a request's promise,
//! proposing a new date and the customer's answer.
//!
//! The provider's people of a request make its promise and propose new
//! dates; its customer's people (the requester among them) answer. A
//! promise is weighed against the SLA due instant and the realistic date
//! from the plan of the request's team.

pub mod history;
pub mod intake;
pub mod link;
pub mod plans;
pub mod quote;
pub mod report;
pub mod target;
pub mod watch;
pub mod words;

use kept_domain::promise::{Choice, DateProposal, Promise, Undecided, decide};
use kept_domain::{Actor, DateProposalId, Principal, Request, RequestId, RequestRole, Timestamp};
use kept_planner::Prospect;
use kept_store::StoreError;
use kept_store::promises::{Answer, PromiseRecord};
use serde::Serialize;
use serde_json::json;

use crate::Context;
use crate::error::{Error, Kind};
use crate::requests::{Readable, readable};
use plans::{UNESTIMATED, rank, with_plan};

/// A request's promise as its page and the API show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromiseView {
    /// The promise (none: not made yet).
    pub promise: Option<Promise>,
    /// The new dates proposed, oldest first.
    pub proposals: Vec<DateProposal>,
    /// When the plan of its team finishes it now (provider's people only).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub projected: Option<Timestamp>,
    /// Whether the plan finishes it after the promised date (provider's
    /// people only).
    pub at_risk: bool,
}

/// The promise of a request the caller sees.
pub async fn view(ctx: &Context, caller: &Principal, id: RequestId) -> Result<PromiseView, Error> {
    let shown = readable(ctx, caller, id).await?;
    let promise = match ctx.store.promise(id).await {
        Err(StoreError::NotFound) => None,
        other => Some(other?),
    };
    let proposals = ctx.store.date_proposals(id).await?;
    let projected = match (shown.role, shown.request.team_id) {
        (RequestRole::Provider, Some(team)) if shown.request.status.is_open() => {
            with_plan(ctx, team, |p| p.plan.completion(id).flatten()).await?
        }
        _ => None,
    };
    let at_risk = match (&promise, projected) {
        (Some(p), Some(done)) => p.is_open() && done > p.date,
        _ => false,
    };
    Ok(PromiseView {
        promise,
        proposals,
        projected,
        at_risk,
    })
}

/// The request if the caller is of its provider's side; not found if they
/// do not see it, forbidden if they are of its customer's side.
async fn as_provider(ctx: &Context, caller: &Principal, id: RequestId) -> Result<Readable, Error> {
    let shown = readable(ctx, caller, id).await?;
    if shown.role != RequestRole::Provider {
        return Err(Error::forbidden(
            "only the provider's people make promises and propose dates",
        ));
    }
    Ok(shown)
}

/// The realistic date of `request` in its team's plan: its completion if
/// it were quoted anew (the plan holds it already as the team's work, so
/// it is taken out of the quote).
async fn realistic_of(
    ctx: &Context,
    request: &Request,
    sla_due: Option<Timestamp>,
) -> Result<Option<Timestamp>, Error> {
    let Some(team) = request.team_id else {
        return Ok(None);
    };
    let id = request.id;
    with_plan(ctx, team, |planned| {
        let mut plan = planned.plan.clone();
        let held = planned.work.get(&id).cloned();
        plan.remove(id);
        let assignee = request
            .assignee_id
            .and_then(|a| planned.members.iter().position(|m| *m == a));
        let effort = held
            .and_then(|w| w.effort)
            .or(request.effort)
            .unwrap_or(UNESTIMATED);
        plan.quote(
            Prospect {
                effort,
                priority: rank(request.priority),
                sla_due,
                assignee,
            },
            RequestId::new(),
        )
        .realistic
    })
    .await
}

/// Makes the promise of an open request: the later of its SLA due instant
/// and its realistic date, or, when the realistic date is later, what the
/// caller chose (refused with both dates until they choose).
pub async fn make(
    ctx: &Context,
    caller: &Principal,
    id: RequestId,
    choice: Option<Choice>,
) -> Result<Promise, Error> {
    let shown = as_provider(ctx, caller, id).await?;
    let request = shown.request;
    let sla_due = target::sla_due_of(ctx, &request).await?;
    let realistic = realistic_of(ctx, &request, sla_due).await?;
    let decision = match decide(sla_due, realistic, choice) {
        Ok(d) => d,
        Err(Undecided::ChoiceNeeded { sla_due, realistic }) => {
            return Err(Error::new(Kind::PromiseChoiceNeeded)
                .detail(format!(
                    "The team can finish it by {realistic}, after its SLA due instant {sla_due}: \
                     send `choice` `sla` to promise the SLA date anyway, or `realistic`"
                ))
                .with("sla_due", json!(sla_due))
                .with("realistic", json!(realistic)));
        }
        Err(Undecided::NoDate) => {
            return Err(Error::field(
                "date",
                "neither terms nor a team's plan give a date: set one",
            ));
        }
    };
    // A party inherits the flag from its parent when made.
    let internal = ctx.store.party(request.customer_id).await?.internal;
    let record = PromiseRecord {
        decision,
        sla_due,
        realistic,
        internal,
    };
    let (promise, _) = ctx
        .store
        .make_promise(&Actor::user(caller), id, record)
        .await?;
    if let Some(team) = request.team_id {
        ctx.plans.forget(team);
        // Promised by a date the plan cannot meet: the promises it pushes
        // out are flagged now, not at the watch's next round.
        if decision.starts_at_risk {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                if let Err(e) = watch::sweep_team(&ctx, Some(team)).await {
                    tracing::warn!(error = %e, "weighing a team's promises failed");
                }
            });
        }
    }
    Ok(promise)
}

/// Proposes `date` instead of the date promised, with a reason the
/// customer reads.
pub async fn propose(
    ctx: &Context,
    caller: &Principal,
    id: RequestId,
    date: Timestamp,
    reason: &str,
) -> Result<DateProposal, Error> {
    as_provider(ctx, caller, id).await?;
    match ctx.store.promise(id).await {
        Err(StoreError::NotFound) => {
            return Err(Error::new(Kind::InvalidTransition)
                .detail("the request has no promise yet: make one first"));
        }
        other => other?,
    };
    let (proposal, _) = ctx
        .store
        .propose_date(&Actor::user(caller), id, date, reason)
        .await?;
    Ok(proposal)
}

/// A proposed date of a request the caller sees.
pub async fn proposal(
    ctx: &Context,
    caller: &Principal,
    id: DateProposalId,
) -> Result<DateProposal, Error> {
    let found = match ctx.store.date_proposal(id).await {
        Err(StoreError::NotFound) => return Err(Error::not_found()),
        other => other?,
    };
    readable(ctx, caller, found.request_id).await?;
    Ok(found)
}

/// The customer's answer to a proposed date, by someone of the request's
/// customer's side or its requester; `via` says where (`portal`, `api`,
/// `link`).
pub async fn answer(
    ctx: &Context,
    caller: &Principal,
    proposal: DateProposalId,
    accept: bool,
    via: &'static str,
) -> Result<(DateProposal, Promise), Error> {
    let found = match ctx.store.date_proposal(proposal).await {
        Err(StoreError::NotFound) => return Err(Error::not_found()),
        other => other?,
    };
    let shown = readable(ctx, caller, found.request_id).await?;
    // The customer's people and the requester answer; an admin may, on
    // their word (recorded as the admin's answer).
    let answers = shown.role == RequestRole::Customer
        || shown.request.requester_id == caller.user_id
        || caller.is_admin();
    if !answers {
        return Err(Error::forbidden(
            "the customer's people answer a proposed date",
        ));
    }
    let (answered, promise, _) = ctx
        .store
        .answer_date(&Actor::user(caller), proposal, Answer { accept, via })
        .await?;
    if let Some(team) = shown.request.team_id {
        ctx.plans.forget(team);
    }
    Ok((answered, promise))
}
