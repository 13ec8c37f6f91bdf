//! The catalog pages: in scope and out of scope, plainly.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;

use crate::helpers::{TestApp, json, spawn_app};
use crate::support::{Browser, location};

#[tokio::test]
async fn a_manager_adds_a_service_and_its_page_lists_what_is_in_and_out_of_scope() {
    let app = spawn_app().await;
    let crate_co = app.party(PartyKind::Organisation, "Crate & Co", None).await;
    app.persona(
        "omar@crate.example",
        Some(crate_co.id),
        &[(Role::Manager, crate_co.id)],
    )
    .await;
    let browser = Browser::signed_in(&app, "omar@crate.example").await;

    let response = browser
        .submit(
            "/services",
            "/services",
            &[
                ("name", "Boxed goods"),
                ("provider_id", &crate_co.id.to_string()),
                ("unit", "box"),
                ("pack_size", "100"),
                (
                    "in_scope",
                    "Delivery to the door\r\nReturns of damaged boxes\r\n",
                ),
                ("out_of_scope", "Unpacking and shelving"),
                ("first_response", "4h"),
            ],
        )
        .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = browser.page(&location(&response)).await;
    page.assert_status(StatusCode::OK);
    assert_eq!(
        page.texts("#in-scope li"),
        ["Delivery to the door", "Returns of damaged boxes"]
    );
    assert_eq!(page.texts("#out-of-scope li"), ["Unpacking and shelving"]);
    assert!(
        page.fact("Unit").contains("in packs of 100"),
        "{}",
        page.fact("Unit")
    );
    assert!(page.fact("Default targets").contains("first response 4h"));
}

#[tokio::test]
async fn a_bad_field_in_the_form_comes_back_as_a_message() {
    let app = spawn_app().await;
    let crate_co = app.party(PartyKind::Organisation, "Crate & Co", None).await;
    app.persona(
        "omar@crate.example",
        Some(crate_co.id),
        &[(Role::Manager, crate_co.id)],
    )
    .await;
    let browser = Browser::signed_in(&app, "omar@crate.example").await;

    let response = browser
        .submit(
            "/services",
            "/services",
            &[
                ("name", "Boxed goods"),
                ("provider_id", &crate_co.id.to_string()),
                ("pack_size", "0"),
                ("first_response", "soon"),
            ],
        )
        .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = browser.page(&location(&response)).await;
    let flash = page.flash().unwrap_or_default();
    assert!(
        flash.contains("Pack size: must be at least 1") && flash.contains("First response"),
        "{flash}"
    );
}

#[tokio::test]
async fn a_manager_sets_how_a_service_is_ordered_and_tunes_its_quantity_check() {
    let app = spawn_app().await;
    let crate_co = app.party(PartyKind::Organisation, "Crate & Co", None).await;
    let omar = app
        .persona(
            "omar@crate.example",
            Some(crate_co.id),
            &[(Role::Manager, crate_co.id)],
        )
        .await;
    let browser = Browser::signed_in(&app, "omar@crate.example").await;
    let provider = crate_co.id.to_string();
    let mut fields = vec![
        ("name", "Boxed goods"),
        ("provider_id", provider.as_str()),
        ("unit", "box"),
        ("pack_size", "100"),
        ("ordering_shown", "1"),
        ("max_quantity", "5000"),
        ("whole_units", "on"),
        ("unit_volume_l", "4.2"),
        ("unit_weight_kg", "1.1"),
        ("units_per_pallet", "100"),
        ("check_enabled", "on"),
        ("ratio", "2.5"),
        ("spread", "3"),
        ("min_history", "4"),
    ];
    let response = browser.submit("/services", "/services", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let at = location(&response);
    let page = browser.page(&at).await;
    assert_eq!(page.attr("#s-vol", "value"), "4.2");
    assert_eq!(page.attr("#s-kg", "value"), "1.1");
    assert_eq!(page.attr("#s-ratio", "value"), "2.5");
    let id = at.trim_start_matches("/services/");
    let stored = service(&app, &omar.token, id).await;
    let ordering = &stored["ordering"];
    assert_eq!(ordering["max_quantity"], 5000);
    assert_eq!(ordering["unit_volume_cm3"], 4200);
    assert_eq!(ordering["unit_weight_g"], 1100);
    assert_eq!(ordering["check"]["ratio_percent"], 250);
    assert_eq!(ordering["check"]["spread_tenths"], 30);
    assert_eq!(ordering["check"]["min_history"], 4);
    assert_eq!(ordering["check"]["enabled"], true);

    // A box left clear turns the check off.
    fields.retain(|(name, _)| *name != "check_enabled" && *name != "provider_id");
    let response = browser.submit(&at, &at, &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = service(&app, &omar.token, id).await;
    assert_eq!(stored["ordering"]["check"]["enabled"], false);
    assert_eq!(stored["ordering"]["max_quantity"], 5000);

    // A post without the ordering fields leaves ordering as it was.
    let response = browser
        .submit(&at, &at, &[("name", "Boxed goods"), ("unit", "box")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = service(&app, &omar.token, id).await;
    assert_eq!(stored["ordering"]["max_quantity"], 5000);
    assert_eq!(stored["ordering"]["check"]["ratio_percent"], 250);

    // A threshold out of range is named in the manager's words.
    let mut bad = fields.clone();
    bad.retain(|(name, _)| *name != "ratio");
    bad.push(("ratio", "1"));
    let response = browser.submit(&at, &at, &bad).await;
    let page = browser.page(&location(&response)).await;
    let flash = page.flash().unwrap_or_default();
    assert!(
        flash.contains("Times the usual: must be at least 1.1 times"),
        "{flash}"
    );
    let stored = service(&app, &omar.token, id).await;
    assert_eq!(
        stored["ordering"]["check"]["ratio_percent"], 250,
        "nothing saved"
    );
}

async fn service(app: &TestApp, token: &str, id: &str) -> serde_json::Value {
    json(
        app.get(&format!("/api/v1/services/{id}"), token).await,
        StatusCode::OK,
    )
    .await
}
