//! Quoting a prospective request: its SLA due instant from the terms in
//! force, the realistic date from its team's whole load, the load that
//! date rests on in words, and which promises squeezing it in by its SLA
//! date would push past their dates.

use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    ContractId, PartyId, Priority, RequestId, RequestKind, ServiceId, Timestamp, UserId,
};
use kept_planner::Prospect;
use serde::{Deserialize, Serialize};

use super::plans::{UNESTIMATED, rank, with_plan};
use super::words::reason;
use crate::Context;
use crate::error::Error;

/// A prospective request, as the API sends it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuoteInput {
    /// The contract it would be raised under.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub contract_id: ContractId,
    /// The service it would ask for.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub service_id: ServiceId,
    /// `order`, `service_request`, `incident`, `question` or
    /// `internal_task` (default `service_request`).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "order"))]
    pub kind: Option<RequestKind>,
    /// `urgent`, `high`, `normal` (default) or `low`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "normal"))]
    pub priority: Option<Priority>,
    /// Business time it would take, such as `2h` (default: the service's).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2h"))]
    pub effort: Option<BusinessDuration>,
    /// The team that would do it (default: the service's team).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub team_id: Option<PartyId>,
    /// The member it would go to (default: whoever in the team is free).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub assignee_id: Option<UserId>,
}

/// A promise the quoted request would push past its date.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Squeezed {
    /// The request.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub request_id: RequestId,
    /// Its number.
    pub number: i64,
    /// Its subject.
    pub subject: String,
    /// Its customer's name.
    pub customer: String,
    /// The date promised (or its SLA due instant).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub due: Timestamp,
    /// When the plan finishes it now.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub projected: Timestamp,
    /// When it would finish with the quoted request ahead of it (none:
    /// beyond the plan's three years).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub projected_after: Option<Timestamp>,
}

/// The load a quote rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Load {
    /// The team.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub team_id: PartyId,
    /// Its name.
    pub team: String,
    /// Its members.
    pub members: usize,
    /// Its open commitments.
    pub open: usize,
    /// The commitments ahead of the request at its realistic date.
    pub ahead: usize,
    /// Their business time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "24h"))]
    pub work_ahead: BusinessDuration,
}

/// The answer to a quote.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteAnswer {
    /// When its SLA would fall due (none: the terms set no target).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub sla_due: Option<Timestamp>,
    /// The earliest date it can be promised for without pushing a promise
    /// on time past its date (none: not within the plan's three years).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub realistic: Option<Timestamp>,
    /// The date it would be promised by default: the later of the two.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub promise: Option<Timestamp>,
    /// Whether the realistic date is later than the SLA's, so that making
    /// the promise needs a choice.
    pub choice_needed: bool,
    /// The load it rests on.
    pub load: Load,
    /// Why, in words: "3 days of work ahead of it in Operations; Priya is
    /// away Thursday".
    pub reason: String,
    /// Its projected completion if promised by its SLA date.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub at_sla: Option<Timestamp>,
    /// The promises that squeezing it in by its SLA date would push past
    /// their dates.
    pub squeezed: Vec<Squeezed>,
}

/// Quotes a prospective request for the provider's people of its team.
pub async fn quote(
    ctx: &Context,
    caller: &kept_domain::Principal,
    input: QuoteInput,
) -> Result<QuoteAnswer, Error> {
    let target = super::target::of_prospect(ctx, caller, &input).await?;
    let priority = input.priority.unwrap_or(Priority::Normal);
    let effort = input
        .effort
        .or(target.default_effort)
        .unwrap_or(UNESTIMATED);
    let now = Timestamp::now();
    let sla_due = target.sla_due(now);
    let team = target.team;
    let (quote, members, open, names, away) = with_plan(ctx, team.id, |planned| {
        let assignee = input
            .assignee_id
            .and_then(|a| planned.members.iter().position(|m| *m == a));
        let prospect = Prospect {
            effort,
            priority: rank(priority),
            sla_due,
            assignee,
        };
        // A fresh id marks the prospect: no request has it.
        let quote = planned.plan.quote(prospect, RequestId::new());
        let squeezed: Vec<_> = quote
            .squeezed
            .iter()
            .filter_map(|s| Some((planned.work.get(&s.key)?.clone(), *s)))
            .collect();
        let away = super::words::away(&planned.people, now, quote.realistic);
        (
            quote,
            planned.members.clone(),
            planned.plan.len(),
            squeezed,
            away,
        )
    })
    .await?;
    if let Some(a) = input.assignee_id
        && !members.contains(&a)
    {
        return Err(Error::field("assignee_id", "is not a member of the team"));
    }
    let customers: Vec<PartyId> = names.iter().map(|(w, _)| w.customer_id).collect();
    let customer_names = ctx.party_names(&customers).await?;
    let squeezed = names
        .into_iter()
        .map(|(w, s)| Squeezed {
            request_id: w.id,
            number: w.number,
            subject: w.subject,
            customer: customer_names
                .get(&w.customer_id)
                .cloned()
                .unwrap_or_default(),
            due: s.due,
            projected: s.before,
            projected_after: s.after,
        })
        .collect();
    let load = Load {
        team_id: team.id,
        team: team.name.as_str().to_owned(),
        members: members.len(),
        open,
        ahead: quote.ahead,
        work_ahead: quote.ahead_effort,
    };
    let promise = match (sla_due, quote.realistic) {
        (Some(s), Some(r)) => Some(s.max(r)),
        (s, r) => s.or(r),
    };
    Ok(QuoteAnswer {
        choice_needed: matches!((sla_due, quote.realistic), (Some(s), Some(r)) if r > s),
        reason: reason(&load, &away),
        sla_due,
        realistic: quote.realistic,
        promise,
        load,
        at_sla: quote.at_sla,
        squeezed,
    })
}
