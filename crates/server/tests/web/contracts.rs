//! The contract pages: parties, the catalog's scope lists, and only one's
//! own customers for a customer.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::support::Browser;

#[tokio::test]
async fn a_contract_page_shows_the_catalog_and_a_customer_sees_only_their_site() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let head_office = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let leeds = app
        .party(PartyKind::Site, "Harbour Leeds", Some(head_office.id))
        .await;
    let york = app
        .party(PartyKind::Site, "Harbour York", Some(head_office.id))
        .await;
    let client = app
        .persona(
            "claire@harbour.example",
            Some(head_office.id),
            &[(Role::Client, head_office.id)],
        )
        .await;
    app.persona(
        "tom@harbour.example",
        Some(leeds.id),
        &[(Role::Customer, leeds.id)],
    )
    .await;
    let service: serde_json::Value = app
        .post(
            "/api/v1/services",
            &admin.token,
            &json!({ "provider_id": provider.id, "name": "Reactive maintenance", "in_scope": ["Plumbing faults"], "out_of_scope": ["Refrigeration cabinets"] }),
        )
        .await
        .json()
        .await
        .expect("json");
    let contract: serde_json::Value = app
        .post(
            "/api/v1/contracts",
            &admin.token,
            &json!({ "name": "Harbour FM", "provider_id": provider.id, "client_id": head_office.id, "customer_ids": [leeds.id, york.id], "service_ids": [service["id"]], "steering_group": [client.user.id], "quorum": "all" }),
        )
        .await
        .json()
        .await
        .expect("json");
    let page_path = format!("/contracts/{}", contract["id"].as_str().expect("id"));

    let as_client = Browser::signed_in(&app, "claire@harbour.example")
        .await
        .page(&page_path)
        .await;
    let as_customer = Browser::signed_in(&app, "tom@harbour.example")
        .await
        .page(&page_path)
        .await;

    as_client.assert_status(StatusCode::OK);
    assert_eq!(
        as_client.texts("#customers li"),
        ["Harbour Leeds", "Harbour York"]
    );
    assert_eq!(as_client.texts(".in-scope li"), ["Plumbing faults"]);
    assert_eq!(
        as_client.texts(".out-of-scope li"),
        ["Refrigeration cabinets"]
    );
    assert!(as_client.fact("Client").contains("Harbour Retail"));
    as_customer.assert_status(StatusCode::OK);
    assert_eq!(as_customer.texts("#customers li"), ["Harbour Leeds"]);
    assert!(
        !as_customer.body.contains("Harbour York"),
        "no other site is named"
    );
    assert_eq!(
        as_customer.texts(".out-of-scope li"),
        ["Refrigeration cabinets"]
    );
}

#[tokio::test]
async fn a_contract_not_covering_a_customer_is_not_found_for_them() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let head_office = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let leeds = app
        .party(PartyKind::Site, "Harbour Leeds", Some(head_office.id))
        .await;
    let york = app
        .party(PartyKind::Site, "Harbour York", Some(head_office.id))
        .await;
    let client = app
        .persona(
            "claire@harbour.example",
            Some(head_office.id),
            &[(Role::Client, head_office.id)],
        )
        .await;
    app.persona(
        "yan@harbour.example",
        Some(york.id),
        &[(Role::Customer, york.id)],
    )
    .await;
    let contract: serde_json::Value = app
        .post(
            "/api/v1/contracts",
            &admin.token,
            &json!({ "name": "Leeds FM", "provider_id": provider.id, "client_id": head_office.id, "customer_ids": [leeds.id], "steering_group": [client.user.id], "quorum": "all" }),
        )
        .await
        .json()
        .await
        .expect("json");
    let browser = Browser::signed_in(&app, "yan@harbour.example").await;

    let page = browser
        .page(&format!(
            "/contracts/{}",
            contract["id"].as_str().expect("id")
        ))
        .await;
    let list = browser.page("/contracts").await;

    page.assert_status(StatusCode::NOT_FOUND);
    assert!(!list.body.contains("Leeds FM"));
}
