//! Two servers on one database, each with its own in-memory cache of
//! reference data: a change made through one is seen by the other within
//! `reference_cache_ms` (100 ms by default), because every audited write
//! moves the database's generation on and each server reads it that often;
//! a server sees its own changes at once.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{World, pg_world, world};
use crate::helpers::{OtherServer, json, problem};

async fn post(
    other: &OtherServer,
    w: &World,
    path: &str,
    token: &str,
    body: &Value,
) -> reqwest::Response {
    w.app
        .client
        .post(format!("{}{path}", other.address))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request sent")
}

async fn an_edit_through_one_server_is_seen_by_the_other_within_the_cache_interval(w: World) {
    let other = w.app.another_server().await;
    // Both servers have the contract, the customer's principal and the
    // service in their caches.
    w.raise(&w.leeds_customer, json!({})).await;
    json(
        post(
            &other,
            &w,
            "/api/v1/requests",
            &w.leeds_customer.token,
            &w.body(json!({})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // The provider's manager ends the contract through the other server.
    json(
        post(
            &other,
            &w,
            &format!("/api/v1/contracts/{}/archive", w.contract),
            &w.manager.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let started = Instant::now();
    let mut answer = w.try_raise(&w.leeds_customer, json!({})).await;
    while answer.status() == StatusCode::CREATED && started.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        answer = w.try_raise(&w.leeds_customer, json!({})).await;
    }
    let seen_after = started.elapsed();
    let refused = problem(
        answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;

    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("the contract has ended")),
        "{refused}"
    );
    assert!(
        seen_after < Duration::from_secs(1),
        "seen after {seen_after:?}"
    );
}

#[tokio::test]
async fn an_edit_through_one_server_is_seen_by_the_other_within_the_cache_interval_on_sqlite() {
    an_edit_through_one_server_is_seen_by_the_other_within_the_cache_interval(world().await).await;
}

#[tokio::test]
async fn an_edit_through_one_server_is_seen_by_the_other_within_the_cache_interval_on_postgres() {
    let Some(w) = pg_world().await else { return };
    an_edit_through_one_server_is_seen_by_the_other_within_the_cache_interval(w).await;
}

#[tokio::test]
async fn a_role_revoked_through_one_server_stops_working_on_the_other_within_the_cache_interval() {
    let w = world().await;
    let other = w.app.another_server().await;
    let id = w.leak().await;
    let path = format!("/api/v1/requests/{id}");
    // The agent's principal is cached on the first server.
    assert_eq!(
        w.app.get(&path, &w.agent.token).await.status(),
        StatusCode::OK
    );
    let grants = json(
        w.app
            .get(
                &format!("/api/v1/users/{}/grants", w.agent.user.id),
                &w.admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let grant = grants
        .as_array()
        .and_then(|g| g.first())
        .and_then(|g| g["id"].as_str())
        .expect("the agent's grant")
        .to_owned();

    let revoked = w
        .app
        .client
        .delete(format!(
            "{}/api/v1/users/{}/grants/{grant}",
            other.address, w.agent.user.id
        ))
        .bearer_auth(&w.admin.token)
        .send()
        .await
        .expect("request sent");

    assert!(revoked.status().is_success(), "{}", revoked.status());
    let started = Instant::now();
    let mut status = w.app.get(&path, &w.agent.token).await.status();
    while status == StatusCode::OK && started.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        status = w.app.get(&path, &w.agent.token).await.status();
    }
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_servers_own_change_is_seen_by_its_next_request() {
    let w = world().await;
    w.raise(&w.leeds_customer, json!({})).await;

    w.end_contract().await;

    problem(
        w.try_raise(&w.leeds_customer, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
}
