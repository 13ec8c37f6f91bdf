//! Schema migrations, embedded in the binary, one folder per dialect.
//!
//! Several servers may start on one new database at once, and only one may
//! migrate it: on PostgreSQL sqlx's migrator holds an advisory lock while it
//! works; on SQLite, which has none, every pending migration runs inside one
//! `BEGIN IMMEDIATE` transaction, so the others wait for the write lock and
//! then find nothing left to do (and a failed upgrade leaves nothing half
//! done).
//!
//! The files are listed here by hand rather than found by a proc-macro, which
//! would compile every database driver a second time for the build host; a
//! test checks the list against the folders.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyConnection, Executor, SqlSafeStr};

use crate::db::{BUSY_TIMEOUT_MS, Backend, Db};
use crate::error::Result;

/// How long an SQLite migration waits for another process's migration.
const SQLITE_MIGRATION_WAIT_MS: u32 = 120_000;

macro_rules! migrations {
    ($dialect:literal: $($version:literal $name:literal,)*) => {
        &[$(($version, $name, include_str!(concat!("../migrations/", $dialect, "/", $name, ".sql"))),)*]
    };
}

type Embedded = &'static [(i64, &'static str, &'static str)];

const SQLITE: Embedded = migrations!("sqlite":
    1 "0001_parties",
    2 "0002_users",
    3 "0003_sessions_and_tokens",
    4 "0004_login_failures",
    5 "0005_audit_events",
    6 "0006_idempotency_keys",
    7 "0007_links",
    8 "0008_calendars",
    9 "0009_services",
    10 "0010_contracts",
    11 "0011_terms_and_change_requests",
    12 "0012_requests",
    13 "0013_saved_filters",
    14 "0014_generation",
    15 "0015_queue_key",
    16 "0016_change_request_base",
    17 "0017_login_failures_pair",
    18 "0018_notifications",
    19 "0019_webhooks",
    20 "0020_inbound_mail",
    21 "0021_teams",
    22 "0022_promises",
    23 "0023_promise_watch",
    24 "0024_orders",
);

const POSTGRES: Embedded = migrations!("postgres":
    1 "0001_parties",
    2 "0002_users",
    3 "0003_sessions_and_tokens",
    4 "0004_login_failures",
    5 "0005_audit_events",
    6 "0006_idempotency_keys",
    7 "0007_links",
    8 "0008_calendars",
    9 "0009_services",
    10 "0010_contracts",
    11 "0011_terms_and_change_requests",
    12 "0012_requests",
    13 "0013_saved_filters",
    14 "0014_generation",
    15 "0015_queue_key",
    16 "0016_change_request_base",
    17 "0017_login_failures_pair",
    18 "0018_notifications",
    19 "0019_webhooks",
    20 "0020_inbound_mail",
    21 "0021_teams",
    22 "0022_promises",
    23 "0023_promise_watch",
    24 "0024_orders",
);

/// Applies the pending migrations, one process at a time.
pub(crate) async fn run(db: &Db) -> Result<()> {
    match db.backend {
        Backend::Postgres => migrator(db.backend).run(&db.write).await?,
        Backend::Sqlite => {
            let mut conn = db.write.acquire().await?;
            // Another process may be applying a long migration: wait for it
            // longer than an ordinary write would, then as usual again.
            set_busy_timeout(&mut conn, SQLITE_MIGRATION_WAIT_MS).await?;
            let migrated = migrate_sqlite(&mut conn).await;
            set_busy_timeout(&mut conn, BUSY_TIMEOUT_MS).await?;
            migrated?;
        }
    }
    Ok(())
}

/// Every pending migration in one transaction that holds the write lock
/// from its start.
async fn migrate_sqlite(conn: &mut AnyConnection) -> Result<()> {
    let mut tx = sqlx::Connection::begin_with(conn, "BEGIN IMMEDIATE").await?;
    // `run_direct` rather than `run`: `run`'s generic `Acquire` argument
    // makes rustc fail to prove the caller's future `Send` (the error sqlx
    // gives it for).
    migrator(Backend::Sqlite)
        .run_direct(None, &mut *tx, false)
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn set_busy_timeout(conn: &mut AnyConnection, ms: u32) -> Result<()> {
    conn.execute(sqlx::AssertSqlSafe(format!("PRAGMA busy_timeout = {ms}")))
        .await?;
    Ok(())
}

/// The newest migration's version (the same in both dialects, as a test checks).
pub(crate) fn latest() -> i64 {
    SQLITE.last().map_or(0, |m| m.0)
}

/// The migrator for a backend.
pub(crate) fn migrator(backend: Backend) -> Migrator {
    let embedded = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    let migrations = embedded
        .iter()
        .map(|&(version, name, sql)| {
            let description = name.split_once('_').map_or(name, |(_, d)| d);
            Migration::new(
                version,
                Cow::Owned(description.replace('_', " ")),
                MigrationType::Simple,
                sqlx::AssertSqlSafe(sql).into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dialect: &str) -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/");
        let mut names: Vec<String> = std::fs::read_dir(format!("{dir}{dialect}"))
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter_map(|n| n.strip_suffix(".sql").map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        for (dialect, embedded) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let listed: Vec<String> = embedded.iter().map(|m| m.1.to_owned()).collect();
            assert_eq!(
                listed,
                files(dialect),
                "{dialect} migrations differ from the folder"
            );
            for (i, m) in embedded.iter().enumerate() {
                assert_eq!(m.0, i as i64 + 1, "{dialect} versions must count up from 1");
                assert!(m.1.starts_with(&format!("{:04}_", m.0)));
            }
        }
    }

    #[test]
    fn both_dialects_have_the_same_migrations() {
        let names = |e: Embedded| e.iter().map(|m| m.1).collect::<Vec<_>>();
        assert_eq!(names(SQLITE), names(POSTGRES));
    }
}
