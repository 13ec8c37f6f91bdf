//! Notifications: outbox rows are written with their events and claimed
//! once per lease; fan-out happens once; deliveries retry, die and are
//! retried by hand; kept mail is kept once; claims never overlap.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use kept_domain::{
    Channel, DeliveryState, EventKind, ReplySide, RequestChange, RequestKind, Role, Topic,
};
use kept_store::notify::{DeliveryQuery, KeptMail, MailQuery, NewDelivery, Outcome};
use kept_store::{Conflict, Store, StoreError};

use crate::requests::{as_user, record, standard, world};
use crate::support::actor;

const LEASE: Duration = Duration::from_secs(60);

fn later(minutes: i64) -> Timestamp {
    Timestamp::now() + SignedDuration::from_mins(minutes)
}

fn email(to: &str, due_at: Timestamp) -> NewDelivery {
    NewDelivery {
        channel: Channel::Email,
        recipient: to.into(),
        user_id: None,
        payload: serde_json::json!({ "to": to }),
        due_at,
    }
}

/// Raises a request in a fresh world and fans its acknowledgement out to
/// `to`; returns the request.
async fn raised_and_told(store: &Arc<dyn Store>, to: Vec<NewDelivery>) -> kept_domain::Request {
    let w = world(store).await;
    let request = store
        .create_request(
            &as_user(&w.requester),
            record(&w, w.leeds, RequestKind::Incident, standard()),
        )
        .await
        .expect("raised");
    let entry = store
        .claim_outbox(later(1), 10, LEASE)
        .await
        .expect("claim")
        .remove(0);
    store.fan_out(vec![(entry.id, to)]).await.expect("fan out");
    request
}

pub async fn events_that_tell_someone_write_outbox_rows_in_their_transaction(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let request = store
        .create_request(
            &as_user(&w.requester),
            record(&w, w.leeds, RequestKind::Incident, standard()),
        )
        .await
        .expect("raised");
    store
        .act_on_request(
            &as_user(&w.agent),
            request.id,
            RequestChange::Note {
                body: "Internal only".into(),
            },
            75,
        )
        .await
        .expect("note");
    store
        .act_on_request(
            &as_user(&w.agent),
            request.id,
            RequestChange::Reply {
                side: ReplySide::Provider,
                body: "On our way".into(),
            },
            75,
        )
        .await
        .expect("reply");
    // A refused change (a reply on nothing) writes nothing at all.
    let refused = store
        .act_on_request(
            &as_user(&w.agent),
            request.id,
            RequestChange::Reply {
                side: ReplySide::Provider,
                body: "   ".into(),
            },
            75,
        )
        .await;
    assert!(refused.is_err());

    let claimed = store
        .claim_outbox(later(1), 100, LEASE)
        .await
        .expect("claim");
    let topics: Vec<Topic> = claimed.iter().map(|e| e.topic).collect();
    assert_eq!(topics, [Topic::RequestRaised, Topic::ProviderReplied]);
    assert!(claimed.iter().all(|e| e.request_id == Some(request.id)));
    let events = store
        .request_events(request.id, true)
        .await
        .expect("events");
    let reply = events
        .iter()
        .find(|e| e.kind == EventKind::Reply)
        .expect("reply");
    assert_eq!(claimed[1].seq, Some(reply.seq));

    assert!(
        store
            .claim_outbox(later(1), 100, LEASE)
            .await
            .expect("claim")
            .is_empty(),
        "a claimed row waits for its lease"
    );
    let again = store
        .claim_outbox(later(2), 100, LEASE)
        .await
        .expect("claim after the lease");
    assert_eq!(again.len(), 2, "a lease that ran out gives the rows back");

    let first = &claimed[0];
    assert_eq!(
        store
            .fan_out(vec![(
                first.id,
                vec![email("maya@harbour.example", later(0))]
            )])
            .await
            .expect("fan out"),
        1
    );
    assert_eq!(
        store
            .fan_out(vec![(
                first.id,
                vec![email("other@harbour.example", later(0))]
            )])
            .await
            .expect("second fan out"),
        0,
        "only the first fan-out counts"
    );
    let listed = store
        .list_deliveries(&DeliveryQuery::default())
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].topic, Topic::RequestRaised);
    assert_eq!(listed.items[0].state, DeliveryState::Pending);
    let stats = store.outbox_stats().await.expect("stats");
    assert_eq!((stats.undispatched, stats.pending), (1, 1));
    assert!(stats.oldest.is_some());
}

pub async fn failed_deliveries_retry_on_schedule_then_die_and_can_be_retried_by_hand(
    store: Arc<dyn Store>,
) {
    raised_and_told(&store, vec![email("maya@harbour.example", later(0))]).await;

    let now = later(1);
    let claimed = store
        .claim_deliveries(now, 10, LEASE, &[Channel::Email])
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    assert!(
        store
            .claim_deliveries(now, 10, LEASE, &[Channel::Webhook])
            .await
            .expect("claim")
            .is_empty(),
        "only the channels asked for"
    );
    let id = claimed[0].id;
    let failed = store
        .record_attempt(
            id,
            Outcome::Failed {
                error: "connection refused".into(),
                retry_at: Some(later(10)),
            },
        )
        .await
        .expect("record");
    assert_eq!(failed.state, DeliveryState::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("connection refused"));
    assert!(
        store
            .claim_deliveries(later(5), 10, LEASE, &[Channel::Email])
            .await
            .expect("claim")
            .is_empty(),
        "not before its retry"
    );
    let retried = store
        .claim_deliveries(later(11), 10, LEASE, &[Channel::Email])
        .await
        .expect("claim");
    assert_eq!(retried[0].attempts, 2);
    let dead = store
        .record_attempt(
            id,
            Outcome::Failed {
                error: "550 no such user".into(),
                retry_at: None,
            },
        )
        .await
        .expect("record");
    assert_eq!(dead.state, DeliveryState::Dead);
    assert!(
        store
            .claim_deliveries(later(600), 10, LEASE, &[Channel::Email])
            .await
            .expect("claim")
            .is_empty(),
        "a dead letter waits for a person"
    );
    let stats = store.outbox_stats().await.expect("stats");
    assert_eq!((stats.pending, stats.failed, stats.dead), (0, 0, 1));
    assert_eq!(stats.depth(), 0, "dead letters are not depth");

    let back = store.retry_delivery(id, later(20)).await.expect("retry");
    assert_eq!(back.state, DeliveryState::Failed);
    let third = store
        .claim_deliveries(later(21), 10, LEASE, &[Channel::Email])
        .await
        .expect("claim");
    assert_eq!(third.len(), 1);
    let sent = store
        .record_attempt(id, Outcome::Sent)
        .await
        .expect("record");
    assert_eq!(sent.state, DeliveryState::Sent);
    assert_eq!(sent.attempts, 3);
    assert!(sent.sent_at.is_some());
    assert!(matches!(
        store.retry_delivery(id, later(30)).await,
        Err(StoreError::Conflict(Conflict::AlreadyDelivered))
    ));
    let only_dead = store
        .list_deliveries(&DeliveryQuery {
            states: vec![DeliveryState::Dead],
            ..DeliveryQuery::default()
        })
        .await
        .expect("list");
    assert!(only_dead.items.is_empty());
}

pub async fn concurrent_claims_never_hand_out_one_delivery_twice(store: Arc<dyn Store>) {
    let many: Vec<NewDelivery> = (0..200)
        .map(|n| email(&format!("person{n}@example.com"), later(0)))
        .collect();
    raised_and_told(&store, many).await;
    let now = later(1);
    let claimers: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = store
                        .claim_deliveries(now, 7, LEASE, &[Channel::Email])
                        .await
                        .expect("claim");
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|d| d.id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for claimer in claimers {
        all.extend(claimer.await.expect("claimer"));
    }
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 200, "every delivery was claimed");
    assert_eq!(distinct.len(), 200, "and none twice");
}

pub async fn kept_mail_is_kept_once_and_marks_its_delivery_sent(store: Arc<dyn Store>) {
    let request = raised_and_told(
        &store,
        vec![
            email("maya@harbour.example", later(0)),
            email("agent@brightwell.example", later(0)),
        ],
    )
    .await;
    let claimed = store
        .claim_deliveries(later(1), 10, LEASE, &[Channel::Email])
        .await
        .expect("claim");
    for d in &claimed {
        let mail = KeptMail {
            delivery_id: d.id,
            recipient: d.recipient.clone(),
            user_id: None,
            request_id: Some(request.id),
            subject: format!("Hello {}", d.recipient),
            message: "Subject: Hello\r\n\r\nHi".into(),
            created_at: Timestamp::now(),
        };
        store
            .record_attempt(d.id, Outcome::Kept(mail.clone()))
            .await
            .expect("kept");
        store
            .record_attempts(vec![(d.id, Outcome::Kept(mail))])
            .await
            .expect("kept again, harmlessly");
    }
    let all = store.kept_mail(&MailQuery::default()).await.expect("list");
    assert_eq!(all.items.len(), 2, "each message once");
    let maya = store
        .kept_mail(&MailQuery {
            recipient: Some("maya@harbour.example".into()),
            ..MailQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(maya.items.len(), 1);
    assert_eq!(maya.items[0].subject, "Hello maya@harbour.example");
    let one = store
        .kept_message(maya.items[0].delivery_id)
        .await
        .expect("one");
    assert_eq!(one, maya.items[0]);
    let delivered = store
        .delivery(maya.items[0].delivery_id)
        .await
        .expect("delivery");
    assert_eq!(delivered.state, DeliveryState::Sent);
}

pub async fn contacts_keys_and_opt_outs(store: Arc<dyn Store>) {
    let w = world(&store).await;
    store
        .add_grant(&actor(), w.agent.id, Role::Agent, w.provider)
        .await
        .expect("grant");
    store
        .add_grant(&actor(), w.requester.id, Role::Customer, w.leeds)
        .await
        .expect("grant");
    let staff = store
        .contacts(&[w.provider], &[Role::Agent, Role::Manager])
        .await
        .expect("contacts");
    assert_eq!(staff.len(), 1);
    assert_eq!(staff[0].email, "agent@brightwell.example");
    assert!(
        store
            .contacts(&[w.provider], &[Role::Manager])
            .await
            .expect("contacts")
            .is_empty()
    );

    let first = store.server_key("mail", "one").await.expect("key");
    let second = store.server_key("mail", "two").await.expect("key");
    assert_eq!((first.as_str(), second.as_str()), ("one", "one"));

    store
        .set_opted_out(w.agent.id, &[Topic::RequestAtRisk, Topic::RequestBreached])
        .await
        .expect("opt out");
    let mut out = store.opted_out(w.agent.id).await.expect("read");
    out.sort_by_key(|t| t.as_str());
    assert_eq!(out, [Topic::RequestAtRisk, Topic::RequestBreached]);
    store.set_opted_out(w.agent.id, &[]).await.expect("opt in");
    assert!(store.opted_out(w.agent.id).await.expect("read").is_empty());
}

pub async fn the_fan_out_reads_a_batch_in_one_go(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let first = store
        .create_request(
            &as_user(&w.requester),
            record(&w, w.leeds, RequestKind::Incident, standard()),
        )
        .await
        .expect("raised");
    let second = store
        .create_request(
            &as_user(&w.requester),
            record(&w, w.leeds, RequestKind::Incident, standard()),
        )
        .await
        .expect("raised");
    let (_, events) = store
        .act_on_request(
            &as_user(&w.agent),
            first.id,
            RequestChange::Reply {
                body: "On our way".into(),
                side: ReplySide::Provider,
            },
            75,
        )
        .await
        .expect("reply");
    let reply = events
        .iter()
        .find(|e| e.kind == EventKind::Reply)
        .expect("the reply's event")
        .seq;

    // Each key names one event of one request; a key of an event that
    // does not exist is left out, whatever else the batch holds.
    let told = store
        .told_events(&[(first.id, reply), (second.id, 1), (second.id, 99)])
        .await
        .expect("read");
    let got: Vec<_> = told
        .iter()
        .map(|(r, e)| (r.id, e.seq, e.kind, e.body.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (
                first.id,
                reply,
                EventKind::Reply,
                Some("On our way".to_owned())
            ),
            (second.id, 1, EventKind::Created, None),
        ]
    );
    assert!(store.told_events(&[]).await.expect("read").is_empty());

    let contacts = store
        .user_contacts(&[w.requester.id, w.agent.id])
        .await
        .expect("contacts");
    let emails: Vec<&str> = contacts.iter().map(|c| c.email.as_str()).collect();
    assert_eq!(emails, ["agent@brightwell.example", "maya@harbour.example"]);
    store
        .set_user_archived(&actor(), w.agent.id, true)
        .await
        .expect("archived");
    let contacts = store
        .user_contacts(&[w.requester.id, w.agent.id])
        .await
        .expect("contacts");
    assert_eq!(contacts.len(), 1, "an archived user is told nothing");

    store
        .set_opted_out(w.requester.id, &[Topic::RequestAtRisk])
        .await
        .expect("opt out");
    let off = store
        .opt_outs(&[w.requester.id, w.agent.id])
        .await
        .expect("opt-outs");
    assert_eq!(off.len(), 1);
    assert_eq!(off.get(&w.requester.id), Some(&vec![Topic::RequestAtRisk]));
}
