//! What every handler can reach.

use std::sync::Arc;

use kept_store::Store;

use crate::config::Config;

/// Shared application state.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// The configuration in effect.
    pub config: Arc<Config>,
    /// Reference data cached under the database's generation.
    pub refs: Arc<crate::refs::RefCache>,
}

impl AppState {
    /// The state of a server (or a command) over `store`.
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        Self {
            store,
            config: Arc::new(config),
            refs: Arc::default(),
        }
    }
}
