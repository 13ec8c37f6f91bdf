//! The request queue as its page shows it: a page of rows, the filter
//! choices the caller may use and their saved filters.

use kept_domain::{ContractId, Cursor, PartyId, Principal};
use kept_store::SavedFilter;

use super::list::{Filter, Row, rows};
use super::saved;
use crate::Context;
use crate::contracts::readable_parties;
use crate::error::Error;

/// What the queue page shows.
#[derive(Debug, Clone)]
pub struct Queue {
    /// The requests the filter finds, most urgent first unless asked.
    pub rows: Vec<Row>,
    /// Where the next page starts.
    pub next_cursor: Option<Cursor>,
    /// The contracts the caller sees, to filter by, by id and name.
    pub contracts: Vec<(ContractId, String)>,
    /// Their customers the caller may read, to filter by, by name.
    pub customers: Vec<(PartyId, String)>,
    /// The caller's saved filters.
    pub saved: Vec<SavedFilter>,
}

/// The queue for the caller: the page `filter` finds (none when the
/// filters typed could not be used), with the filter choices and saved
/// filters, which the page shows either way.
pub async fn queue(
    ctx: &Context,
    caller: &Principal,
    filter: Option<Filter>,
) -> Result<Queue, Error> {
    let (rows, next_cursor) = match filter {
        Some(filter) => {
            let page = rows(ctx, caller, filter).await?;
            (page.items, page.next_cursor)
        }
        None => (Vec::new(), None),
    };
    let (contracts, customers) = filter_choices(ctx, caller).await?;
    Ok(Queue {
        rows,
        next_cursor,
        contracts,
        customers,
        saved: saved::list(ctx, caller).await?,
    })
}

/// The contracts the caller sees, and those contracts' customers the
/// caller may read (a site's people see their contract but not the other
/// sites it serves).
async fn filter_choices(
    ctx: &Context,
    caller: &Principal,
) -> Result<(Vec<(ContractId, String)>, Vec<(PartyId, String)>), Error> {
    let contracts = crate::contracts::seen(ctx, caller).await?;
    let mut listed: Vec<PartyId> = contracts
        .iter()
        .flat_map(|c| c.customer_ids.iter().copied())
        .collect();
    listed.sort();
    listed.dedup();
    let readable = readable_parties(ctx, caller, listed).await?;
    let mut customers: Vec<(PartyId, String)> = ctx
        .store
        .party_names(&readable)
        .await?
        .into_iter()
        .map(|(id, n)| (id, n.as_str().to_owned()))
        .collect();
    customers.sort_by_key(|(_, n)| n.to_lowercase());
    let contracts = contracts
        .into_iter()
        .map(|c| (c.id, c.name.as_str().to_owned()))
        .collect();
    Ok((contracts, customers))
}
