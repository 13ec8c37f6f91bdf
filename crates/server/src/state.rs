//! What every handler can reach.

use std::sync::Arc;

use kept_app::{Context, Settings};
use kept_store::Store;

use crate::config::Config;
use crate::notify::Outgoing;

/// Shared application state.
#[derive(Clone)]
pub struct AppState {
    /// The application layer: the use cases run against it.
    pub app: Context,
    /// The database behind the reference cache (the same as `app.store`),
    /// for the reads a page or the API renders directly.
    pub store: Arc<dyn Store>,
    /// The configuration in effect.
    pub config: Arc<Config>,
    /// Where this server's notifications go (mail templates checked).
    pub outgoing: Arc<Outgoing>,
}

impl AppState {
    /// The state of a server (or a command) over `store`; fails when a
    /// mail template or the mail configuration is wrong.
    pub fn new(store: Arc<dyn Store>, config: Config) -> anyhow::Result<Self> {
        let outgoing = Outgoing::from_config(&config)?;
        let app = Context::new(
            store,
            Settings {
                sla_at_risk_percent: config.sla_at_risk_percent,
            },
        );
        Ok(Self {
            store: app.store.clone(),
            app,
            config: Arc::new(config),
            outgoing,
        })
    }
}
