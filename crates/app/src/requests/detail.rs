//! Everything a request's page shows, read in one use case: the request
//! with its clocks, the timeline the caller may see, who is named in it,
//! the chain around it and the suppliers it could be escalated to.

use std::collections::HashMap;

use kept_domain::{
    ClockView, Contract, PartyId, Principal, Request, RequestEvent, RequestId, RequestRole,
    Timestamp, UserId,
};

use super::chain::{RequestChain, chain_of, supplier_contracts};
use super::{Calendars, Readable, readable, view};
use crate::Context;
use crate::error::{Error, Kind};
use crate::services::readable_service;

/// A request as its page shows it.
#[derive(Debug, Clone)]
pub struct RequestDetail {
    /// The request.
    pub request: Request,
    /// Its clocks, read now.
    pub clocks: Vec<ClockView>,
    /// The time zone of the calendar its clocks run on, to tell its
    /// customer when things are due.
    pub zone: jiff::tz::TimeZone,
    /// The caller's part in it.
    pub role: RequestRole,
    /// Its contract.
    pub contract: Contract,
    /// Its timeline, internal notes only for the provider's side.
    pub events: Vec<RequestEvent>,
    /// The names of the users the timeline and the request name (the
    /// assignees too, for the provider's side).
    pub users: HashMap<UserId, String>,
    /// The names of the customer, of the party it was routed from, and
    /// (for the provider's side) of the teams it was assigned to.
    pub parties: HashMap<PartyId, String>,
    /// The service's name.
    pub service: String,
    /// Whether the caller may open the service (a question routed up the
    /// chain names a supplier's service the asker may not open).
    pub service_link: bool,
    /// The requests up and down the chain from this one.
    pub chain: RequestChain,
    /// The supplier contracts it may be escalated on (provider's side, open
    /// requests only), by id and name.
    pub suppliers: Vec<(kept_domain::ContractId, String)>,
    /// The teams it may be assigned to, each with its members (the
    /// provider's agents and managers, open requests only).
    pub teams: Vec<crate::teams::view::AssignChoice>,
    /// Its promise, the dates proposed, and (for the provider's side) the
    /// plan's projection.
    pub promise: crate::promises::PromiseView,
    /// An order's lines, with the customer's usual beside each.
    pub lines: Vec<crate::orders::LineView>,
}

/// The teams and people an assignment names: the request's own and those
/// of its `assigned` events.
fn assigned(request: &Request, events: &[RequestEvent]) -> (Vec<PartyId>, Vec<UserId>) {
    fn id<T: std::str::FromStr>(v: &serde_json::Value) -> Option<T> {
        v.as_str().and_then(|s| s.parse().ok())
    }
    let of_events = events
        .iter()
        .filter(|e| e.kind == kept_domain::EventKind::Assigned);
    let teams = of_events
        .clone()
        .filter_map(|e| id(&e.data["team_id"]))
        .chain(request.team_id)
        .collect();
    let people = of_events
        .filter_map(|e| id(&e.data["assignee_id"]))
        .chain(request.assignee_id)
        .collect();
    (teams, people)
}

/// The timeline of the request `id` as the caller may see it: internal
/// notes only for the provider's side.
pub async fn timeline(
    ctx: &Context,
    caller: &Principal,
    id: RequestId,
) -> Result<Vec<RequestEvent>, Error> {
    events_of(ctx, &readable(ctx, caller, id).await?).await
}

/// The events of `found` its reader may see.
async fn events_of(ctx: &Context, found: &Readable) -> Result<Vec<RequestEvent>, Error> {
    let internal = found.role == RequestRole::Provider;
    Ok(ctx.store.request_events(found.request.id, internal).await?)
}

/// The request `id` as the caller may see it, with its page's context.
pub async fn detail(
    ctx: &Context,
    caller: &Principal,
    id: RequestId,
) -> Result<RequestDetail, Error> {
    let found = readable(ctx, caller, id).await?;
    let is_provider = found.role == RequestRole::Provider;
    let events = events_of(ctx, &found).await?;
    let (teams, people) = if is_provider {
        assigned(&found.request, &events)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut users = HashMap::new();
    for uid in events
        .iter()
        .filter_map(|e| e.actor_id)
        .chain([found.request.requester_id])
        .chain(people)
    {
        if let std::collections::hash_map::Entry::Vacant(slot) = users.entry(uid) {
            slot.insert(ctx.store.user(uid).await?.name.as_str().to_owned());
        }
    }
    let request = found.request;
    let named: Vec<PartyId> = [request.customer_id]
        .into_iter()
        .chain(request.raised_by_party)
        .chain(teams)
        .collect();
    let parties = ctx
        .store
        .party_names(&named)
        .await?
        .into_iter()
        .map(|(id, n)| (id, n.as_str().to_owned()))
        .collect();
    let service = ctx
        .store
        .service(request.service_id)
        .await?
        .name
        .as_str()
        .to_owned();
    let service_link = match readable_service(ctx, caller, request.service_id).await {
        Ok(_) => true,
        Err(e) if e.kind == Kind::NotFound => false,
        Err(e) => return Err(e),
    };
    let chain = chain_of(ctx, caller, &request).await?;
    let suppliers = if is_provider && request.status.is_open() {
        supplier_contracts(ctx, found.contract.provider_id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name.as_str().to_owned()))
            .collect()
    } else {
        Vec::new()
    };
    let teams = if is_provider && request.status.is_open() {
        crate::teams::view::assign_choices(ctx, caller, found.contract.provider_id).await?
    } else {
        Vec::new()
    };
    let promise = crate::promises::view(ctx, caller, id).await?;
    let lines = crate::orders::line_views(ctx, &request).await?;
    let mut calendars = Calendars::default();
    let zone = calendars
        .get(ctx, request.calendar_id)
        .await?
        .time_zone()
        .clone();
    let shown = view(ctx, &mut calendars, request, Timestamp::now()).await?;
    Ok(RequestDetail {
        request: shown.request,
        clocks: shown.clocks,
        zone,
        role: found.role,
        contract: found.contract,
        events,
        users,
        parties,
        service,
        service_link,
        chain,
        suppliers,
        teams,
        promise,
        lines,
    })
}
