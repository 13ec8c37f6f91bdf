//! Connections: picking the backend from the URL, tuning it, and transactions.
//!
//! SQLite allows one writer at a time. Rather than let many connections race
//! for the write lock (and sleep in the busy handler), writes go through a
//! pool of exactly one connection and start with `BEGIN IMMEDIATE`, while
//! reads use a separate pool of read-only connections that WAL lets run
//! alongside the writer. PostgreSQL uses one pool for both.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};

use crate::error::{Result, StoreError};

/// Which database engine a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, embedded, in a file.
    Sqlite,
    /// PostgreSQL, over the network.
    Postgres,
}

impl Backend {
    /// Picks the backend from a database URL's scheme.
    pub fn from_url(url: &str) -> Result<Self> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(StoreError::Config(format!(
                "unsupported database URL scheme `{scheme}:`; use sqlite://PATH or postgres://…"
            ))),
        }
    }

    /// The backend's name as shown in logs and health output.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// How hard SQLite works to make each commit durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// With WAL, a commit survives a crash of Kept but the last commits may be
    /// lost if the machine loses power. SQLite's recommended setting for WAL.
    #[default]
    Normal,
    /// Every commit is synced to disk before it returns: survives power loss.
    Full,
}

/// How long an SQLite connection waits for another's write lock (ms).
pub(crate) const BUSY_TIMEOUT_MS: u32 = 5_000;

/// Tuning for a store's connections.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most connections open at once (PostgreSQL; SQLite readers).
    pub max_connections: u32,
    /// SQLite's `synchronous` setting.
    pub synchronous: Synchronous,
    /// How long to wait for a connection before failing a request.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            synchronous: Synchronous::Normal,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// The pools of one database.
#[derive(Debug, Clone)]
pub(crate) struct Db {
    /// Connections for writes (and reads inside write transactions).
    pub write: AnyPool,
    /// Connections for reads.
    pub read: AnyPool,
    /// Which engine this is.
    pub backend: Backend,
}

impl Db {
    /// Opens the database at `url`, creating an SQLite file and its directory
    /// if they do not exist.
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        install_default_drivers();
        match Backend::from_url(url)? {
            Backend::Sqlite => Self::connect_sqlite(url, options).await,
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| Box::pin(ping_if_idle(conn, meta)))
                    .connect(url)
                    .await?;
                Ok(Self {
                    write: pool.clone(),
                    read: pool,
                    backend: Backend::Postgres,
                })
            }
        }
    }

    async fn connect_sqlite(url: &str, options: &StoreOptions) -> Result<Self> {
        let (path, params) = sqlite_path(url)?;
        if let Some(dir) = Path::new(&path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Config(format!("cannot create directory {}: {e}", dir.display()))
            })?;
        }
        let url = match params {
            Some(p) if p.contains("mode=") => format!("sqlite://{path}?{p}"),
            Some(p) => format!("sqlite://{path}?{p}&mode=rwc"),
            None => format!("sqlite://{path}?mode=rwc"),
        };
        let synchronous = match options.synchronous {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        };
        let pragmas = format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};"
        );
        let write_pragmas = pragmas.clone();
        // A connection to a file cannot drop: no ping before each use.
        let write = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false)
            .after_connect(move |conn, _| {
                let sql = write_pragmas.clone();
                Box::pin(async move {
                    conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql)))
                        .await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        // Each SQLite connection runs on a thread of its own: more readers
        // than the machine can run at once only add thread switches.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let readers = options
            .max_connections
            .min(u32::try_from(cores * 2).unwrap_or(u32::MAX))
            .max(1);
        let read = AnyPoolOptions::new()
            .max_connections(readers)
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false)
            .after_connect(move |conn, _| {
                let sql = format!("{pragmas} PRAGMA query_only = ON;");
                Box::pin(async move {
                    conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql)))
                        .await?;
                    Ok(())
                })
            })
            .connect_lazy(&url)?;
        Ok(Self {
            write,
            read,
            backend: Backend::Sqlite,
        })
    }

    /// Opens the SQLite database `file` read-only on one connection, changing
    /// nothing in it (no journal mode, no migrations): for looking through a
    /// copy. Reads and "writes" share the connection; writes fail.
    pub async fn open_read_only(file: &Path) -> Result<Self> {
        install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&format!("sqlite://{}?mode=ro", file.display()))
            .await?;
        Ok(Self {
            write: pool.clone(),
            read: pool,
            backend: Backend::Sqlite,
        })
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once,
    /// so a transaction that reads before it writes cannot fail to upgrade.
    pub async fn begin(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        })
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// The file an SQLite database URL names (`None` for any other URL), so
/// that a caller can tell whether the database exists before opening it:
/// opening creates it.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    match Backend::from_url(url) {
        Ok(Backend::Sqlite) => sqlite_path(url).ok().map(|(path, _)| PathBuf::from(path)),
        _ => None,
    }
}

/// Splits an SQLite URL into its file path and query string.
fn sqlite_path(url: &str) -> Result<(String, Option<String>)> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, params) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q.to_owned())),
        None => (rest, None),
    };
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::Config(
            "SQLite needs a file (sqlite://PATH); an in-memory database would vanish between connections".into(),
        ));
    }
    Ok((path.to_owned(), params))
}

/// How long a PostgreSQL connection may sit idle and still be used without
/// a ping first.
const TRUSTED_IDLE: std::time::Duration = std::time::Duration::from_secs(1);

/// Pings a PostgreSQL connection before use only when it has sat idle for
/// a while (as HikariCP does): one that was used a moment ago is alive, and
/// a ping before every statement would add a round trip to each (a
/// connection that fails anyway is dropped, and the statement fails once).
async fn ping_if_idle(
    conn: &mut sqlx::AnyConnection,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> std::result::Result<bool, sqlx::Error> {
    use sqlx::Connection;
    if meta.idle_for > TRUSTED_IDLE {
        conn.ping().await?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_scheme_picks_the_backend() {
        assert_eq!(
            Backend::from_url("sqlite://kept.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://h/db").is_err());
    }

    #[test]
    fn sqlite_urls_split_into_path_and_options() {
        assert_eq!(
            sqlite_path("sqlite:///var/kept/kept.db?mode=rw").ok(),
            Some(("/var/kept/kept.db".into(), Some("mode=rw".into())))
        );
        assert_eq!(
            sqlite_path("sqlite:kept-data/kept.db").ok(),
            Some(("kept-data/kept.db".into(), None))
        );
        assert!(sqlite_path("sqlite::memory:").is_err());
    }

    #[test]
    fn only_an_sqlite_url_names_a_file() {
        assert_eq!(
            sqlite_file("sqlite:///var/kept/kept.db?mode=rw"),
            Some(PathBuf::from("/var/kept/kept.db"))
        );
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }
}
