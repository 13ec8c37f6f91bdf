//! The service catalog.

use async_trait::async_trait;
use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    Actor, AuditAction, NewService, Page, PartyId, PartyName, Service, ServiceDetails, ServiceId,
    ServicePatch, Targets,
};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::error::{Result, StoreError};
use crate::parties::{push_archived, push_scope, usable_party};
use crate::query::ServiceQuery;
use crate::sql::{RowExt, Sql, micros, name_cursor, now, push_name_page};
use crate::{ServiceStore, SqlStore};

macro_rules! service_select {
    () => {
        "SELECT s.id, s.provider_id, s.name, s.description, s.unit, s.pack_size, s.in_scope, \
         s.out_of_scope, s.default_effort_seconds, s.first_response_seconds, s.resolution_seconds, \
         s.delivery_seconds, s.default_team_id, s.ordering, s.archived_at, s.created_at, s.updated_at \
         FROM services s"
    };
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn duration(row: &AnyRow, col: &str) -> Result<Option<BusinessDuration>> {
    row.opt_int(col)?
        .map(|s| {
            u64::try_from(s)
                .map(BusinessDuration::from_seconds)
                .map_err(corrupt)
        })
        .transpose()
}

fn seconds(d: Option<BusinessDuration>) -> Option<i64> {
    d.and_then(|d| i64::try_from(d.as_seconds()).ok())
}

fn list(row: &AnyRow, col: &str) -> Result<Vec<String>> {
    serde_json::from_str(&row.text(col)?).map_err(corrupt)
}

fn service_from_row(row: &AnyRow) -> Result<Service> {
    Ok(Service {
        id: row.parsed("id")?,
        provider_id: row.parsed("provider_id")?,
        name: PartyName::parse("name", &row.text("name")?).map_err(corrupt)?,
        description: row.text("description")?,
        unit: row.opt_text("unit")?,
        pack_size: row
            .opt_int("pack_size")?
            .map(|p| u32::try_from(p).map_err(corrupt))
            .transpose()?,
        in_scope: list(row, "in_scope")?,
        out_of_scope: list(row, "out_of_scope")?,
        default_effort: duration(row, "default_effort_seconds")?,
        default_targets: Targets {
            first_response: duration(row, "first_response_seconds")?,
            resolution: duration(row, "resolution_seconds")?,
            delivery: duration(row, "delivery_seconds")?,
        },
        default_team_id: row.opt_parsed("default_team_id")?,
        ordering: serde_json::from_str(&row.text("ordering")?).map_err(corrupt)?,
        archived_at: row.opt_instant("archived_at")?,
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

pub(crate) async fn fetch_service(conn: &mut AnyConnection, id: ServiceId) -> Result<Service> {
    let row = sqlx::query(concat!(service_select!(), " WHERE s.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    service_from_row(&row)
}

fn details_of(s: &Service) -> ServiceDetails {
    ServiceDetails {
        description: s.description.clone(),
        unit: s.unit.clone(),
        pack_size: s.pack_size,
        in_scope: s.in_scope.clone(),
        out_of_scope: s.out_of_scope.clone(),
        default_effort: s.default_effort,
        default_targets: s.default_targets,
        default_team_id: s.default_team_id,
        ordering: s.ordering,
    }
}

/// Checks that `team`, if any, is an active team under `provider`.
async fn check_team(
    conn: &mut AnyConnection,
    team: Option<PartyId>,
    provider: PartyId,
) -> Result<()> {
    if let Some(team) = team {
        crate::teams::usable_team(conn, team, "default_team_id", Some(provider)).await?;
    }
    Ok(())
}

/// Writes every column of `s` (insert or update).
async fn write(conn: &mut AnyConnection, s: &Service, insert: bool) -> Result<()> {
    let text = if insert {
        "INSERT INTO services (name, sort_name, description, unit, pack_size, in_scope, out_of_scope, \
         default_effort_seconds, first_response_seconds, resolution_seconds, delivery_seconds, \
         archived_at, updated_at, default_team_id, ordering, id, provider_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    } else {
        "UPDATE services SET name = $1, sort_name = $2, description = $3, unit = $4, pack_size = $5, \
         in_scope = $6, out_of_scope = $7, default_effort_seconds = $8, first_response_seconds = $9, \
         resolution_seconds = $10, delivery_seconds = $11, archived_at = $12, updated_at = $13, \
         default_team_id = $14, ordering = $15 WHERE id = $16 AND provider_id = $17 AND created_at = $18"
    };
    sqlx::query(text)
        .bind(s.name.as_str().to_owned())
        .bind(s.name.as_str().to_lowercase())
        .bind(s.description.clone())
        .bind(s.unit.clone())
        .bind(s.pack_size.map(i64::from))
        .bind(serde_json::to_string(&s.in_scope).map_err(corrupt)?)
        .bind(serde_json::to_string(&s.out_of_scope).map_err(corrupt)?)
        .bind(seconds(s.default_effort))
        .bind(seconds(s.default_targets.first_response))
        .bind(seconds(s.default_targets.resolution))
        .bind(seconds(s.default_targets.delivery))
        .bind(s.archived_at.map(micros))
        .bind(micros(s.updated_at))
        .bind(s.default_team_id.map(|t| t.to_string()))
        .bind(serde_json::to_string(&s.ordering).map_err(corrupt)?)
        .bind(s.id.to_string())
        .bind(s.provider_id.to_string())
        .bind(micros(s.created_at))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[async_trait]
impl ServiceStore for SqlStore {
    #[tracing::instrument(skip(self, actor, new), err(level = "debug"))]
    async fn create_service(&self, actor: &Actor, new: NewService) -> Result<Service> {
        let details = new.details.checked()?;
        let mut tx = self.db.begin().await?;
        usable_party(&mut tx, new.provider_id, "provider_id").await?;
        check_team(&mut tx, details.default_team_id, new.provider_id).await?;
        let at = now();
        let service = Service {
            id: ServiceId::new(),
            provider_id: new.provider_id,
            name: new.name,
            description: details.description,
            unit: details.unit,
            pack_size: details.pack_size,
            in_scope: details.in_scope,
            out_of_scope: details.out_of_scope,
            default_effort: details.default_effort,
            default_targets: details.default_targets,
            default_team_id: details.default_team_id,
            ordering: details.ordering,
            archived_at: None,
            created_at: at,
            updated_at: at,
        };
        write(&mut tx, &service, true).await?;
        append(
            &mut tx,
            actor,
            AuditAction::ServiceCreated,
            "service",
            &service.id.to_string(),
            json!(service),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(service)
    }

    async fn service(&self, id: ServiceId) -> Result<Service> {
        let mut conn = self.db.read.acquire().await?;
        fetch_service(&mut conn, id).await
    }

    async fn list_services(&self, q: &ServiceQuery) -> Result<Page<Service>> {
        let mut sql = Sql::new(concat!(service_select!(), " WHERE 1 = 1"));
        push_scope(&mut sql, "s.provider_id", &q.scope);
        if let Some(provider) = q.provider_id {
            sql.push(" AND s.provider_id = ").bind(provider.to_string());
        }
        push_archived(&mut sql, "s", q.archived);
        push_name_page(&mut sql, "s", q.cursor.as_deref(), q.limit)?;
        let rows = sql.query().fetch_all(&self.db.read).await?;
        let items = rows
            .iter()
            .map(service_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, q.limit, |s| {
            name_cursor(&s.name, s.id)
        }))
    }

    #[tracing::instrument(skip(self, actor, patch), err(level = "debug"))]
    async fn update_service(
        &self,
        actor: &Actor,
        id: ServiceId,
        patch: ServicePatch,
    ) -> Result<Service> {
        let details = patch.details.map(ServiceDetails::checked).transpose()?;
        let mut tx = self.db.begin().await?;
        let before = fetch_service(&mut tx, id).await?;
        if let Some(d) = &details
            && d.default_team_id != before.default_team_id
        {
            check_team(&mut tx, d.default_team_id, before.provider_id).await?;
        }
        let mut after = before.clone();
        if let Some(name) = patch.name {
            after.name = name;
        }
        if let Some(d) = details {
            after.description = d.description;
            after.unit = d.unit;
            after.pack_size = d.pack_size;
            after.in_scope = d.in_scope;
            after.out_of_scope = d.out_of_scope;
            after.default_effort = d.default_effort;
            after.default_targets = d.default_targets;
            after.default_team_id = d.default_team_id;
            after.ordering = d.ordering;
        }
        if after == before {
            return Ok(before);
        }
        after.updated_at = now();
        write(&mut tx, &after, false).await?;
        let (from, to) = (details_of(&before), details_of(&after));
        let mut changes = serde_json::Map::new();
        if before.name != after.name {
            changes.insert(
                "name".into(),
                json!({ "from": before.name, "to": after.name }),
            );
        }
        if from != to {
            changes.insert("from".into(), json!(before));
            changes.insert("to".into(), json!(after));
        }
        append(
            &mut tx,
            actor,
            AuditAction::ServiceUpdated,
            "service",
            &id.to_string(),
            serde_json::Value::Object(changes),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(after)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn set_service_archived(
        &self,
        actor: &Actor,
        id: ServiceId,
        archived: bool,
    ) -> Result<Service> {
        let mut tx = self.db.begin().await?;
        let mut service = fetch_service(&mut tx, id).await?;
        if service.is_archived() == archived {
            return Ok(service);
        }
        service.archived_at = archived.then(now);
        service.updated_at = now();
        write(&mut tx, &service, false).await?;
        let action = if archived {
            AuditAction::ServiceArchived
        } else {
            AuditAction::ServiceRestored
        };
        append(
            &mut tx,
            actor,
            action,
            "service",
            &id.to_string(),
            json!({}),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(service)
    }
}
