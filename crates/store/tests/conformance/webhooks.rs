//! Webhook subscriptions: they read back with their topics, list by owner,
//! party or all, are found by topic while active, keep their secret for
//! signing (and out of the audit log), and deleting one archives it and
//! gives up its waiting deliveries.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use kept_domain::{
    AuditAction, Channel, DeliveryState, NewWebhook, RequestKind, Topic, UserId, WebhookId,
};
use kept_store::notify::NewDelivery;
use kept_store::webhooks::WebhookQuery;
use kept_store::{AuditQuery, Store, StoreError};

use crate::requests::{as_user, record, standard, world};
use crate::support::{actor, org, user};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn hook(
    owner: UserId,
    party: Option<kept_domain::PartyId>,
    url: &str,
    topics: &[Topic],
) -> NewWebhook {
    NewWebhook {
        owner_id: owner,
        party_id: party,
        url: url.into(),
        topics: topics.to_vec(),
        secret: SECRET.into(),
    }
}

fn ids(hooks: &[kept_domain::Webhook]) -> Vec<WebhookId> {
    hooks.iter().map(|h| h.id).collect()
}

pub async fn subscriptions_read_back_list_by_owner_or_party_and_are_found_by_topic(
    store: Arc<dyn Store>,
) {
    let provider = org(&store, "Brightwell").await;
    let other = org(&store, "Northwind").await;
    let maya = user(&store, "maya@brightwell.example", Some(provider.id)).await;
    let omar = user(&store, "omar@northwind.example", Some(other.id)).await;
    let admin = user(&store, "admin@kept.example", None).await;

    let mayas = store
        .create_webhook(
            &actor(),
            hook(
                maya.id,
                Some(provider.id),
                "https://hooks.brightwell.example/kept",
                &[Topic::ChangeApplied, Topic::RequestRaised],
            ),
        )
        .await
        .expect("created");
    assert_eq!(mayas.owner_id, maya.id);
    assert_eq!(mayas.party_id, Some(provider.id));
    assert_eq!(
        mayas.topics,
        [Topic::RequestRaised, Topic::ChangeApplied],
        "in the topics' own order"
    );
    assert_eq!(mayas.archived_at, None);
    assert_eq!(store.webhook(mayas.id).await.expect("read"), mayas);
    let omars = store
        .create_webhook(
            &actor(),
            hook(
                omar.id,
                Some(other.id),
                "https://omar.example/in",
                &[Topic::RequestRaised],
            ),
        )
        .await
        .expect("created");
    let everything = store
        .create_webhook(
            &actor(),
            hook(
                admin.id,
                None,
                "https://admin.example/in",
                &[Topic::RequestBreached],
            ),
        )
        .await
        .expect("created");

    let by_owner = WebhookQuery {
        owner: Some(maya.id),
        ..WebhookQuery::default()
    };
    assert_eq!(
        ids(&store.list_webhooks(&by_owner).await.expect("list")),
        [mayas.id]
    );
    let by_party = WebhookQuery {
        owner: Some(admin.id),
        parties: vec![other.id],
        ..WebhookQuery::default()
    };
    assert_eq!(
        ids(&store.list_webhooks(&by_party).await.expect("list")),
        [omars.id, everything.id]
    );
    let all = WebhookQuery {
        all: true,
        ..WebhookQuery::default()
    };
    assert_eq!(
        ids(&store.list_webhooks(&all).await.expect("list")),
        [mayas.id, omars.id, everything.id]
    );
    assert!(
        store
            .list_webhooks(&WebhookQuery::default())
            .await
            .expect("list")
            .is_empty(),
        "nobody's list shows nothing"
    );

    assert_eq!(
        ids(&store
            .webhooks_for(Topic::RequestRaised)
            .await
            .expect("by topic")),
        [mayas.id, omars.id]
    );
    assert!(
        store
            .webhooks_for(Topic::QuestionRouted)
            .await
            .expect("by topic")
            .is_empty()
    );
    let target = store.webhook_target(mayas.id).await.expect("target");
    assert_eq!(target.secret, SECRET);
    assert_eq!(target.url, "https://hooks.brightwell.example/kept");
    assert!(
        !format!("{target:?}").contains(SECRET),
        "the secret stays out of logs"
    );

    let audit = store
        .audit_events(&AuditQuery {
            action: Some(AuditAction::WebhookCreated),
            ..AuditQuery::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit.items.len(), 3);
    assert!(
        !audit.items[0].details.to_string().contains("whsec_"),
        "never the secret"
    );
    assert!(matches!(
        store.webhook(WebhookId::new()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn subscriptions_of_archived_owners_or_unknown_parties_are_refused(
    store: Arc<dyn Store>,
) {
    let provider = org(&store, "Brightwell").await;
    let maya = user(&store, "maya@brightwell.example", Some(provider.id)).await;
    let unknown = store
        .create_webhook(
            &actor(),
            hook(
                maya.id,
                Some(kept_domain::PartyId::new()),
                "https://x.example",
                &[Topic::RequestRaised],
            ),
        )
        .await;
    assert!(
        matches!(unknown, Err(StoreError::Invalid(_))),
        "{unknown:?}"
    );
    store
        .set_user_archived(&actor(), maya.id, true)
        .await
        .expect("archived");
    let archived = store
        .create_webhook(
            &actor(),
            hook(
                maya.id,
                Some(provider.id),
                "https://x.example",
                &[Topic::RequestRaised],
            ),
        )
        .await;
    assert!(
        matches!(archived, Err(StoreError::Invalid(_))),
        "{archived:?}"
    );
    let all = WebhookQuery {
        all: true,
        ..WebhookQuery::default()
    };
    assert!(
        store.list_webhooks(&all).await.expect("list").is_empty(),
        "nothing was kept"
    );
}

pub async fn deleting_a_subscription_silences_it_and_gives_up_what_waits(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let hooked = store
        .create_webhook(
            &actor(),
            hook(
                w.agent.id,
                Some(w.provider),
                "https://hooks.example/kept",
                &[Topic::RequestRaised],
            ),
        )
        .await
        .expect("created");
    store
        .create_request(
            &as_user(&w.requester),
            record(&w, w.leeds, RequestKind::Incident, standard()),
        )
        .await
        .expect("raised");
    let soon = Timestamp::now() + SignedDuration::from_mins(1);
    let entry = store
        .claim_outbox(soon, 10, Duration::from_secs(60))
        .await
        .expect("claim")
        .remove(0);
    let call = NewDelivery {
        channel: Channel::Webhook,
        recipient: hooked.id.to_string(),
        user_id: None,
        payload: serde_json::json!({ "id": entry.id, "type": "request_raised" }),
        due_at: Timestamp::now(),
    };
    assert_eq!(
        store
            .fan_out(vec![(entry.id, vec![call])])
            .await
            .expect("fan out"),
        1
    );

    let deleted = store
        .delete_webhook(&actor(), hooked.id)
        .await
        .expect("deleted");
    assert!(deleted.archived_at.is_some());
    assert!(matches!(
        store.delete_webhook(&actor(), hooked.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .webhooks_for(Topic::RequestRaised)
            .await
            .expect("by topic")
            .is_empty()
    );
    let all = WebhookQuery {
        all: true,
        ..WebhookQuery::default()
    };
    assert!(store.list_webhooks(&all).await.expect("list").is_empty());
    assert!(
        store
            .webhook_target(hooked.id)
            .await
            .expect("still there")
            .archived_at
            .is_some()
    );
    let waiting = store
        .claim_deliveries(soon, 10, Duration::from_secs(60), &[Channel::Webhook])
        .await
        .expect("claim");
    assert!(waiting.is_empty(), "nothing more goes to it");
    let given_up = store
        .list_deliveries(&kept_store::notify::DeliveryQuery::default())
        .await
        .expect("list")
        .items
        .remove(0);
    assert_eq!(given_up.state, DeliveryState::Dead);
    assert_eq!(
        given_up.last_error.as_deref(),
        Some("the webhook subscription was deleted")
    );
}
