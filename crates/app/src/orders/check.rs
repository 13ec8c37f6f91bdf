//! The quantity check of an order's lines before it is accepted: a line
//! far from what the customer usually orders of the item is questioned
//! (409 `unusual-quantity`), until the customer confirms it or changes it.

use kept_domain::order::{
    LineQuestion, LineToSettle, OrderToSettle, USUAL_FROM_ITEM, USUAL_FROM_OWN, Usual, Words,
    usual_from,
};
use kept_domain::{PartyId, Service};
use serde_json::json;

use super::lines::ParsedLine;
use crate::Context;
use crate::error::{Error, Kind};

/// How a service's unit is written.
pub(super) fn words(service: &Service) -> Words {
    let one = service.unit.clone().unwrap_or_else(|| "unit".to_owned());
    let many = kept_domain::service::quantity_unit(Some(&one), None).unwrap_or_else(|| one.clone());
    Words { one, many }
}

/// What `customer` usually orders of `service`: their own last orders, or
/// the item's across customers when theirs are too few; none when neither
/// reaches the service's minimum.
pub(super) async fn usual_of(
    ctx: &Context,
    customer: PartyId,
    service: &Service,
) -> Result<Option<Usual>, Error> {
    let min = service.ordering.check.min_history;
    let own = ctx
        .store
        .order_history(customer, service.id, USUAL_FROM_OWN)
        .await?;
    if own.len() >= usize::from(min) {
        return Ok(usual_from(&own, None, min));
    }
    let item = ctx.store.item_history(service.id, USUAL_FROM_ITEM).await?;
    Ok(usual_from(&own, Some(&item), min))
}

/// An order's lines for the quantity check, which the store does in the
/// transaction that records the order: a line it questions is accepted
/// when `confirm` is given (recorded as confirmed); a line sent with the
/// quantity questioned before and now usual is recorded as changed. Any
/// line still questioned refuses the order with the questions
/// ([`questioned`]), and nothing is recorded.
pub fn to_settle(lines: Vec<ParsedLine>, confirm: bool) -> Option<OrderToSettle> {
    if lines.is_empty() {
        return None;
    }
    let lines = lines
        .into_iter()
        .map(|line| LineToSettle {
            service_id: line.service.id,
            pack_size: line.service.pack_size,
            words: words(&line.service),
            ordering: line.service.ordering,
            quantity: line.quantity,
            questioned: line.questioned,
        })
        .collect();
    Some(OrderToSettle { lines, confirm })
}

/// The refusal of an order whose lines the check questions: 409
/// `unusual-quantity`, each question in the detail and in `questions`.
pub fn questioned(asked: &[LineQuestion]) -> Error {
    let detail = asked
        .iter()
        .map(|q| match &q.size {
            Some(size) => format!("{} ({size})", q.question.question),
            None => q.question.question.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut error = Error::new(Kind::UnusualQuantity).detail(detail);
    error.extensions.insert("questions".into(), json!(asked));
    error
}
