//! `/api/v1/users`: logins, their roles (grants) and invitations.

use std::collections::BTreeSet;

use kept_app::accounts;
use kept_domain::{GrantId, PartyKind, Role, UserId};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, ids, json, problem, spawn_app};

/// The field named by the first error of a validation problem.
fn field_of(problem: &Value) -> &str {
    problem["errors"][0]["field"]
        .as_str()
        .expect("a field error")
}

/// The path of an invitation link (`/invite/...`), wherever it points.
fn invitation_path(url: &Value) -> String {
    let url = url.as_str().expect("an invitation URL");
    let at = url.find("/invite/").expect("a link to /invite/");
    url[at..].to_owned()
}

/// `GET` a page of the web UI without a token, returning the status.
async fn page_status(app: &TestApp, path: &str) -> StatusCode {
    app.client
        .get(app.url(path))
        .send()
        .await
        .expect("request sent")
        .status()
}

/// Creates a user as `token`, expecting 201.
async fn create_user(app: &TestApp, token: &str, body: Value) -> Value {
    json(
        app.post("/api/v1/users", token, &body).await,
        StatusCode::CREATED,
    )
    .await
}

#[tokio::test]
async fn an_admin_creates_a_user_with_a_password_and_gets_no_invitation() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;

    // Act
    let response = app
        .post(
            "/api/v1/users",
            &admin.token,
            &json!({
                "email": "  Maya.Patel@Harbour.Example ",
                "name": "Maya Patel",
                "parent_id": org.id,
                "password": "a long enough password",
            }),
        )
        .await;

    // Assert
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
        .to_owned();
    let user = json(response, StatusCode::CREATED).await;
    assert_eq!(
        location,
        format!("/api/v1/users/{}", user["id"].as_str().expect("an id"))
    );
    assert_eq!(user["email"], "maya.patel@harbour.example", "normalised");
    assert_eq!(user["name"], "Maya Patel");
    assert_eq!(user["has_password"], true);
    assert!(user["archived_at"].is_null());
    assert!(
        user.get("invitation_url").is_none(),
        "no invitation with a password: {user}"
    );
    let person = json(
        app.get(
            &format!(
                "/api/v1/parties/{}",
                user["party_id"].as_str().expect("a party")
            ),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(person["kind"], "person");
    assert_eq!(person["name"], "Maya Patel");
    assert_eq!(person["parent_id"], org.id.to_string());
    let fetched = json(app.get(&location, &admin.token).await, StatusCode::OK).await;
    assert_eq!(fetched, user);
}

#[tokio::test]
async fn an_admin_creates_a_user_without_a_password_and_gets_a_working_invitation() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;

    // Act
    let user = create_user(
        &app,
        &admin.token,
        json!({ "email": "invited@example.com", "name": "Invited Person" }),
    )
    .await;

    // Assert
    assert_eq!(user["has_password"], false);
    let url = user["invitation_url"].as_str().expect("an invitation URL");
    assert!(
        url.starts_with(&format!("{}/invite/", app.address)),
        "the link points at this server: {url}"
    );
    let link = invitation_path(&user["invitation_url"]);
    assert_eq!(page_status(&app, &link).await, StatusCode::OK);
    assert_eq!(
        page_status(&app, "/invite/not-a-real-invitation").await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_email_in_use_is_refused_whatever_its_case() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    create_user(
        &app,
        &admin.token,
        json!({ "email": "maya@example.com", "name": "Maya", "password": "a long enough password" }),
    )
    .await;
    let other = create_user(
        &app,
        &admin.token,
        json!({ "email": "sam@example.com", "name": "Sam", "password": "a long enough password" }),
    )
    .await;

    // Act
    let created = app
        .post(
            "/api/v1/users",
            &admin.token,
            &json!({ "email": "MAYA@Example.com", "name": "Another Maya" }),
        )
        .await;
    let changed = app
        .patch(
            &format!("/api/v1/users/{}", other["id"].as_str().expect("an id")),
            &admin.token,
            &json!({ "email": "Maya@EXAMPLE.com" }),
        )
        .await;

    // Assert
    problem(created, StatusCode::CONFLICT, "email-taken").await;
    problem(changed, StatusCode::CONFLICT, "email-taken").await;
    let page = json(
        app.get("/api/v1/users?q=maya", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&page).len(), 1, "still one Maya: {page}");
}

#[tokio::test]
async fn only_admins_create_users() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Provider", None).await;
    let manager = app
        .persona(
            "manager@example.com",
            Some(org.id),
            &[(Role::Manager, org.id)],
        )
        .await;
    let body = json!({
        "email": "recruit@example.com",
        "name": "Recruit",
        "parent_id": org.id,
        "password": "a long enough password",
    });

    // Act
    let response = app.post("/api/v1/users", &manager.token, &body).await;

    // Assert
    problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    let page = json(
        app.get("/api/v1/users?q=recruit", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert!(ids(&page).is_empty(), "no user was made: {page}");
}

#[tokio::test]
async fn bad_user_fields_are_refused_naming_the_field() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;
    let cases = [
        (json!({ "email": "maya", "name": "Maya" }), "email"),
        (json!({ "name": "Maya" }), "email"),
        (json!({ "email": "maya@example.com", "name": "  " }), "name"),
        (
            json!({ "email": "maya@example.com", "name": "Maya", "password": "short" }),
            "password",
        ),
        (
            json!({ "email": "maya@example.com", "name": "Maya", "admin": true }),
            "admin",
        ),
        (
            json!({ "email": "maya@example.com", "name": "Maya", "parent_id": kept_domain::PartyId::new() }),
            "parent_id",
        ),
        (
            json!({ "email": "maya@example.com", "name": "Maya", "party_id": org.id }),
            "party_id",
        ),
    ];

    for (body, field) in cases {
        // Act
        let response = app.post("/api/v1/users", &admin.token, &body).await;

        // Assert
        let problem = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(field_of(&problem), field, "body {body}");
    }
}

#[tokio::test]
async fn a_login_can_be_given_to_an_existing_person_once() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;
    let person = app
        .party(PartyKind::Person, "Pat Jones", Some(org.id))
        .await;

    // Act
    let user = create_user(
        &app,
        &admin.token,
        json!({ "email": "pat@example.com", "name": "Pat Jones", "party_id": person.id }),
    )
    .await;
    let second = app
        .post(
            "/api/v1/users",
            &admin.token,
            &json!({ "email": "pat.two@example.com", "name": "Pat Jones", "party_id": person.id }),
        )
        .await;

    // Assert
    assert_eq!(user["party_id"], person.id.to_string());
    problem(second, StatusCode::CONFLICT, "person-has-login").await;
}

#[tokio::test]
async fn users_rename_themselves_but_only_admins_change_an_email() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    let path = format!("/api/v1/users/{}", maya.user.id);

    // Act
    let renamed = app
        .patch(&path, &maya.token, &json!({ "name": "Maya Patel" }))
        .await;
    let own_email = app
        .patch(&path, &maya.token, &json!({ "email": "boss@example.com" }))
        .await;
    let both = app
        .patch(
            &path,
            &maya.token,
            &json!({ "name": "Boss", "email": "boss@example.com" }),
        )
        .await;
    let by_admin = app
        .patch(
            &path,
            &admin.token,
            &json!({ "email": "Maya.Patel@Example.com" }),
        )
        .await;

    // Assert
    assert_eq!(json(renamed, StatusCode::OK).await["name"], "Maya Patel");
    problem(own_email, StatusCode::FORBIDDEN, "forbidden").await;
    problem(both, StatusCode::FORBIDDEN, "forbidden").await;
    let changed = json(by_admin, StatusCode::OK).await;
    assert_eq!(changed["email"], "maya.patel@example.com");
    assert_eq!(
        changed["name"], "Maya Patel",
        "the refused change left the name"
    );
    let person = json(
        app.get(
            &format!("/api/v1/parties/{}", maya.user.party_id),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        person["name"], "Maya Patel",
        "the person party carries the name"
    );
}

#[tokio::test]
async fn a_user_cannot_change_someone_they_cannot_see() {
    // Arrange
    let app = spawn_app().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;
    let store_a = app.party(PartyKind::Site, "Store A", Some(org.id)).await;
    let store_b = app.party(PartyKind::Site, "Store B", Some(org.id)).await;
    let alice = app
        .persona(
            "alice@example.com",
            Some(store_a.id),
            &[(Role::Customer, store_a.id)],
        )
        .await;
    let bob = app
        .persona(
            "bob@example.com",
            Some(store_b.id),
            &[(Role::Customer, store_b.id)],
        )
        .await;
    let bob_path = format!("/api/v1/users/{}", bob.user.id);

    // Act
    let renamed = app
        .patch(&bob_path, &alice.token, &json!({ "name": "Robert" }))
        .await;
    let archived = app
        .post(&format!("{bob_path}/archive"), &alice.token, &json!({}))
        .await;
    let grants = app.get(&format!("{bob_path}/grants"), &alice.token).await;

    // Assert
    problem(renamed, StatusCode::NOT_FOUND, "not-found").await;
    problem(archived, StatusCode::NOT_FOUND, "not-found").await;
    problem(grants, StatusCode::NOT_FOUND, "not-found").await;
    let me = json(app.get("/api/v1/me", &bob.token).await, StatusCode::OK).await;
    assert_eq!(me["user"]["name"], "bob");
}

#[tokio::test]
async fn archiving_a_user_revokes_their_tokens() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    json(app.get("/api/v1/me", &maya.token).await, StatusCode::OK).await;
    let path = format!("/api/v1/users/{}", maya.user.id);

    // Act
    let archived = json(
        app.post(&format!("{path}/archive"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert!(archived["archived_at"].is_string());
    problem(
        app.get("/api/v1/me", &maya.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let tokens = app
        .store
        .tokens_of(maya.user.id)
        .await
        .expect("listing tokens");
    assert!(!tokens.is_empty());
    assert!(
        tokens.iter().all(|t| t.revoked_at.is_some()),
        "every token is revoked: {tokens:?}"
    );
    let active = json(app.get("/api/v1/users", &admin.token).await, StatusCode::OK).await;
    assert!(!ids(&active).contains(&maya.user.id.to_string()));
    let archived_list = json(
        app.get("/api/v1/users?archived=archived", &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&archived_list), vec![maya.user.id.to_string()]);
}

#[tokio::test]
async fn an_admin_cannot_archive_themself() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;

    // Act
    let response = app
        .post(
            &format!("/api/v1/users/{}/archive", admin.user.id),
            &admin.token,
            &json!({}),
        )
        .await;

    // Assert
    problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    let me = json(app.get("/api/v1/me", &admin.token).await, StatusCode::OK).await;
    assert!(me["user"]["archived_at"].is_null());
}

#[tokio::test]
async fn restoring_a_user_lets_them_back_in_with_new_tokens_only() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    let path = format!("/api/v1/users/{}", maya.user.id);
    json(
        app.post(&format!("{path}/archive"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;

    // Act
    let restored = json(
        app.post(&format!("{path}/restore"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert!(restored["archived_at"].is_null());
    problem(
        app.get("/api/v1/me", &maya.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let fresh = accounts::issue_token(
        app.store.as_ref(),
        &kept_domain::Actor::system("test"),
        maya.user.id,
        "after restore",
        None,
    )
    .await
    .expect("a new token for a restored user");
    json(app.get("/api/v1/me", &fresh.secret).await, StatusCode::OK).await;
}

#[tokio::test]
async fn only_admins_archive_and_restore_users() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Provider", None).await;
    let manager = app
        .persona(
            "manager@example.com",
            Some(org.id),
            &[(Role::Manager, org.id)],
        )
        .await;
    let agent = app
        .persona("agent@example.com", Some(org.id), &[(Role::Agent, org.id)])
        .await;
    let path = format!("/api/v1/users/{}", agent.user.id);

    // Act
    let archived = app
        .post(&format!("{path}/archive"), &manager.token, &json!({}))
        .await;
    let by_self = app
        .post(&format!("{path}/archive"), &agent.token, &json!({}))
        .await;
    json(
        app.post(&format!("{path}/archive"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let restored = app
        .post(&format!("{path}/restore"), &manager.token, &json!({}))
        .await;

    // Assert
    problem(archived, StatusCode::FORBIDDEN, "forbidden").await;
    problem(by_self, StatusCode::FORBIDDEN, "forbidden").await;
    problem(restored, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn an_admin_lists_adds_and_revokes_grants() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let store = app.party(PartyKind::Site, "Store A", Some(org.id)).await;
    let alice = app
        .persona(
            "alice@example.com",
            Some(store.id),
            &[(Role::Customer, store.id)],
        )
        .await;
    let grants = format!("/api/v1/users/{}/grants", alice.user.id);

    // Act
    let before = json(app.get(&grants, &admin.token).await, StatusCode::OK).await;
    let added = app
        .post(
            &grants,
            &admin.token,
            &json!({ "role": "approver", "party_id": org.id }),
        )
        .await;
    let added = json(added, StatusCode::CREATED).await;
    let duplicate = app
        .post(
            &grants,
            &admin.token,
            &json!({ "role": "approver", "party_id": org.id }),
        )
        .await;
    let during = json(app.get(&grants, &admin.token).await, StatusCode::OK).await;
    let added_id = added["id"].as_str().expect("a grant id");
    let revoked = app
        .delete(&format!("{grants}/{added_id}"), &admin.token)
        .await;
    let revoked = json(revoked, StatusCode::OK).await;
    let after = json(app.get(&grants, &admin.token).await, StatusCode::OK).await;

    // Assert
    let roles = |list: &Value| -> Vec<(String, String)> {
        list.as_array()
            .expect("a list of grants")
            .iter()
            .map(|g| {
                (
                    g["role"].as_str().expect("a role").to_owned(),
                    g["party_id"].as_str().expect("a party").to_owned(),
                )
            })
            .collect()
    };
    let customer = ("customer".to_owned(), store.id.to_string());
    let approver = ("approver".to_owned(), org.id.to_string());
    assert_eq!(roles(&before), vec![customer.clone()]);
    assert_eq!(added["role"], "approver");
    assert_eq!(added["party_id"], org.id.to_string());
    assert_eq!(added["user_id"], alice.user.id.to_string());
    problem(duplicate, StatusCode::CONFLICT, "already-granted").await;
    assert_eq!(roles(&during), vec![customer.clone(), approver]);
    assert_eq!(revoked["id"], added["id"]);
    assert_eq!(roles(&after), vec![customer]);
    let me = json(app.get("/api/v1/me", &alice.token).await, StatusCode::OK).await;
    assert_eq!(me["grants"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_grant_is_revoked_only_under_the_path_of_its_own_user() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;
    let alice = app
        .persona("alice@example.com", None, &[(Role::Client, org.id)])
        .await;
    let bob = app.persona("bob@example.com", None, &[]).await;
    let grants = app
        .store
        .grants_of(alice.user.id)
        .await
        .expect("alice's grants");
    let grant_id = grants[0].id;

    // Act
    let wrong_user = app
        .delete(
            &format!("/api/v1/users/{}/grants/{grant_id}", bob.user.id),
            &admin.token,
        )
        .await;
    let unknown = app
        .delete(
            &format!("/api/v1/users/{}/grants/{}", alice.user.id, GrantId::new()),
            &admin.token,
        )
        .await;
    let unknown_user = app
        .delete(
            &format!("/api/v1/users/{}/grants/{grant_id}", UserId::new()),
            &admin.token,
        )
        .await;

    // Assert
    problem(wrong_user, StatusCode::NOT_FOUND, "not-found").await;
    problem(unknown, StatusCode::NOT_FOUND, "not-found").await;
    problem(unknown_user, StatusCode::NOT_FOUND, "not-found").await;
    let still = app
        .store
        .grants_of(alice.user.id)
        .await
        .expect("alice's grants");
    assert_eq!(still.len(), 1, "alice keeps her grant");
}

#[tokio::test]
async fn a_grant_needs_a_known_role_and_an_active_party() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;
    let gone = app.party(PartyKind::Organisation, "Gone", None).await;
    json(
        app.post(
            &format!("/api/v1/parties/{}/archive", gone.id),
            &admin.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    let grants = format!("/api/v1/users/{}/grants", maya.user.id);
    let cases = [
        (json!({ "role": "root", "party_id": org.id }), "role"),
        (json!({ "role": "client" }), "party_id"),
        (
            json!({ "role": "client", "party_id": kept_domain::PartyId::new() }),
            "party_id",
        ),
        (json!({ "role": "client", "party_id": gone.id }), "party_id"),
    ];

    for (body, field) in cases {
        // Act
        let response = app.post(&grants, &admin.token, &body).await;

        // Assert
        let problem = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(field_of(&problem), field, "body {body}");
    }
}

#[tokio::test]
async fn a_fresh_invitation_replaces_the_earlier_link() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = create_user(
        &app,
        &admin.token,
        json!({ "email": "invited@example.com", "name": "Invited" }),
    )
    .await;
    let first = invitation_path(&user["invitation_url"]);
    let invitation = format!(
        "/api/v1/users/{}/invitation",
        user["id"].as_str().expect("an id")
    );

    // Act
    let fresh = json(
        app.post(&invitation, &admin.token, &json!({})).await,
        StatusCode::CREATED,
    )
    .await;

    // Assert
    let second = invitation_path(&fresh["invitation_url"]);
    assert_ne!(first, second);
    assert!(fresh["expires_at"].is_string());
    assert_eq!(page_status(&app, &second).await, StatusCode::OK);
    assert_eq!(
        page_status(&app, &first).await,
        StatusCode::NOT_FOUND,
        "the earlier link stops working"
    );
}

#[tokio::test]
async fn only_admins_issue_invitations() {
    // Arrange
    let app = spawn_app().await;
    let maya = app.persona("maya@example.com", None, &[]).await;

    // Act
    let response = app
        .post(
            &format!("/api/v1/users/{}/invitation", maya.user.id),
            &maya.token,
            &json!({}),
        )
        .await;

    // Assert
    problem(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn listing_users_filters_by_text_and_role_and_pages_by_email() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;
    let mut emails = vec!["admin@example.com".to_owned()];
    for (email, role) in [
        ("dana@example.com", Role::Manager),
        ("bea@example.com", Role::Agent),
        ("carl@example.com", Role::Agent),
        ("erin@other.example", Role::Client),
    ] {
        app.persona(email, None, &[(role, org.id)]).await;
        emails.push(email.to_owned());
    }
    emails.sort();

    // Act
    let agents = json(
        app.get("/api/v1/users?role=agent", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    let other = json(
        app.get("/api/v1/users?q=OTHER.example", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    let mut walked = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = json(
            app.get(&format!("/api/v1/users?limit=2{cursor}"), &admin.token)
                .await,
            StatusCode::OK,
        )
        .await;
        for user in page["items"].as_array().expect("items") {
            walked.push(user["email"].as_str().expect("an email").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) if walked.len() < 100 => cursor = format!("&cursor={next}"),
            _ => break,
        }
    }

    // Assert
    let emails_of = |page: &Value| -> BTreeSet<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["email"].as_str().expect("an email").to_owned())
            .collect()
    };
    assert_eq!(
        emails_of(&agents),
        BTreeSet::from(["bea@example.com".to_owned(), "carl@example.com".to_owned()])
    );
    assert_eq!(
        emails_of(&other),
        BTreeSet::from(["erin@other.example".to_owned()])
    );
    assert_eq!(walked, emails, "every user once, by email");
}

#[tokio::test]
async fn everyone_reads_themself_and_their_own_grants() {
    // Arrange
    let app = spawn_app().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;
    let maya = app
        .persona("maya@example.com", None, &[(Role::Supplier, org.id)])
        .await;
    let path = format!("/api/v1/users/{}", maya.user.id);

    // Act
    let me = json(app.get(&path, &maya.token).await, StatusCode::OK).await;
    let grants = json(
        app.get(&format!("{path}/grants"), &maya.token).await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert_eq!(me["email"], "maya@example.com");
    assert_eq!(grants[0]["role"], "supplier");
    assert_eq!(grants[0]["party_id"], org.id.to_string());
}

#[tokio::test]
async fn a_login_is_never_restored_onto_an_archived_person() {
    // Arrange: Maya's login is archived, then her person party.
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;
    let maya = app.persona("maya@example.com", Some(org.id), &[]).await;
    let user_path = format!("/api/v1/users/{}", maya.user.id);
    let person_path = format!("/api/v1/parties/{}", maya.user.party_id);
    json(
        app.post(&format!("{user_path}/archive"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    json(
        app.post(&format!("{person_path}/archive"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;

    // Act
    let response = app
        .post(&format!("{user_path}/restore"), &admin.token, &json!({}))
        .await;

    // Assert: either the restore is refused as a conflict, or it brings the
    // person back too; an active login on an archived person is the state
    // that archiving a party refuses (`party-has-active-login`).
    let status = response.status();
    let body = response.text().await.expect("a body");
    let user = json(app.get(&user_path, &admin.token).await, StatusCode::OK).await;
    let person = json(app.get(&person_path, &admin.token).await, StatusCode::OK).await;
    if status.is_success() {
        assert!(
            person["archived_at"].is_null(),
            "the login was restored ({status}: {body}) but its person party is still archived: {person}"
        );
    } else {
        assert_eq!(status, StatusCode::CONFLICT, "refused how? {body}");
        assert!(
            user["archived_at"].is_string(),
            "refused, yet restored: {user}"
        );
    }
}

#[tokio::test]
async fn an_admin_cannot_remove_their_own_admin_role_but_another_admin_can() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let other = app.persona("second.admin@example.com", None, &[]).await;
    let grant = json(
        app.post(
            &format!("/api/v1/users/{}/grants", other.user.id),
            &admin.token,
            &json!({ "role": "admin", "party_id": other.user.party_id }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let own_grant = app
        .store
        .grants_of(admin.user.id)
        .await
        .expect("grants")
        .into_iter()
        .find(|g| g.role == Role::Admin)
        .expect("an admin grant");

    // Act
    let by_self = app
        .delete(
            &format!("/api/v1/users/{}/grants/{}", admin.user.id, own_grant.id),
            &admin.token,
        )
        .await;
    let by_other = app
        .delete(
            &format!("/api/v1/users/{}/grants/{}", admin.user.id, own_grant.id),
            &other.token,
        )
        .await;

    // Assert
    problem(by_self, StatusCode::FORBIDDEN, "forbidden").await;
    json(by_other, StatusCode::OK).await;
    assert_eq!(grant["role"], "admin");
}

#[tokio::test]
async fn a_new_login_names_either_an_existing_person_or_where_a_new_one_goes() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Crate & Co", None).await;
    let person = app
        .party(PartyKind::Person, "Olivia Grant", Some(org.id))
        .await;

    // Act
    let both = app
        .post(
            "/api/v1/users",
            &admin.token,
            &json!({ "email": "olivia@crateco.example", "name": "Olivia", "party_id": person.id, "parent_id": org.id }),
        )
        .await;

    // Assert
    let body = problem(both, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
    assert_eq!(field_of(&body), "parent_id");
}

#[tokio::test]
async fn an_archived_user_cannot_be_invited_until_restored() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let sam = app.persona("sam@example.com", None, &[]).await;
    let path = format!("/api/v1/users/{}", sam.user.id);
    json(
        app.post(&format!("{path}/archive"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;

    // Act
    let while_archived = app
        .post(&format!("{path}/invitation"), &admin.token, &json!({}))
        .await;
    json(
        app.post(&format!("{path}/restore"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let after_restore = app
        .post(&format!("{path}/invitation"), &admin.token, &json!({}))
        .await;

    // Assert
    problem(while_archived, StatusCode::CONFLICT, "user-archived").await;
    json(after_restore, StatusCode::CREATED).await;
}
