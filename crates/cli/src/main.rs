//! `kept`: the Kept binary. One file per subcommand under `commands/`.

mod commands;
mod lock;
mod logging;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kept_server::{Config, LogFormat};

/// Kept: service promises, kept. A service-delivery platform for
/// organisations that serve customers through contracts and supply chains.
///
/// Configuration comes from built-in defaults, then the file given by
/// --config (default ./kept.toml, if present), then KEPT_* environment
/// variables such as KEPT_ADDR and KEPT_DATABASE_URL. `kept config show`
/// prints the result.
#[derive(Debug, Parser)]
#[command(name = "kept", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    /// Configuration file.
    #[arg(
        long,
        global = true,
        env = "KEPT_CONFIG",
        default_value = "kept.toml",
        value_name = "FILE"
    )]
    config: PathBuf,

    /// Log format: text for people, json for log collectors.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    log_format: Option<LogFormatArg>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormatArg {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web UI and API on KEPT_ADDR (default 127.0.0.1:8080).
    Serve(commands::serve::Args),
    /// Create (or reuse) a demo database with the example chains, print its logins and serve it.
    Demo(commands::demo::Args),
    /// Apply database migrations, then exit. (`serve` also applies them at start-up.)
    Migrate,
    /// Copy the SQLite database to a new file while `kept serve` runs, and verify the copy.
    ///
    /// The copy is one consistent snapshot (SQLite's VACUUM INTO), written
    /// beside PATH, synced and checked (integrity, schema version, rows per
    /// table) before it is renamed to PATH. For PostgreSQL use pg_dump (see
    /// the README, "Operations: backup and restore").
    Backup(commands::backup::Args),
    /// Replace the SQLite database with a verified backup (stop kept serve first).
    ///
    /// Refuses while a kept serve or kept demo uses the database (they lock
    /// the file DATABASE.lock beside it while they run), and refuses a backup
    /// that is damaged, not Kept's, or from a newer kept. The backup is
    /// copied beside the database, synced, and renamed over it in one step.
    /// For PostgreSQL use pg_restore (see the README, "Operations: backup and
    /// restore").
    Restore(commands::restore::Args),
    /// Manage users.
    #[command(subcommand)]
    User(commands::user::Command),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(commands::token::Command),
    /// Inspect configuration.
    #[command(subcommand)]
    Config(commands::config::Command),
    /// Raise, list and show requests, acting as a user (for scripts).
    #[command(subcommand)]
    Request(commands::request::Command),
    /// Import parties, links or contracts from a CSV file (all rows or none).
    #[command(subcommand)]
    Import(commands::import::Command),
    /// Business-time arithmetic on a calendar file: check, due, elapsed.
    #[command(subcommand)]
    Calendar(commands::calendar::Command),
    /// Email in: take a message piped from a mail transfer agent.
    #[command(subcommand)]
    Mail(commands::mail::Command),
    /// Reports: promise integrity (CSV or JSON).
    #[command(subcommand)]
    Report(commands::report::Command),
}

/// Small, frequent allocations (requests, JSON, SQL rows) are cheaper and
/// fragment less with mimalloc than with the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::load(&cli.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(format) = cli.log_format {
        config.log_format = match format {
            LogFormatArg::Text => LogFormat::Text,
            LogFormatArg::Json => LogFormat::Json,
        };
    }
    logging::init(&config);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => commands::serve::run(config, args).await,
            Command::Demo(args) => commands::demo::run(config, args).await,
            Command::Migrate => commands::migrate::run(config).await,
            Command::Backup(args) => commands::backup::run(config, args).await,
            Command::Restore(args) => commands::restore::run(config, args).await,
            Command::User(command) => commands::user::run(config, command).await,
            Command::Token(command) => commands::token::run(config, command).await,
            Command::Config(command) => commands::config::run(config, command),
            Command::Calendar(command) => commands::calendar::run(command),
            Command::Import(command) => commands::import::run(config, command).await,
            Command::Request(command) => commands::request::run(config, command).await,
            Command::Mail(command) => commands::mail::run(config, command).await,
            Command::Report(command) => commands::report::run(config, command).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // `kept mail receive` answers a mail transfer agent in its terms.
            match e.downcast_ref::<commands::mail::Exit>() {
                Some(exit) => ExitCode::from(exit.code),
                None => ExitCode::FAILURE,
            }
        }
    }
}
