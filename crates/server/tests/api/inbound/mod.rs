//! `POST /api/v1/inbound-email`: mail in, black-box. The Harbour world on a
//! server that keeps its mail (as the demo does) and delivers it every
//! 50 ms, so a test reads the very mail a person got, replies to its
//! Reply-To address, and reads the answer.

mod intake;
mod replies;
mod route;

use std::time::Duration;

use kept_store::notify::MailQuery;
use kept_store::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harbour::{LEAK, World, world_on};
use crate::helpers::{INBOUND_TOKEN, Persona, TestApp, json, spawn_app_with};

/// The contract's intake address in these tests.
const INTAKE: &str = "facilities@harbour.example";

/// The Harbour world, keeping mail and delivering it every 50 ms; its
/// contract takes requests at [`INTAKE`].
async fn mail_world() -> World {
    let app = spawn_app_with(TestDatabase::sqlite(), |c| {
        c.mail_keep = true;
        c.outbox_interval_ms = 50;
    })
    .await;
    let world = world_on(app).await;
    json(
        world
            .app
            .patch(
                &format!("/api/v1/contracts/{}", world.contract),
                &world.manager.token,
                &json!({ "intake_address": INTAKE }),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    world
}

/// Posts `raw` to the inbound hook with the configured token.
async fn post_mail(app: &TestApp, raw: &[u8]) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/inbound-email"))
        .bearer_auth(INBOUND_TOKEN)
        .header("content-type", "message/rfc822")
        .body(raw.to_vec())
        .send()
        .await
        .expect("sent")
}

/// Posts `raw`, which must be taken in; returns what it did.
async fn received(app: &TestApp, raw: &str) -> Value {
    json(post_mail(app, raw.as_bytes()).await, StatusCode::ACCEPTED).await
}

/// A plain-text message from `from` to `to`.
fn message(from: &str, to: &str, subject: &str, id: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         Date: Mon, 7 Dec 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
}

/// The kept mail to `to` whose subject contains `subject`, waiting for the
/// delivery job (up to 10 s); its whole text.
async fn mail_to(app: &TestApp, to: &str, subject: &str) -> String {
    for _ in 0..200 {
        let kept = app
            .store
            .kept_mail(&MailQuery {
                recipient: Some(to.to_owned()),
                ..MailQuery::default()
            })
            .await
            .expect("kept mail");
        if let Some(mail) = kept.items.iter().find(|m| m.subject.contains(subject)) {
            return mail.message.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail to {to} about {subject:?}");
}

/// The subjects of the mail kept for `to` so far.
async fn subjects_to(app: &TestApp, to: &str) -> Vec<String> {
    app.store
        .kept_mail(&MailQuery {
            recipient: Some(to.to_owned()),
            ..MailQuery::default()
        })
        .await
        .expect("kept mail")
        .items
        .into_iter()
        .map(|m| m.subject)
        .collect()
}

/// The Reply-To address of a kept message.
fn reply_to(message: &str) -> String {
    message
        .lines()
        .find_map(|l| l.strip_prefix("Reply-To: "))
        .expect("a Reply-To header")
        .trim()
        .trim_matches(['<', '>'])
        .to_owned()
}

/// A request `who` raises through the API, with the reply address of the
/// acknowledgement they were mailed; returns its id and that address.
async fn raised_with_reply_address(world: &World, who: &Persona) -> (String, i64, String) {
    let request = json(
        world
            .app
            .post(
                "/api/v1/requests",
                &who.token,
                &json!({
                    "contract_id": world.contract, "service_id": world.repairs,
                    "kind": "incident", "subject": LEAK,
                }),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let number = request["number"].as_i64().expect("a number");
    let ack = mail_to(&world.app, who.user.email.as_str(), &format!("[#{number}]")).await;
    (
        request["id"].as_str().expect("an id").to_owned(),
        number,
        reply_to(&ack),
    )
}

/// A request's events, as the provider's manager sees them.
async fn events(world: &World, id: &str) -> Vec<Value> {
    json(
        world
            .app
            .get(
                &format!("/api/v1/requests/{id}/events"),
                &world.manager.token,
            )
            .await,
        StatusCode::OK,
    )
    .await
    .as_array()
    .cloned()
    .unwrap_or_default()
}
