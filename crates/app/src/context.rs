//! What every use case runs against: the store (behind the reference
//! cache) and the few settings that change what use cases decide.

use std::collections::HashMap;
use std::sync::Arc;

use kept_domain::PartyId;
use kept_store::Store;

use crate::cache::{CachedStore, RefCache};
use crate::error::Error;

/// The settings use cases read; the server's configuration fills them in.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The share of an SLA target's business time after which the clock
    /// counts as at risk.
    pub sla_at_risk_percent: u8,
    /// The share of the business time to a promise's date, in percent,
    /// after which the promise counts as at risk even if the plan finishes
    /// it in time.
    pub promise_at_risk_percent: u8,
    /// Whether webhook endpoints may be plain `http://` (for tests and
    /// receivers on a private network); otherwise only `https://`.
    pub webhook_allow_http: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            sla_at_risk_percent: kept_domain::sla::DEFAULT_AT_RISK_PERCENT,
            promise_at_risk_percent: kept_domain::promise::DEFAULT_AT_RISK_PERCENT,
            webhook_allow_http: false,
        }
    }
}

/// The application: a store and its settings, cheap to clone.
#[derive(Clone)]
pub struct Context {
    /// The database, with reference data read through the cache.
    pub store: Arc<dyn Store>,
    /// The reference cache in front of `store`.
    pub refs: Arc<RefCache>,
    /// The settings in effect.
    pub settings: Settings,
    /// The teams' plans, kept for a few seconds.
    pub plans: Arc<crate::promises::plans::Plans>,
}

impl Context {
    /// The application over `store`, with a fresh reference cache.
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        let refs = Arc::new(RefCache::default());
        let store: Arc<dyn Store> = Arc::new(CachedStore::new(store, refs.clone()));
        Self {
            store,
            refs,
            settings,
            plans: Arc::default(),
        }
    }

    /// The names of the parties `ids`, by id (a missing party is left out).
    pub(crate) async fn party_names(
        &self,
        ids: &[PartyId],
    ) -> Result<HashMap<PartyId, String>, Error> {
        Ok(self
            .store
            .party_names(ids)
            .await?
            .into_iter()
            .map(|(id, n)| (id, n.as_str().to_owned()))
            .collect())
    }
}
