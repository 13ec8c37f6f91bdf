use std::sync::{Arc, Mutex};

use kept_domain::{
    Actor, AuditAction, Limit, NewContract, NewLink, NewParty, NewService, Party, PartyId,
    PartyKind, PartyReference, PartyScope, Quorum, ServiceDetails,
};
use kept_store::{
    AuditQuery, ContractQuery, ImportParty, LinkQuery, PartyQuery, RowError, Store, StoreError,
};

use crate::support::{actor, name, org, party, user};

/// A party row: its parent by the reference of an earlier row, if any.
fn row(kind: PartyKind, text: &str, reference: Option<&str>, parent: Option<&str>) -> ImportParty {
    ImportParty {
        party: NewParty {
            kind,
            name: name(text),
            parent_id: None,
            internal: None,
            reference: reference.map(|r| PartyReference::parse("reference", r).expect("valid")),
        },
        parent_reference: parent.map(str::to_owned),
    }
}

fn link(supplier: PartyId, customer: PartyId) -> NewLink {
    NewLink::new(supplier, customer, None).expect("valid")
}

/// Records the progress reported, in order.
#[derive(Default)]
struct Seen(Mutex<Vec<usize>>);

impl Seen {
    fn note(&self, n: usize) {
        self.0.lock().expect("not poisoned").push(n);
    }

    fn all(&self) -> Vec<usize> {
        self.0.lock().expect("not poisoned").clone()
    }
}

async fn party_count(store: &Arc<dyn Store>) -> usize {
    let mut q = PartyQuery::new(PartyScope::All);
    q.limit = Limit::MAX_PAGE;
    store.list_parties(&q).await.expect("list").items.len()
}

async fn link_count(store: &Arc<dyn Store>) -> usize {
    let mut q = LinkQuery::new(PartyScope::All);
    q.limit = Limit::MAX_PAGE;
    store.list_links(&q).await.expect("list").items.len()
}

async fn contract_count(store: &Arc<dyn Store>) -> usize {
    let mut q = ContractQuery::new(PartyScope::All, None);
    q.limit = Limit::MAX_PAGE;
    store.list_contracts(&q).await.expect("list").items.len()
}

async fn audit_count(store: &Arc<dyn Store>) -> usize {
    let q = AuditQuery {
        limit: Limit::MAX_PAGE,
        ..AuditQuery::default()
    };
    store.audit_events(&q).await.expect("audit").items.len()
}

/// The row and the error of a refused import.
fn refused<T: std::fmt::Debug>(result: Result<T, RowError>) -> (Option<usize>, StoreError) {
    match result {
        Err(e) => (e.row, e.error),
        Ok(made) => panic!("expected the import to be refused, got {made:?}"),
    }
}

pub async fn parties_are_imported_in_order_with_a_parent_named_by_an_earlier_rows_reference(
    store: Arc<dyn Store>,
) {
    let recorded = org(&store, "Brightwell Facilities").await;
    let seen = Seen::default();
    let mut team = row(PartyKind::Team, "Night shift", None, None);
    team.party.parent_id = Some(recorded.id);
    let rows = vec![
        row(
            PartyKind::Organisation,
            "Harbour Retail plc",
            Some("HRB"),
            None,
        ),
        row(PartyKind::Site, "Leeds store", Some("HRB-LDS"), Some("HRB")),
        row(PartyKind::Department, "Bakery", None, Some("HRB-LDS")),
        team,
    ];

    let made = store
        .import_parties(&actor(), rows, &|n| seen.note(n))
        .await
        .expect("imported");

    let names: Vec<&str> = made.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["Harbour Retail plc", "Leeds store", "Bakery", "Night shift"]
    );
    assert_eq!(made[0].parent_id, None);
    assert_eq!(made[1].parent_id, Some(made[0].id));
    assert_eq!(made[2].parent_id, Some(made[1].id));
    assert_eq!(made[3].parent_id, Some(recorded.id));
    assert_eq!(seen.all(), vec![1, 2, 3, 4]);
    for party in &made {
        assert_eq!(&store.party(party.id).await.expect("read"), party);
    }
    assert_eq!(
        store.party_by_reference("HRB-LDS").await.expect("found"),
        Some(made[1].id)
    );
    assert_eq!(
        store.party_by_reference("nowhere").await.expect("asked"),
        None
    );
    let lineage = store.lineage(made[2].id).await.expect("lineage");
    assert_eq!(lineage.0, vec![made[0].id, made[1].id, made[2].id]);
}

pub async fn links_are_imported_in_order_and_a_loop_keeps_none_of_them(store: Arc<dyn Store>) {
    let publisher = org(&store, "Folio Learning Press").await;
    let company = org(&store, "Skillbridge Training").await;
    let trainer = org(&store, "Elena Rossi Training").await;
    let participants = org(&store, "Leadership Essentials participants").await;
    let good = vec![link(publisher.id, company.id), link(company.id, trainer.id)];
    let looping = vec![
        link(trainer.id, participants.id),
        link(participants.id, publisher.id),
    ];

    let made = store
        .import_links(&actor(), good, &|_| {})
        .await
        .expect("imported");
    let (links_before, audit_before) = (link_count(&store).await, audit_count(&store).await);
    let (row, error) = refused(store.import_links(&actor(), looping, &|_| {}).await);

    assert_eq!(made.len(), 2);
    assert_eq!(
        (made[0].supplier_id, made[0].customer_id),
        (publisher.id, company.id)
    );
    assert_eq!(
        (made[1].supplier_id, made[1].customer_id),
        (company.id, trainer.id)
    );
    assert_eq!(row, Some(1), "the second row closes the loop");
    match error {
        StoreError::ChainCycle(path) => assert_eq!(
            path,
            vec![
                participants.id,
                publisher.id,
                company.id,
                trainer.id,
                participants.id
            ]
        ),
        other => panic!("expected a cycle, got {other:?}"),
    }
    assert_eq!(links_before, 2);
    assert_eq!(
        link_count(&store).await,
        2,
        "the first row of the file is gone too"
    );
    assert_eq!(
        audit_count(&store).await,
        audit_before,
        "nothing was audited"
    );
}

pub async fn contracts_are_imported_with_their_customers_services_and_approvers(
    store: Arc<dyn Store>,
) {
    let provider = org(&store, "Brightwell").await;
    let client = org(&store, "Harbour").await;
    let leeds = party(&store, PartyKind::Site, "Leeds", Some(client.id)).await;
    let york = party(&store, PartyKind::Site, "York", Some(client.id)).await;
    let service = store
        .create_service(
            &actor(),
            NewService {
                provider_id: provider.id,
                name: name("Cleaning"),
                details: ServiceDetails::default(),
            },
        )
        .await
        .expect("service");
    let claire = user(&store, "claire@harbour.example", Some(client.id)).await;
    let contract = |text: &str, customers: Vec<PartyId>| NewContract {
        name: name(text),
        provider_id: provider.id,
        client_id: client.id,
        customer_ids: customers,
        service_ids: vec![service.id],
        calendar_id: None,
        probation_ends_on: Some("2026-06-30".parse().expect("date")),
        steering_group: vec![claire.id],
        quorum: Quorum::All,
    };
    let seen = Seen::default();

    let made = store
        .import_contracts(
            &actor(),
            vec![
                contract("Harbour FM Leeds", vec![leeds.id]),
                contract("Harbour FM York", vec![york.id]),
            ],
            &|n| seen.note(n),
        )
        .await
        .expect("imported");

    assert_eq!(made.len(), 2);
    assert_eq!(seen.all(), vec![1, 2]);
    let first = store.contract(made[0]).await.expect("read");
    let second = store.contract(made[1]).await.expect("read");
    assert_eq!(first.name.as_str(), "Harbour FM Leeds");
    assert_eq!(first.customer_ids, vec![leeds.id]);
    assert_eq!(second.customer_ids, vec![york.id]);
    assert_eq!(first.service_ids, vec![service.id]);
    assert_eq!(first.steering_group, vec![claire.id]);
    assert_eq!(first.quorum, Quorum::All);
    assert_eq!(
        first.probation_ends_on.map(|d| d.to_string()).as_deref(),
        Some("2026-06-30")
    );
    assert_eq!(contract_count(&store).await, 2);
}

pub async fn a_failing_import_row_is_reported_by_its_index_and_nothing_is_kept(
    store: Arc<dyn Store>,
) {
    let taken = org(&store, "Already here").await;
    store
        .import_parties(
            &actor(),
            vec![row(
                PartyKind::Organisation,
                "Referenced",
                Some("TAKEN"),
                None,
            )],
            &|_| {},
        )
        .await
        .expect("setup");
    let provider = org(&store, "Brightwell").await;
    let other = org(&store, "Other provider").await;
    let foreign = store
        .create_service(
            &actor(),
            NewService {
                provider_id: other.id,
                name: name("Theirs"),
                details: ServiceDetails::default(),
            },
        )
        .await
        .expect("service");
    let claire = user(&store, "claire@harbour.example", Some(taken.id)).await;
    let contract = |services| NewContract {
        name: name("Harbour FM"),
        provider_id: provider.id,
        client_id: taken.id,
        customer_ids: vec![taken.id],
        service_ids: services,
        calendar_id: None,
        probation_ends_on: None,
        steering_group: vec![claire.id],
        quorum: Quorum::Majority,
    };
    let mut person_parent = row(PartyKind::Team, "Under a person", None, None);
    person_parent.party.parent_id = Some(claire.party_id);
    let (parties_before, contracts_before) =
        (party_count(&store).await, contract_count(&store).await);
    let audit_before = audit_count(&store).await;

    let unknown_parent = refused(
        store
            .import_parties(
                &actor(),
                vec![
                    row(PartyKind::Organisation, "New org", Some("NEW"), None),
                    row(PartyKind::Site, "New site", None, Some("NEW")),
                    row(PartyKind::Site, "Orphan", None, Some("MISSING")),
                ],
                &|_| {},
            )
            .await,
    );
    let repeated_reference = refused(
        store
            .import_parties(
                &actor(),
                vec![
                    row(PartyKind::Organisation, "Fresh", Some("FRESH"), None),
                    row(PartyKind::Organisation, "Clash", Some("TAKEN"), None),
                ],
                &|_| {},
            )
            .await,
    );
    let bad_nesting = refused(
        store
            .import_parties(&actor(), vec![person_parent], &|_| {})
            .await,
    );
    let unknown_party = refused(
        store
            .import_links(
                &actor(),
                vec![
                    link(provider.id, taken.id),
                    link(provider.id, PartyId::new()),
                ],
                &|_| {},
            )
            .await,
    );
    let foreign_service = refused(
        store
            .import_contracts(
                &actor(),
                vec![contract(vec![]), contract(vec![foreign.id])],
                &|_| {},
            )
            .await,
    );

    assert_eq!(unknown_parent.0, Some(2));
    assert!(
        matches!(&unknown_parent.1, StoreError::Invalid(e) if e.0[0].field == "parent"),
        "{:?}",
        unknown_parent.1
    );
    assert_eq!(repeated_reference.0, Some(1));
    assert!(
        matches!(
            repeated_reference.1,
            StoreError::Conflict(kept_store::Conflict::ReferenceTaken)
        ),
        "{:?}",
        repeated_reference.1
    );
    assert_eq!(bad_nesting.0, Some(0));
    assert!(
        matches!(&bad_nesting.1, StoreError::Invalid(e) if e.0[0].field == "parent_id"),
        "{:?}",
        bad_nesting.1
    );
    assert_eq!(unknown_party.0, Some(1));
    assert!(
        matches!(&unknown_party.1, StoreError::Invalid(e) if e.0[0].field == "customer_id"),
        "{:?}",
        unknown_party.1
    );
    assert_eq!(foreign_service.0, Some(1));
    assert!(
        matches!(&foreign_service.1, StoreError::Invalid(e) if e.0[0].field == "service_ids[0]"),
        "{:?}",
        foreign_service.1
    );
    assert_eq!(party_count(&store).await, parties_before);
    assert_eq!(link_count(&store).await, 0);
    assert_eq!(contract_count(&store).await, contracts_before);
    assert_eq!(audit_count(&store).await, audit_before);
    assert_eq!(store.party_by_reference("NEW").await.expect("asked"), None);
    assert_eq!(
        store.party_by_reference("FRESH").await.expect("asked"),
        None
    );
}

pub async fn every_imported_row_is_audited_under_the_importing_actor(store: Arc<dyn Store>) {
    let importer = Actor::system("kept import");
    let provider = org(&store, "Brightwell").await;
    let claire = user(&store, "claire@brightwell.example", Some(provider.id)).await;
    let audit_before = audit_count(&store).await;

    let parties: Vec<Party> = store
        .import_parties(
            &importer,
            vec![
                row(PartyKind::Organisation, "Harbour", Some("HRB"), None),
                row(PartyKind::Site, "Leeds", None, Some("HRB")),
            ],
            &|_| {},
        )
        .await
        .expect("parties");
    let links = store
        .import_links(&importer, vec![link(provider.id, parties[0].id)], &|_| {})
        .await
        .expect("links");
    let contracts = store
        .import_contracts(
            &importer,
            vec![NewContract {
                name: name("Harbour FM"),
                provider_id: provider.id,
                client_id: parties[0].id,
                customer_ids: vec![parties[1].id],
                service_ids: vec![],
                calendar_id: None,
                probation_ends_on: None,
                steering_group: vec![claire.id],
                quorum: Quorum::AtLeast(1),
            }],
            &|_| {},
        )
        .await
        .expect("contracts");

    let events = store
        .audit_events(&AuditQuery::default())
        .await
        .expect("audit")
        .items;
    let new = &events[..events.len() - audit_before];
    assert_eq!(
        new.iter().map(|e| e.action).collect::<Vec<_>>(),
        vec![
            AuditAction::ContractCreated,
            AuditAction::LinkCreated,
            AuditAction::PartyCreated,
            AuditAction::PartyCreated
        ]
    );
    assert!(new.iter().all(|e| e.actor == "kept import"), "{new:?}");
    assert_eq!(new[0].subject_id, contracts[0].to_string());
    assert_eq!(new[1].subject_id, links[0].id.to_string());
    assert_eq!(new[2].subject_id, parties[1].id.to_string());
    assert_eq!(new[3].subject_id, parties[0].id.to_string());
    assert_eq!(
        new[2].details["parent_id"],
        serde_json::json!(parties[0].id)
    );
}
