//! `/api/v1/webhooks` and the calls they bring: a receiver started by the
//! test checks every call's Standard Webhooks signature with the secret
//! its subscription was given; each event reaches each subscriber in
//! scope once; an endpoint outside the allowed networks is never called
//! and its delivery dies saying why; nobody sees or deletes another's
//! subscription; bad input is a 422 problem.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus, Uri};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use kept_domain::{Channel, DeliveryState, Role};
use kept_server::Config;
use kept_store::notify::{Delivery, DeliveryQuery};
use kept_store::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::harbour::{LEAK, World, world_on};
use crate::helpers::{Persona, json, problem, spawn_app, spawn_app_with};

/// One call the receiver got.
#[derive(Debug, Clone)]
struct Call {
    path: String,
    id: String,
    body: Value,
    /// Whether its signature matched the path's secret and its timestamp
    /// was within five minutes.
    verified: bool,
}

/// A webhook receiver on loopback that checks signatures as a consumer's
/// library would: it answers 204 to a good one and 401 to any other.
#[derive(Clone, Default)]
struct Receiver {
    secrets: Arc<Mutex<HashMap<String, String>>>,
    calls: Arc<Mutex<Vec<Call>>>,
    port: u16,
}

impl Receiver {
    /// Starts one, listening on every IPv4 address of the host (so that
    /// a call to 127.0.0.2, were it made, would arrive).
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("0.0.0.0:0")
            .await
            .expect("the receiver binds");
        let receiver = Receiver {
            port: listener.local_addr().expect("an address").port(),
            ..Receiver::default()
        };
        let shared = receiver.clone();
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let shared = shared.clone();
            async move { shared.receive(uri, headers, body) }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    /// `http://127.0.0.1:PORT{path}`.
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Expects calls to `path` signed with `secret`.
    fn expect(&self, path: &str, secret: &str) {
        self.secrets
            .lock()
            .expect("the lock")
            .insert(path.to_owned(), secret.to_owned());
    }

    fn receive(&self, uri: Uri, headers: HeaderMap, body: Bytes) -> AxumStatus {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let path = uri.path().to_owned();
        let secret = self.secrets.lock().expect("the lock").get(&path).cloned();
        let verified = secret.is_some_and(|s| {
            verify(
                &s,
                &header("webhook-id"),
                &header("webhook-timestamp"),
                &header("webhook-signature"),
                &body,
            )
        });
        self.calls.lock().expect("the lock").push(Call {
            path,
            id: header("webhook-id"),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            verified,
        });
        if verified {
            AxumStatus::NO_CONTENT
        } else {
            AxumStatus::UNAUTHORIZED
        }
    }

    /// The calls to `path` so far.
    fn calls_to(&self, path: &str) -> Vec<Call> {
        self.calls
            .lock()
            .expect("the lock")
            .iter()
            .filter(|c| c.path == path)
            .cloned()
            .collect()
    }

    fn count(&self) -> usize {
        self.calls.lock().expect("the lock").len()
    }
}

/// The Standard Webhooks check, written from the specification: the key
/// is the base64 after `whsec_`; one of the space-separated `v1,`
/// signatures must be the HMAC-SHA256 of `{id}.{timestamp}.{body}`.
fn verify(secret: &str, id: &str, timestamp: &str, signatures: &str, body: &[u8]) -> bool {
    let Some(key) = secret
        .strip_prefix("whsec_")
        .and_then(|k| STANDARD.decode(k).ok())
    else {
        return false;
    };
    let Ok(sent) = timestamp.parse::<i64>() else {
        return false;
    };
    if (jiff::Timestamp::now().as_second() - sent).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    signatures
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected)
}

/// A server whose webhooks may call 127.0.0.1 over plain HTTP, with its
/// delivery job every 50 ms and `max_attempts` per delivery.
async fn hooked_world(max_attempts: u32) -> World {
    let app = spawn_app_with(TestDatabase::sqlite(), |c: &mut Config| {
        c.webhook_allowed_networks = vec!["127.0.0.1/32".into()];
        c.webhook_allow_http = true;
        c.outbox_interval_ms = 50;
        c.outbox_max_attempts = max_attempts;
        c.outbox_first_retry_seconds = 1;
    })
    .await;
    world_on(app).await
}

/// Subscribes as `who`, which must succeed; returns the created body.
async fn subscribe(w: &World, who: &Persona, body: Value) -> Value {
    json(
        w.app.post("/api/v1/webhooks", &who.token, &body).await,
        StatusCode::CREATED,
    )
    .await
}

/// The Leeds customer raises a leak on the contract; returns the request.
async fn raise_leak(w: &World) -> Value {
    json(
        w.app
            .post(
                "/api/v1/requests",
                &w.leeds_customer.token,
                &json!({ "contract_id": w.contract, "service_id": w.repairs,
                         "kind": "incident", "subject": LEAK }),
            )
            .await,
        StatusCode::CREATED,
    )
    .await
}

/// The webhook deliveries in the outbox.
async fn webhook_deliveries(w: &World) -> Vec<Delivery> {
    w.app
        .store
        .list_deliveries(&DeliveryQuery::default())
        .await
        .expect("deliveries")
        .items
        .into_iter()
        .filter(|d| d.channel == Channel::Webhook)
        .collect()
}

/// Waits (up to ten seconds) until `done` holds.
async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn each_event_reaches_each_subscriber_in_scope_once_signed() {
    let w = hooked_world(8).await;
    let receiver = Receiver::start().await;
    let maya = subscribe(
        &w,
        &w.manager,
        json!({ "url": receiver.url("/maya"),
                "topics": ["request_raised", "provider_replied", "customer_replied"] }),
    )
    .await;
    let secret = maya["secret"].as_str().expect("the secret, once");
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(
        maya["party_id"],
        json!(w.provider.id),
        "the manager's party"
    );
    receiver.expect("/maya", secret);
    let admin = subscribe(
        &w,
        &w.admin,
        json!({ "url": receiver.url("/admin"), "topics": ["request_raised"] }),
    )
    .await;
    assert_eq!(admin["party_id"], Value::Null, "every contract");
    receiver.expect("/admin", admin["secret"].as_str().expect("a secret"));
    let stranger = subscribe(
        &w,
        &w.stranger,
        json!({ "url": receiver.url("/stranger"), "topics": ["request_raised"] }),
    )
    .await;
    receiver.expect("/stranger", stranger["secret"].as_str().expect("a secret"));

    let raised = raise_leak(&w).await;
    let id = raised["id"].as_str().expect("an id");
    json(
        w.app
            .post(
                &format!("/api/v1/requests/{id}/replies"),
                &w.agent.token,
                &json!({ "body": "An engineer is on the way" }),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;

    until("three calls arrived", async || receiver.count() >= 3).await;
    // Ten more passes of the job: nothing is sent twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let to_maya = receiver.calls_to("/maya");
    let mut types: Vec<&str> = to_maya
        .iter()
        .map(|c| c.body["type"].as_str().expect("a type"))
        .collect();
    types.sort_unstable();
    assert_eq!(types, ["provider_replied", "request_raised"], "{to_maya:?}");
    assert_eq!(receiver.calls_to("/admin").len(), 1);
    assert!(
        receiver.calls_to("/stranger").is_empty(),
        "another provider's manager hears nothing of this contract"
    );
    assert_eq!(receiver.count(), 3, "each event once");
    for call in receiver.calls.lock().expect("the lock").iter() {
        assert!(call.verified, "a good signature: {call:?}");
        assert_eq!(
            call.body["id"],
            json!(call.id),
            "webhook-id is the event's id"
        );
        assert!(
            call.body["timestamp"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
        let data = &call.body["data"];
        assert_eq!(data["id"], json!(id));
        assert_eq!(data["number"], raised["number"]);
        assert_eq!(data["subject"], LEAK);
        assert_eq!(data["customer"], "Harbour Leeds");
        assert_eq!(data["contract"], "Harbour FM");
        assert!(data.get("status").is_some() && data.get("due_at").is_some());
        assert!(
            !call.body.to_string().contains("engineer"),
            "what was said stays out of the body"
        );
    }
    assert_ne!(to_maya[0].id, to_maya[1].id, "one id per event");
    let deliveries = webhook_deliveries(&w).await;
    assert_eq!(deliveries.len(), 3);
    assert!(deliveries.iter().all(|d| d.state == DeliveryState::Sent));
}

#[tokio::test]
async fn an_endpoint_outside_the_allowed_networks_is_never_called_and_its_delivery_dies() {
    let w = hooked_world(2).await;
    let receiver = Receiver::start().await;
    // 127.0.0.2 reaches the receiver (it listens on every address) but is
    // outside 127.0.0.1/32.
    let blocked = format!("http://127.0.0.2:{}/blocked", receiver.port);
    let hook = subscribe(
        &w,
        &w.manager,
        json!({ "url": blocked, "topics": ["request_raised"] }),
    )
    .await;
    receiver.expect("/blocked", hook["secret"].as_str().expect("a secret"));

    raise_leak(&w).await;

    until("the delivery is dead", async || {
        webhook_deliveries(&w)
            .await
            .first()
            .is_some_and(|d| d.state == DeliveryState::Dead)
    })
    .await;
    let dead = webhook_deliveries(&w).await.remove(0);
    assert_eq!(dead.attempts, 2, "the configured attempts, then no more");
    let error = dead.last_error.expect("why");
    assert!(error.contains("127.0.0.2"), "{error}");
    assert!(error.contains("outside the networks"), "{error}");
    assert!(error.contains("nothing was sent"), "{error}");
    assert_eq!(receiver.count(), 0, "never called");
}

#[tokio::test]
async fn nobody_sees_or_deletes_anothers_subscription() {
    let w = world_on(spawn_app().await).await;
    let made = subscribe(
        &w,
        &w.manager,
        json!({ "url": "https://hooks.brightwell.example/kept", "topics": ["request_breached"] }),
    )
    .await;
    let id = made["id"].as_str().expect("an id");
    let path = format!("/api/v1/webhooks/{id}");
    let colleague = w
        .app
        .persona(
            "lee@brightwell.example",
            Some(w.provider.id),
            &[(Role::Manager, w.provider.id)],
        )
        .await;
    let listed = |who: &Persona| {
        let who = who.clone();
        let app = &w.app;
        async move {
            json(
                app.get("/api/v1/webhooks", &who.token).await,
                StatusCode::OK,
            )
            .await
        }
    };

    for outsider in [&w.leeds_customer, &w.stranger, &w.agent] {
        assert_eq!(listed(outsider).await, json!([]), "{}", outsider.user.email);
        problem(
            w.app.delete(&path, &outsider.token).await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
    }
    let seen = listed(&colleague).await;
    assert_eq!(
        seen[0]["id"],
        json!(id),
        "a manager of the same party sees it"
    );
    assert!(seen[0].get("secret").is_none(), "never the secret again");
    assert_eq!(listed(&w.admin).await.as_array().map(Vec::len), Some(1));
    problem(
        w.app
            .post(
                "/api/v1/webhooks",
                &w.leeds_customer.token,
                &json!({ "url": "https://x.example", "topics": ["request_raised"] }),
            )
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let deleted = json(w.app.delete(&path, &w.manager.token).await, StatusCode::OK).await;
    assert!(deleted["archived_at"].is_string());
    problem(
        w.app.delete(&path, &w.manager.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    assert_eq!(listed(&w.manager).await, json!([]));
}

#[tokio::test]
async fn invalid_subscriptions_are_refused_naming_the_field() {
    let w = world_on(spawn_app().await).await;
    let good = json!({ "url": "https://hooks.example/in", "topics": ["request_raised"] });
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    let cases = [
        (with("url", json!("http://hooks.example/in")), "url"),
        (with("url", json!("https://")), "url"),
        (with("url", json!("https://exa mple.com")), "url"),
        (with("url", json!("ftp://hooks.example")), "url"),
        (
            with(
                "url",
                json!(format!("https://x.example/{}", "a".repeat(2000))),
            ),
            "url",
        ),
        (with("topics", json!([])), "topics"),
        (with("topics", json!(["nope"])), "topics[0]"),
        (
            with("topics", json!(["request_raised", "request_raised"])),
            "topics[1]",
        ),
        (with("party_id", json!(w.head_office.id)), "party_id"),
        (with("extra", json!(1)), "extra"),
    ];
    for (body, field) in cases {
        let refused = problem(
            w.app
                .post("/api/v1/webhooks", &w.manager.token, &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        let fields: Vec<&str> = refused["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(fields.contains(&field), "{body}: {refused}");
    }
    let unknown = with("party_id", json!(kept_domain::PartyId::new()));
    problem(
        w.app
            .post("/api/v1/webhooks", &w.admin.token, &unknown)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    let two = w
        .app
        .persona(
            "two@brightwell.example",
            Some(w.provider.id),
            &[
                (Role::Manager, w.provider.id),
                (Role::Manager, w.head_office.id),
            ],
        )
        .await;
    let which = problem(
        w.app.post("/api/v1/webhooks", &two.token, &good).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(which["errors"][0]["field"], "party_id", "{which}");
    assert_eq!(
        json(
            w.app.get("/api/v1/webhooks", &w.admin.token).await,
            StatusCode::OK
        )
        .await,
        json!([]),
        "nothing was made"
    );
}

#[tokio::test]
async fn a_subscription_falls_silent_when_its_owner_no_longer_manages_its_party() {
    let w = hooked_world(8).await;
    let receiver = Receiver::start().await;
    let hook = subscribe(
        &w,
        &w.manager,
        json!({ "url": receiver.url("/maya"), "topics": ["request_raised"] }),
    )
    .await;
    receiver.expect("/maya", hook["secret"].as_str().expect("a secret"));
    raise_leak(&w).await;
    until("the first call arrived", async || receiver.count() == 1).await;

    let grants_path = format!("/api/v1/users/{}/grants", w.manager.user.id);
    let grants = json(
        w.app.get(&grants_path, &w.admin.token).await,
        StatusCode::OK,
    )
    .await;
    let grant = grants
        .as_array()
        .and_then(|g| g.iter().find(|g| g["role"] == "manager"))
        .expect("the manager's grant");
    let revoke = format!("{grants_path}/{}", grant["id"].as_str().expect("an id"));
    json(w.app.delete(&revoke, &w.admin.token).await, StatusCode::OK).await;
    raise_leak(&w).await;

    until("the second request is fanned out", async || {
        w.app
            .store
            .outbox_stats()
            .await
            .is_ok_and(|s| s.undispatched == 0)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.count(), 1, "nothing more for a former manager");
    assert_eq!(webhook_deliveries(&w).await.len(), 1);
}
