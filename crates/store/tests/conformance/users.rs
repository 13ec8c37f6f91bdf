use std::sync::Arc;

use jiff::ToSpan;
use kept_domain::{Email, Limit, NewUser, PartyKind, PartyScope, Role, Timestamp, UserId};
use kept_store::{
    ArchivedFilter, Conflict, NewToken, SessionRecord, Store, StoreError, UserPatch, UserQuery,
};

use crate::support::{actor, name, org, party, user};

fn email(text: &str) -> Email {
    Email::parse("email", text).expect("valid")
}

pub async fn creating_a_user_makes_their_person_party(store: Arc<dyn Store>) {
    let company = org(&store, "Brightwell Facilities").await;

    let maya = user(&store, "maya@brightwell.example", Some(company.id)).await;

    let person = store.party(maya.party_id).await.expect("person party");
    assert_eq!(person.kind, PartyKind::Person);
    assert_eq!(person.parent_id, Some(company.id));
    assert_eq!(store.user(maya.id).await.expect("read back"), maya);
    assert!(maya.has_password);
}

pub async fn emails_are_unique_whatever_their_case(store: Arc<dyn Store>) {
    let first = user(&store, "sam@example.com", None).await;

    let again = store
        .create_user(
            &actor(),
            NewUser {
                email: email("SAM@Example.com"),
                name: name("Sam 2"),
                party_id: None,
                parent_id: None,
                password_hash: None,
            },
        )
        .await;

    assert!(matches!(
        again,
        Err(StoreError::Conflict(Conflict::EmailTaken))
    ));
    assert_eq!(
        store
            .user_by_email(" Sam@EXAMPLE.com ")
            .await
            .expect("lookup")
            .id,
        first.id
    );
    assert!(matches!(
        store.user_by_email("nobody@example.com").await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_login_can_attach_to_an_existing_person_only_once(store: Arc<dyn Store>) {
    let company = org(&store, "Crate & Co").await;
    let olivia = party(&store, PartyKind::Person, "Olivia Grant", Some(company.id)).await;
    let new = |e: &str, party| NewUser {
        email: email(e),
        name: name("Olivia"),
        party_id: Some(party),
        parent_id: None,
        password_hash: None,
    };

    let first = store
        .create_user(&actor(), new("olivia@crate.example", olivia.id))
        .await
        .expect("attach");
    let second = store
        .create_user(&actor(), new("o.grant@crate.example", olivia.id))
        .await;
    let not_a_person = store
        .create_user(&actor(), new("co@crate.example", company.id))
        .await;

    assert_eq!(first.party_id, olivia.id);
    assert!(!first.has_password);
    assert!(matches!(
        second,
        Err(StoreError::Conflict(Conflict::PersonHasLogin))
    ));
    assert!(matches!(not_a_person, Err(StoreError::Invalid(_))));
}

pub async fn the_principal_carries_grants_and_context(store: Arc<dyn Store>) {
    let head_office = org(&store, "Harbour Retail plc").await;
    let leeds = party(&store, PartyKind::Site, "Leeds", Some(head_office.id)).await;
    let tom = user(&store, "tom@harbour.example", Some(leeds.id)).await;
    store
        .add_grant(&actor(), tom.id, Role::Customer, leeds.id)
        .await
        .expect("grant");

    let principal = store.principal(tom.id).await.expect("principal");

    assert_eq!(principal.user_id, tom.id);
    assert_eq!(principal.party_id, tom.party_id);
    assert_eq!(principal.grants.len(), 1);
    assert_eq!(principal.grants[0].role, Role::Customer);
    assert!(principal.context.contains(&head_office.id));
    assert!(
        principal.context.contains(&leeds.id),
        "the person's own site is context of the person"
    );
    assert!(matches!(
        store.principal(UserId::new()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn grants_are_unique_and_revocable(store: Arc<dyn Store>) {
    let company = org(&store, "Skillbridge").await;
    let jonas = user(&store, "jonas@skillbridge.example", Some(company.id)).await;

    let grant = store
        .add_grant(&actor(), jonas.id, Role::Manager, company.id)
        .await
        .expect("grant");
    let twice = store
        .add_grant(&actor(), jonas.id, Role::Manager, company.id)
        .await;
    let other_role = store
        .add_grant(&actor(), jonas.id, Role::Agent, company.id)
        .await;
    let no_party = store
        .add_grant(&actor(), jonas.id, Role::Agent, kept_domain::PartyId::new())
        .await;

    assert!(matches!(
        twice,
        Err(StoreError::Conflict(Conflict::AlreadyGranted))
    ));
    assert!(other_role.is_ok());
    assert!(matches!(no_party, Err(StoreError::Invalid(_))));
    assert_eq!(store.grant(grant.id).await.expect("read"), grant);

    store
        .revoke_grant(&actor(), grant.id)
        .await
        .expect("revoke");
    let left = store.grants_of(jonas.id).await.expect("grants");
    assert_eq!(
        left.iter().map(|g| g.role).collect::<Vec<_>>(),
        vec![Role::Agent]
    );
    assert!(matches!(
        store.revoke_grant(&actor(), grant.id).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn archiving_a_user_ends_sessions_and_tokens(store: Arc<dyn Store>) {
    let hannah = user(&store, "hannah@northwind.example", None).await;
    let now = Timestamp::now();
    store
        .insert_session(
            "s1",
            &SessionRecord {
                user_id: Some(hannah.id),
                data: "{}".into(),
                expires_at: now + 1.hour(),
            },
        )
        .await
        .expect("session");
    store
        .create_token(
            &actor(),
            NewToken {
                user: hannah.id,
                name: "ci".into(),
                prefix: "kept_abc".into(),
                hash: "h1".into(),
                expires_at: None,
            },
        )
        .await
        .expect("token");

    let archived = store
        .set_user_archived(&actor(), hannah.id, true)
        .await
        .expect("archive");

    assert!(archived.archived_at.is_some());
    assert_eq!(store.session("s1", now).await.expect("lookup"), None);
    assert_eq!(store.token_owner("h1", now).await.expect("lookup"), None);
    assert!(matches!(
        store.principal(hannah.id).await,
        Err(StoreError::NotFound)
    ));

    let restored = store
        .set_user_archived(&actor(), hannah.id, false)
        .await
        .expect("restore");
    assert!(restored.archived_at.is_none());
    assert_eq!(
        store.token_owner("h1", now).await.expect("lookup"),
        None,
        "tokens stay revoked"
    );
}

pub async fn user_lists_are_scoped_searched_and_paged(store: Arc<dyn Store>) {
    let head_office = org(&store, "Harbour Retail plc").await;
    let leeds = party(&store, PartyKind::Site, "Leeds", Some(head_office.id)).await;
    let bristol = party(&store, PartyKind::Site, "Bristol", Some(head_office.id)).await;
    let tom = user(&store, "tom@harbour.example", Some(leeds.id)).await;
    let aisha = user(&store, "aisha@harbour.example", Some(bristol.id)).await;
    let outsider = user(&store, "zed@elsewhere.example", None).await;
    store
        .add_grant(&actor(), outsider.id, Role::Admin, outsider.party_id)
        .await
        .expect("grant");

    let leeds_only = UserQuery::new(PartyScope::Within {
        roots: vec![leeds.id],
        context: vec![],
    });
    let scoped = store.list_users(&leeds_only).await.expect("scoped");
    let searched = store
        .list_users(&UserQuery {
            search: Some("AISHA".into()),
            ..UserQuery::new(PartyScope::All)
        })
        .await
        .expect("search");
    let admins = store
        .list_users(&UserQuery {
            role: Some(Role::Admin),
            ..UserQuery::new(PartyScope::All)
        })
        .await
        .expect("role");
    let first = store
        .list_users(&UserQuery {
            limit: Limit::parse("limit", 2).expect("valid"),
            ..UserQuery::new(PartyScope::All)
        })
        .await
        .expect("page 1");
    let rest = store
        .list_users(&UserQuery {
            cursor: first.next_cursor.as_ref().map(|c| c.as_str().to_owned()),
            ..UserQuery::new(PartyScope::All)
        })
        .await
        .expect("page 2");

    assert_eq!(
        scoped.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![tom.id]
    );
    assert_eq!(
        searched.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![aisha.id]
    );
    assert_eq!(
        admins.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![outsider.id]
    );
    let emails: Vec<String> = first
        .items
        .iter()
        .chain(&rest.items)
        .map(|u| u.email.to_string())
        .collect();
    assert_eq!(
        emails,
        [
            "aisha@harbour.example",
            "tom@harbour.example",
            "zed@elsewhere.example"
        ]
    );
    assert!(rest.next_cursor.is_none());

    store
        .set_user_archived(&actor(), tom.id, true)
        .await
        .expect("archive");
    let active = store
        .list_users(&UserQuery::new(PartyScope::All))
        .await
        .expect("active");
    let archived = store
        .list_users(&UserQuery {
            archived: ArchivedFilter::Archived,
            ..UserQuery::new(PartyScope::All)
        })
        .await
        .expect("archived");
    assert_eq!(active.items.len(), 2);
    assert_eq!(
        archived.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![tom.id]
    );
}

pub async fn updating_a_user_changes_email_and_person_name(store: Arc<dyn Store>) {
    let priya = user(&store, "priya@folio.example", None).await;
    let other = user(&store, "other@folio.example", None).await;

    let updated = store
        .update_user(
            &actor(),
            priya.id,
            UserPatch {
                email: Some(email("p.nair@folio.example")),
                name: Some(name("Priya Nair")),
            },
        )
        .await
        .expect("update");
    let clash = store
        .update_user(
            &actor(),
            other.id,
            UserPatch {
                email: Some(email("p.nair@folio.example")),
                name: None,
            },
        )
        .await;

    assert_eq!(updated.email.as_str(), "p.nair@folio.example");
    assert_eq!(
        store
            .party(priya.party_id)
            .await
            .expect("person")
            .name
            .as_str(),
        "Priya Nair"
    );
    assert!(matches!(
        clash,
        Err(StoreError::Conflict(Conflict::EmailTaken))
    ));
}
