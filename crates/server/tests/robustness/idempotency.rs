//! `Idempotency-Key` on POST: a retry returns the first response instead of
//! acting twice. The checks are functions so that `postgres.rs` runs them on
//! PostgreSQL too.

use kept_domain::PartyKind;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, ids, json, problem, spawn_app};

/// `POST path` with a JSON body and an Idempotency-Key.
pub async fn post_with_key(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .expect("request sent")
}

fn replayed(response: &Response) -> Option<String> {
    response
        .headers()
        .get("idempotent-replayed")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn location(response: &Response) -> Option<String> {
    response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The ids of the parties named `name` (of every archived state).
async fn parties_named(app: &TestApp, token: &str, name: &str) -> Vec<String> {
    let page = json(
        app.get(
            &format!(
                "/api/v1/parties?q={}&archived=all&limit=200",
                name.replace(' ', "+")
            ),
            token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let items = page["items"].as_array().expect("items");
    items
        .iter()
        .filter(|p| p["name"] == name)
        .map(|p| p["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// A repeat returns the first response, marked as replayed, with its
/// Location, and creates nothing more.
pub async fn check_a_repeat_is_replayed(app: &TestApp) {
    let admin = app.admin().await;
    let body = json!({"kind": "organisation", "name": "Replayed Ltd"});

    let first = post_with_key(app, "/api/v1/parties", &admin.token, "key-1", &body).await;
    let first_location = location(&first);
    let first_replayed = replayed(&first);
    let first_body = json(first, StatusCode::CREATED).await;
    let second = post_with_key(app, "/api/v1/parties", &admin.token, "key-1", &body).await;
    let second_location = location(&second);
    let second_replayed = replayed(&second);
    let second_content_type = second.headers().get(CONTENT_TYPE).cloned();
    let second_body = json(second, StatusCode::CREATED).await;

    assert_eq!(first_replayed, None, "the first response is not a replay");
    assert_eq!(second_replayed.as_deref(), Some("true"));
    assert_eq!(second_body, first_body, "the same body, the same id");
    let id = first_body["id"].as_str().expect("an id");
    assert_eq!(first_location, Some(format!("/api/v1/parties/{id}")));
    assert_eq!(second_location, first_location, "Location is replayed");
    assert_eq!(
        second_content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert_eq!(
        parties_named(app, &admin.token, "Replayed Ltd").await,
        vec![id.to_owned()],
        "only one party exists"
    );
}

#[tokio::test]
async fn a_repeated_post_with_the_same_key_returns_the_first_response() {
    let app = spawn_app().await;

    check_a_repeat_is_replayed(&app).await;
}

#[tokio::test]
async fn a_replayed_token_creation_creates_one_token_and_never_stores_its_secret() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = json!({"name": "deploy"});

    let first = json(
        post_with_key(&app, "/api/v1/tokens", &admin.token, "tok", &body).await,
        StatusCode::CREATED,
    )
    .await;
    let second = post_with_key(&app, "/api/v1/tokens", &admin.token, "tok", &body).await;
    assert_eq!(replayed(&second).as_deref(), Some("true"));
    let second = problem(second, StatusCode::CONFLICT, "secret-not-replayed").await;

    let secret = first["secret"].as_str().expect("the secret, shown once");
    assert!(secret.starts_with("kept_"));
    assert!(
        !second.to_string().contains(secret),
        "the replay does not carry the secret"
    );
    let tokens = json(
        app.get("/api/v1/tokens", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    let named: Vec<&Value> = tokens
        .as_array()
        .expect("a list")
        .iter()
        .filter(|t| t["name"] == "deploy")
        .collect();
    assert_eq!(named.len(), 1, "one token: {tokens}");
}

/// The same key with another body, or on another path, is refused.
pub async fn check_a_reused_key_is_refused(app: &TestApp) {
    let admin = app.admin().await;
    json(
        post_with_key(
            app,
            "/api/v1/parties",
            &admin.token,
            "key-2",
            &json!({"kind": "organisation", "name": "First"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    let other_body = post_with_key(
        app,
        "/api/v1/parties",
        &admin.token,
        "key-2",
        &json!({"kind": "organisation", "name": "Second"}),
    )
    .await;
    let other_path = post_with_key(
        app,
        "/api/v1/tokens",
        &admin.token,
        "key-2",
        &json!({"kind": "organisation", "name": "First"}),
    )
    .await;

    for response in [other_body, other_path] {
        problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
        )
        .await;
    }
    assert!(parties_named(app, &admin.token, "Second").await.is_empty());
}

#[tokio::test]
async fn a_retry_whose_json_is_written_another_way_is_replayed_not_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let send = async |body: &str| {
        app.client
            .post(app.url("/api/v1/parties"))
            .bearer_auth(&admin.token)
            .header("idempotency-key", "rewritten")
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("request sent")
    };

    let first = send(r#"{"kind":"organisation","name":"Rewritten Ltd"}"#).await;
    let first = json(first, StatusCode::CREATED).await;
    let again = send("{\n  \"name\": \"Rewritten Ltd\",\n  \"kind\": \"organisation\"\n}").await;

    assert_eq!(replayed(&again).as_deref(), Some("true"));
    assert_eq!(json(again, StatusCode::CREATED).await, first);
    assert_eq!(
        parties_named(&app, &admin.token, "Rewritten Ltd")
            .await
            .len(),
        1,
        "only one party exists"
    );
}

#[tokio::test]
async fn the_same_key_with_a_different_body_or_path_is_a_422() {
    let app = spawn_app().await;

    check_a_reused_key_is_refused(&app).await;
}

/// Keys belong to users: two users may use one key independently.
pub async fn check_keys_are_per_user(app: &TestApp) {
    let admin = app.admin().await;
    let other = app.persona("other@example.com", None, &[]).await;
    let body = json!({"name": "shared key"});

    let mine = post_with_key(app, "/api/v1/tokens", &admin.token, "shared", &body).await;
    let theirs = post_with_key(app, "/api/v1/tokens", &other.token, "shared", &body).await;

    assert_eq!(
        replayed(&theirs),
        None,
        "not a replay of another user's response"
    );
    let mine = json(mine, StatusCode::CREATED).await;
    let theirs = json(theirs, StatusCode::CREATED).await;
    assert_ne!(mine["id"], theirs["id"]);
    assert_ne!(
        mine["secret"], theirs["secret"],
        "no secret leaks across users"
    );
    // And with another body for the second user: still no clash.
    json(
        post_with_key(
            app,
            "/api/v1/tokens",
            &other.token,
            "shared-2",
            &json!({"name": "x"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        post_with_key(
            app,
            "/api/v1/tokens",
            &admin.token,
            "shared-2",
            &json!({"name": "y"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

#[tokio::test]
async fn two_users_may_use_the_same_key_independently() {
    let app = spawn_app().await;

    check_keys_are_per_user(&app).await;
}

#[tokio::test]
async fn without_a_key_a_repeat_creates_a_second_object() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = json!({"kind": "organisation", "name": "Twice Ltd"});

    let first = json(
        app.post("/api/v1/parties", &admin.token, &body).await,
        StatusCode::CREATED,
    )
    .await;
    let second = app.post("/api/v1/parties", &admin.token, &body).await;
    assert_eq!(replayed(&second), None);
    let second = json(second, StatusCode::CREATED).await;

    assert_ne!(first["id"], second["id"]);
    assert_eq!(
        parties_named(&app, &admin.token, "Twice Ltd").await.len(),
        2
    );
}

#[tokio::test]
async fn an_invalid_key_is_a_422_naming_the_header() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = json!({"kind": "organisation", "name": "Never"});
    let too_long = "k".repeat(256);
    let keys: Vec<reqwest::header::HeaderValue> = vec![
        reqwest::header::HeaderValue::from_static(""),
        reqwest::header::HeaderValue::from_str(&too_long).expect("ASCII"),
        reqwest::header::HeaderValue::from_static("with space"),
        reqwest::header::HeaderValue::from_static("tab\there"),
        reqwest::header::HeaderValue::from_bytes("clé".as_bytes()).expect("obs-text is allowed"),
        reqwest::header::HeaderValue::from_bytes(&[0xff, 0xfe]).expect("obs-text is allowed"),
    ];

    for key in keys {
        let response = app
            .client
            .post(app.url("/api/v1/parties"))
            .bearer_auth(&admin.token)
            .header("idempotency-key", key.clone())
            .json(&body)
            .send()
            .await
            .expect("sent");

        let problem = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(
            problem["errors"][0]["field"], "Idempotency-Key",
            "{key:?}: {problem}"
        );
    }
    assert!(parties_named(&app, &admin.token, "Never").await.is_empty());
    // The longest key allowed is accepted.
    let longest = "k".repeat(255);
    json(
        post_with_key(&app, "/api/v1/parties", &admin.token, &longest, &body).await,
        StatusCode::CREATED,
    )
    .await;
}

#[tokio::test]
async fn a_request_that_failed_with_a_4xx_is_replayed_as_that_4xx() {
    // Observed contract: only 5xx releases a key. A 4xx is a final answer,
    // replayed to a retry; fixing the body needs a new key.
    let app = spawn_app().await;
    let admin = app.admin().await;
    let bad = json!({"kind": "organisation", "name": "  "});

    let first = post_with_key(&app, "/api/v1/parties", &admin.token, "bad", &bad).await;
    let first = problem(first, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
    let retry = post_with_key(&app, "/api/v1/parties", &admin.token, "bad", &bad).await;
    assert_eq!(replayed(&retry).as_deref(), Some("true"));
    let retry = problem(retry, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
    let fixed = post_with_key(
        &app,
        "/api/v1/parties",
        &admin.token,
        "bad",
        &json!({"kind": "organisation", "name": "Fixed"}),
    )
    .await;

    assert_eq!(retry, first);
    problem(
        fixed,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency-key-reused",
    )
    .await;
    // A conflict (409) is replayed the same way.
    app.store
        .create_party(
            &kept_domain::Actor::system("test"),
            kept_domain::NewParty {
                kind: PartyKind::Organisation,
                name: kept_domain::PartyName::parse("name", "Taken").expect("a name"),
                parent_id: None,
                internal: None,
                reference: Some(
                    kept_domain::PartyReference::parse("reference", "REF-1").expect("a reference"),
                ),
            },
        )
        .await
        .expect("a party with a reference");
    let clash = json!({"kind": "organisation", "name": "Clash", "reference": "REF-1"});
    let first = post_with_key(&app, "/api/v1/parties", &admin.token, "clash", &clash).await;
    problem(first, StatusCode::CONFLICT, "reference-taken").await;
    let retry = post_with_key(&app, "/api/v1/parties", &admin.token, "clash", &clash).await;
    assert_eq!(replayed(&retry).as_deref(), Some("true"));
    problem(retry, StatusCode::CONFLICT, "reference-taken").await;
}

#[tokio::test]
async fn keys_only_apply_to_post() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Patched", None).await;
    let path = format!("/api/v1/parties/{}", org.id);

    for name in ["One", "Two"] {
        let response = app
            .client
            .patch(app.url(&path))
            .bearer_auth(&admin.token)
            .header("idempotency-key", "patch-key")
            .json(&json!({"name": name}))
            .send()
            .await
            .expect("sent");

        assert_eq!(replayed(&response), None);
        let party = json(response, StatusCode::OK).await;
        assert_eq!(party["name"], name);
    }
}

#[tokio::test]
async fn a_key_without_a_token_is_still_unauthenticated() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/api/v1/parties"))
        .header("idempotency-key", "anonymous")
        .json(&json!({"kind": "organisation", "name": "Anon"}))
        .send()
        .await
        .expect("sent");

    problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

/// Identical requests racing with one key create one object; every answer
/// is the original 201 or a 409 to retry, and a retry gets the 201.
pub async fn check_concurrent_repeats_create_one_object(app: &TestApp) {
    let admin = app.admin().await;
    let body = json!({"kind": "organisation", "name": "Raced Ltd"});
    let client = app.client.clone();
    let url = app.url("/api/v1/parties");

    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (client, url, token, body) = (
                client.clone(),
                url.clone(),
                admin.token.clone(),
                body.clone(),
            );
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .bearer_auth(token)
                    .header("idempotency-key", "race")
                    .json(&body)
                    .send()
                    .await
                    .expect("sent");
                let status = response.status();
                let text = response.text().await.expect("a body");
                (status, text)
            })
        })
        .collect();
    let mut created = Vec::new();
    for task in tasks {
        let (status, text) = task.await.expect("the request task");
        match status {
            StatusCode::CREATED => created.push(text),
            StatusCode::CONFLICT => {
                let problem: Value = serde_json::from_str(&text).expect("a problem");
                assert_eq!(
                    problem["type"], "/problems/idempotency-key-in-use",
                    "{text}"
                );
            }
            other => panic!("a racing repeat answered {other}: {text}"),
        }
    }

    assert!(!created.is_empty(), "at least the first request succeeds");
    let bodies: Vec<Value> = created
        .iter()
        .map(|t| serde_json::from_str(t).expect("a party"))
        .collect();
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "every 201 is the same response: {created:?}"
    );
    let retry = json(
        post_with_key(app, "/api/v1/parties", &admin.token, "race", &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(retry, bodies[0]);
    let page = json(
        app.get("/api/v1/parties?q=Raced&archived=all", &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&page).len(), 1, "exactly one party: {page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_identical_requests_with_one_key_create_one_object() {
    let app = spawn_app().await;

    check_concurrent_repeats_create_one_object(&app).await;
}

#[tokio::test]
async fn an_unauthenticated_post_is_a_401_whatever_its_key() {
    let app = spawn_app().await;
    let body = json!({"kind": "organisation", "name": "Never"});

    for (token, key) in [(None, "with space"), (Some("kept_not-a-token"), "")] {
        let mut request = app
            .client
            .post(app.url("/api/v1/parties"))
            .header("idempotency-key", key)
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("sent");

        problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
}
