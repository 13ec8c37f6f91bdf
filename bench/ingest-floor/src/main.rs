//! `ingest-floor URL COUNT CONCURRENCY CONTRACT CUSTOMER REQUESTER SERVICE [full]`
//!
//! Inserts COUNT requests, each as one transaction holding the two rows
//! Kept's `POST /api/v1/requests` writes (the request with its clocks, and
//! its `created` event), and prints the rate. On SQLite it uses Kept's
//! settings (WAL, `synchronous` NORMAL or FULL with `full`, foreign keys on,
//! `BEGIN IMMEDIATE`) and prints two floors: through sqlx from CONCURRENCY
//! tasks on one writing connection (Kept's driver), and through rusqlite on
//! one connection in one thread (no async driver at all: the storage
//! itself). On PostgreSQL, sqlx from CONCURRENCY connections. The rows are
//! Kept's own (clocks, derived columns and queue key computed by
//! `kept-domain`), so Kept reads them back like those it wrote.

use std::sync::Arc;
use std::time::Instant;

use kept_domain::calendar::{BusinessDuration, Calendar, CalendarSpec};
use kept_domain::progress::summarise;
use kept_domain::sla::start_clocks;
use kept_domain::{RequestKind, RequestStatus, Targets, Timestamp, queue};

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

const INSERT_REQUEST: &str = "INSERT INTO requests (id, contract_id, customer_id, requester_id, \
    service_id, kind, priority, quantity, effort_secs, subject, description, status, \
    terms_version, calendar_id, override_reason, escalated_from, raised_by_party, clocks, \
    sla_due_at, next_alarm_at, sla_at_risk, sla_breached, queue_key, last_seq, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, 'incident', 'normal', NULL, 7200, 'Leaking tap in the staff toilet', \
    'Water on the floor by the afternoon.', 'new', 1, NULL, NULL, NULL, NULL, $6, $7, $8, FALSE, FALSE, $10, 1, $9, $9) \
    RETURNING number";
const INSERT_EVENT: &str = "INSERT INTO request_events (request_id, seq, kind, at, actor_id, actor, \
    public, body, data) VALUES ($1, 1, 'created', $2, $3, 'bench@example.com', TRUE, NULL, $4)";

fn micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// What Kept writes for a request raised at `at` (microseconds) on the
/// bench's terms (a 4 h first response and a 16 h resolution, around the
/// clock): its clocks as JSON, its first event's data, its due instant, its
/// next alarm and its queue key, through Kept's own domain code, so the rows
/// read back exactly as Kept's own do.
struct Payload {
    clocks: String,
    event: String,
    due_at: i64,
    next_alarm_at: i64,
    queue_key: i64,
}

fn payload(calendar: &Calendar, at: i64) -> Payload {
    let at = Timestamp::from_microsecond(at).unwrap_or(Timestamp::UNIX_EPOCH);
    let targets = Targets {
        first_response: Some(BusinessDuration::from_seconds(4 * 3600)),
        resolution: Some(BusinessDuration::from_seconds(16 * 3600)),
        delivery: None,
    };
    let clocks = start_clocks(RequestKind::Incident, &targets, at);
    let summary = summarise(&clocks, calendar, 75);
    let event = serde_json::json!({
        "kind": "incident",
        "priority": "normal",
        "terms_version": 1,
        "override_reason": null,
        "escalated_from": null,
        "clocks": clocks.iter().map(|c| serde_json::json!({ "clock": c.kind.as_str(), "target": c.target.to_string() })).collect::<Vec<_>>(),
    });
    let micros_of = |t: Option<Timestamp>| t.map_or(0, |t| t.as_microsecond());
    Payload {
        clocks: serde_json::to_string(&clocks).unwrap_or_default(),
        event: event.to_string(),
        due_at: micros_of(summary.due_at),
        next_alarm_at: micros_of(summary.next_alarm_at),
        queue_key: queue::key(RequestStatus::New, summary.breached, summary.due_at),
    }
}

/// Kept's calendar for a contract without one: open around the clock, UTC.
fn around_the_clock() -> Result<Arc<Calendar>, Box<dyn std::error::Error>> {
    let day = "[\"00:00-24:00\"]";
    let toml = format!(
        "zone = \"UTC\"\n[week]\nmon = {day}\ntue = {day}\nwed = {day}\nthu = {day}\nfri = {day}\nsat = {day}\nsun = {day}\n"
    );
    Ok(Arc::new(CalendarSpec::from_toml(&toml)?.compile()?))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 8 {
        eprintln!("usage: ingest-floor URL COUNT CONCURRENCY CONTRACT CUSTOMER REQUESTER SERVICE [full]");
        std::process::exit(2);
    }
    let (url, count, tasks) = (&args[1], args[2].parse::<usize>()?, args[3].parse::<usize>()?);
    let ids = [args[4].clone(), args[5].clone(), args[6].clone(), args[7].clone()];
    let full = args.get(8).is_some_and(|a| a == "full");
    let per_task = count / tasks;
    let calendar = around_the_clock()?;
    if url.starts_with("sqlite:") {
        rusqlite_floor(url, count, &ids, full, &calendar)?;
    }
    let started = Instant::now();
    // The same loop on either pool: `$begin` is the call that opens one
    // transaction on it.
    macro_rules! insert_all {
        ($pool:expr, $($begin:tt)*) => {{
            let mut handles = Vec::new();
            for _ in 0..tasks {
                let (pool, ids, calendar) = ($pool.clone(), ids.clone(), calendar.clone());
                handles.push(tokio::spawn(async move {
                    for _ in 0..per_task {
                        let at = micros();
                        let p = payload(&calendar, at);
                        let id = uuid::Uuid::now_v7().to_string();
                        let mut tx = pool.$($begin)*.await?;
                        sqlx::query(INSERT_REQUEST)
                            .bind(&id).bind(&ids[0]).bind(&ids[1]).bind(&ids[2]).bind(&ids[3])
                            .bind(&p.clocks).bind(p.due_at).bind(p.next_alarm_at).bind(at).bind(p.queue_key)
                            .fetch_one(&mut *tx).await?;
                        sqlx::query(INSERT_EVENT).bind(&id).bind(at).bind(&ids[2]).bind(&p.event)
                            .execute(&mut *tx).await?;
                        tx.commit().await?;
                    }
                    Ok::<_, sqlx::Error>(())
                }));
            }
            for h in handles {
                h.await??;
            }
        }};
    }
    if url.starts_with("sqlite:") {
        let options = url
            .parse::<SqliteConnectOptions>()?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(if full { SqliteSynchronous::Full } else { SqliteSynchronous::Normal })
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().max_connections(1).test_before_acquire(false).connect_with(options).await?;
        insert_all!(pool, begin_with("BEGIN IMMEDIATE"));
    } else {
        let pool = PgPoolOptions::new().max_connections(tasks as u32).connect(url).await?;
        insert_all!(pool, begin());
    }
    let seconds = started.elapsed().as_secs_f64();
    let done = per_task * tasks;
    println!("floor (sqlx): {done} requests in {seconds:.2} s = {:.0} requests/s", done as f64 / seconds);
    Ok(())
}

/// The rows inserted through rusqlite: one connection, one thread, one
/// transaction per request.
fn rusqlite_floor(
    url: &str,
    count: usize,
    ids: &[String; 4],
    full: bool,
    calendar: &Calendar,
) -> Result<(), Box<dyn std::error::Error>> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let mut conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {}; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
        if full { "FULL" } else { "NORMAL" }
    ))?;
    // The same statements, with `?n` for rusqlite.
    let request_sql = INSERT_REQUEST.replace('$', "?");
    let event_sql = INSERT_EVENT.replace('$', "?");
    let started = Instant::now();
    for _ in 0..count {
        let at = micros();
        let p = payload(calendar, at);
        let id = uuid::Uuid::now_v7().to_string();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(&request_sql)?;
            insert.query_row(
                rusqlite::params![id, ids[0], ids[1], ids[2], ids[3], p.clocks, p.due_at, p.next_alarm_at, at, p.queue_key],
                |row| row.get::<_, i64>(0),
            )?;
            let mut event_insert = tx.prepare_cached(&event_sql)?;
            event_insert.execute(rusqlite::params![id, at, ids[2], p.event])?;
        }
        tx.commit()?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("floor (rusqlite): {count} requests in {seconds:.2} s = {:.0} requests/s", count as f64 / seconds);
    Ok(())
}
