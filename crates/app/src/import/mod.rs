//! Bulk import of parties, links, contracts and past orders from rows of named cells (a
//! CSV file's, for `kept import`): every row is checked first and every
//! problem noted with its line; only rows without problems are written, in
//! one transaction, so an import lands whole or not at all.
//!
//! The reading of the file (its header, its encoding) belongs to the front
//! end; resolving references, names and emails, and writing, are here.

mod orders;
mod rows;

use std::collections::HashMap;

use kept_domain::{Actor, NewContract, NewLink};
use kept_store::{ImportParty, ImportedOrder, Progress, RowError};

pub use orders::{ORDER_COLUMNS, ORDER_REQUIRED, orders};
pub use rows::{
    CONTRACT_COLUMNS, CONTRACT_REQUIRED, LINK_COLUMNS, LINK_REQUIRED, PARTY_COLUMNS,
    PARTY_REQUIRED, contracts, links, parties,
};

use crate::Context;

/// One data row: its line in the file and its cells by column.
pub struct Row {
    /// The line it starts on (the header is line 1).
    pub line: u64,
    cells: HashMap<String, String>,
}

impl Row {
    /// A row at `line` with `cells` by (lower-case) column name.
    pub fn new(line: u64, cells: HashMap<String, String>) -> Self {
        Self { line, cells }
    }

    /// The trimmed cell of `column`, empty when missing.
    pub fn get(&self, column: &str) -> &str {
        self.cells.get(column).map_or("", |c| c.trim())
    }

    /// The cell, or `None` when empty.
    pub fn optional(&self, column: &str) -> Option<&str> {
        Some(self.get(column)).filter(|c| !c.is_empty())
    }
}

/// Problems found, each with its line.
#[derive(Default)]
pub struct Problems(Vec<(u64, String)>);

impl Problems {
    /// Notes a problem with `column` on `line`.
    pub fn add(&mut self, line: u64, column: &str, message: impl std::fmt::Display) {
        self.0.push((line, format!("{column}: {message}")));
    }

    /// Notes a problem with the whole row on `line`.
    pub fn add_row(&mut self, line: u64, message: impl std::fmt::Display) {
        self.0.push((line, message.to_string()));
    }

    /// Takes the value of `result`, noting its error.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        line: u64,
        column: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        result.map_err(|e| self.add(line, column, e)).ok()
    }

    /// Whether none was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every problem, by line.
    pub fn into_sorted(mut self) -> Vec<(u64, String)> {
        self.0.sort_by_key(|(line, _)| *line);
        self.0
    }
}

/// Who imports: the system, on behalf of whoever ran the import.
fn importer() -> Actor {
    Actor::system("kept import")
}

/// Writes checked parties in one transaction, calling `progress` with the
/// count written so far; the parties made, or the row that failed.
pub async fn write_parties(
    ctx: &Context,
    parsed: Vec<ImportParty>,
    progress: Progress<'_>,
) -> Result<usize, RowError> {
    Ok(ctx
        .store
        .import_parties(&importer(), parsed, progress)
        .await?
        .len())
}

/// Writes checked links in one transaction; see [`write_parties`].
pub async fn write_links(
    ctx: &Context,
    parsed: Vec<NewLink>,
    progress: Progress<'_>,
) -> Result<usize, RowError> {
    Ok(ctx
        .store
        .import_links(&importer(), parsed, progress)
        .await?
        .len())
}

/// Writes checked contracts in one transaction; see [`write_parties`].
pub async fn write_contracts(
    ctx: &Context,
    parsed: Vec<NewContract>,
    progress: Progress<'_>,
) -> Result<usize, RowError> {
    Ok(ctx
        .store
        .import_contracts(&importer(), parsed, progress)
        .await?
        .len())
}

/// Writes checked past orders in one transaction; see [`write_parties`].
pub async fn write_orders(
    ctx: &Context,
    parsed: Vec<ImportedOrder>,
    progress: Progress<'_>,
) -> Result<usize, RowError> {
    ctx.store.import_orders(&importer(), parsed, progress).await
}
