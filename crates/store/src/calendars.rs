//! Stored business calendars.

use async_trait::async_trait;
use kept_domain::calendar::CalendarSpec;
use kept_domain::{
    Actor, AuditAction, CalendarId, CalendarPatch, NewCalendar, Page, PartyName, StoredCalendar,
};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::error::{Result, StoreError};
use crate::parties::{push_archived, push_scope, usable_party};
use crate::query::CalendarQuery;
use crate::sql::{RowExt, Sql, micros, name_cursor, now, push_name_page};
use crate::{CalendarStore, SqlStore};

macro_rules! calendar_select {
    () => {
        "SELECT c.id, c.owner_id, c.name, c.spec, c.archived_at, c.created_at, c.updated_at FROM calendars c"
    };
}

fn calendar_from_row(row: &AnyRow) -> Result<StoredCalendar> {
    let corrupt = |e: String| StoreError::Corrupt(e);
    let spec: CalendarSpec =
        serde_json::from_str(&row.text("spec")?).map_err(|e| corrupt(e.to_string()))?;
    Ok(StoredCalendar {
        id: row.parsed("id")?,
        owner_id: row.parsed("owner_id")?,
        name: PartyName::parse("name", &row.text("name")?).map_err(|e| corrupt(e.to_string()))?,
        spec,
        archived_at: row.opt_instant("archived_at")?,
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

async fn fetch_calendar(conn: &mut AnyConnection, id: CalendarId) -> Result<StoredCalendar> {
    let row = sqlx::query(concat!(calendar_select!(), " WHERE c.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    calendar_from_row(&row)
}

fn spec_json(spec: &CalendarSpec) -> Result<String> {
    serde_json::to_string(spec).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn check(spec: &CalendarSpec) -> Result<()> {
    kept_domain::business_calendar::validate_spec("spec", spec).map_err(StoreError::Invalid)
}

#[async_trait]
impl CalendarStore for SqlStore {
    #[tracing::instrument(skip(self, actor, new), err(level = "debug"))]
    async fn create_calendar(&self, actor: &Actor, new: NewCalendar) -> Result<StoredCalendar> {
        check(&new.spec)?;
        let mut tx = self.db.begin().await?;
        usable_party(&mut tx, new.owner_id, "owner_id").await?;
        let at = now();
        let calendar = StoredCalendar {
            id: CalendarId::new(),
            name: new.name,
            owner_id: new.owner_id,
            spec: new.spec,
            archived_at: None,
            created_at: at,
            updated_at: at,
        };
        sqlx::query(
            "INSERT INTO calendars (id, owner_id, name, sort_name, spec, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(calendar.id.to_string())
        .bind(calendar.owner_id.to_string())
        .bind(calendar.name.as_str().to_owned())
        .bind(calendar.name.as_str().to_lowercase())
        .bind(spec_json(&calendar.spec)?)
        .bind(micros(at))
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            actor,
            AuditAction::CalendarCreated,
            "calendar",
            &calendar.id.to_string(),
            json!({ "name": calendar.name, "owner_id": calendar.owner_id, "spec": calendar.spec }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(calendar)
    }

    async fn calendar(&self, id: CalendarId) -> Result<StoredCalendar> {
        let mut conn = self.db.read.acquire().await?;
        fetch_calendar(&mut conn, id).await
    }

    async fn list_calendars(&self, q: &CalendarQuery) -> Result<Page<StoredCalendar>> {
        let mut sql = Sql::new(concat!(calendar_select!(), " WHERE 1 = 1"));
        push_scope(&mut sql, "c.owner_id", &q.scope);
        push_archived(&mut sql, "c", q.archived);
        push_name_page(&mut sql, "c", q.cursor.as_deref(), q.limit)?;
        let rows = sql.query().fetch_all(&self.db.read).await?;
        let items = rows
            .iter()
            .map(calendar_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, q.limit, |c| {
            name_cursor(&c.name, c.id)
        }))
    }

    #[tracing::instrument(skip(self, actor, patch), err(level = "debug"))]
    async fn update_calendar(
        &self,
        actor: &Actor,
        id: CalendarId,
        patch: CalendarPatch,
    ) -> Result<StoredCalendar> {
        if let Some(spec) = &patch.spec {
            check(spec)?;
        }
        let mut tx = self.db.begin().await?;
        let before = fetch_calendar(&mut tx, id).await?;
        let mut after = before.clone();
        if let Some(name) = patch.name {
            after.name = name;
        }
        if let Some(spec) = patch.spec {
            after.spec = spec;
        }
        if after == before {
            return Ok(before);
        }
        after.updated_at = now();
        sqlx::query(
            "UPDATE calendars SET name = $1, sort_name = $2, spec = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(after.name.as_str().to_owned())
        .bind(after.name.as_str().to_lowercase())
        .bind(spec_json(&after.spec)?)
        .bind(micros(after.updated_at))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let mut changes = serde_json::Map::new();
        if after.name != before.name {
            changes.insert(
                "name".into(),
                json!({ "from": before.name, "to": after.name }),
            );
        }
        if after.spec != before.spec {
            changes.insert(
                "spec".into(),
                json!({ "from": before.spec, "to": after.spec }),
            );
            // The open requests' clocks were planned on the old hours: mark
            // them due now, so the timers re-plan each on the new ones (an
            // edit of hours is rare; this reads the requests table).
            sqlx::query(
                "UPDATE requests SET next_alarm_at = $1 WHERE calendar_id = $2 \
                 AND status IN ('new', 'acknowledged', 'in_progress', 'awaiting_customer')",
            )
            .bind(micros(after.updated_at))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        append(
            &mut tx,
            actor,
            AuditAction::CalendarUpdated,
            "calendar",
            &id.to_string(),
            serde_json::Value::Object(changes),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(after)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn set_calendar_archived(
        &self,
        actor: &Actor,
        id: CalendarId,
        archived: bool,
    ) -> Result<StoredCalendar> {
        let mut tx = self.db.begin().await?;
        let mut calendar = fetch_calendar(&mut tx, id).await?;
        if calendar.is_archived() == archived {
            return Ok(calendar);
        }
        calendar.archived_at = archived.then(now);
        calendar.updated_at = now();
        sqlx::query("UPDATE calendars SET archived_at = $1, updated_at = $2 WHERE id = $3")
            .bind(calendar.archived_at.map(micros))
            .bind(micros(calendar.updated_at))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let action = if archived {
            AuditAction::CalendarArchived
        } else {
            AuditAction::CalendarRestored
        };
        append(
            &mut tx,
            actor,
            action,
            "calendar",
            &id.to_string(),
            json!({}),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(calendar)
    }
}
