//! The quantity check, in the transaction that records orders: the
//! histories every order of a group needs are read in one statement there,
//! on the connection already writing, and each order's lines are settled
//! against them by the domain's rule. An order left with a question is not
//! recorded; the others of its group are.
//!
//! Reading in the write transaction costs the group one statement on a
//! warm connection, where a read of its own would cost each order a pooled
//! connection and a round trip to it; and the check sees every order
//! recorded before its own.

use kept_domain::order::{
    LineQuestion, OrderToSettle, USUAL_FROM_ITEM, USUAL_FROM_OWN, Usual, usual_from,
};
use kept_domain::{PartyId, ServiceId};
use sqlx::AnyConnection;

use super::history::{self, Wanted};
use crate::error::{Result, StoreError};
use crate::requests::create::Prepared;

/// Settles the orders of `group` waiting for the check: each one's lines
/// are set and its check done, or its questions are returned in its place
/// (none for a request that may be recorded).
pub(crate) async fn settle_group(
    conn: &mut AnyConnection,
    group: &mut [Prepared],
) -> Result<Vec<Option<Vec<LineQuestion>>>> {
    let mut verdicts = vec![None; group.len()];
    let checks: Vec<(usize, PartyId, &OrderToSettle)> = group
        .iter()
        .enumerate()
        .filter_map(|(n, p)| p.check.as_ref().map(|c| (n, p.new.customer_id, c)))
        .collect();
    if checks.is_empty() {
        return Ok(verdicts);
    }
    let usuals = usuals_of(conn, &checks).await?;
    let mut settled = Vec::with_capacity(checks.len());
    for ((n, _, order), usuals) in checks.iter().zip(usuals) {
        match order.settle(&usuals) {
            Ok(lines) => settled.push((*n, lines)),
            Err(questions) => verdicts[*n] = Some(questions),
        }
    }
    for (n, lines) in settled {
        if let Some(p) = group.get_mut(n) {
            p.lines = lines;
            p.check = None;
        }
    }
    Ok(verdicts)
}

/// Settles `prepared`'s order, if it waits for the check: its lines are
/// set, or it is refused with its questions.
pub(crate) async fn settle_one(conn: &mut AnyConnection, prepared: &mut Prepared) -> Result<()> {
    let verdict = settle_group(conn, std::slice::from_mut(prepared)).await?;
    match verdict.into_iter().next().flatten() {
        Some(questions) => Err(StoreError::Questioned(questions)),
        None => Ok(()),
    }
}

/// What each line of each order usually is: the customer's own last
/// orders (one statement for all), or the item's across customers where
/// those are fewer than the service's minimum.
async fn usuals_of(
    conn: &mut AnyConnection,
    checks: &[(usize, PartyId, &OrderToSettle)],
) -> Result<Vec<Vec<Option<Usual>>>> {
    let mut wanted: Vec<Wanted> = Vec::new();
    for (_, customer, order) in checks {
        for line in order.lines.iter().filter(|l| l.checked()) {
            let w = Wanted {
                customer: *customer,
                service: line.service_id,
                limit: USUAL_FROM_OWN,
            };
            if !wanted.contains(&w) {
                wanted.push(w);
            }
        }
    }
    let own = history::read_all(conn, &wanted).await?;
    let own_of = |customer: PartyId, service: ServiceId| -> &[u64] {
        wanted
            .iter()
            .position(|w| w.customer == customer && w.service == service)
            .and_then(|n| own.get(n))
            .map_or(&[], Vec::as_slice)
    };
    // The item's history, only for the services some customer has too
    // little of their own for.
    let mut items: Vec<(ServiceId, Vec<u64>)> = Vec::new();
    for (_, customer, order) in checks {
        for line in order.lines.iter().filter(|l| l.checked()) {
            let short = own_of(*customer, line.service_id).len()
                < usize::from(line.ordering.check.min_history);
            if short && !items.iter().any(|(s, _)| *s == line.service_id) {
                let item = history::item_history(conn, line.service_id, USUAL_FROM_ITEM).await?;
                items.push((line.service_id, item));
            }
        }
    }
    Ok(checks
        .iter()
        .map(|(_, customer, order)| {
            order
                .lines
                .iter()
                .map(|line| {
                    if !line.checked() {
                        return None;
                    }
                    let item = items
                        .iter()
                        .find(|(s, _)| *s == line.service_id)
                        .map(|(_, h)| h.as_slice());
                    let own = own_of(*customer, line.service_id);
                    usual_from(own, item, line.ordering.check.min_history)
                })
                .collect()
        })
        .collect())
}
