//! Persistence for Kept: one [`Store`] API, SQLite and PostgreSQL behind it.
//!
//! The server holds an `Arc<dyn Store>`. The API is split into narrow traits
//! by subject ([`PartyStore`], [`LinkStore`], [`CalendarStore`], [`ServiceStore`], [`ContractStore`], [`TermsStore`], [`ChangeStore`], [`TeamStore`], [`UserStore`], [`AuthStore`], [`AuditStore`]);
//! [`Store`] is all of them. There is one implementation, [`SqlStore`], which
//! runs the same SQL on both backends through sqlx's `Any` driver and keeps
//! dialect-specific SQL to the migrations.
//!
//! Every write that changes what users see appends to the audit log in the
//! same transaction, so the log and the data cannot disagree.

mod audit;
mod auth;
mod backup;
mod batch;
mod calendars;
mod changes;
mod compiled;
mod contracts;
mod db;
mod error;
mod import;
mod links;
mod migrations;
pub mod notify;
mod orders;
mod parties;
pub mod promises;
mod query;
mod requests;
mod saved_filters;
mod services;
mod sql;
mod teams;
mod terms;
mod traits;
mod users;
pub mod webhooks;

#[cfg(feature = "testing")]
pub mod testing;

use std::sync::Arc;

use async_trait::async_trait;

pub use backup::{Inspection, TableRows, Unusable, copy_file, inspect_file, latest_schema_version};
pub use compiled::around_the_clock;
pub use db::{Backend, StoreOptions, Synchronous, sqlite_file};
pub use error::{Conflict, Result, StoreError};
pub use import::{ImportParty, Progress, RowError};
pub use query::{
    ArchivedFilter, AuditQuery, CalendarQuery, ChangeRequestQuery, ContractQuery, Credentials,
    IdempotencyStart, LinkQuery, LoginFailures, NewToken, OpenCount, PartyOrder, PartyQuery,
    RequestOrder, RequestQuery, RequestRecord, ServiceQuery, SessionRecord, StoredResponse,
    TokenOwner, UserPatch, UserQuery,
};
pub use saved_filters::SavedFilter;
pub use traits::{
    AuditStore, AuthStore, CalendarStore, ChangeStore, ContractStore, ImportStore, ImportedOrder,
    InboundStore, LinkStore, NotifyStore, OrderStore, PartyStore, PromiseStore, QuestionStats,
    RequestStore, SavedFilterStore, ServiceStore, Store, TeamStore, TermsStore, UserStore,
    WebhookStore,
};

/// The SQL implementation of [`Store`] for SQLite and PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: db::Db,
    calendars: Arc<compiled::CalendarCache>,
    group_commit: Arc<requests::GroupCommit>,
    /// Audited writes committed through this store, for caches to notice
    /// this process's own changes at once.
    local_writes: Arc<std::sync::atomic::AtomicU64>,
}

impl SqlStore {
    /// Opens the database at `url` (`sqlite://PATH` or `postgres://…`). Does
    /// not migrate; call [`Store::migrate`].
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        Ok(Self {
            db: db::Db::connect(url, options).await?,
            calendars: Arc::default(),
            group_commit: Arc::default(),
            local_writes: Arc::default(),
        })
    }
}

impl SqlStore {
    /// Commits a transaction that appended to the audit log (and so moved
    /// the generation on), then counts it in [`Store::local_writes`].
    async fn commit_audited(&self, tx: sqlx::Transaction<'static, sqlx::Any>) -> Result<()> {
        tx.commit().await?;
        self.local_writes
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Ok(())
    }
}

/// Opens and migrates the database at `url`, ready to share.
pub async fn open(url: &str, options: &StoreOptions) -> Result<Arc<dyn Store>> {
    let store = SqlStore::connect(url, options).await?;
    store.migrate().await?;
    Ok(Arc::new(store))
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.db.backend
    }

    async fn migrate(&self) -> Result<()> {
        migrations::run(&self.db).await
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.db.read).await?;
        Ok(())
    }

    async fn close(&self) {
        self.db.close().await;
    }

    fn local_writes(&self) -> u64 {
        self.local_writes.load(std::sync::atomic::Ordering::Acquire)
    }
}
