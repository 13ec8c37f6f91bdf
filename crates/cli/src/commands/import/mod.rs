//! `kept import parties|links|contracts|orders FILE.csv`: every row is checked
//! first and every problem reported with its line; only a file without
//! problems is written, in one transaction, so it lands whole or not at all.

mod read;

use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use kept_app::import::{self, Problems, Row};
use kept_server::Config;
use kept_store::RowError;

/// What to import.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Parties. Columns: kind, name, parent (a reference or id; may name an
    /// earlier row), internal (true/false, optional), reference (optional).
    Parties(FileArg),
    /// Supplier → customer links. Columns: supplier, customer (references
    /// or ids), label (optional).
    Links(FileArg),
    /// Contracts. Columns: name, provider, client, customers (references or
    /// ids separated by `;`), services (names in the provider's catalog,
    /// `;`), calendar (name or id, optional), probation_ends_on (YYYY-MM-DD,
    /// optional), steering_group (emails, `;`), quorum (all, majority or a
    /// number).
    Contracts(FileArg),
    /// Past orders, as order history for the quantity check. Columns:
    /// customer (a reference or id), service (its id, or its name when no
    /// other service has it), quantity (in the service's unit, or in
    /// pieces with `unit`), unit (optional: the service's or `piece`),
    /// ordered_at (YYYY-MM-DD or an RFC 3339 instant, not in the future),
    /// reference (optional; a reference imported once is refused again).
    Orders(FileArg),
}

/// The file to read.
#[derive(Debug, clap::Args)]
pub struct FileArg {
    /// A CSV file with a header row.
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
}

/// Reads a CSV file: its rows, checked as [`read::rows`] says.
fn read(path: &Path, required: &[&str], known: &[&str]) -> anyhow::Result<(Vec<Row>, Problems)> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    read::rows(path, file, required, known)
}

/// A progress bar over `len` rows (drawn only on a terminal).
fn progress(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(u64::try_from(len).unwrap_or(u64::MAX));
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{{spinner}} {what} [{{bar:30}}] {{pos}}/{{len}} ({{eta}} left)"
    )) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Fails with the report when any row had a problem.
fn refuse_problems(path: &Path, problems: Problems) -> anyhow::Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    let list = problems.into_sorted();
    let lines: Vec<String> = list
        .iter()
        .map(|(line, message)| format!("  line {line}: {message}"))
        .collect();
    anyhow::bail!(
        "{}: {} problem{} found; nothing was imported:\n{}",
        path.display(),
        list.len(),
        if list.len() == 1 { "" } else { "s" },
        lines.join("\n")
    )
}

/// Turns a failed write into a report naming the row's line.
fn written(path: &Path, rows: &[Row], error: RowError) -> anyhow::Error {
    let line = error
        .row
        .and_then(|r| rows.get(r))
        .map(|r| format!("line {}: ", r.line))
        .unwrap_or_default();
    let reason = match &error.error {
        kept_store::StoreError::Invalid(errors) => errors.to_string(),
        other => other.to_string(),
    };
    anyhow::anyhow!("{}: {line}{reason}; nothing was imported", path.display())
}

/// What a file holds.
#[derive(Clone, Copy)]
enum Kind {
    Parties,
    Links,
    Contracts,
    Orders,
}

impl Kind {
    /// The plural noun, for messages.
    fn noun(self) -> &'static str {
        match self {
            Self::Parties => "parties",
            Self::Links => "links",
            Self::Contracts => "contracts",
            Self::Orders => "orders",
        }
    }

    /// The columns a file must have, and those it may have.
    fn columns(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Self::Parties => (import::PARTY_REQUIRED, import::PARTY_COLUMNS),
            Self::Links => (import::LINK_REQUIRED, import::LINK_COLUMNS),
            Self::Contracts => (import::CONTRACT_REQUIRED, import::CONTRACT_COLUMNS),
            Self::Orders => (import::ORDER_REQUIRED, import::ORDER_COLUMNS),
        }
    }
}

/// Runs `kept import`: reads the file before touching the database, so a
/// missing or unreadable file leaves no database behind.
pub async fn run(config: Config, command: Command) -> anyhow::Result<()> {
    let (kind, file) = match command {
        Command::Parties(FileArg { file }) => (Kind::Parties, file),
        Command::Links(FileArg { file }) => (Kind::Links, file),
        Command::Contracts(FileArg { file }) => (Kind::Contracts, file),
        Command::Orders(FileArg { file }) => (Kind::Orders, file),
    };
    let (required, known) = kind.columns();
    let (rows, problems) = read(&file, required, known)?;
    let store = super::open_existing_store(&config).await?;
    let ctx = super::context(store.clone(), &config);
    let outcome = run_import(&ctx, kind, &file, &rows, problems).await;
    store.close().await;
    let count = outcome?;
    println!("Imported {count} {} from {}.", kind.noun(), file.display());
    Ok(())
}

/// Checks every row, refuses the file if any has a problem, and otherwise
/// writes them all in one transaction: the number written.
async fn run_import(
    ctx: &kept_app::Context,
    kind: Kind,
    file: &Path,
    rows: &[Row],
    mut problems: Problems,
) -> anyhow::Result<usize> {
    let landed = Landing { file, rows, kind };
    match kind {
        Kind::Parties => {
            let parsed = import::parties(ctx, rows, &mut problems).await;
            landed
                .land(parsed, problems, async |p, bar| {
                    import::write_parties(ctx, p, bar).await
                })
                .await
        }
        Kind::Links => {
            let parsed = import::links(ctx, rows, &mut problems).await;
            landed
                .land(parsed, problems, async |p, bar| {
                    import::write_links(ctx, p, bar).await
                })
                .await
        }
        Kind::Contracts => {
            let parsed = import::contracts(ctx, rows, &mut problems).await;
            landed
                .land(parsed, problems, async |p, bar| {
                    import::write_contracts(ctx, p, bar).await
                })
                .await
        }
        Kind::Orders => {
            let parsed = import::orders(ctx, rows, &mut problems).await;
            landed
                .land(parsed, problems, async |p, bar| {
                    import::write_orders(ctx, p, bar).await
                })
                .await
        }
    }
}

/// A file on its way in: where it came from and its rows.
struct Landing<'a> {
    file: &'a Path,
    rows: &'a [Row],
    kind: Kind,
}

impl Landing<'_> {
    /// Refuses the file with its problems, if any; otherwise writes the
    /// rows read, with a progress bar: the number written.
    async fn land<T>(
        &self,
        parsed: Result<Vec<T>, kept_app::Error>,
        problems: Problems,
        write: impl AsyncFnOnce(Vec<T>, kept_store::Progress<'_>) -> Result<usize, RowError>,
    ) -> anyhow::Result<usize> {
        let parsed = parsed.map_err(|e| anyhow::anyhow!("{}: {e}", self.file.display()))?;
        refuse_problems(self.file, problems)?;
        let bar = progress(parsed.len(), self.kind.noun());
        let made = write(parsed, &|n| bar.set_position(n as u64))
            .await
            .map_err(|e| written(self.file, self.rows, e))?;
        bar.finish_and_clear();
        Ok(made)
    }
}
