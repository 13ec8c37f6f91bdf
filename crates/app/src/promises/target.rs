//! What a promise is weighed against: the team that does the work and
//! the SLA due instant from the terms in force.

use std::sync::Arc;

use kept_domain::calendar::{BusinessDuration, Calendar};
use kept_domain::sla::{ClockKind, RequestClock, start_clocks};
use kept_domain::{Party, PartyKind, Principal, Request, RequestKind, Targets, Timestamp};
use kept_store::StoreError;

use super::quote::QuoteInput;
use crate::Context;
use crate::error::Error;
use crate::requests::intake::record_for;

/// A prospective request's team, targets and calendar.
pub struct Target {
    /// The team that would do it.
    pub team: Party,
    /// Its service's typical effort.
    pub default_effort: Option<BusinessDuration>,
    /// Its SLA targets.
    pub targets: Targets,
    /// The calendar its clocks would run on.
    pub calendar: Arc<Calendar>,
    /// Its kind: which clocks it would start.
    pub kind: RequestKind,
}

impl Target {
    /// When its SLA would fall due if raised at `now`: its delivery clock's
    /// (an order's), else its resolution clock's.
    pub fn sla_due(&self, now: Timestamp) -> Option<Timestamp> {
        let clocks = start_clocks(self.kind, &self.targets, now);
        due_of(&clocks, &self.calendar, 0)
    }
}

/// The team a request goes to, which the caller must be able to read.
pub async fn team_of(
    ctx: &Context,
    caller: &Principal,
    id: kept_domain::PartyId,
) -> Result<Party, Error> {
    let team = match ctx.store.party(id).await {
        Ok(p) if p.kind == PartyKind::Team => p,
        Ok(_) | Err(StoreError::NotFound) => {
            return Err(Error::field("team_id", "no such team"));
        }
        Err(e) => return Err(e.into()),
    };
    let lineage = ctx.store.lineage(id).await?;
    if !caller.read_team(&lineage).is_allowed() {
        return Err(Error::field("team_id", "no such team"));
    }
    Ok(team)
}

/// The target of a prospective request on a running contract the caller
/// sees, for the provider's people of its team.
pub async fn of_prospect(
    ctx: &Context,
    caller: &Principal,
    input: &QuoteInput,
) -> Result<Target, Error> {
    let contract = match crate::contracts::visible(ctx, caller, input.contract_id).await {
        Err(StoreError::NotFound) => return Err(Error::field("contract_id", "no such contract")),
        other => other?,
    };
    let service = match ctx.store.service(input.service_id).await {
        Err(StoreError::NotFound) => return Err(Error::field("service_id", "no such service")),
        other => other?,
    };
    let team_id = input
        .team_id
        .or(service.default_team_id)
        .ok_or_else(|| Error::field("team_id", "the service has no default team: name the team"))?;
    let team = team_of(ctx, caller, team_id).await?;
    let terms = ctx.store.terms_at(contract.id, Timestamp::now()).await?;
    let new = kept_domain::NewRequest {
        contract_id: contract.id,
        customer_id: contract.client_id,
        requester_id: caller.user_id,
        service_id: service.id,
        kind: input.kind.unwrap_or(RequestKind::ServiceRequest),
        priority: input.priority.unwrap_or(kept_domain::Priority::Normal),
        quantity: None,
        effort: input.effort,
        subject: String::new(),
        description: String::new(),
        override_reason: None,
        escalated_from: None,
        raised_by_party: None,
    };
    let record = record_for(ctx, &contract, &service, terms.as_ref(), new);
    Ok(Target {
        team,
        default_effort: service.default_effort,
        targets: record.targets,
        calendar: ctx.store.compiled_calendar(record.calendar_id).await?,
        kind: record.new.kind,
    })
}

/// The SLA due instant of a request: its delivery clock's, else its
/// resolution clock's, while that clock counts.
pub async fn sla_due_of(ctx: &Context, request: &Request) -> Result<Option<Timestamp>, Error> {
    let calendar = ctx.store.compiled_calendar(request.calendar_id).await?;
    Ok(due_of(
        &request.clocks,
        &calendar,
        ctx.settings.sla_at_risk_percent,
    ))
}

/// The due instant of the delivery clock among `clocks`, else of the
/// resolution clock.
pub(crate) fn due_of(
    clocks: &[RequestClock],
    calendar: &Calendar,
    percent: u8,
) -> Option<Timestamp> {
    let due = |kind| {
        clocks
            .iter()
            .find(|c| c.kind == kind)
            .and_then(|c| c.times(calendar, percent).due_at)
    };
    due(ClockKind::Delivery).or_else(|| due(ClockKind::Resolution))
}
