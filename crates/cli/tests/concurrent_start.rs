//! Several `kept serve` processes started at the same instant on one fresh,
//! empty database, as a rolling deployment or an orchestrator starting
//! replicas does: every one comes up healthy, the migrations are applied
//! exactly once each, and every server reads and writes. On a fresh SQLite
//! file and on a fresh PostgreSQL schema (skipped, with one line, without
//! `KEPT_TEST_POSTGRES_URL`; never under `CI=true`).

mod common;

#[path = "common/seed.rs"]
mod seed;

use std::sync::Barrier;
use std::time::Instant;

use kept_domain::{PartyId, Role};
use kept_store::testing::{TestDatabase, migration_versions};
use reqwest::StatusCode;
use serde_json::{Value, json};

use common::{Sandbox, Server};

/// How many servers race.
const SERVERS: usize = 4;

/// Starts [`SERVERS`] `kept serve` processes on `url` together: each thread
/// spawns its process when all are ready to, then waits for it to announce
/// its address (panicking with its stderr if it does not).
fn start_together(sandbox: &Sandbox, url: &str) -> Vec<Server> {
    let barrier = Barrier::new(SERVERS);
    std::thread::scope(|scope| {
        let starting: Vec<_> = (0..SERVERS)
            .map(|n| {
                let barrier = &barrier;
                scope.spawn(move || {
                    let mut command = sandbox.process();
                    command
                        .arg("serve")
                        .env("KEPT_ADDR", "127.0.0.1:0")
                        .env("KEPT_DATABASE_URL", url);
                    barrier.wait();
                    Server::start(command, &sandbox.file(&format!("serve-{n}.stderr")))
                })
            })
            .collect();
        starting
            .into_iter()
            .map(|thread| match thread.join() {
                Ok(server) => server,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// The race on `db`: all servers healthy, each migration applied once, and
/// each server serving an admin's read and write.
async fn race(db: TestDatabase) {
    let sandbox = Sandbox::new();
    let started = Instant::now();
    let servers = start_together(&sandbox, db.url());
    let up = started.elapsed();
    let http = common::http();
    for server in &servers {
        let health = http
            .get(server.url("/healthz"))
            .send()
            .await
            .expect("healthz answers");
        assert_eq!(
            health.status(),
            StatusCode::OK,
            "a server is unhealthy; stderr:\n{}",
            server.stderr_text()
        );
    }

    let applied = db.applied_migrations().await;
    let expected: Vec<(i64, bool)> = migration_versions(db.backend())
        .into_iter()
        .map(|v| (v, true))
        .collect();
    assert_eq!(applied, expected, "each migration applied once, and fully");

    let store = db.store().await;
    let (_, token) = seed::person(&store, "admin@example.com", None, &[(Role::Admin, None)]).await;
    for (n, server) in servers.iter().enumerate() {
        let me = http
            .get(server.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("/me answers");
        assert_eq!(me.status(), StatusCode::OK, "server {n} reads");
        let created = http
            .post(server.url("/api/v1/parties"))
            .bearer_auth(&token)
            .json(&json!({ "kind": "organisation", "name": format!("Made by server {n}") }))
            .send()
            .await
            .expect("the party is created");
        assert_eq!(created.status(), StatusCode::CREATED, "server {n} writes");
        let party: Value = created.json().await.expect("a party");
        let id: PartyId = serde_json::from_value(party["id"].clone()).expect("an id");
        let stored = store.party(id).await.expect("the party is in the database");
        assert_eq!(stored.name.as_str(), format!("Made by server {n}"));
    }
    store.close().await;
    eprintln!(
        "{}: {SERVERS} servers on one fresh database up and healthy in {up:?}; \
         {} migrations applied once each",
        db.backend().name(),
        applied.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_started_together_on_a_fresh_sqlite_file_migrate_it_once() {
    race(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_started_together_on_a_fresh_postgres_schema_migrate_it_once() {
    let Some(db) = seed::postgres().await else {
        return;
    };
    race(db).await;
}
