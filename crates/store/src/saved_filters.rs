//! Saved queue filters: a name and the queue page's query string, per user.

use async_trait::async_trait;
use kept_domain::{SavedFilterId, UserId};
use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::sql::{RowExt, micros, now};
use crate::{SavedFilterStore, SqlStore};

/// A filter of the queue a user saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedFilter {
    /// Its id.
    pub id: SavedFilterId,
    /// Its name, unique for its user.
    pub name: String,
    /// The queue's query string (`status=open&sla=breached`).
    pub query: String,
}

#[async_trait]
impl SavedFilterStore for SqlStore {
    async fn save_filter(&self, user: UserId, name: &str, query: &str) -> Result<SavedFilter> {
        let mut tx = self.db.begin().await?;
        sqlx::query("DELETE FROM saved_filters WHERE user_id = $1 AND name = $2")
            .bind(user.to_string())
            .bind(name.to_owned())
            .execute(&mut *tx)
            .await?;
        let filter = SavedFilter {
            id: SavedFilterId::new(),
            name: name.to_owned(),
            query: query.to_owned(),
        };
        sqlx::query(
            "INSERT INTO saved_filters (id, user_id, name, query, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(filter.id.to_string())
        .bind(user.to_string())
        .bind(filter.name.clone())
        .bind(filter.query.clone())
        .bind(micros(now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(filter)
    }

    async fn saved_filters(&self, user: UserId) -> Result<Vec<SavedFilter>> {
        let mut conn = self.db.read.acquire().await?;
        let rows = sqlx::query(
            "SELECT id, name, query FROM saved_filters WHERE user_id = $1 ORDER BY name",
        )
        .bind(user.to_string())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SavedFilter {
                    id: r.parsed("id")?,
                    name: r.text("name")?,
                    query: r.text("query")?,
                })
            })
            .collect()
    }

    async fn delete_saved_filter(&self, user: UserId, id: SavedFilterId) -> Result<()> {
        let done = sqlx::query("DELETE FROM saved_filters WHERE id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user.to_string())
            .execute(&self.db.write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
