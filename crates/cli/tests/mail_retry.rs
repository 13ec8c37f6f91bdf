//! A delivery the SMTP server refuses, end to end: the real `kept serve`
//! (SQLite) retries it on schedule (exponential backoff with jitter, from
//! `KEPT_OUTBOX_FIRST_RETRY_SECONDS`), dead-letters it after
//! `KEPT_OUTBOX_MAX_ATTEMPTS`, leaves it dead, and delivers it once an
//! admin retries it from the outbox page.

mod common;
#[path = "common/mail.rs"]
mod mail;
#[path = "common/mail_world.rs"]
mod mail_world;
#[path = "common/seed.rs"]
mod seed;
#[path = "common/smtp_sink.rs"]
mod smtp_sink;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kept_domain::{DeliveryId, DeliveryState};
use kept_store::Store;
use kept_store::notify::Delivery;
use kept_store::testing::TestDatabase;
use reqwest::StatusCode;

use common::{Sandbox, Server};
use mail::{DOMAIN, Mail};
use mail_world::{deliveries, id, raise, world};
use smtp_sink::{FailAt, Refused, SmtpSink};

/// The admin who retries by hand.
const ADMIN: &str = "admin@kept.test";

/// Waits (20 s at most) until delivery `id` is in `state`; returns it.
async fn until(store: &Arc<dyn Store>, id: DeliveryId, state: DeliveryState) -> Delivery {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let delivery = store.delivery(id).await.expect("the delivery");
        if delivery.state == state {
            return delivery;
        }
        assert!(
            Instant::now() < deadline,
            "not {state} in time: {delivery:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The CSRF token in a page's form.
fn csrf(page: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("a CSRF token") + marker.len();
    page[start..start + page[start..].find('"').expect("a closing quote")].to_owned()
}

/// A browser-like client signed in as `email`.
async fn signed_in(server: &Server, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let login = client
        .get(server.url("/login"))
        .send()
        .await
        .expect("the login page");
    let token = csrf(&login.text().await.expect("a body"));
    let form = [
        ("csrf_token", token.as_str()),
        ("email", email),
        ("password", common::PASSWORD),
    ];
    let response = client
        .post(server.url("/login"))
        .form(&form)
        .send()
        .await
        .expect("signed in");
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "signed in as {email}"
    );
    client
}

/// The waits between the refused attempts were the policy's: after the
/// first failure 0.5–1 s (the first retry, 1 s, with jitter over its upper
/// half), after the second 1–2 s; a pass every 100 ms, and slack for a busy
/// machine, on top.
fn check_schedule(refused: &[Refused]) {
    let slack = Duration::from_millis(1500);
    for (n, (low, high)) in [(0, (500, 1000)), (1, (1000, 2000))] {
        let waited = refused[n + 1]
            .at
            .duration_since(refused[n].at)
            .expect("in order");
        assert!(
            waited >= Duration::from_millis(low) && waited <= Duration::from_millis(high) + slack,
            "attempt {} came {waited:?} after attempt {}",
            n + 2,
            n + 1
        );
    }
}

/// Retries delivery `id` from the outbox page's list of dead letters.
async fn retry_by_hand(server: &Server, id: DeliveryId) {
    let admin = signed_in(server, ADMIN).await;
    let page = admin
        .get(server.url("/admin/outbox?state=dead"))
        .send()
        .await
        .expect("the outbox page")
        .text()
        .await
        .expect("a body");
    assert!(page.contains(&format!("id=\"delivery-{id}\"")), "{page}");
    let retry = format!("/admin/outbox/{id}/retry");
    assert!(page.contains(&format!("action=\"{retry}\"")), "{page}");
    let response = admin
        .post(server.url(&retry))
        .form(&[("csrf_token", csrf(&page))])
        .send()
        .await
        .expect("retried");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_refused_three_times_is_retried_on_schedule_dead_lettered_and_retried_by_hand() {
    let db = TestDatabase::sqlite();
    let store = db.store().await;
    let w = world(&store).await;
    let sandbox = Sandbox::new();
    sandbox
        .kept()
        .env("KEPT_DATABASE_URL", db.url())
        .args(["user", "add", "--email", ADMIN, "--name", "Ada Admin"])
        .arg("--admin")
        .write_stdin(format!("{}\n", common::PASSWORD))
        .assert()
        .success();
    let sink = SmtpSink::start();
    // Two refusals at RCPT TO, the third at DATA (set once two are in).
    sink.fail_next(2, FailAt::Rcpt);
    let extra = [
        ("KEPT_OUTBOX_FIRST_RETRY_SECONDS", "1"),
        ("KEPT_OUTBOX_MAX_ATTEMPTS", "3"),
    ];
    let mut server = mail::serve(&sandbox, db.url(), sink.port(), "dead", &extra);
    let leak = raise(&server, &w, &w.tom, w.repairs, "Leaking tap").await;

    let deadline = Instant::now() + Duration::from_secs(20);
    while sink.refused().len() < 2 {
        assert!(Instant::now() < deadline, "refused: {:?}", sink.refused());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sink.fail_next(1, FailAt::Data);
    let rows = deliveries(&store).await;
    assert_eq!(rows.len(), 1, "one acknowledgement");
    let delivery = rows.into_values().next().expect("a delivery").id;
    let died = until(&store, delivery, DeliveryState::Dead).await;
    assert_eq!(died.attempts, 3);
    let error = died.last_error.as_deref().unwrap_or_default();
    assert!(error.contains("451"), "{died:?}");
    let refused = sink.refused();
    let steps: Vec<FailAt> = refused.iter().map(|r| r.at_step).collect();
    assert_eq!(steps, [FailAt::Rcpt, FailAt::Rcpt, FailAt::Data]);
    check_schedule(&refused);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sink.count(),
        0,
        "a dead letter is not tried again by itself"
    );

    retry_by_hand(&server, delivery).await;
    let delivered = Mail::parse(&sink.wait_for(1, Duration::from_secs(20)).await[0]);
    assert_eq!(delivered.message_id, format!("<{delivery}@{DOMAIN}>"));
    let thread = format!("<request-{}@{DOMAIN}>", id(&leak));
    assert_eq!(delivered.in_reply_to, Some(thread));
    let sent = until(&store, delivery, DeliveryState::Sent).await;
    assert_eq!(sent.attempts, 4, "three attempts and the admin's");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.count(), 1, "delivered once");
    assert!(server.terminate().success());
}
