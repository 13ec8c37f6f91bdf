//! Reference data cached in memory, checked against the database's
//! generation on every request.
//!
//! Parties, contracts, terms, services, calendars and principals change
//! rarely and are read on every request; each audited write moves the
//! database's generation counter on (see `kept_store::AuthStore::generation`).
//! Authentication reads the generation with the token in one query and
//! calls [`RefCache::observe`]; a newer generation empties the cache. So a
//! change made through any server is seen by every server's next request,
//! and nothing that matters lives only in memory.
//!
//! An entry is kept only if the generation did not move while it was being
//! loaded, and nothing is cached until a generation has been observed (the
//! CLI's one-off commands never cache).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use kept_domain::calendar::Calendar;
use kept_domain::{
    CalendarId, Contract, ContractId, Lineage, PartyId, Principal, Service, ServiceId,
    TermsVersion, Timestamp, UserId, terms_at,
};
use kept_store::{Store, StoreError};

/// Entries beyond which the cache starts afresh (a bound on memory).
const MAX_ENTRIES: usize = 20_000;

#[derive(Default)]
struct Entries {
    /// The generation the entries belong to; none until one is observed.
    generation: Option<i64>,
    count: usize,
    principals: HashMap<UserId, Principal>,
    contracts: HashMap<ContractId, Contract>,
    lineages: HashMap<PartyId, Lineage>,
    names: HashMap<PartyId, String>,
    services: HashMap<ServiceId, Service>,
    terms: HashMap<ContractId, Arc<Vec<TermsVersion>>>,
    calendars: HashMap<Option<CalendarId>, Arc<Calendar>>,
}

impl Entries {
    fn clear(&mut self, generation: i64) {
        *self = Self {
            generation: Some(generation),
            ..Self::default()
        };
    }
}

/// The cache; one per server, in [`crate::AppState`].
#[derive(Default)]
pub struct RefCache {
    entries: Mutex<Entries>,
}

/// Which map of [`Entries`] a lookup uses.
type Pick<K, V> = fn(&mut Entries) -> &mut HashMap<K, V>;

impl RefCache {
    /// Notes the database's generation as read by a request: a newer one
    /// empties the cache.
    pub fn observe(&self, generation: i64) {
        if let Ok(mut entries) = self.entries.lock()
            && entries.generation.is_none_or(|g| g < generation)
        {
            entries.clear(generation);
        }
    }

    /// The cached value of `key`, or `load`'s, kept if the generation did
    /// not move meanwhile.
    async fn get<K, V, F>(&self, pick: Pick<K, V>, key: K, load: F) -> Result<V, StoreError>
    where
        K: Eq + Hash,
        V: Clone,
        F: Future<Output = Result<V, StoreError>>,
    {
        let before = match self.entries.lock() {
            Ok(mut entries) => {
                if let Some(value) = pick(&mut entries).get(&key) {
                    return Ok(value.clone());
                }
                entries.generation
            }
            Err(_) => None,
        };
        let value = load.await?;
        if let (Some(before), Ok(mut entries)) = (before, self.entries.lock())
            && entries.generation == Some(before)
        {
            if entries.count >= MAX_ENTRIES {
                entries.clear(before);
            }
            entries.count += 1;
            pick(&mut entries).insert(key, value.clone());
        }
        Ok(value)
    }

    /// A user's principal (grants and context).
    pub async fn principal(&self, store: &dyn Store, id: UserId) -> Result<Principal, StoreError> {
        self.get(|e| &mut e.principals, id, store.principal(id))
            .await
    }

    /// A contract.
    pub async fn contract(
        &self,
        store: &dyn Store,
        id: ContractId,
    ) -> Result<Contract, StoreError> {
        self.get(|e| &mut e.contracts, id, store.contract(id)).await
    }

    /// A party's lineage, top first.
    pub async fn lineage(&self, store: &dyn Store, id: PartyId) -> Result<Lineage, StoreError> {
        self.get(|e| &mut e.lineages, id, store.lineage(id)).await
    }

    /// A party's name.
    pub async fn party_name(&self, store: &dyn Store, id: PartyId) -> Result<String, StoreError> {
        self.get(|e| &mut e.names, id, async {
            Ok(store.party(id).await?.name.as_str().to_owned())
        })
        .await
    }

    /// A service.
    pub async fn service(&self, store: &dyn Store, id: ServiceId) -> Result<Service, StoreError> {
        self.get(|e| &mut e.services, id, store.service(id)).await
    }

    /// The terms version of a contract in force at `at`.
    pub async fn terms_at(
        &self,
        store: &dyn Store,
        contract: ContractId,
        at: Timestamp,
    ) -> Result<Option<TermsVersion>, StoreError> {
        let versions = self
            .get(|e| &mut e.terms, contract, async {
                Ok(Arc::new(store.terms_versions(contract).await?))
            })
            .await?;
        Ok(terms_at(&versions, at).cloned())
    }

    /// A compiled calendar (around the clock, UTC, for none).
    pub async fn calendar(
        &self,
        store: &dyn Store,
        id: Option<CalendarId>,
    ) -> Result<Arc<Calendar>, StoreError> {
        self.get(|e| &mut e.calendars, id, store.compiled_calendar(id))
            .await
    }

    /// A contract, if the caller sees it (as the store's contract
    /// visibility decides).
    pub async fn visible_contract(
        &self,
        store: &dyn Store,
        caller: &Principal,
        id: ContractId,
    ) -> Result<Contract, StoreError> {
        let contract = self.contract(store, id).await?;
        if caller.is_admin() || contract.is_steered_by(caller.user_id) {
            return Ok(contract);
        }
        let provider = self.lineage(store, contract.provider_id).await?;
        let client = self.lineage(store, contract.client_id).await?;
        let mut customers = Vec::with_capacity(contract.customer_ids.len());
        for c in &contract.customer_ids {
            customers.push(self.lineage(store, *c).await?);
        }
        if caller.sees_contract(&provider, &client, &customers, &contract.steering_group) {
            Ok(contract)
        } else {
            Err(StoreError::NotFound)
        }
    }
}
