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
    /// How many requests this server is answering now (background jobs
    /// give way while it answers some).
    pub busy: Arc<Busy>,
}

/// A count of the requests a server is answering.
#[derive(Debug, Default)]
pub struct Busy(std::sync::atomic::AtomicUsize);

impl Busy {
    /// Counts one request until the guard is dropped (however the request
    /// ends, a panic included).
    pub fn enter(self: &Arc<Self>) -> BusyGuard {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        BusyGuard(self.clone())
    }

    /// Whether the server has twice as many requests in hand as it has
    /// cores to answer them (four at least): they queue, a burst rather
    /// than a steady flow (a thousand a second of a millisecond or three
    /// each keeps one to three in hand).
    pub fn saturated(&self) -> bool {
        static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        let cores = *CORES.get_or_init(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
        });
        self.0.load(std::sync::atomic::Ordering::Relaxed) >= 2 * cores.max(2)
    }
}

/// One request being answered; see [`Busy::enter`].
#[derive(Debug)]
pub struct BusyGuard(Arc<Busy>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
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
                promise_at_risk_percent: config.promise_at_risk_percent,
                webhook_allow_http: config.webhook_allow_http,
            },
        );
        Ok(Self {
            store: app.store.clone(),
            app,
            config: Arc::new(config),
            outgoing,
            webhooks,
            busy: Arc::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_is_saturated_while_twice_its_cores_in_requests_are_in_hand() {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let busy = Arc::new(Busy::default());
        let mut in_hand: Vec<BusyGuard> = (1..2 * cores.max(2)).map(|_| busy.enter()).collect();
        assert!(!busy.saturated(), "one short of twice the cores");
        in_hand.push(busy.enter());
        assert!(busy.saturated());
        in_hand.pop();
        assert!(!busy.saturated(), "a request answered is no longer in hand");
        drop(in_hand);
        assert_eq!(busy.0.load(std::sync::atomic::Ordering::Relaxed), 0);
    }
}
