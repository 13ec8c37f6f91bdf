//! The café's order history (chain 3): a year of weekly orders of 8 to 12
//! boxes of 100 for each of its sites, imported as an earlier system's,
//! so that an order of 1000 boxes is questioned from the first day.

use std::collections::HashMap;

use anyhow::Context;
use kept_domain::Timestamp;
use kept_domain::calendar::jiff::SignedDuration;
use kept_domain::order::Quantity;
use kept_domain::{Actor, PartyId, PartyScope};
use kept_store::{ImportedOrder, ServiceQuery, Store};

/// A year of weekly orders, in boxes: the café's usual 8 to 12.
const WEEKLY: [u64; 12] = [10, 8, 12, 9, 11, 10, 10, 12, 8, 9, 11, 10];

/// Imports the history of Corner Café's sites for Crate & Co's boxed goods.
pub async fn seed(
    store: &dyn Store,
    actor: &Actor,
    ids: &HashMap<&str, PartyId>,
) -> anyhow::Result<()> {
    let mut query = ServiceQuery::new(PartyScope::All);
    query.provider_id = Some(ids["crateco"]);
    let boxes = store
        .list_services(&query)
        .await?
        .items
        .into_iter()
        .find(|s| s.name.as_str() == "Boxed goods")
        .context("the demo's boxed goods")?;
    let now = Timestamp::now();
    let mut rows = Vec::new();
    for site in ["riverside", "market"] {
        for week in 1..=52i64 {
            let boxes_ordered = WEEKLY[usize::try_from(week).unwrap_or(0) % WEEKLY.len()];
            rows.push(ImportedOrder {
                customer_id: ids[site],
                service_id: boxes.id,
                quantity: Quantity::of_units(boxes_ordered * 1_000),
                ordered_at: now - SignedDuration::from_hours(24 * 7 * week),
                reference: Some(format!("CC-{site}-{week:02}")),
            });
        }
    }
    store
        .import_orders(actor, rows, &|_| {})
        .await
        .context("importing the café's order history")?;
    Ok(())
}
