//! Orders: reading an order's lines against their services, and the
//! quantity check that questions a line far from what the customer
//! usually orders before the order is accepted.

mod check;
mod lines;
mod view;

pub use check::{questioned, to_settle};
pub use lines::{LineInput, ParsedLine, lines_of};
pub use view::{LineView, line_views};

use kept_domain::order::OrderLine;
use kept_domain::{Principal, RequestId};

use crate::Context;
use crate::error::Error;

/// The lines of an order the caller may see (none for other requests).
pub async fn lines(
    ctx: &Context,
    caller: &Principal,
    id: RequestId,
) -> Result<Vec<OrderLine>, Error> {
    let readable = crate::requests::readable(ctx, caller, id).await?;
    Ok(ctx.store.order_lines(readable.request.id).await?)
}
