//! Throwaway databases for tests: a fresh SQLite file, or a fresh schema in
//! the PostgreSQL database named by `KEPT_TEST_POSTGRES_URL`, so tests run in
//! parallel without seeing each other's rows.

use std::io::Write;
use std::sync::{Arc, Once};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Executor, Row};

use crate::{Backend, SqlStore, Store, StoreOptions};

/// The environment variable naming the PostgreSQL database tests may use.
pub const POSTGRES_URL_VAR: &str = "KEPT_TEST_POSTGRES_URL";

/// The environment variable that marks a CI run (`true` or `1`), where a
/// test may not skip for want of a database or a browser.
pub const CI_VAR: &str = "CI";

/// Skips tests that lack what they need, `reason` saying what and how to
/// provide it: outside CI, says so once per `said` (a `static` for each
/// kind of skip) on stderr, past the test harness's capture, so a run
/// shows it; in CI it panics instead, since a skip there would pass a
/// test that never ran.
pub fn skip_or_fail(said: &Once, reason: &str) {
    let ci = std::env::var(CI_VAR).ok();
    match skip_notice(ci.as_deref(), reason) {
        Ok(notice) => said.call_once(|| {
            let _ = writeln!(std::io::stderr(), "{notice}");
        }),
        Err(failure) => panic!("{failure}"),
    }
}

/// The rule of [`skip_or_fail`], given the `CI` variable's value: the line
/// that announces the skip, or the failure when `CI` is `true` or `1`.
pub fn skip_notice(ci: Option<&str>, reason: &str) -> Result<String, String> {
    match ci.map(str::trim) {
        Some(value) if value.eq_ignore_ascii_case("true") || value == "1" => {
            Err(format!("not skipping in CI ({CI_VAR}={value}): {reason}"))
        }
        _ => Ok(format!("skipping {reason}")),
    }
}

/// A database that exists for one test.
pub struct TestDatabase {
    url: String,
    backend: Backend,
    // Held so the SQLite file lives as long as the test.
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl TestDatabase {
    /// A fresh SQLite database in a temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temp dir: {e}"));
        let url = format!("sqlite://{}/kept.db", dir.path().display());
        Self {
            url,
            backend: Backend::Sqlite,
            _dir: Some(dir),
            pg_schema: None,
        }
    }

    /// A fresh schema in the test PostgreSQL database, or `None` (after
    /// saying so once per test binary) when `KEPT_TEST_POSTGRES_URL` is
    /// unset; in CI an unset variable fails the test (see [`skip_or_fail`]).
    pub async fn postgres() -> Option<Self> {
        let Ok(base) = std::env::var(POSTGRES_URL_VAR) else {
            static SAID: Once = Once::new();
            skip_or_fail(
                &SAID,
                &format!("PostgreSQL tests: set {POSTGRES_URL_VAR}=postgres://… to run them"),
            );
            return None;
        };
        install_default_drivers();
        let schema = format!("kept_test_{}", uuid_simple());
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&base)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but unreachable: {e}"));
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .await
            .unwrap_or_else(|e| panic!("cannot create schema {schema}: {e}"));
        admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        Some(Self {
            url: format!("{base}{sep}options[search_path]={schema}"),
            backend: Backend::Postgres,
            _dir: None,
            pg_schema: Some((base, schema)),
        })
    }

    /// The database URL, as `KEPT_DATABASE_URL` would hold it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Opens and migrates a store on this database.
    pub async fn store(&self) -> Arc<dyn Store> {
        let options = StoreOptions {
            max_connections: 4,
            ..StoreOptions::default()
        };
        let store = SqlStore::connect(&self.url, &options)
            .await
            .unwrap_or_else(|e| panic!("cannot open the test database: {e}"));
        store
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("cannot migrate the test database: {e}"));
        Arc::new(store)
    }

    /// The rows of the migrations table, by version: each version applied
    /// and whether it succeeded (a version applied twice would show twice).
    pub async fn applied_migrations(&self) -> Vec<(i64, bool)> {
        let options = StoreOptions {
            max_connections: 1,
            ..StoreOptions::default()
        };
        let store = SqlStore::connect(&self.url, &options)
            .await
            .unwrap_or_else(|e| panic!("cannot open the test database: {e}"));
        let rows = sqlx::query(
            "SELECT CAST(version AS BIGINT) AS version, \
             CAST(CASE WHEN success THEN 1 ELSE 0 END AS BIGINT) AS success \
             FROM _sqlx_migrations ORDER BY version",
        )
        .fetch_all(&store.db.read)
        .await
        .unwrap_or_else(|e| panic!("cannot read the migrations table: {e}"));
        store.db.close().await;
        rows.iter()
            .map(|row| {
                let version: i64 = row.try_get("version").expect("a version");
                let success: i64 = row.try_get("success").expect("a success flag");
                (version, success == 1)
            })
            .collect()
    }
}

/// The versions of every migration a database of `backend` should have.
pub fn migration_versions(backend: Backend) -> Vec<i64> {
    crate::migrations::migrator(backend)
        .iter()
        .map(|m| m.version)
        .collect()
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((base, schema)) = self.pg_schema.take() else {
            return;
        };
        // Drop runs outside async code; a short-lived runtime on its own
        // thread removes the schema.
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(pool) = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(&base)
                    .await
                {
                    // This thread blocks the test's runtime until it ends, so
                    // a task of that runtime holding a lock in the schema
                    // cannot finish: give up after a while rather than wait
                    // for it forever (the schema is then left behind).
                    let _ = pool.execute("SET lock_timeout = '5s'").await;
                    let _ = pool
                        .execute(sqlx::AssertSqlSafe(format!(
                            "DROP SCHEMA IF EXISTS {schema} CASCADE"
                        )))
                        .await;
                    pool.close().await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

/// Records a migration newer than any this build knows in the database at
/// `url`, as a newer Kept would have left it: for tests of what refuses it.
pub async fn record_future_migration(url: &str, version: i64) {
    install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, 'from a newer kept', TRUE, $2, 0)",
    )
    .bind(version)
    .bind(vec![0_u8; 48])
    .execute(&pool)
    .await
    .unwrap_or_else(|e| panic!("cannot record migration {version}: {e}"));
    pool.close().await;
}

/// Damages the SQLite database `file` as a failing disk or a hand edit
/// might: the parties' name index no longer matches its table, which
/// SQLite's integrity check reports row by row.
pub async fn damage_an_index(file: &std::path::Path) {
    install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", file.display()));
    // Rewriting the index's definition leaves its entries as they were.
    pool.execute(
        "PRAGMA writable_schema = ON; \
         UPDATE sqlite_master SET sql = 'CREATE INDEX parties_sort_name ON parties (name, id)' \
         WHERE name = 'parties_sort_name'; \
         PRAGMA writable_schema = OFF;",
    )
    .await
    .unwrap_or_else(|e| panic!("cannot damage {}: {e}", file.display()));
    pool.close().await;
}

fn uuid_simple() -> String {
    kept_domain::PartyId::new().as_uuid().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skip_is_announced_outside_ci_and_fails_in_it() {
        let reason = "browser tests: chromium is not installed";
        for outside in [None, Some(""), Some("false"), Some("0"), Some("no")] {
            assert_eq!(
                skip_notice(outside, reason),
                Ok(format!("skipping {reason}")),
                "CI={outside:?}"
            );
        }
        for inside in ["true", "1", "TRUE", " true\n"] {
            let failure = skip_notice(Some(inside), reason).expect_err(inside);
            assert!(failure.contains(reason), "{failure}");
            assert!(failure.starts_with("not skipping in CI"), "{failure}");
        }
    }
}
