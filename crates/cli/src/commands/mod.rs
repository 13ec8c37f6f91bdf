//! One module per subcommand.

pub mod calendar;
pub mod config;
pub mod demo;
pub mod import;
pub mod migrate;
pub mod request;
pub mod serve;
pub mod token;
pub mod user;

use std::sync::Arc;

use kept_server::Config;
use kept_store::Store;

/// Opens and migrates the configured database.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = config.effective_database_url();
    kept_store::open(&url, &config.store_options())
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot open the database at {}: {e}",
                kept_server::config::redact_url(&url)
            )
        })
}
