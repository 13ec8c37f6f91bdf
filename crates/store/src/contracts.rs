//! Contracts and the parties, services and approvers they name.

use async_trait::async_trait;
use kept_domain::{
    Actor, AuditAction, CalendarId, Contract, ContractId, Email, NewContract, Page, PartyId,
    PartyName, PartyScope, Quorum, ServiceId, UserId,
};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::error::{Conflict, Result, StoreError, on_unique};
use crate::parties::{push_archived, push_in_scope, reach_of, usable_party};
use crate::query::ContractQuery;
use crate::services::fetch_service;
use crate::sql::{RowExt, Sql, micros, name_cursor, now, push_name_page};
use crate::users::fetch_user;
use crate::{ContractStore, SqlStore};

macro_rules! contract_select {
    () => {
        "SELECT c.id, c.name, c.provider_id, c.client_id, c.calendar_id, c.probation_ends_on, \
         c.quorum, c.intake_address, c.archived_at, c.created_at, c.updated_at FROM contracts c"
    };
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// The ids in one column of a contract's member table.
async fn members<T: std::str::FromStr>(
    conn: &mut AnyConnection,
    table_and_column: (&str, &str),
    id: ContractId,
) -> Result<Vec<T>>
where
    T::Err: std::fmt::Display,
{
    let (table, column) = table_and_column;
    // Table and column names are constants of this module, never input.
    let text = format!("SELECT {column} FROM {table} WHERE contract_id = $1 ORDER BY {column}");
    let rows = sqlx::query(sqlx::AssertSqlSafe(text))
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| r.parsed(column)).collect()
}

async fn contract_from_row(conn: &mut AnyConnection, row: &AnyRow) -> Result<Contract> {
    let id: ContractId = row.parsed("id")?;
    Ok(Contract {
        id,
        name: PartyName::parse("name", &row.text("name")?).map_err(corrupt)?,
        provider_id: row.parsed("provider_id")?,
        client_id: row.parsed("client_id")?,
        customer_ids: members(conn, ("contract_customers", "party_id"), id).await?,
        service_ids: members(conn, ("contract_services", "service_id"), id).await?,
        calendar_id: row.opt_parsed("calendar_id")?,
        probation_ends_on: row
            .opt_text("probation_ends_on")?
            .map(|d| d.parse().map_err(corrupt))
            .transpose()?,
        steering_group: members(conn, ("contract_approvers", "user_id"), id).await?,
        quorum: row.text("quorum")?.parse::<Quorum>().map_err(corrupt)?,
        intake_address: row
            .opt_text("intake_address")?
            .map(|a| Email::parse("intake_address", &a).map_err(corrupt))
            .transpose()?,
        archived_at: row.opt_instant("archived_at")?,
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

/// Reads one contract on a connection.
pub(crate) async fn fetch_contract(conn: &mut AnyConnection, id: ContractId) -> Result<Contract> {
    let row = sqlx::query(concat!(contract_select!(), " WHERE c.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    contract_from_row(conn, &row).await
}

/// Refuses services that are missing, withdrawn or not the provider's.
pub(crate) async fn check_services(
    conn: &mut AnyConnection,
    provider: PartyId,
    services: &[ServiceId],
) -> Result<()> {
    for (n, id) in services.iter().enumerate() {
        let field = format!("service_ids[{n}]");
        let service = match fetch_service(conn, *id).await {
            Err(StoreError::NotFound) => {
                return Err(StoreError::invalid(&field, "no such service"));
            }
            other => other?,
        };
        if service.is_archived() {
            return Err(StoreError::invalid(&field, "is withdrawn from the catalog"));
        }
        if service.provider_id != provider {
            return Err(StoreError::invalid(
                &field,
                "is not in the provider's catalog",
            ));
        }
    }
    Ok(())
}

pub(crate) async fn check_calendar(conn: &mut AnyConnection, id: CalendarId) -> Result<()> {
    let row = sqlx::query("SELECT archived_at FROM calendars WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::invalid("calendar_id", "no such calendar"))?;
    if row.opt_instant("archived_at")?.is_some() {
        return Err(StoreError::invalid("calendar_id", "is archived"));
    }
    Ok(())
}

async fn check_approvers(conn: &mut AnyConnection, users: &[UserId]) -> Result<()> {
    for (n, id) in users.iter().enumerate() {
        let field = format!("steering_group[{n}]");
        let user = match fetch_user(conn, *id).await {
            Err(StoreError::NotFound) => return Err(StoreError::invalid(&field, "no such user")),
            other => other?,
        };
        if user.archived_at.is_some() {
            return Err(StoreError::invalid(&field, "is archived"));
        }
    }
    Ok(())
}

async fn insert_members(
    conn: &mut AnyConnection,
    table: &'static str,
    column: &'static str,
    id: ContractId,
    values: impl Iterator<Item = String>,
) -> Result<()> {
    let text = format!("INSERT INTO {table} (contract_id, {column}) VALUES ($1, $2)");
    for value in values {
        sqlx::query(sqlx::AssertSqlSafe(text.clone()))
            .bind(id.to_string())
            .bind(value)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The condition that a contract is visible: the caller reaches its
/// provider, its client or one of its customers, or a part of one of its
/// customers (a department of a covered site), or steers it.
///
/// The same rule as `kept_domain::Principal::sees_contract`: the property
/// test `the_domain_rule_and_the_store_agree_on_who_sees_each_contract`
/// (tests/conformance/contract_visibility.rs) keeps the two equal on both
/// backends, so change them together.
fn push_visible(sql: &mut Sql, scope: &PartyScope, user: Option<UserId>) {
    let Some(reach) = reach_of(scope) else {
        sql.push(" AND 1 = 1");
        return;
    };
    sql.push(" AND (");
    push_in_scope(sql, "c.provider_id", &reach);
    sql.push(" OR ");
    push_in_scope(sql, "c.client_id", &reach);
    sql.push(" OR EXISTS (SELECT 1 FROM contract_customers cc WHERE cc.contract_id = c.id AND (");
    push_in_scope(sql, "cc.party_id", &reach);
    if let PartyScope::Within { roots, .. } = &reach {
        sql.push(
            " OR cc.party_id IN (SELECT ancestor_id FROM party_ancestors WHERE descendant_id IN (",
        )
        .bind_list(roots.iter().map(ToString::to_string))
        .push("))");
    }
    sql.push("))");
    if let Some(user) = user {
        sql.push(" OR EXISTS (SELECT 1 FROM contract_approvers ca WHERE ca.contract_id = c.id AND ca.user_id = ")
            .bind(user.to_string())
            .push(")");
    }
    sql.push(")");
}

/// Records a contract on `conn` (a transaction) after checking every
/// party, service, the calendar and the approvers it names.
pub(crate) async fn insert_contract(
    conn: &mut AnyConnection,
    actor: &Actor,
    new: NewContract,
) -> Result<ContractId> {
    let new = new.checked()?;
    usable_party(conn, new.provider_id, "provider_id").await?;
    usable_party(conn, new.client_id, "client_id").await?;
    for (n, id) in new.customer_ids.iter().enumerate() {
        usable_party(conn, *id, &format!("customer_ids[{n}]")).await?;
    }
    check_services(conn, new.provider_id, &new.service_ids).await?;
    if let Some(calendar) = new.calendar_id {
        check_calendar(conn, calendar).await?;
    }
    check_approvers(conn, &new.steering_group).await?;
    let at = now();
    let contract = Contract {
        id: ContractId::new(),
        name: new.name,
        provider_id: new.provider_id,
        client_id: new.client_id,
        customer_ids: new.customer_ids,
        service_ids: new.service_ids,
        calendar_id: new.calendar_id,
        probation_ends_on: new.probation_ends_on,
        steering_group: new.steering_group,
        quorum: new.quorum,
        intake_address: None,
        archived_at: None,
        created_at: at,
        updated_at: at,
    };
    sqlx::query(
        "INSERT INTO contracts (id, name, sort_name, provider_id, client_id, calendar_id, \
         probation_ends_on, quorum, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(contract.id.to_string())
    .bind(contract.name.as_str().to_owned())
    .bind(contract.name.as_str().to_lowercase())
    .bind(contract.provider_id.to_string())
    .bind(contract.client_id.to_string())
    .bind(contract.calendar_id.map(|c| c.to_string()))
    .bind(contract.probation_ends_on.map(|d| d.to_string()))
    .bind(contract.quorum.to_string())
    .bind(micros(at))
    .execute(&mut *conn)
    .await?;
    let id = contract.id;
    insert_members(
        conn,
        "contract_customers",
        "party_id",
        id,
        contract.customer_ids.iter().map(ToString::to_string),
    )
    .await?;
    insert_members(
        conn,
        "contract_services",
        "service_id",
        id,
        contract.service_ids.iter().map(ToString::to_string),
    )
    .await?;
    insert_members(
        conn,
        "contract_approvers",
        "user_id",
        id,
        contract.steering_group.iter().map(ToString::to_string),
    )
    .await?;
    append(
        conn,
        actor,
        AuditAction::ContractCreated,
        "contract",
        &id.to_string(),
        json!(contract),
    )
    .await?;
    Ok(id)
}

#[async_trait]
impl ContractStore for SqlStore {
    #[tracing::instrument(skip(self, actor, new), err(level = "debug"))]
    async fn create_contract(&self, actor: &Actor, new: NewContract) -> Result<Contract> {
        let mut tx = self.db.begin().await?;
        let id = insert_contract(&mut tx, actor, new).await?;
        self.commit_audited(tx).await?;
        // Read back so member lists come in the order every read gives.
        self.contract(id).await
    }

    async fn contract(&self, id: ContractId) -> Result<Contract> {
        let mut conn = self.db.read.acquire().await?;
        fetch_contract(&mut conn, id).await
    }

    async fn visible_contract(
        &self,
        id: ContractId,
        scope: &PartyScope,
        user: Option<UserId>,
    ) -> Result<Contract> {
        let mut sql = Sql::new(concat!(contract_select!(), " WHERE c.id = "));
        sql.bind(id.to_string());
        push_visible(&mut sql, scope, user);
        let mut conn = self.db.read.acquire().await?;
        let row = sql
            .query()
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        contract_from_row(&mut conn, &row).await
    }

    async fn list_contracts(&self, q: &ContractQuery) -> Result<Page<Contract>> {
        let mut sql = Sql::new(concat!(contract_select!(), " WHERE 1 = 1"));
        push_visible(&mut sql, &q.scope, q.user);
        if let Some(party) = q.party_id {
            sql.push(" AND (c.provider_id = ")
                .bind(party.to_string())
                .push(" OR c.client_id = ")
                .bind(party.to_string())
                .push(" OR EXISTS (SELECT 1 FROM contract_customers x WHERE x.contract_id = c.id AND x.party_id = ")
                .bind(party.to_string())
                .push("))");
        }
        if let Some(service) = q.service_id {
            sql.push(" AND EXISTS (SELECT 1 FROM contract_services s WHERE s.contract_id = c.id AND s.service_id = ")
                .bind(service.to_string())
                .push(")");
        }
        if let Some(calendar) = q.calendar_id {
            sql.push(" AND c.calendar_id = ").bind(calendar.to_string());
        }
        push_archived(&mut sql, "c", q.archived);
        push_name_page(&mut sql, "c", q.cursor.as_deref(), q.limit)?;
        let mut conn = self.db.read.acquire().await?;
        let rows = sql.query().fetch_all(&mut *conn).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(contract_from_row(&mut conn, row).await?);
        }
        Ok(Page::from_overfetch(items, q.limit, |c| {
            name_cursor(&c.name, c.id)
        }))
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn rename_contract(
        &self,
        actor: &Actor,
        id: ContractId,
        name: PartyName,
    ) -> Result<Contract> {
        let mut tx = self.db.begin().await?;
        let before = fetch_contract(&mut tx, id).await?;
        if before.name == name {
            return Ok(before);
        }
        sqlx::query(
            "UPDATE contracts SET name = $1, sort_name = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(name.as_str().to_owned())
        .bind(name.as_str().to_lowercase())
        .bind(micros(now()))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            actor,
            AuditAction::ContractUpdated,
            "contract",
            &id.to_string(),
            json!({ "name": { "from": before.name, "to": name } }),
        )
        .await?;
        let after = fetch_contract(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(after)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn set_contract_archived(
        &self,
        actor: &Actor,
        id: ContractId,
        archived: bool,
    ) -> Result<Contract> {
        let mut tx = self.db.begin().await?;
        let before = fetch_contract(&mut tx, id).await?;
        if before.is_archived() == archived {
            return Ok(before);
        }
        let at = now();
        sqlx::query("UPDATE contracts SET archived_at = $1, updated_at = $2 WHERE id = $3")
            .bind(archived.then_some(micros(at)))
            .bind(micros(at))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let action = if archived {
            AuditAction::ContractArchived
        } else {
            AuditAction::ContractRestored
        };
        append(
            &mut tx,
            actor,
            action,
            "contract",
            &id.to_string(),
            json!({}),
        )
        .await?;
        let after = fetch_contract(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(after)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn set_intake_address(
        &self,
        actor: &Actor,
        id: ContractId,
        address: Option<Email>,
    ) -> Result<Contract> {
        let mut tx = self.db.begin().await?;
        let before = fetch_contract(&mut tx, id).await?;
        if before.intake_address == address {
            return Ok(before);
        }
        sqlx::query("UPDATE contracts SET intake_address = $1, updated_at = $2 WHERE id = $3")
            .bind(address.as_ref().map(|a| a.as_str().to_owned()))
            .bind(micros(now()))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(|e| on_unique(e, Conflict::IntakeAddressTaken))?;
        append(
            &mut tx,
            actor,
            AuditAction::ContractUpdated,
            "contract",
            &id.to_string(),
            json!({ "intake_address": { "from": before.intake_address, "to": address } }),
        )
        .await?;
        let after = fetch_contract(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(after)
    }

    async fn contract_by_intake_address(&self, address: &Email) -> Result<Contract> {
        let mut conn = self.db.read.acquire().await?;
        let row = sqlx::query(concat!(contract_select!(), " WHERE c.intake_address = $1"))
            .bind(address.as_str().to_owned())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        contract_from_row(&mut conn, &row).await
    }
}
