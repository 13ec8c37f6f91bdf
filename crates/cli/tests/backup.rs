//! `kept backup` and `kept restore` on SQLite, run as an operator would:
//! a copy taken while `kept serve` takes requests, restores refused while a
//! server runs or when the backup is unusable, and the README's
//! pg_dump / pg_restore procedure for PostgreSQL, run for real.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Sandbox, Server, last_word};
use serde_json::{Value, json};

const ADMIN: &str = "admin@kept.demo";
const TOM: &str = "tom.reed@harbour-retail.example";

/// `kept` in a sandbox, pointed at one database.
struct Kept<'a> {
    sandbox: &'a Sandbox,
    url: String,
}

impl<'a> Kept<'a> {
    /// The SQLite database `name` in the sandbox.
    fn sqlite(sandbox: &'a Sandbox, name: &str) -> Self {
        Self::at(
            sandbox,
            format!("sqlite://{}", sandbox.file(name).display()),
        )
    }

    fn at(sandbox: &'a Sandbox, url: String) -> Self {
        Self { sandbox, url }
    }

    /// `kept ARGS` on this database.
    fn run(&self, args: &[&str]) -> Output {
        self.sandbox
            .kept()
            .env("KEPT_DATABASE_URL", &self.url)
            .args(args)
            .timeout(Duration::from_secs(120))
            .output()
            .expect("kept ran")
    }

    /// `kept ARGS`, which must succeed: its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "kept {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `kept ARGS`, which must fail: its stderr.
    fn refused(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            !output.status.success(),
            "kept {args:?} should have failed; it printed:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// The demo's people and contracts in this database.
    fn seed(&self) {
        self.ok(&["demo", "--no-serve"]);
    }

    fn token(&self, email: &str) -> String {
        last_word(&self.ok(&["token", "create", "--email", email]))
    }

    /// `kept serve` on this database, on a free port.
    fn serve(&self, log: &str) -> Server {
        let mut command = self.sandbox.process();
        command
            .arg("serve")
            .env("KEPT_ADDR", "127.0.0.1:0")
            .env("KEPT_DATABASE_URL", &self.url);
        Server::start(command, &self.sandbox.file(log))
    }
}

/// Every request `token` may see, as (id, subject), read page by page.
async fn requests(server: &Server, token: &str) -> BTreeSet<(String, String)> {
    let client = common::http();
    let mut seen = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = server.url("/api/v1/requests?order=newest&limit=200");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a JSON page");
        for item in page["items"].as_array().expect("items") {
            seen.insert((
                item["id"].as_str().expect("an id").to_owned(),
                item["subject"].as_str().expect("a subject").to_owned(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
}

/// A request body for Tom's store, on the contract and service of one of
/// the demo's requests he sees.
async fn toms_request(server: &Server, token: &str, subject: &str) -> Value {
    let page: Value = common::http()
        .get(server.url("/api/v1/requests?limit=1"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON page");
    let seen = &page["items"][0];
    json!({
        "contract_id": seen["contract_id"],
        "service_id": seen["service_id"],
        "kind": "incident",
        "subject": subject,
    })
}

/// Raises a request; true when it was created.
async fn raise(client: &reqwest::Client, server: &Server, token: &str, body: &Value) -> bool {
    client
        .post(server.url("/api/v1/requests"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .is_ok_and(|r| r.status() == reqwest::StatusCode::CREATED)
}

/// The rows `kept backup` or `kept restore` printed for `table`.
fn printed_rows(output: &str, table: &str) -> i64 {
    output
        .lines()
        .find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(table)).then(|| words.next()?.parse().ok())?
        })
        .unwrap_or_else(|| panic!("no row count for {table} in:\n{output}"))
}

fn schema_version() -> i64 {
    kept_store::latest_schema_version()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_the_server_raises_requests_is_verified_and_serves_that_data() {
    let sandbox = Sandbox::new();
    let live = Kept::sqlite(&sandbox, "kept.db");
    live.seed();
    let (admin, tom) = (live.token(ADMIN), live.token(TOM));
    let server = live.serve("live.stderr");
    let body = toms_request(&server, &tom, "Raised during the backup").await;
    let before = requests(&server, &admin).await.len();
    let server = Arc::new(server);
    let stop = Arc::new(AtomicBool::new(false));
    // Raises requests one after another until told to stop: (finished at, created).
    let writer = {
        let (server, stop, tom, body) = (server.clone(), stop.clone(), tom.clone(), body.clone());
        tokio::spawn(async move {
            let client = common::http();
            let mut raised = Vec::new();
            while !stop.load(Ordering::Acquire) && raised.len() < 1000 {
                let created = raise(&client, &server, &tom, &body).await;
                raised.push((Instant::now(), created));
            }
            raised
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    let backup = {
        let mut command = sandbox.kept();
        command
            .env("KEPT_DATABASE_URL", &live.url)
            .args(["backup", "copy.db"]);
        tokio::task::spawn_blocking(move || command.output().expect("kept ran"))
            .await
            .expect("the backup finished")
    };
    let ended = Instant::now();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Release);
    let raised = writer.await.expect("the writer finished");
    let mut server = Arc::into_inner(server).expect("the writer let go of the server");
    server.terminate();

    let printed = String::from_utf8_lossy(&backup.stdout).into_owned();
    assert!(
        backup.status.success(),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    assert!(
        raised.iter().all(|(_, created)| *created),
        "every raise succeeded during the backup"
    );
    let done_before = raised.iter().filter(|(at, _)| *at < started).count();
    let during = raised
        .iter()
        .filter(|(at, _)| (started..ended).contains(at))
        .count();
    eprintln!(
        "backup ran {:?}: {done_before} requests raised before it, {during} while it ran, {} in all",
        ended - started,
        raised.len()
    );
    assert!(during > 0, "requests were raised while the backup ran");
    assert!(printed.contains("integrity ok"), "{printed}");
    assert!(
        printed.contains(&format!("schema version {}", schema_version())),
        "{printed}"
    );
    let copied = usize::try_from(printed_rows(&printed, "requests")).expect("a count");
    assert!(
        (before + done_before..=before + raised.len()).contains(&copied),
        "{copied} requests copied; {before} before, {done_before} raised before the backup, {} in all",
        raised.len()
    );
    let copy = Kept::sqlite(&sandbox, "copy.db");
    let mut restored = copy.serve("copy.stderr");
    let served = requests(&restored, &admin).await;
    restored.terminate();
    assert_eq!(served.len(), copied, "the copy serves what it holds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_is_refused_while_a_server_runs_and_brings_the_backup_back_once_it_is_gone() {
    let sandbox = Sandbox::new();
    let live = Kept::sqlite(&sandbox, "kept.db");
    live.seed();
    let admin = live.token(ADMIN);
    live.ok(&["backup", "monday.db"]);
    let tom = live.token(TOM);
    let server = live.serve("first.stderr");
    let at_backup = requests(&server, &admin).await;
    let body = toms_request(&server, &tom, "Raised after the backup").await;
    assert!(raise(&common::http(), &server, &tom, &body).await);

    let refusal = live.refused(&["restore", "monday.db"]);
    let still_there = requests(&server, &admin).await;
    // Killed, not stopped: its last commits stay in kept.db-wal, which the
    // restore must not let SQLite replay into the restored database.
    drop(server);
    let wal_left = sandbox.file("kept.db-wal").exists();
    let restored = live.ok(&["restore", "monday.db"]);
    let mut server = live.serve("second.stderr");
    let after_restore = requests(&server, &admin).await;
    let toms_token = common::http()
        .get(server.url("/api/v1/requests"))
        .bearer_auth(&tom)
        .send()
        .await
        .expect("the server answers")
        .status();
    server.terminate();

    assert!(
        refusal.contains("in use by a running kept serve"),
        "{refusal}"
    );
    assert_eq!(
        still_there.len(),
        at_backup.len() + 1,
        "nothing was changed"
    );
    assert!(wal_left, "the killed server left its -wal behind");
    assert!(restored.starts_with("Restored monday.db"), "{restored}");
    assert_eq!(
        usize::try_from(printed_rows(&restored, "requests")).ok(),
        Some(at_backup.len())
    );
    assert_eq!(
        after_restore, at_backup,
        "the backup's requests, and only those"
    );
    assert_eq!(
        toms_token,
        reqwest::StatusCode::UNAUTHORIZED,
        "a token made after the backup is gone with the rest"
    );
}

#[test]
fn a_restore_names_the_server_holding_the_database() {
    let sandbox = Sandbox::new();
    let live = Kept::sqlite(&sandbox, "kept.db");
    live.seed();
    live.ok(&["backup", "monday.db"]);
    let mut server = live.serve("serve.stderr");

    let refusal = live.refused(&["restore", "monday.db"]);
    let pid = server.pid();
    server.terminate();

    assert!(refusal.contains(&format!("(pid {pid}?)")), "{refusal}");
}

/// The database file's bytes (no server runs, so nothing is in a `-wal`).
fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("the file reads")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_refuses_a_file_that_is_not_a_database_a_damaged_one_and_a_newer_one() {
    let sandbox = Sandbox::new();
    let live = Kept::sqlite(&sandbox, "kept.db");
    live.seed();
    live.ok(&["backup", "good.db"]);
    let good = bytes(&sandbox.file("good.db"));
    std::fs::write(
        sandbox.file("notes.db"),
        "Tuesday: call the plumber\n".repeat(100),
    )
    .expect("written");
    std::fs::write(sandbox.file("truncated.db"), &good[..good.len() / 2]).expect("written");
    std::fs::write(sandbox.file("index.db"), &good).expect("written");
    kept_store::testing::damage_an_index(&sandbox.file("index.db")).await;
    std::fs::write(sandbox.file("newer.db"), &good).expect("written");
    let newer = schema_version() + 1;
    let newer_url = format!("sqlite://{}", sandbox.file("newer.db").display());
    kept_store::testing::record_future_migration(&newer_url, newer).await;
    let database = sandbox.file("kept.db");
    let before = bytes(&database);

    let not_a_database = live.refused(&["restore", "notes.db"]);
    let truncated = live.refused(&["restore", "truncated.db"]);
    let damaged_index = live.refused(&["restore", "index.db"]);
    let from_a_newer_kept = live.refused(&["restore", "newer.db"]);
    let missing = live.refused(&["restore", "nowhere.db"]);

    assert!(
        not_a_database.contains("notes.db cannot be restored: it is not an SQLite database"),
        "{not_a_database}"
    );
    assert!(
        truncated.contains("truncated.db cannot be restored: it is damaged"),
        "{truncated}"
    );
    assert!(
        damaged_index.contains("it is damaged: row")
            && damaged_index.contains("missing from index parties_sort_name"),
        "{damaged_index}"
    );
    assert!(
        from_a_newer_kept.contains(&format!(
            "its schema version {newer} is newer than this kept's {}",
            schema_version()
        )),
        "{from_a_newer_kept}"
    );
    assert!(
        missing.contains("there is no backup at nowhere.db"),
        "{missing}"
    );
    for refusal in [
        &not_a_database,
        &truncated,
        &damaged_index,
        &from_a_newer_kept,
    ] {
        assert!(refusal.contains("is unchanged"), "{refusal}");
    }
    assert!(bytes(&database) == before, "the database is untouched");
    let leftovers: Vec<String> = std::fs::read_dir(sandbox.path())
        .expect("the sandbox lists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_refuses_to_overwrite_a_file_unless_forced() {
    let sandbox = Sandbox::new();
    let live = Kept::sqlite(&sandbox, "kept.db");
    live.seed();
    let precious = sandbox.file("precious.db");
    std::fs::write(&precious, "last year's accounts").expect("written");

    let refusal = live.refused(&["backup", "precious.db"]);
    let kept_as_it_was = std::fs::read_to_string(&precious).expect("readable");
    let onto_itself = live.refused(&["backup", "kept.db", "--force"]);
    live.ok(&["backup", "precious.db", "--force"]);
    let replaced = kept_store::inspect_file(&precious)
        .await
        .and_then(kept_store::Inspection::restorable);

    assert!(
        refusal.contains("precious.db already exists; nothing was written (--force replaces it)"),
        "{refusal}"
    );
    assert_eq!(kept_as_it_was, "last year's accounts");
    assert!(
        onto_itself.contains("is the database itself"),
        "{onto_itself}"
    );
    let replaced = replaced.expect("--force wrote a sound copy");
    assert_eq!(replaced.schema_version, Some(schema_version()));
}

#[test]
fn backup_and_restore_of_postgresql_point_at_pg_dump_and_pg_restore() {
    let sandbox = Sandbox::new();
    // Nothing listens here: both commands refuse before they connect.
    let kept = Kept::at(&sandbox, "postgres://kept@127.0.0.1:9/kept".into());

    let backup = kept.refused(&["backup", "kept.backup"]);
    let restore = kept.refused(&["restore", "kept.backup"]);

    assert!(backup.contains("pg_dump --format=custom"), "{backup}");
    assert!(restore.contains("pg_restore --no-owner"), "{restore}");
    assert!(!sandbox.file("kept.backup").exists());
}

/// The PostgreSQL server tests may create databases on, or `None` after
/// saying so (never on CI, where it must be there: `skip_or_fail`).
fn postgres_base() -> Option<String> {
    static SAID: std::sync::Once = std::sync::Once::new();
    let url = std::env::var("KEPT_TEST_POSTGRES_URL").ok();
    if url.is_none() {
        kept_store::testing::skip_or_fail(
            &SAID,
            "skipping the pg_dump/pg_restore test: set KEPT_TEST_POSTGRES_URL=postgres://… to run it",
        );
    }
    url
}

/// A database of its own on the test server, dropped afterwards.
struct ScratchDatabase {
    base: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// The URL of database `name` on the server of `base`, without creating it.
    fn named(base: &str, name: &str) -> Self {
        let mut url = reqwest::Url::parse(base).expect("a database URL");
        url.set_path(&format!("/{name}"));
        Self {
            base: base.to_owned(),
            name: name.to_owned(),
            url: url.to_string(),
        }
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let _ = std::process::Command::new("dropdb")
            .args(["--if-exists", "--force"])
            .arg(format!("--maintenance-db={}", self.base))
            .arg(&self.name)
            .status();
    }
}

/// Runs a PostgreSQL client tool, which must succeed.
fn tool(name: &str, args: &[&str]) {
    let output = std::process::Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} runs (postgresql-client): {e}"));
    assert!(
        output.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readmes_pg_dump_and_pg_restore_procedure_restores_a_working_database() {
    let Some(base) = postgres_base() else {
        return;
    };
    let unique = format!("{}_{}", std::process::id(), nanos_now());
    let source = ScratchDatabase::named(&base, &format!("kept_backup_source_{unique}"));
    let restored = ScratchDatabase::named(&base, &format!("kept_backup_restored_{unique}"));
    tool(
        "createdb",
        &[&format!("--maintenance-db={base}"), &source.name],
    );
    let sandbox = Sandbox::new();
    let live = Kept::at(&sandbox, source.url.clone());
    live.seed();
    let (admin, tom) = (live.token(ADMIN), live.token(TOM));
    let mut server = live.serve("source.stderr");
    let body = toms_request(&server, &tom, "Raised before the dump").await;
    assert!(raise(&common::http(), &server, &tom, &body).await);
    let before = requests(&server, &admin).await;
    let dump = sandbox.file("kept.dump");
    let dump = dump.to_str().expect("a UTF-8 path");

    // The README's procedure, step by step, while the source is serving.
    tool(
        "pg_dump",
        &["--format=custom", &format!("--file={dump}"), &source.url],
    );
    server.terminate();
    tool(
        "createdb",
        &[&format!("--maintenance-db={}", source.url), &restored.name],
    );
    tool(
        "pg_restore",
        &[
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            &format!("--dbname={}", restored.url),
            dump,
        ],
    );
    let copy = Kept::at(&sandbox, restored.url.clone());
    let migrated = copy.ok(&["migrate"]);
    let mut server = copy.serve("restored.stderr");
    let after = requests(&server, &admin).await;
    let toms = requests(&server, &tom).await;
    server.terminate();

    assert!(migrated.contains("is up to date"), "{migrated}");
    assert!(before.len() > 1, "the source held requests");
    assert_eq!(
        after, before,
        "the restored database serves the same requests"
    );
    assert!(
        toms.iter().any(|(_, s)| s == "Raised before the dump"),
        "tokens, people and their rights came back too"
    );
}

/// A number that differs between runs, for database names.
fn nanos_now() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}
