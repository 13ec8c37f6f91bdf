//! The API works the same on PostgreSQL. Each test runs when
//! `KEPT_TEST_POSTGRES_URL` names a database and is skipped (with one line
//! saying so) when it does not.

use kept_domain::{PartyKind, Role};
use kept_store::testing::TestDatabase;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, ids, json, problem, spawn_app_with};
use crate::{bad_input, fuzz, idempotency};

/// A server on a fresh PostgreSQL schema, or `None` to skip.
async fn pg_app() -> Option<TestApp> {
    let db = TestDatabase::postgres().await?;
    Some(spawn_app_with(db, |_| {}).await)
}

#[tokio::test]
async fn healthz_names_postgres() {
    let Some(app) = pg_app().await else { return };

    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");

    let body = json(response, StatusCode::OK).await;
    assert_eq!(body["database"], "postgres");
}

#[tokio::test]
async fn parties_are_created_listed_read_updated_and_archived_on_postgres() {
    let Some(app) = pg_app().await else { return };
    let admin = app.admin().await;

    let created = app
        .post(
            "/api/v1/parties",
            &admin.token,
            &json!({"kind": "organisation", "name": "Acme", "reference": "ACME-1"}),
        )
        .await;
    let location = created
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let org = json(created, StatusCode::CREATED).await;
    let id = org["id"].as_str().expect("an id").to_owned();
    assert_eq!(location, Some(format!("/api/v1/parties/{id}")));
    let site = json(
        app.post(
            "/api/v1/parties",
            &admin.token,
            &json!({"kind": "site", "name": "Leeds", "parent_id": id}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let clash = app
        .post(
            "/api/v1/parties",
            &admin.token,
            &json!({"kind": "organisation", "name": "Other", "reference": "ACME-1"}),
        )
        .await;
    problem(clash, StatusCode::CONFLICT, "reference-taken").await;

    let listed = json(
        app.get("/api/v1/parties", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert!(ids(&listed).contains(&id));
    let children = json(
        app.get(&format!("/api/v1/parties?parent_id={id}"), &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        ids(&children),
        vec![site["id"].as_str().expect("an id").to_owned()]
    );
    let read = json(
        app.get(&format!("/api/v1/parties/{id}"), &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read, org);
    let renamed = json(
        app.patch(
            &format!("/api/v1/parties/{id}"),
            &admin.token,
            &json!({"name": "Acme Group", "reference": null}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(renamed["name"], "Acme Group");
    assert!(renamed["reference"].is_null());
    let blocked = app
        .post(
            &format!("/api/v1/parties/{id}/archive"),
            &admin.token,
            &json!({}),
        )
        .await;
    problem(blocked, StatusCode::CONFLICT, "party-has-active-children").await;
    let site_id = site["id"].as_str().expect("an id");
    json(
        app.post(
            &format!("/api/v1/parties/{site_id}/archive"),
            &admin.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let archived = json(
        app.post(
            &format!("/api/v1/parties/{id}/archive"),
            &admin.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(archived["archived_at"].is_string());
    let active = json(
        app.get("/api/v1/parties", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert!(!ids(&active).contains(&id));
    let all = json(
        app.get("/api/v1/parties?archived=archived", &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(ids(&all).contains(&id));
    let restored = json(
        app.post(
            &format!("/api/v1/parties/{id}/restore"),
            &admin.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(restored["archived_at"].is_null());
}

#[tokio::test]
async fn lists_page_through_every_item_once_on_postgres() {
    let Some(app) = pg_app().await else { return };
    let admin = app.admin().await;
    for name in ["delta", "Alpha", "charlie", "Bravo", "echo", "alpha"] {
        app.party(PartyKind::Organisation, name, None).await;
    }

    for order in ["created", "name"] {
        let mut seen = Vec::new();
        let mut path = format!("/api/v1/parties?kind=organisation&order={order}&limit=2");
        loop {
            let page = json(app.get(&path, &admin.token).await, StatusCode::OK).await;
            seen.extend(ids(&page));
            match page["next_cursor"].as_str() {
                Some(cursor) => {
                    path = format!(
                        "/api/v1/parties?kind=organisation&order={order}&limit=2&cursor={cursor}"
                    );
                }
                None => break,
            }
        }

        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(seen.len(), 6, "{order}: {seen:?}");
        assert_eq!(unique.len(), 6, "{order}: each once");
    }
    let bad = app.get("/api/v1/parties?cursor=%25%25", &admin.token).await;
    problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
}

#[tokio::test]
async fn users_are_created_and_checked_on_postgres() {
    let Some(app) = pg_app().await else { return };
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Acme", None).await;

    let created = json(
        app.post(
            "/api/v1/users",
            &admin.token,
            &json!({"email": "Ann@Example.com", "name": "Ann", "parent_id": org.id, "password": PASSWORD}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let invited = json(
        app.post(
            "/api/v1/users",
            &admin.token,
            &json!({"email": "bob@example.com", "name": "Bob", "parent_id": org.id}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let duplicate = app
        .post(
            "/api/v1/users",
            &admin.token,
            &json!({"email": "ann@example.com", "name": "Ann again"}),
        )
        .await;
    let bad_email = app
        .post(
            "/api/v1/users",
            &admin.token,
            &json!({"email": "nope", "name": "Nope"}),
        )
        .await;

    assert_eq!(created["email"], "ann@example.com");
    assert!(created.get("invitation_url").is_none());
    assert!(invited["invitation_url"].is_string());
    problem(duplicate, StatusCode::CONFLICT, "email-taken").await;
    let bad = problem(
        bad_email,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "email");
    let id = created["id"].as_str().expect("an id");
    let read = json(
        app.get(&format!("/api/v1/users/{id}"), &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["email"], "ann@example.com");
    let found = json(
        app.get("/api/v1/users?q=ANN", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&found), vec![id.to_owned()]);
    let granted = json(
        app.post(
            &format!("/api/v1/users/{id}/grants"),
            &admin.token,
            &json!({"role": "manager", "party_id": org.id}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let again = app
        .post(
            &format!("/api/v1/users/{id}/grants"),
            &admin.token,
            &json!({"role": "manager", "party_id": org.id}),
        )
        .await;
    problem(again, StatusCode::CONFLICT, "already-granted").await;
    let grant = granted["id"].as_str().expect("a grant id");
    json(
        app.delete(&format!("/api/v1/users/{id}/grants/{grant}"), &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn tokens_are_created_used_and_revoked_on_postgres() {
    let Some(app) = pg_app().await else { return };
    let admin = app.admin().await;

    let created = json(
        app.post(
            "/api/v1/tokens",
            &admin.token,
            &json!({"name": "ci", "expires_in_days": 30}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let secret = created["secret"].as_str().expect("a secret");
    let me = json(app.get("/api/v1/me", secret).await, StatusCode::OK).await;
    let listed = json(
        app.get("/api/v1/tokens", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    let id = created["id"].as_str().expect("an id");
    let revoked = json(
        app.delete(&format!("/api/v1/tokens/{id}"), &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let refused = app.get("/api/v1/me", secret).await;

    assert_eq!(me["user"]["id"], admin.user.id.to_string());
    let listed = listed.as_array().expect("a list");
    assert!(listed.iter().any(|t| t["id"] == id));
    assert!(
        listed.iter().all(|t| t.get("secret").is_none()),
        "no secrets listed"
    );
    assert_eq!(revoked["id"], id);
    problem(refused, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn a_customer_lists_only_what_they_may_see_on_postgres() {
    let Some(app) = pg_app().await else { return };
    let admin = app.admin().await;
    let head = app
        .party(PartyKind::Organisation, "Head Office", None)
        .await;
    let store_a = app.party(PartyKind::Site, "Store A", Some(head.id)).await;
    let store_b = app.party(PartyKind::Site, "Store B", Some(head.id)).await;
    let team_b = app.party(PartyKind::Team, "Team B", Some(store_b.id)).await;
    let customer = app
        .persona(
            "customer@example.com",
            Some(store_a.id),
            &[(Role::Customer, store_a.id)],
        )
        .await;

    let page = json(
        app.get("/api/v1/parties", &customer.token).await,
        StatusCode::OK,
    )
    .await;
    let everything = json(
        app.get("/api/v1/parties", &admin.token).await,
        StatusCode::OK,
    )
    .await;

    let seen = ids(&page);
    assert!(seen.contains(&store_a.id.to_string()), "{page}");
    assert!(seen.contains(&customer.user.party_id.to_string()), "{page}");
    assert!(!seen.contains(&store_b.id.to_string()), "{page}");
    assert!(!seen.contains(&team_b.id.to_string()), "{page}");
    assert!(ids(&everything).contains(&store_b.id.to_string()));
    problem(
        app.get(&format!("/api/v1/parties/{}", store_b.id), &customer.token)
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let users = json(
        app.get("/api/v1/users", &customer.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&users), vec![customer.user.id.to_string()]);
    problem(
        app.get("/api/v1/audit-events", &customer.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn idempotent_replays_work_on_postgres() {
    let Some(app) = pg_app().await else { return };

    idempotency::check_a_repeat_is_replayed(&app).await;
}

#[tokio::test]
async fn a_reused_idempotency_key_is_refused_on_postgres() {
    let Some(app) = pg_app().await else { return };

    idempotency::check_a_reused_key_is_refused(&app).await;
}

#[tokio::test]
async fn idempotency_keys_are_per_user_on_postgres() {
    let Some(app) = pg_app().await else { return };

    idempotency::check_keys_are_per_user(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_repeats_create_one_object_on_postgres() {
    let Some(app) = pg_app().await else { return };

    idempotency::check_concurrent_repeats_create_one_object(&app).await;
}

#[tokio::test]
async fn nul_characters_never_cause_a_server_error_on_postgres() {
    let Some(app) = pg_app().await else { return };

    bad_input::check_nul_characters_never_cause_a_server_error(&app).await;
}

#[tokio::test]
async fn fuzzing_every_route_never_gets_a_server_error_on_postgres() {
    let Some(app) = pg_app().await else { return };

    fuzz::fuzz_every_route(&app, 12).await;
}
