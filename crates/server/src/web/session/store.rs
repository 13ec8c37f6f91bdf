//! tower-sessions' storage, kept in Kept's own database.
//!
//! Session ids are stored hashed, and the user id is kept in its own column
//! so that archiving a user can end all their sessions at once.

use std::sync::Arc;

use async_trait::async_trait;
use kept_domain::{Timestamp, UserId};
use kept_store::{SessionRecord, Store};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use kept_app::secret::hash_secret;

/// The session key holding the signed-in user's id.
pub const USER_KEY: &str = "user_id";

/// A [`SessionStore`] over the [`Store`].
#[derive(Clone)]
pub struct DbSessionStore {
    store: Arc<dyn Store>,
}

impl DbSessionStore {
    /// Sessions kept in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn to_timestamp(t: OffsetDateTime) -> Timestamp {
    Timestamp::from_second(t.unix_timestamp()).unwrap_or(Timestamp::MAX)
}

fn to_offset(t: Timestamp) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.as_second()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn to_row(record: &Record) -> Result<SessionRecord, session_store::Error> {
    let user_id = record
        .data
        .get(USER_KEY)
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<UserId>().ok());
    Ok(SessionRecord {
        user_id,
        data: serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?,
        expires_at: to_timestamp(record.expiry_date),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; a collision is astronomically unlikely,
        // but if one happens a new id is drawn rather than overwriting.
        loop {
            if self
                .store
                .insert_session(&hash_secret(&record.id.to_string()), &to_row(record)?)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.store
            .save_session(&hash_secret(&record.id.to_string()), &to_row(record)?)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = self
            .store
            .session(&hash_secret(&id.to_string()), Timestamp::now())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: to_offset(row.expires_at),
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store
            .delete_session(&hash_secret(&id.to_string()))
            .await
            .map_err(backend)
    }
}
