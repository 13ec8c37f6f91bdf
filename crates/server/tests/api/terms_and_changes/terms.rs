//! Setting terms directly: versions set by the provider's managers until
//! some are in force, edited while scheduled, refused naming the field.

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use super::{FUTURE, PAST, contract_path, terms, world};
use crate::helpers::{json, problem};

#[tokio::test]
async fn without_terms_in_force_the_terms_answer_404_with_why() {
    let w = world().await;
    let path = format!("{}/terms", contract_path(&w.contract));

    let none = problem(
        w.app.get(&path, &w.client.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    assert!(
        none["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("no terms were in force"),
        "{none}"
    );
    w.set_terms(&w.contract, PAST, "4h").await;
    let now = json(w.app.get(&path, &w.client.token).await, StatusCode::OK).await;
    let before = w
        .app
        .get(&format!("{path}?at=2024-06-01T00:00:00Z"), &w.client.token)
        .await;
    let bad = w
        .app
        .get(&format!("{path}?at=yesterday"), &w.client.token)
        .await;

    assert_eq!(now["version"], 1);
    assert_eq!(now["terms"]["sla"][0]["first_response"], "4h");
    problem(before, StatusCode::NOT_FOUND, "not-found").await;
    let bad = problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
    assert_eq!(bad["errors"][0]["field"], "at", "{bad}");
}

#[tokio::test]
async fn only_the_providers_managers_set_terms_and_only_until_some_are_in_force() {
    let w = world().await;
    let path = format!("{}/terms/versions", contract_path(&w.contract));
    let body = json!({ "effective_from": PAST, "terms": terms(&w.repairs, "4h") });

    problem(
        w.app.post(&path, &w.client.token, &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        w.app.post(&path, &w.leeds_customer.token, &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        w.app.post(&path, &w.stranger.token, &body).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let created = w.app.post(&path, &w.manager.token, &body).await;
    let location = created
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let v1 = json(created, StatusCode::CREATED).await;
    let again = w
        .app
        .post(
            &path,
            &w.admin.token,
            &json!({ "effective_from": FUTURE, "terms": terms(&w.repairs, "2h") }),
        )
        .await;

    assert_eq!(v1["version"], 1);
    assert_eq!(v1["customer_ids"], json!([w.leeds.id, w.york.id]));
    assert_eq!(v1["service_ids"], json!([w.repairs]));
    assert!(v1["change_request_id"].is_null());
    assert_eq!(location, Some(format!("{path}/1")));
    problem(again, StatusCode::CONFLICT, "terms-under-change-control").await;
    let versions = json(w.app.get(&path, &w.client.token).await, StatusCode::OK).await;
    assert_eq!(versions["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_scheduled_version_is_edited_until_it_is_in_force() {
    let w = world().await;
    let versions = format!("{}/terms/versions", contract_path(&w.contract));
    w.set_terms(&w.contract, FUTURE, "4h").await;
    let v1 = format!("{versions}/1");

    let edited = json(
        w.put(
            &v1,
            &w.manager.token,
            &json!({ "effective_from": FUTURE, "terms": terms(&w.repairs, "3h") }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let by_client = w
        .put(
            &v1,
            &w.client.token,
            &json!({ "effective_from": FUTURE, "terms": terms(&w.repairs, "1h") }),
        )
        .await;
    // Brought forward, it is in force at once…
    let brought_forward = json(
        w.put(
            &v1,
            &w.manager.token,
            &json!({ "effective_from": PAST, "terms": terms(&w.repairs, "3h") }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // …and no longer edited.
    let in_force = w
        .put(
            &v1,
            &w.manager.token,
            &json!({ "effective_from": PAST, "terms": terms(&w.repairs, "1h") }),
        )
        .await;

    assert_eq!(edited["terms"]["sla"][0]["first_response"], "3h");
    problem(by_client, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(brought_forward["effective_from"], "2025-01-01T00:00:00Z");
    problem(in_force, StatusCode::CONFLICT, "terms-in-force").await;
    let current = json(
        w.app
            .get(
                &format!("{}/terms", contract_path(&w.contract)),
                &w.client.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(current["terms"]["sla"][0]["first_response"], "3h");
    problem(
        w.put(
            &format!("{versions}/9"),
            &w.manager.token,
            &json!({ "effective_from": FUTURE, "terms": terms(&w.repairs, "1h") }),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn invalid_terms_are_refused_naming_the_field() {
    let w = world().await;
    let path = format!("{}/terms/versions", contract_path(&w.contract));
    let kpi = |k: Value| json!({ "effective_from": FUTURE, "terms": { "kpis": [k] } });
    let cases = [
        (
            kpi(json!({ "kpi": "complaint_acknowledgement", "at_least": 90, "period": "month" })),
            "kpis[0].within",
        ),
        (
            kpi(
                json!({ "kpi": "on_time_rate", "at_least": 90, "within": "1h", "period": "month" }),
            ),
            "kpis[0].within",
        ),
        (
            kpi(json!({ "kpi": "csat", "at_least": 7, "period": "year" })),
            "kpis[0].at_least",
        ),
        (
            json!({ "effective_from": FUTURE, "terms": terms(&w.cleaning, "4h") }),
            "sla[0].service_id",
        ),
    ];
    for (body, field) in cases {
        let refused = problem(
            w.app.post(&path, &w.manager.token, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        let named = refused["errors"][0]["field"].as_str().unwrap_or_default();
        assert!(named.ends_with(field), "{field}: {refused}");
    }
    let fine = json(
        w.app
            .post(
                &path,
                &w.manager.token,
                &kpi(json!({ "kpi": "complaint_acknowledgement", "at_least": 90, "within": "1h", "period": "month" })),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(fine["terms"]["kpis"][0]["within"], "1h");
}

#[tokio::test]
async fn invalid_terms_are_named_by_their_path_in_the_body() {
    let w = world().await;
    let path = format!("{}/terms/versions", contract_path(&w.contract));
    let body = json!({
        "effective_from": FUTURE,
        "terms": { "kpis": [{ "kpi": "complaint_acknowledgement", "at_least": 90, "period": "month" }] }
    });

    let created = w.app.post(&path, &w.manager.token, &body).await;
    w.set_terms(&w.contract, FUTURE, "4h").await;
    let edited = w.put(&format!("{path}/1"), &w.manager.token, &body).await;
    let off_the_contract = w
        .put(
            &format!("{path}/1"),
            &w.manager.token,
            &json!({ "effective_from": FUTURE, "terms": terms(&w.cleaning, "4h") }),
        )
        .await;

    for refused in [created, edited] {
        let refused = problem(
            refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(
            refused["errors"][0]["field"], "terms.kpis[0].within",
            "{refused}"
        );
    }
    let off_the_contract = problem(
        off_the_contract,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(
        off_the_contract["errors"][0]["field"], "terms.sla[0].service_id",
        "{off_the_contract}"
    );
}
