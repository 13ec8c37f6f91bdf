//! The route itself: its own token, its media type, its size limit, and
//! the messages it refuses unread, which change nothing.

use base64::Engine;
use kept_store::notify::inbound::InboundQuery;
use kept_store::testing::TestDatabase;
use reqwest::StatusCode;

use super::{INTAKE, mail_world, message, post_mail, received};
use crate::harbour::LEAK;
use crate::helpers::{INBOUND_TOKEN, json, problem, spawn_app_with};

/// A request to the hook without a body yet.
fn hook(app: &crate::helpers::TestApp) -> reqwest::RequestBuilder {
    app.client.post(app.url("/api/v1/inbound-email"))
}

#[tokio::test]
async fn the_hook_takes_its_own_token_as_bearer_or_basic_and_nothing_else() {
    let world = mail_world().await;
    let raw = message(
        "someone@example.com",
        INTAKE,
        "Hi",
        "t-1@example.com",
        "Hello",
    );

    let none = hook(&world.app)
        .header("content-type", "message/rfc822")
        .body(raw.clone())
        .send()
        .await
        .expect("sent");
    let body = problem(none, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("inbound email token"))
    );
    let api_token = hook(&world.app)
        .bearer_auth(&world.admin.token)
        .header("content-type", "message/rfc822")
        .body(raw.clone())
        .send()
        .await
        .expect("sent");
    problem(api_token, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("mailgun:{INBOUND_TOKEN}"));
    let answer = hook(&world.app)
        .header("authorization", format!("Basic {basic}"))
        .header("content-type", "message/rfc822")
        .body(raw)
        .send()
        .await
        .expect("sent");
    let answer = json(answer, StatusCode::ACCEPTED).await;
    assert_eq!(answer["outcome"], "unknown_sender");
}

#[tokio::test]
async fn the_hook_takes_only_a_message_and_is_off_without_a_token() {
    let world = mail_world().await;
    let json_body = hook(&world.app)
        .bearer_auth(INBOUND_TOKEN)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("sent");
    problem(
        json_body,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;

    let off = spawn_app_with(TestDatabase::sqlite(), |c| c.inbound_email_token.clear()).await;
    let answer = post_mail(&off, b"From: a@b.example\r\n\r\nHi").await;
    problem(answer, StatusCode::NOT_FOUND, "inbound-email-disabled").await;
}

#[tokio::test]
async fn unreadable_messages_get_a_clear_refusal_and_change_nothing() {
    let world = mail_world().await;
    let tom = world.leeds_customer.user.email.to_string();
    let too_large = {
        let mut raw = message(&tom, INTAKE, LEAK, "big@harbour.example", "").into_bytes();
        raw.resize(20 * 1024 * 1024 + 1, b'a');
        raw
    };
    let broken_mime = format!(
        "From: {tom}\r\nTo: {INTAKE}\r\nSubject: {LEAK}\r\nContent-Type: multipart/mixed; boundary=NEVER\r\n\r\nNo parts at all."
    );
    let injected = format!(
        "From: {tom}\r\nTo: {INTAKE}\r\nSubject: =?utf-8?q?Leak=0D=0ABcc=3A_all=40harbour=2Eexample?=\r\n\r\nHi"
    );

    let big = post_mail(&world.app, &too_large).await;
    let body = problem(big, StatusCode::PAYLOAD_TOO_LARGE, "mail-too-large").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("20 MiB"))
    );
    let broken = post_mail(&world.app, broken_mime.as_bytes()).await;
    let body = problem(broken, StatusCode::BAD_REQUEST, "malformed-mail").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("boundary")),
        "{body}"
    );
    problem(
        post_mail(&world.app, b"this is not a message").await,
        StatusCode::BAD_REQUEST,
        "malformed-mail",
    )
    .await;
    let injection = post_mail(&world.app, injected.as_bytes()).await;
    let body = problem(injection, StatusCode::UNPROCESSABLE_ENTITY, "unsafe-mail").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Subject")),
        "{body}"
    );

    let recorded = world
        .app
        .store
        .list_inbound(&InboundQuery::default())
        .await
        .expect("list");
    assert!(recorded.items.is_empty(), "nothing is recorded");
    let requests = json(
        world
            .app
            .get("/api/v1/requests", &world.manager.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(requests["items"].as_array().map(Vec::len), Some(0));
    // A subject with other control characters is only cleaned up.
    let tabbed = message(
        &tom,
        INTAKE,
        "Leaking\ttap in the staff kitchen",
        "tab@harbour.example",
        "Hi",
    );
    let answer = received(&world.app, &tabbed).await;
    assert_eq!(answer["outcome"], "raised", "{answer}");
}

#[tokio::test]
async fn a_message_over_the_apis_one_mebibyte_is_taken_up_to_twenty() {
    let world = mail_world().await;
    let tom = world.leeds_customer.user.email.to_string();
    let raw = format!(
        "From: {tom}\r\nTo: {INTAKE}\r\nSubject: {LEAK}\r\nMessage-ID: <photos@harbour.example>\r\n\
         Content-Type: multipart/mixed; boundary=P\r\n\r\n\
         --P\r\nContent-Type: text/plain\r\n\r\nPhotos attached.\r\n\
         --P\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"kitchen.raw\"\r\n\r\n{}\r\n--P--\r\n",
        "z".repeat(3 * 1024 * 1024)
    );

    let answer = received(&world.app, &raw).await;

    assert_eq!(answer["outcome"], "raised", "{answer}");
    assert_eq!(answer["answered"], true, "told the attachment was not kept");
    assert_eq!(answer["attachments_not_kept"][0]["name"], "kitchen.raw");
    assert_eq!(answer["attachments_not_kept"][0]["size"], 3 * 1024 * 1024);
}
