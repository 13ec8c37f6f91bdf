//! Requests along the service chain: escalating a request to the supplier
//! of an upstream link, routing a question about a supplier's service to
//! that supplier's contract, and the chain a request page shows.
//!
//! An escalation is a new request on the supplier contract (where the
//! provider of the request is the client), with that contract's targets
//! and calendar, linked to the request it escalates. The supplier's public
//! replies and steps flow back to the request downstream.

use std::collections::HashSet;

use kept_domain::{
    Actor, ChainGraph, Contract, ContractId, Direction, NewRequest, PartyId, PartyScope, Principal,
    Priority, Request, RequestId, RequestKind, RequestRole, ScopeOutcome, Service, ServiceId,
    Targets, Timestamp, UpstreamAnswer, answers_from_upstream, check_scope,
};
use kept_store::{ContractQuery, RequestQuery, RequestRecord};
use serde::{Deserialize, Serialize};

use super::intake::{Intake, raise_linked, record_for};
use super::readable;
use crate::Context;
use crate::error::{Error, Kind};

/// The suppliers of `party` one link up the chain.
async fn direct_suppliers(ctx: &Context, party: PartyId) -> Result<HashSet<PartyId>, Error> {
    let links = ctx.store.chain_links(&PartyScope::All).await?;
    Ok(ChainGraph::new(&links)
        .walk(&[party], Direction::Upstream, 1)
        .into_iter()
        .map(|r| r.party_id)
        .collect())
}

/// The active supplier contracts of `party`: contracts it is a customer of
/// whose provider supplies it directly (a link up the chain).
pub async fn supplier_contracts(ctx: &Context, party: PartyId) -> Result<Vec<Contract>, Error> {
    let suppliers = direct_suppliers(ctx, party).await?;
    let contracts = ctx
        .store
        .list_contracts(&ContractQuery {
            party_id: Some(party),
            limit: kept_domain::Limit::MAX_PAGE,
            ..ContractQuery::new(PartyScope::All, None)
        })
        .await?
        .items;
    Ok(contracts
        .into_iter()
        .filter(|c| suppliers.contains(&c.provider_id) && c.customer_ids.contains(&party))
        .collect())
}

/// The services a question raised under `contract` can be asked about up
/// the chain, with the supplier that delivers each: the offered services
/// of the provider's supplier contracts that the contract does not list
/// itself (those [`route_question`] routes). Sorted by supplier, then name.
pub async fn routable_services(
    ctx: &Context,
    contract: &Contract,
) -> Result<Vec<(Service, String)>, Error> {
    let mut found: Vec<(Service, String)> = Vec::new();
    for upstream in supplier_contracts(ctx, contract.provider_id).await? {
        let supplier = ctx.store.party(upstream.provider_id).await?.name;
        for id in &upstream.service_ids {
            let service = ctx.store.service(*id).await?;
            let routed = service.provider_id == upstream.provider_id
                && service.provider_id != contract.provider_id
                && !contract.service_ids.contains(id)
                && !service.is_archived();
            if routed && !found.iter().any(|(s, _)| s.id == service.id) {
                found.push((service, supplier.as_str().to_owned()));
            }
        }
    }
    found.sort_by_cached_key(|(s, supplier)| {
        (supplier.to_lowercase(), s.name.as_str().to_lowercase())
    });
    Ok(found)
}

/// Routes a question about a supplier's service up the chain: when the
/// contract's provider is a customer of a supplier contract covering the
/// service (with a link from that supplier), the question is recorded on
/// the contract it was asked under (with no clocks of its own: it waits on
/// the supplier) and on the supplier contract, with that contract's
/// targets, asked by the same person on behalf of their party. Returns the
/// asker's request, or `None` when no supplier contract covers it.
pub async fn route_question(
    ctx: &Context,
    caller: &Principal,
    contract: &Contract,
    service: &Service,
    asked: NewRequest,
) -> Result<Option<Request>, Error> {
    if asked.kind != RequestKind::Question || service.provider_id == contract.provider_id {
        return Ok(None);
    }
    let ours = contract.provider_id;
    let Some(upstream) = supplier_contracts(ctx, ours)
        .await?
        .into_iter()
        .find(|c| c.provider_id == service.provider_id && c.service_ids.contains(&service.id))
    else {
        return Ok(None);
    };
    let now = Timestamp::now();
    let terms = ctx.store.terms_at(upstream.id, now).await?;
    let ours_lineage = ctx.store.lineage(ours).await?;
    let check = check_scope(
        &upstream,
        &ours_lineage,
        "",
        service,
        terms.as_ref().map(|t| &t.terms),
        Some(&asked.subject),
    );
    if check.outcome != ScopeOutcome::Covered {
        return Ok(None);
    }
    let actor = Actor::user(caller);
    // The asker's request waits on the supplier: no clocks of its own.
    let asker = RequestRecord {
        check: None,
        calendar: None,
        raised_at: None,
        promise: None,
        lines: Vec::new(),
        terms_version: None,
        calendar_id: contract.calendar_id,
        team_id: None,
        targets: Targets::default(),
        at_risk_percent: ctx.settings.sla_at_risk_percent,
        new: asked.clone(),
    };
    let downstream = ctx.store.create_request(&actor, asker).await?;
    let routed = NewRequest {
        contract_id: upstream.id,
        customer_id: ours,
        escalated_from: Some(downstream.id),
        raised_by_party: Some(asked.customer_id),
        ..asked
    };
    let record = record_for(ctx, &upstream, service, terms.as_ref(), routed);
    ctx.store.create_request(&actor, record).await?;
    Ok(Some(ctx.store.request(downstream.id).await?))
}

/// An escalation of a request to a supplier up the chain.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// The supplier contract (default: the only one that covers the
    /// service).
    pub contract_id: Option<ContractId>,
    /// The supplier's service (default: the request's, if the supplier
    /// contract covers it, or the contract's only service).
    pub service_id: Option<ServiceId>,
    /// Default: the request's subject.
    pub subject: Option<String>,
    /// Default: the request's description.
    pub description: Option<String>,
    /// Default: the request's priority.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "high"))]
    pub priority: Option<Priority>,
}

/// Escalates request `id` to a supplier up the chain, as the provider's
/// people may; returns the new request on the supplier contract.
pub async fn escalate(
    ctx: &Context,
    caller: &Principal,
    id: RequestId,
    escalation: Escalation,
) -> Result<Request, Error> {
    let down = readable(ctx, caller, id).await?;
    if down.role != RequestRole::Provider {
        return Err(
            Error::new(Kind::Forbidden).detail("only the provider's people escalate a request")
        );
    }
    if !down.request.status.is_open() {
        return Err(Error::new(Kind::InvalidTransition).detail(format!(
            "the request is {}; reopen it before escalating",
            down.request.status.as_str().replace('_', " ")
        )));
    }
    let ours = down.contract.provider_id;
    let candidates = supplier_contracts(ctx, ours).await?;
    let wanted_service = escalation.service_id.unwrap_or(down.request.service_id);
    let contract = match escalation.contract_id {
        Some(cid) => candidates
            .into_iter()
            .find(|c| c.id == cid)
            .ok_or_else(|| {
                Error::field(
                    "contract_id",
                    "is not a contract of a supplier up the chain that serves this provider",
                )
            })?,
        None => {
            let mut fitting: Vec<Contract> = candidates
                .into_iter()
                .filter(|c| c.service_ids.contains(&wanted_service) || c.service_ids.len() == 1)
                .collect();
            match fitting.len() {
                1 => fitting.remove(0),
                0 => {
                    return Err(Error::field(
                        "contract_id",
                        "no supplier contract up the chain covers this; name one",
                    ));
                }
                _ => {
                    return Err(Error::field("contract_id", "say which supplier contract"));
                }
            }
        }
    };
    let service_id = match escalation.service_id {
        Some(s) => s,
        None if contract.service_ids.contains(&down.request.service_id) => down.request.service_id,
        None if contract.service_ids.len() == 1 => contract.service_ids[0],
        None => {
            return Err(Error::field(
                "service_id",
                "say which of the supplier's services",
            ));
        }
    };
    let intake = Intake {
        lines: Vec::new(),
        confirm_quantity: false,
        contract_id: contract.id,
        customer_id: Some(ours),
        service_id,
        kind: match down.request.kind {
            RequestKind::InternalTask => RequestKind::ServiceRequest,
            other => other,
        },
        priority: escalation.priority.or(Some(down.request.priority)),
        quantity: down.request.quantity,
        effort: None,
        subject: escalation
            .subject
            .unwrap_or_else(|| down.request.subject.clone()),
        description: escalation
            .description
            .unwrap_or_else(|| down.request.description.clone()),
        requester_id: None,
        override_reason: None,
    };
    raise_linked(ctx, caller, intake, Some(id), None).await
}

/// A request linked along the chain, as a request page shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Linked {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: RequestId,
    /// Its number.
    pub number: i64,
    /// Its subject, when the caller may open it.
    pub subject: Option<String>,
    /// Its status.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: kept_domain::RequestStatus,
    /// The supplier (upstream) or customer (downstream) it is with.
    pub party: String,
    /// Whether the caller may open it.
    pub visible: bool,
}

/// A request's place in the chain.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestChain {
    /// Requests up the chain this one waits on (for the customer's side,
    /// only those routed for them or that they may open).
    pub upstream: Vec<Linked>,
    /// The request down the chain waiting on this one, if any.
    pub downstream: Option<Linked>,
    /// The parties down the chain affected: the downstream request's
    /// customer (or the party that raised it) and everyone they serve.
    pub affected: Vec<String>,
    /// For the customer's side of a request its provider escalated: what
    /// came back from up the chain (the supplier's replies, its fulfilling
    /// the request), without the escalation's details or anyone's
    /// internal notes. Empty for the provider's side, who see it all in
    /// the timeline.
    pub answers: Vec<UpstreamAnswer>,
}

async fn linked(
    ctx: &Context,
    caller: &Principal,
    request: &Request,
    party: PartyId,
) -> Result<Linked, Error> {
    let visible = readable(ctx, caller, request.id).await.is_ok();
    Ok(Linked {
        id: request.id,
        number: request.number,
        subject: visible.then(|| request.subject.clone()),
        status: request.status,
        party: ctx.store.party(party).await?.name.as_str().to_owned(),
        visible,
    })
}

/// The chain around a request the caller may see. An escalation is the
/// provider's business (its events are internal): the customer's side sees
/// only the requests up the chain that were routed for them or that they
/// may open themselves.
pub async fn chain_of(
    ctx: &Context,
    caller: &Principal,
    request: &Request,
) -> Result<RequestChain, Error> {
    let provider = ctx.store.contract(request.contract_id).await?.provider_id;
    let providers_side = caller.is_admin() || caller.reaches(&ctx.store.lineage(provider).await?);
    let ups = ctx
        .store
        .list_requests(&RequestQuery {
            escalated_from: Some(request.id),
            order: kept_store::RequestOrder::Newest,
            limit: kept_domain::Limit::MAX_PAGE,
            ..RequestQuery::new(PartyScope::All, None)
        })
        .await?
        .items;
    let answers = if providers_side || ups.is_empty() {
        Vec::new()
    } else {
        answers_from_upstream(&ctx.store.request_events(request.id, true).await?)
    };
    let mut upstream = Vec::with_capacity(ups.len());
    for up in &ups {
        let supplier = ctx.store.contract(up.contract_id).await?.provider_id;
        let link = linked(ctx, caller, up, supplier).await?;
        if providers_side || up.raised_by_party.is_some() || link.visible {
            upstream.push(link);
        }
    }
    let (downstream, start) = match request.escalated_from {
        Some(down_id) => {
            let down = ctx.store.request(down_id).await?;
            let start = request.raised_by_party.unwrap_or(down.customer_id);
            (
                Some(linked(ctx, caller, &down, down.customer_id).await?),
                Some(start),
            )
        }
        None => (None, request.raised_by_party),
    };
    let mut affected = Vec::new();
    if let Some(start) = start {
        let links = ctx.store.chain_links(&PartyScope::All).await?;
        let mut ids = vec![start];
        ids.extend(
            ChainGraph::new(&links)
                .walk(&[start], Direction::Downstream, 10)
                .into_iter()
                .map(|r| r.party_id),
        );
        for (_, name) in ctx.store.party_names(&ids).await? {
            affected.push(name.as_str().to_owned());
        }
    }
    Ok(RequestChain {
        upstream,
        downstream,
        affected,
        answers,
    })
}

/// The chain around request `id`, which the caller must see.
pub async fn chain(
    ctx: &Context,
    caller: &Principal,
    id: RequestId,
) -> Result<RequestChain, Error> {
    let found = super::readable(ctx, caller, id).await?;
    chain_of(ctx, caller, &found.request).await
}

/// [`escalate`], answered with the new supplier request's clocks.
pub async fn escalate_shown(
    ctx: &Context,
    caller: &Principal,
    id: RequestId,
    escalation: Escalation,
) -> Result<super::RequestView, Error> {
    let up = escalate(ctx, caller, id, escalation).await?;
    super::shown(ctx, up).await
}
