//! `kept restore PATH`: replaces the configured SQLite database with a
//! backup, once the backup is verified and no server is using the database.

use std::path::PathBuf;

use anyhow::Context as _;
use kept_server::Config;
use kept_store::{Inspection, inspect_file, latest_schema_version};

use super::backup::{print_tables, replace, same_file, schema_line, spinner, temp_beside};

/// Options of `kept restore`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The backup to restore (a file `kept backup` wrote).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
}

/// Verifies the backup, then puts a copy of it where the configured
/// database is, in one rename.
pub async fn run(config: Config, args: Args) -> anyhow::Result<()> {
    let url = config.effective_database_url();
    let Some(target) = kept_store::sqlite_file(&url) else {
        anyhow::bail!(
            "kept restore restores SQLite databases, and {} is PostgreSQL; nothing was changed.\n\
             Use pg_restore into an empty database, as the README's \"Operations: backup and restore\" shows:\n  \
             pg_restore --no-owner --no-privileges --single-transaction --dbname=postgres://…/kept_restored kept.dump",
            kept_server::config::redact_url(&url)
        );
    };
    if !args.path.is_file() {
        anyhow::bail!("there is no backup at {}", args.path.display());
    }
    if same_file(&args.path, &target) {
        anyhow::bail!(
            "{} is the database itself; restore a backup of it",
            args.path.display()
        );
    }
    // Held to the end: no server starts on the database while it is replaced.
    let _lock = crate::lock::take_exclusive(&target)?;
    let unchanged = || format!("the database at {} is unchanged", target.display());
    let spinner = spinner("Checking the backup");
    let checked = inspect_file(&args.path)
        .await
        .and_then(Inspection::restorable);
    let inspection = match checked {
        Ok(inspection) => inspection,
        Err(e) => {
            spinner.finish_and_clear();
            anyhow::bail!(
                "{} cannot be restored: {e}; {}",
                args.path.display(),
                unchanged()
            );
        }
    };
    spinner.set_message("Restoring");
    let temp = temp_beside(&target, "restore")?;
    // A copy through SQLite, not of the bytes: a `-wal` beside the backup
    // is folded in, and the copy needs nothing beside it.
    let restored = match kept_store::copy_file(&args.path, &temp).await {
        Ok(()) => replace(&temp, &target),
        Err(e) => Err(anyhow::anyhow!("cannot copy {}: {e}", args.path.display())),
    };
    spinner.finish_and_clear();
    if let Err(e) = restored {
        let _ = std::fs::remove_file(&temp);
        return Err(e).with_context(unchanged);
    }
    println!(
        "Restored {} to {}: {}.",
        args.path.display(),
        target.display(),
        schema_line(&inspection)
    );
    let supported = latest_schema_version();
    if inspection.schema_version.is_some_and(|v| v < supported) {
        println!("kept serve (or kept migrate) brings it to schema version {supported}.");
    }
    println!();
    print_tables(&inspection);
    Ok(())
}
