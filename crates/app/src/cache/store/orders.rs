//! Orders through [`CachedStore`]: not reference data, so every call goes
//! straight to the store underneath.

use async_trait::async_trait;
use kept_domain::order::OrderLine;
use kept_domain::{Actor, PartyId, RequestId, ServiceId};
use kept_store::{ImportedOrder, OrderStore, Progress, QuestionStats, Result, RowError};

use super::CachedStore;

#[async_trait]
impl OrderStore for CachedStore {
    async fn order_history(
        &self,
        customer: PartyId,
        service: ServiceId,
        limit: u32,
    ) -> Result<Vec<u64>> {
        self.inner.order_history(customer, service, limit).await
    }
    async fn item_history(&self, service: ServiceId, limit: u32) -> Result<Vec<u64>> {
        self.inner.item_history(service, limit).await
    }
    async fn order_lines(&self, request: RequestId) -> Result<Vec<OrderLine>> {
        self.inner.order_lines(request).await
    }
    async fn confirmed_orders(&self, ids: &[RequestId]) -> Result<Vec<RequestId>> {
        self.inner.confirmed_orders(ids).await
    }
    async fn question_stats(&self, service: ServiceId) -> Result<QuestionStats> {
        self.inner.question_stats(service).await
    }
    async fn import_orders(
        &self,
        actor: &Actor,
        rows: Vec<ImportedOrder>,
        progress: Progress<'_>,
    ) -> std::result::Result<usize, RowError> {
        self.inner.import_orders(actor, rows, progress).await
    }
}
