//! `/api/v1/services`: the catalog, with what is in scope and what is not.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json, problem, spawn_app};

#[tokio::test]
async fn a_service_is_added_with_its_scope_lists_and_defaults_and_changed_in_part() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let crate_co = app.party(PartyKind::Organisation, "Crate & Co", None).await;

    let created = app
        .post(
            "/api/v1/services",
            &admin.token,
            &json!({
                "provider_id": crate_co.id,
                "name": "Boxed goods",
                "description": "Boxed goods, delivered weekly.",
                "unit": "box",
                "pack_size": 100,
                "in_scope": ["Delivery to the door", "  ", "Returns of damaged boxes"],
                "out_of_scope": ["Unpacking and shelving"],
                "default_effort": "30m",
                "default_targets": { "first_response": "4h", "delivery": "24h" }
            }),
        )
        .await;
    let location = created.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let service = json(created, StatusCode::CREATED).await;
    assert_eq!(
        location,
        format!("/api/v1/services/{}", service["id"].as_str().expect("id"))
    );
    assert_eq!(
        service["in_scope"],
        json!(["Delivery to the door", "Returns of damaged boxes"])
    );
    assert_eq!(
        service["default_targets"],
        json!({ "first_response": "4h", "delivery": "24h" })
    );
    assert_eq!(service["pack_size"], 100);

    let changed = json(
        app.patch(
            &location,
            &admin.token,
            &json!({ "out_of_scope": [], "unit": null }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["out_of_scope"], json!([]));
    assert_eq!(changed["unit"], json!(null));
    assert_eq!(
        changed["in_scope"], service["in_scope"],
        "untouched fields stay"
    );
    assert_eq!(changed["default_effort"], "30m");
    let list = json(
        app.get(
            &format!("/api/v1/services?provider_id={}", crate_co.id),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn bad_service_fields_are_refused_naming_each() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let crate_co = app.party(PartyKind::Organisation, "Crate & Co", None).await;
    let body = problem(
        app.post(
            "/api/v1/services",
            &admin.token,
            &json!({ "provider_id": crate_co.id, "name": "Bad", "pack_size": 0, "in_scope": ["two\nlines"], "unit": "x".repeat(41) }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["unit", "pack_size", "in_scope[0]"]);
    for bad in [
        json!({ "provider_id": crate_co.id, "name": "Bad", "default_effort": "2 days" }),
        json!({ "provider_id": crate_co.id, "name": "Bad", "default_targets": { "response": "4h" } }),
        json!({ "provider_id": crate_co.id, "name": "Bad", "pack_size": -1 }),
        json!({ "provider_id": "not-an-id", "name": "Bad" }),
    ] {
        let response = app.post("/api/v1/services", &admin.token, &bad).await;
        assert!(
            matches!(response.status().as_u16(), 400 | 422),
            "{bad}: {}",
            response.status()
        );
    }
    problem(
        app.post(
            "/api/v1/services",
            &admin.token,
            &json!({ "provider_id": kept_domain::PartyId::new(), "name": "Orphan" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
}

#[tokio::test]
async fn the_catalog_is_the_providers_to_change_and_hidden_from_others() {
    let app = spawn_app().await;
    let crate_co = app.party(PartyKind::Organisation, "Crate & Co", None).await;
    let cafe = app
        .party(PartyKind::Organisation, "Corner Cafe", None)
        .await;
    let manager = app
        .persona(
            "omar@crate.example",
            Some(crate_co.id),
            &[(Role::Manager, crate_co.id)],
        )
        .await;
    let agent = app
        .persona(
            "ana@crate.example",
            Some(crate_co.id),
            &[(Role::Agent, crate_co.id)],
        )
        .await;
    let customer = app
        .persona(
            "cy@cafe.example",
            Some(cafe.id),
            &[(Role::Customer, cafe.id)],
        )
        .await;
    let service = json(
        app.post(
            "/api/v1/services",
            &manager.token,
            &json!({ "provider_id": crate_co.id, "name": "Boxed goods" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/services/{}", service["id"].as_str().expect("id"));

    json(app.get(&path, &agent.token).await, StatusCode::OK).await;
    problem(
        app.patch(&path, &agent.token, &json!({ "name": "Mine" }))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        app.post(&format!("{path}/archive"), &agent.token, &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        app.get(&path, &customer.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let list = json(
        app.get("/api/v1/services", &customer.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"], json!([]));
    problem(
        app.post(
            "/api/v1/services",
            &agent.token,
            &json!({ "provider_id": crate_co.id, "name": "Sneaky" }),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let withdrawn = json(
        app.post(&format!("{path}/archive"), &manager.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(withdrawn["archived_at"].is_string());
}
