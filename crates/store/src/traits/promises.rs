//! Promises and renegotiations (see `crate::promises`).

use async_trait::async_trait;
use kept_domain::promise::{DateProposal, Promise, PromiseAtRisk};
use kept_domain::{Actor, DateProposalId, PartyId, RequestEvent, RequestId, Timestamp};

use crate::Result;
use crate::promises::{
    Answer, AtRiskQuery, IntegrityGroup, IntegrityQuery, PromiseRecord, RiskUpdate, WatchedPromise,
};

/// The date promised for each request, the new dates proposed for it and
/// the customer's answers; each write appends the request's event.
#[async_trait]
pub trait PromiseStore: Send + Sync {
    /// Records the promise of an open request that has none yet, with its
    /// `promise_made` event (the customer is told the date).
    async fn make_promise(
        &self,
        actor: &Actor,
        id: RequestId,
        record: PromiseRecord,
    ) -> Result<(Promise, RequestEvent)>;
    /// The promise of a request.
    async fn promise(&self, id: RequestId) -> Result<Promise>;
    /// The promises of these requests (those without one are left out).
    async fn promises(&self, ids: &[RequestId]) -> Result<Vec<Promise>>;
    /// The new dates proposed for a request, oldest first.
    async fn date_proposals(&self, id: RequestId) -> Result<Vec<DateProposal>>;
    /// One proposal.
    async fn date_proposal(&self, id: DateProposalId) -> Result<DateProposal>;
    /// Proposes `date` for the request's open promise, withdrawing any
    /// proposal still open, with its `date_proposed` event.
    async fn propose_date(
        &self,
        actor: &Actor,
        id: RequestId,
        date: Timestamp,
        reason: &str,
    ) -> Result<(DateProposal, RequestEvent)>;
    /// Answers an open proposal: an agreed date becomes the promise's, in
    /// time or not; with its `date_answered` event. A proposal answered
    /// already is refused, so a link works once.
    async fn answer_date(
        &self,
        actor: &Actor,
        proposal: DateProposalId,
        answer: Answer,
    ) -> Result<(DateProposal, Promise, RequestEvent)>;
    /// The promises settled in `[query.from, query.to)` on requests the
    /// query's caller sees, counted by outcome per group of `query.by`, in
    /// the groups' key order.
    async fn promise_integrity(&self, query: &IntegrityQuery) -> Result<Vec<IntegrityGroup>>;
    /// The teams with open promises (`None` among them when requests of no
    /// team have some), for the watch.
    async fn promised_teams(&self) -> Result<Vec<Option<PartyId>>>;
    /// The open promises of `team`'s open requests (none: of requests
    /// assigned to no team), for the watch.
    async fn watched_promises(&self, team: Option<PartyId>) -> Result<Vec<WatchedPromise>>;
    /// Writes what the watch found, a transaction per promise, as `actor`; raises
    /// `promise_at_risk` for each promise newly at risk for its date.
    /// Returns the events raised.
    async fn watch_promises(
        &self,
        actor: &Actor,
        updates: &[RiskUpdate],
    ) -> Result<Vec<RequestEvent>>;
    /// The promises at risk of `query`, the soonest date first.
    async fn promises_at_risk(&self, query: &AtRiskQuery) -> Result<Vec<PromiseAtRisk>>;
}
