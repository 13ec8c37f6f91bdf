//! Chain 3 through the portal: the café, which usually orders 8 to 12
//! boxes of 100, types 1000 and the form asks "1000 boxes, or 10 packs of
//! 100?" in the page, keeping what was typed; ordering 10 instead is
//! accepted and recorded as changed, and 1000 confirmed as confirmed. The
//! form is plain HTML: the answers are buttons of the same form.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;
use serde_json::json;

use crate::harbour::created;
use crate::helpers::{Persona, TestApp, json, spawn_app};
use crate::support::{Browser, Page, location};

struct Cafe {
    app: TestApp,
    dan: Persona,
    cafe: String,
    boxes: String,
    contract: String,
}

async fn cafe() -> Cafe {
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
    // Crate & Co's order desk, who reads the queue.
    app.persona(
        "olivia@crateco.example",
        Some(crate_co.id),
        &[(Role::Agent, crate_co.id)],
    )
    .await;
    let boxes = created(
        &app,
        &admin.token,
        "/api/v1/services",
        json!({
            "provider_id": crate_co.id, "name": "Boxed goods", "unit": "box", "pack_size": 100,
            "default_targets": { "first_response": "2h", "delivery": "24h" },
            "ordering": { "max_quantity": 5000, "unit_volume_cm3": 4200, "unit_weight_g": 1100,
                          "units_per_pallet": 100 }
        }),
    )
    .await;
    let contract = created(
        &app,
        &admin.token,
        "/api/v1/contracts",
        json!({
            "name": "Café supplies", "provider_id": crate_co.id, "client_id": cafe.id,
            "customer_ids": [cafe.id], "service_ids": [boxes],
            "steering_group": [dan.user.id], "quorum": "majority"
        }),
    )
    .await;
    for q in [8, 10, 12, 9, 11, 10, 8, 12, 10, 9, 11, 10] {
        let body = json!({"contract_id": contract, "service_id": boxes, "kind": "order",
                          "subject": "Weekly boxes", "quantity": q});
        json(
            app.post("/api/v1/requests", &dan.token, &body).await,
            StatusCode::CREATED,
        )
        .await;
    }
    Cafe {
        app,
        dan,
        cafe: cafe.id.to_string(),
        boxes,
        contract,
    }
}

impl Cafe {
    /// The order form's fields with `quantity`, and `more`.
    async fn order(
        &self,
        browser: &Browser<'_>,
        quantity: &str,
        more: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut fields = vec![
            ("contract_id", self.contract.as_str()),
            ("customer_id", self.cafe.as_str()),
            ("service_id", self.boxes.as_str()),
            ("kind", "order"),
            ("priority", "normal"),
            ("quantity", quantity),
            ("subject", "Boxes for the market stall"),
            ("description", "Before Saturday, please."),
        ];
        fields.extend_from_slice(more);
        browser.submit("/requests/new", "/requests", &fields).await
    }

    /// The lines of the request a form post redirected to.
    async fn lines_after(&self, response: &reqwest::Response) -> serde_json::Value {
        let to = location(response);
        let id = to.trim_start_matches("/requests/");
        json(
            self.app
                .get(&format!("/api/v1/requests/{id}/lines"), &self.dan.token)
                .await,
            StatusCode::OK,
        )
        .await
    }
}

#[tokio::test]
async fn the_form_asks_about_a_thousand_boxes_and_keeps_what_was_typed() {
    let c = cafe().await;
    let browser = Browser::signed_in(&c.app, "dan.wu@cornercafe.example").await;

    let asked = Page::read(c.order(&browser, "1000", &[]).await).await;
    asked.assert_status(StatusCode::CONFLICT);
    assert_eq!(
        asked.text("#quantity-question h2"),
        "1000 boxes, or 10 packs of 100?"
    );
    assert!(
        asked
            .text("#quantity-question")
            .contains("1000 boxes is about 10 pallets, 4.2 m³, 1.1 t"),
        "{}",
        asked.text("#quantity-question")
    );
    assert_eq!(asked.attr("#r-quantity", "value"), "1000");
    assert_eq!(
        asked.attr("#r-subject", "value"),
        "Boxes for the market stall"
    );
    assert_eq!(asked.text("#r-description"), "Before Saturday, please.");
    assert_eq!(
        asked.attr(
            "#quantity-question input[name=questioned_quantity]",
            "value"
        ),
        "1000"
    );
    assert_eq!(
        asked.attrs("#quantity-question button[name=quantity_answer]", "value"),
        ["10", "confirm"]
    );
    assert_eq!(
        asked
            .texts("#raise-form button[type=submit]")
            .first()
            .map(String::as_str),
        Some("Raise the request"),
        "the form's own button comes first, so Enter does not confirm"
    );

    // Ten instead: accepted, recorded as changed.
    let ten = c
        .order(&browser, "1000", &[("quantity_answer", "10")])
        .await;
    assert_eq!(ten.status(), StatusCode::SEE_OTHER);
    let lines = c.lines_after(&ten).await;
    assert_eq!(
        (lines[0]["quantity"].clone(), lines[0]["answer"].clone()),
        (json!("10"), json!("changed"))
    );

    // A thousand, confirmed: accepted, recorded as confirmed.
    let confirmed = c
        .order(&browser, "1000", &[("quantity_answer", "confirm")])
        .await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    let lines = c.lines_after(&confirmed).await;
    assert_eq!(
        (lines[0]["quantity"].clone(), lines[0]["answer"].clone()),
        (json!("1000"), json!("confirmed"))
    );
    let page = browser.page(&location(&confirmed)).await;
    assert!(
        page.body.contains("confirmed line 1 (1000)"),
        "the history says who confirmed it"
    );

    // The order's page shows each line beside the café's usual.
    assert_eq!(
        page.text("#order-lines td[data-label=Quantity]"),
        "1000 boxes"
    );
    assert_eq!(
        page.text("#order-lines td[data-label=Usually]"),
        "9 to 11 boxes"
    );
    assert_eq!(
        page.text("#order-lines td[data-label='Quantity check']"),
        "Confirmed as typed when asked “1000 boxes, or 10 packs of 100?”"
    );

    // The order desk's queue marks the confirmed order; the service page
    // counts the questions and their answers.
    let desk = Browser::signed_in(&c.app, "olivia@crateco.example").await;
    let queue = desk.page("/requests").await;
    assert_eq!(
        queue.count(".confirmed-quantity"),
        1,
        "one order was confirmed after a question"
    );
    let service = desk.page(&format!("/services/{}", c.boxes)).await;
    assert_eq!(
        service.text("#questions p"),
        "Of 14 order lines, 2 were questioned before they were accepted: the customer changed the quantity 1 time and confirmed it as typed 1 time."
    );
}
