//! What each person finds when they sign in: the work of each of their
//! roles. A store's people see their requests and what happens next; a
//! client the contract across its sites; an agent the queue; a manager
//! the queue and what needs a decision; a supplier what was escalated or
//! routed to them; an approver the change requests awaiting their word.
//! A person with several roles gets every part that has something in it.

use std::collections::{BTreeMap, HashMap};

use kept_domain::{
    ChangeRequest, ChangeStatus, Contract, ContractId, Limit, Principal, RequestStatus, Role,
    SlaState, TermsVersion, Timestamp, terms_at,
};
use kept_store::{ChangeRequestQuery, ContractQuery, RequestQuery};

use crate::Context;
use crate::error::Error;
use crate::governance::{ChangeEntry, contract_governance};
use crate::requests::chain::chain_of;
use crate::requests::list::{Filter, Row, rows};

/// How many rows each part of a home shows before linking to the full list.
const SHOWN: u32 = 10;

/// The statuses in which a request still needs someone to act.
const OPEN: [RequestStatus; 5] = [
    RequestStatus::New,
    RequestStatus::Acknowledged,
    RequestStatus::InProgress,
    RequestStatus::AwaitingCustomer,
    RequestStatus::Fulfilled,
];

/// A person's home: each part is there for the roles that use it.
#[derive(Default)]
pub struct Home {
    /// Customers: the requests they follow that are not finished, the ones
    /// waiting for them first.
    pub mine: Option<Vec<Row>>,
    /// Agents and managers: the most urgent open requests.
    pub queue: Option<Vec<Row>>,
    /// Managers: open requests at risk or past a target.
    pub at_risk: Option<Vec<Row>>,
    /// Managers: requests escalated or routed up the chain to suppliers,
    /// still open there.
    pub upstream: Option<Vec<Row>>,
    /// Suppliers (and a provider's people): what came from down the chain
    /// to them, with the customers affected down it.
    pub addressed: Option<Vec<Addressed>>,
    /// Change requests the caller may decide (approvers) or apply
    /// (managers), with what each changes.
    pub changes: Vec<PendingChange>,
    /// Clients: each contract they placed, across its customers.
    pub contracts: Option<Vec<Overview>>,
}

/// A request from down the chain, with who waits on it down there.
pub struct Addressed {
    /// The request.
    pub row: Row,
    /// The customers down the chain it affects, by name.
    pub affected: Vec<String>,
}

/// A change request waiting for the caller.
pub struct PendingChange {
    /// The contract it changes.
    pub contract: Contract,
    /// It, with what it changes and the caller's steps.
    pub entry: ChangeEntry,
}

/// A contract as its client sees it at a glance.
pub struct Overview {
    /// The contract.
    pub contract: Contract,
    /// Each customer on it, by name: open requests and how many of them
    /// are past a target.
    pub sites: Vec<SiteCount>,
    /// The terms in force.
    pub terms: Option<TermsVersion>,
    /// Change requests not yet decided or applied, newest first.
    pub pending: Vec<ChangeRequest>,
}

impl Overview {
    /// How many of its customers have open requests.
    pub fn busy(&self) -> usize {
        self.sites.iter().filter(|s| s.open > 0).count()
    }

    /// How many have none.
    pub fn quiet(&self) -> usize {
        self.sites.len() - self.busy()
    }
}

/// One customer's open work.
pub struct SiteCount {
    /// The customer's name.
    pub name: String,
    /// Open requests.
    pub open: u64,
    /// Of which past a target.
    pub breached: u64,
}

/// The home of `caller`.
pub async fn home(ctx: &Context, caller: &Principal) -> Result<Home, Error> {
    let has = |role: Role| caller.has_role(role);
    let works = has(Role::Agent) || has(Role::Manager) || caller.is_admin();
    let mut home = Home::default();
    if has(Role::Customer) || has(Role::Client) {
        home.mine = Some(mine(ctx, caller).await?);
    }
    if works {
        home.queue = Some(open_rows(ctx, caller, Filter::default()).await?);
    }
    if has(Role::Manager) || caller.is_admin() {
        let filter = Filter {
            sla: vec![SlaState::Breached, SlaState::AtRisk],
            ..Filter::default()
        };
        home.at_risk = Some(open_rows(ctx, caller, filter).await?);
    }
    if has(Role::Supplier) || has(Role::Manager) || has(Role::Agent) {
        let (addressed, upstream) = from_downstream(ctx, caller).await?;
        if has(Role::Supplier) || !addressed.is_empty() {
            home.addressed = Some(addressed);
        }
        if has(Role::Manager) {
            home.upstream = Some(upstream);
        }
    }
    home.changes = pending_changes(ctx, caller).await?;
    if has(Role::Client) {
        home.contracts = Some(overviews(ctx, caller).await?);
    }
    Ok(home)
}

/// The first page of open requests `filter` finds, most urgent first.
async fn open_rows(ctx: &Context, caller: &Principal, filter: Filter) -> Result<Vec<Row>, Error> {
    let filter = Filter {
        statuses: OPEN.to_vec(),
        limit: Limit::clamped(SHOWN),
        ..filter
    };
    Ok(rows(ctx, caller, filter).await?.items)
}

/// The requests a customer follows that are not finished: those waiting
/// for them first, then the most urgent.
async fn mine(ctx: &Context, caller: &Principal) -> Result<Vec<Row>, Error> {
    let theirs = Filter {
        statuses: vec![RequestStatus::AwaitingCustomer, RequestStatus::Fulfilled],
        limit: Limit::clamped(SHOWN),
        ..Filter::default()
    };
    let mut found = rows(ctx, caller, theirs).await?.items;
    let ours = Filter {
        statuses: vec![
            RequestStatus::New,
            RequestStatus::Acknowledged,
            RequestStatus::InProgress,
        ],
        limit: Limit::clamped(SHOWN),
        ..Filter::default()
    };
    found.extend(rows(ctx, caller, ours).await?.items);
    Ok(found)
}

/// Open requests that came from down the chain, split by side: those on
/// contracts the caller provides (addressed to them, with the customers
/// affected) and those on suppliers' contracts (waiting upstream).
async fn from_downstream(
    ctx: &Context,
    caller: &Principal,
) -> Result<(Vec<Addressed>, Vec<Row>), Error> {
    let filter = Filter {
        statuses: OPEN.to_vec(),
        from_downstream: true,
        limit: Limit::clamped(SHOWN * 2),
        ..Filter::default()
    };
    let found = rows(ctx, caller, filter).await?.items;
    let mut providers: HashMap<ContractId, bool> = HashMap::new();
    let (mut addressed, mut upstream) = (Vec::new(), Vec::new());
    for row in found {
        let contract = row.request.contract_id;
        let ours = match providers.get(&contract) {
            Some(ours) => *ours,
            None => {
                let provider = ctx.store.contract(contract).await?.provider_id;
                let ours = caller.reaches(&ctx.store.lineage(provider).await?);
                providers.insert(contract, ours);
                ours
            }
        };
        if ours {
            let affected = chain_of(ctx, caller, &row.request).await?.affected;
            addressed.push(Addressed { row, affected });
        } else {
            upstream.push(row);
        }
    }
    Ok((addressed, upstream))
}

/// The change requests waiting for the caller: submitted to a steering
/// group they sit on and not yet decided by them, or approved on a
/// contract they may apply it to.
async fn pending_changes(ctx: &Context, caller: &Principal) -> Result<Vec<PendingChange>, Error> {
    let query = ChangeRequestQuery {
        statuses: vec![ChangeStatus::Submitted, ChangeStatus::Approved],
        limit: Limit::MAX_PAGE,
        ..ChangeRequestQuery::new(caller.party_scope(), Some(caller.user_id))
    };
    let candidates = ctx.store.list_change_requests(&query).await?.items;
    let mut by_contract: BTreeMap<ContractId, Vec<ChangeRequest>> = BTreeMap::new();
    for cr in candidates {
        by_contract.entry(cr.contract_id).or_default().push(cr);
    }
    let mut pending = Vec::new();
    for (id, crs) in by_contract {
        let contract = ctx.store.contract(id).await?;
        let view = contract_governance(ctx, caller, &contract).await?;
        for entry in view.changes {
            let waiting = entry.steps.decide || entry.steps.apply;
            if waiting && crs.iter().any(|cr| cr.id == entry.change.id) {
                pending.push(PendingChange {
                    contract: contract.clone(),
                    entry,
                });
            }
        }
    }
    Ok(pending)
}

/// The running contracts the caller placed, each across its customers.
async fn overviews(ctx: &Context, caller: &Principal) -> Result<Vec<Overview>, Error> {
    let contracts = ctx
        .store
        .list_contracts(&ContractQuery {
            limit: Limit::MAX_PAGE,
            ..ContractQuery::new(caller.party_scope(), Some(caller.user_id))
        })
        .await?
        .items;
    let now = Timestamp::now();
    let mut out = Vec::new();
    for contract in contracts {
        let client = ctx.store.lineage(contract.client_id).await?;
        if contract.archived_at.is_some() || !caller.reaches(&client) {
            continue;
        }
        out.push(overview(ctx, caller, contract, now).await?);
    }
    Ok(out)
}

/// One contract across its customers, for its client.
async fn overview(
    ctx: &Context,
    caller: &Principal,
    contract: Contract,
    now: Timestamp,
) -> Result<Overview, Error> {
    let counts = ctx
        .store
        .open_request_counts(&RequestQuery {
            contract_id: Some(contract.id),
            ..RequestQuery::new(caller.party_scope(), Some(caller.user_id))
        })
        .await?;
    let names = ctx.party_names(&contract.customer_ids).await?;
    let mut sites: Vec<SiteCount> = contract
        .customer_ids
        .iter()
        .map(|id| {
            let count = counts.iter().find(|c| c.customer_id == *id);
            SiteCount {
                name: names.get(id).cloned().unwrap_or_default(),
                open: count.map_or(0, |c| c.open),
                breached: count.map_or(0, |c| c.breached),
            }
        })
        .collect();
    sites.sort_by(|a, b| (b.breached, b.open, &a.name).cmp(&(a.breached, a.open, &b.name)));
    let versions = ctx.store.terms_versions(contract.id).await?;
    let terms = terms_at(&versions, now).cloned();
    let pending = ctx
        .store
        .list_change_requests(&ChangeRequestQuery {
            contract_id: Some(contract.id),
            statuses: vec![
                ChangeStatus::Draft,
                ChangeStatus::Submitted,
                ChangeStatus::Approved,
            ],
            ..ChangeRequestQuery::new(caller.party_scope(), Some(caller.user_id))
        })
        .await?
        .items;
    Ok(Overview {
        contract,
        sites,
        terms,
        pending,
    })
}
