//! An order's lines as its page shows them: each with the customer's usual
//! range beside the quantity, and the question it raised and how it was
//! settled.

use kept_domain::order::{LineAnswer, LineUnit, OrderLine, usual_range};
use kept_domain::{Request, RequestKind};

use super::check::{usual_of, words};
use crate::Context;
use crate::error::Error;

/// A line of an order, in words.
#[derive(Debug, Clone)]
pub struct LineView {
    /// The line as recorded.
    pub line: OrderLine,
    /// The item's name.
    pub item: String,
    /// The quantity in words: "10 boxes".
    pub quantity: String,
    /// What was typed, when it was in pieces: "1000 pieces".
    pub typed: Option<String>,
    /// What the customer usually orders of the item: "9 to 11 boxes"
    /// (or, with too few orders of their own, what customers usually do).
    pub usual: Option<String>,
    /// How the quantity check went, in words.
    pub checked: String,
}

/// The lines of `request` in words (none unless it is an order).
pub async fn line_views(ctx: &Context, request: &Request) -> Result<Vec<LineView>, Error> {
    if request.kind != RequestKind::Order {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for line in ctx.store.order_lines(request.id).await? {
        let service = ctx.store.service(line.service_id).await?;
        let words = words(&service);
        let usual = usual_of(ctx, request.customer_id, &service)
            .await?
            .map(|u| {
                let range = usual_range(&u, &words);
                if u.own {
                    range
                } else {
                    format!("{range} (across customers)")
                }
            });
        let checked = match (&line.question, line.answer) {
            (Some(q), Some(LineAnswer::Confirmed)) => {
                format!("Confirmed as typed when asked “{q}”")
            }
            (Some(q), Some(LineAnswer::Changed)) => format!(
                "Changed from {} when asked “{q}”",
                line.asked.as_deref().unwrap_or("another quantity")
            ),
            _ => "Usual: not questioned".to_owned(),
        };
        out.push(LineView {
            item: service.name.as_str().to_owned(),
            quantity: words.of(line.milli),
            typed: (line.unit == LineUnit::Piece).then(|| format!("{} pieces", line.typed)),
            usual,
            checked,
            line,
        });
    }
    Ok(out)
}
