//! An order's lines as recorded, and the lines to record.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::quantity::{LineUnit, Milli, Quantity};
use crate::ServiceId;

named_enum!(
    /// How a line that was questioned was settled.
    LineAnswer, "a line's answer" {
        /// The customer confirmed the quantity questioned.
        Confirmed => "confirmed",
        /// The customer changed the quantity after the question.
        Changed => "changed",
    }
);

/// A line of an order, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    /// Its place in the order, from 1.
    pub line: u32,
    /// The catalog item.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub service_id: ServiceId,
    /// How many of the service's unit, as a decimal ("10").
    pub quantity: String,
    /// Thousandths of the service's unit.
    #[serde(skip)]
    pub milli: u64,
    /// The unit it was typed in.
    pub unit: LineUnit,
    /// What was typed, in that unit ("1000").
    pub typed: String,
    /// The question it raised before it was accepted, if any.
    pub question: Option<String>,
    /// How that question was settled.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "confirmed"))]
    pub answer: Option<LineAnswer>,
    /// The quantity questioned, when the customer changed it.
    pub asked: Option<String>,
}

/// A line to record with its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrderLine {
    /// The catalog item.
    pub service_id: ServiceId,
    /// Its quantity.
    pub quantity: Quantity,
    /// The question it raised, if any.
    pub question: Option<String>,
    /// How that question was settled.
    pub answer: Option<LineAnswer>,
    /// Thousandths of the unit questioned, when the customer changed it.
    pub asked_milli: Option<u64>,
}

impl OrderLine {
    /// The line as read back from its parts.
    pub fn of(line: u32, new: &NewOrderLine) -> Self {
        Self {
            line,
            service_id: new.service_id,
            quantity: Milli(new.quantity.milli).to_string(),
            milli: new.quantity.milli,
            unit: new.quantity.unit,
            typed: Milli(new.quantity.typed_milli).to_string(),
            question: new.question.clone(),
            answer: new.answer,
            asked: new.asked_milli.map(|m| Milli(m).to_string()),
        }
    }
}
