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
}
