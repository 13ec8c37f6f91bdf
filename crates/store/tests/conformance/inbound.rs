//! Mail in: a contract's intake address is its own; each message is
//! recorded once, in the transaction that acts on it, with its answer.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use kept_domain::{
    Attachment, Email, EventKind, InboundOutcome, NewContract, Quorum, ReplySide, RequestChange,
    RequestKind, Topic,
};
use kept_store::notify::inbound::{InboundQuery, NewInbound, Receipt};
use kept_store::{AuditQuery, Conflict, Store, StoreError};
use serde_json::json;

use crate::requests::{as_user, record, standard, world};
use crate::support::{actor, name};

const LEASE: Duration = Duration::from_secs(60);

fn later(minutes: i64) -> Timestamp {
    Timestamp::now() + SignedDuration::from_mins(minutes)
}

fn address(text: &str) -> Email {
    Email::parse("intake_address", text).expect("an address")
}

fn message(id: &str, outcome: InboundOutcome) -> NewInbound {
    NewInbound {
        message_id: id.into(),
        sender: "maya@harbour.example".into(),
        recipients: vec!["facilities@harbour.example".into()],
        subject: "Leak in the loading bay".into(),
        outcome,
        reason: None,
        request_id: None,
        attachments: vec![Attachment {
            name: "photo.jpg".into(),
            size: 12_000,
        }],
        answer: None,
    }
}

pub async fn a_contract_takes_requests_at_one_intake_address_of_its_own(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let facilities = address("Facilities@Harbour.example");

    let set = store
        .set_intake_address(&actor(), w.contract.id, Some(facilities.clone()))
        .await
        .expect("set");
    assert_eq!(set.intake_address, Some(facilities.clone()));
    assert_eq!(
        store
            .contract(w.contract.id)
            .await
            .expect("read")
            .intake_address,
        Some(address("facilities@harbour.example"))
    );
    let found = store
        .contract_by_intake_address(&facilities)
        .await
        .expect("found by its address");
    assert_eq!(found.id, w.contract.id);

    let other = store
        .create_contract(
            &actor(),
            NewContract {
                name: name("Harbour cleaning"),
                provider_id: w.provider,
                client_id: w.client,
                customer_ids: vec![w.leeds],
                service_ids: vec![w.service],
                calendar_id: None,
                probation_ends_on: None,
                steering_group: vec![w.agent.id],
                quorum: Quorum::All,
            },
        )
        .await
        .expect("another contract");
    let taken = store
        .set_intake_address(&actor(), other.id, Some(facilities.clone()))
        .await;
    assert!(
        matches!(
            taken,
            Err(StoreError::Conflict(Conflict::IntakeAddressTaken))
        ),
        "{taken:?}"
    );

    let cleared = store
        .set_intake_address(&actor(), w.contract.id, None)
        .await
        .expect("cleared");
    assert_eq!(cleared.intake_address, None);
    assert!(matches!(
        store.contract_by_intake_address(&facilities).await,
        Err(StoreError::NotFound)
    ));
    store
        .set_intake_address(&actor(), other.id, Some(facilities.clone()))
        .await
        .expect("free again");
    let audit = store
        .audit_events(&AuditQuery {
            subject_id: Some(w.contract.id.to_string()),
            ..AuditQuery::default()
        })
        .await
        .expect("audit");
    assert!(
        audit
            .items
            .iter()
            .any(|e| e.details.get("intake_address").is_some()),
        "changes are audited"
    );
}

pub async fn a_message_is_recorded_once_with_its_answer(store: Arc<dyn Store>) {
    let mut refused = message("<m1@harbour.example>", InboundOutcome::Refused);
    refused.reason = Some("no such service".into());
    refused.answer = Some((Topic::MailRefused, json!({ "to": "maya@harbour.example" })));

    let Receipt::Recorded(first) = store
        .record_inbound(refused.clone())
        .await
        .expect("recorded")
    else {
        panic!("a new message is recorded");
    };
    assert_eq!(first.outcome, InboundOutcome::Refused);
    assert_eq!(first.reason.as_deref(), Some("no such service"));
    assert_eq!(first.attachments.len(), 1);
    let again = store.record_inbound(refused).await.expect("again");
    assert_eq!(again, Receipt::Repeated(first.clone()));
    assert_eq!(
        store
            .inbound_mail("<m1@harbour.example>")
            .await
            .expect("found"),
        Some(first.clone())
    );
    assert_eq!(store.inbound_mail("<m2@x>").await.expect("none"), None);

    let claimed = store
        .claim_outbox(later(1), 100, LEASE)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1, "one answer, however often it came");
    assert_eq!(claimed[0].topic, Topic::MailRefused);
    assert_eq!((claimed[0].request_id, claimed[0].seq), (None, None));
    assert_eq!(
        claimed[0].data,
        Some(json!({ "to": "maya@harbour.example" }))
    );

    store
        .record_inbound(message("<m3@x>", InboundOutcome::Ignored))
        .await
        .expect("ignored");
    let listed = store
        .list_inbound(&InboundQuery::default())
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 2);
    assert_eq!(listed.items[0].message_id, "<m3@x>", "newest first");
    let only = store
        .list_inbound(&InboundQuery {
            outcome: Some(InboundOutcome::Refused),
            ..InboundQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(only.items, [first]);
}

pub async fn a_reply_by_mail_and_its_message_are_one_transaction(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let request = store
        .create_request(
            &as_user(&w.requester),
            record(&w, w.leeds, RequestKind::Incident, standard()),
        )
        .await
        .expect("raised");
    assert_eq!(
        store
            .request_by_number(request.number)
            .await
            .expect("by number")
            .id,
        request.id
    );
    let reply = |body: &str| RequestChange::Reply {
        side: ReplySide::Customer,
        body: body.into(),
    };
    let mut mail = message("<r1@harbour.example>", InboundOutcome::Replied);
    mail.request_id = Some(request.id);
    mail.answer = Some((
        Topic::MailAttachmentsDropped,
        json!({ "request_id": request.id }),
    ));

    // A change the request refuses records nothing, not even the message.
    let refused = store
        .reply_by_mail(
            &as_user(&w.requester),
            request.id,
            reply("  "),
            75,
            mail.clone(),
        )
        .await;
    assert!(refused.is_err());
    assert_eq!(
        store
            .inbound_mail("<r1@harbour.example>")
            .await
            .expect("read"),
        None
    );

    let Receipt::Recorded((_, events, recorded)) = store
        .reply_by_mail(
            &as_user(&w.requester),
            request.id,
            reply("Still dripping"),
            75,
            mail.clone(),
        )
        .await
        .expect("replied")
    else {
        panic!("a new message replies");
    };
    assert_eq!(events[0].kind, EventKind::Reply);
    assert_eq!(events[0].data["via"]["channel"], "email");
    assert_eq!(
        events[0].data["via"]["attachments_not_kept"][0]["name"],
        "photo.jpg"
    );
    assert_eq!(recorded.request_id, Some(request.id));

    let again = store
        .reply_by_mail(
            &as_user(&w.requester),
            request.id,
            reply("Still dripping"),
            75,
            mail,
        )
        .await
        .expect("again");
    assert_eq!(again, Receipt::Repeated(recorded));
    let stored = store
        .request_events(request.id, true)
        .await
        .expect("events");
    assert_eq!(
        stored.iter().filter(|e| e.kind == EventKind::Reply).count(),
        1,
        "a message handed over twice replies once"
    );
    assert_eq!(
        stored
            .iter()
            .find(|e| e.kind == EventKind::Reply)
            .expect("reply")
            .data["via"]["message_id"],
        "<r1@harbour.example>"
    );
    let mut topics: Vec<Topic> = store
        .claim_outbox(later(1), 100, LEASE)
        .await
        .expect("claim")
        .iter()
        .map(|e| e.topic)
        .collect();
    topics.sort_by_key(|t| t.as_str());
    assert_eq!(
        topics,
        [
            Topic::CustomerReplied,
            Topic::MailAttachmentsDropped,
            Topic::RequestRaised
        ],
        "the reply's notice and the message's answer, once"
    );
}

pub async fn a_request_raised_by_mail_records_its_message(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let mut mail = message("<new@harbour.example>", InboundOutcome::Raised);
    mail.answer = Some((
        Topic::MailAttachmentsDropped,
        json!({ "to": "maya@harbour.example" }),
    ));
    let raise = || record(&w, w.leeds, RequestKind::ServiceRequest, standard());

    let Receipt::Recorded((request, recorded)) = store
        .raise_by_mail(&as_user(&w.requester), raise(), mail.clone())
        .await
        .expect("raised")
    else {
        panic!("a new message raises");
    };
    assert_eq!(recorded.request_id, Some(request.id));
    assert_eq!(store.request(request.id).await.expect("stored"), request);
    let events = store
        .request_events(request.id, true)
        .await
        .expect("events");
    assert_eq!(events[0].kind, EventKind::Created);
    assert_eq!(events[0].data["via"]["message_id"], "<new@harbour.example>");

    let again = store
        .raise_by_mail(&as_user(&w.requester), raise(), mail)
        .await
        .expect("again");
    assert_eq!(again, Receipt::Repeated(recorded));
    let claimed = store
        .claim_outbox(later(1), 100, LEASE)
        .await
        .expect("claim");
    let topics: Vec<Topic> = claimed.iter().map(|e| e.topic).collect();
    assert_eq!(
        topics,
        [Topic::RequestRaised, Topic::MailAttachmentsDropped],
        "one request and one answer, however often it came"
    );
    assert_eq!(
        claimed[1].data.as_ref().expect("data")["request_id"],
        json!(request.id),
        "the answer names the request raised"
    );
}
