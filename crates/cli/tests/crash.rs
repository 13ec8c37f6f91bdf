//! Crash safety: `kept serve` is killed with SIGKILL while eight clients
//! write through the JSON API, restarted on the same database, and every
//! write it acknowledged (a 201 saying what it stored) must be there: after
//! each of several kills, on SQLite (a file, with the default
//! `sqlite_synchronous`) and on PostgreSQL (a fresh schema; skipped, with one
//! line, without `KEPT_TEST_POSTGRES_URL`, never under `CI=true`).
//!
//! The writes are the variants of [`Writer`], each with `write` (one API
//! call, acknowledged or not) and `verify` (is it in the database, whole).
//! Each acknowledged raise and reply must also have its outbox row (the
//! notification written in the same transaction), and a note none.
//! A capability that writes something new (promises) joins the
//! test as one more variant with its arms in those two (and in
//! `needs_request`), and one more entry in [`WRITERS`]; the clients, the
//! kills and the figures then cover it.
//!
//! The kill comes after a delay drawn from a seed (printed; set
//! `KEPT_TEST_CRASH_SEED` to replay one), so it lands at a different point
//! of the load in each round.

mod common;

#[path = "common/seed.rs"]
mod seed;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kept_domain::{
    ContractId, EventKind, RequestEvent, RequestId, Role, ServiceDetails, ServiceId, Topic,
};
use kept_store::Store;
use kept_store::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};

use common::{Sandbox, Server};

/// Clients writing at once.
const CLIENTS: usize = 8;
/// Kills per backend.
const ROUNDS: usize = 3;
/// The shortest and longest load before a kill, counted from when the
/// clients have had as many writes acknowledged as there are clients (a
/// restarted server opens its connections first).
const LOAD_MS: (u64, u64) = (300, 1_200);
/// The seed unless `KEPT_TEST_CRASH_SEED` gives another.
const DEFAULT_SEED: u64 = 0x6b65_7074_6372_6173;

/// The kinds of write the clients make, one drawn at random for each write.
const WRITERS: [Writer; 3] = [Writer::Raise, Writer::Reply, Writer::Note];

/// A kind of write: how to make it through the API and how to find it in
/// the database afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writer {
    /// A customer raises a request.
    Raise,
    /// The customer replies on a request (a public event).
    Reply,
    /// The provider's agent writes an internal note (an internal event).
    Note,
}

/// A write the server acknowledged, and what it said it stored.
#[derive(Debug, Clone)]
struct Ack {
    writer: Writer,
    /// The request raised, or the one replied or noted on.
    request: RequestId,
    /// The event's position in the request's history (replies and notes).
    seq: Option<i64>,
    /// The text written, unique to this write.
    text: String,
}

/// Why a write was not acknowledged.
enum Failure {
    /// An answer other than 201 Created (a bug: the server was up).
    Refused(String),
    /// No answer: the server died, or the request never reached it.
    Transport(reqwest::Error),
}

impl Writer {
    /// Whether the write goes on an existing request.
    fn needs_request(self) -> bool {
        !matches!(self, Self::Raise)
    }

    /// Makes the write through the API (`on`: the request it goes on).
    async fn write(self, load: &Load, on: Option<RequestId>, text: &str) -> Result<Ack, Failure> {
        let world = &load.world;
        let (path, token, body) = match (self, on) {
            (Self::Raise, _) => (
                "/api/v1/requests".to_owned(),
                &world.customer,
                json!({ "contract_id": world.contract, "service_id": world.service,
                        "kind": "incident", "subject": text }),
            ),
            (Self::Reply, Some(id)) => (
                format!("/api/v1/requests/{id}/replies"),
                &world.customer,
                json!({ "body": text }),
            ),
            (Self::Note, Some(id)) => (
                format!("/api/v1/requests/{id}/notes"),
                &world.agent,
                json!({ "body": text }),
            ),
            (writer, None) => panic!("{writer:?} needs a request"),
        };
        let response = load
            .http
            .post(format!("{}{path}", load.address))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(Failure::Transport)?;
        let status = response.status();
        let text_back = response.text().await.map_err(Failure::Transport)?;
        if status != StatusCode::CREATED {
            return Err(Failure::Refused(format!("{self:?}: {status} {text_back}")));
        }
        let answer: Value = serde_json::from_str(&text_back)
            .unwrap_or_else(|e| panic!("{self:?}: a 201 without JSON ({e}): {text_back}"));
        let (request, seq) = match self {
            Self::Raise => (request_id(&answer["id"]), None),
            Self::Reply | Self::Note => {
                let event = answer["events"]
                    .as_array()
                    .and_then(|events| events.iter().find(|e| e["body"] == text))
                    .unwrap_or_else(|| panic!("{self:?} acknowledged without its event: {answer}"));
                let seq = event["seq"].as_i64();
                assert!(
                    seq.is_some(),
                    "{self:?} acknowledged without a seq: {answer}"
                );
                (request_id(&answer["request"]["id"]), seq)
            }
        };
        Ok(Ack {
            writer: self,
            request,
            seq,
            text: text.to_owned(),
        })
    }

    /// Checks that an acknowledged write is in the database, whole, given
    /// what is stored of its request (`None`: the request is missing).
    fn verify(self, ack: &Ack, stored: Option<&Stored>) -> Result<(), String> {
        let stored = stored.ok_or_else(|| format!("{ack:?}: the request is gone"))?;
        let (kind, seq) = match self {
            // The request and its first event are written together.
            Self::Raise => (EventKind::Created, 1),
            Self::Reply => (EventKind::Reply, ack.seq.unwrap_or_default()),
            Self::Note => (EventKind::Note, ack.seq.unwrap_or_default()),
        };
        let event = stored
            .events
            .iter()
            .find(|e| e.seq == seq)
            .ok_or_else(|| format!("{ack:?}: no event {seq}"))?;
        let text = match self {
            Self::Raise => stored.subject.as_str(),
            Self::Reply | Self::Note => event.body.as_deref().unwrap_or_default(),
        };
        // An event that tells someone has its outbox row, written with it.
        let told = match self {
            Self::Raise => Some(Topic::RequestRaised),
            Self::Reply => Some(Topic::CustomerReplied),
            Self::Note => None,
        };
        let rows: Vec<Topic> = stored
            .told
            .iter()
            .filter(|(s, _)| *s == seq)
            .map(|(_, t)| *t)
            .collect();
        if rows != told.into_iter().collect::<Vec<_>>() {
            return Err(format!("{ack:?}: event {seq} has outbox rows {rows:?}"));
        }
        if event.kind == kind && text == ack.text {
            Ok(())
        } else {
            Err(format!(
                "{ack:?}: found event {seq} {:?} with {text:?}",
                event.kind
            ))
        }
    }
}

/// What the database holds of a request.
struct Stored {
    subject: String,
    /// Its whole history, internal events included.
    events: Vec<RequestEvent>,
    /// The outbox rows of its events: (event, topic).
    told: Vec<(i64, Topic)>,
}

/// A request id from an answer.
fn request_id(value: &Value) -> RequestId {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("an id in {value}: {e}"))
}

/// A small seeded generator (SplitMix64), so a kill can be replayed
/// without a dependency for it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Where the clients write and as whom.
struct World {
    contract: ContractId,
    service: ServiceId,
    /// A customer's API token (raises, replies).
    customer: String,
    /// The provider's agent's API token (notes).
    agent: String,
}

/// What the clients of one round share.
struct Load {
    http: reqwest::Client,
    address: String,
    world: Arc<World>,
    /// Writes acknowledged so far in the round.
    acknowledged: AtomicUsize,
    /// Set just before the kill: a failed call before it is a bug.
    killed: AtomicBool,
}

/// What one client did in a round.
#[derive(Default)]
struct Tally {
    acks: Vec<Ack>,
    /// Calls sent whose answer the kill cut off.
    in_flight: usize,
    /// Answers other than 2xx, and calls that failed before the kill.
    errors: Vec<String>,
}

/// A provider, a client with a site, a customer at the site and an agent of
/// the provider, a service and a contract covering the site.
async fn world(store: &Arc<dyn Store>) -> World {
    let harbour = seed::harbour(store).await;
    let (provider, leeds) = (harbour.provider.id, harbour.leeds.id);
    let (customer, customer_token) = seed::person(
        store,
        "tom@harbour.example",
        Some(leeds),
        &[(Role::Customer, Some(leeds))],
    )
    .await;
    let (_, agent_token) = seed::person(
        store,
        "arjun@brightwell.example",
        Some(provider),
        &[(Role::Agent, Some(provider))],
    )
    .await;
    let (service, contract) =
        seed::harbour_fm(store, &harbour, ServiceDetails::default(), customer.id).await;
    World {
        contract: contract.id,
        service: service.id,
        customer: customer_token,
        agent: agent_token,
    }
}

/// `kept serve` on the database; its stderr in a file per start.
fn serve(sandbox: &Sandbox, url: &str, start: usize) -> Server {
    let mut command = sandbox.process();
    command
        .arg("serve")
        .env("KEPT_ADDR", "127.0.0.1:0")
        .env("KEPT_DATABASE_URL", url);
    Server::start(command, &sandbox.file(&format!("serve-{start}.stderr")))
}

/// One client: writes until the server stops answering (or refuses, which
/// fails the test). Replies and notes
/// go on the requests raised so far (`known`, then its own).
async fn client(load: Arc<Load>, mut rng: Rng, mut known: Vec<RequestId>, label: String) -> Tally {
    let mut tally = Tally::default();
    for n in 0u64.. {
        let writer = match WRITERS[rng.below(WRITERS.len())] {
            w if w.needs_request() && known.is_empty() => Writer::Raise,
            w => w,
        };
        let on = writer
            .needs_request()
            .then(|| known[rng.below(known.len())]);
        let text = format!("{label} write {n}");
        match writer.write(&load, on, &text).await {
            Ok(ack) => {
                if writer == Writer::Raise {
                    known.push(ack.request);
                }
                tally.acks.push(ack);
                load.acknowledged.fetch_add(1, Ordering::SeqCst);
            }
            Err(Failure::Refused(problem)) => {
                tally.errors.push(problem);
                return tally;
            }
            Err(Failure::Transport(e)) => {
                if !load.killed.load(Ordering::SeqCst) {
                    tally
                        .errors
                        .push(format!("{writer:?} failed before the kill: {e}"));
                } else if !e.is_connect() {
                    tally.in_flight += 1;
                }
                return tally;
            }
        }
    }
    tally
}

/// Reads every request the acknowledged writes went on, with its history,
/// and checks each write; returns what is missing or wrong.
async fn missing(store: &Arc<dyn Store>, acks: &[Ack]) -> Vec<String> {
    let ids: HashSet<RequestId> = acks.iter().map(|a| a.request).collect();
    let mut requests: HashMap<RequestId, Option<Stored>> = HashMap::new();
    for id in ids {
        requests.insert(id, stored(store, id).await);
    }
    acks.iter()
        .filter_map(|ack| {
            let stored = requests.get(&ack.request).and_then(Option::as_ref);
            ack.writer.verify(ack, stored).err()
        })
        .collect()
}

/// What the database holds of request `id`, if anything.
async fn stored(store: &Arc<dyn Store>, id: RequestId) -> Option<Stored> {
    match store.request(id).await {
        Ok(request) => Some(Stored {
            subject: request.subject,
            events: store.request_events(id, true).await.expect("events"),
            told: store
                .outbox_of_request(id)
                .await
                .expect("outbox")
                .into_iter()
                .filter_map(|e| Some((e.seq?, e.topic)))
                .collect(),
        }),
        Err(kept_store::StoreError::NotFound) => None,
        Err(e) => panic!("reading request {id}: {e}"),
    }
}

/// One round's load: [`CLIENTS`] clients write until the server is killed
/// at a drawn moment; returns their tallies and the delay.
async fn load_and_kill(
    server: &mut Server,
    world: &Arc<World>,
    known: &[RequestId],
    rng: &mut Rng,
    label: &str,
) -> (Vec<Tally>, u64) {
    let load = Arc::new(Load {
        http: common::http(),
        address: server.address.clone(),
        world: world.clone(),
        acknowledged: AtomicUsize::new(0),
        killed: AtomicBool::new(false),
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let client_rng = Rng(rng.next());
            let label = format!("{label} client {c}");
            tokio::spawn(client(load.clone(), client_rng, known.to_vec(), label))
        })
        .collect();
    let delay = LOAD_MS.0 + rng.next() % (LOAD_MS.1 - LOAD_MS.0);
    let warming = Instant::now();
    while load.acknowledged.load(Ordering::SeqCst) < CLIENTS
        && !clients.iter().all(|c| c.is_finished())
    {
        assert!(
            warming.elapsed() < common::PATIENCE,
            "{label}: the writes are not acknowledged; stderr:\n{}",
            server.stderr_text()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(delay)).await;
    load.killed.store(true, Ordering::SeqCst);
    server.kill();
    let mut tallies = Vec::with_capacity(CLIENTS);
    for handle in clients {
        tallies.push(handle.await.expect("a client finished"));
    }
    (tallies, delay)
}

/// Rounds of load, kill and restart on `db`; checks after each restart that
/// every write acknowledged so far is there.
async fn crash_and_recover(db: TestDatabase) {
    let backend = db.backend().name();
    let seed = std::env::var("KEPT_TEST_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let mut rng = Rng(seed);
    let started = Instant::now();
    let store = db.store().await;
    let world = Arc::new(world(&store).await);
    store.close().await;
    let sandbox = Sandbox::new();
    let mut server = serve(&sandbox, db.url(), 0);
    let mut acked: Vec<Ack> = Vec::new();
    let mut in_flight = 0;
    for round in 1..=ROUNDS {
        let known: Vec<RequestId> = acked
            .iter()
            .filter(|a| a.writer == Writer::Raise)
            .map(|a| a.request)
            .collect();
        let label = format!("{backend} round {round}");
        let (tallies, delay) = load_and_kill(&mut server, &world, &known, &mut rng, &label).await;
        let errors: Vec<&String> = tallies.iter().flat_map(|t| &t.errors).collect();
        assert!(errors.is_empty(), "{label}: {errors:#?}");
        let round_in_flight: usize = tallies.iter().map(|t| t.in_flight).sum();
        let round_acks: usize = tallies.iter().map(|t| t.acks.len()).sum();
        assert!(round_acks > 0, "{label}: nothing was acknowledged");
        acked.extend(tallies.into_iter().flat_map(|t| t.acks));
        in_flight += round_in_flight;

        server = serve(&sandbox, db.url(), round);
        let health = common::http()
            .get(server.url("/healthz"))
            .send()
            .await
            .expect("healthz answers");
        assert_eq!(health.status(), StatusCode::OK, "{}", server.stderr_text());
        let store = db.store().await;
        let lost = missing(&store, &acked).await;
        store.close().await;
        eprintln!(
            "crash {label}: killed {delay} ms into the load; {round_acks} writes acknowledged, \
             {round_in_flight} in flight; after restart {} of {} found",
            acked.len() - lost.len(),
            acked.len(),
        );
        assert!(
            lost.is_empty(),
            "{label}: acknowledged writes lost: {lost:#?}"
        );
    }
    server.terminate();
    let by_kind: Vec<String> = WRITERS
        .iter()
        .map(|&w| format!("{w:?} {}", acked.iter().filter(|a| a.writer == w).count()))
        .collect();
    eprintln!(
        "crash {backend}: seed {seed}, {ROUNDS} rounds, {} acknowledged writes ({}), \
         {in_flight} in flight at the kills, all {} found after restart, 0 lost, in {:.1} s",
        acked.len(),
        by_kind.join(", "),
        acked.len(),
        started.elapsed().as_secs_f64(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_on_sqlite() {
    crash_and_recover(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_on_postgres() {
    let Some(db) = seed::postgres().await else {
        return;
    };
    crash_and_recover(db).await;
}
