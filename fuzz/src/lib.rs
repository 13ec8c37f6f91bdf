//! What the fuzz targets share: what the service does with a calendar
//! once it has been read from outside input, and the import's reading of
//! CSV rows and their cells.

pub mod calendar;
pub mod import;

/// The CLI's reading of an import's CSV text, compiled from its own source
/// file so that the fuzzed code is the shipped code.
#[path = "../../crates/cli/src/commands/import/read.rs"]
pub mod csv_read;
