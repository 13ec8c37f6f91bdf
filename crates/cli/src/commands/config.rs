//! `kept config show`.

use kept_server::Config;

/// Subcommands of `kept config`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the configuration in effect (defaults, file, environment), secrets redacted.
    Show,
}

/// Runs a `kept config` subcommand.
pub fn run(config: Config, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Show => print!("{}", config.to_redacted_toml()),
    }
    Ok(())
}
