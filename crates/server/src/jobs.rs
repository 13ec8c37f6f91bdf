//! Background jobs run by `kept serve`.
//!
//! Each job works from durable rows, so any number of servers may run it
//! (deleting expired rows twice is harmless).

use std::time::Duration;

use kept_domain::Timestamp;
use tokio::sync::watch;

use crate::state::AppState;

/// How often expired sessions, invitations and keys are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);
/// How long after start-up the first purge runs: out of the way of the
/// start itself (and of short-lived servers such as tests').
const FIRST_PURGE_AFTER: Duration = Duration::from_secs(60);

/// Purges expired rows every hour until `shutdown` changes.
pub async fn purge_expired(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let start = tokio::time::Instant::now() + FIRST_PURGE_AFTER;
    let mut ticker = tokio::time::interval_at(start, PURGE_EVERY);
    loop {
        tokio::select! {
            _ = ticker.tick() => match state.store.purge_expired(Timestamp::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "purged expired sessions, invitations and keys"),
                Err(e) => tracing::warn!(error = %e, "purging expired rows failed"),
            },
            _ = shutdown.changed() => return,
        }
    }
}
