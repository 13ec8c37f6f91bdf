use std::sync::Arc;

use kept_domain::{ChainGraph, Direction, LinkId, NewLink, PartyId, PartyKind, PartyScope};
use kept_store::{ArchivedFilter, Conflict, LinkQuery, Store, StoreError};

use crate::support::{actor, org, party};

async fn link(store: &Arc<dyn Store>, supplier: PartyId, customer: PartyId) -> kept_domain::Link {
    store
        .create_link(
            &actor(),
            NewLink::new(supplier, customer, Some("supplies")).expect("valid"),
        )
        .await
        .expect("linking")
}

pub async fn a_link_reads_back_and_lists_for_either_party(store: Arc<dyn Store>) {
    let provider = org(&store, "Brightwell Facilities").await;
    let client = org(&store, "Harbour Retail plc").await;

    let made = link(&store, provider.id, client.id).await;

    assert_eq!(store.link(made.id).await.expect("read"), made);
    assert_eq!(made.label.as_deref(), Some("supplies"));
    for party in [provider.id, client.id] {
        let mut q = LinkQuery::new(PartyScope::All);
        q.party_id = Some(party);
        let page = store.list_links(&q).await.expect("list");
        assert_eq!(page.items, vec![made.clone()]);
    }
    assert!(matches!(
        store.link(LinkId::new()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_duplicate_link_and_unknown_parties_are_refused(store: Arc<dyn Store>) {
    let a = org(&store, "A").await;
    let b = org(&store, "B").await;
    link(&store, a.id, b.id).await;

    let again = store
        .create_link(&actor(), NewLink::new(a.id, b.id, None).expect("valid"))
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(Conflict::AlreadyLinked))),
        "{again:?}"
    );
    let unknown = store
        .create_link(
            &actor(),
            NewLink::new(a.id, PartyId::new(), None).expect("valid"),
        )
        .await;
    assert!(
        matches!(unknown, Err(StoreError::Invalid(_))),
        "{unknown:?}"
    );
}

pub async fn a_link_that_closes_a_loop_is_refused_naming_the_path(store: Arc<dyn Store>) {
    let publisher = org(&store, "Folio Learning Press").await;
    let company = org(&store, "Skillbridge Training").await;
    let trainer = org(&store, "Elena Rossi Training").await;
    link(&store, publisher.id, company.id).await;
    link(&store, company.id, trainer.id).await;

    let loop_back = store
        .create_link(
            &actor(),
            NewLink::new(trainer.id, publisher.id, None).expect("valid"),
        )
        .await;

    match loop_back {
        Err(StoreError::ChainCycle(path)) => {
            assert_eq!(path, vec![trainer.id, publisher.id, company.id, trainer.id]);
        }
        other => panic!("expected a cycle, got {other:?}"),
    }
}

pub async fn an_ended_link_is_left_out_of_walks_and_restoring_it_rechecks_loops(
    store: Arc<dyn Store>,
) {
    let a = org(&store, "A").await;
    let b = org(&store, "B").await;
    let first = link(&store, a.id, b.id).await;
    let ended = store
        .set_link_archived(&actor(), first.id, true)
        .await
        .expect("end");
    assert!(ended.is_archived());
    assert!(
        store
            .chain_links(&PartyScope::All)
            .await
            .expect("walk")
            .is_empty()
    );
    // With a -> b ended, b -> a is allowed; restoring a -> b would close a loop.
    link(&store, b.id, a.id).await;
    let restored = store.set_link_archived(&actor(), first.id, false).await;
    assert!(
        matches!(restored, Err(StoreError::ChainCycle(_))),
        "{restored:?}"
    );
    let mut q = LinkQuery::new(PartyScope::All);
    q.archived = ArchivedFilter::Archived;
    assert_eq!(store.list_links(&q).await.expect("list").items.len(), 1);
}

pub async fn the_training_chain_walks_up_to_the_publisher_and_down_to_the_participants(
    store: Arc<dyn Store>,
) {
    let publisher = org(&store, "Folio Learning Press").await;
    let company = org(&store, "Skillbridge Training").await;
    let trainer = org(&store, "Elena Rossi Training").await;
    let participants = org(&store, "Leadership Essentials participants").await;
    let cohort = party(
        &store,
        PartyKind::Team,
        "November cohort",
        Some(participants.id),
    )
    .await;
    let lina = party(&store, PartyKind::Person, "Lina Park", Some(cohort.id)).await;
    link(&store, publisher.id, company.id).await;
    link(&store, company.id, trainer.id).await;
    link(&store, trainer.id, participants.id).await;

    let graph = ChainGraph::new(&store.chain_links(&PartyScope::All).await.expect("links"));
    let lineage = store.lineage(lina.id).await.expect("lineage");
    let up: Vec<PartyId> = graph
        .walk(&lineage.0, Direction::Upstream, 10)
        .iter()
        .map(|r| r.party_id)
        .collect();
    let down: Vec<PartyId> = graph
        .walk(&[publisher.id], Direction::Downstream, 10)
        .iter()
        .map(|r| r.party_id)
        .collect();

    assert_eq!(up, vec![trainer.id, company.id, publisher.id]);
    assert_eq!(down, vec![company.id, trainer.id, participants.id]);
    assert_eq!(
        graph.walk(&[publisher.id], Direction::Downstream, 1).len(),
        1
    );
}

pub async fn links_are_visible_to_those_who_see_either_party(store: Arc<dyn Store>) {
    let provider = org(&store, "Brightwell").await;
    let client = org(&store, "Harbour").await;
    let leeds = party(&store, PartyKind::Site, "Leeds", Some(client.id)).await;
    let york = party(&store, PartyKind::Site, "York", Some(client.id)).await;
    let other = org(&store, "Someone else").await;
    let served = link(&store, provider.id, client.id).await;
    link(&store, provider.id, other.id).await;
    // The head office supplying another of its sites is none of Leeds's business.
    link(&store, client.id, york.id).await;

    // A Leeds customer reaches Leeds and sees Harbour as context.
    let leeds_scope = PartyScope::Within {
        roots: vec![leeds.id],
        context: vec![client.id],
    };
    let seen = store.chain_links(&leeds_scope).await.expect("links");
    assert_eq!(seen, vec![served.clone()]);
    let page = store
        .list_links(&LinkQuery::new(leeds_scope))
        .await
        .expect("list");
    assert_eq!(page.items, vec![served]);
    // Provider staff see both of the provider's links.
    let staff = PartyScope::Within {
        roots: vec![provider.id],
        context: vec![],
    };
    assert_eq!(store.chain_links(&staff).await.expect("links").len(), 2);
    // The head office's people see its links both ways.
    let head_office = PartyScope::Within {
        roots: vec![client.id],
        context: vec![],
    };
    assert_eq!(
        store.chain_links(&head_office).await.expect("links").len(),
        2
    );
}

pub async fn concurrent_links_cannot_close_a_loop_between_them(store: Arc<dyn Store>) {
    let a = org(&store, "A").await;
    let b = org(&store, "B").await;
    let (s1, s2) = (store.clone(), store.clone());
    let one = tokio::spawn(async move {
        s1.create_link(&actor(), NewLink::new(a.id, b.id, None).expect("valid"))
            .await
    });
    let two = tokio::spawn(async move {
        s2.create_link(&actor(), NewLink::new(b.id, a.id, None).expect("valid"))
            .await
    });
    let results = [one.await.expect("join"), two.await.expect("join")];
    let made = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(made, 1, "{results:?}");
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(StoreError::ChainCycle(_)))),
        "{results:?}"
    );
}
