//! What the raise form offers the caller: the contracts they may raise
//! on and, for the one chosen, the customers, services and kinds they may
//! raise for, whether they raise on behalf of others and may accept what
//! the contract does not cover. The intake enforces the same rule
//! ([`kept_domain::Raiser`]), so the form offers what the intake accepts.

use std::collections::HashMap;

use kept_domain::{
    Contract, ContractId, Limit, PartyId, PartyKind, PartyScope, Principal, Raiser, RequestKind,
    Service,
};
use kept_store::{ContractQuery, PartyQuery, StoreError};

use super::chain::routable_services;
use super::intake::raiser_on;
use crate::Context;
use crate::contracts::visible;
use crate::error::Error;

/// What the raise form offers.
#[derive(Debug, Clone)]
pub struct RaiseOptions {
    /// The running contracts the caller sees, to choose from.
    pub contracts: Vec<(ContractId, String)>,
    /// The chosen contract's offer, when it is one of them.
    pub chosen: Option<Offer>,
}

/// What the caller may raise on one contract.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The contract.
    pub contract: Contract,
    /// Its provider's name.
    pub provider: String,
    /// The caller's part: on behalf of others, and whether they may
    /// override the contract's scope.
    pub raiser: Raiser,
    /// The kinds they may raise.
    pub kinds: Vec<RequestKind>,
    /// The parties they may raise for, by their path from the listed
    /// customer ("Leeds › Bakery"), by name.
    pub customers: Vec<(PartyId, String)>,
    /// The contract's services, by name (with their units, for the
    /// quantity's label).
    pub services: Vec<Service>,
    /// Services of suppliers up the chain a question is routed to, with
    /// the supplier's name.
    pub asks: Vec<(Service, String)>,
}

/// The raise form's offer to the caller, for `contract` when given.
pub async fn options(
    ctx: &Context,
    caller: &Principal,
    contract: Option<ContractId>,
) -> Result<RaiseOptions, Error> {
    let contracts = ctx
        .store
        .list_contracts(&ContractQuery {
            limit: Limit::MAX_PAGE,
            ..ContractQuery::new(caller.party_scope(), Some(caller.user_id))
        })
        .await?
        .items
        .into_iter()
        .filter(|c| !c.is_archived())
        .map(|c| (c.id, c.name.as_str().to_owned()))
        .collect();
    // The same contracts the intake raises on: seen and running.
    let running = match contract {
        None => None,
        Some(id) => match visible(ctx, caller, id).await {
            Ok(c) if !c.is_archived() => Some(c),
            Ok(_) | Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
    };
    let chosen = match running {
        Some(c) => Some(offer(ctx, caller, c).await?),
        None => None,
    };
    Ok(RaiseOptions { contracts, chosen })
}

/// What the caller may raise on `contract`.
async fn offer(ctx: &Context, caller: &Principal, contract: Contract) -> Result<Offer, Error> {
    let provider = ctx.store.party(contract.provider_id).await?.name;
    let raiser = raiser_on(ctx, caller, &contract).await?;
    let customers = customers_for(ctx, caller, raiser, &contract).await?;
    let mut services = Vec::with_capacity(contract.service_ids.len());
    for id in &contract.service_ids {
        services.push(ctx.store.service(*id).await?);
    }
    services.sort_by_key(|s| s.name.as_str().to_lowercase());
    Ok(Offer {
        asks: routable_services(ctx, &contract).await?,
        provider: provider.as_str().to_owned(),
        kinds: raiser.kinds().collect(),
        raiser,
        customers,
        services,
        contract,
    })
}

/// The parties the caller may raise requests for under `contract`: each
/// listed customer they may raise for whole, with the organisations,
/// sites, departments and teams under it, or, where they reach only part
/// of a listed customer, that part and the units under it. Nested parties
/// are named by their path from the listed customer ("Leeds › Bakery"),
/// so two departments of the same name at two sites can be told apart.
async fn customers_for(
    ctx: &Context,
    caller: &Principal,
    raiser: Raiser,
    contract: &Contract,
) -> Result<Vec<(PartyId, String)>, Error> {
    let listed = &contract.customer_ids;
    let mut tops: Vec<(PartyId, PartyId)> = Vec::new(); // (listed customer, subtree top)
    for id in listed {
        let lineage = ctx.store.lineage(*id).await?;
        if caller.may_raise_for(raiser, listed, &lineage) {
            tops.push((*id, *id));
            continue;
        }
        for root in caller.roots().filter(|r| r != id) {
            let below = ctx.store.lineage(root).await?;
            if below.contains(*id) && ctx.store.party(root).await?.kind != PartyKind::Person {
                tops.push((*id, root));
            }
        }
    }
    let mut offered: Vec<(PartyId, PartyId)> = Vec::new(); // (listed customer, party)
    for (listed, top) in tops {
        offered.push((listed, top));
        offered.extend(
            units_under(ctx, top)
                .await?
                .into_iter()
                .map(|p| (listed, p)),
        );
    }
    offered.sort();
    offered.dedup_by_key(|(_, p)| *p);
    let mut named = Vec::with_capacity(offered.len());
    for (listed, id) in offered {
        let lineage = ctx.store.lineage(id).await?;
        let path: Vec<PartyId> = lineage
            .0
            .iter()
            .copied()
            .skip_while(|p| *p != listed)
            .collect();
        let names: HashMap<PartyId, String> = ctx.party_names(&path).await?;
        let label: Vec<&str> = path
            .iter()
            .filter_map(|p| names.get(p).map(String::as_str))
            .collect();
        named.push((id, label.join(" › ")));
    }
    named.sort_by_key(|(_, n)| n.to_lowercase());
    Ok(named)
}

/// The organisations, sites, departments and teams under `top`: one
/// query per kind, so the people under a large customer (who are not
/// offered) do not crowd its units out of a page.
async fn units_under(ctx: &Context, top: PartyId) -> Result<Vec<PartyId>, Error> {
    let mut units = Vec::new();
    for kind in [
        PartyKind::Organisation,
        PartyKind::Site,
        PartyKind::Department,
        PartyKind::Team,
    ] {
        let under = ctx
            .store
            .list_parties(&PartyQuery {
                under: Some(top),
                kind: Some(kind),
                limit: Limit::MAX_PAGE,
                ..PartyQuery::new(PartyScope::All)
            })
            .await?;
        units.extend(under.items.iter().map(|p| p.id));
    }
    Ok(units)
}
