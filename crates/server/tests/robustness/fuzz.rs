//! A fuzz-ish test of every operation of the OpenAPI document (read at run
//! time), aimed at real objects, with a seeded generator so that a failure
//! can be reproduced.
//!
//! First a world is seeded through the API, as an admin, with real instances
//! of every resource (parties, users, grants, tokens, calendars, services,
//! links, contracts, terms versions, change requests in each state, requests
//! with a reply, a note and an escalation). Then, round after round, every
//! POST, PUT, PATCH and DELETE is sent, in a new order each round, with its
//! path parameters filled mostly with real ids (sometimes a random UUID or
//! garbage) and a body that is mostly the valid one or a mutation of it
//! (sometimes random JSON, nothing, or bytes that are not JSON); every GET
//! is sent with a random query string. Each round also walks the seed steps
//! again, with the newest ids and mostly valid (sometimes mutated) bodies, so
//! that objects reach the states deep in their lifecycles (a change request
//! approved, then applied) where the steps meet broken bodies too. Items
//! that a 201 names are aimed at in later rounds; the seeded ones that a
//! round archived are restored.
//!
//! Nothing may answer 5xx, every error is a problem document, every success
//! is plausible (see [`check::plausible`]), and nearly every operation
//! succeeds at least once (or the fuzzer is no longer aimed at anything
//! real).
//!
//! The real ids and valid bodies come from one table, [`table::resources`]
//! in `fuzz/table.rs`: adding a resource to the API is adding one entry
//! there (a new route with a body of an existing resource, one line in its
//! entry). The test fails before fuzzing, saying what to add there, when an
//! operation of the document has no valid body or a path parameter no entry.
//!
//! `KEPT_FUZZ_SEED=<n>` runs another sequence.

mod check;
mod generate;
mod known;
mod table;

use std::collections::BTreeMap;

use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::check_well_formed;
use crate::helpers::{TestApp, json, spawn_app};
use check::{Answer, Operation, owner, parameters, plausible, table_covers};
use generate::Rng;
use table::{Known, MakeBody, Resource};

/// The sequence run unless `KEPT_FUZZ_SEED` names another.
const DEFAULT_SEED: u64 = 0x6b65_7074_2d66_757a;

/// Path parameters that are neither real nor UUIDs.
const GARBAGE: &[&str] = &[
    "x",
    "0",
    "-1",
    "4294967296",
    "not-a-uuid",
    "%00",
    "%FF%FE",
    "%20",
    "01890000-0000-7000-8000-00000000000g",
    "01890000000070008000000000000000",
    "{01890000-0000-7000-8000-000000000000}",
    "%F0%9F%98%80",
];

/// How a fuzzed request is made.
#[derive(Clone, Copy)]
enum Mode {
    /// Any real id, or a random one, and a body mostly broken one way or
    /// another.
    Wild,
    /// A step of a seed walk: the newest real ids and mostly the valid body,
    /// so that objects reach the states deep in their lifecycles (a change
    /// request approved, then applied) and the steps there meet broken
    /// bodies too.
    Walk,
}

/// How a path's parameters are filled.
enum Aim<'a> {
    /// The newest real id of each, as seeding does.
    Latest,
    /// Mostly a real id, sometimes a random UUID or garbage.
    Random(&'a mut Rng),
}

/// Fills the parameters of `template`; returns the path and the values.
///
/// The deepest parameter is filled first: a real item brings the ids of its
/// parents in the path (a terms version its contract), so that a real child
/// is asked for under its real parent.
fn fill_path(
    template: &str,
    resources: &[Resource],
    known: &Known,
    mut aim: Aim<'_>,
) -> (String, Vec<String>) {
    let params = parameters(template);
    let mut values: Vec<Option<String>> = vec![None; params.len()];
    for (k, (_, prefix)) in params.iter().enumerate().rev() {
        if values[k].is_some() {
            continue;
        }
        let item = owner(resources, prefix).map_or("", |r| r.item);
        let pool = known.pool(item);
        let real = match &mut aim {
            Aim::Latest => pool.last(),
            // The newest a third of the time (what was just made, or just
            // took a step, is likeliest to take the next step of its
            // lifecycle), any real one a third, else a random UUID or garbage.
            Aim::Random(rng) => match rng.below(20) {
                0..=6 => pool.last(),
                7..=13 if !pool.is_empty() => Some(rng.pick(pool)),
                _ => None,
            },
        };
        match (real, &mut aim) {
            (Some(real), _) => {
                for (slot, value) in values.iter_mut().zip(real) {
                    slot.get_or_insert_with(|| value.clone());
                }
            }
            (None, Aim::Random(rng)) => {
                values[k] = Some(if rng.chance(50) {
                    rng.uuid()
                } else {
                    (*rng.pick(GARBAGE)).to_owned()
                });
            }
            (None, Aim::Latest) => {}
        }
    }
    let values: Vec<String> = values.into_iter().map(Option::unwrap_or_default).collect();
    (path_of(template, &values), values)
}

/// `template` with its parameters replaced by `values`, in order.
fn path_of(template: &str, values: &[String]) -> String {
    let mut segments: Vec<String> = template.split('/').map(str::to_owned).collect();
    for ((i, _), value) in parameters(template).iter().zip(values) {
        segments[*i] = value.clone();
    }
    segments.join("/")
}

/// The valid body of an operation, if the table has one.
fn valid_body(resources: &[Resource], method: &Method, template: &str) -> Option<MakeBody> {
    resources
        .iter()
        .flat_map(|r| &r.bodies)
        .find(|v| v.method == *method && v.template == template)
        .map(|v| v.make)
}

/// Sends one request as `token` and reads the answer.
async fn send(
    app: &TestApp,
    token: &str,
    method: &Method,
    path: &str,
    body: Option<Vec<u8>>,
    content_type: Option<&str>,
    idempotency_key: Option<String>,
) -> Answer {
    let mut request = app
        .client
        .request(method.clone(), app.url(&format!("/api/v1{path}")))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.body(body);
    }
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    if let Some(key) = idempotency_key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.expect("request sent");
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (content_type, location) = (header(CONTENT_TYPE), header(LOCATION));
    Answer {
        status: response.status().as_u16(),
        content_type: content_type.unwrap_or_default(),
        location,
        text: response.text().await.expect("a body"),
    }
}

/// Builds the world: runs every seed step of the table in order, each of
/// which must succeed, remembering the ids they create.
async fn seed_world(app: &TestApp, token: &str, resources: &[Resource], known: &mut Known) {
    for seed in resources.iter().flat_map(|r| &r.seeds) {
        let (path, values) = fill_path(seed.template, resources, known, Aim::Latest);
        let body = seed
            .body
            .or_else(|| valid_body(resources, &seed.method, seed.template))
            .map(|make| make(known, 0));
        let raw = table::raw(seed.template);
        let bytes = body.as_ref().map(|b| encode(b, raw.is_some()));
        let (media, token) = raw.unwrap_or(("application/json", token));
        let answer = send(app, token, &seed.method, &path, bytes, Some(media), None).await;
        let what = format!(
            "seeding the fuzzer's world (fuzz/table.rs): {} {path} {body:?}",
            seed.method
        );
        assert!(
            (200..300).contains(&answer.status),
            "{what} answered {}: {}",
            answer.status,
            answer.text
        );
        let created = plausible(
            resources,
            &seed.method,
            seed.template,
            &values,
            body.as_ref(),
            &answer,
        )
        .unwrap_or_else(|why| panic!("{what}: {why}"));
        match (created, seed.name) {
            (Some((item, values)), name) => {
                if let (Some(name), Some(id)) = (name, values.last()) {
                    known.name(name, id.clone());
                }
                known.learn(item, values);
            }
            (None, Some(name)) => panic!("{what}: names `{name}` but creates nothing"),
            (None, None) => {}
        }
        for (item, values) in seed.learn.map(|learn| learn(known)).unwrap_or_default() {
            known.learn(item, values);
        }
    }
}

/// A valid body as sent: JSON, or the raw body a [`table::RAW`]
/// operation's valid body holds as a JSON string.
fn encode(body: &Value, raw: bool) -> Vec<u8> {
    match (raw, body) {
        (true, Value::String(text)) => text.clone().into_bytes(),
        _ => body.to_string().into_bytes(),
    }
}

/// The body one fuzzed request sends, and that body as JSON when the
/// operation takes one (for the checks of a success).
fn fuzzed_body(
    rng: &mut Rng,
    valid: Option<Value>,
    fields: &[String],
    mode: Mode,
    raw: bool,
) -> (Option<Vec<u8>>, Option<Value>) {
    let takes_body = valid.is_some();
    let choice = match (mode, rng.below(10)) {
        // Along a walk: the valid body, sometimes mutated.
        (Mode::Walk, 0..=5) => 0,
        (Mode::Walk, _) if takes_body => 3,
        (Mode::Walk, _) => 8,
        (Mode::Wild, choice) => choice,
    };
    let bytes = match (valid, choice) {
        (Some(valid), 0..=2) => encode(&valid, raw),
        (Some(valid), 3..=6) => generate::mutate(rng, &valid, fields).into_bytes(),
        (None, 0..=4) => return (None, None),
        (None, 5..=6) => b"{}".to_vec(),
        (_, 7) => generate::random_json(rng, 4, fields).into_bytes(),
        (_, 8) => return (None, None),
        _ => generate::junk(rng),
    };
    // What a route without a body ignores is not checked against the answer.
    let parsed = serde_json::from_slice(&bytes).ok().filter(|_| takes_body);
    (Some(bytes), parsed)
}

/// Tallies of a run, and what went wrong.
#[derive(Default)]
struct Tally {
    /// Requests sent.
    sent: usize,
    /// Answers by status.
    statuses: BTreeMap<u16, usize>,
    /// Successes by operation (method and path).
    succeeded: BTreeMap<String, usize>,
    /// What went wrong, with the request that caused it.
    failures: Vec<String>,
}

impl Tally {
    fn count(&mut self, status: u16) {
        self.sent += 1;
        *self.statuses.entry(status).or_default() += 1;
    }

    fn in_range(&self, range: std::ops::Range<u16>) -> usize {
        self.statuses.range(range).map(|(_, n)| n).sum()
    }
}

/// A fuzzing run: the server, the caller, what is known of the world and
/// what has happened so far.
struct Fuzzer<'a> {
    app: &'a TestApp,
    token: String,
    resources: Vec<Resource>,
    known: Known,
    /// Field names of the valid bodies, so that random objects hit real ones.
    fields: Vec<String>,
    rng: Rng,
    tally: Tally,
    /// Numbers the valid bodies, keeping names, emails and dates apart.
    n: u64,
}

impl Fuzzer<'_> {
    /// Sends one random request to a POST, PUT, PATCH or DELETE and checks
    /// the answer; remembers what a 201 created. `own` is a body to send
    /// (or mutate) instead of the table's valid one.
    async fn mutation(
        &mut self,
        method: &Method,
        template: &str,
        own: Option<MakeBody>,
        mode: Mode,
        round: usize,
    ) {
        self.n += 1;
        let aim = match mode {
            Mode::Wild => Aim::Random(&mut self.rng),
            Mode::Walk => Aim::Latest,
        };
        let (path, values) = fill_path(template, &self.resources, &self.known, aim);
        let valid = own
            .or_else(|| valid_body(&self.resources, method, template))
            .map(|make| make(&self.known, self.n));
        let raw = table::raw(template);
        let (body, parsed) = fuzzed_body(&mut self.rng, valid, &self.fields, mode, raw.is_some());
        let (media, token) = raw.unwrap_or(("application/json", self.token.as_str()));
        let token = token.to_owned();
        let content_type = match (mode, self.rng.below(20)) {
            (Mode::Wild, 0) => None,
            (Mode::Wild, 1) => Some("text/plain"),
            _ => Some(media),
        };
        let key = (matches!(mode, Mode::Wild) && *method == Method::POST && self.rng.chance(5))
            .then(|| format!("fuzz-{}", self.rng.below(8)));
        let shown = String::from_utf8_lossy(body.as_deref().unwrap_or_default()).into_owned();
        let answer = send(self.app, &token, method, &path, body, content_type, key).await;
        self.tally.count(answer.status);
        let mut verdict = check_well_formed(answer.status, &answer.content_type, &answer.text);
        if verdict.is_ok() && (200..300).contains(&answer.status) {
            let operation = format!("{method} {template}");
            *self.tally.succeeded.entry(operation).or_default() += 1;
            if let Some((_, prefix)) = parameters(template).last() {
                self.known.touch(prefix, &values);
            }
            match plausible(
                &self.resources,
                method,
                template,
                &values,
                parsed.as_ref(),
                &answer,
            ) {
                Ok(Some((item, values))) => self.known.learn(item, values),
                Ok(None) => {}
                Err(why) => verdict = Err(format!("implausible success: {why}")),
            }
        }
        if let Err(why) = verdict {
            self.tally.failures.push(format!(
                "round {round}: {method} /api/v1{path} ({content_type:?}) body {shown:?}\n    → {}",
                why.escape_debug()
            ));
        }
    }

    /// Sends a GET with a random query string and checks the answer.
    async fn read(&mut self, op: &Operation, round: usize) {
        let aim = Aim::Random(&mut self.rng);
        let (path, _) = fill_path(&op.template, &self.resources, &self.known, aim);
        let url = format!("{path}?{}", random_query(&mut self.rng, &op.query));
        let answer = send(self.app, &self.token, &Method::GET, &url, None, None, None).await;
        self.tally.count(answer.status);
        if let Err(why) = check_well_formed(answer.status, &answer.content_type, &answer.text) {
            self.tally.failures.push(format!(
                "round {round}: GET /api/v1{url}\n    → {}",
                why.escape_debug()
            ));
        }
    }

    /// Restores every named object of the seeded world that a round may
    /// have archived (where its resource has a restore route), so that the
    /// valid bodies naming it stay valid in later rounds.
    async fn restore_seeded(&mut self, targets: &[Operation]) {
        for (item, values) in self.known.named_items() {
            let template = format!("{item}/restore");
            let restorable = targets
                .iter()
                .any(|op| op.method == Method::POST && op.template == template);
            if !restorable {
                continue;
            }
            let path = path_of(&template, &values);
            let answer = send(
                self.app,
                &self.token,
                &Method::POST,
                &path,
                None,
                None,
                None,
            )
            .await;
            self.tally.count(answer.status);
            if let Err(why) = check_well_formed(answer.status, &answer.content_type, &answer.text) {
                let failure = format!("restoring: POST /api/v1{path}\n    → {why}");
                self.tally.failures.push(failure);
            }
        }
    }
}

/// Seeds a world through the API, then sends `rounds` random requests to
/// every POST, PUT, PATCH and DELETE and to every GET's query string, aimed
/// at it; panics listing each 5xx, malformed error or implausible success.
pub async fn fuzz_every_route(app: &TestApp, rounds: usize) {
    let seed = std::env::var("KEPT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let admin = app.admin().await;
    let spec = json(
        app.client
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .expect("sent"),
        StatusCode::OK,
    )
    .await;
    let targets = check::operations(&spec, &["post", "put", "patch", "delete"]);
    let reads = check::operations(&spec, &["get"]);
    let resources = table::resources();
    table_covers(&[targets.clone(), reads.clone()].concat(), &resources);
    let mut known = Known::default();
    known.name("admin", admin.user.id.to_string());
    seed_world(app, &admin.token, &resources, &mut known).await;
    let mut fields = Vec::new();
    for body in resources.iter().flat_map(|r| &r.bodies) {
        generate::field_names(&(body.make)(&known, 0), &mut fields);
    }
    fields.sort();
    fields.dedup();
    let mut fuzzer = Fuzzer {
        app,
        token: admin.token,
        resources,
        known,
        fields,
        rng: Rng::new(seed),
        tally: Tally::default(),
        n: 0,
    };

    let walk: Vec<(Method, &str, Option<MakeBody>)> = table::resources()
        .into_iter()
        .flat_map(|r| r.seeds)
        .map(|seed| (seed.method, seed.template, seed.body))
        .collect();
    for round in 0..rounds {
        // In a new order each round, so that steps meet objects in new states.
        for i in generate::shuffled(&mut fuzzer.rng, targets.len()) {
            let op = &targets[i];
            fuzzer
                .mutation(&op.method, &op.template, None, Mode::Wild, round)
                .await;
        }
        fuzzer.restore_seeded(&targets).await;
        for (method, template, own) in &walk {
            fuzzer
                .mutation(method, template, *own, Mode::Walk, round)
                .await;
        }
        for op in &reads {
            fuzzer.read(op, round).await;
        }
    }

    report(app, &fuzzer.token, seed, &targets, &fuzzer.tally).await;
}

/// Up to three parameters, mostly the operation's own, with random values.
fn random_query(rng: &mut Rng, params: &[String]) -> String {
    let pairs: Vec<String> = (0..rng.below(4))
        .map(|_| {
            let key = if params.is_empty() || rng.chance(10) {
                "zz".to_owned()
            } else {
                rng.pick(params).clone()
            };
            let raw: String =
                serde_json::from_str(&generate::random_string(rng)).unwrap_or_default();
            format!("{key}={}", form_encode(&raw))
        })
        .collect();
    pairs.join("&")
}

/// Prints what the run did and fails on anything that went wrong.
async fn report(app: &TestApp, token: &str, seed: u64, targets: &[Operation], tally: &Tally) {
    let never: Vec<String> = targets
        .iter()
        .map(|op| format!("{} {}", op.method, op.template))
        .filter(|op| !tally.succeeded.contains_key(op))
        .collect();
    println!(
        "seed {seed}: {} requests, statuses {:?}; {} of {} mutations succeeded at least once; never: {never:?}",
        tally.sent,
        tally.statuses,
        targets.len() - never.len(),
        targets.len()
    );
    // The fuzzer's own token still works, and the requests reached handlers
    // (some succeeded, some were refused field by field), not only 401s and
    // 404s: its ids are real and its bodies valid enough that most
    // operations succeeded at least once.
    json(app.get("/api/v1/me", token).await, StatusCode::OK).await;
    assert!(
        tally.in_range(200..300) >= tally.sent / 20 && tally.in_range(422..423) >= tally.sent / 10,
        "the fuzzer mostly misses the handlers: {:?}",
        tally.statuses
    );
    assert!(
        never.len() * 10 <= targets.len(),
        "the fuzzer rarely gets past the refusals: {} operations never succeeded: {never:?}",
        never.len()
    );
    assert!(
        tally.failures.is_empty(),
        "seed {seed} (rerun with KEPT_FUZZ_SEED={seed}): {} of {} requests failed:\n{}",
        tally.failures.len(),
        tally.sent,
        tally
            .failures
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Percent-encodes every byte but unreserved characters.
fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn fuzzing_every_route_never_gets_a_server_error() {
    let app = spawn_app().await;

    fuzz_every_route(&app, 30).await;
}
