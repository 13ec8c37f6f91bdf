use std::sync::Arc;

use kept_domain::{
    ContractId, NewContract, NewService, Party, PartyKind, PartyScope, Quorum, Service,
    ServiceDetails, UserId,
};
use kept_store::{ContractQuery, Store, StoreError};

use crate::support::{actor, name, org, party, user};

struct Chain {
    provider: Party,
    client: Party,
    leeds: Party,
    york: Party,
    service: Service,
    approver: UserId,
}

async fn chain(store: &Arc<dyn Store>) -> Chain {
    let provider = org(store, "Brightwell").await;
    let client = org(store, "Harbour").await;
    let leeds = party(store, PartyKind::Site, "Leeds", Some(client.id)).await;
    let york = party(store, PartyKind::Site, "York", Some(client.id)).await;
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
    let approver = user(store, "claire@harbour.example", Some(client.id))
        .await
        .id;
    Chain {
        provider,
        client,
        leeds,
        york,
        service,
        approver,
    }
}

fn new_contract(c: &Chain, customers: Vec<kept_domain::PartyId>) -> NewContract {
    NewContract {
        name: name("Harbour FM"),
        provider_id: c.provider.id,
        client_id: c.client.id,
        customer_ids: customers,
        service_ids: vec![c.service.id],
        calendar_id: None,
        probation_ends_on: Some("2026-06-30".parse().expect("date")),
        steering_group: vec![c.approver],
        quorum: Quorum::All,
    }
}

pub async fn a_contract_reads_back_with_its_customers_services_and_approvers(
    store: Arc<dyn Store>,
) {
    let c = chain(&store).await;
    let made = store
        .create_contract(&actor(), new_contract(&c, vec![c.leeds.id, c.york.id]))
        .await
        .expect("created");

    let read = store.contract(made.id).await.expect("read");

    assert_eq!(read, made);
    let mut customers = vec![c.leeds.id, c.york.id];
    customers.sort();
    assert_eq!(read.customer_ids, customers);
    assert_eq!(read.service_ids, vec![c.service.id]);
    assert_eq!(read.steering_group, vec![c.approver]);
    assert_eq!(
        read.probation_ends_on.map(|d| d.to_string()).as_deref(),
        Some("2026-06-30")
    );
    assert!(matches!(
        store.contract(ContractId::new()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_contract_naming_unusable_things_is_refused_naming_the_field(store: Arc<dyn Store>) {
    let c = chain(&store).await;
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
    let field = |r: Result<kept_domain::Contract, StoreError>| match r {
        Err(StoreError::Invalid(e)) => e.0[0].field.clone(),
        other => panic!("expected invalid input, got {other:?}"),
    };
    let cases = [
        (
            NewContract {
                service_ids: vec![foreign.id],
                ..new_contract(&c, vec![c.leeds.id])
            },
            "service_ids[0]",
        ),
        (
            NewContract {
                customer_ids: vec![kept_domain::PartyId::new()],
                ..new_contract(&c, vec![])
            },
            "customer_ids[0]",
        ),
        (
            NewContract {
                steering_group: vec![UserId::new()],
                ..new_contract(&c, vec![c.leeds.id])
            },
            "steering_group[0]",
        ),
        (
            NewContract {
                calendar_id: Some(kept_domain::CalendarId::new()),
                ..new_contract(&c, vec![c.leeds.id])
            },
            "calendar_id",
        ),
        (
            NewContract {
                client_id: c.provider.id,
                ..new_contract(&c, vec![c.leeds.id])
            },
            "client_id",
        ),
        (
            NewContract {
                quorum: Quorum::AtLeast(2),
                ..new_contract(&c, vec![c.leeds.id])
            },
            "quorum",
        ),
    ];
    for (new, expected) in cases {
        assert_eq!(field(store.create_contract(&actor(), new).await), expected);
    }
    store
        .set_service_archived(&actor(), c.service.id, true)
        .await
        .expect("withdrawn");
    assert_eq!(
        field(
            store
                .create_contract(&actor(), new_contract(&c, vec![c.leeds.id]))
                .await
        ),
        "service_ids[0]"
    );
    let all = store
        .list_contracts(&ContractQuery::new(PartyScope::All, None))
        .await
        .expect("list");
    assert!(all.items.is_empty(), "nothing half-made");
}

pub async fn contracts_are_seen_by_their_provider_client_customers_and_steering_group(
    store: Arc<dyn Store>,
) {
    let c = chain(&store).await;
    let leeds_only = store
        .create_contract(&actor(), new_contract(&c, vec![c.leeds.id]))
        .await
        .expect("created");
    let york_only = store
        .create_contract(
            &actor(),
            NewContract {
                name: name("York FM"),
                ..new_contract(&c, vec![c.york.id])
            },
        )
        .await
        .expect("created");
    let within = |roots: Vec<kept_domain::PartyId>| PartyScope::Within {
        roots,
        context: vec![],
    };
    let names = |page: kept_domain::Page<kept_domain::Contract>| {
        page.items
            .iter()
            .map(|c| c.name.as_str().to_owned())
            .collect::<Vec<_>>()
    };

    let leeds = store
        .list_contracts(&ContractQuery::new(within(vec![c.leeds.id]), None))
        .await
        .expect("list");
    let client = store
        .list_contracts(&ContractQuery::new(within(vec![c.client.id]), None))
        .await
        .expect("list");
    let provider = store
        .list_contracts(&ContractQuery::new(within(vec![c.provider.id]), None))
        .await
        .expect("list");
    let stranger = org(&store, "Stranger").await;
    let nobody = store
        .list_contracts(&ContractQuery::new(within(vec![stranger.id]), None))
        .await
        .expect("list");
    let approver = store
        .list_contracts(&ContractQuery::new(
            within(vec![stranger.id]),
            Some(c.approver),
        ))
        .await
        .expect("list");

    assert_eq!(names(leeds), ["Harbour FM"]);
    assert_eq!(names(client), ["Harbour FM", "York FM"]);
    assert_eq!(names(provider).len(), 2);
    assert!(nobody.items.is_empty());
    assert_eq!(names(approver).len(), 2);
    assert!(matches!(
        store
            .visible_contract(york_only.id, &within(vec![c.leeds.id]), None)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store
            .visible_contract(leeds_only.id, &within(vec![c.leeds.id]), None)
            .await
            .expect("seen")
            .id,
        leeds_only.id
    );
}

pub async fn the_people_of_a_part_of_a_customer_see_its_contract_and_no_other(
    store: Arc<dyn Store>,
) {
    let c = chain(&store).await;
    let leeds_only = store
        .create_contract(&actor(), new_contract(&c, vec![c.leeds.id]))
        .await
        .expect("created");
    store
        .create_contract(
            &actor(),
            NewContract {
                name: name("York FM"),
                ..new_contract(&c, vec![c.york.id])
            },
        )
        .await
        .expect("created");
    let bakery = party(&store, PartyKind::Department, "Bakery", Some(c.leeds.id)).await;
    let head_office = party(&store, PartyKind::Department, "Finance", Some(c.client.id)).await;
    let within = |root| PartyScope::Within {
        roots: vec![root],
        context: vec![],
    };

    let baker = store
        .list_contracts(&ContractQuery::new(within(bakery.id), None))
        .await
        .expect("list");
    let finance = store
        .list_contracts(&ContractQuery::new(within(head_office.id), None))
        .await
        .expect("list");

    // Below Leeds: Leeds's contract. Below the client, beside the stores:
    // neither (being under the client is not being the client).
    let seen: Vec<ContractId> = baker.items.iter().map(|k| k.id).collect();
    assert_eq!(seen, [leeds_only.id]);
    assert!(finance.items.is_empty(), "{:?}", finance.items);
    assert_eq!(
        store
            .visible_contract(leeds_only.id, &within(bakery.id), None)
            .await
            .expect("seen")
            .id,
        leeds_only.id
    );
}

pub async fn a_contract_is_renamed_and_ended_with_an_audit_trail(store: Arc<dyn Store>) {
    let c = chain(&store).await;
    let made = store
        .create_contract(&actor(), new_contract(&c, vec![c.leeds.id]))
        .await
        .expect("created");
    let renamed = store
        .rename_contract(&actor(), made.id, name("Harbour FM 2027"))
        .await
        .expect("renamed");
    let ended = store
        .set_contract_archived(&actor(), made.id, true)
        .await
        .expect("ended");
    assert_eq!(renamed.name.as_str(), "Harbour FM 2027");
    assert!(ended.is_archived());
    let mut q = ContractQuery::new(PartyScope::All, None);
    assert!(
        store
            .list_contracts(&q)
            .await
            .expect("list")
            .items
            .is_empty()
    );
    q.archived = kept_store::ArchivedFilter::All;
    q.party_id = Some(c.leeds.id);
    assert_eq!(store.list_contracts(&q).await.expect("list").items.len(), 1);
}

pub async fn contracts_are_found_by_the_service_and_calendar_they_name_within_scope(
    store: Arc<dyn Store>,
) {
    let c = chain(&store).await;
    let calendar = store
        .create_calendar(
            &actor(),
            kept_domain::NewCalendar {
                name: name("Around the clock"),
                owner_id: c.provider.id,
                spec: kept_domain::calendar::CalendarSpec::from_toml("zone = \"UTC\"\n")
                    .expect("a calendar"),
            },
        )
        .await
        .expect("calendar");
    store
        .create_contract(
            &actor(),
            NewContract {
                calendar_id: Some(calendar.id),
                ..new_contract(&c, vec![c.leeds.id])
            },
        )
        .await
        .expect("created");
    let within = |root: kept_domain::PartyId| PartyScope::Within {
        roots: vec![root],
        context: vec![],
    };
    let count = |q: ContractQuery| {
        let store = store.clone();
        async move { store.list_contracts(&q).await.expect("list").items.len() }
    };

    let leeds_by_service = count(ContractQuery {
        service_id: Some(c.service.id),
        ..ContractQuery::new(within(c.leeds.id), None)
    })
    .await;
    let leeds_by_calendar = count(ContractQuery {
        calendar_id: Some(calendar.id),
        ..ContractQuery::new(within(c.leeds.id), None)
    })
    .await;
    let york_by_service = count(ContractQuery {
        service_id: Some(c.service.id),
        ..ContractQuery::new(within(c.york.id), None)
    })
    .await;
    let york_by_calendar = count(ContractQuery {
        calendar_id: Some(calendar.id),
        ..ContractQuery::new(within(c.york.id), None)
    })
    .await;
    let other_service = count(ContractQuery {
        service_id: Some(kept_domain::ServiceId::new()),
        ..ContractQuery::new(PartyScope::All, None)
    })
    .await;

    assert_eq!((leeds_by_service, leeds_by_calendar), (1, 1));
    assert_eq!(
        (york_by_service, york_by_calendar),
        (0, 0),
        "York sees no contract naming them"
    );
    assert_eq!(other_service, 0);
}
