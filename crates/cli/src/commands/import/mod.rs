//! `kept import parties|links|contracts FILE.csv`: every row is checked
//! first and every problem reported with its line; only a file without
//! problems is written, in one transaction, so it lands whole or not at all.

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
}

/// The file to read.
#[derive(Debug, clap::Args)]
pub struct FileArg {
    /// A CSV file with a header row.
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
}

/// Reads a CSV file: its rows, after checking the header has the
/// `required` columns, nothing outside `known` and no column twice. A row
/// that cannot be read (the wrong number of fields, text that is not UTF-8)
/// is left out and noted in the problems returned, so every row is checked
/// before anything is refused.
fn read(path: &Path, required: &[&str], known: &[&str]) -> anyhow::Result<(Vec<Row>, Problems)> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: line 1: cannot read the header", path.display()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    if header.is_empty() {
        anyhow::bail!(
            "{}: the file is empty; its first line must name the columns: {}",
            path.display(),
            known.join(", ")
        );
    }
    check_header(path, &header, required, known)?;
    let mut rows = Vec::new();
    let mut problems = Problems::default();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                if let csv::ErrorKind::Utf8 { .. } = e.kind() {
                    problems.add_row(line, "is not valid UTF-8 text");
                    continue;
                }
                anyhow::bail!("{}: line {line}: {e}", path.display());
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != header.len() {
            problems.add_row(
                line,
                format!(
                    "has {} field{} but the header has {} (quote a value that holds a comma)",
                    record.len(),
                    if record.len() == 1 { "" } else { "s" },
                    header.len()
                ),
            );
            continue;
        }
        let cells = header
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_owned))
            .collect();
        rows.push(Row::new(line, cells));
    }
    if rows.is_empty() && problems.is_empty() {
        anyhow::bail!("{}: no rows to import", path.display());
    }
    Ok((rows, problems))
}

/// Refuses a header that lacks a `required` column, has one outside
/// `known`, or names a column twice.
fn check_header(
    path: &Path,
    header: &[String],
    required: &[&str],
    known: &[&str],
) -> anyhow::Result<()> {
    let quoted = |columns: &[&str]| -> String {
        columns
            .iter()
            .map(|c| {
                if c.is_empty() {
                    "an unnamed column".to_owned()
                } else {
                    format!("`{c}`")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|c| !header.iter().any(|h| h == c))
        .collect();
    let unknown: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|h| !known.contains(h))
        .collect();
    let mut repeated: Vec<&str> = Vec::new();
    for (n, column) in header.iter().enumerate() {
        if known.contains(&column.as_str())
            && header[..n].contains(column)
            && !repeated.contains(&column.as_str())
        {
            repeated.push(column);
        }
    }
    let mut faults = Vec::new();
    if !missing.is_empty() {
        faults.push(format!("lacks {}", quoted(&missing)));
    }
    if !unknown.is_empty() {
        faults.push(format!("has unknown columns {}", quoted(&unknown)));
    }
    if !repeated.is_empty() {
        faults.push(format!("repeats {}", quoted(&repeated)));
    }
    if faults.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "{}: line 1: the header {}; the columns are: {} (required: {})",
        path.display(),
        faults.join(" and "),
        known.join(", "),
        required.join(", ")
    )
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
}

impl Kind {
    /// The plural noun, for messages.
    fn noun(self) -> &'static str {
        match self {
            Self::Parties => "parties",
            Self::Links => "links",
            Self::Contracts => "contracts",
        }
    }

    /// The columns a file must have, and those it may have.
    fn columns(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Self::Parties => (import::PARTY_REQUIRED, import::PARTY_COLUMNS),
            Self::Links => (import::LINK_REQUIRED, import::LINK_COLUMNS),
            Self::Contracts => (import::CONTRACT_REQUIRED, import::CONTRACT_COLUMNS),
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
    let checked = |e: kept_app::Error| anyhow::anyhow!("{}: {e}", file.display());
    match kind {
        Kind::Parties => {
            let parsed = import::parties(ctx, rows, &mut problems)
                .await
                .map_err(checked)?;
            refuse_problems(file, problems)?;
            let bar = progress(parsed.len(), kind.noun());
            let made = import::write_parties(ctx, parsed, &|n| bar.set_position(n as u64))
                .await
                .map_err(|e| written(file, rows, e))?;
            bar.finish_and_clear();
            Ok(made)
        }
        Kind::Links => {
            let parsed = import::links(ctx, rows, &mut problems)
                .await
                .map_err(checked)?;
            refuse_problems(file, problems)?;
            let bar = progress(parsed.len(), kind.noun());
            let made = import::write_links(ctx, parsed, &|n| bar.set_position(n as u64))
                .await
                .map_err(|e| written(file, rows, e))?;
            bar.finish_and_clear();
            Ok(made)
        }
        Kind::Contracts => {
            let parsed = import::contracts(ctx, rows, &mut problems)
                .await
                .map_err(checked)?;
            refuse_problems(file, problems)?;
            let bar = progress(parsed.len(), kind.noun());
            let made = import::write_contracts(ctx, parsed, &|n| bar.set_position(n as u64))
                .await
                .map_err(|e| written(file, rows, e))?;
            bar.finish_and_clear();
            Ok(made)
        }
    }
}
