//! Databases and people for the tests that run `kept serve` against a
//! database they seeded through the store: a PostgreSQL schema that CI may
//! not skip, and users with roles and API tokens.

// Shared by several test binaries, each of which uses a subset.
#![allow(dead_code)]

use std::sync::Arc;

use kept_app::accounts;
use kept_domain::{
    Actor, Contract, Email, NewContract, NewParty, NewService, NewUser, Party, PartyId, PartyKind,
    PartyName, Quorum, Role, Service, ServiceDetails, User, UserId,
};
use kept_store::Store;
use kept_store::testing::TestDatabase;

/// A fresh PostgreSQL schema, or `None` (said on stderr) when
/// `KEPT_TEST_POSTGRES_URL` is unset; under `CI=true` the store fails the
/// test instead, so CI cannot pass without the PostgreSQL half.
pub async fn postgres() -> Option<TestDatabase> {
    TestDatabase::postgres().await
}

/// A party name, which the tests spell correctly.
pub fn name(text: &str) -> PartyName {
    PartyName::parse("name", text).expect("a valid name")
}

/// A user (a person party under `parent`) holding `grants`, and an API
/// token to act as them. Without a password: the tests only use tokens.
pub async fn person(
    store: &Arc<dyn Store>,
    email: &str,
    parent: Option<PartyId>,
    grants: &[(Role, Option<PartyId>)],
) -> (User, String) {
    let actor = Actor::system("test seed");
    let user = store
        .create_user(
            &actor,
            NewUser {
                email: Email::parse("email", email).expect("a valid email"),
                name: name(email.split('@').next().unwrap_or("someone")),
                party_id: None,
                parent_id: parent,
                password_hash: None,
            },
        )
        .await
        .expect("a user");
    for &(role, party) in grants {
        // `None`: the role over the person's own party (how an admin is made).
        let party = party.unwrap_or(user.party_id);
        store
            .add_grant(&actor, user.id, role, party)
            .await
            .expect("a grant");
    }
    let token = accounts::issue_token(store.as_ref(), &actor, user.id, "test", None)
        .await
        .expect("a token")
        .secret;
    (user, token)
}

/// Brightwell (the provider), Harbour Retail (the client) and its Leeds
/// store.
pub struct Harbour {
    pub provider: Party,
    pub client: Party,
    pub leeds: Party,
}

/// Seeds the parties of [`Harbour`].
pub async fn harbour(store: &Arc<dyn Store>) -> Harbour {
    let actor = Actor::system("test seed");
    let party = |kind, text: &str, parent| NewParty {
        kind,
        name: name(text),
        parent_id: parent,
        internal: None,
        reference: None,
    };
    let provider = store
        .create_party(&actor, party(PartyKind::Organisation, "Brightwell", None))
        .await
        .expect("provider");
    let client = store
        .create_party(&actor, party(PartyKind::Organisation, "Harbour", None))
        .await
        .expect("client");
    let leeds = store
        .create_party(&actor, party(PartyKind::Site, "Leeds", Some(client.id)))
        .await
        .expect("site");
    Harbour {
        provider,
        client,
        leeds,
    }
}

/// Brightwell's reactive maintenance for the Leeds store, with `details`
/// (targets, effort), under a contract steered by `steering` alone.
pub async fn harbour_fm(
    store: &Arc<dyn Store>,
    harbour: &Harbour,
    details: ServiceDetails,
    steering: UserId,
) -> (Service, Contract) {
    let actor = Actor::system("test seed");
    let service = store
        .create_service(
            &actor,
            NewService {
                provider_id: harbour.provider.id,
                name: name("Reactive maintenance"),
                details,
            },
        )
        .await
        .expect("service");
    let contract = store
        .create_contract(
            &actor,
            NewContract {
                name: name("Harbour FM"),
                provider_id: harbour.provider.id,
                client_id: harbour.client.id,
                customer_ids: vec![harbour.leeds.id],
                service_ids: vec![service.id],
                calendar_id: None,
                probation_ends_on: None,
                steering_group: vec![steering],
                quorum: Quorum::All,
            },
        )
        .await
        .expect("contract");
    (service, contract)
}
