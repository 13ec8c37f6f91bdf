//! Whole-database copies and checks, for `kept backup` and `kept restore`.
//!
//! A copy of a live SQLite database is taken with `VACUUM INTO`: it reads
//! one snapshot in a read transaction, which WAL lets run beside the
//! writer, and writes a compact single file (in rollback-journal mode, so
//! it needs no `-wal` beside it). A copy is then checked by opening it
//! read-only: SQLite's integrity check, the schema version (the latest
//! migration applied) and the rows in each table.
//!
//! The checks share their SQL between the backends; only the list of
//! tables and the integrity check are SQLite's own.

use std::path::Path;

use sqlx::{Connection, Executor, Row};

use crate::SqlStore;
use crate::db::{Backend, Db};
use crate::error::{Result, StoreError};
use crate::migrations;

/// The rows in one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRows {
    /// The table's name.
    pub table: String,
    /// How many rows it holds.
    pub rows: i64,
}

/// What a look through a whole database found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// What SQLite's integrity check reported, when it was not simply "ok"
    /// (always empty on PostgreSQL, which checks its own pages).
    pub problems: Vec<String>,
    /// The latest migration applied; `None` when the database has no
    /// record of Kept's migrations.
    pub schema_version: Option<i64>,
    /// Every table but the migrations' own, by name.
    pub tables: Vec<TableRows>,
}

/// Why a file cannot stand for Kept's database.
#[derive(Debug, thiserror::Error)]
pub enum Unusable {
    /// The file is not an SQLite database at all.
    #[error("it is not an SQLite database")]
    NotADatabase,
    /// SQLite found damage in it.
    #[error("it is damaged: {}", summary(.0))]
    Damaged(Vec<String>),
    /// An SQLite database, but not one Kept made: no migrations recorded.
    #[error("it is an SQLite database, but not Kept's: it records none of Kept's migrations")]
    NotKept,
    /// Written by a newer Kept, whose schema this one does not know.
    #[error(
        "its schema version {found} is newer than this kept's {supported}; use a kept at least as new as the one that wrote it"
    )]
    Newer {
        /// The backup's schema version.
        found: i64,
        /// The newest this binary knows.
        supported: i64,
    },
    /// It could not be read for another reason.
    #[error("{0}")]
    Unreadable(StoreError),
}

/// The newest schema version this build knows (its last migration).
pub fn latest_schema_version() -> i64 {
    migrations::latest()
}

impl Inspection {
    /// Refuses a copy that is damaged or not Kept's: what a backup must pass.
    pub fn sound(self) -> Result<Self, Unusable> {
        if !self.problems.is_empty() {
            return Err(Unusable::Damaged(self.problems));
        }
        if self.schema_version.is_none() {
            return Err(Unusable::NotKept);
        }
        Ok(self)
    }

    /// Refuses, besides, a schema newer than this build's: what a database
    /// to restore must pass.
    pub fn restorable(self) -> Result<Self, Unusable> {
        let inspection = self.sound()?;
        let supported = latest_schema_version();
        match inspection.schema_version {
            Some(found) if found > supported => Err(Unusable::Newer { found, supported }),
            _ => Ok(inspection),
        }
    }
}

/// Opens the SQLite database `file` read-only and looks through it.
pub async fn inspect_file(file: &Path) -> Result<Inspection, Unusable> {
    let db = Db::open_read_only(file).await.map_err(classify)?;
    let inspection = inspect(&db).await.map_err(classify);
    db.close().await;
    inspection
}

impl SqlStore {
    /// Writes a consistent copy of this SQLite database to `file`, which
    /// must not exist, while others keep reading and writing. Refused on
    /// PostgreSQL, whose copies `pg_dump` makes.
    pub async fn backup_to(&self, file: &Path) -> Result<()> {
        if self.db.backend != Backend::Sqlite {
            return Err(StoreError::Config(
                "copies of a PostgreSQL database are made with pg_dump".into(),
            ));
        }
        // The snapshot needs a read transaction only, so a reading
        // connection takes it and the writer carries on. Readers are
        // `query_only`, which refuses `VACUUM INTO` (it writes a file):
        // this one leaves the pool, is allowed, and is closed afterwards.
        let mut conn = self.db.read.acquire().await?.detach();
        conn.execute("PRAGMA query_only = OFF").await?;
        let copied = vacuum_into(&mut conn, file).await;
        let _ = conn.close().await;
        copied
    }

    /// Looks through this database: integrity (SQLite), schema version and
    /// rows per table.
    pub async fn inspect(&self) -> Result<Inspection> {
        inspect(&self.db).await
    }
}

/// Copies the SQLite database `from` (opened read-only, so left exactly as
/// it is) to `to`, which must not exist, as one file with nothing to
/// replay: any `-wal` beside `from` is folded in.
pub async fn copy_file(from: &Path, to: &Path) -> Result<(), Unusable> {
    let db = Db::open_read_only(from).await.map_err(classify)?;
    let copied = async {
        let mut conn = db.read.acquire().await?;
        vacuum_into(&mut conn, to).await
    }
    .await;
    db.close().await;
    copied.map_err(classify)
}

/// `VACUUM INTO file`: a consistent snapshot of the connection's database.
async fn vacuum_into(conn: &mut sqlx::AnyConnection, file: &Path) -> Result<()> {
    let target = file
        .to_str()
        .ok_or_else(|| StoreError::Config(format!("{} is not a UTF-8 path", file.display())))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

async fn inspect(db: &Db) -> Result<Inspection> {
    let problems = match db.backend {
        Backend::Sqlite => integrity_problems(db).await?,
        Backend::Postgres => Vec::new(),
    };
    let mut names = table_names(db).await?;
    names.sort();
    let has_migrations = names.iter().any(|n| n == MIGRATIONS_TABLE);
    let schema_version = if has_migrations {
        let row = sqlx::query("SELECT MAX(version) AS version FROM _sqlx_migrations WHERE success")
            .fetch_one(&db.read)
            .await?;
        row.try_get::<Option<i64>, _>("version")?
    } else {
        None
    };
    let mut tables = Vec::with_capacity(names.len());
    for table in names.into_iter().filter(|n| n != MIGRATIONS_TABLE) {
        // The name comes from the database's own catalogue; quoted, it
        // cannot be read as anything but a table's name.
        let count = format!(
            "SELECT COUNT(*) AS n FROM \"{}\"",
            table.replace('"', "\"\"")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(count))
            .fetch_one(&db.read)
            .await?;
        tables.push(TableRows {
            table,
            rows: row.try_get("n")?,
        });
    }
    Ok(Inspection {
        problems,
        schema_version,
        tables,
    })
}

/// sqlx's record of the migrations applied.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// What `PRAGMA integrity_check` said, unless it said only "ok".
async fn integrity_problems(db: &Db) -> Result<Vec<String>> {
    let rows = sqlx::query("PRAGMA integrity_check")
        .fetch_all(&db.read)
        .await?;
    let lines = rows
        .iter()
        .map(|row| row.try_get::<String, _>(0))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(if lines == ["ok"] { Vec::new() } else { lines })
}

/// The tables of the database (of the current schema, on PostgreSQL).
async fn table_names(db: &Db) -> Result<Vec<String>> {
    let sql = match db.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        }
        Backend::Postgres => {
            "SELECT tablename::text AS name FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
        }
    };
    let rows = sqlx::query(sql).fetch_all(&db.read).await?;
    Ok(rows
        .iter()
        .map(|row| row.try_get::<String, _>("name"))
        .collect::<Result<Vec<_>, _>>()?)
}

/// Names the SQLite failures that say what the file is: not a database
/// (`SQLITE_NOTADB`, 26) or a damaged one (`SQLITE_CORRUPT`, 11). sqlx
/// gives the extended code, whose low byte is the primary one.
fn classify(error: StoreError) -> Unusable {
    let (primary, message) = match &error {
        StoreError::Database(sqlx::Error::Database(db)) => (
            db.code()
                .and_then(|c| c.parse::<i32>().ok())
                .map(|c| c & 0xff),
            db.message().to_owned(),
        ),
        _ => (None, String::new()),
    };
    match primary {
        Some(26) => Unusable::NotADatabase,
        Some(11) => Unusable::Damaged(vec![message]),
        _ => Unusable::Unreadable(error),
    }
}

/// The first few of SQLite's findings (it lists one per damaged row).
fn summary(problems: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = problems
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > SHOWN {
        text.push_str(&format!(" (and {} more)", problems.len() - SHOWN));
    }
    text
}
