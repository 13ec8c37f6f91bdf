//! The catalog pages: in scope and out of scope, plainly.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;

use crate::helpers::spawn_app;
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
