//! `/api/v1/tokens`: the caller's own API tokens.

use jiff::{SignedDuration, Timestamp};
use kept_app::secret::{display_prefix, hash_secret, random_secret};
use kept_domain::{Actor, TokenId};
use kept_store::NewToken;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Persona, TestApp, json, problem, spawn_app};

/// Creates a token as `persona` through the API, expecting 201.
async fn create_token(app: &TestApp, persona: &Persona, body: Value) -> Value {
    json(
        app.post("/api/v1/tokens", &persona.token, &body).await,
        StatusCode::CREATED,
    )
    .await
}

/// The caller's tokens, as listed.
async fn list_tokens(app: &TestApp, token: &str) -> Vec<Value> {
    json(app.get("/api/v1/tokens", token).await, StatusCode::OK)
        .await
        .as_array()
        .expect("a list of tokens")
        .clone()
}

/// Stores a token for `persona`'s user directly, expiring at `expires_at`,
/// and returns its secret.
async fn stored_token(app: &TestApp, persona: &Persona, expires_at: Timestamp) -> String {
    let secret = random_secret("kept_").expect("randomness");
    app.store
        .create_token(
            &Actor::system("test"),
            NewToken {
                user: persona.user.id,
                name: "stored".to_owned(),
                prefix: display_prefix(&secret),
                hash: hash_secret(&secret),
                expires_at: Some(expires_at),
            },
        )
        .await
        .expect("storing a token");
    secret
}

#[tokio::test]
async fn a_new_token_is_shown_once_and_listed_later_without_its_secret() {
    // Arrange
    let app = spawn_app().await;
    let maya = app.persona("maya@example.com", None, &[]).await;

    // Act
    let created = create_token(&app, &maya, json!({ "name": "  CI pipeline " })).await;
    let listed = list_tokens(&app, &maya.token).await;

    // Assert
    let secret = created["secret"].as_str().expect("a secret");
    assert!(secret.starts_with("kept_"), "secret {secret}");
    assert_eq!(created["name"], "CI pipeline", "the name is trimmed");
    assert_eq!(created["user_id"], maya.user.id.to_string());
    assert!(
        secret.starts_with(created["prefix"].as_str().expect("a prefix")),
        "the prefix is the start of the secret"
    );
    assert!(created["expires_at"].is_null());
    assert!(created["revoked_at"].is_null());
    let entry = listed
        .iter()
        .find(|t| t["id"] == created["id"])
        .expect("the new token is listed");
    assert_eq!(entry["name"], "CI pipeline");
    assert_eq!(entry["prefix"], created["prefix"]);
    for token in &listed {
        assert!(token.get("secret").is_none(), "a secret is listed: {token}");
        assert!(
            !token.to_string().contains(secret),
            "the secret leaks into the list"
        );
    }
}

#[tokio::test]
async fn a_new_token_authenticates_its_owner() {
    // Arrange
    let app = spawn_app().await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    let created = create_token(&app, &maya, json!({ "name": "script" })).await;
    let secret = created["secret"].as_str().expect("a secret");

    // Act
    let me = json(app.get("/api/v1/me", secret).await, StatusCode::OK).await;

    // Assert
    assert_eq!(me["user"]["id"], maya.user.id.to_string());
}

#[tokio::test]
async fn a_token_with_a_lifetime_expires_after_that_many_days() {
    // Arrange
    let app = spawn_app().await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    let before = Timestamp::now();

    // Act
    let created = create_token(
        &app,
        &maya,
        json!({ "name": "month", "expires_in_days": 30 }),
    )
    .await;

    // Assert
    let expires: Timestamp = created["expires_at"]
        .as_str()
        .expect("an expiry")
        .parse()
        .expect("an instant");
    let expected = before + SignedDuration::from_hours(24 * 30);
    let off = expires.duration_since(expected).abs();
    assert!(
        off < SignedDuration::from_secs(60),
        "expires at {expires}, expected about {expected}"
    );
}

#[tokio::test]
async fn tokens_are_listed_newest_first_and_only_to_their_owner() {
    // Arrange
    let app = spawn_app().await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    let sam = app.persona("sam@example.com", None, &[]).await;
    for name in ["first", "second", "third"] {
        create_token(&app, &maya, json!({ "name": name })).await;
    }

    // Act
    let mayas = list_tokens(&app, &maya.token).await;
    let sams = list_tokens(&app, &sam.token).await;

    // Assert
    let names: Vec<&str> = mayas
        .iter()
        .map(|t| t["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["third", "second", "first", "test"]);
    assert_eq!(sams.len(), 1, "sam sees only the token he was given");
    assert_eq!(sams[0]["user_id"], sam.user.id.to_string());
}

#[tokio::test]
async fn a_revoked_token_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    let created = create_token(&app, &maya, json!({ "name": "laptop" })).await;
    let secret = created["secret"].as_str().expect("a secret");
    let path = format!(
        "/api/v1/tokens/{}",
        created["id"].as_str().expect("a token id")
    );
    json(app.get("/api/v1/me", secret).await, StatusCode::OK).await;

    // Act
    let revoked = json(app.delete(&path, &maya.token).await, StatusCode::OK).await;

    // Assert
    assert!(revoked["revoked_at"].is_string());
    assert_eq!(revoked["id"], created["id"]);
    problem(
        app.get("/api/v1/me", secret).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    json(app.get("/api/v1/me", &maya.token).await, StatusCode::OK).await;
    let listed = list_tokens(&app, &maya.token).await;
    let entry = listed
        .iter()
        .find(|t| t["id"] == created["id"])
        .expect("a revoked token is still listed");
    assert_eq!(entry["revoked_at"], revoked["revoked_at"]);
    let again = json(app.delete(&path, &maya.token).await, StatusCode::OK).await;
    assert_eq!(
        again["revoked_at"], revoked["revoked_at"],
        "revoking twice changes nothing"
    );
}

#[tokio::test]
async fn a_token_can_revoke_itself() {
    // Arrange
    let app = spawn_app().await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    let own = list_tokens(&app, &maya.token).await;
    let id = own[0]["id"].as_str().expect("a token id").to_owned();

    // Act
    let revoked = app
        .delete(&format!("/api/v1/tokens/{id}"), &maya.token)
        .await;

    // Assert
    json(revoked, StatusCode::OK).await;
    problem(
        app.get("/api/v1/me", &maya.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn nobody_can_revoke_someone_elses_token() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    let sam = app.persona("sam@example.com", None, &[]).await;
    let mayas = create_token(&app, &maya, json!({ "name": "laptop" })).await;
    let path = format!(
        "/api/v1/tokens/{}",
        mayas["id"].as_str().expect("a token id")
    );

    // Act
    let by_sam = app.delete(&path, &sam.token).await;
    let by_admin = app.delete(&path, &admin.token).await;

    // Assert
    problem(by_sam, StatusCode::NOT_FOUND, "not-found").await;
    problem(by_admin, StatusCode::NOT_FOUND, "not-found").await;
    let secret = mayas["secret"].as_str().expect("a secret");
    json(app.get("/api/v1/me", secret).await, StatusCode::OK).await;
}

#[tokio::test]
async fn an_unknown_or_malformed_token_id_answers_not_found() {
    // Arrange
    let app = spawn_app().await;
    let maya = app.persona("maya@example.com", None, &[]).await;

    for path in [
        format!("/api/v1/tokens/{}", TokenId::new()),
        "/api/v1/tokens/not-an-id".to_owned(),
    ] {
        // Act
        let response = app.delete(&path, &maya.token).await;

        // Assert
        problem(response, StatusCode::NOT_FOUND, "not-found").await;
    }
}

#[tokio::test]
async fn bad_token_names_and_lifetimes_are_refused_naming_the_field() {
    // Arrange
    let app = spawn_app().await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    let cases = [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "    " }), "name"),
        (json!({ "name": "x".repeat(101) }), "name"),
        (json!({ "name": 7 }), "name"),
        (json!({}), "name"),
        (
            json!({ "name": "ok", "expires_in_days": 0 }),
            "expires_in_days",
        ),
        (
            json!({ "name": "ok", "expires_in_days": 3651 }),
            "expires_in_days",
        ),
        (
            json!({ "name": "ok", "expires_in_days": -1 }),
            "expires_in_days",
        ),
        (
            json!({ "name": "ok", "expires_in_days": "ten" }),
            "expires_in_days",
        ),
        (json!({ "name": "ok", "scopes": ["all"] }), "scopes"),
    ];

    for (body, field) in cases {
        // Act
        let response = app.post("/api/v1/tokens", &maya.token, &body).await;

        // Assert
        let problem = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "body {body}");
    }
    assert_eq!(
        list_tokens(&app, &maya.token).await.len(),
        1,
        "no token was made"
    );
    let longest = create_token(
        &app,
        &maya,
        json!({ "name": "x".repeat(100), "expires_in_days": 3650 }),
    )
    .await;
    assert!(longest["expires_at"].is_string());
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let maya = app.persona("maya@example.com", None, &[]).await;
    let expired = stored_token(&app, &maya, Timestamp::now() - SignedDuration::from_secs(1)).await;
    let current = stored_token(
        &app,
        &maya,
        Timestamp::now() + SignedDuration::from_hours(1),
    )
    .await;

    // Act
    let with_expired = app.get("/api/v1/me", &expired).await;
    let with_current = app.get("/api/v1/me", &current).await;

    // Assert
    problem(with_expired, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    json(with_current, StatusCode::OK).await;
}

#[tokio::test]
async fn an_authorization_header_that_is_not_a_bearer_token_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let maya = app.persona("maya@example.com", None, &[]).await;

    for header in [
        format!("Token {}", maya.token),
        "Bearer ".to_owned(),
        maya.token.clone(),
    ] {
        // Act
        let response = app
            .client
            .get(app.url("/api/v1/tokens"))
            .header("authorization", &header)
            .send()
            .await
            .expect("request sent");

        // Assert
        problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
}

#[tokio::test]
async fn the_bearer_scheme_is_accepted_in_any_case() {
    // Arrange
    let app = spawn_app().await;
    let maya = app.persona("maya@example.com", None, &[]).await;

    for scheme in ["bearer", "BEARER", "bEaReR"] {
        // Act
        let response = app
            .client
            .get(app.url("/api/v1/me"))
            .header("authorization", format!("{scheme} {}", maya.token))
            .send()
            .await
            .expect("request sent");

        // Assert
        let me = json(response, StatusCode::OK).await;
        assert_eq!(me["user"]["email"], "maya@example.com", "{scheme}");
    }
}
