use std::collections::HashSet;
use std::sync::Arc;

use kept_domain::{
    Limit, Lineage, NewParty, PartyId, PartyKind, PartyPatch, PartyReference, PartyScope,
};
use kept_store::{ArchivedFilter, Conflict, PartyOrder, PartyQuery, Store, StoreError};

use crate::support::{actor, name, org, party};

fn invalid_field(err: StoreError) -> String {
    match err {
        StoreError::Invalid(errors) => errors.0[0].field.clone(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

pub async fn a_created_party_reads_back_as_it_was_written(store: Arc<dyn Store>) {
    let head_office = org(&store, "Harbour Retail plc").await;
    let store_a = party(&store, PartyKind::Site, "Leeds store", Some(head_office.id)).await;

    let read = store.party(store_a.id).await.expect("reading it back");

    assert_eq!(read, store_a);
    assert_eq!(read.parent_id, Some(head_office.id));
    assert!(!read.internal);
    assert!(matches!(
        store.party(PartyId::new()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn nesting_rules_and_missing_parents_are_refused(store: Arc<dyn Store>) {
    let person = party(&store, PartyKind::Person, "Maya Patel", None).await;
    let new = |kind, parent| NewParty {
        kind,
        name: name("x"),
        parent_id: parent,
        internal: None,
        reference: None,
    };

    let site_at_top = store
        .create_party(&actor(), new(PartyKind::Site, None))
        .await;
    let under_person = store
        .create_party(&actor(), new(PartyKind::Team, Some(person.id)))
        .await;
    let missing_parent = store
        .create_party(&actor(), new(PartyKind::Team, Some(PartyId::new())))
        .await;

    assert_eq!(
        invalid_field(site_at_top.expect_err("a site needs a parent")),
        "parent_id"
    );
    assert_eq!(
        invalid_field(under_person.expect_err("people contain nothing")),
        "parent_id"
    );
    assert_eq!(
        invalid_field(missing_parent.expect_err("parent must exist")),
        "parent_id"
    );
}

pub async fn children_inherit_the_internal_flag_unless_told(store: Arc<dyn Store>) {
    let provider = store
        .create_party(
            &actor(),
            NewParty {
                kind: PartyKind::Organisation,
                name: name("Brightwell"),
                parent_id: None,
                internal: Some(true),
                reference: None,
            },
        )
        .await
        .expect("provider");
    let helpdesk = party(&store, PartyKind::Team, "Helpdesk", Some(provider.id)).await;
    let contractor = store
        .create_party(
            &actor(),
            NewParty {
                kind: PartyKind::Team,
                name: name("Contractors"),
                parent_id: Some(provider.id),
                internal: Some(false),
                reference: None,
            },
        )
        .await
        .expect("contractor team");

    assert!(provider.internal);
    assert!(helpdesk.internal);
    assert!(!contractor.internal);
}

pub async fn references_are_unique(store: Arc<dyn Store>) {
    let with_ref = |n: &str| NewParty {
        kind: PartyKind::Organisation,
        name: name(n),
        parent_id: None,
        internal: None,
        reference: Some(PartyReference::parse("reference", "ACCT-1").expect("valid")),
    };
    store
        .create_party(&actor(), with_ref("First"))
        .await
        .expect("first use");

    let second = store.create_party(&actor(), with_ref("Second")).await;

    assert!(matches!(
        second,
        Err(StoreError::Conflict(Conflict::ReferenceTaken))
    ));
}

pub async fn lineage_runs_from_the_top_down(store: Arc<dyn Store>) {
    let group = org(&store, "Northwind Group").await;
    let ops = party(&store, PartyKind::Department, "Operations", Some(group.id)).await;
    let omar = party(&store, PartyKind::Person, "Omar Haddad", Some(ops.id)).await;

    let lineage = store.lineage(omar.id).await.expect("lineage");

    assert_eq!(lineage, Lineage(vec![group.id, ops.id, omar.id]));
    assert!(matches!(
        store.lineage(PartyId::new()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn lists_are_scoped_to_the_subtrees_granted_plus_context(store: Arc<dyn Store>) {
    let head_office = org(&store, "Harbour Retail plc").await;
    let store_a = party(&store, PartyKind::Site, "Leeds store", Some(head_office.id)).await;
    let alice = party(&store, PartyKind::Person, "Alice", Some(store_a.id)).await;
    let store_b = party(
        &store,
        PartyKind::Site,
        "Bristol store",
        Some(head_office.id),
    )
    .await;
    let bob = party(&store, PartyKind::Person, "Bob", Some(store_b.id)).await;
    let other = org(&store, "Someone else").await;

    let scope = PartyScope::Within {
        roots: vec![store_a.id],
        context: vec![head_office.id],
    };
    let page = store
        .list_parties(&PartyQuery::new(scope))
        .await
        .expect("list");
    let seen: HashSet<PartyId> = page.items.iter().map(|p| p.id).collect();

    assert_eq!(seen, HashSet::from([head_office.id, store_a.id, alice.id]));
    assert!(!seen.contains(&store_b.id) && !seen.contains(&bob.id) && !seen.contains(&other.id));

    let all = store
        .list_parties(&PartyQuery::new(PartyScope::All))
        .await
        .expect("list all");
    assert_eq!(all.items.len(), 6);
}

pub async fn lists_filter_by_kind_parent_subtree_flag_and_name(store: Arc<dyn Store>) {
    let head_office = org(&store, "Harbour Retail plc").await;
    let leeds = party(&store, PartyKind::Site, "Leeds store", Some(head_office.id)).await;
    let tom = party(&store, PartyKind::Person, "Tom Reed", Some(leeds.id)).await;
    let percent = party(&store, PartyKind::Site, "100% Outlet", Some(head_office.id)).await;
    let ids = |page: kept_domain::Page<kept_domain::Party>| {
        page.items.into_iter().map(|p| p.id).collect::<Vec<_>>()
    };
    let query = || PartyQuery::new(PartyScope::All);

    let sites = store
        .list_parties(&PartyQuery {
            kind: Some(PartyKind::Site),
            ..query()
        })
        .await
        .expect("kind");
    let children = store
        .list_parties(&PartyQuery {
            parent_id: Some(leeds.id),
            ..query()
        })
        .await
        .expect("parent");
    let under = store
        .list_parties(&PartyQuery {
            under: Some(head_office.id),
            ..query()
        })
        .await
        .expect("under");
    let searched = store
        .list_parties(&PartyQuery {
            search: Some("LEEDS".into()),
            ..query()
        })
        .await
        .expect("search");
    let wildcard = store
        .list_parties(&PartyQuery {
            search: Some("0%".into()),
            ..query()
        })
        .await
        .expect("wildcard");
    let internal = store
        .list_parties(&PartyQuery {
            internal: Some(true),
            ..query()
        })
        .await
        .expect("flag");

    assert_eq!(ids(sites), vec![leeds.id, percent.id]);
    assert_eq!(ids(children), vec![tom.id]);
    assert_eq!(ids(under), vec![leeds.id, tom.id, percent.id]);
    assert_eq!(ids(searched), vec![leeds.id]);
    assert_eq!(ids(wildcard), vec![percent.id], "% is matched literally");
    assert!(internal.items.is_empty());
}

pub async fn pagination_walks_every_party_once_in_either_order(store: Arc<dyn Store>) {
    let names = ["delta", "Alpha", "charlie", "Bravo", "echo", "alpha"];
    let mut created = Vec::new();
    for n in names {
        created.push(org(&store, n).await.id);
    }
    for order in [PartyOrder::Created, PartyOrder::Name] {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let query = PartyQuery {
                order,
                cursor: cursor.clone(),
                limit: Limit::parse("limit", 4).expect("valid"),
                ..PartyQuery::new(PartyScope::All)
            };
            let page = store.list_parties(&query).await.expect("page");
            seen.extend(page.items.iter().map(|p| (p.name.to_string(), p.id)));
            match page.next_cursor {
                Some(c) => cursor = Some(c.as_str().to_owned()),
                None => break,
            }
        }
        assert_eq!(seen.len(), names.len(), "{order:?}: every party once");
        if order == PartyOrder::Created {
            assert_eq!(seen.iter().map(|s| s.1).collect::<Vec<_>>(), created);
        } else {
            let lowered: Vec<String> = seen.iter().map(|s| s.0.to_lowercase()).collect();
            let mut sorted = lowered.clone();
            sorted.sort();
            assert_eq!(lowered, sorted, "sorted by name ignoring case");
        }
    }
}

pub async fn a_bad_cursor_is_invalid_input(store: Arc<dyn Store>) {
    let query = PartyQuery {
        cursor: Some("not a cursor".into()),
        ..PartyQuery::new(PartyScope::All)
    };

    let result = store.list_parties(&query).await;

    assert_eq!(invalid_field(result.expect_err("garbage cursor")), "cursor");
}

pub async fn moving_a_party_carries_its_subtree(store: Arc<dyn Store>) {
    let old_owner = org(&store, "Old owner").await;
    let new_owner = org(&store, "New owner").await;
    let site = party(&store, PartyKind::Site, "Depot", Some(old_owner.id)).await;
    let person = party(&store, PartyKind::Person, "Dan", Some(site.id)).await;

    let moved = store
        .update_party(
            &actor(),
            site.id,
            PartyPatch {
                parent_id: Some(Some(new_owner.id)),
                ..PartyPatch::default()
            },
        )
        .await
        .expect("move");

    assert_eq!(moved.parent_id, Some(new_owner.id));
    assert_eq!(
        store.lineage(person.id).await.expect("lineage"),
        Lineage(vec![new_owner.id, site.id, person.id])
    );
    let under_old = PartyQuery {
        under: Some(old_owner.id),
        ..PartyQuery::new(PartyScope::All)
    };
    assert!(
        store
            .list_parties(&under_old)
            .await
            .expect("list")
            .items
            .is_empty()
    );
}

pub async fn moving_a_party_under_itself_or_its_descendants_is_refused(store: Arc<dyn Store>) {
    let group = org(&store, "Group").await;
    let sub = party(
        &store,
        PartyKind::Organisation,
        "Subsidiary",
        Some(group.id),
    )
    .await;
    let move_to = |p| PartyPatch {
        parent_id: Some(Some(p)),
        ..PartyPatch::default()
    };

    let under_self = store
        .update_party(&actor(), group.id, move_to(group.id))
        .await;
    let under_child = store
        .update_party(&actor(), group.id, move_to(sub.id))
        .await;

    assert_eq!(invalid_field(under_self.expect_err("self")), "parent_id");
    assert_eq!(invalid_field(under_child.expect_err("cycle")), "parent_id");
    assert_eq!(
        store.lineage(sub.id).await.expect("unchanged"),
        Lineage(vec![group.id, sub.id])
    );
}

pub async fn archiving_needs_children_archived_first_and_restoring_needs_the_parent(
    store: Arc<dyn Store>,
) {
    let client = org(&store, "Client").await;
    let site = party(&store, PartyKind::Site, "Site", Some(client.id)).await;

    let too_early = store.set_party_archived(&actor(), client.id, true).await;
    assert!(matches!(
        too_early,
        Err(StoreError::Conflict(Conflict::HasActiveChildren))
    ));

    let site_archived = store
        .set_party_archived(&actor(), site.id, true)
        .await
        .expect("leaf archives");
    let client_archived = store
        .set_party_archived(&actor(), client.id, true)
        .await
        .expect("now empty");
    assert!(site_archived.is_archived() && client_archived.is_archived());

    let restore_child = store.set_party_archived(&actor(), site.id, false).await;
    assert!(matches!(
        restore_child,
        Err(StoreError::Conflict(Conflict::ParentArchived))
    ));

    let hidden = store
        .list_parties(&PartyQuery::new(PartyScope::All))
        .await
        .expect("list");
    let archived = store
        .list_parties(&PartyQuery {
            archived: ArchivedFilter::Archived,
            ..PartyQuery::new(PartyScope::All)
        })
        .await
        .expect("list archived");
    assert!(hidden.items.is_empty());
    assert_eq!(archived.items.len(), 2);

    store
        .set_party_archived(&actor(), client.id, false)
        .await
        .expect("restore parent");
    store
        .set_party_archived(&actor(), site.id, false)
        .await
        .expect("then the child");
}

pub async fn concurrent_writes_all_succeed(store: Arc<dyn Store>) {
    let parent = org(&store, "Busy org").await;
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                party(
                    &store,
                    PartyKind::Team,
                    &format!("Team {i}"),
                    Some(parent.id),
                )
                .await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task finished");
    }
    let query = PartyQuery {
        parent_id: Some(parent.id),
        limit: Limit::parse("limit", 100).expect("valid"),
        ..PartyQuery::new(PartyScope::All)
    };
    assert_eq!(
        store.list_parties(&query).await.expect("list").items.len(),
        24
    );
}
