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
    Actor, CalendarId, CalendarPatch, Contract, ContractId, Email, Lineage, Link, LinkId,
    NewCalendar, NewContract, NewLink, NewParty, NewService, Page, Party, PartyId, PartyName,
    PartyPatch, PartyScope, Service, ServiceId, ServicePatch, StoredCalendar, Terms, TermsVersion,
    Timestamp, UserId, terms_at,
};
use kept_store::{
    Backend, CalendarQuery, CalendarStore, ContractQuery, ContractStore, LinkQuery, LinkStore,
    PartyQuery, PartyStore, Result, ServiceQuery, ServiceStore, Store, TermsStore,
};

use super::RefCache;

mod inbound;
mod notify;
mod orders;
mod people;
mod promises;
mod teams;
mod webhooks;
mod work;

/// A [`Store`] whose reference data is read through a [`RefCache`].
pub struct CachedStore {
    inner: Arc<dyn Store>,
    cache: Arc<RefCache>,
    /// The servers' shared keys read so far: once made, a key never
    /// changes, so it is read once per process, not once per use.
    server_keys: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl CachedStore {
    /// `inner` behind `cache`.
    pub fn new(inner: Arc<dyn Store>, cache: Arc<RefCache>) -> Self {
        Self {
            inner,
            cache,
            server_keys: std::sync::Mutex::default(),
        }
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
        // Names are reference data: read through the cache, one party at a
        // time (a quote names a few customers on every call).
        let cache = self.fresh();
        let mut names = Vec::with_capacity(ids.len());
        for id in ids {
            match cache.party(self.inner.as_ref(), *id).await {
                Ok(party) => names.push((*id, party.name)),
                Err(kept_store::StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(names)
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
    async fn set_intake_address(
        &self,
        actor: &Actor,
        id: ContractId,
        address: Option<Email>,
    ) -> Result<Contract> {
        self.inner.set_intake_address(actor, id, address).await
    }
    async fn contract_by_intake_address(&self, address: &Email) -> Result<Contract> {
        self.inner.contract_by_intake_address(address).await
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
