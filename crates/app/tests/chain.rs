//! The chain view use case on SQLite and PostgreSQL: what each caller sees,
//! may open, may end and may link.

use std::collections::BTreeSet;
use std::sync::Arc;

use kept_app::chain::chain_view;
use kept_app::{Context, Kind, Settings};
use kept_domain::{
    Actor, Email, LinkId, NewLink, NewParty, NewUser, PartyId, PartyKind, PartyName, Principal,
    Role,
};
use kept_store::Store;
use kept_store::testing::TestDatabase;

/// ```text
/// Sparkle Supplies → Brightwell FM → Harbour Retail (head office)
///                                  ↘ Harbour York (site of Harbour Retail)
/// Crate & Co → Corner Cafe
/// ```
struct World {
    ctx: Context,
    sparkle: PartyId,
    provider: PartyId,
    head_office: PartyId,
    york: PartyId,
    supplies: LinkId,
    facilities: LinkId,
    windows: LinkId,
}

async fn party(store: &dyn Store, kind: PartyKind, name: &str, parent: Option<PartyId>) -> PartyId {
    let new = NewParty {
        kind,
        name: PartyName::parse("name", name).expect("a name"),
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

async fn link(store: &dyn Store, supplier: PartyId, customer: PartyId) -> LinkId {
    let new = NewLink::new(supplier, customer, None).expect("a link");
    store
        .create_link(&Actor::system("test"), new)
        .await
        .expect("linked")
        .id
}

async fn world(store: Arc<dyn Store>) -> World {
    let s = store.as_ref();
    let sparkle = party(s, PartyKind::Organisation, "Sparkle Supplies", None).await;
    let provider = party(s, PartyKind::Organisation, "Brightwell FM", None).await;
    let head_office = party(s, PartyKind::Organisation, "Harbour Retail", None).await;
    let york = party(s, PartyKind::Site, "Harbour York", Some(head_office)).await;
    let crate_co = party(s, PartyKind::Organisation, "Crate & Co", None).await;
    let cafe = party(s, PartyKind::Organisation, "Corner Cafe", None).await;
    let supplies = link(s, sparkle, provider).await;
    let facilities = link(s, provider, head_office).await;
    let windows = link(s, provider, york).await;
    link(s, crate_co, cafe).await;
    World {
        ctx: Context::new(store, Settings::default()),
        sparkle,
        provider,
        head_office,
        york,
        supplies,
        facilities,
        windows,
    }
}

/// A user with these roles, as the store loads them.
async fn user(w: &World, email: &str, grants: &[(Role, PartyId)]) -> Principal {
    let store = &w.ctx.store;
    let actor = Actor::system("test");
    let new = NewUser {
        email: Email::parse("email", email).expect("an email"),
        name: PartyName::parse("name", email).expect("a name"),
        party_id: None,
        parent_id: None,
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

async fn each_backend(test: impl AsyncFn(World)) {
    let sqlite = TestDatabase::sqlite();
    test(world(sqlite.store().await).await).await;
    if let Some(pg) = TestDatabase::postgres().await {
        test(world(pg.store().await).await).await;
    }
}

#[tokio::test]
async fn a_manager_of_a_site_who_works_for_the_provider_may_end_only_the_link_to_their_site() {
    each_backend(async |w: World| {
        let maya = user(
            &w,
            "maya@example.com",
            &[(Role::Manager, w.york), (Role::Agent, w.provider)],
        )
        .await;

        let view = chain_view(&w.ctx, &maya, Some(w.provider))
            .await
            .expect("the view");

        let links: BTreeSet<LinkId> = view.links.iter().map(|l| l.id).collect();
        assert_eq!(links, BTreeSet::from([w.supplies, w.facilities, w.windows]));
        assert_eq!(view.may_end, BTreeSet::from([w.windows]));
        assert!(view.may_link);
        assert!(view.choices.iter().any(|(id, _, _)| *id == w.york));
        assert!(!view.opens(w.sparkle), "a supplier above what she reaches");
        assert_eq!(view.name(w.sparkle), "Sparkle Supplies");
        assert!(view.opens(w.provider) && view.opens(w.head_office) && view.opens(w.york));
        let selected = view.selected.expect("a selection");
        let up: Vec<PartyId> = selected.upstream.iter().map(|r| r.party_id).collect();
        let down: BTreeSet<PartyId> = selected.downstream.iter().map(|r| r.party_id).collect();
        assert_eq!(up, [w.sparkle]);
        assert_eq!(down, BTreeSet::from([w.head_office, w.york]));
    })
    .await;
}

#[tokio::test]
async fn a_customer_sees_their_sites_chain_and_may_neither_link_nor_end() {
    each_backend(async |w: World| {
        let lee = user(&w, "lee@example.com", &[(Role::Customer, w.york)]).await;

        let view = chain_view(&w.ctx, &lee, Some(w.york))
            .await
            .expect("the view");
        let hidden = chain_view(&w.ctx, &lee, Some(w.sparkle)).await;
        let unknown = chain_view(&w.ctx, &lee, Some(PartyId::new())).await;

        let links: BTreeSet<LinkId> = view.links.iter().map(|l| l.id).collect();
        assert_eq!(links, BTreeSet::from([w.facilities, w.windows]));
        assert!(view.may_end.is_empty());
        assert!(!view.may_link && view.choices.is_empty());
        assert!(!view.opens(w.provider) && view.opens(w.head_office));
        let selected = view.selected.expect("a selection");
        let up: Vec<PartyId> = selected.upstream.iter().map(|r| r.party_id).collect();
        assert_eq!(
            up,
            [w.provider],
            "served through the head office's link and its own"
        );
        assert!(!view.names.contains_key(&w.sparkle));
        assert_eq!(hidden.map(|_| ()).map_err(|e| e.kind), Err(Kind::NotFound));
        assert_eq!(unknown.map(|_| ()).map_err(|e| e.kind), Err(Kind::NotFound));
    })
    .await;
}
