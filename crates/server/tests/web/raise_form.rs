//! The raise form asks only what is not already known: a caller with one
//! contract lands on its form, a contract's lone customer or service is
//! preselected, and each service names its unit beside the quantity.
//!
//! The world is the demo's café: Crate & Co delivers boxed goods (boxes,
//! packs of 100) to Corner Cafe, whose Dan raises the requests.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harbour::created;
use crate::helpers::{Persona, TestApp, spawn_app};
use crate::support::{Browser, Page};

/// Crate & Co, Corner Cafe (with Dan, who signs in as its customer) and
/// one contract between them for `services` (each a name, a unit and a pack size).
struct Cafe {
    app: TestApp,
    admin: Persona,
    /// The café's Dan, who approves its contracts' changes.
    dan: Persona,
    crate_co: String,
    cafe: String,
    calendar: String,
    /// The contract's services, in the order given.
    services: Vec<String>,
    contract: String,
}

async fn cafe(services: &[(&str, Option<&str>, Option<u32>)]) -> Cafe {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let crate_co = app.party(PartyKind::Organisation, "Crate & Co", None).await;
    let cafe = app
        .party(PartyKind::Organisation, "Corner Cafe", None)
        .await;
    let dan = app
        .persona(
            "dan.wu@cornercafe.example",
            Some(cafe.id),
            &[(Role::Customer, cafe.id)],
        )
        .await;
    let mut ids = Vec::new();
    for (name, unit, pack) in services {
        let body = json!({
            "provider_id": crate_co.id, "name": name, "unit": unit, "pack_size": pack,
            "default_targets": { "first_response": "2h", "delivery": "24h" }
        });
        ids.push(created(&app, &admin.token, "/api/v1/services", body).await);
    }
    let calendar = created(
        &app,
        &admin.token,
        "/api/v1/calendars",
        json!({
            "name": "Weekdays", "owner_id": crate_co.id,
            "spec": { "zone": "Europe/London", "week": { "mon": ["08:00-18:00"] } }
        }),
    )
    .await;
    let (crate_co, cafe) = (crate_co.id.to_string(), cafe.id.to_string());
    let contract = contract(
        &app,
        &admin,
        &dan,
        [&crate_co, &cafe],
        &ids,
        &calendar,
        "Café supplies",
    )
    .await;
    Cafe {
        app,
        admin,
        dan,
        crate_co,
        cafe,
        calendar,
        services: ids,
        contract,
    }
}

/// A contract from `provider` to `client` for `services`; its id.
async fn contract(
    app: &TestApp,
    admin: &Persona,
    approver: &Persona,
    [provider, client]: [&str; 2],
    services: &[String],
    calendar: &str,
    name: &str,
) -> String {
    let body: Value = json!({
        "name": name, "provider_id": provider, "client_id": client,
        "customer_ids": [client], "service_ids": services, "calendar_id": calendar,
        "steering_group": [approver.user.id], "quorum": "majority"
    });
    created(app, &admin.token, "/api/v1/contracts", body).await
}

impl Cafe {
    async fn browser(&self) -> Browser<'_> {
        Browser::signed_in(&self.app, "dan.wu@cornercafe.example").await
    }
}

/// The quantity's label, as read.
fn quantity_label(page: &Page) -> String {
    page.text("label[for=r-quantity]")
}

#[tokio::test]
async fn the_cafe_lands_on_its_only_contracts_form_with_the_customer_service_and_unit_filled_in() {
    // Arrange
    let c = cafe(&[("Boxed goods", Some("box"), Some(100))]).await;
    let browser = c.browser().await;

    // Act
    let page = browser.page("/requests/new").await;

    // Assert
    page.assert_status(StatusCode::OK);
    assert_eq!(page.count("#contract-choice"), 0, "no contract to choose");
    assert_eq!(page.count("#raise-form"), 1);
    assert_eq!(
        page.attr("#raise-form input[name=contract_id]", "value"),
        c.contract
    );
    assert!(
        !page.body.contains("another contract"),
        "there is no other contract to go to"
    );
    assert!(
        page.body.contains("ask your head office") && page.count("a[href$='#raise']") == 0,
        "a site's people cannot propose a change to the contract themselves"
    );
    assert_eq!(page.texts("#r-customer option[selected]"), ["Corner Cafe"]);
    assert_eq!(page.text("label[for=r-customer]"), "For");
    assert_eq!(
        page.texts("#r-service option[selected]"),
        ["Boxed goods — boxes, packs of 100"]
    );
    assert_eq!(
        page.attr("#r-service option[selected]", "value"),
        c.services[0]
    );
    assert_eq!(
        quantity_label(&page),
        "Quantity (boxes, packs of 100), optional"
    );
}

#[tokio::test]
async fn with_several_services_each_names_its_unit_and_the_chosen_ones_labels_the_quantity() {
    // Arrange
    let c = cafe(&[
        ("Paper cups", Some("sleeve"), Some(50)),
        ("Boxed goods", Some("box"), Some(100)),
        ("Advice", None, None),
    ])
    .await;
    let browser = c.browser().await;
    let form = format!("/requests/new?contract={}", c.contract);

    // Act
    let fresh = browser.page("/requests/new").await;
    let refused = browser
        .submit(
            &form,
            "/requests",
            &[
                ("contract_id", c.contract.as_str()),
                ("customer_id", c.cafe.as_str()),
                ("service_id", c.services[0].as_str()),
                ("kind", "service_request"),
                ("priority", "normal"),
                ("quantity", "a dozen"),
                ("subject", "Cups for the weekend"),
                ("description", "The large ones."),
            ],
        )
        .await;
    let refused = Page::read(refused).await;

    // Assert
    assert_eq!(
        fresh.texts("#r-service option"),
        [
            "Advice",
            "Boxed goods — boxes, packs of 100",
            "Paper cups — sleeves, packs of 50"
        ]
    );
    assert_eq!(fresh.count("#r-service option[selected]"), 0, "a choice");
    assert_eq!(
        quantity_label(&fresh),
        "Quantity (in the service's unit), optional"
    );
    assert_eq!(
        fresh.attrs("#r-service option", "data-unit"),
        ["boxes, packs of 100", "sleeves, packs of 50"],
        "for the script to name the unit of the one chosen"
    );
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.texts("#r-service option[selected]"),
        ["Paper cups — sleeves, packs of 50"]
    );
    assert_eq!(
        quantity_label(&refused),
        "Quantity (sleeves, packs of 50), optional"
    );
    assert_eq!(refused.attr("#r-quantity", "value"), "a dozen");
    assert_eq!(refused.attr("#r-subject", "value"), "Cups for the weekend");
    assert_eq!(refused.text("#r-description"), "The large ones.");
}

#[tokio::test]
async fn a_caller_with_two_contracts_still_chooses_one_first() {
    // Arrange
    let c = cafe(&[("Boxed goods", Some("box"), Some(100))]).await;
    let second = contract(
        &c.app,
        &c.admin,
        &c.dan,
        [&c.crate_co, &c.cafe],
        &c.services,
        &c.calendar,
        "Café supplies, second site",
    )
    .await;
    let browser = c.browser().await;

    // Act
    let choice = browser.page("/requests/new").await;
    let form = browser
        .page(&format!("/requests/new?contract={second}"))
        .await;

    // Assert
    assert_eq!(choice.count("#raise-form"), 0);
    assert_eq!(
        choice.texts("#contract-choice a"),
        ["Café supplies", "Café supplies, second site"]
    );
    assert_eq!(form.count("#raise-form"), 1);
    assert_eq!(
        form.attr("a[href='/requests/new']", "href"),
        "/requests/new",
        "the way back to the other contract"
    );
}

#[tokio::test]
async fn dans_preselected_form_raises_the_request_as_submitted() {
    // Arrange
    let c = cafe(&[("Boxed goods", Some("box"), Some(100))]).await;
    let browser = c.browser().await;
    let form = browser.page("/requests/new").await;
    let customer = form.attr("#r-customer option[selected]", "value");
    let service = form.attr("#r-service option[selected]", "value");

    // Act
    let response = browser
        .submit(
            "/requests/new",
            "/requests",
            &[
                ("contract_id", c.contract.as_str()),
                ("customer_id", customer.as_str()),
                ("service_id", service.as_str()),
                ("kind", "service_request"),
                ("priority", "normal"),
                ("quantity", "3"),
                ("subject", "Three boxes of napkins"),
                ("description", ""),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let raised = browser.page(&crate::support::location(&response)).await;
    assert_eq!(raised.fact("Customer"), "Corner Cafe");
    assert!(raised.fact("Service").contains("quantity 3"));
    // Told in the zone of the café's calendar, open only on Mondays.
    let when = raised.text("#next time[data-words]");
    assert!(when.starts_with("Monday "), "{when}");
    assert!(when.ends_with(" GMT") || when.ends_with(" BST"), "{when}");
}
