use std::sync::Arc;

use kept_domain::{AuditAction, Limit, PartyKind, PartyPatch};
use kept_store::testing::TestDatabase;
use kept_store::{AuditQuery, Store};
use sqlx::Executor;

use crate::support::{actor, name, org, party};

pub async fn changes_are_logged_newest_first_and_filterable(store: Arc<dyn Store>) {
    let client = org(&store, "Client").await;
    let site = party(&store, PartyKind::Site, "Site", Some(client.id)).await;
    store
        .update_party(
            &actor(),
            site.id,
            PartyPatch {
                name: Some(name("Renamed site")),
                ..PartyPatch::default()
            },
        )
        .await
        .expect("rename");

    let all = store
        .audit_events(&AuditQuery::default())
        .await
        .expect("all");
    let about_site = store
        .audit_events(&AuditQuery {
            subject_type: Some("party".into()),
            subject_id: Some(site.id.to_string()),
            ..AuditQuery::default()
        })
        .await
        .expect("site");
    let updates = store
        .audit_events(&AuditQuery {
            action: Some(AuditAction::PartyUpdated),
            ..AuditQuery::default()
        })
        .await
        .expect("updates");
    let first_page = store
        .audit_events(&AuditQuery {
            limit: Limit::parse("limit", 1).expect("valid"),
            ..AuditQuery::default()
        })
        .await
        .expect("page");

    assert_eq!(
        all.items.iter().map(|e| e.action).collect::<Vec<_>>(),
        vec![
            AuditAction::PartyUpdated,
            AuditAction::PartyCreated,
            AuditAction::PartyCreated
        ]
    );
    assert_eq!(about_site.items.len(), 2);
    assert_eq!(
        updates.items[0].details["name"],
        serde_json::json!(["Site", "Renamed site"])
    );
    assert_eq!(updates.items[0].actor, "conformance test");
    assert!(first_page.next_cursor.is_some());
}

pub async fn migrating_twice_changes_nothing(store: Arc<dyn Store>) {
    org(&store, "Client").await;

    store.migrate().await.expect("second migration run");

    assert_eq!(
        store
            .audit_events(&AuditQuery::default())
            .await
            .expect("read")
            .items
            .len(),
        1
    );
    store.ping().await.expect("ping");
}

/// Tries to rewrite history with a raw connection to the same database.
async fn the_audit_log_refuses_updates_and_deletes(db: &TestDatabase) {
    let store = db.store().await;
    org(&store, "Client").await;
    let raw = sqlx::AnyPool::connect(db.url())
        .await
        .expect("raw connection");

    let update = raw
        .execute("UPDATE audit_events SET actor = 'someone else'")
        .await;
    let delete = raw.execute("DELETE FROM audit_events").await;

    assert!(update.is_err(), "updates are refused");
    assert!(delete.is_err(), "deletes are refused");
    let events = store
        .audit_events(&AuditQuery::default())
        .await
        .expect("still there");
    assert_eq!(events.items.len(), 1);
    assert_eq!(events.items[0].actor, "conformance test");
}

#[tokio::test]
async fn sqlite_audit_log_refuses_updates_and_deletes() {
    the_audit_log_refuses_updates_and_deletes(&TestDatabase::sqlite()).await;
}

#[tokio::test]
async fn postgres_audit_log_refuses_updates_and_deletes() {
    if let Some(db) = TestDatabase::postgres().await {
        the_audit_log_refuses_updates_and_deletes(&db).await;
    }
}
