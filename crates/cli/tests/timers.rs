//! The SLA timers with two `kept serve` processes on one PostgreSQL
//! database: every at-risk and breach alarm is raised exactly once, however
//! the two servers' sweeps interleave (they claim due rows with
//! `FOR UPDATE SKIP LOCKED`), and each counts those it raised in its
//! `kept_sla_alarms_total`. Skipped, with one line, without
//! `KEPT_TEST_POSTGRES_URL`.

mod common;
#[path = "common/seed.rs"]
mod seed;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kept_domain::calendar::BusinessDuration;
use kept_domain::{Actor, EventKind, NewRequest, Priority, RequestKind, ServiceDetails, Targets};
use kept_store::testing::TestDatabase;
use kept_store::{RequestQuery, RequestRecord, Store};

use common::{Sandbox, Server};

const REQUESTS: usize = 60;
/// First response, resolution: each raises at risk and breached.
const ALARMS_PER_REQUEST: usize = 4;

/// A provider, a client with a site, a user, a service with targets of a
/// few seconds, and a contract around the clock; returns what a request
/// needs.
async fn world(store: &Arc<dyn Store>) -> NewRequest {
    let harbour = seed::harbour(store).await;
    let leeds = &harbour.leeds;
    let (user, _) = seed::person(store, "tom@harbour.example", Some(leeds.id), &[]).await;
    let (service, contract) =
        seed::harbour_fm(store, &harbour, ServiceDetails::default(), user.id).await;
    NewRequest {
        contract_id: contract.id,
        customer_id: leeds.id,
        requester_id: user.id,
        service_id: service.id,
        kind: RequestKind::Incident,
        priority: Priority::Normal,
        quantity: None,
        effort: None,
        subject: "Leak".into(),
        description: String::new(),
        override_reason: None,
        escalated_from: None,
        raised_by_party: None,
    }
}

/// `kept serve` on the database, sweeping for alarms every 20 ms.
fn serve(sandbox: &Sandbox, url: &str, n: usize) -> Server {
    let mut command = sandbox.process();
    command
        .arg("serve")
        .env("KEPT_ADDR", "127.0.0.1:0")
        .env("KEPT_DATABASE_URL", url)
        .env("KEPT_SLA_TIMER_INTERVAL_MS", "20")
        .env("KEPT_LOG_LEVEL", "info");
    Server::start(command, &sandbox.file(&format!("serve-{n}.stderr")))
}

async fn alarm_events(store: &Arc<dyn Store>, ids: &[kept_domain::RequestId]) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for id in ids {
        let events = store.request_events(*id, true).await.expect("events");
        all.push(
            events
                .iter()
                .filter(|e| matches!(e.kind, EventKind::ClockAtRisk | EventKind::ClockBreached))
                .map(|e| format!("{} {}", e.kind, e.data["clock"].as_str().unwrap_or("?")))
                .collect(),
        );
    }
    all
}

/// The server's `kept_sla_alarms_total`, from `/metrics`.
async fn counted(server: &Server) -> f64 {
    let text = common::http()
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("a body");
    text.lines()
        .find_map(|l| {
            l.strip_prefix("kept_sla_alarms_total ")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_database_raise_each_alarm_exactly_once() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let store = db.store().await;
    let template = world(&store).await;
    let sandbox = Sandbox::new();
    let mut first = serve(&sandbox, db.url(), 1);
    let mut second = serve(&sandbox, db.url(), 2);

    // Sixty requests whose alarms all fall due within two seconds.
    let mut ids = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let request = store
            .create_request(
                &Actor::system("timer test"),
                RequestRecord {
                    check: None,
                    calendar: None,
                    new: template.clone(),
                    terms_version: None,
                    calendar_id: None,
                    team_id: None,
                    targets: Targets {
                        first_response: Some(BusinessDuration::from_seconds(1)),
                        resolution: Some(BusinessDuration::from_seconds(2)),
                        delivery: None,
                    },
                    at_risk_percent: 75,
                    raised_at: None,
                    promise: None,
                    lines: Vec::new(),
                },
            )
            .await
            .expect("a request");
        ids.push(request.id);
    }
    let expected = REQUESTS * ALARMS_PER_REQUEST;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let raised: usize = alarm_events(&store, &ids).await.iter().map(Vec::len).sum();
        if raised >= expected || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Give a duplicate, if any, time to land.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let counted = counted(&first).await + counted(&second).await;
    first.terminate();
    second.terminate();

    let per_request = alarm_events(&store, &ids).await;
    for events in &per_request {
        let mut sorted = events.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            [
                "clock_at_risk first_response",
                "clock_at_risk resolution",
                "clock_breached first_response",
                "clock_breached resolution",
            ],
            "each alarm once"
        );
    }
    let logged = |server: &Server| server.stderr_text().matches("SLA alarm").count();
    let (by_first, by_second) = (logged(&first), logged(&second));
    eprintln!("alarms raised: {by_first} by the first server, {by_second} by the second");
    assert_eq!(
        by_first + by_second,
        expected,
        "every alarm raised by one server"
    );
    assert_eq!(
        counted, expected as f64,
        "each server counts the alarms it raised in kept_sla_alarms_total"
    );
    let breached = store
        .list_requests(&RequestQuery {
            sla: vec![kept_domain::SlaState::Breached],
            limit: kept_domain::Limit::MAX_PAGE,
            ..RequestQuery::new(kept_domain::PartyScope::All, None)
        })
        .await
        .expect("a list");
    assert_eq!(breached.items.len(), REQUESTS);
}
