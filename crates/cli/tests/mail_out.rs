//! Mail out, end to end: the real `kept serve` on SQLite sends through an
//! SMTP sink in the test process (`common/smtp_sink.rs`), and every event
//! that tells someone produces its messages, once each, to the right
//! people, threaded under their request, with a signed reply address,
//! marked automatic, in plain text and HTML, and with a one-click
//! unsubscribe only on mail nobody asked for. The world is seeded through
//! the store (`common/mail_world.rs`); every event is made through the API.

mod common;
#[path = "common/mail.rs"]
mod mail;
#[path = "common/mail_world.rs"]
mod mail_world;
#[path = "common/seed.rs"]
mod seed;
#[path = "common/smtp_sink.rs"]
mod smtp_sink;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use kept_app::notify::tokens::Signer;
use kept_calendar::jiff::tz::TimeZone;
use kept_domain::{DeliveryState, RequestId, Timestamp, Topic};
use kept_store::Store;
use kept_store::notify::Delivery;
use kept_store::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};

use common::{Sandbox, Server};
use mail::{DOMAIN, Mail, REPLY_TO};
use mail_world::{World, deliveries, id, post, raise, world};
use smtp_sink::SmtpSink;

/// The messages the events make: the two acknowledgements; the reply each
/// way (one to Tom, one to each of Brightwell's agent and manager); the
/// escalation to Pipeworks; two alarms on each of the flood's two clocks, to
/// the agent and the manager; the change submitted to the steering group,
/// approved to the other side's contact and the manager, applied to both
/// client contacts. Nobody is told of what they did themselves.
const MESSAGES: usize = 19;

/// What the events made, as the API answered.
struct Events {
    /// A request on targets of hours.
    leak: Value,
    /// A request on targets of seconds.
    flood: Value,
    /// The leak, escalated to Pipeworks.
    upstream: Value,
    /// The change request's id.
    change: String,
    /// Brightwell's reply on the leak.
    said: &'static str,
}

impl Events {
    fn request(&self, which: &Value) -> (RequestId, i64) {
        let id = serde_json::from_value(which["id"].clone()).expect("an id");
        (id, which["number"].as_i64().expect("a number"))
    }
}

/// The acknowledgement of `leak` (the first message) names its reference
/// and the first response's due instant.
fn check_acknowledgement(ack: &Mail, leak: &Value) {
    let number = leak["number"].as_i64().expect("a number");
    let subject = leak["subject"].as_str().expect("a subject");
    assert_eq!(ack.subject, format!("[#{number}] Received: {subject}"));
    assert!(ack.text.contains(&format!("#{number}")), "{}", ack.text);
    let due = in_words(&leak["due_at"]);
    let promise = format!("You will hear from us by {due}.");
    assert!(ack.text.contains(&promise), "{}", ack.text);
}

/// Makes every event through the API, as their people.
async fn make_events(server: &Server, w: &World, sink: &SmtpSink) -> Events {
    let subject = "Leaking tap in the staff kitchen";
    let leak = raise(server, w, &w.tom, w.repairs, subject).await;
    // The acknowledgement first, so that it names the first response's due
    // instant (fan-out reads the request as it stands then).
    let ack = Mail::parse(&sink.wait_for(1, Duration::from_secs(20)).await[0]);
    check_acknowledgement(&ack, &leak);
    let flood = raise(server, w, &w.tom, w.urgent, "Water through the ceiling").await;
    let leak_path = format!("/api/v1/requests/{}", id(&leak));
    let said = "A plumber is on the way.";
    let replies = format!("{leak_path}/replies");
    let created = StatusCode::CREATED;
    post(server, &w.arjun, &replies, json!({ "body": said }), created).await;
    let answer = json!({ "body": "Thank you, the tap is off." });
    post(server, &w.tom, &replies, answer, created).await;
    let escalation = json!({ "contract_id": w.supply });
    let escalations = format!("{leak_path}/escalations");
    let upstream = post(server, &w.maya, &escalations, escalation, created).await;
    let change = change_request(server, w).await;
    Events {
        leak,
        flood,
        upstream,
        change,
        said,
    }
}

/// A message as the test tells them apart: its topic, its recipient, its
/// thread root, and the clock an alarm is about.
type Key = (&'static str, String, String, String);

/// Each message expected.
fn expected(w: &World, events: &Events) -> Vec<Key> {
    let thread = |which: &Value| format!("<request-{}@{DOMAIN}>", id(which));
    let (leak, flood) = (thread(&events.leak), thread(&events.flood));
    let change = format!("<change-{}@{DOMAIN}>", events.change);
    let told = [
        (Topic::RequestRaised, &w.tom, leak.clone()),
        (Topic::RequestRaised, &w.tom, flood.clone()),
        (Topic::ProviderReplied, &w.tom, leak.clone()),
        (Topic::CustomerReplied, &w.arjun, leak.clone()),
        (Topic::CustomerReplied, &w.maya, leak),
        (Topic::EscalationRaised, &w.pia, thread(&events.upstream)),
        (Topic::ChangeSubmitted, &w.hana, change.clone()),
        (Topic::ChangeApproved, &w.cleo, change.clone()),
        (Topic::ChangeApproved, &w.maya, change.clone()),
        (Topic::ChangeApplied, &w.hana, change.clone()),
        (Topic::ChangeApplied, &w.cleo, change),
    ];
    let mut expected: Vec<Key> = told
        .into_iter()
        .map(|(topic, who, root)| (topic.as_str(), who.email.clone(), root, String::new()))
        .collect();
    for topic in [Topic::RequestAtRisk, Topic::RequestBreached] {
        for clock in ["first_response", "resolution"] {
            for who in [&w.arjun, &w.maya] {
                let root = flood.clone();
                expected.push((topic.as_str(), who.email.clone(), root, clock.to_owned()));
            }
        }
    }
    expected.sort();
    expected
}

/// Each message received, checked against its delivery row and for its
/// headers.
fn received(
    mails: &[Mail],
    rows: &BTreeMap<String, Delivery>,
    signer: &Signer,
    events: &Events,
) -> Vec<Key> {
    let requests = [&events.leak, &events.flood, &events.upstream].map(|r| events.request(r));
    let mut got = Vec::new();
    for mail in mails {
        let delivery = rows
            .get(&mail.delivery_id())
            .unwrap_or_else(|| panic!("no delivery for {}", mail.message_id));
        assert_eq!(delivery.recipient, mail.to);
        assert_eq!(delivery.state, DeliveryState::Sent);
        let root = mail.in_reply_to.clone().unwrap_or_default();
        let reply = requests
            .iter()
            .find(|(r, _)| root == format!("<request-{r}@{DOMAIN}>"))
            .map(|&(r, n)| (signer, n, r));
        check_headers(mail, delivery.topic, &root, reply);
        let clock = delivery.payload["clock"].as_str().unwrap_or_default();
        got.push((
            delivery.topic.as_str(),
            mail.to.clone(),
            root,
            clock.to_owned(),
        ));
    }
    got.sort();
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_mails_its_people_once_threaded_signed_and_marked() {
    let db = TestDatabase::sqlite();
    let store = db.store().await;
    let w = world(&store).await;
    let sink = SmtpSink::start();
    let sandbox = Sandbox::new();
    let extra = [("KEPT_SLA_TIMER_INTERVAL_MS", "100")];
    let mut server = mail::serve(&sandbox, db.url(), sink.port(), "events", &extra);

    let events = make_events(&server, &w, &sink).await;
    sink.wait_for(MESSAGES, Duration::from_secs(30)).await;
    // Time for a second copy of anything to arrive.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails = mail::parse_all(&sink.messages());
    let rows = deliveries(&store).await;
    let key = store
        .server_key("mail-tokens", "unused")
        .await
        .expect("the key");
    let signer = Signer::new(key.as_bytes());
    let got = received(&mails, &rows, &signer, &events);
    assert_eq!(
        got,
        expected(&w, &events),
        "each event's messages, each once"
    );
    let ids: HashSet<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), mails.len(), "Message-IDs are unique");

    check_words(&mails, &w, events.said);
    unsubscribe_one_click(&server, &store, &mails, &w).await;
    assert!(server.terminate().success());
}

/// An instant as the mail writes it (the request's calendar keeps UTC).
fn in_words(at: &Value) -> String {
    let at: Timestamp = serde_json::from_value(at.clone()).expect("an instant");
    at.to_zoned_datetime(TimeZone::UTC)
        .strftime("%A %-d %b %Y, %H:%M %Z")
        .to_string()
}

/// What every message must carry: a unique Message-ID of its delivery, the
/// thread root of its request (or change request), the request's signed
/// reply address, `Auto-Submitted`, text and HTML alternatives, and an
/// unsubscribe exactly when its topic is not an answer to the recipient.
fn check_headers(mail: &Mail, topic: Topic, root: &str, reply: Option<(&Signer, i64, RequestId)>) {
    let what = format!("{topic} to {}", mail.to);
    assert_eq!(
        mail.rcpt_to,
        std::slice::from_ref(&mail.to),
        "{what}: the envelope"
    );
    assert!(
        mail.message_id.ends_with(&format!("@{DOMAIN}>")),
        "{what}: {mail:?}"
    );
    assert_eq!(
        mail.in_reply_to.as_deref(),
        Some(root),
        "{what}: In-Reply-To"
    );
    assert_eq!(mail.references.as_deref(), Some(root), "{what}: References");
    assert_eq!(
        mail.auto_submitted.as_deref(),
        Some("auto-generated"),
        "{what}"
    );
    assert!(
        mail.content_type.starts_with("multipart/alternative"),
        "{what}: {}",
        mail.content_type
    );
    assert_eq!(mail.parts, (1, 1), "{what}: one text and one HTML part");
    assert!(
        mail.html.contains("<html") || mail.html.contains("<HTML"),
        "{what}"
    );
    match reply {
        Some((signer, number, request)) => {
            let reply_to = mail.reply_to.as_deref().unwrap_or_default();
            let (local, domain) = REPLY_TO.split_once('@').expect("an address");
            let token = reply_to
                .strip_prefix(&format!("{local}+"))
                .and_then(|t| t.strip_suffix(&format!("@{domain}")))
                .unwrap_or_else(|| panic!("{what}: Reply-To {reply_to:?}"));
            let mac = token
                .strip_prefix(&format!("r{number}-"))
                .unwrap_or_else(|| panic!("{what}: token {token:?}"));
            assert!(
                mac.len() == 20 && mac.chars().all(|c| c.is_ascii_hexdigit()),
                "{what}: token {token:?}"
            );
            assert!(
                signer.reply_token_matches(token, request),
                "{what}: forged token"
            );
        }
        None => assert_eq!(mail.reply_to, None, "{what}: no request to reply to"),
    }
    if topic.unsubscribable() {
        let link = mail.list_unsubscribe.as_deref().unwrap_or_default();
        assert!(
            link.starts_with('<') && link.contains("/unsubscribe/"),
            "{what}: {link:?}"
        );
        assert_eq!(
            mail.list_unsubscribe_post.as_deref(),
            Some("List-Unsubscribe=One-Click"),
            "{what}"
        );
    } else {
        assert_eq!(mail.list_unsubscribe, None, "{what}: transactional mail");
        assert_eq!(
            mail.list_unsubscribe_post, None,
            "{what}: transactional mail"
        );
    }
}

/// A change request to Harbour FM: raised and submitted by Brightwell's
/// manager, approved by the steering group (Hana), applied by the manager;
/// returns its id.
async fn change_request(server: &Server, w: &World) -> String {
    let terms = json!({ "sla": [{ "service_id": w.repairs, "priority": "normal",
                                  "first_response": "4h", "resolution": "16h" }] });
    let draft = json!({ "title": "Repairs answered in 4h",
                        "rationale": "Stores lose trade while leaks wait.",
                        "changes": { "terms": terms } });
    let path = format!("/api/v1/contracts/{}/change-requests", w.contract);
    let change = id(&post(server, &w.maya, &path, draft, StatusCode::CREATED).await);
    let step = |step: &str| format!("/api/v1/change-requests/{change}/{step}");
    post(server, &w.maya, &step("submit"), json!({}), StatusCode::OK).await;
    let approval = json!({ "comment": "Worth it" });
    let approved = post(server, &w.hana, &step("approve"), approval, StatusCode::OK).await;
    assert_eq!(approved["status"], "approved");
    post(server, &w.maya, &step("apply"), json!({}), StatusCode::OK).await;
    change
}

/// What the words of some messages must name.
fn check_words(mails: &[Mail], w: &World, said: &str) {
    let to = |email: &str, subject: &str| {
        mails
            .iter()
            .find(|m| m.to == email && m.subject.contains(subject))
            .unwrap_or_else(|| panic!("no {subject:?} mail to {email}"))
    };
    let reply = to(&w.tom.email, "] Reply on ");
    assert!(reply.text.contains(said), "{}", reply.text);
    let escalated = to(&w.pia.email, "Escalated to you");
    assert!(
        escalated
            .text
            .contains("Waiting on it down the chain: Leeds."),
        "the downstream customer is named: {}",
        escalated.text
    );
    let breached = to(&w.maya.email, "Breached: Water through the ceiling");
    assert!(breached.text.contains("missed its"), "{}", breached.text);
    let decision = to(&w.hana.email, "Your decision: Repairs answered in 4h");
    assert!(decision.text.contains("Harbour FM"), "{}", decision.text);
}

/// The one-click unsubscribe of an at-risk message works (RFC 8058: a POST
/// of `List-Unsubscribe=One-Click` to the link) and stops that topic.
async fn unsubscribe_one_click(server: &Server, store: &Arc<dyn Store>, mails: &[Mail], w: &World) {
    let at_risk = mails
        .iter()
        .find(|m| m.to == w.arjun.email && m.subject.contains("At risk"))
        .expect("an at-risk message to Arjun");
    let link = at_risk.list_unsubscribe.as_deref().unwrap_or_default();
    let path = &link[link.find("/unsubscribe/").expect("a path")..link.len() - 1];
    let response = common::http()
        .post(server.url(path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("the link answers");
    assert_eq!(response.status(), StatusCode::OK);
    let stopped = store.opted_out(w.arjun.id).await.expect("preferences");
    assert_eq!(stopped, [Topic::RequestAtRisk]);
}

/// SIGTERM stops a server promptly however much mail waits: the delivery
/// job finishes the message in hand, not the whole backlog (the rest is
/// pending in the database for the next start).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_a_backlog_of_mail_stops_promptly_on_sigterm() {
    const BACKLOG: usize = 200;
    let db = TestDatabase::sqlite();
    let store = db.store().await;
    let w = world(&store).await;
    let sink = SmtpSink::start();
    // A slow SMTP server: 50 ms a message, ten seconds for the backlog.
    sink.set_delay(Duration::from_millis(50));
    let sandbox = Sandbox::new();
    let mut server = mail::serve(&sandbox, db.url(), sink.port(), "backlog", &[]);
    for n in 0..BACKLOG {
        raise(&server, &w, &w.tom, w.repairs, &format!("Leak {n}")).await;
    }
    sink.wait_for(10, Duration::from_secs(30)).await;
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let asked = std::time::Instant::now();
    let stopped = server.wait(Duration::from_secs(60));
    let took = asked.elapsed();
    let delivered = sink.count();
    eprintln!("stopped after {took:?}, {delivered} of {BACKLOG} messages delivered");
    assert!(stopped.is_some_and(|s| s.success()), "kept stopped cleanly");
    assert!(
        took < Duration::from_secs(5),
        "SIGTERM took {took:?} to stop the server ({delivered} of {BACKLOG} delivered meanwhile)"
    );
}
