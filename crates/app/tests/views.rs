//! The pages' view use cases on SQLite and PostgreSQL: what each caller
//! is shown and the decisions (may manage, sees the keeper, may create at
//! the top, is themself) that the pages used to make.

mod support;

use kept_app::audit::{self, AuditFilter};
use kept_app::users::{self, TypedUserFilter};
use kept_app::{Kind, calendars, links, parties, services};
use kept_domain::{Direction, PartyId, PartyKind, Role};
use support::{World, each_backend, user};

fn kind<T>(result: Result<T, kept_app::Error>) -> Result<(), Kind> {
    result.map(|_| ()).map_err(|e| e.kind)
}

fn fields(error: &kept_app::Error) -> Vec<&str> {
    error.errors.iter().map(|f| f.field.as_str()).collect()
}

#[tokio::test]
async fn a_service_and_a_calendar_may_be_managed_by_the_providers_manager_alone() {
    each_backend(async |w: World| {
        let maya = user(&w, "maya@example.com", &[(Role::Manager, w.provider)]).await;
        let alex = user(&w, "alex@example.com", &[(Role::Agent, w.provider)]).await;
        let lee = user(&w, "lee@example.com", &[(Role::Customer, w.york)]).await;

        let managed = services::view(&w.ctx, &maya, w.service)
            .await
            .expect("maya");
        let read = services::view(&w.ctx, &alex, w.service)
            .await
            .expect("alex");
        assert_eq!(managed.provider, "Brightwell FM");
        assert!(managed.can_manage && managed.sees_provider);
        assert!(!read.can_manage && read.sees_provider);
        let hidden = services::view(&w.ctx, &lee, w.service).await;
        assert_eq!(kind(hidden), Err(Kind::NotFound), "on no contract of hers");

        let managed = calendars::view(&w.ctx, &maya, w.calendar)
            .await
            .expect("maya");
        let read = calendars::view(&w.ctx, &alex, w.calendar)
            .await
            .expect("alex");
        assert_eq!(managed.owner, "Brightwell FM");
        assert!(managed.can_manage && managed.sees_owner);
        assert!(!read.can_manage && read.sees_owner);
        let hidden = calendars::view(&w.ctx, &lee, w.calendar).await;
        assert_eq!(kind(hidden), Err(Kind::NotFound));
    })
    .await;
}

#[tokio::test]
async fn the_lists_offer_only_the_parties_the_caller_manages_to_keep_things_for() {
    each_backend(async |w: World| {
        let maya = user(&w, "maya@example.com", &[(Role::Manager, w.provider)]).await;
        let alex = user(&w, "alex@example.com", &[(Role::Agent, w.provider)]).await;
        let lee = user(&w, "lee@example.com", &[(Role::Customer, w.york)]).await;

        let catalogue = services::catalogue(&w.ctx, &maya).await.expect("maya's");
        let providers: Vec<PartyId> = catalogue.providers.iter().map(|p| p.0).collect();
        assert_eq!(providers, [w.provider, w.north], "by name, sites too");
        assert_eq!(catalogue.rows.len(), 1);
        assert_eq!(catalogue.rows[0].provider, "Brightwell FM");
        let alexs = services::catalogue(&w.ctx, &alex).await.expect("alex's");
        assert_eq!(alexs.rows.len(), 1);
        assert!(alexs.providers.is_empty(), "an agent adds no services");
        let lees = services::catalogue(&w.ctx, &lee).await.expect("lee's");
        assert!(lees.rows.is_empty() && lees.providers.is_empty());

        let listing = calendars::listing(&w.ctx, &maya).await.expect("maya's");
        let owners: Vec<PartyId> = listing.owners.iter().map(|p| p.0).collect();
        assert_eq!(owners, [w.provider], "organisations only");
        assert_eq!(listing.rows[0].1, "Brightwell FM");
        let alexs = calendars::listing(&w.ctx, &alex).await.expect("alex's");
        assert_eq!(alexs.rows.len(), 1);
        assert!(alexs.owners.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_partys_page_shows_history_to_its_managers_and_context_parties_alone() {
    each_backend(async |w: World| {
        let admin = user(&w, "admin@example.com", &[(Role::Admin, w.provider)]).await;
        let maya = user(&w, "maya@example.com", &[(Role::Manager, w.provider)]).await;
        let alex = user(&w, "alex@example.com", &[(Role::Agent, w.provider)]).await;
        let lee = user(&w, "lee@example.com", &[(Role::Customer, w.york)]).await;

        let managed = parties::view(&w.ctx, &maya, w.provider)
            .await
            .expect("maya");
        assert!(managed.can_manage);
        assert!(!managed.history.is_empty(), "its creation, at least");
        let children: Vec<PartyId> = managed.children.iter().map(|r| r.party.id()).collect();
        assert_eq!(children, [w.north]);
        assert!(managed.child_kinds.contains(&PartyKind::Site));
        let read = parties::view(&w.ctx, &alex, w.provider)
            .await
            .expect("alex");
        assert!(!read.can_manage && read.history.is_empty());

        // Lee sees her site's head office and group as context: by name,
        // without what sits under them beyond her own site.
        let retail = parties::view(&w.ctx, &lee, w.retail).await.expect("retail");
        let children: Vec<PartyId> = retail.children.iter().map(|r| r.party.id()).collect();
        assert_eq!(children, [w.york], "not Leeds");
        assert_eq!(retail.party.name().as_str(), "Harbour Retail");
        assert!(retail.party.full().is_none(), "context: by name only");
        let group = parties::view(&w.ctx, &lee, w.group).await.expect("group");
        assert!(
            group.children.is_empty(),
            "Harbour Retail shows on its own page"
        );
        let york = parties::view(&w.ctx, &lee, w.york).await.expect("york");
        assert!(york.party.full().is_some(), "her own site in full");
        let trail: Vec<&str> = york.trail.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(trail, ["Harbour Group", "Harbour Retail"]);
        assert_eq!(
            kind(parties::view(&w.ctx, &lee, w.leeds).await),
            Err(Kind::NotFound)
        );

        let filter = parties::PartyFilter::default;
        let tops = parties::listing(&w.ctx, &admin, filter())
            .await
            .expect("admin");
        assert!(tops.can_create_top);
        let mayas = parties::listing(&w.ctx, &maya, filter())
            .await
            .expect("maya");
        assert!(!mayas.can_create_top);
        let york_row = parties::listing(&w.ctx, &lee, filter())
            .await
            .expect("lee")
            .rows
            .into_iter()
            .find(|r| r.party.id() == w.york)
            .expect("her site is listed");
        assert_eq!(york_row.parent, Some((w.retail, "Harbour Retail".into())));
        let lees = parties::listing(&w.ctx, &lee, filter()).await.expect("lee");
        let mut by_name_only: Vec<PartyId> = lees
            .rows
            .iter()
            .filter(|r| r.party.full().is_none())
            .map(|r| r.party.id())
            .collect();
        by_name_only.sort();
        let mut context = vec![w.group, w.retail];
        context.sort();
        assert_eq!(by_name_only, context, "the context above her site");
        let retail_row = lees.rows.iter().find(|r| r.party.id() == w.retail);
        assert_eq!(
            retail_row.map(|r| r.parent.clone()),
            Some(None),
            "no parent shown"
        );
    })
    .await;
}

#[tokio::test]
async fn only_admins_list_users_and_the_audit_log_whatever_the_filters() {
    each_backend(async |w: World| {
        let admin = user(&w, "admin@example.com", &[(Role::Admin, w.provider)]).await;
        let maya = user(&w, "maya@example.com", &[(Role::Manager, w.provider)]).await;
        let bogus = TypedUserFilter {
            role: "bogus".into(),
            ..TypedUserFilter::default()
        };

        let refused = users::listing(&w.ctx, &maya, bogus.clone()).await;
        assert_eq!(kind(refused), Err(Kind::Forbidden));
        let invalid = users::listing(&w.ctx, &admin, bogus)
            .await
            .expect_err("bogus");
        assert_eq!(fields(&invalid), ["role"]);
        let listing = users::listing(&w.ctx, &admin, TypedUserFilter::default())
            .await
            .expect("the admin's");
        assert_eq!(listing.users.len(), 2);
        assert!(listing.places.iter().all(|p| p.kind != PartyKind::Person));
        assert!(listing.places.iter().any(|p| p.id == w.leeds));

        let own = users::view(&w.ctx, &admin, admin.user_id)
            .await
            .expect("own");
        assert!(own.is_self);
        let other = users::view(&w.ctx, &admin, maya.user_id)
            .await
            .expect("maya");
        assert!(!other.is_self);
        assert_eq!(other.grants.len(), 1);
        assert_eq!(other.grants[0].party_name, "Brightwell FM");
        let mayas = users::view(&w.ctx, &maya, maya.user_id).await;
        assert_eq!(kind(mayas), Err(Kind::Forbidden), "not an admin");

        let bogus = AuditFilter {
            action: Some("bogus".into()),
            ..AuditFilter::default()
        };
        let refused = audit::events(&w.ctx, &maya, bogus.clone()).await;
        assert_eq!(kind(refused), Err(Kind::Forbidden));
        let invalid = audit::events(&w.ctx, &admin, bogus)
            .await
            .expect_err("bogus");
        assert_eq!(fields(&invalid), ["action"]);
        let events = audit::events(&w.ctx, &admin, AuditFilter::default()).await;
        assert!(!events.expect("the log").items.is_empty());
    })
    .await;
}

#[tokio::test]
async fn walks_and_paths_are_those_of_parties_the_caller_may_read() {
    each_backend(async |w: World| {
        let admin = user(&w, "admin@example.com", &[(Role::Admin, w.provider)]).await;
        let lee = user(&w, "lee@example.com", &[(Role::Customer, w.york)]).await;

        let up = links::walk(&w.ctx, &lee, w.york, Direction::Upstream, None)
            .await
            .expect("her site's suppliers");
        assert_eq!(up.party.name, "Harbour York");
        let reached: Vec<PartyId> = up.items.iter().map(|s| s.party.id).collect();
        assert_eq!(reached, [w.provider], "through her head office's link");
        let too_deep = links::walk(&w.ctx, &lee, w.york, Direction::Upstream, Some(0)).await;
        assert_eq!(fields(&too_deep.expect_err("depth 0")), ["depth"]);
        let hidden = links::walk(&w.ctx, &lee, w.leeds, Direction::Upstream, None).await;
        assert_eq!(kind(hidden), Err(Kind::NotFound));

        let path = links::path(&w.ctx, &admin, w.york, w.provider)
            .await
            .expect("a path");
        let ids: Vec<PartyId> = path.path.iter().map(|p| p.id).collect();
        assert_eq!(ids, [w.provider, w.retail, w.york], "upstream end first");
        let hidden = links::path(&w.ctx, &lee, w.york, w.provider).await;
        assert_eq!(
            kind(hidden),
            Err(Kind::NotFound),
            "a supplier she may not read"
        );
        let none = links::path(&w.ctx, &admin, w.north, w.leeds).await;
        assert_eq!(kind(none), Err(Kind::NotFound), "no link joins them");
    })
    .await;
}
