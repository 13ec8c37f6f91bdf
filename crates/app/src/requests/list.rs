//! Lists of requests within what the caller may see: the API's pages with
//! live clocks, and the rows the portal and the queue show, each named by
//! its customer and contract.

use std::collections::HashMap;

use kept_domain::{
    ContractId, Page, PartyId, Principal, Request, RequestId, RequestKind, RequestStatus, SlaState,
    Timestamp, UserId,
};
use kept_store::{RequestOrder, RequestQuery};

use super::{Calendars, RequestView, view};
use crate::Context;
use crate::error::Error;

/// Which requests to list and in which order. The use cases add the
/// caller's scope, so a filter only ever narrows what they may see.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only on this contract.
    pub contract_id: Option<ContractId>,
    /// Only for this customer party or parties under it.
    pub customer_id: Option<PartyId>,
    /// Only asked by this user.
    pub requester_id: Option<UserId>,
    /// Only in these statuses (all when empty).
    pub statuses: Vec<RequestStatus>,
    /// Only of this kind.
    pub kind: Option<RequestKind>,
    /// Only in these SLA states (all when empty).
    pub sla: Vec<SlaState>,
    /// Only those due before this instant.
    pub due_before: Option<Timestamp>,
    /// Only those escalated from this request.
    pub escalated_from: Option<RequestId>,
    /// Only those that came from down the chain (escalated or routed).
    pub from_downstream: bool,
    /// The order.
    pub order: RequestOrder,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: kept_domain::Limit,
}

impl Filter {
    /// The store's query for this filter within what `caller` may see.
    pub(crate) fn within(self, caller: &Principal) -> RequestQuery {
        RequestQuery {
            contract_id: self.contract_id,
            customer_id: self.customer_id,
            requester_id: self.requester_id,
            statuses: self.statuses,
            kind: self.kind,
            sla: self.sla,
            due_before: self.due_before,
            escalated_from: self.escalated_from,
            from_downstream: self.from_downstream,
            order: self.order,
            cursor: self.cursor,
            limit: self.limit,
            ..RequestQuery::new(caller.party_scope(), Some(caller.user_id))
        }
    }
}

/// A page of the requests the caller may see, each with its clocks now.
pub async fn list(
    ctx: &Context,
    caller: &Principal,
    filter: Filter,
) -> Result<Page<RequestView>, Error> {
    let page = ctx.store.list_requests(&filter.within(caller)).await?;
    let now = Timestamp::now();
    let mut calendars = Calendars::default();
    let mut items = Vec::with_capacity(page.items.len());
    for request in page.items {
        items.push(view(ctx, &mut calendars, request, now).await?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// A request as a row of a list, with the names it is shown by.
#[derive(Debug, Clone)]
pub struct Row {
    /// The request.
    pub request: Request,
    /// Its customer's name.
    pub customer: String,
    /// Its contract's name.
    pub contract: String,
    /// The time zone of the calendar its clocks run on, to show its
    /// instants in.
    pub zone: jiff::tz::TimeZone,
    /// Whether it is an order with a quantity confirmed after the quantity
    /// check questioned it.
    pub confirmed: bool,
}

/// A page of the requests the caller may see, as rows.
pub async fn rows(ctx: &Context, caller: &Principal, filter: Filter) -> Result<Page<Row>, Error> {
    let page = ctx.store.list_requests(&filter.within(caller)).await?;
    Ok(Page {
        items: named(ctx, page.items).await?,
        next_cursor: page.next_cursor,
    })
}

/// The portal's list, newest first: the requests the caller raised, or
/// (`following`) every request they may follow, their colleagues' too.
pub async fn portal(
    ctx: &Context,
    caller: &Principal,
    following: bool,
    cursor: Option<String>,
) -> Result<Page<Row>, Error> {
    let filter = Filter {
        order: RequestOrder::Newest,
        requester_id: (!following).then_some(caller.user_id),
        cursor,
        ..Filter::default()
    };
    rows(ctx, caller, filter).await
}

/// `requests` as rows, each contract read once.
pub(crate) async fn named(ctx: &Context, requests: Vec<Request>) -> Result<Vec<Row>, Error> {
    let mut ids: Vec<PartyId> = requests.iter().map(|r| r.customer_id).collect();
    ids.sort();
    ids.dedup();
    let names = ctx.party_names(&ids).await?;
    let orders: Vec<RequestId> = requests
        .iter()
        .filter(|r| r.kind == RequestKind::Order)
        .map(|r| r.id)
        .collect();
    let confirmed = ctx.store.confirmed_orders(&orders).await?;
    let mut contracts: HashMap<ContractId, String> = HashMap::new();
    let mut calendars = Calendars::default();
    let mut out = Vec::with_capacity(requests.len());
    for request in requests {
        if !contracts.contains_key(&request.contract_id) {
            let c = ctx.store.contract(request.contract_id).await?;
            contracts.insert(c.id, c.name.as_str().to_owned());
        }
        let zone = calendars
            .get(ctx, request.calendar_id)
            .await?
            .time_zone()
            .clone();
        out.push(Row {
            zone,
            confirmed: confirmed.contains(&request.id),
            customer: names.get(&request.customer_id).cloned().unwrap_or_default(),
            contract: contracts
                .get(&request.contract_id)
                .cloned()
                .unwrap_or_default(),
            request,
        });
    }
    Ok(out)
}
