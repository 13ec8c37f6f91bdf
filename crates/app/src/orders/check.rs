//! The quantity check of an order's lines before it is accepted: a line
//! far from what the customer usually orders of the item is questioned
//! (409 `unusual-quantity`), until the customer confirms it or changes it.

use kept_domain::order::{
    LineAnswer, NewOrderLine, Question, Usual, Words, check_line, delivery_size, usual, usual_range,
};
use kept_domain::{PartyId, Service};
use serde::Serialize;
use serde_json::json;

use super::lines::ParsedLine;
use crate::Context;
use crate::error::{Error, Kind};

/// How many of a customer's last orders of an item make their usual.
pub const USUAL_FROM_OWN: u32 = 20;
/// How many of an item's last orders, across customers, make its typical
/// quantity when a customer's own history is short.
pub const USUAL_FROM_ITEM: u32 = 200;

/// A line's question, as the 409 and the order form show it.
#[derive(Debug, Clone, Serialize)]
pub struct LineQuestion {
    /// The line, counting from 0 as sent.
    pub line: usize,
    /// The question and why.
    #[serde(flatten)]
    pub question: Question,
    /// The customer's usual orders in words: "9 to 11 boxes".
    pub usual_words: String,
    /// How large the delivery would be, where the service records a unit's
    /// size: "1000 boxes is about 10 pallets, 4.2 m³, 1.1 t".
    pub size: Option<String>,
}

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
    let min = usize::from(service.ordering.check.min_history);
    let own = ctx
        .store
        .order_history(customer, service.id, USUAL_FROM_OWN)
        .await?;
    if own.len() >= min {
        return Ok(usual(&own, true));
    }
    let item = ctx.store.item_history(service.id, USUAL_FROM_ITEM).await?;
    Ok((item.len() >= min).then(|| usual(&item, false)).flatten())
}

/// The question `line` raises, if any.
async fn question_of(
    ctx: &Context,
    customer: PartyId,
    line: &ParsedLine,
    quantity: &kept_domain::order::Quantity,
) -> Result<Option<(Question, Usual)>, Error> {
    let check = &line.service.ordering.check;
    if !check.enabled {
        return Ok(None);
    }
    let Some(usual) = usual_of(ctx, customer, &line.service).await? else {
        return Ok(None);
    };
    let words = words(&line.service);
    Ok(check_line(quantity, &usual, line.service.pack_size, &words, check).map(|q| (q, usual)))
}

/// Settles an order's lines for `customer`: a line the check questions is
/// accepted when `confirm` is given (recorded as confirmed); a line sent
/// with the quantity questioned before and now usual is recorded as
/// changed. Any line still questioned refuses the order with the
/// questions, and nothing is recorded.
pub async fn settle(
    ctx: &Context,
    customer: PartyId,
    lines: Vec<ParsedLine>,
    confirm: bool,
) -> Result<Vec<NewOrderLine>, Error> {
    let mut settled = Vec::with_capacity(lines.len());
    let mut asked = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let mut new = NewOrderLine {
            service_id: line.service.id,
            quantity: line.quantity,
            question: None,
            answer: None,
            asked_milli: None,
        };
        match question_of(ctx, customer, line, &line.quantity).await? {
            Some((question, _)) if confirm => {
                new.question = Some(question.question);
                new.answer = Some(LineAnswer::Confirmed);
            }
            Some((question, usual)) => asked.push(shown(n, line, question, &usual)),
            None => {
                if let Some(before) = line.questioned.filter(|b| b.milli != line.quantity.milli)
                    && let Some((question, _)) = question_of(ctx, customer, line, &before).await?
                {
                    new.question = Some(question.question);
                    new.answer = Some(LineAnswer::Changed);
                    new.asked_milli = Some(before.milli);
                }
            }
        }
        settled.push(new);
    }
    if asked.is_empty() {
        return Ok(settled);
    }
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
    Err(error)
}

fn shown(n: usize, line: &ParsedLine, question: Question, usual: &Usual) -> LineQuestion {
    let words = words(&line.service);
    let typed = words.of(line.quantity.milli);
    LineQuestion {
        line: n,
        size: delivery_size(line.quantity.milli, &line.service.ordering)
            .map(|size| format!("{typed} is {size}")),
        question,
        usual_words: usual_range(usual, &words),
    }
}
