//! Versions of a contract's terms. The first versions are set directly
//! while no terms are in force; after that, only an applied change request
//! makes a new one. A version is never edited once it has taken effect.

use async_trait::async_trait;
use kept_domain::{
    Actor, AuditAction, ContractId, Coverage, ServiceId, Terms, TermsVersion, Timestamp, UserId,
    terms_at,
};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::contracts::fetch_contract;
use crate::error::{Conflict, Result, StoreError};
use crate::sql::{RowExt, micros, now, to_micros};
use crate::{SqlStore, TermsStore};

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn json_column<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> Result<T> {
    serde_json::from_str(&row.text(column)?).map_err(corrupt)
}

fn version_from_row(row: &AnyRow) -> Result<TermsVersion> {
    Ok(TermsVersion {
        contract_id: row.parsed("contract_id")?,
        version: u32::try_from(row.int("version")?).map_err(corrupt)?,
        effective_from: row.instant("effective_from")?,
        terms: json_column(row, "terms")?,
        customer_ids: json_column(row, "customer_ids")?,
        service_ids: json_column(row, "service_ids")?,
        calendar_id: row.opt_parsed("calendar_id")?,
        change_request_id: row.opt_parsed("change_request_id")?,
        created_by: row.opt_parsed("created_by")?,
        created_at: row.instant("created_at")?,
    })
}

/// Every version of a contract's terms, oldest first.
pub(crate) async fn fetch_versions(
    conn: &mut AnyConnection,
    contract: ContractId,
) -> Result<Vec<TermsVersion>> {
    let rows = sqlx::query(
        "SELECT contract_id, version, effective_from, terms, customer_ids, service_ids, \
         calendar_id, change_request_id, created_by, created_at \
         FROM terms_versions WHERE contract_id = $1 ORDER BY version",
    )
    .bind(contract.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(version_from_row).collect()
}

/// Takes the contract's row lock (on PostgreSQL; SQLite writers are already
/// serialised), so versions of one contract are made one at a time.
pub(crate) async fn lock_contract(conn: &mut AnyConnection, id: ContractId) -> Result<()> {
    let done = sqlx::query("UPDATE contracts SET updated_at = $1 WHERE id = $2")
        .bind(micros(now()))
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// What the contract covers as of its latest version (or, before any, its
/// customers, services and calendar with empty terms).
pub(crate) async fn latest_coverage(
    conn: &mut AnyConnection,
    id: ContractId,
    versions: &[TermsVersion],
) -> Result<Coverage> {
    coverage_of(conn, id, versions, versions.last().map(|v| v.version)).await
}

/// What the contract covers as of `version` (or, for none, as it stands
/// with empty terms: what a contract covers before its first version).
pub(crate) async fn coverage_of(
    conn: &mut AnyConnection,
    id: ContractId,
    versions: &[TermsVersion],
    version: Option<u32>,
) -> Result<Coverage> {
    match version {
        Some(n) => versions
            .iter()
            .find(|v| v.version == n)
            .map(TermsVersion::coverage)
            .ok_or(StoreError::NotFound),
        None => {
            let c = fetch_contract(conn, id).await?;
            Ok(Coverage {
                terms: Terms::default(),
                customer_ids: c.customer_ids,
                service_ids: c.service_ids,
                calendar_id: c.calendar_id,
            })
        }
    }
}

/// Refuses an effective-from that does not come after the latest version's.
pub(crate) fn check_order(versions: &[TermsVersion], effective_from: Timestamp) -> Result<()> {
    match versions.last() {
        Some(v) if effective_from <= v.effective_from => Err(StoreError::invalid(
            "effective_from",
            format!(
                "must come after version {}'s start ({})",
                v.version, v.effective_from
            ),
        )),
        _ => Ok(()),
    }
}

/// Inserts a version as the next of the contract.
pub(crate) async fn insert_version(conn: &mut AnyConnection, version: &TermsVersion) -> Result<()> {
    sqlx::query(
        "INSERT INTO terms_versions (contract_id, version, effective_from, terms, customer_ids, \
         service_ids, calendar_id, change_request_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(version.contract_id.to_string())
    .bind(i64::from(version.version))
    .bind(micros(version.effective_from))
    .bind(to_json(&version.terms)?)
    .bind(to_json(&version.customer_ids)?)
    .bind(to_json(&version.service_ids)?)
    .bind(version.calendar_id.map(|c| c.to_string()))
    .bind(version.change_request_id.map(|c| c.to_string()))
    .bind(version.created_by.map(|u| u.to_string()))
    .bind(micros(version.created_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Checks terms set directly, naming bad fields by their path under
/// `terms` (`terms.kpis[0].within`), as callers send them.
fn checked_terms(terms: Terms, services: &[ServiceId]) -> Result<Terms> {
    terms.checked(services).map_err(|mut e| {
        for f in &mut e.0 {
            f.field = format!("terms.{}", f.field);
        }
        StoreError::Invalid(e)
    })
}

/// A value as JSON text for a column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(corrupt)
}

#[async_trait]
impl TermsStore for SqlStore {
    #[tracing::instrument(skip(self, actor, terms), err(level = "debug"))]
    async fn create_terms_version(
        &self,
        actor: &Actor,
        contract: ContractId,
        effective_from: Timestamp,
        terms: Terms,
    ) -> Result<TermsVersion> {
        let effective_from = to_micros(effective_from);
        let mut tx = self.db.begin().await?;
        lock_contract(&mut tx, contract).await?;
        let versions = fetch_versions(&mut tx, contract).await?;
        let at = now();
        if terms_at(&versions, at).is_some() {
            return Err(Conflict::TermsUnderChangeControl.into());
        }
        check_order(&versions, effective_from)?;
        let base = latest_coverage(&mut tx, contract, &versions).await?;
        let terms = checked_terms(terms, &base.service_ids)?;
        let version = TermsVersion {
            contract_id: contract,
            version: versions.last().map_or(1, |v| v.version + 1),
            effective_from,
            terms,
            customer_ids: base.customer_ids,
            service_ids: base.service_ids,
            calendar_id: base.calendar_id,
            change_request_id: None,
            created_by: actor.user_id,
            created_at: at,
        };
        insert_version(&mut tx, &version).await?;
        append(
            &mut tx,
            actor,
            AuditAction::TermsVersionCreated,
            "contract",
            &contract.to_string(),
            json!({ "version": version.version, "effective_from": effective_from, "terms": version.terms }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(version)
    }

    #[tracing::instrument(skip(self, actor, terms), err(level = "debug"))]
    async fn update_terms_version(
        &self,
        actor: &Actor,
        contract: ContractId,
        version: u32,
        effective_from: Timestamp,
        terms: Terms,
    ) -> Result<TermsVersion> {
        let effective_from = to_micros(effective_from);
        let mut tx = self.db.begin().await?;
        lock_contract(&mut tx, contract).await?;
        let mut versions = fetch_versions(&mut tx, contract).await?;
        let at = now();
        let before = versions
            .iter()
            .find(|v| v.version == version)
            .cloned()
            .ok_or(StoreError::NotFound)?;
        if before.in_force_by(at) {
            return Err(Conflict::TermsInForce.into());
        }
        if before.change_request_id.is_some() {
            return Err(Conflict::TermsUnderChangeControl.into());
        }
        if versions.last().map(|v| v.version) != Some(version) {
            return Err(StoreError::invalid(
                "version",
                "only the latest version can be edited; later versions build on it",
            ));
        }
        versions.pop();
        if terms_at(&versions, at).is_some() && effective_from <= at {
            return Err(StoreError::invalid(
                "effective_from",
                "terms are in force, so a scheduled version must start in the future",
            ));
        }
        check_order(&versions, effective_from)?;
        let terms = checked_terms(terms, &before.service_ids)?;
        sqlx::query(
            "UPDATE terms_versions SET effective_from = $1, terms = $2 \
             WHERE contract_id = $3 AND version = $4",
        )
        .bind(micros(effective_from))
        .bind(to_json(&terms)?)
        .bind(contract.to_string())
        .bind(i64::from(version))
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            actor,
            AuditAction::TermsVersionUpdated,
            "contract",
            &contract.to_string(),
            json!({
                "version": version,
                "effective_from": { "from": before.effective_from, "to": effective_from },
                "terms": { "from": before.terms, "to": terms },
            }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(TermsVersion {
            effective_from,
            terms,
            ..before
        })
    }

    async fn terms_versions(&self, contract: ContractId) -> Result<Vec<TermsVersion>> {
        let mut conn = self.db.read.acquire().await?;
        fetch_versions(&mut conn, contract).await
    }

    async fn terms_at(&self, contract: ContractId, at: Timestamp) -> Result<Option<TermsVersion>> {
        let mut conn = self.db.read.acquire().await?;
        let row = sqlx::query(
            "SELECT contract_id, version, effective_from, terms, customer_ids, service_ids, \
             calendar_id, change_request_id, created_by, created_at \
             FROM terms_versions WHERE contract_id = $1 AND effective_from <= $2 \
             ORDER BY effective_from DESC, version DESC LIMIT 1",
        )
        .bind(contract.to_string())
        .bind(micros(at))
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(version_from_row).transpose()
    }
}

/// The user behind an actor, for records that name one.
pub(crate) fn actor_user(actor: &Actor) -> Result<UserId> {
    actor
        .user_id
        .ok_or_else(|| StoreError::invalid("actor", "a signed-in user must do this"))
}
