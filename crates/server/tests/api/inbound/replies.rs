//! Replies by mail: a reply to a notification lands on its request as its
//! sender's public reply; one its sender may not make is refused and
//! answered; automatic mail does nothing.

use reqwest::StatusCode;

use super::{
    events, mail_to, mail_world, message, raised_with_reply_address, received, subjects_to,
};
use crate::helpers::json;

#[tokio::test]
async fn a_reply_to_a_notification_lands_on_its_request_once() {
    let world = mail_world().await;
    let tom = &world.leeds_customer;
    let (id, number, address) = raised_with_reply_address(&world, tom).await;
    assert!(
        address.starts_with(&format!("kept+r{number}-")),
        "{address}"
    );
    let raw = format!(
        "From: Tom <{}>\r\nTo: Kept <{address}>\r\nSubject: Re: [#{number}] Received\r\n\
         Message-ID: <tom-reply-1@harbour.example>\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n\
         --B\r\nContent-Type: text/plain\r\n\r\nIt still drips.\r\n\r\nOn Mon, Kept wrote:\r\n> We have received your request.\r\n\
         --B\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"tap.jpg\"\r\n\r\n{}\r\n--B--\r\n",
        tom.user.email,
        "x".repeat(12_000)
    );

    let answer = received(&world.app, &raw).await;

    assert_eq!(answer["outcome"], "replied", "{answer}");
    assert_eq!(answer["request_number"], number);
    assert_eq!(answer["request_id"], id.as_str());
    assert_eq!(answer["answered"], true);
    assert_eq!(answer["attachments_not_kept"][0]["name"], "tap.jpg");
    let history = events(&world, &id).await;
    let reply = history
        .iter()
        .find(|e| e["kind"] == "reply")
        .expect("a reply");
    assert_eq!(reply["body"], "It still drips.", "the quote is left out");
    assert_eq!(reply["actor"], tom.user.email.as_str());
    assert_eq!(reply["data"]["side"], "customer");
    assert_eq!(
        reply["data"]["via"]["message_id"],
        "tom-reply-1@harbour.example"
    );
    assert_eq!(
        reply["data"]["via"]["attachments_not_kept"][0]["size"],
        12_000
    );
    let told = mail_to(&world.app, tom.user.email.as_str(), "Attachments not kept").await;
    assert!(
        told.contains("attachments are not kept yet: tap.jpg (12 kB)"),
        "{told}"
    );
    assert!(
        told.contains("In-Reply-To: <request-"),
        "threaded under the request"
    );

    let again = received(&world.app, &raw).await;
    assert_eq!(again["repeated"], true);
    assert_eq!(again["outcome"], "replied");
    let history = events(&world, &id).await;
    assert_eq!(
        history.iter().filter(|e| e["kind"] == "reply").count(),
        1,
        "a message piped twice replies once"
    );
}

#[tokio::test]
async fn a_reply_from_someone_who_may_not_reply_there_is_refused_and_answered() {
    let world = mail_world().await;
    let (id, number, address) = raised_with_reply_address(&world, &world.leeds_customer).await;
    let yara = &world.york_customer;
    let raw = message(
        yara.user.email.as_str(),
        &address,
        &format!("Re: [#{number}] Received"),
        "yara-1@harbour.example",
        "Ours drips too.",
    );

    let answer = received(&world.app, &raw).await;

    assert_eq!(answer["outcome"], "refused", "{answer}");
    assert_eq!(answer["request_id"], serde_json::Value::Null);
    assert_eq!(answer["answered"], true);
    let reason = answer["reason"].as_str().expect("a reason");
    assert!(reason.contains("may not reply"), "{reason}");
    assert!(
        events(&world, &id)
            .await
            .iter()
            .all(|e| e["kind"] != "reply"),
        "nothing is added"
    );
    let told = mail_to(&world.app, yara.user.email.as_str(), "Not accepted").await;
    assert!(told.contains("may not reply"), "{told}");
    assert!(
        told.contains("In-Reply-To: <yara-1@harbour.example>"),
        "{told}"
    );
    assert!(told.contains("Auto-Submitted: auto-replied"), "{told}");
}

#[tokio::test]
async fn a_forged_reply_address_leads_nowhere() {
    let world = mail_world().await;
    let (id, _, address) = raised_with_reply_address(&world, &world.leeds_customer).await;
    // The last digit of the MAC changed: the number is right, the MAC not.
    let tampered = {
        let (local, domain) = address.split_once('@').expect("an address");
        let mut mac: Vec<char> = local.chars().collect();
        let last = mac.len() - 1;
        mac[last] = if mac[last] == 'a' { 'b' } else { 'a' };
        format!("{}@{domain}", mac.into_iter().collect::<String>())
    };
    assert_ne!(tampered, address);
    let raw = message(
        world.leeds_customer.user.email.as_str(),
        &tampered,
        "Re: hello",
        "tom-forged@harbour.example",
        "Let me in.",
    );

    let answer = received(&world.app, &raw).await;

    assert_eq!(answer["outcome"], "refused", "{answer}");
    assert!(
        events(&world, &id)
            .await
            .iter()
            .all(|e| e["kind"] != "reply")
    );
}

#[tokio::test]
async fn an_auto_reply_and_a_bounce_do_nothing() {
    let world = mail_world().await;
    let tom = &world.leeds_customer;
    let (id, number, address) = raised_with_reply_address(&world, tom).await;
    let out_of_office = format!(
        "From: {}\r\nTo: {address}\r\nSubject: Out of office: [#{number}] Received\r\n\
         Auto-Submitted: auto-replied\r\nMessage-ID: <ooo@harbour.example>\r\n\r\nI am away until Monday.",
        tom.user.email
    );
    let bounce = format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.harbour.example>\r\nTo: {address}\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce@mx.harbour.example>\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=R\r\n\r\n\
         --R\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n\
         --R\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--R--\r\n"
    );
    let null_sender = format!(
        "Return-Path: <>\r\nFrom: {}\r\nTo: {address}\r\nSubject: Re: [#{number}]\r\n\
         Message-ID: <null@harbour.example>\r\n\r\nAutomatic.",
        tom.user.email
    );
    let before = subjects_to(&world.app, tom.user.email.as_str()).await;

    for raw in [out_of_office, bounce, null_sender] {
        let answer = received(&world.app, &raw).await;
        assert_eq!(answer["outcome"], "ignored", "{answer}");
        assert_eq!(answer["answered"], false);
    }

    assert!(
        events(&world, &id)
            .await
            .iter()
            .all(|e| e["kind"] != "reply")
    );
    // Give the delivery job time to send anything it was going to.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        subjects_to(&world.app, tom.user.email.as_str()).await,
        before,
        "nobody is answered"
    );
    let stats = json(
        world.app.get("/api/v1/requests", &tom.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stats["items"].as_array().map(Vec::len), Some(1));
}
