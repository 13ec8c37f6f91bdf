//! The world the mail-out tests send mail in, seeded through the store
//! before the server starts (as the other end-to-end tests do), and the API
//! calls that make its events. A test includes it beside `mod common;`,
//! `seed` and `smtp_sink` (by those names).

// Shared by several test binaries, each of which uses a subset.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    Actor, ContractId, NewContract, NewLink, NewParty, NewService, PartyId, PartyKind, Quorum,
    Role, ServiceDetails, ServiceId, Targets, UserId,
};
use kept_store::Store;
use kept_store::notify::{Delivery, DeliveryQuery};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::Server;
use crate::seed;

/// Someone with an address and an API token.
pub struct Person {
    /// The user.
    pub id: UserId,
    /// Their address.
    pub email: String,
    /// Their API token.
    pub token: String,
}

/// Brightwell serves Harbour's Leeds store under Harbour FM and is supplied
/// by Pipeworks; everyone who is told something.
pub struct World {
    /// Harbour FM: Brightwell for the Leeds store, steered by Hana.
    pub contract: ContractId,
    /// Targets of hours: no alarm in the test's time.
    pub repairs: ServiceId,
    /// Targets of seconds, around the clock: at risk and breached at once.
    pub urgent: ServiceId,
    /// Pipeworks's contract with Brightwell.
    pub supply: ContractId,
    /// A customer at Leeds, who raises the requests.
    pub tom: Person,
    /// Brightwell's agent.
    pub arjun: Person,
    /// Brightwell's manager (and the supply contract's customer side).
    pub maya: Person,
    /// Harbour's client contact, the contract's steering group.
    pub hana: Person,
    /// Another of Harbour's client contacts.
    pub cleo: Person,
    /// Pipeworks's supplier contact.
    pub pia: Person,
}

/// A user of `party` holding `role` over it, with an API token.
pub async fn person(store: &Arc<dyn Store>, email: &str, party: PartyId, role: Role) -> Person {
    let (user, token) = seed::person(store, email, Some(party), &[(role, Some(party))]).await;
    Person {
        id: user.id,
        email: email.to_owned(),
        token,
    }
}

/// A service of `provider` with targets of `targets` seconds (first
/// response, resolution).
pub async fn service(
    store: &Arc<dyn Store>,
    provider: PartyId,
    name: &str,
    targets: (u64, u64),
) -> ServiceId {
    let details = ServiceDetails {
        default_targets: Targets {
            first_response: Some(BusinessDuration::from_seconds(targets.0)),
            resolution: Some(BusinessDuration::from_seconds(targets.1)),
            delivery: None,
        },
        ..ServiceDetails::default()
    };
    let new = NewService {
        provider_id: provider,
        name: seed::name(name),
        details,
    };
    let actor = Actor::system("test seed");
    store
        .create_service(&actor, new)
        .await
        .expect("a service")
        .id
}

/// Seeds [`World`].
pub async fn world(store: &Arc<dyn Store>) -> World {
    let actor = Actor::system("test seed");
    let harbour = seed::harbour(store).await;
    let (provider, client, leeds) = (harbour.provider.id, harbour.client.id, harbour.leeds.id);
    let pipeworks = store
        .create_party(
            &actor,
            NewParty {
                kind: PartyKind::Organisation,
                name: seed::name("Pipeworks"),
                parent_id: None,
                internal: None,
                reference: None,
            },
        )
        .await
        .expect("the supplier")
        .id;
    store
        .create_link(
            &actor,
            NewLink {
                supplier_id: pipeworks,
                customer_id: provider,
                label: None,
            },
        )
        .await
        .expect("a link up the chain");
    let tom = person(store, "tom@harbour.example", leeds, Role::Customer).await;
    let arjun = person(store, "arjun@brightwell.example", provider, Role::Agent).await;
    let maya = person(store, "maya@brightwell.example", provider, Role::Manager).await;
    let hana = person(store, "hana@harbour.example", client, Role::Client).await;
    let cleo = person(store, "cleo@harbour.example", client, Role::Client).await;
    let pia = person(store, "pia@pipeworks.example", pipeworks, Role::Supplier).await;
    let repairs = service(
        store,
        provider,
        "Reactive maintenance",
        (8 * 3600, 40 * 3600),
    )
    .await;
    let urgent = service(store, provider, "Emergency callout", (2, 4)).await;
    let plumbing = service(store, pipeworks, "Plumbing", (8 * 3600, 40 * 3600)).await;
    let contract = |name: &str, provider, client, customer, services, steering| NewContract {
        name: seed::name(name),
        provider_id: provider,
        client_id: client,
        customer_ids: vec![customer],
        service_ids: services,
        calendar_id: None,
        probation_ends_on: None,
        steering_group: vec![steering],
        quorum: Quorum::All,
    };
    let fm = contract(
        "Harbour FM",
        provider,
        client,
        leeds,
        vec![repairs, urgent],
        hana.id,
    );
    let supply = contract(
        "Pipeworks supply",
        pipeworks,
        provider,
        provider,
        vec![plumbing],
        maya.id,
    );
    World {
        contract: store.create_contract(&actor, fm).await.expect("FM").id,
        supply: store
            .create_contract(&actor, supply)
            .await
            .expect("supply")
            .id,
        repairs,
        urgent,
        tom,
        arjun,
        maya,
        hana,
        cleo,
        pia,
    }
}

/// `POST path` with `body` as `who`; the answer, which must be `status`.
pub async fn post(
    server: &Server,
    who: &Person,
    path: &str,
    body: Value,
    status: StatusCode,
) -> Value {
    let response = crate::common::http()
        .post(server.url(path))
        .bearer_auth(&who.token)
        .json(&body)
        .send()
        .await
        .expect("the API answers");
    let got = response.status();
    let text = response.text().await.expect("a body");
    assert_eq!(got, status, "POST {path}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Raises a request as `who` on `service`.
pub async fn raise(
    server: &Server,
    w: &World,
    who: &Person,
    service: ServiceId,
    subject: &str,
) -> Value {
    let body = json!({ "contract_id": w.contract, "service_id": service,
                       "kind": "incident", "subject": subject });
    post(server, who, "/api/v1/requests", body, StatusCode::CREATED).await
}

/// The `id` of an API answer.
pub fn id(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

/// Every delivery in the database, by id.
pub async fn deliveries(store: &Arc<dyn Store>) -> BTreeMap<String, Delivery> {
    let query = DeliveryQuery {
        limit: kept_domain::Limit::MAX_PAGE,
        ..DeliveryQuery::default()
    };
    let page = store.list_deliveries(&query).await.expect("deliveries");
    page.items
        .into_iter()
        .map(|d| (d.id.to_string(), d))
        .collect()
}
