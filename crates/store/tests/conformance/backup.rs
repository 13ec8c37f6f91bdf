//! Copies and checks of a whole database: the inspection on both backends,
//! the copy on SQLite (PostgreSQL's copies are pg_dump's).

use std::sync::Arc;

use kept_store::testing::TestDatabase;
use kept_store::{
    Backend, SqlStore, Store, StoreOptions, TableRows, Unusable, inspect_file,
    latest_schema_version,
};

use crate::support::org;

async fn sql_store(db: &TestDatabase) -> SqlStore {
    // Migrated through the trait first, then opened again as the concrete type.
    db.store().await.close().await;
    SqlStore::connect(db.url(), &StoreOptions::default())
        .await
        .expect("the test database opens")
}

fn rows(tables: &[TableRows], name: &str) -> Option<i64> {
    tables.iter().find(|t| t.table == name).map(|t| t.rows)
}

async fn inspection_counts_every_table_at_the_latest_schema_version(db: TestDatabase) {
    let store = sql_store(&db).await;
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    org(&shared, "Harbour Retail").await;
    org(&shared, "Brightwell").await;

    let inspection = store.inspect().await.expect("an inspection");

    assert!(inspection.problems.is_empty(), "{:?}", inspection.problems);
    assert_eq!(inspection.schema_version, Some(latest_schema_version()));
    assert_eq!(rows(&inspection.tables, "parties"), Some(2));
    assert_eq!(rows(&inspection.tables, "requests"), Some(0));
    assert!(rows(&inspection.tables, "audit_events").is_some_and(|n| n >= 2));
    assert_eq!(rows(&inspection.tables, "_sqlx_migrations"), None);
    let names: Vec<&str> = inspection.tables.iter().map(|t| t.table.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_inspection_counts_every_table_at_the_latest_schema_version() {
    inspection_counts_every_table_at_the_latest_schema_version(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_inspection_counts_every_table_at_the_latest_schema_version() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    assert_eq!(db.backend(), Backend::Postgres);
    inspection_counts_every_table_at_the_latest_schema_version(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_copy_taken_during_writes_is_sound_and_holds_a_committed_state() {
    let db = TestDatabase::sqlite();
    let store = sql_store(&db).await;
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    org(&shared, "Before the copy").await;
    let dir = tempfile::tempdir().expect("a directory");
    let copy = dir.path().join("copy.db");
    let writer = {
        let shared = shared.clone();
        tokio::spawn(async move {
            for i in 0..50 {
                org(&shared, &format!("Written alongside {i}")).await;
            }
        })
    };

    store.backup_to(&copy).await.expect("the copy is taken");
    writer.await.expect("the writes all succeed");
    let copied = inspect_file(&copy)
        .await
        .and_then(|i| i.restorable())
        .expect("the copy is sound");
    let now = store.inspect().await.expect("an inspection");

    assert_eq!(copied.schema_version, Some(latest_schema_version()));
    let parties = rows(&copied.tables, "parties").expect("a parties table");
    assert!((1..=51).contains(&parties), "{parties} parties copied");
    assert_eq!(rows(&now.tables, "parties"), Some(51));
    // Each party is created with its audit event in one transaction: a
    // consistent snapshot holds both or neither.
    assert_eq!(rows(&copied.tables, "audit_events"), Some(parties));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_is_not_copied_by_the_store() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let store = sql_store(&db).await;
    let dir = tempfile::tempdir().expect("a directory");

    let outcome = store.backup_to(&dir.path().join("copy.db")).await;

    assert!(outcome.is_err_and(|e| e.to_string().contains("pg_dump")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_that_are_not_databases_or_come_from_a_newer_kept_are_refused() {
    let db = TestDatabase::sqlite();
    db.store().await.close().await;
    let file = kept_store::sqlite_file(db.url()).expect("an SQLite file");
    let dir = tempfile::tempdir().expect("a directory");
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "not a database, only words ".repeat(200)).expect("written");
    let newer = latest_schema_version() + 1;
    kept_store::testing::record_future_migration(db.url(), newer).await;

    let not_a_database = inspect_file(&text).await;
    let from_a_newer_kept = inspect_file(&file).await.expect("readable");
    let sound = from_a_newer_kept.clone().sound();
    let restorable = from_a_newer_kept.restorable();

    assert!(
        matches!(not_a_database, Err(Unusable::NotADatabase)),
        "{not_a_database:?}"
    );
    assert!(sound.is_ok(), "a newer copy is still a sound copy");
    match restorable {
        Err(Unusable::Newer { found, supported }) => {
            assert_eq!((found, supported), (newer, latest_schema_version()));
        }
        other => panic!("expected a refusal of the newer schema, got {other:?}"),
    }
}
