//! What every handler can reach.

use std::sync::Arc;

use kept_app::{Context, Settings};
use kept_store::Store;

use crate::config::Config;
use crate::notify::Outgoing;
use crate::notify::webhook::Webhooks;

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
    /// Where this server's webhook calls may go, and how they are signed.
    pub webhooks: Arc<Webhooks>,
}

impl AppState {
    /// The state of a server (or a command) over `store`; fails when a
    /// mail template, the mail configuration or the webhook networks are
    /// wrong.
    pub fn new(store: Arc<dyn Store>, config: Config) -> anyhow::Result<Self> {
        let outgoing = Outgoing::from_config(&config)?;
        let webhooks = Webhooks::from_config(&config)?;
        let app = Context::new(
            store,
            Settings {
                sla_at_risk_percent: config.sla_at_risk_percent,
                webhook_allow_http: config.webhook_allow_http,
            },
        );
        Ok(Self {
            store: app.store.clone(),
            app,
            config: Arc::new(config),
            outgoing,
            webhooks,
        })
    }
}
