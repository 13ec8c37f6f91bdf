//! What a contract covers, as its customers and client read it: the
//! service and calendar pages their contract and request pages link to,
//! read-only; every other service and calendar of the provider stays
//! "not found" for them, in the pages and in the API.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::Persona;
use crate::requests::{LEAK, World, created, id_of, page_of, world};

/// A second contract of the provider, for York only: cleaning on the
/// provider's "Early shift" calendar. Returns the calendar's id.
async fn york_cleaning(w: &World) -> String {
    let week: serde_json::Map<String, serde_json::Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| ((*d).to_owned(), json!(["06:00-10:00"])))
        .collect();
    let calendar = id_of(
        &created(
            &w.app,
            &w.admin.token,
            "/api/v1/calendars",
            json!({ "name": "Early shift", "owner_id": w.provider.id,
                    "spec": { "zone": "UTC", "week": week } }),
        )
        .await,
    );
    created(
        &w.app,
        &w.admin.token,
        "/api/v1/contracts",
        json!({ "name": "York cleaning", "provider_id": w.provider.id,
                "client_id": w.head_office.id, "customer_ids": [w.york.id],
                "service_ids": [w.cleaning], "calendar_id": calendar,
                "steering_group": [w.client.user.id], "quorum": "all" }),
    )
    .await;
    calendar
}

/// The API's answer to `GET path` as `who`.
async fn api_status(w: &World, who: &Persona, path: &str) -> StatusCode {
    w.app.get(path, &who.token).await.status()
}

#[tokio::test]
async fn the_service_and_calendar_links_of_a_request_and_its_contract_open_for_the_store_manager() {
    let w = world().await;
    let path = page_of(&id_of(&w.raise(LEAK).await));
    let browser = w.browser(&w.leeds_customer).await;
    let request = browser.page(&path).await;
    let contract = browser.page(&format!("/contracts/{}", w.contract)).await;

    let service_href = request.attr("dl.facts a[href^='/services/']", "href");
    let calendar_href = contract.attr("dl.facts a[href^='/calendars/']", "href");
    let service = browser.page(&service_href).await;
    let calendar = browser.page(&calendar_href).await;
    let from_catalog = contract.attr("#catalog-h ~ article h3 a", "href");

    assert_eq!(service_href, format!("/services/{}", w.repairs));
    assert_eq!(from_catalog, service_href);
    service.assert_status(StatusCode::OK);
    assert_eq!(service.text("h1"), "Reactive maintenance");
    assert_eq!(
        service.texts("#in-scope li"),
        ["Plumbing", "Electrical faults"]
    );
    assert_eq!(
        service.texts("#out-of-scope li"),
        ["Roof repairs", "Asbestos removal"]
    );
    assert!(
        service
            .fact("Default targets")
            .contains("first response 8h")
    );
    assert_eq!(service.fact("Provider"), "Brightwell");
    calendar.assert_status(StatusCode::OK);
    assert_eq!(calendar.text("h1"), "Around the clock");
    assert_eq!(calendar.texts("#week th").len(), 7);
    for page in [&service, &calendar] {
        assert_eq!(page.count("#edit-h"), 0, "read-only: no edit form");
        assert_eq!(page.count("form[method=post][action^='/services']"), 0);
        assert_eq!(page.count("form[method=post][action^='/calendars']"), 0);
        assert_eq!(
            page.count(&format!("a[href='/parties/{}']", w.provider.id)),
            0,
            "no link to the provider's page, which is not theirs"
        );
    }
}

#[tokio::test]
async fn the_client_reads_the_contracts_service_and_calendar_but_cannot_change_them() {
    let w = world().await;
    let client = w.browser(&w.client).await;

    let service = client.page(&format!("/services/{}", w.repairs)).await;
    let calendar = client.page(&format!("/calendars/{}", w.calendar)).await;
    let edit = client
        .submit(
            &format!("/services/{}", w.repairs),
            &format!("/services/{}", w.repairs),
            &[("name", "Renamed")],
        )
        .await;

    service.assert_status(StatusCode::OK);
    calendar.assert_status(StatusCode::OK);
    assert_eq!(edit.status(), StatusCode::NOT_FOUND);
    let api = json_of(&w, &w.client, &format!("/api/v1/services/{}", w.repairs)).await;
    assert_eq!(api["name"], "Reactive maintenance");
}

async fn json_of(w: &World, who: &Persona, path: &str) -> serde_json::Value {
    crate::helpers::json(w.app.get(path, &who.token).await, StatusCode::OK).await
}

#[tokio::test]
async fn a_store_manager_still_finds_no_service_or_calendar_of_a_contract_that_is_not_theirs() {
    let w = world().await;
    let early_shift = york_cleaning(&w).await;
    let leeds = w.browser(&w.leeds_customer).await;
    let york = w.browser(&w.york_customer).await;
    let cleaning = format!("/services/{}", w.cleaning);
    let hours = format!("/calendars/{early_shift}");

    for path in [&cleaning, &hours] {
        leeds.page(path).await.assert_status(StatusCode::NOT_FOUND);
        york.page(path).await.assert_status(StatusCode::OK);
        assert_eq!(
            api_status(&w, &w.leeds_customer, &format!("/api/v1{path}")).await,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(
            api_status(&w, &w.york_customer, &format!("/api/v1{path}")).await,
            StatusCode::OK,
            "{path}"
        );
        assert_eq!(
            api_status(&w, &w.stranger, &format!("/api/v1{path}")).await,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in [
        format!("/api/v1/services/{}", w.repairs),
        format!("/api/v1/calendars/{}", w.calendar),
    ] {
        assert_eq!(
            api_status(&w, &w.leeds_customer, &path).await,
            StatusCode::OK
        );
        assert_eq!(
            api_status(&w, &w.stranger, &path).await,
            StatusCode::NOT_FOUND
        );
    }
    let due =
        |id: &str| format!("/api/v1/calendars/{id}/due?start=2026-03-02T06:00:00Z&duration=1h");
    assert_eq!(
        api_status(&w, &w.leeds_customer, &due(&early_shift)).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api_status(&w, &w.leeds_customer, &due(&w.calendar)).await,
        StatusCode::OK,
        "the hours of their own contract answer"
    );
}
