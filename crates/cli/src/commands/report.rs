//! `kept report promises`: promise integrity from the shell, as CSV or
//! JSON, through the same use case as `GET /api/v1/reports/promises`.
//!
//! Without `--email` it reports on the whole installation (the operator on
//! the server's machine holds the whole database anyway); with it, on
//! exactly what that user sees.

use std::io::Write;

use kept_app::promises::report::{self, IntegrityReport, IntegrityRow, ReportInput};
use kept_domain::Timestamp;
use kept_domain::promise::IntegrityBy;
use kept_server::Config;

/// Subcommands of `kept report`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Promise integrity: of the promises settled in a period, how many
    /// were kept as first made, kept after a timely renegotiation, and
    /// broken, per team, contract, customer, or internal against external,
    /// with the shares and a total row.
    ///
    /// Example: kept report promises --by contract --from 2026-01-01T00:00:00Z --format json
    Promises(PromisesArgs),
}

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row; the total row last.
    Csv,
    /// One JSON object, as the API answers.
    Json,
}

/// Options of `kept report promises`.
#[derive(Debug, clap::Args)]
pub struct PromisesArgs {
    /// Promises settled from this instant, RFC 3339 such as
    /// 2026-01-01T00:00:00Z (default: 90 days before --to).
    #[arg(long, value_name = "INSTANT", value_parser = instant_value)]
    from: Option<Timestamp>,
    /// Until this instant, excluded (default: now).
    #[arg(long, value_name = "INSTANT", value_parser = instant_value)]
    to: Option<Timestamp>,
    /// Group by team, contract, customer, or internal (internal against
    /// external customers).
    #[arg(long, default_value = "team", value_parser = by_value)]
    by: IntegrityBy,
    /// csv or json.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    /// Report on what the user with this login sees, with their rights
    /// (default: the whole installation).
    #[arg(long)]
    email: Option<String>,
}

/// `--by`, parsed by the domain's own names, so the message lists them.
fn by_value(raw: &str) -> Result<IntegrityBy, String> {
    raw.trim().parse()
}

/// An instant in RFC 3339, with an example when it is not one.
fn instant_value(raw: &str) -> Result<Timestamp, String> {
    raw.trim().parse().map_err(|e| {
        format!("{e}; give an RFC 3339 instant with its offset, such as 2026-01-01T00:00:00Z")
    })
}

/// Runs a `kept report` subcommand.
pub async fn run(config: Config, command: Command) -> anyhow::Result<()> {
    let Command::Promises(args) = command;
    let input = ReportInput {
        from: args.from,
        to: args.to,
        by: Some(args.by),
    };
    // Refuse a bad period before touching the database.
    report::period(&input, Timestamp::now()).map_err(|e| anyhow::anyhow!("{}", flags(&e)))?;
    let store = super::open_existing_store(&config).await?;
    let app = super::context(store.clone(), &config);
    let made = match &args.email {
        Some(email) => {
            let caller = super::request::principal(&app, email).await?;
            report::report(&app, &caller, input).await
        }
        None => report::report_all(&app, input).await,
    };
    store.close().await;
    let made = made.map_err(|e| anyhow::anyhow!("{}", flags(&e)))?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Csv => write_csv(&mut out, &made)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &made)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// A refusal in the command's terms: fields named as its flags.
fn flags(e: &kept_app::Error) -> String {
    if e.errors.is_empty() {
        return e.message();
    }
    e.errors
        .iter()
        .map(|f| format!("--{}: {}", f.field, f.message.replace("`to`", "--to")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The report as CSV: a header row, one row per group, the total last.
fn write_csv(out: impl Write, made: &IntegrityReport) -> anyhow::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "by",
        "key",
        "name",
        "kept",
        "kept_renegotiated",
        "broken",
        "total",
        "kept_share",
        "kept_renegotiated_share",
        "broken_share",
    ])?;
    for row in made.rows.iter().chain(std::iter::once(&made.total)) {
        csv.write_record(record(made.by, row))?;
    }
    csv.flush()?;
    Ok(())
}

fn record(by: IntegrityBy, row: &IntegrityRow) -> [String; 10] {
    let share = |s: f64| format!("{s:.4}");
    [
        by.as_str().to_owned(),
        row.key.clone().unwrap_or_default(),
        row.name.clone(),
        row.kept.to_string(),
        row.kept_renegotiated.to_string(),
        row.broken.to_string(),
        row.total.to_string(),
        share(row.kept_share),
        share(row.kept_renegotiated_share),
        share(row.broken_share),
    ]
}
