//! Logs via `tracing`, to stderr so that stdout carries only command output.

use std::io::IsTerminal;

use kept_server::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

/// Starts logging: `RUST_LOG` if set, else the configured level.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a terminal; a file or a pipe gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match config.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
