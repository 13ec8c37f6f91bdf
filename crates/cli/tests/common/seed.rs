//! Databases and people for the tests that run `kept serve` against a
//! database they seeded through the store: a PostgreSQL schema that CI may
//! not skip, and users with roles and API tokens.

// Shared by several test binaries, each of which uses a subset.
#![allow(dead_code)]

use std::sync::Arc;

use kept_app::accounts;
use kept_domain::{Actor, Email, NewUser, PartyId, PartyName, Role, User};
use kept_store::Store;
use kept_store::testing::TestDatabase;

/// A fresh PostgreSQL schema, or `None` (the store says so on stderr) when
/// `KEPT_TEST_POSTGRES_URL` is unset; under `CI=true` a missing database
/// fails the test instead, so CI cannot pass without the PostgreSQL half.
pub async fn postgres() -> Option<TestDatabase> {
    let db = TestDatabase::postgres().await;
    if db.is_none() && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but KEPT_TEST_POSTGRES_URL is unset: the PostgreSQL half may not skip");
    }
    db
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
