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

#[tokio::test]
async fn a_providers_manager_records_a_contract_from_the_form() {
    let app = spawn_app().await;
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
    let manager = app
        .persona(
            "mia@brightwell.example",
            Some(provider.id),
            &[
                (Role::Manager, provider.id),
                (Role::Manager, head_office.id),
            ],
        )
        .await;
    let service: serde_json::Value = app
        .post(
            "/api/v1/services",
            &manager.token,
            &json!({ "provider_id": provider.id, "name": "Cleaning" }),
        )
        .await
        .json()
        .await
        .expect("json");
    let browser = Browser::signed_in(&app, "mia@brightwell.example").await;
    let form = browser.page("/contracts").await;
    let (provider_id, client_id, leeds_id, york_id, manager_id) = (
        provider.id.to_string(),
        head_office.id.to_string(),
        leeds.id.to_string(),
        york.id.to_string(),
        manager.user.id.to_string(),
    );
    let service_id = service["id"].as_str().expect("id");

    let response = browser
        .submit(
            "/contracts",
            "/contracts",
            &[
                ("name", "Harbour FM"),
                ("provider_id", &provider_id),
                ("client_id", &client_id),
                ("customer_ids", &leeds_id),
                ("customer_ids", &york_id),
                ("service_ids", service_id),
                ("calendar_id", ""),
                ("probation_ends_on", "2027-03-31"),
                ("steering_group", &manager_id),
                ("quorum", "all"),
            ],
        )
        .await;

    assert_eq!(form.count("#new-contract-form"), 1);
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = crate::support::location(&response);
    assert!(to.starts_with("/contracts/"), "went to {to}");
    let page = browser.page(&to).await;
    page.assert_status(StatusCode::OK);
    assert_eq!(
        page.texts("#customers li"),
        ["Harbour Leeds", "Harbour York"]
    );
    assert!(page.fact("Probation").contains("2027-03-31"));
    assert!(page.fact("Steering group").contains("all of them"));
}

#[tokio::test]
async fn the_contract_form_names_what_is_wrong_and_records_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;
    let provider_id = provider.id.to_string();

    let response = browser
        .submit(
            "/contracts",
            "/contracts",
            &[
                ("name", ""),
                ("provider_id", &provider_id),
                ("client_id", "not-an-id"),
                ("probation_ends_on", "31/03/2027"),
                ("quorum", "most"),
            ],
        )
        .await;

    crate::support::assert_see_other(&response, "/contracts");
    let page = browser.page("/contracts").await;
    let flash = page.flash().expect("a flash message");
    for field in ["Name", "Client", "Probation ends on", "Quorum"] {
        assert!(flash.contains(field), "{field} named in: {flash}");
    }
    let listed: serde_json::Value = app
        .get("/api/v1/contracts", &admin.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn a_client_sees_no_contract_form_and_cannot_post_one() {
    let app = spawn_app().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let head_office = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let client = app
        .persona(
            "claire@harbour.example",
            Some(head_office.id),
            &[(Role::Client, head_office.id)],
        )
        .await;
    let browser = Browser::signed_in(&app, "claire@harbour.example").await;
    let (provider_id, client_id, user_id) = (
        provider.id.to_string(),
        head_office.id.to_string(),
        client.user.id.to_string(),
    );

    let page = browser.page("/contracts").await;
    let response = browser
        .submit(
            "/contracts",
            "/contracts",
            &[
                ("name", "Self-made"),
                ("provider_id", &provider_id),
                ("client_id", &client_id),
                ("customer_ids", &client_id),
                ("steering_group", &user_id),
                ("quorum", "all"),
            ],
        )
        .await;

    assert_eq!(page.count("#new-contract-form"), 0);
    crate::support::assert_see_other(&response, "/contracts");
    let after = browser.page("/contracts").await;
    assert!(!after.body.contains("Self-made"));
    assert!(after.flash().is_some_and(|f| f.contains("party")));
}
