//! [`CachedStore`]: the store behind the reference cache.
//!
//! Every method goes to the store underneath, except the reads of
//! reference data (principals, parties and their lineage, contracts,
//! services, terms and compiled calendars), which the cache answers when
//! it can. Before each cached read the cache compares this process's count
//! of writes, so a use case that writes and then reads sees its own write.

use std::sync::Arc;

use async_trait::async_trait;
use kept_domain::{
    Actor, ApiToken, AuditEvent, CalendarId, CalendarPatch, ChangeDraft, ChangeRequest,
    ChangeRequestId, Contract, ContractId, Grant, GrantId, Lineage, Link, LinkId, NewCalendar,
    NewChangeRequest, NewContract, NewLink, NewParty, NewService, NewUser, Page, Party, PartyId,
    PartyName, PartyPatch, PartyScope, Principal, Request, RequestChange, RequestEvent, RequestId,
    Role, Service, ServiceId, ServicePatch, StoredCalendar, Terms, TermsVersion, Timestamp,
    TokenId, User, UserId, Verdict, terms_at,
};
use kept_store::{
    AuditQuery, AuditStore, AuthStore, Backend, CalendarQuery, CalendarStore, ChangeRequestQuery,
    ChangeStore, ContractQuery, ContractStore, Credentials, IdempotencyStart, ImportParty,
    ImportStore, LinkQuery, LinkStore, LoginFailures, NewToken, PartyQuery, PartyStore, Progress,
    RequestQuery, RequestRecord, RequestStore, Result, RowError, SavedFilter, SavedFilterStore,
    ServiceQuery, ServiceStore, SessionRecord, Store, StoredResponse, TermsStore, TokenOwner,
    UserPatch, UserQuery, UserStore,
};

use super::RefCache;

/// A [`Store`] whose reference data is read through a [`RefCache`].
pub struct CachedStore {
    inner: Arc<dyn Store>,
    cache: Arc<RefCache>,
}

impl CachedStore {
    /// `inner` behind `cache`.
    pub fn new(inner: Arc<dyn Store>, cache: Arc<RefCache>) -> Self {
        Self { inner, cache }
    }

    /// The cache, for the callers that stamp it (token checks, the
    /// generation poller).
    pub fn cache(&self) -> &RefCache {
        &self.cache
    }

    /// The cache, after noting this process's own writes since it was
    /// filled.
    fn fresh(&self) -> &RefCache {
        self.cache.observe(None, self.inner.local_writes());
        &self.cache
    }
}

#[async_trait]
impl Store for CachedStore {
    fn backend(&self) -> Backend {
        self.inner.backend()
    }
    async fn migrate(&self) -> Result<()> {
        self.inner.migrate().await
    }
    async fn ping(&self) -> Result<()> {
        self.inner.ping().await
    }
    async fn close(&self) {
        self.inner.close().await
    }
    fn local_writes(&self) -> u64 {
        self.inner.local_writes()
    }
}

#[async_trait]
impl PartyStore for CachedStore {
    async fn create_party(&self, actor: &Actor, new: NewParty) -> Result<Party> {
        self.inner.create_party(actor, new).await
    }
    async fn party(&self, id: PartyId) -> Result<Party> {
        self.fresh().party(self.inner.as_ref(), id).await
    }
    async fn lineage(&self, id: PartyId) -> Result<Lineage> {
        self.fresh().lineage(self.inner.as_ref(), id).await
    }
    async fn party_names(&self, ids: &[PartyId]) -> Result<Vec<(PartyId, PartyName)>> {
        self.inner.party_names(ids).await
    }
    async fn list_parties(&self, query: &PartyQuery) -> Result<Page<Party>> {
        self.inner.list_parties(query).await
    }
    async fn update_party(&self, actor: &Actor, id: PartyId, patch: PartyPatch) -> Result<Party> {
        self.inner.update_party(actor, id, patch).await
    }
    async fn set_party_archived(
        &self,
        actor: &Actor,
        id: PartyId,
        archived: bool,
    ) -> Result<Party> {
        self.inner.set_party_archived(actor, id, archived).await
    }
}

#[async_trait]
impl LinkStore for CachedStore {
    async fn create_link(&self, actor: &Actor, new: NewLink) -> Result<Link> {
        self.inner.create_link(actor, new).await
    }
    async fn link(&self, id: LinkId) -> Result<Link> {
        self.inner.link(id).await
    }
    async fn visible_link(&self, id: LinkId, scope: &PartyScope) -> Result<Link> {
        self.inner.visible_link(id, scope).await
    }
    async fn list_links(&self, query: &LinkQuery) -> Result<Page<Link>> {
        self.inner.list_links(query).await
    }
    async fn chain_links(&self, scope: &PartyScope) -> Result<Vec<Link>> {
        self.inner.chain_links(scope).await
    }
    async fn set_link_archived(&self, actor: &Actor, id: LinkId, archived: bool) -> Result<Link> {
        self.inner.set_link_archived(actor, id, archived).await
    }
}

#[async_trait]
impl CalendarStore for CachedStore {
    async fn create_calendar(&self, actor: &Actor, new: NewCalendar) -> Result<StoredCalendar> {
        self.inner.create_calendar(actor, new).await
    }
    async fn calendar(&self, id: CalendarId) -> Result<StoredCalendar> {
        self.inner.calendar(id).await
    }
    async fn list_calendars(&self, query: &CalendarQuery) -> Result<Page<StoredCalendar>> {
        self.inner.list_calendars(query).await
    }
    async fn update_calendar(
        &self,
        actor: &Actor,
        id: CalendarId,
        patch: CalendarPatch,
    ) -> Result<StoredCalendar> {
        self.inner.update_calendar(actor, id, patch).await
    }
    async fn set_calendar_archived(
        &self,
        actor: &Actor,
        id: CalendarId,
        archived: bool,
    ) -> Result<StoredCalendar> {
        self.inner.set_calendar_archived(actor, id, archived).await
    }
}

#[async_trait]
impl ServiceStore for CachedStore {
    async fn create_service(&self, actor: &Actor, new: NewService) -> Result<Service> {
        self.inner.create_service(actor, new).await
    }
    async fn service(&self, id: ServiceId) -> Result<Service> {
        self.fresh().service(self.inner.as_ref(), id).await
    }
    async fn list_services(&self, query: &ServiceQuery) -> Result<Page<Service>> {
        self.inner.list_services(query).await
    }
    async fn update_service(
        &self,
        actor: &Actor,
        id: ServiceId,
        patch: ServicePatch,
    ) -> Result<Service> {
        self.inner.update_service(actor, id, patch).await
    }
    async fn set_service_archived(
        &self,
        actor: &Actor,
        id: ServiceId,
        archived: bool,
    ) -> Result<Service> {
        self.inner.set_service_archived(actor, id, archived).await
    }
}

#[async_trait]
impl ContractStore for CachedStore {
    async fn create_contract(&self, actor: &Actor, new: NewContract) -> Result<Contract> {
        self.inner.create_contract(actor, new).await
    }
    async fn contract(&self, id: ContractId) -> Result<Contract> {
        self.fresh().contract(self.inner.as_ref(), id).await
    }
    async fn visible_contract(
        &self,
        id: ContractId,
        scope: &PartyScope,
        user: Option<UserId>,
    ) -> Result<Contract> {
        self.inner.visible_contract(id, scope, user).await
    }
    async fn list_contracts(&self, query: &ContractQuery) -> Result<Page<Contract>> {
        self.inner.list_contracts(query).await
    }
    async fn rename_contract(
        &self,
        actor: &Actor,
        id: ContractId,
        name: PartyName,
    ) -> Result<Contract> {
        self.inner.rename_contract(actor, id, name).await
    }
    async fn set_contract_archived(
        &self,
        actor: &Actor,
        id: ContractId,
        archived: bool,
    ) -> Result<Contract> {
        self.inner.set_contract_archived(actor, id, archived).await
    }
}

#[async_trait]
impl TermsStore for CachedStore {
    async fn create_terms_version(
        &self,
        actor: &Actor,
        contract: ContractId,
        effective_from: Timestamp,
        terms: Terms,
    ) -> Result<TermsVersion> {
        self.inner
            .create_terms_version(actor, contract, effective_from, terms)
            .await
    }
    async fn update_terms_version(
        &self,
        actor: &Actor,
        contract: ContractId,
        version: u32,
        effective_from: Timestamp,
        terms: Terms,
    ) -> Result<TermsVersion> {
        self.inner
            .update_terms_version(actor, contract, version, effective_from, terms)
            .await
    }
    async fn terms_versions(&self, contract: ContractId) -> Result<Vec<TermsVersion>> {
        let versions = self
            .fresh()
            .terms_versions(self.inner.as_ref(), contract)
            .await?;
        Ok(versions.as_ref().clone())
    }
    async fn terms_at(&self, contract: ContractId, at: Timestamp) -> Result<Option<TermsVersion>> {
        let versions = self
            .fresh()
            .terms_versions(self.inner.as_ref(), contract)
            .await?;
        Ok(terms_at(&versions, at).cloned())
    }
}

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

#[async_trait]
impl UserStore for CachedStore {
    async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        self.inner.create_user(actor, new).await
    }
    async fn user(&self, id: UserId) -> Result<User> {
        self.inner.user(id).await
    }
    async fn user_by_email(&self, email: &str) -> Result<User> {
        self.inner.user_by_email(email).await
    }
    async fn list_users(&self, query: &UserQuery) -> Result<Page<User>> {
        self.inner.list_users(query).await
    }
    async fn update_user(&self, actor: &Actor, id: UserId, patch: UserPatch) -> Result<User> {
        self.inner.update_user(actor, id, patch).await
    }
    async fn set_user_archived(&self, actor: &Actor, id: UserId, archived: bool) -> Result<User> {
        self.inner.set_user_archived(actor, id, archived).await
    }
    async fn credentials(&self, email: &str) -> Result<Option<Credentials>> {
        self.inner.credentials(email).await
    }
    async fn set_password_hash(&self, actor: &Actor, id: UserId, hash: &str) -> Result<()> {
        self.inner.set_password_hash(actor, id, hash).await
    }
    async fn record_login(&self, id: UserId) -> Result<()> {
        self.inner.record_login(id).await
    }
    async fn principal(&self, id: UserId) -> Result<Principal> {
        self.fresh().principal(self.inner.as_ref(), id).await
    }
    async fn add_grant(
        &self,
        actor: &Actor,
        user: UserId,
        role: Role,
        party: PartyId,
    ) -> Result<Grant> {
        self.inner.add_grant(actor, user, role, party).await
    }
    async fn revoke_grant(&self, actor: &Actor, id: GrantId) -> Result<Grant> {
        self.inner.revoke_grant(actor, id).await
    }
    async fn grant(&self, id: GrantId) -> Result<Grant> {
        self.inner.grant(id).await
    }
    async fn grants_of(&self, user: UserId) -> Result<Vec<Grant>> {
        self.inner.grants_of(user).await
    }
}

#[async_trait]
impl AuthStore for CachedStore {
    async fn create_token(&self, actor: &Actor, new: NewToken) -> Result<ApiToken> {
        self.inner.create_token(actor, new).await
    }
    async fn tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>> {
        self.inner.tokens_of(user).await
    }
    async fn revoke_token(&self, actor: &Actor, user: UserId, id: TokenId) -> Result<ApiToken> {
        self.inner.revoke_token(actor, user, id).await
    }
    async fn token_owner(&self, hash: &str, now: Timestamp) -> Result<Option<UserId>> {
        self.inner.token_owner(hash, now).await
    }
    async fn token_owner_at(&self, hash: &str, now: Timestamp) -> Result<Option<TokenOwner>> {
        self.inner.token_owner_at(hash, now).await
    }
    async fn touch_token(&self, id: TokenId, at: Timestamp) -> Result<()> {
        self.inner.touch_token(id, at).await
    }
    async fn generation(&self) -> Result<i64> {
        self.inner.generation().await
    }
    async fn session(&self, id_hash: &str, now: Timestamp) -> Result<Option<SessionRecord>> {
        self.inner.session(id_hash, now).await
    }
    async fn insert_session(&self, id_hash: &str, record: &SessionRecord) -> Result<bool> {
        self.inner.insert_session(id_hash, record).await
    }
    async fn save_session(&self, id_hash: &str, record: &SessionRecord) -> Result<()> {
        self.inner.save_session(id_hash, record).await
    }
    async fn delete_session(&self, id_hash: &str) -> Result<()> {
        self.inner.delete_session(id_hash).await
    }
    async fn delete_sessions_of(&self, user: UserId) -> Result<u64> {
        self.inner.delete_sessions_of(user).await
    }
    async fn create_invitation(
        &self,
        actor: &Actor,
        user: UserId,
        token_hash: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        self.inner
            .create_invitation(actor, user, token_hash, expires_at)
            .await
    }
    async fn invitation_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        self.inner.invitation_user(token_hash, now).await
    }
    async fn accept_invitation(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<User> {
        self.inner
            .accept_invitation(token_hash, password_hash, now)
            .await
    }
    async fn record_login_failure(&self, email: &str, address: &str, at: Timestamp) -> Result<()> {
        self.inner.record_login_failure(email, address, at).await
    }
    async fn login_failures(
        &self,
        email: &str,
        address: &str,
        pair_since: Timestamp,
        address_since: Timestamp,
    ) -> Result<LoginFailures> {
        self.inner
            .login_failures(email, address, pair_since, address_since)
            .await
    }
    async fn clear_login_failures(&self, email: &str, address: &str) -> Result<()> {
        self.inner.clear_login_failures(email, address).await
    }
    async fn start_idempotent(
        &self,
        user: UserId,
        key: &str,
        fingerprint: &str,
    ) -> Result<IdempotencyStart> {
        self.inner.start_idempotent(user, key, fingerprint).await
    }
    async fn finish_idempotent(
        &self,
        user: UserId,
        key: &str,
        response: &StoredResponse,
    ) -> Result<()> {
        self.inner.finish_idempotent(user, key, response).await
    }
    async fn abandon_idempotent(&self, user: UserId, key: &str) -> Result<()> {
        self.inner.abandon_idempotent(user, key).await
    }
    async fn purge_expired(&self, now: Timestamp) -> Result<u64> {
        self.inner.purge_expired(now).await
    }
}

#[async_trait]
impl AuditStore for CachedStore {
    async fn audit_events(&self, query: &AuditQuery) -> Result<Page<AuditEvent>> {
        self.inner.audit_events(query).await
    }
}
