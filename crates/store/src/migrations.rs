//! Schema migrations, embedded in the binary, one folder per dialect.
//!
//! The files are listed here by hand rather than found by a proc-macro, which
//! would compile every database driver a second time for the build host; a
//! test checks the list against the folders.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::db::Backend;

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
);

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
