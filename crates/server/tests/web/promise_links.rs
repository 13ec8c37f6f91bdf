//! Promises by mail: the customer is told the date promised; a new date
//! comes with its reason and a single-use link whose page changes nothing
//! until its form is posted, which answers as the person the mail went to
//! (`via` `link`); a second post, or one after a newer proposal, is told
//! where the proposal stands; a forged link is not found.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use kept_store::notify::{KeptMail, MailQuery};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harbour::{LEAK, World, id_of};
use crate::helpers::json;
use crate::notifications::keeping_mail;
use crate::support::{Browser, Page};

fn hours(h: i64) -> Timestamp {
    Timestamp::now() + SignedDuration::from_hours(h)
}

pub(crate) fn instant(value: &Value) -> Timestamp {
    value
        .as_str()
        .expect("an instant")
        .parse()
        .expect("RFC 3339")
}

/// An instant as the mail words it, in the contract calendar's zone (UTC).
pub(crate) fn in_words(at: Timestamp) -> String {
    at.strftime("%A %-d %b %Y, %H:%M UTC").to_string()
}

/// Waits until mail to `to` whose subject holds `needle` has been kept.
pub(crate) async fn mail_with(w: &World, to: &str, needle: &str) -> KeptMail {
    for _ in 0..200 {
        let page = w
            .app
            .store
            .kept_mail(&MailQuery {
                recipient: Some(to.to_owned()),
                ..MailQuery::default()
            })
            .await
            .expect("kept mail");
        if let Some(mail) = page.items.into_iter().find(|m| m.subject.contains(needle)) {
            return mail;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail to {to} about {needle:?}");
}

/// The plain-text part of a kept message, decoded.
pub(crate) fn text_of(mail: &KeptMail) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(mail.message.as_bytes())
        .expect("a readable message");
    message
        .body_text(0)
        .map(|t| t.into_owned())
        .expect("a text part")
}

/// The path of the answer link in `text`.
pub(crate) fn answer_link(text: &str) -> String {
    let at = text
        .find("/promise-answer/")
        .unwrap_or_else(|| panic!("no answer link in:\n{text}"));
    text[at..]
        .split_whitespace()
        .next()
        .expect("a link")
        .to_owned()
}

/// A request of Leeds promised by the agent; returns its id and the date.
async fn promised(w: &World) -> (String, Timestamp) {
    let id = id_of(&w.raise(LEAK).await);
    let promise = json(
        w.app
            .post(
                &format!("/api/v1/requests/{id}/promise"),
                &w.agent.token,
                &json!({"date": hours(48)}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    (id, instant(&promise["date"]))
}

/// The agent proposes a date `h` hours away for request `id`.
async fn propose(w: &World, id: &str, h: i64, reason: &str) -> Value {
    json(
        w.app
            .post(
                &format!("/api/v1/requests/{id}/promise/proposals"),
                &w.agent.token,
                &json!({"date": hours(h), "reason": reason}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await
}

async fn promise_of(w: &World, id: &str) -> Value {
    json(
        w.app
            .get(
                &format!("/api/v1/requests/{id}/promise"),
                &w.leeds_customer.token,
            )
            .await,
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn the_customer_answers_a_new_date_once_through_the_link_in_the_mail() {
    let w = keeping_mail().await;
    let to = w.leeds_customer.user.email.to_string();
    let (id, first) = promised(&w).await;

    // The promise's mail states the date.
    let made = mail_with(&w, &to, "Promised by").await;
    assert!(
        text_of(&made).contains(&in_words(first)),
        "{}",
        made.message
    );

    let proposal = propose(&w, &id, 96, "The part is on back order").await;
    let proposed = instant(&proposal["date"]);
    let mail = mail_with(&w, &to, "New date proposed").await;
    let text = text_of(&mail);
    assert!(text.contains("The part is on back order"), "{text}");
    assert!(text.contains(&in_words(proposed)), "{text}");
    assert!(text.contains(&in_words(first)), "the old date too: {text}");
    assert!(text.contains(&format!("/requests/{id}")), "{text}");
    let link = answer_link(&text);

    // Opening the link (as a mail scanner would) changes nothing.
    let browser = Browser::new(&w.app);
    let page = browser.page(&link).await;
    page.assert_status(StatusCode::OK);
    assert!(page.text("main").contains(LEAK));
    assert_eq!(page.text("#proposal-reason"), "The part is on back order");
    assert_eq!(page.count("form button[name=choice]"), 2);
    assert_eq!(
        instant(&promise_of(&w, &id).await["promise"]["date"]),
        first
    );
    assert_eq!(promise_of(&w, &id).await["proposals"][0]["status"], "open");

    // Agreeing answers as the person the mail went to.
    let csrf = page.csrf();
    let agreed = Page::read(
        browser
            .post(&link, &[("csrf_token", csrf.as_str()), ("choice", "agree")])
            .await,
    )
    .await;
    agreed.assert_status(StatusCode::OK);
    assert!(agreed.text("#answer-result").contains("promised by"));
    let view = promise_of(&w, &id).await;
    assert_eq!(instant(&view["promise"]["date"]), proposed);
    let answered = &view["proposals"][0];
    assert_eq!(answered["status"], "accepted");
    assert_eq!(answered["answered_via"], "link");
    assert_eq!(
        answered["answered_by"],
        w.leeds_customer.user.id.to_string()
    );

    // A second post is told it was answered, and changes nothing.
    let again = Page::read(
        browser
            .post(&link, &[("csrf_token", csrf.as_str()), ("choice", "keep")])
            .await,
    )
    .await;
    again.assert_status(StatusCode::CONFLICT);
    assert!(again.text("h1").contains("Already answered"));
    assert!(again.text("#answer-result").contains("it was agreed"));
    assert_eq!(
        instant(&promise_of(&w, &id).await["promise"]["date"]),
        proposed
    );

    // The provider's people are told the customer agreed, in time.
    let told = mail_with(&w, &w.agent.user.email.to_string(), "New date agreed").await;
    assert!(text_of(&told).contains("before the old date passed"));
}

#[tokio::test]
async fn a_replaced_proposal_says_so_and_a_forged_link_is_not_found() {
    let w = keeping_mail().await;
    let to = w.leeds_customer.user.email.to_string();
    let (id, first) = promised(&w).await;
    propose(&w, &id, 72, "First estimate").await;
    let old = answer_link(&text_of(&mail_with(&w, &to, "New date proposed").await));
    let browser = Browser::new(&w.app);
    let csrf = browser.page(&old).await.csrf();
    propose(&w, &id, 120, "Second estimate").await;

    let replaced = Page::read(
        browser
            .post(&old, &[("csrf_token", csrf.as_str()), ("choice", "agree")])
            .await,
    )
    .await;
    replaced.assert_status(StatusCode::CONFLICT);
    assert_eq!(replaced.text("h1"), "This date was replaced");
    assert_eq!(
        instant(&promise_of(&w, &id).await["promise"]["date"]),
        first
    );

    // Without the session's token the form is refused.
    let forged_form = browser.post(&old, &[("choice", "agree")]).await;
    assert_eq!(forged_form.status(), StatusCode::FORBIDDEN);

    let mut tampered = old.clone();
    let last = tampered
        .pop()
        .map_or('0', |c| if c == '0' { '1' } else { '0' });
    tampered.push(last);
    for link in [
        tampered.as_str(),
        "/promise-answer/garbled",
        "/promise-answer/a.b.c",
    ] {
        let page = browser.page(link).await;
        page.assert_status(StatusCode::NOT_FOUND);
        assert_eq!(page.text("h1"), "This link does not work");
        let posted = browser
            .post(link, &[("csrf_token", csrf.as_str()), ("choice", "agree")])
            .await;
        assert_eq!(posted.status(), StatusCode::NOT_FOUND, "{link}");
    }
}
