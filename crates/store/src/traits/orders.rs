//! Orders: their lines, and the history the quantity check reads.

use async_trait::async_trait;
use kept_domain::order::{OrderLine, Quantity};
use kept_domain::{Actor, PartyId, RequestId, ServiceId, Timestamp};

use crate::{Progress, Result, RowError};

/// A past order to import as history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedOrder {
    /// The customer who ordered.
    pub customer_id: PartyId,
    /// The item.
    pub service_id: ServiceId,
    /// How many.
    pub quantity: Quantity,
    /// When it was ordered (never after now).
    pub ordered_at: Timestamp,
    /// The earlier system's reference for it, if any: a reference imported
    /// once is refused the second time, so an import can be run again.
    pub reference: Option<String>,
}

/// How often a service's orders were questioned, and how each question
/// was settled: the check's precision, to tune its thresholds by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct QuestionStats {
    /// Order lines accepted.
    pub lines: u64,
    /// Of those, questioned before they were accepted.
    pub questioned: u64,
    /// Questioned, then confirmed as typed.
    pub confirmed: u64,
    /// Questioned, then changed by the customer.
    pub changed: u64,
}

/// Order lines and order history.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// The quantities (thousandths of the unit) of `customer`'s last
    /// `limit` orders of `service`, newest first: its accepted order lines
    /// (not those of cancelled orders) and imported history.
    async fn order_history(
        &self,
        customer: PartyId,
        service: ServiceId,
        limit: u32,
    ) -> Result<Vec<u64>>;
    /// The quantities of the last `limit` orders of `service` by any
    /// customer, newest first: the item's typical quantity.
    async fn item_history(&self, service: ServiceId, limit: u32) -> Result<Vec<u64>>;
    /// The lines of order `request`, in order.
    async fn order_lines(&self, request: RequestId) -> Result<Vec<OrderLine>>;
    /// Which of the orders `ids` hold a line confirmed after a question.
    async fn confirmed_orders(&self, ids: &[RequestId]) -> Result<Vec<RequestId>>;
    /// How often `service`'s order lines were questioned and how.
    async fn question_stats(&self, service: ServiceId) -> Result<QuestionStats>;
    /// Imports past orders as history, all or none, calling `progress`
    /// after each; the number imported. Each customer and service must
    /// exist; a row's failure names it.
    async fn import_orders(
        &self,
        actor: &Actor,
        rows: Vec<ImportedOrder>,
        progress: Progress<'_>,
    ) -> std::result::Result<usize, RowError>;
}
