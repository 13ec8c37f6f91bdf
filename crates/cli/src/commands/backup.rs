//! `kept backup PATH`: a verified copy of the live SQLite database, taken
//! while `kept serve` keeps running.
//!
//! The copy is written to a temporary file beside PATH, synced, checked
//! (integrity, schema version, rows per table) and only then renamed into
//! place, so PATH is either a complete, verified copy or untouched.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use indicatif::ProgressBar;
use kept_server::Config;
use kept_store::{Inspection, SqlStore, Store as _, inspect_file, latest_schema_version};

/// Options of `kept backup`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the copy: a new file (see --force).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Replace PATH if it already exists.
    #[arg(long)]
    pub force: bool,
}

/// Copies the configured SQLite database to `args.path` and verifies the copy.
pub async fn run(config: Config, args: Args) -> anyhow::Result<()> {
    let url = config.effective_database_url();
    let Some(source) = kept_store::sqlite_file(&url) else {
        anyhow::bail!(
            "kept backup copies SQLite databases, and {} is PostgreSQL; nothing was written.\n\
             Use pg_dump, as the README's \"Operations: backup and restore\" shows:\n  \
             pg_dump --format=custom --file=kept.dump \"$KEPT_DATABASE_URL\"",
            kept_server::config::redact_url(&url)
        );
    };
    if !source.is_file() {
        anyhow::bail!("{}", super::no_database(&config, &source));
    }
    if args.path.exists() {
        if !args.force {
            anyhow::bail!(
                "{} already exists; nothing was written (--force replaces it)",
                args.path.display()
            );
        }
        if same_file(&source, &args.path) {
            anyhow::bail!(
                "{} is the database itself; back it up to another file",
                args.path.display()
            );
        }
    }
    let started = Instant::now();
    let spinner = spinner("Copying the database");
    let temp = temp_beside(&args.path, "backup")?;
    let copied = copy(&config, &url, &temp).await;
    let verified = match copied {
        Ok(()) => verify(&temp).await,
        Err(e) => Err(e),
    };
    spinner.finish_and_clear();
    let inspection = match verified.and_then(|i| replace(&temp, &args.path).map(|()| i)) {
        Ok(inspection) => inspection,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(e.context(format!("nothing was written to {}", args.path.display())));
        }
    };
    let size = std::fs::metadata(&args.path).map_or(0, |m| m.len());
    println!(
        "Backed up {} to {} ({}, in {:.1} s): integrity ok, {}.",
        source.display(),
        args.path.display(),
        megabytes(size),
        started.elapsed().as_secs_f64(),
        schema_line(&inspection)
    );
    println!();
    print_tables(&inspection);
    Ok(())
}

/// `VACUUM INTO` the temporary file, on a connection of our own (the
/// database is not migrated: the copy is of what is there).
async fn copy(config: &Config, url: &str, temp: &Path) -> anyhow::Result<()> {
    let store = SqlStore::connect(url, &config.store_options())
        .await
        .with_context(|| format!("cannot open the database at {url}"))?;
    let copied = store.backup_to(temp).await;
    store.close().await;
    copied.context("the copy failed")
}

/// Checks the copy.
async fn verify(temp: &Path) -> anyhow::Result<Inspection> {
    inspect_file(temp)
        .await
        .and_then(Inspection::sound)
        .map_err(|e| anyhow::anyhow!("the copy failed verification: {e}"))
}

/// The schema version, and how it compares with this build's.
pub(super) fn schema_line(inspection: &Inspection) -> String {
    let found = inspection.schema_version.unwrap_or(0);
    let supported = latest_schema_version();
    if found > supported {
        format!("schema version {found} (newer than this kept's {supported})")
    } else {
        format!("schema version {found}")
    }
}

/// The rows of each table, as a small table.
pub(super) fn print_tables(inspection: &Inspection) {
    let width = inspection
        .tables
        .iter()
        .map(|t| t.table.len())
        .chain(["table".len()])
        .max()
        .unwrap_or(0);
    println!("  {:width$}  {:>10}", "table", "rows");
    for t in &inspection.tables {
        println!("  {:width$}  {:>10}", t.table, t.rows);
    }
}

/// Moves the finished file `temp` to `target` in one step: syncs it to
/// disk first (`VACUUM INTO` does not), and removes any `-wal`, `-shm` or
/// `-journal` left beside `target`, which SQLite would replay into the new
/// file and corrupt it.
pub(super) fn replace(temp: &Path, target: &Path) -> anyhow::Result<()> {
    sync(temp)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = target.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(PathBuf::from(&name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e)
                    .with_context(|| format!("cannot remove {}", PathBuf::from(&name).display()));
            }
            _ => {}
        }
    }
    std::fs::rename(temp, target)
        .with_context(|| format!("cannot move the copy to {}", target.display()))?;
    // The rename is durable once the directory is synced.
    sync(&directory(target))
}

/// A temporary file beside `path` (same directory, so renaming is atomic),
/// named after this process; any left by an earlier run of it is removed.
pub(super) fn temp_beside(path: &Path, what: &str) -> anyhow::Result<PathBuf> {
    let dir = directory(path);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))?;
    let mut name = OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".{what}-{}.tmp", std::process::id()));
    let temp = dir.join(name);
    match std::fs::remove_file(&temp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", temp.display()))
        }
        _ => Ok(temp),
    }
}

/// The directory `path` is in (`.` for a bare file name).
fn directory(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Flushes a file, or a directory's entries, to disk.
fn sync(path: &Path) -> anyhow::Result<()> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {} to disk", path.display()))
}

/// True when both paths name one existing file.
pub(super) fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A spinner with `message` (drawn only on a terminal).
pub(super) fn spinner(message: &str) -> ProgressBar {
    let spinner = ProgressBar::new_spinner().with_message(message.to_owned());
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}

/// A size readable at a glance (precision is not the point).
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
