//! `/api/v1/audit-events`: the append-only log of who changed what.

use std::collections::BTreeSet;

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Persona, TestApp, json, problem, spawn_app};

/// The events matching a query string, newest first (one page of up to 200).
async fn events(app: &TestApp, admin: &Persona, query: &str) -> Vec<Value> {
    let separator = if query.is_empty() { "?" } else { "&" };
    let page = json(
        app.get(
            &format!("/api/v1/audit-events{query}{separator}limit=200"),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(page["next_cursor"].is_null(), "more than one page: {page}");
    page["items"].as_array().expect("a page of events").clone()
}

/// The actions of a list of events, in order.
fn actions(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["action"].as_str().expect("an action"))
        .collect()
}

/// Creates a party through the API as `persona`, returning its id.
async fn create_party(app: &TestApp, persona: &Persona, body: Value) -> String {
    let party = json(
        app.post("/api/v1/parties", &persona.token, &body).await,
        StatusCode::CREATED,
    )
    .await;
    party["id"].as_str().expect("a party id").to_owned()
}

#[tokio::test]
async fn creating_a_party_records_who_created_what() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let parent = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;

    // Act
    let id = create_party(
        &app,
        &admin,
        json!({ "kind": "site", "name": "Store A", "parent_id": parent.id, "reference": "S-1" }),
    )
    .await;

    // Assert
    let found = events(&app, &admin, &format!("?subject_id={id}")).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let event = &found[0];
    assert_eq!(event["action"], "party.created");
    assert_eq!(event["subject_type"], "party");
    assert_eq!(event["subject_id"], id);
    assert_eq!(event["actor_user_id"], admin.user.id.to_string());
    assert_eq!(event["actor"], "admin@example.com");
    assert!(event["at"].is_string());
    assert_eq!(
        event["details"],
        json!({
            "kind": "site",
            "name": "Store A",
            "parent_id": parent.id,
            "internal": false,
            "reference": "S-1",
        })
    );
}

#[tokio::test]
async fn updating_a_party_records_only_what_changed() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let group = app.party(PartyKind::Organisation, "Group", None).await;
    let id = create_party(
        &app,
        &admin,
        json!({ "kind": "organisation", "name": "Old name" }),
    )
    .await;
    let path = format!("/api/v1/parties/{id}");

    // Act
    json(
        app.patch(
            &path,
            &admin.token,
            &json!({ "name": "New name", "reference": "ACCT-9" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    json(
        app.patch(&path, &admin.token, &json!({ "name": "New name" }))
            .await,
        StatusCode::OK,
    )
    .await;
    json(
        app.patch(&path, &admin.token, &json!({ "parent_id": group.id }))
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    let found = events(
        &app,
        &admin,
        &format!("?subject_id={id}&action=party.updated"),
    )
    .await;
    assert_eq!(
        found.len(),
        2,
        "a change that changes nothing is not logged"
    );
    assert_eq!(
        found[1]["details"],
        json!({ "name": ["Old name", "New name"], "reference": [null, "ACCT-9"] })
    );
    assert_eq!(
        found[0]["details"],
        json!({ "parent_id": [null, group.id] })
    );
    assert_eq!(found[0]["actor_user_id"], admin.user.id.to_string());
}

#[tokio::test]
async fn archiving_and_restoring_a_party_are_recorded() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let id = create_party(
        &app,
        &admin,
        json!({ "kind": "organisation", "name": "Closing Down" }),
    )
    .await;
    let path = format!("/api/v1/parties/{id}");

    // Act
    for step in ["archive", "restore"] {
        json(
            app.post(&format!("{path}/{step}"), &admin.token, &json!({}))
                .await,
            StatusCode::OK,
        )
        .await;
    }

    // Assert
    let found = events(&app, &admin, &format!("?subject_id={id}")).await;
    assert_eq!(
        actions(&found),
        ["party.restored", "party.archived", "party.created"]
    );
    assert_eq!(found[1]["details"], json!({ "name": "Closing Down" }));
    assert_eq!(found[1]["actor"], "admin@example.com");
}

#[tokio::test]
async fn refused_changes_leave_no_trace() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;
    app.party(PartyKind::Site, "Site", Some(org.id)).await;
    let agent = app
        .persona("agent@example.com", Some(org.id), &[(Role::Agent, org.id)])
        .await;
    let path = format!("/api/v1/parties/{}", org.id);
    let before = events(&app, &admin, "").await.len();

    // Act
    let archived = app
        .post(&format!("{path}/archive"), &admin.token, &json!({}))
        .await;
    let renamed = app
        .patch(&path, &agent.token, &json!({ "name": "Agent's" }))
        .await;

    // Assert
    problem(archived, StatusCode::CONFLICT, "party-has-active-children").await;
    problem(renamed, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(events(&app, &admin, "").await.len(), before);
}

#[tokio::test]
async fn adding_and_revoking_a_grant_are_recorded_against_the_user() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    let grants = format!("/api/v1/users/{}/grants", maya.user.id);

    // Act
    let grant = json(
        app.post(
            &grants,
            &admin.token,
            &json!({ "role": "client", "party_id": org.id }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.delete(
            &format!("{grants}/{}", grant["id"].as_str().expect("a grant id")),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    let found = events(
        &app,
        &admin,
        &format!("?subject_type=user&subject_id={}", maya.user.id),
    )
    .await;
    assert_eq!(
        actions(&found)[..2],
        ["grant.revoked", "grant.added"],
        "{found:?}"
    );
    let expected = json!({ "grant_id": grant["id"], "role": "client", "party_id": org.id });
    for event in &found[..2] {
        assert_eq!(event["details"], expected);
        assert_eq!(event["actor_user_id"], admin.user.id.to_string());
        assert_eq!(event["subject_type"], "user");
    }
}

#[tokio::test]
async fn creating_and_archiving_a_user_are_recorded() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;

    // Act
    let user = json(
        app.post(
            "/api/v1/users",
            &admin.token,
            &json!({ "email": "new@example.com", "name": "New", "password": "a long enough password" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = user["id"].as_str().expect("a user id");
    json(
        app.post(
            &format!("/api/v1/users/{id}/archive"),
            &admin.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    let found = events(&app, &admin, &format!("?subject_id={id}")).await;
    assert_eq!(actions(&found), ["user.archived", "user.created"]);
    assert_eq!(
        found[1]["details"],
        json!({ "email": "new@example.com", "party_id": user["party_id"], "has_password": true })
    );
    let person = events(
        &app,
        &admin,
        &format!(
            "?subject_id={}",
            user["party_id"].as_str().expect("a party id")
        ),
    )
    .await;
    assert_eq!(actions(&person), ["party.created"], "the person party too");
}

#[tokio::test]
async fn creating_and_revoking_a_token_are_recorded_without_the_secret() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let maya = app.persona("maya@example.com", None, &[]).await;

    // Act
    let token = json(
        app.post("/api/v1/tokens", &maya.token, &json!({ "name": "laptop" }))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = token["id"].as_str().expect("a token id");
    json(
        app.delete(&format!("/api/v1/tokens/{id}"), &maya.token)
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    let found = events(
        &app,
        &admin,
        &format!("?subject_type=token&subject_id={id}"),
    )
    .await;
    assert_eq!(actions(&found), ["token.revoked", "token.created"]);
    for event in &found {
        assert_eq!(event["actor_user_id"], maya.user.id.to_string());
        assert_eq!(event["details"]["name"], "laptop");
        let secret = token["secret"].as_str().expect("a secret");
        assert!(!event.to_string().contains(secret), "the secret is logged");
    }
}

#[tokio::test]
async fn each_filter_narrows_the_log() {
    // Arrange: two admins change different things.
    let app = spawn_app().await;
    let admin = app.admin().await;
    let other = app.persona("other@example.com", None, &[]).await;
    app.store
        .add_grant(
            &kept_domain::Actor::system("test"),
            other.user.id,
            Role::Admin,
            other.user.party_id,
        )
        .await
        .expect("granting admin");
    let mine = create_party(
        &app,
        &admin,
        json!({ "kind": "organisation", "name": "Mine" }),
    )
    .await;
    let theirs = create_party(
        &app,
        &other,
        json!({ "kind": "organisation", "name": "Theirs" }),
    )
    .await;
    json(
        app.patch(
            &format!("/api/v1/parties/{theirs}"),
            &other.token,
            &json!({ "name": "Theirs, renamed" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Act
    let by_admin = events(&app, &admin, &format!("?actor={}", admin.user.id)).await;
    let by_other = events(&app, &admin, &format!("?actor={}", other.user.id)).await;
    let parties = events(&app, &admin, "?subject_type=party").await;
    let users = events(&app, &admin, "?subject_type=user").await;
    let about_theirs = events(&app, &admin, &format!("?subject_id={theirs}")).await;
    let updates = events(&app, &admin, "?action=party.updated").await;
    let combined = events(
        &app,
        &admin,
        &format!("?actor={}&action=party.created", other.user.id),
    )
    .await;

    // Assert
    let subjects = |events: &[Value]| -> BTreeSet<String> {
        events
            .iter()
            .map(|e| e["subject_id"].as_str().expect("a subject").to_owned())
            .collect()
    };
    assert_eq!(subjects(&by_admin), BTreeSet::from([mine.clone()]));
    assert_eq!(actions(&by_other), ["party.updated", "party.created"]);
    assert!(
        parties.iter().all(|e| e["subject_type"] == "party")
            && subjects(&parties).contains(&mine)
            && subjects(&parties).contains(&theirs)
    );
    assert!(!users.is_empty());
    assert!(users.iter().all(|e| e["subject_type"] == "user"));
    assert_eq!(actions(&about_theirs), ["party.updated", "party.created"]);
    assert_eq!(subjects(&updates), BTreeSet::from([theirs.clone()]));
    assert_eq!(actions(&combined), ["party.created"]);
    assert_eq!(combined[0]["subject_id"], theirs);
}

#[tokio::test]
async fn events_are_listed_newest_first_a_page_at_a_time() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut created = Vec::new();
    for n in 0..5 {
        created.push(
            create_party(
                &app,
                &admin,
                json!({ "kind": "organisation", "name": format!("Org {n}") }),
            )
            .await,
        );
    }
    created.reverse();

    // Act
    let mut walked = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = json(
            app.get(
                &format!("/api/v1/audit-events?action=party.created&limit=2{cursor}"),
                &admin.token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        for event in page["items"].as_array().expect("items") {
            walked.push(event["subject_id"].as_str().expect("a subject").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) if walked.len() < 100 => cursor = format!("&cursor={next}"),
            _ => break,
        }
    }

    // Assert: the admin's own person party came first, so it is listed last.
    assert_eq!(walked.len(), 6, "{walked:?}");
    assert_eq!(walked[..5], created[..]);
    assert_eq!(walked[5], admin.user.party_id.to_string());
}

#[tokio::test]
async fn a_bad_filter_is_refused_naming_it() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let cases = [
        ("?action=party.exploded", "action"),
        ("?action=", "action"),
        ("?actor=nobody", "actor"),
        ("?limit=0", "limit"),
        ("?cursor=%25%25", "cursor"),
        ("?colour=red", "colour"),
    ];

    for (query, field) in cases {
        // Act
        let response = app
            .get(&format!("/api/v1/audit-events{query}"), &admin.token)
            .await;

        // Assert
        let body = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], field, "query {query}");
    }
}

#[tokio::test]
async fn only_admins_read_the_audit_log() {
    // Arrange
    let app = spawn_app().await;
    let org = app.party(PartyKind::Organisation, "Provider", None).await;
    let manager = app
        .persona(
            "manager@example.com",
            Some(org.id),
            &[(Role::Manager, org.id)],
        )
        .await;
    let customer = app
        .persona("customer@example.com", None, &[(Role::Customer, org.id)])
        .await;

    for persona in [&manager, &customer] {
        // Act
        let response = app.get("/api/v1/audit-events", &persona.token).await;

        // Assert
        problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
}
