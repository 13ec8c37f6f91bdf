//! One module per subcommand.

pub mod backup;
pub mod calendar;
pub mod config;
pub mod demo;
pub mod import;
pub mod mail;
pub mod migrate;
pub mod report;
pub mod request;
pub mod restore;
pub mod serve;
pub mod token;
pub mod user;

use std::path::Path;
use std::sync::Arc;

use kept_server::Config;
use kept_store::Store;

/// Opens and migrates the configured database, creating an SQLite file if
/// there is none: for the commands that set a database up (`serve`,
/// `migrate`, `demo` and `user add`).
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

/// Opens the configured database, which must exist: the commands that read
/// or add to what is in it refuse, rather than create an empty database
/// and then find nothing in it.
pub async fn open_existing_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = config.effective_database_url();
    if let Some(file) = kept_store::sqlite_file(&url).filter(|f| !f.exists()) {
        anyhow::bail!("{}", no_database(config, &file));
    }
    open_store(config).await
}

/// Why there is no database, and what to do.
fn no_database(config: &Config, file: &Path) -> String {
    let mut text = format!("there is no database at {}", file.display());
    if !config.database_url.is_empty() {
        text.push_str(
            " (the database_url set by KEPT_DATABASE_URL or the config file); nothing was created",
        );
        return text;
    }
    text.push_str(" (KEPT_DATABASE_URL is not set, so this is the default); nothing was created.");
    let demo = demo::database_file(config);
    if demo.is_file() {
        text.push_str(&format!(
            "\n`kept demo` made its database at {}; to use it, run:\n  {}",
            demo.display(),
            demo::export_line(&demo)
        ));
    } else {
        text.push_str(
            "\nSet KEPT_DATABASE_URL to your database, or create one with `kept migrate` or `kept user add`.",
        );
    }
    text
}

/// The application layer over `store`, with the settings of `config`: what
/// the commands run their use cases against.
pub fn context(store: Arc<dyn Store>, config: &Config) -> kept_app::Context {
    kept_app::Context::new(
        store,
        kept_app::Settings {
            sla_at_risk_percent: config.sla_at_risk_percent,
            promise_at_risk_percent: config.promise_at_risk_percent,
            webhook_allow_http: config.webhook_allow_http,
        },
    )
}
