//! `kept migrate`.

use kept_server::Config;

/// Applies migrations and reports the database.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let store = super::open_store(&config).await?;
    store.close().await;
    println!(
        "The {} database at {} is up to date.",
        store.backend().name(),
        kept_server::config::redact_url(&config.effective_database_url())
    );
    Ok(())
}
