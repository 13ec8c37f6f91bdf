//! Mail out at scale and through a crash, on PostgreSQL (skipped, with one
//! line, without `KEPT_TEST_POSTGRES_URL`; never under `CI=true`):
//!
//! - two `kept serve` on one database, both sending to one SMTP sink, while
//!   1,000 requests are raised through both: every acknowledgement arrives
//!   exactly once (deliveries are claimed with `FOR UPDATE SKIP LOCKED`);
//! - one `kept serve`, killed with SIGKILL while the sink holds a message
//!   it has not yet answered, then restarted: no acknowledgement is lost,
//!   and the only ones sent twice are those sent and not yet recorded at
//!   the kill (in flight, or in the handful being recorded), each a copy
//!   with the same Message-ID.
//!
//! A killed server's claims last their lease (two minutes) before another
//! takes them. The crash test does not wait that long: with the server
//! dead, it makes the claimed deliveries due at once, as an admin's retry
//! from the outbox page does.

mod common;
#[path = "common/mail.rs"]
mod mail;
#[path = "common/seed.rs"]
mod seed;
#[path = "common/smtp_sink.rs"]
mod smtp_sink;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kept_domain::{ContractId, DeliveryState, Limit, Role, ServiceDetails, ServiceId, Timestamp};
use kept_store::Store;
use kept_store::notify::DeliveryQuery;
use reqwest::StatusCode;
use serde_json::json;

use common::{Sandbox, Server};
use mail::{DOMAIN, Mail};
use smtp_sink::SmtpSink;

/// Clients raising requests at once.
const CLIENTS: usize = 8;

/// Where requests are raised and by whom.
struct World {
    contract: ContractId,
    service: ServiceId,
    /// The customer's API token.
    token: String,
    email: String,
}

/// Harbour's Leeds store, a customer there, and Brightwell's service
/// without targets (no alarms: only acknowledgements are sent).
async fn world(store: &Arc<dyn Store>) -> World {
    let harbour = seed::harbour(store).await;
    let leeds = harbour.leeds.id;
    let email = "tom@harbour.example";
    let grants = [(Role::Customer, Some(leeds))];
    let (tom, token) = seed::person(store, email, Some(leeds), &grants).await;
    let (service, contract) =
        seed::harbour_fm(store, &harbour, ServiceDetails::default(), tom.id).await;
    World {
        contract: contract.id,
        service: service.id,
        token,
        email: email.to_owned(),
    }
}

/// Raises `count` requests from [`CLIENTS`] clients, client `c` through
/// `addresses[c % len]`; returns the requests' ids.
async fn raise_many(world: &Arc<World>, addresses: &[String], count: usize) -> Vec<String> {
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (world, address) = (world.clone(), addresses[c % addresses.len()].clone());
        let share = count / CLIENTS + usize::from(c < count % CLIENTS);
        clients.push(tokio::spawn(async move {
            let http = common::http();
            let mut ids = Vec::with_capacity(share);
            for n in 0..share {
                let body = json!({ "contract_id": world.contract, "service_id": world.service,
                                   "kind": "incident", "subject": format!("Leak {c}.{n}") });
                let response = http
                    .post(format!("{address}/api/v1/requests"))
                    .bearer_auth(&world.token)
                    .json(&body)
                    .send()
                    .await
                    .expect("the API answers");
                assert_eq!(response.status(), StatusCode::CREATED);
                let raised: serde_json::Value = response.json().await.expect("JSON");
                ids.push(raised["id"].as_str().expect("an id").to_owned());
            }
            ids
        }));
    }
    let mut ids = Vec::with_capacity(count);
    for client in clients {
        ids.extend(client.await.expect("a client finished"));
    }
    ids
}

/// The request each acknowledgement is about (its thread root's id).
fn request_of(mail: &Mail) -> String {
    let root = mail.in_reply_to.as_deref().unwrap_or_default();
    root.trim_start_matches("<request-")
        .trim_end_matches(&format!("@{DOMAIN}>"))
        .to_owned()
}

/// Every requests' acknowledgement arrived, to the requester; returns the
/// requests acknowledged more than once.
fn check_acknowledged(mails: &[Mail], raised: &[String], to: &str) -> HashMap<String, usize> {
    let acknowledged: HashSet<String> = mails.iter().map(request_of).collect();
    let raised_set: HashSet<String> = raised.iter().cloned().collect();
    let missing: Vec<&String> = raised_set.difference(&acknowledged).collect();
    assert!(
        missing.is_empty(),
        "{} requests unacknowledged: {missing:?}",
        missing.len()
    );
    let stray: Vec<&String> = acknowledged.difference(&raised_set).collect();
    assert!(
        stray.is_empty(),
        "mail about requests nobody raised: {stray:?}"
    );
    assert!(mails.iter().all(|m| m.rcpt_to == [to.to_owned()]));
    mail::repeated(mails, request_of)
}

/// How many deliveries the database holds in each state.
async fn states(store: &Arc<dyn Store>) -> HashMap<&'static str, usize> {
    let mut counts = HashMap::new();
    let mut cursor = None;
    loop {
        let query = DeliveryQuery {
            cursor: cursor.take(),
            limit: Limit::MAX_PAGE,
            ..DeliveryQuery::default()
        };
        let page = store.list_deliveries(&query).await.expect("deliveries");
        for d in &page.items {
            *counts.entry(d.state.as_str()).or_default() += 1;
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next.as_str().to_owned()),
            None => return counts,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_deliver_each_of_a_thousand_acknowledgements_once() {
    const REQUESTS: usize = 1000;
    let Some(db) = seed::postgres().await else {
        return;
    };
    let started = Instant::now();
    let store = db.store().await;
    let world = Arc::new(world(&store).await);
    let sink = SmtpSink::start();
    let sandbox = Sandbox::new();
    let mut a = mail::serve(&sandbox, db.url(), sink.port(), "a", &[]);
    let mut b = mail::serve(&sandbox, db.url(), sink.port(), "b", &[]);

    let raised = raise_many(&world, &[a.address.clone(), b.address.clone()], REQUESTS).await;
    let raised_in = started.elapsed();
    sink.wait_for(REQUESTS, Duration::from_secs(45)).await;
    let delivered_in = started.elapsed();
    // Time for a second copy of anything to arrive.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mails = mail::parse_all(&sink.messages());
    a.terminate();
    b.terminate();

    assert_eq!(mails.len(), REQUESTS, "one message per request");
    let ids: HashSet<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), REQUESTS, "every Message-ID once");
    let twice = check_acknowledged(&mails, &raised, &world.email);
    assert!(twice.is_empty(), "acknowledged more than once: {twice:?}");
    let by_state = states(&store).await;
    assert_eq!(by_state, HashMap::from([("sent", REQUESTS)]));
    for server in [&a, &b] {
        let log = server.stderr_text();
        assert!(!log.contains("a delivery failed"), "{log}");
    }
    eprintln!(
        "mail scale-out: {REQUESTS} requests raised through two servers in {:.1} s, \
         all acknowledged once by {:.1} s",
        raised_in.as_secs_f64(),
        delivered_in.as_secs_f64()
    );
}

/// Waits until the sink holds a message unanswered after at least `after`
/// accepted in all, and kills `server` then; returns how many the sink had
/// accepted and held.
async fn kill_in_flight(server: &mut Server, sink: &SmtpSink, after: usize) -> (usize, usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(sink.count() >= after && sink.in_flight() > 0) {
        assert!(
            Instant::now() < deadline,
            "{} delivered, none in flight",
            sink.count()
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill();
    (sink.count(), sink.in_flight())
}

/// Ends the leases a killed server held: its claimed deliveries become due
/// now (as a retry from the admin's outbox page makes them).
async fn end_leases(store: &Arc<dyn Store>) -> usize {
    let query = DeliveryQuery {
        states: vec![DeliveryState::Pending, DeliveryState::Failed],
        limit: Limit::MAX_PAGE,
        ..DeliveryQuery::default()
    };
    let now = Timestamp::now();
    let mut ended = 0;
    for d in store
        .list_deliveries(&query)
        .await
        .expect("deliveries")
        .items
    {
        if d.due_at > now {
            store.retry_delivery(d.id, now).await.expect("due now");
            ended += 1;
        }
    }
    ended
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_delivery_loses_no_mail_and_repeats_only_the_one_in_flight() {
    const REQUESTS: usize = 200;
    /// Kills, each once this many more messages were accepted.
    const KILL_AFTER: [usize; 2] = [40, 110];
    let Some(db) = seed::postgres().await else {
        return;
    };
    let started = Instant::now();
    let store = db.store().await;
    let world = Arc::new(world(&store).await);
    let sink = SmtpSink::start();
    // A slow server: each message waits 20 ms for its acceptance, so a
    // kill finds one in flight.
    sink.set_delay(Duration::from_millis(20));
    let sandbox = Sandbox::new();
    let mut server = mail::serve(&sandbox, db.url(), sink.port(), "start", &[]);
    let raised = raise_many(&world, std::slice::from_ref(&server.address), REQUESTS).await;

    let mut in_flight_at_kills = 0;
    for (round, after) in KILL_AFTER.into_iter().enumerate() {
        let (accepted, held) = kill_in_flight(&mut server, &sink, after).await;
        in_flight_at_kills += held;
        let ended = end_leases(&store).await;
        eprintln!(
            "mail crash: killed with {accepted} accepted and {held} in flight at the sink; \
             {ended} claimed deliveries made due"
        );
        server = mail::serve(
            &sandbox,
            db.url(),
            sink.port(),
            &format!("restart-{round}"),
            &[],
        );
    }
    sink.wait_for(REQUESTS, Duration::from_secs(45)).await;
    // Time for a second copy of anything to arrive.
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.terminate();
    let mails = mail::parse_all(&sink.messages());

    let twice = check_acknowledged(&mails, &raised, &world.email);
    for request in twice.keys() {
        let copies: HashSet<&str> = mails
            .iter()
            .filter(|m| &request_of(m) == request)
            .map(|m| m.message_id.as_str())
            .collect();
        assert_eq!(
            copies.len(),
            1,
            "a repeat is a copy of one delivery: {copies:?}"
        );
    }
    let repeats = mails.len() - REQUESTS;
    // A server has at most `UNRECORDED_MAX` messages sent and not yet
    // recorded (those in flight, and a handful being recorded): a kill
    // repeats at most those, each once.
    let bound = KILL_AFTER.len() * kept_app::notify::deliver::UNRECORDED_MAX;
    assert!(
        repeats <= bound,
        "{repeats} sent twice, more than the {bound} a server may have sent unrecorded over \
         {} kills ({in_flight_at_kills} held by the sink at the kills)",
        KILL_AFTER.len()
    );
    let by_state = states(&store).await;
    assert_eq!(by_state, HashMap::from([("sent", REQUESTS)]));
    eprintln!(
        "mail crash: {} kills, {REQUESTS} acknowledged, {repeats} sent twice \
         ({in_flight_at_kills} in flight at the kills), 0 lost, in {:.1} s",
        KILL_AFTER.len(),
        started.elapsed().as_secs_f64()
    );
}
