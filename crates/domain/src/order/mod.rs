//! Orders: lines of a catalog item, a quantity and the unit the customer
//! meant, checked against what that customer usually orders before they
//! are accepted.
//!
//! Quantities are held in thousandths of the service's unit, so that a
//! service selling part units ("2.5 kg") and a line typed in the pieces a
//! unit holds ("250 cups" of boxes of 100) are both exact.

mod check;
mod line;
mod quantity;
mod settings;
mod settle;
mod size;

pub use check::{
    Alternative, Finding, Question, Slip, Usual, Words, check_line, usual, usual_range,
};
pub use line::{LineAnswer, NewOrderLine, OrderLine};
pub use quantity::{LineUnit, MAX_UNITS, Milli, Quantity, parse_line, parse_quantity};
pub use settings::{CheckSettings, Ordering};
pub use settle::{
    LineQuestion, LineToSettle, OrderToSettle, USUAL_FROM_ITEM, USUAL_FROM_OWN, usual_from,
};
pub use size::delivery_size;

/// Thousandths in one unit.
pub const MILLI: u64 = 1_000;
