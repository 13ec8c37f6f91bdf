//! Reference data cached in memory, stamped with the database's generation.
//!
//! API tokens, principals, parties, contracts, terms, services and
//! calendars change rarely and are read on every request. Each audited
//! write moves the database's generation counter on (see
//! `kept_store::AuthStore::generation`) and counts in this process's
//! `Store::local_writes`. The cache is emptied when either moves:
//!
//! - this server's own changes are seen by its very next request (every
//!   request compares the local count, an atomic read);
//! - other servers' changes (and the CLI's) are seen within
//!   `reference_cache_ms` (default 100 ms), how often a background task
//!   reads the generation; with 0, every request reads it instead.
//!
//! The database stays the only source of truth: an entry is kept only if
//! the stamp did not move while it was being loaded, and nothing is cached
//! until a stamp has been observed (the CLI's one-off commands never cache).
//!
//! The cache sits in front of the store as a decorator, [`CachedStore`]:
//! whoever holds the application's store reads reference data through it
//! and cannot read around it by mistake.

mod store;

pub use store::CachedStore;

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use kept_domain::calendar::Calendar;
use kept_domain::{
    CalendarId, Contract, ContractId, Lineage, Party, PartyId, Principal, Service, ServiceId,
    TermsVersion, Timestamp, UserId,
};
use kept_store::{Store, StoreError, TokenOwner};

/// Entries beyond which the cache starts afresh (a bound on memory).
const MAX_ENTRIES: usize = 20_000;

/// What the entries were loaded under: the database's generation and this
/// process's count of audited writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    database: i64,
    local: u64,
}

/// A token found live, and when this process last noted its use.
#[derive(Debug, Clone, Copy)]
pub struct CachedToken {
    /// Its owner, id and expiry.
    pub owner: TokenOwner,
    /// When its use was last written down.
    pub touched_at: Timestamp,
}

#[derive(Default)]
struct Entries {
    /// The stamp of the entries; none until one is observed.
    stamp: Option<Stamp>,
    count: usize,
    tokens: HashMap<String, CachedToken>,
    principals: HashMap<UserId, Principal>,
    contracts: HashMap<ContractId, Contract>,
    lineages: HashMap<PartyId, Lineage>,
    parties: HashMap<PartyId, Party>,
    services: HashMap<ServiceId, Service>,
    terms: HashMap<ContractId, Arc<Vec<TermsVersion>>>,
    calendars: HashMap<Option<CalendarId>, Arc<Calendar>>,
}

impl Entries {
    fn clear(&mut self, stamp: Stamp) {
        *self = Self {
            stamp: Some(stamp),
            ..Self::default()
        };
    }
}

/// The cache; one per process, behind its [`CachedStore`].
#[derive(Default)]
pub struct RefCache {
    entries: Mutex<Entries>,
    /// The local count of the stamp, readable without the lock: a lookup
    /// that finds it current (the usual case) skips locking to compare.
    seen_local: AtomicU64,
}

/// Which map of [`Entries`] a lookup uses.
type Pick<K, V> = fn(&mut Entries) -> &mut HashMap<K, V>;

impl RefCache {
    /// Notes the database's generation (when read) and this process's
    /// count of audited writes: if either moved on, the cache is emptied.
    pub fn observe(&self, database: Option<i64>, local: u64) {
        if database.is_none() && local <= self.seen_local.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let now = match (entries.stamp, database) {
            (None, None) => return,
            (None, Some(database)) => Stamp { database, local },
            (Some(old), database) => {
                let database = database.unwrap_or(old.database);
                if database <= old.database && local <= old.local {
                    return;
                }
                Stamp {
                    database: database.max(old.database),
                    local: local.max(old.local),
                }
            }
        };
        entries.clear(now);
        self.seen_local.store(now.local, Ordering::Release);
    }

    /// Before a request uses the cache: notes this process's own writes,
    /// and reads the database's generation too when `every_request`.
    pub async fn refresh(&self, store: &dyn Store, every_request: bool) -> Result<(), StoreError> {
        let database = if every_request {
            Some(store.generation().await?)
        } else {
            None
        };
        self.observe(database, store.local_writes());
        Ok(())
    }

    /// A token found live before, if it has not expired since.
    pub fn token(&self, hash: &str, now: Timestamp) -> Option<CachedToken> {
        let entries = self.entries.lock().ok()?;
        entries
            .tokens
            .get(hash)
            .filter(|t| t.owner.expires_at.is_none_or(|e| e > now))
            .copied()
    }

    /// The stamp now, to pass to [`RefCache::keep_token`] after a read.
    pub fn stamp(&self) -> Option<Stamp> {
        self.entries.lock().ok().and_then(|e| e.stamp)
    }

    /// Remembers a live token read from the database after `before` was
    /// taken, unless the cache moved on meanwhile or the read is older
    /// than what the cache has seen.
    pub fn keep_token(&self, hash: &str, token: CachedToken, before: Option<Stamp>) {
        if let (Some(before), Ok(mut entries)) = (before, self.entries.lock())
            && entries.stamp == Some(before)
            && before.database <= token.owner.generation
        {
            entries.count += 1;
            entries.tokens.insert(hash.to_owned(), token);
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
                entries.stamp
            }
            Err(_) => None,
        };
        let value = load.await?;
        if let (Some(before), Ok(mut entries)) = (before, self.entries.lock())
            && entries.stamp == Some(before)
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
    pub(crate) async fn principal(
        &self,
        store: &dyn Store,
        id: UserId,
    ) -> Result<Principal, StoreError> {
        self.get(|e| &mut e.principals, id, store.principal(id))
            .await
    }

    /// A contract.
    pub(crate) async fn contract(
        &self,
        store: &dyn Store,
        id: ContractId,
    ) -> Result<Contract, StoreError> {
        self.get(|e| &mut e.contracts, id, store.contract(id)).await
    }

    /// A party's lineage, top first.
    pub(crate) async fn lineage(
        &self,
        store: &dyn Store,
        id: PartyId,
    ) -> Result<Lineage, StoreError> {
        self.get(|e| &mut e.lineages, id, store.lineage(id)).await
    }

    /// A party.
    pub(crate) async fn party(&self, store: &dyn Store, id: PartyId) -> Result<Party, StoreError> {
        self.get(|e| &mut e.parties, id, store.party(id)).await
    }

    /// A service.
    pub(crate) async fn service(
        &self,
        store: &dyn Store,
        id: ServiceId,
    ) -> Result<Service, StoreError> {
        self.get(|e| &mut e.services, id, store.service(id)).await
    }

    /// Every terms version of a contract, oldest first.
    pub(crate) async fn terms_versions(
        &self,
        store: &dyn Store,
        contract: ContractId,
    ) -> Result<Arc<Vec<TermsVersion>>, StoreError> {
        self.get(|e| &mut e.terms, contract, async {
            Ok(Arc::new(store.terms_versions(contract).await?))
        })
        .await
    }

    /// A compiled calendar (around the clock, UTC, for none).
    pub(crate) async fn calendar(
        &self,
        store: &dyn Store,
        id: Option<CalendarId>,
    ) -> Result<Arc<Calendar>, StoreError> {
        self.get(|e| &mut e.calendars, id, store.compiled_calendar(id))
            .await
    }
}
