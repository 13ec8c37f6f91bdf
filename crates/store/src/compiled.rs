//! Compiled business calendars, cached by id and last change.
//!
//! Clock arithmetic needs a compiled [`Calendar`] (its interval index). A
//! calendar is compiled once and reused until its row changes: each use
//! reads only the row's `updated_at`, so every server sees an edit at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use kept_domain::CalendarId;
use kept_domain::calendar::{Calendar, CalendarSpec};
use sqlx::AnyConnection;

use crate::error::{Result, StoreError};
use crate::sql::RowExt;

/// The calendar of requests whose contract has none: open around the
/// clock, in UTC.
pub fn around_the_clock() -> Arc<Calendar> {
    static ALWAYS: OnceLock<Arc<Calendar>> = OnceLock::new();
    ALWAYS
        .get_or_init(|| {
            let day = "[\"00:00-24:00\"]";
            let toml = format!(
                "zone = \"UTC\"\n[week]\nmon = {day}\ntue = {day}\nwed = {day}\nthu = {day}\nfri = {day}\nsat = {day}\nsun = {day}\n"
            );
            // A fixed, valid specification: compiling it cannot fail.
            let calendar = CalendarSpec::from_toml(&toml)
                .ok()
                .and_then(|spec| spec.compile().ok());
            Arc::new(calendar.unwrap_or_else(|| unreachable!("the 24x7 calendar compiles")))
        })
        .clone()
}

/// Compiled calendars by id, with the `updated_at` they were compiled at.
#[derive(Debug, Default)]
pub(crate) struct CalendarCache {
    entries: Mutex<HashMap<CalendarId, (i64, Arc<Calendar>)>>,
}

impl CalendarCache {
    /// The compiled calendar `id` (around the clock for none), reading its
    /// row on `conn` only when it changed since it was compiled.
    pub async fn get(
        &self,
        conn: &mut AnyConnection,
        id: Option<CalendarId>,
    ) -> Result<Arc<Calendar>> {
        let Some(id) = id else {
            return Ok(around_the_clock());
        };
        let row = sqlx::query("SELECT updated_at FROM calendars WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let stamp = row.int("updated_at")?;
        if let Some(calendar) = self.cached(id, stamp) {
            return Ok(calendar);
        }
        let row = sqlx::query("SELECT spec, updated_at FROM calendars WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&mut *conn)
            .await?;
        let spec: CalendarSpec = serde_json::from_str(&row.text("spec")?)
            .map_err(|e| StoreError::Corrupt(format!("calendar {id}: {e}")))?;
        let calendar = Arc::new(
            spec.compile()
                .map_err(|e| StoreError::Corrupt(format!("calendar {id}: {e}")))?,
        );
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(id, (row.int("updated_at")?, calendar.clone()));
        }
        Ok(calendar)
    }

    fn cached(&self, id: CalendarId, stamp: i64) -> Option<Arc<Calendar>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(&id)
            .filter(|(at, _)| *at == stamp)
            .map(|(_, c)| c.clone())
    }
}
