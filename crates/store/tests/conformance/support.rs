//! Helpers shared by the conformance tests.

use std::sync::Arc;

use kept_domain::{Actor, NewParty, NewUser, Party, PartyId, PartyKind, PartyName, User};
use kept_store::Store;

pub fn actor() -> Actor {
    Actor::system("conformance test")
}

pub fn name(text: &str) -> PartyName {
    PartyName::parse("name", text).expect("test names are valid")
}

pub async fn party(
    store: &Arc<dyn Store>,
    kind: PartyKind,
    text: &str,
    parent: Option<PartyId>,
) -> Party {
    store
        .create_party(
            &actor(),
            NewParty {
                kind,
                name: name(text),
                parent_id: parent,
                internal: None,
                reference: None,
            },
        )
        .await
        .expect("creating a test party")
}

pub async fn org(store: &Arc<dyn Store>, text: &str) -> Party {
    party(store, PartyKind::Organisation, text, None).await
}

pub async fn user(store: &Arc<dyn Store>, email: &str, parent: Option<PartyId>) -> User {
    store
        .create_user(
            &actor(),
            NewUser {
                email: kept_domain::Email::parse("email", email).expect("test emails are valid"),
                name: name(email.split('@').next().unwrap_or("someone")),
                party_id: None,
                parent_id: parent,
                password_hash: Some("$argon2id$test".into()),
            },
        )
        .await
        .expect("creating a test user")
}
