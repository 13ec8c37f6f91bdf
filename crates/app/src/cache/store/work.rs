//! The work data through [`CachedStore`]: change requests, requests,
//! saved filters and imports go straight to the store underneath, except
//! the compiled calendar a request's clocks run on, read through the cache
//! (the count of writes tells it when an import or a write made it stale).

use std::sync::Arc;

use async_trait::async_trait;
use kept_domain::{
    Actor, CalendarId, ChangeDraft, ChangeRequest, ChangeRequestId, ContractId, Link,
    NewChangeRequest, NewContract, NewLink, Page, Party, PartyId, PartyScope, Request,
    RequestChange, RequestEvent, RequestId, TermsVersion, Timestamp, UserId, Verdict,
};
use kept_store::{
    ChangeRequestQuery, ChangeStore, ImportParty, ImportStore, Progress, RequestQuery,
    RequestRecord, RequestStore, Result, RowError, SavedFilter, SavedFilterStore,
};

use super::CachedStore;

#[async_trait]
impl ChangeStore for CachedStore {
    async fn create_change_request(
        &self,
        actor: &Actor,
        new: NewChangeRequest,
    ) -> Result<ChangeRequest> {
        self.inner.create_change_request(actor, new).await
    }
    async fn change_request(&self, id: ChangeRequestId) -> Result<ChangeRequest> {
        self.inner.change_request(id).await
    }
    async fn list_change_requests(
        &self,
        query: &ChangeRequestQuery,
    ) -> Result<Page<ChangeRequest>> {
        self.inner.list_change_requests(query).await
    }
    async fn edit_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
        draft: ChangeDraft,
    ) -> Result<ChangeRequest> {
        self.inner.edit_change_request(actor, id, draft).await
    }
    async fn submit_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
    ) -> Result<ChangeRequest> {
        self.inner.submit_change_request(actor, id).await
    }
    async fn withdraw_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
    ) -> Result<ChangeRequest> {
        self.inner.withdraw_change_request(actor, id).await
    }
    async fn redraft_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
    ) -> Result<ChangeRequest> {
        self.inner.redraft_change_request(actor, id).await
    }
    async fn decide_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
        verdict: Verdict,
        comment: String,
    ) -> Result<ChangeRequest> {
        self.inner
            .decide_change_request(actor, id, verdict, comment)
            .await
    }
    async fn apply_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
        effective_from: Option<Timestamp>,
    ) -> Result<(ChangeRequest, TermsVersion)> {
        self.inner
            .apply_change_request(actor, id, effective_from)
            .await
    }
}

#[async_trait]
impl RequestStore for CachedStore {
    async fn create_request(&self, actor: &Actor, record: RequestRecord) -> Result<Request> {
        self.inner.create_request(actor, record).await
    }
    async fn request(&self, id: RequestId) -> Result<Request> {
        self.inner.request(id).await
    }
    async fn request_by_number(&self, number: i64) -> Result<Request> {
        self.inner.request_by_number(number).await
    }
    async fn visible_request(
        &self,
        id: RequestId,
        scope: &PartyScope,
        user: Option<UserId>,
    ) -> Result<Request> {
        self.inner.visible_request(id, scope, user).await
    }
    async fn list_requests(&self, query: &RequestQuery) -> Result<Page<Request>> {
        self.inner.list_requests(query).await
    }
    async fn open_request_counts(
        &self,
        query: &RequestQuery,
    ) -> Result<Vec<kept_store::OpenCount>> {
        self.inner.open_request_counts(query).await
    }
    async fn request_events(
        &self,
        id: RequestId,
        include_internal: bool,
    ) -> Result<Vec<RequestEvent>> {
        self.inner.request_events(id, include_internal).await
    }
    async fn act_on_request(
        &self,
        actor: &Actor,
        id: RequestId,
        change: RequestChange,
        at_risk_percent: u8,
    ) -> Result<(Request, Vec<RequestEvent>)> {
        self.inner
            .act_on_request(actor, id, change, at_risk_percent)
            .await
    }
    async fn raise_due_alarms(
        &self,
        now: Timestamp,
        limit: u32,
        at_risk_percent: u8,
    ) -> Result<Vec<(RequestId, RequestEvent)>> {
        self.inner
            .raise_due_alarms(now, limit, at_risk_percent)
            .await
    }
    async fn compiled_calendar(
        &self,
        id: Option<CalendarId>,
    ) -> Result<Arc<kept_domain::calendar::Calendar>> {
        self.fresh().calendar(self.inner.as_ref(), id).await
    }
}

#[async_trait]
impl SavedFilterStore for CachedStore {
    async fn save_filter(&self, user: UserId, name: &str, query: &str) -> Result<SavedFilter> {
        self.inner.save_filter(user, name, query).await
    }
    async fn saved_filters(&self, user: UserId) -> Result<Vec<SavedFilter>> {
        self.inner.saved_filters(user).await
    }
    async fn delete_saved_filter(
        &self,
        user: UserId,
        id: kept_domain::SavedFilterId,
    ) -> Result<()> {
        self.inner.delete_saved_filter(user, id).await
    }
}

#[async_trait]
impl ImportStore for CachedStore {
    async fn party_by_reference(&self, reference: &str) -> Result<Option<PartyId>> {
        self.inner.party_by_reference(reference).await
    }
    async fn import_parties(
        &self,
        actor: &Actor,
        rows: Vec<ImportParty>,
        progress: Progress<'_>,
    ) -> Result<Vec<Party>, RowError> {
        self.inner.import_parties(actor, rows, progress).await
    }
    async fn import_links(
        &self,
        actor: &Actor,
        rows: Vec<NewLink>,
        progress: Progress<'_>,
    ) -> Result<Vec<Link>, RowError> {
        self.inner.import_links(actor, rows, progress).await
    }
    async fn import_contracts(
        &self,
        actor: &Actor,
        rows: Vec<NewContract>,
        progress: Progress<'_>,
    ) -> Result<Vec<ContractId>, RowError> {
        self.inner.import_contracts(actor, rows, progress).await
    }
}
