//! Orders through the API (chain 3): a customer who usually orders 8 to
//! 12 boxes of 100 enters 1000 and is asked "1000 boxes, or 10 packs of
//! 100?"; 10 is accepted and recorded as changed, a confirmed 1000 as
//! confirmed, each by the customer; the accepted order is promised. Bad
//! quantities are each a clear 422 and record nothing, and nobody else
//! sees an order's lines.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harbour::{World, created, id_of, world_on};
use crate::helpers::{json, problem, spawn_app};

/// The café's year of orders.
const USUAL: [u32; 12] = [8, 10, 12, 9, 11, 10, 8, 12, 10, 9, 11, 10];

/// Boxed goods (a box holds 100; whole boxes, at most 5,000 a line; 4.2
/// litres and 1.1 kg a box, 100 to a pallet) on a supplies contract for
/// Leeds and York; returns the service and the contract.
async fn supplies(w: &World) -> (String, String) {
    let boxes = created(
        &w.app,
        &w.admin.token,
        "/api/v1/services",
        json!({
            "provider_id": w.provider.id, "name": "Boxed goods", "unit": "box", "pack_size": 100,
            "default_targets": { "first_response": "4h", "delivery": "24h" },
            "ordering": { "max_quantity": 5000, "whole_units": true, "unit_volume_cm3": 4200,
                          "unit_weight_g": 1100, "units_per_pallet": 100 }
        }),
    )
    .await;
    let contract = created(
        &w.app,
        &w.admin.token,
        "/api/v1/contracts",
        json!({
            "name": "Harbour supplies", "provider_id": w.provider.id,
            "client_id": w.head_office.id, "customer_ids": [w.leeds.id, w.york.id],
            "service_ids": [boxes], "calendar_id": w.calendar,
            "steering_group": [w.client.user.id], "quorum": "majority"
        }),
    )
    .await;
    (boxes, contract)
}

fn order(contract: &str, boxes: &str, line: Value) -> Value {
    json!({"contract_id": contract, "service_id": boxes, "kind": "order",
           "subject": "Takeaway boxes", "lines": [line]})
}

async fn count(w: &World) -> usize {
    json(
        w.app
            .get("/api/v1/requests?limit=200", &w.admin.token)
            .await,
        StatusCode::OK,
    )
    .await["items"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn the_cafe_s_thousand_boxes_are_questioned_then_changed_or_confirmed() {
    let w = world_on(spawn_app().await).await;
    let (boxes, contract) = supplies(&w).await;
    let cafe = &w.leeds_customer.token;
    for q in USUAL {
        let body = json!({"contract_id": contract, "service_id": boxes, "kind": "order",
                          "subject": "Weekly boxes", "quantity": q});
        json(
            w.app.post("/api/v1/requests", cafe, &body).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let before = count(&w).await;

    let asked = problem(
        w.app
            .post(
                "/api/v1/requests",
                cafe,
                &order(&contract, &boxes, json!({"quantity": 1000})),
            )
            .await,
        StatusCode::CONFLICT,
        "unusual-quantity",
    )
    .await;
    let question = &asked["questions"][0];
    assert_eq!(question["question"], "1000 boxes, or 10 packs of 100?");
    assert_eq!(question["slip"], "times_pack");
    assert_eq!(question["alternatives"][0]["quantity"], "10");
    assert_eq!(question["usual_words"], "9 to 11 boxes");
    assert_eq!(question["usual"]["orders"], 12);
    assert_eq!(
        question["size"],
        "1000 boxes is about 10 pallets, 4.2 m³, 1.1 t"
    );
    assert!(
        asked["detail"]
            .as_str()
            .is_some_and(|d| d.contains("1000 boxes, or 10 packs of 100?")),
        "{asked}"
    );
    assert_eq!(count(&w).await, before, "nothing recorded");

    // Ten, in answer to the question: accepted, recorded as changed.
    let changed = json(
        w.app
            .post(
                "/api/v1/requests",
                cafe,
                &order(
                    &contract,
                    &boxes,
                    json!({"quantity": "10", "questioned_quantity": 1000}),
                ),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = id_of(&changed);
    assert_eq!(changed["quantity"], 10);
    let lines = json(
        w.app
            .get(&format!("/api/v1/requests/{id}/lines"), cafe)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(lines[0]["quantity"], "10");
    assert_eq!(lines[0]["answer"], "changed");
    assert_eq!(lines[0]["asked"], "1000");
    let events = json(
        w.app
            .get(&format!("/api/v1/requests/{id}/events"), cafe)
            .await,
        StatusCode::OK,
    )
    .await;
    let answered = events
        .as_array()
        .or_else(|| events["items"].as_array())
        .expect("events")
        .iter()
        .find(|e| e["kind"] == "quantity_answered")
        .cloned()
        .expect("the answer is in the history");
    assert_eq!(answered["actor_id"], json!(w.leeds_customer.user.id));
    assert_eq!(answered["data"]["answer"], "changed");
    // The accepted order is promised.
    let promise = json(
        w.app
            .get(&format!("/api/v1/requests/{id}/promise"), cafe)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(promise["promise"]["date"].is_string(), "{promise}");

    // A thousand, confirmed: accepted and recorded as confirmed.
    let mut confirmed = order(&contract, &boxes, json!({"quantity": 1000}));
    confirmed["confirm_quantity"] = json!(true);
    let confirmed = json(
        w.app.post("/api/v1/requests", cafe, &confirmed).await,
        StatusCode::CREATED,
    )
    .await;
    let lines = json(
        w.app
            .get(
                &format!("/api/v1/requests/{}/lines", id_of(&confirmed)),
                cafe,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (lines[0]["quantity"].clone(), lines[0]["answer"].clone()),
        (json!("1000"), json!("confirmed"))
    );
    assert_eq!(lines[0]["question"], "1000 boxes, or 10 packs of 100?");

    // York, with no orders of its own, is checked against the item's.
    problem(
        w.app
            .post(
                "/api/v1/requests",
                &w.york_customer.token,
                &order(&contract, &boxes, json!({"quantity": 100})),
            )
            .await,
        StatusCode::CONFLICT,
        "unusual-quantity",
    )
    .await;
    // And does not see the café's lines.
    problem(
        w.app
            .get(
                &format!("/api/v1/requests/{id}/lines"),
                &w.york_customer.token,
            )
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;

    // The provider's manager reads the check's precision: of the usual
    // orders and the two after the question, two were questioned, one
    // answered by a change and one confirmed as typed.
    let counts = json(
        w.app
            .get(
                &format!("/api/v1/services/{boxes}/quantity-check"),
                &w.manager.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        counts,
        json!({"lines": USUAL.len() + 2, "questioned": 2, "changed": 1, "confirmed": 1})
    );
    // The customers, who read the service through their contract, are told
    // the counts do not exist.
    for customer in [&w.leeds_customer, &w.york_customer, &w.client] {
        problem(
            w.app
                .get(
                    &format!("/api/v1/services/{boxes}/quantity-check"),
                    &customer.token,
                )
                .await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
    }
}

#[tokio::test]
async fn bad_quantities_are_each_a_clear_422_and_record_nothing() {
    let w = world_on(spawn_app().await).await;
    let (boxes, contract) = supplies(&w).await;
    let before = count(&w).await;
    let cases = [
        (
            json!({"quantity": 0}),
            "lines[0].quantity",
            "must be more than 0",
        ),
        (
            json!({"quantity": -3}),
            "lines[0].quantity",
            "must be more than 0",
        ),
        (
            json!({"quantity": 2.5}),
            "lines[0].quantity",
            "must be whole boxes",
        ),
        (
            json!({"quantity": "250", "unit": "pieces"}),
            "lines[0].quantity",
            "must be whole boxes of 100: 200 or 300 pieces",
        ),
        (
            json!({"quantity": 5001}),
            "lines[0].quantity",
            "must be at most 5000 boxes",
        ),
        (
            json!({"quantity": "1e9"}),
            "lines[0].quantity",
            "must be a number, such as 10 or 2.5",
        ),
        (
            json!({"quantity": 3, "unit": "pallet"}),
            "lines[0].unit",
            "is not a unit this service sells: it sells boxes or pieces",
        ),
        (
            json!({"quantity": 3, "service_id": w.cleaning}),
            "lines[0].service_id",
            "the contract does not cover this service",
        ),
    ];
    for (line, field, message) in cases {
        let refused = problem(
            w.app
                .post(
                    "/api/v1/requests",
                    &w.leeds_customer.token,
                    &order(&contract, &boxes, line.clone()),
                )
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        let errors = refused["errors"].as_array().expect("errors");
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field && e["message"] == message),
            "{line}: {refused}"
        );
    }
    // Lines on a request that is no order.
    let incident = json!({"contract_id": contract, "service_id": boxes, "kind": "incident",
                          "subject": "Crushed boxes", "lines": [{"quantity": 1}]});
    problem(
        w.app
            .post("/api/v1/requests", &w.leeds_customer.token, &incident)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(count(&w).await, before, "nothing recorded");
}
