use std::sync::Arc;

use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    AuditAction, NewService, PartyId, PartyScope, ServiceDetails, ServiceId, ServicePatch, Targets,
};
use kept_store::{ArchivedFilter, AuditQuery, ServiceQuery, Store, StoreError};

use crate::support::{actor, name, org};

fn boxed_goods() -> ServiceDetails {
    ServiceDetails {
        ordering: kept_domain::order::Ordering::default(),
        description: "Boxed goods, delivered weekly.".into(),
        unit: Some("box".into()),
        pack_size: Some(100),
        in_scope: vec![
            "Delivery to the door".into(),
            "Returns of damaged boxes".into(),
        ],
        out_of_scope: vec!["Unpacking and shelving".into()],
        default_effort: Some(BusinessDuration::from_minutes(30)),
        default_targets: Targets {
            first_response: Some(BusinessDuration::from_hours(4)),
            resolution: None,
            delivery: Some(BusinessDuration::from_hours(24)),
        },
        default_team_id: None,
    }
}

pub async fn a_service_reads_back_with_its_scope_and_defaults(store: Arc<dyn Store>) {
    let provider = org(&store, "Crate & Co").await;
    let made = store
        .create_service(
            &actor(),
            NewService {
                provider_id: provider.id,
                name: name("Boxed goods"),
                details: boxed_goods(),
            },
        )
        .await
        .expect("created");

    let read = store.service(made.id).await.expect("read");

    assert_eq!(read, made);
    assert_eq!(read.pack_size, Some(100));
    assert_eq!(read.out_of_scope, ["Unpacking and shelving"]);
    assert_eq!(
        read.default_targets.delivery,
        Some(BusinessDuration::from_hours(24))
    );
    assert_eq!(read.default_targets.resolution, None);
    assert!(matches!(
        store.service(ServiceId::new()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn invalid_details_and_unknown_providers_are_refused(store: Arc<dyn Store>) {
    let provider = org(&store, "Crate & Co").await;
    let bad = ServiceDetails {
        pack_size: Some(0),
        in_scope: vec!["a\nb".into()],
        ..boxed_goods()
    };
    let refused = store
        .create_service(
            &actor(),
            NewService {
                provider_id: provider.id,
                name: name("Bad"),
                details: bad,
            },
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Invalid(_))),
        "{refused:?}"
    );
    let orphan = store
        .create_service(
            &actor(),
            NewService {
                provider_id: PartyId::new(),
                name: name("Orphan"),
                details: boxed_goods(),
            },
        )
        .await;
    assert!(matches!(orphan, Err(StoreError::Invalid(_))), "{orphan:?}");
}

pub async fn services_list_by_provider_within_scope_and_changes_are_audited(store: Arc<dyn Store>) {
    let crate_co = org(&store, "Crate & Co").await;
    let other = org(&store, "Other").await;
    let mine = store
        .create_service(
            &actor(),
            NewService {
                provider_id: crate_co.id,
                name: name("Boxed goods"),
                details: boxed_goods(),
            },
        )
        .await
        .expect("created");
    store
        .create_service(
            &actor(),
            NewService {
                provider_id: other.id,
                name: name("Hidden"),
                details: ServiceDetails::default(),
            },
        )
        .await
        .expect("created");

    let scope = PartyScope::Within {
        roots: vec![crate_co.id],
        context: vec![],
    };
    let page = store
        .list_services(&ServiceQuery::new(scope))
        .await
        .expect("list");
    assert_eq!(page.items, vec![mine.clone()]);

    let changed = store
        .update_service(
            &actor(),
            mine.id,
            ServicePatch {
                name: None,
                details: Some(ServiceDetails {
                    out_of_scope: vec![],
                    ..boxed_goods()
                }),
            },
        )
        .await
        .expect("updated");
    assert!(changed.out_of_scope.is_empty());
    store
        .set_service_archived(&actor(), mine.id, true)
        .await
        .expect("archived");
    let mut q = ServiceQuery::new(PartyScope::All);
    q.provider_id = Some(crate_co.id);
    assert!(
        store
            .list_services(&q)
            .await
            .expect("list")
            .items
            .is_empty()
    );
    q.archived = ArchivedFilter::Archived;
    assert_eq!(store.list_services(&q).await.expect("list").items.len(), 1);
    let events = store
        .audit_events(&AuditQuery {
            subject_type: Some("service".into()),
            subject_id: Some(mine.id.to_string()),
            ..AuditQuery::default()
        })
        .await
        .expect("audit");
    let actions: Vec<AuditAction> = events.items.iter().map(|e| e.action).collect();
    for action in [
        AuditAction::ServiceCreated,
        AuditAction::ServiceUpdated,
        AuditAction::ServiceArchived,
    ] {
        assert!(actions.contains(&action), "{actions:?}");
    }
}
