//! Requests as the API and the pages use them: who may see and do what,
//! the intake that raises them, and their views with live clocks.
//!
//! Handlers in `api::requests` and `web::requests` stay thin: they parse
//! input and call these.

pub mod chain;
pub mod detail;
pub mod filters;
pub mod intake;
pub mod list;
pub mod options;
pub mod queue;
pub mod saved;

pub use filters::parse_statuses;

use std::collections::HashMap;
use std::sync::Arc;

use kept_domain::calendar::Calendar;
use kept_domain::{
    Actor, CalendarId, ClockView, Contract, Principal, Request, RequestAction, RequestChange,
    RequestEvent, RequestId, RequestRole, Timestamp,
};
use kept_store::StoreError;
use serde::Serialize;

use crate::Context;
use crate::error::Error;

/// A request with its clocks as they stand now.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestView {
    /// The request.
    #[serde(flatten)]
    pub request: Request,
    /// Its SLA clocks, read at the time of the answer.
    pub clocks: Vec<ClockView>,
}

/// Compiled calendars for a batch of views, read once each.
#[derive(Default)]
pub struct Calendars(HashMap<Option<CalendarId>, Arc<Calendar>>);

impl Calendars {
    /// The compiled calendar `id`.
    pub async fn get(
        &mut self,
        ctx: &Context,
        id: Option<CalendarId>,
    ) -> Result<Arc<Calendar>, Error> {
        if let Some(c) = self.0.get(&id) {
            return Ok(c.clone());
        }
        let calendar = ctx.store.compiled_calendar(id).await?;
        self.0.insert(id, calendar.clone());
        Ok(calendar)
    }
}

/// [`act`], answered with the request's clocks as they stand and the
/// events appended.
pub async fn act_shown(
    ctx: &Context,
    caller: &Principal,
    id: RequestId,
    change: RequestChange,
) -> Result<(RequestView, Vec<RequestEvent>), Error> {
    let (request, events) = act(ctx, caller, id, change).await?;
    Ok((shown(ctx, request).await?, events))
}

/// A request the caller may see, with its clocks now.
pub async fn get(ctx: &Context, caller: &Principal, id: RequestId) -> Result<RequestView, Error> {
    let found = readable(ctx, caller, id).await?;
    shown(ctx, found.request).await
}

/// `request` with its clocks now: what a use case that just wrote a
/// request answers.
pub async fn shown(ctx: &Context, request: Request) -> Result<RequestView, Error> {
    view(ctx, &mut Calendars::default(), request, Timestamp::now()).await
}

/// The view of `request` at `now`.
pub async fn view(
    ctx: &Context,
    calendars: &mut Calendars,
    request: Request,
    now: Timestamp,
) -> Result<RequestView, Error> {
    let calendar = calendars.get(ctx, request.calendar_id).await?;
    let percent = ctx.settings.sla_at_risk_percent;
    let clocks = request
        .clocks
        .iter()
        .map(|c| c.view(&calendar, now, percent))
        .collect();
    Ok(RequestView { request, clocks })
}

/// A request the caller may see, with their part in it and its contract.
pub struct Readable {
    /// The request.
    pub request: Request,
    /// The caller's part.
    pub role: RequestRole,
    /// Its contract.
    pub contract: Contract,
}

/// Loads a request the caller may see; 404 otherwise.
pub async fn readable(ctx: &Context, caller: &Principal, id: RequestId) -> Result<Readable, Error> {
    let request = ctx
        .store
        .visible_request(id, &caller.party_scope(), Some(caller.user_id))
        .await?;
    let contract = ctx.store.contract(request.contract_id).await?;
    let provider = ctx.store.lineage(contract.provider_id).await?;
    let client = ctx.store.lineage(contract.client_id).await?;
    let customer = ctx.store.lineage(request.customer_id).await?;
    let role = caller
        .request_role(&provider, &client, &customer, request.requester_id)
        .ok_or_else(Error::not_found)?;
    Ok(Readable {
        request,
        role,
        contract,
    })
}

/// Applies a step, reply or note as the caller may: the customer's side
/// replies, closes, reopens and cancels; only the provider's side takes
/// the other steps and writes notes.
pub async fn act(
    ctx: &Context,
    caller: &Principal,
    id: RequestId,
    change: RequestChange,
) -> Result<(Request, Vec<RequestEvent>), Error> {
    let change = permitted(ctx, caller, id, change).await?;
    match ctx
        .store
        .act_on_request(
            &Actor::user(caller),
            id,
            change,
            ctx.settings.sla_at_risk_percent,
        )
        .await
    {
        Err(StoreError::NotFound) => Err(Error::not_found()),
        other => Ok(other?),
    }
}

/// The change as [`act`] would apply it (a reply's side set from the
/// caller's part), or its refusal: the rule of [`act`], for front ends
/// that record something with the change (a message mailed in).
pub async fn permitted(
    ctx: &Context,
    caller: &Principal,
    id: RequestId,
    change: RequestChange,
) -> Result<RequestChange, Error> {
    let readable = readable(ctx, caller, id).await?;
    let allowed = match (&change, readable.role) {
        (_, RequestRole::Provider) => true,
        (RequestChange::Act { action, .. }, RequestRole::Customer) => !action.is_providers(),
        (RequestChange::Reply { .. }, RequestRole::Customer) => true,
        (RequestChange::Note { .. }, RequestRole::Customer) => false,
    };
    if !allowed {
        let what = match &change {
            RequestChange::Act { action, .. } => format!("{action} a request"),
            _ => "write internal notes".to_owned(),
        };
        return Err(Error::new(crate::error::Kind::Forbidden)
            .detail(format!("only the provider's people {what}")));
    }
    Ok(match change {
        RequestChange::Reply { body, .. } => RequestChange::Reply {
            body,
            side: match readable.role {
                RequestRole::Provider => kept_domain::ReplySide::Provider,
                RequestRole::Customer => kept_domain::ReplySide::Customer,
            },
        },
        other => other,
    })
}

/// Parses an action's name, naming the field when unknown.
pub fn parse_action(raw: &str) -> Result<RequestAction, Error> {
    raw.parse().map_err(|e: String| Error::field("action", e))
}
