//! One small world for the pages' use cases, on SQLite and PostgreSQL:
//!
//! ```text
//! Brightwell FM (provider: Mo manages, Ada works requests)
//!   services: Cleaning, Repairs (on the contract), Gardening (not)
//! Harbour Retail (client: Cy speaks for it)
//!   ├─ Leeds (customer: Lee, Lou) ── Bakery
//!   ├─ York (customer)
//!   └─ Hull (not a customer)
//! Harbour FM: Brightwell FM → Harbour Retail for Leeds and York; an ended
//! contract beside it; and Crate & Co's contract with Corner Cafe apart.
//! ```

use std::sync::Arc;

use kept_app::requests::intake::{Intake, raise};
use kept_app::{Context, Settings};
use kept_domain::{
    Actor, Contract, Email, NewContract, NewParty, NewService, NewUser, PartyId, PartyKind,
    PartyName, Principal, Quorum, Request, RequestKind, Role, ServiceDetails, ServiceId,
};
use kept_store::Store;
use kept_store::testing::TestDatabase;

/// The world's parties, services, contracts and people.
pub struct World {
    pub ctx: Context,
    pub provider: PartyId,
    pub leeds: PartyId,
    pub bakery: PartyId,
    pub york: PartyId,
    pub hull: PartyId,
    pub cleaning: ServiceId,
    pub gardening: ServiceId,
    pub contract: Contract,
    pub ended: Contract,
    pub elsewhere: Contract,
    /// The provider's manager.
    pub mo: Principal,
    /// The provider's agent.
    pub ada: Principal,
    /// The client's contact.
    pub cy: Principal,
    /// Two people at Leeds.
    pub lee: Principal,
    pub lou: Principal,
}

fn name(text: &str) -> PartyName {
    PartyName::parse("name", text).expect("a name")
}

async fn party(store: &dyn Store, kind: PartyKind, text: &str, parent: Option<PartyId>) -> PartyId {
    let new = NewParty {
        kind,
        name: name(text),
        parent_id: parent,
        internal: None,
        reference: None,
    };
    store
        .create_party(&Actor::system("test"), new)
        .await
        .expect("a party")
        .id
}

async fn service(store: &dyn Store, provider: PartyId, text: &str, out: &[&str]) -> ServiceId {
    let details = ServiceDetails {
        out_of_scope: out.iter().map(|s| (*s).to_owned()).collect(),
        ..ServiceDetails::default()
    };
    let new = NewService {
        provider_id: provider,
        name: name(text),
        details: details.checked().expect("details"),
    };
    store
        .create_service(&Actor::system("test"), new)
        .await
        .expect("a service")
        .id
}

/// A user with these roles, their person party under `at`, as the store
/// loads them.
async fn user(
    store: &dyn Store,
    email: &str,
    at: PartyId,
    grants: &[(Role, PartyId)],
) -> Principal {
    let actor = Actor::system("test");
    let new = NewUser {
        email: Email::parse("email", email).expect("an email"),
        name: name(email),
        party_id: None,
        parent_id: Some(at),
        password_hash: None,
    };
    let user = store.create_user(&actor, new).await.expect("a user");
    for (role, party) in grants {
        store
            .add_grant(&actor, user.id, *role, *party)
            .await
            .expect("a grant");
    }
    store.principal(user.id).await.expect("a principal")
}

async fn contract(store: &dyn Store, new: NewContract) -> Contract {
    store
        .create_contract(&Actor::system("test"), new.checked().expect("checked"))
        .await
        .expect("a contract")
}

async fn world(store: Arc<dyn Store>) -> World {
    let s = store.as_ref();
    let provider = party(s, PartyKind::Organisation, "Brightwell FM", None).await;
    let client = party(s, PartyKind::Organisation, "Harbour Retail", None).await;
    let leeds = party(s, PartyKind::Site, "Leeds", Some(client)).await;
    let bakery = party(s, PartyKind::Department, "Bakery", Some(leeds)).await;
    let york = party(s, PartyKind::Site, "York", Some(client)).await;
    let hull = party(s, PartyKind::Site, "Hull", Some(client)).await;
    let crate_co = party(s, PartyKind::Organisation, "Crate & Co", None).await;
    let cafe = party(s, PartyKind::Organisation, "Corner Cafe", None).await;
    let cleaning = service(
        s,
        provider,
        "Cleaning",
        &["Window cleaning above ground floor"],
    )
    .await;
    let repairs = service(s, provider, "Repairs", &[]).await;
    let gardening = service(s, provider, "Gardening", &[]).await;
    let deliveries = service(s, crate_co, "Deliveries", &[]).await;
    let mo = user(s, "mo@example.com", provider, &[(Role::Manager, provider)]).await;
    let ada = user(s, "ada@example.com", provider, &[(Role::Agent, provider)]).await;
    let cy = user(s, "cy@example.com", client, &[(Role::Client, client)]).await;
    let lee = user(s, "lee@example.com", leeds, &[(Role::Customer, leeds)]).await;
    let lou = user(s, "lou@example.com", leeds, &[(Role::Customer, leeds)]).await;
    let harbour = |text: &str| NewContract {
        name: name(text),
        provider_id: provider,
        client_id: client,
        customer_ids: vec![leeds, york],
        service_ids: vec![cleaning, repairs],
        calendar_id: None,
        probation_ends_on: None,
        steering_group: vec![mo.user_id],
        quorum: Quorum::All,
    };
    let main = contract(s, harbour("Harbour FM")).await;
    let ended = contract(s, harbour("Harbour FM 2019")).await;
    let ended = s
        .set_contract_archived(&Actor::system("test"), ended.id, true)
        .await
        .expect("ended");
    let elsewhere = contract(
        s,
        NewContract {
            name: name("Cafe supplies"),
            provider_id: crate_co,
            client_id: cafe,
            customer_ids: vec![cafe],
            service_ids: vec![deliveries],
            calendar_id: None,
            probation_ends_on: None,
            steering_group: vec![mo.user_id],
            quorum: Quorum::All,
        },
    )
    .await;
    World {
        ctx: Context::new(store, Settings::default()),
        provider,
        leeds,
        bakery,
        york,
        hull,
        cleaning,
        gardening,
        contract: main,
        ended,
        elsewhere,
        mo,
        ada,
        cy,
        lee,
        lou,
    }
}

impl World {
    /// Raises a request on the contract as `who`, for `customer`.
    pub async fn raise(&self, who: &Principal, customer: PartyId, subject: &str) -> Request {
        raise(
            &self.ctx,
            who,
            self.intake(customer, RequestKind::Incident, subject),
        )
        .await
        .expect("raised")
    }

    /// An intake on the contract for `customer`, about cleaning.
    pub fn intake(&self, customer: PartyId, kind: RequestKind, subject: &str) -> Intake {
        Intake {
            lines: Vec::new(),
            confirm_quantity: false,
            contract_id: self.contract.id,
            customer_id: Some(customer),
            service_id: self.cleaning,
            kind,
            priority: None,
            quantity: None,
            effort: None,
            subject: subject.to_owned(),
            description: String::new(),
            requester_id: None,
            override_reason: None,
        }
    }
}

/// Runs `test` on a fresh world on SQLite, then on PostgreSQL when
/// `KEPT_TEST_POSTGRES_URL` names one.
pub async fn each_backend(test: impl AsyncFn(World)) {
    let sqlite = TestDatabase::sqlite();
    test(world(sqlite.store().await).await).await;
    if let Some(pg) = TestDatabase::postgres().await {
        test(world(pg.store().await).await).await;
    }
}
