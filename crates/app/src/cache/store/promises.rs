//! Promises through [`CachedStore`]: not reference data, so every call
//! goes straight to the store underneath.

use async_trait::async_trait;
use kept_domain::promise::{DateProposal, Promise, PromiseAtRisk};
use kept_domain::{Actor, DateProposalId, PartyId, RequestEvent, RequestId, Timestamp};
use kept_store::promises::{
    Answer, AtRiskQuery, IntegrityGroup, IntegrityQuery, PromiseRecord, RiskUpdate, WatchedPromise,
};
use kept_store::{PromiseStore, Result};

use super::CachedStore;

#[async_trait]
impl PromiseStore for CachedStore {
    async fn make_promise(
        &self,
        actor: &Actor,
        id: RequestId,
        record: PromiseRecord,
    ) -> Result<(Promise, RequestEvent)> {
        self.inner.make_promise(actor, id, record).await
    }
    async fn promise(&self, id: RequestId) -> Result<Promise> {
        self.inner.promise(id).await
    }
    async fn promises(&self, ids: &[RequestId]) -> Result<Vec<Promise>> {
        self.inner.promises(ids).await
    }
    async fn date_proposals(&self, id: RequestId) -> Result<Vec<DateProposal>> {
        self.inner.date_proposals(id).await
    }
    async fn date_proposal(&self, id: DateProposalId) -> Result<DateProposal> {
        self.inner.date_proposal(id).await
    }
    async fn propose_date(
        &self,
        actor: &Actor,
        id: RequestId,
        date: Timestamp,
        reason: &str,
    ) -> Result<(DateProposal, RequestEvent)> {
        self.inner.propose_date(actor, id, date, reason).await
    }
    async fn answer_date(
        &self,
        actor: &Actor,
        proposal: DateProposalId,
        answer: Answer,
    ) -> Result<(DateProposal, Promise, RequestEvent)> {
        self.inner.answer_date(actor, proposal, answer).await
    }
    async fn promise_integrity(&self, query: &IntegrityQuery) -> Result<Vec<IntegrityGroup>> {
        self.inner.promise_integrity(query).await
    }
    async fn promised_teams(&self) -> Result<Vec<Option<PartyId>>> {
        self.inner.promised_teams().await
    }
    async fn watched_promises(&self, team: Option<PartyId>) -> Result<Vec<WatchedPromise>> {
        self.inner.watched_promises(team).await
    }
    async fn watch_promises(
        &self,
        actor: &Actor,
        updates: &[RiskUpdate],
    ) -> Result<Vec<RequestEvent>> {
        self.inner.watch_promises(actor, updates).await
    }
    async fn promises_at_risk(&self, query: &AtRiskQuery) -> Result<Vec<PromiseAtRisk>> {
        self.inner.promises_at_risk(query).await
    }
}
