//! A small world for the view use cases' tests, built on SQLite and (when
//! `KEPT_TEST_POSTGRES_URL` is set) PostgreSQL.
//!
//! ```text
//! Brightwell FM (provider) ── Brightwell North (site)
//!   keeps: "Window cleaning" (service), "Office hours" (calendar)
//!   supplies → Harbour Retail
//! Harbour Group ── Harbour Retail ─┬─ Harbour York (site)
//!                                  └─ Harbour Leeds (site)
//! ```

#![allow(dead_code)] // Each test file uses part of the world.

use std::sync::Arc;

use kept_app::{Context, Settings};
use kept_domain::calendar::CalendarSpec;
use kept_domain::{
    Actor, CalendarId, Email, NewCalendar, NewLink, NewParty, NewService, NewUser, PartyId,
    PartyKind, PartyName, Principal, Role, ServiceDetails, ServiceId,
};
use kept_store::Store;
use kept_store::testing::TestDatabase;

/// The world's parties and catalogue.
pub struct World {
    pub ctx: Context,
    pub provider: PartyId,
    pub north: PartyId,
    pub group: PartyId,
    pub retail: PartyId,
    pub york: PartyId,
    pub leeds: PartyId,
    pub service: ServiceId,
    pub calendar: CalendarId,
}

fn name(text: &str) -> PartyName {
    PartyName::parse("name", text).expect("a name")
}

fn system() -> Actor {
    Actor::system("test")
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
        .create_party(&system(), new)
        .await
        .expect("a party")
        .id
}

async fn world(store: Arc<dyn Store>) -> World {
    let s = store.as_ref();
    let provider = party(s, PartyKind::Organisation, "Brightwell FM", None).await;
    let north = party(s, PartyKind::Site, "Brightwell North", Some(provider)).await;
    let group = party(s, PartyKind::Organisation, "Harbour Group", None).await;
    let retail = party(s, PartyKind::Organisation, "Harbour Retail", Some(group)).await;
    let york = party(s, PartyKind::Site, "Harbour York", Some(retail)).await;
    let leeds = party(s, PartyKind::Site, "Harbour Leeds", Some(retail)).await;
    let service = s
        .create_service(
            &system(),
            NewService {
                provider_id: provider,
                name: name("Window cleaning"),
                details: ServiceDetails::default(),
            },
        )
        .await
        .expect("a service")
        .id;
    let spec = CalendarSpec::from_toml("zone = \"UTC\"\n").expect("a calendar");
    let calendar = s
        .create_calendar(
            &system(),
            NewCalendar {
                name: name("Office hours"),
                owner_id: provider,
                spec,
            },
        )
        .await
        .expect("a calendar")
        .id;
    let link = NewLink::new(provider, retail, None).expect("a link");
    s.create_link(&system(), link).await.expect("linked");
    World {
        ctx: Context::new(store, Settings::default()),
        provider,
        north,
        group,
        retail,
        york,
        leeds,
        service,
        calendar,
    }
}

/// A user with these roles (and, if given, this password hash), as the
/// store loads them.
pub async fn user_with(
    w: &World,
    email: &str,
    grants: &[(Role, PartyId)],
    password_hash: Option<String>,
) -> Principal {
    let store = &w.ctx.store;
    let new = NewUser {
        email: Email::parse("email", email).expect("an email"),
        name: name(email),
        party_id: None,
        parent_id: None,
        password_hash,
    };
    let user = store.create_user(&system(), new).await.expect("a user");
    for (role, party) in grants {
        store
            .add_grant(&system(), user.id, *role, *party)
            .await
            .expect("a grant");
    }
    store.principal(user.id).await.expect("a principal")
}

/// A user with these roles and no password.
pub async fn user(w: &World, email: &str, grants: &[(Role, PartyId)]) -> Principal {
    user_with(w, email, grants, None).await
}

/// Runs `test` on a fresh world on each backend.
pub async fn each_backend(test: impl AsyncFn(World)) {
    let sqlite = TestDatabase::sqlite();
    test(world(sqlite.store().await).await).await;
    if let Some(pg) = TestDatabase::postgres().await {
        test(world(pg.store().await).await).await;
    }
}
