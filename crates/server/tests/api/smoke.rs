use reqwest::StatusCode;

use crate::helpers::{json, problem, spawn_app};

#[tokio::test]
async fn health_check_reports_the_database() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");

    let body = json(response, StatusCode::OK).await;
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "sqlite");
}

#[tokio::test]
async fn the_api_needs_a_valid_token() {
    let app = spawn_app().await;

    let missing = app
        .client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("sent");
    let wrong = app.get("/api/v1/me", "kept_not-a-real-token").await;

    assert_eq!(
        missing.headers()["www-authenticate"],
        "Bearer realm=\"kept\""
    );
    problem(missing, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    problem(wrong, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn me_describes_the_caller() {
    let app = spawn_app().await;
    let admin = app.admin().await;

    let body = json(app.get("/api/v1/me", &admin.token).await, StatusCode::OK).await;

    assert_eq!(body["user"]["email"], "admin@example.com");
    assert_eq!(body["grants"][0]["role"], "admin");
}
