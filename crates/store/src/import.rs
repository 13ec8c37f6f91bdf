//! Bulk import: many parties, links or contracts in one transaction, so a
//! file lands whole or not at all. A failure names the row it came from.

use async_trait::async_trait;
use kept_domain::{Actor, ContractId, Link, NewContract, NewLink, Party, PartyId};

use crate::contracts::insert_contract;
use crate::error::StoreError;
use crate::links::insert_link;
use crate::parties::{insert_party, party_id_by_reference};
use crate::{ImportStore, SqlStore};

/// A party to import: its parent by id, or by the reference of a party
/// recorded before it (in the database, or earlier in the same import).
#[derive(Debug, Clone)]
pub struct ImportParty {
    /// The party (its `parent_id` is used when `parent_reference` is none).
    pub party: kept_domain::NewParty,
    /// The parent's reference.
    pub parent_reference: Option<String>,
}

/// An import that failed: which row (counting from 0), if a row caused it,
/// and why. Nothing of the import was kept.
#[derive(Debug, thiserror::Error)]
#[error("{}{error}", row.map(|r| format!("row {}: ", r + 1)).unwrap_or_default())]
pub struct RowError {
    /// The row, counting from 0.
    pub row: Option<usize>,
    /// What went wrong.
    pub error: StoreError,
}

impl From<StoreError> for RowError {
    fn from(error: StoreError) -> Self {
        Self { row: None, error }
    }
}

impl From<sqlx::Error> for RowError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::from(error).into()
    }
}

/// Tags an error with its row.
fn at<T>(row: usize, result: Result<T, StoreError>) -> Result<T, RowError> {
    result.map_err(|error| RowError {
        row: Some(row),
        error,
    })
}

/// Called after each row with the number done.
pub type Progress<'a> = &'a (dyn Fn(usize) + Send + Sync);

#[async_trait]
impl ImportStore for SqlStore {
    async fn party_by_reference(&self, reference: &str) -> Result<Option<PartyId>, StoreError> {
        let mut conn = self.db.read.acquire().await?;
        party_id_by_reference(&mut conn, reference).await
    }

    async fn import_parties(
        &self,
        actor: &Actor,
        rows: Vec<ImportParty>,
        progress: Progress<'_>,
    ) -> Result<Vec<Party>, RowError> {
        let mut tx = self.db.begin().await?;
        let mut made = Vec::with_capacity(rows.len());
        for (n, row) in rows.into_iter().enumerate() {
            let mut new = row.party;
            if let Some(reference) = &row.parent_reference {
                let parent = at(n, party_id_by_reference(&mut tx, reference).await)?;
                new.parent_id = Some(parent.ok_or_else(|| RowError {
                    row: Some(n),
                    error: StoreError::invalid(
                        "parent",
                        format!("no party has the reference {reference}"),
                    ),
                })?);
            }
            made.push(at(n, insert_party(&mut tx, actor, new).await)?);
            progress(n + 1);
        }
        self.commit_audited(tx).await?;
        Ok(made)
    }

    async fn import_links(
        &self,
        actor: &Actor,
        rows: Vec<NewLink>,
        progress: Progress<'_>,
    ) -> Result<Vec<Link>, RowError> {
        let mut tx = self.db.begin().await?;
        let mut made = Vec::with_capacity(rows.len());
        for (n, new) in rows.into_iter().enumerate() {
            made.push(at(
                n,
                insert_link(&mut tx, self.db.backend, actor, new).await,
            )?);
            progress(n + 1);
        }
        self.commit_audited(tx).await?;
        Ok(made)
    }

    async fn import_contracts(
        &self,
        actor: &Actor,
        rows: Vec<NewContract>,
        progress: Progress<'_>,
    ) -> Result<Vec<ContractId>, RowError> {
        let mut tx = self.db.begin().await?;
        let mut made = Vec::with_capacity(rows.len());
        for (n, new) in rows.into_iter().enumerate() {
            made.push(at(n, insert_contract(&mut tx, actor, new).await)?);
            progress(n + 1);
        }
        self.commit_audited(tx).await?;
        Ok(made)
    }
}
