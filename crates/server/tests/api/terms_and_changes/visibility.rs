//! Who sees terms and change requests: the provider, the client and the
//! steering group see them; a customer's people see the terms with only
//! their site; others see neither.

use reqwest::StatusCode;
use serde_json::json;

use super::{PAST, contract_path, cr_path, id_of, sorted, sorted_ids, world};
use crate::helpers::{json, problem};

#[tokio::test]
async fn a_customers_people_see_the_terms_with_only_their_site_and_no_change_requests() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let cr = w.faster(&w.client).await;
    w.ok(&w.client, &cr, "submit").await;
    let tom = &w.leeds_customer;
    let contract = contract_path(&w.contract);

    let terms = json(
        w.app.get(&format!("{contract}/terms"), &tom.token).await,
        StatusCode::OK,
    )
    .await;
    let versions = json(
        w.app
            .get(&format!("{contract}/terms/versions"), &tom.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let read = w.app.get(&cr_path(&cr), &tom.token).await;
    let preview = w
        .app
        .get(&format!("{}/preview", cr_path(&cr)), &tom.token)
        .await;
    let approve = w.step(tom, &cr, "approve", json!({})).await;
    let listed = w.list(tom, "").await;
    let by_contract = w.list(tom, &format!("?contract_id={}", w.contract)).await;

    assert_eq!(terms["customer_ids"], json!([w.leeds.id]));
    assert_eq!(terms["terms"]["sla"][0]["first_response"], "4h");
    assert_eq!(versions["items"][0]["customer_ids"], json!([w.leeds.id]));
    problem(read, StatusCode::NOT_FOUND, "not-found").await;
    problem(preview, StatusCode::NOT_FOUND, "not-found").await;
    problem(approve, StatusCode::NOT_FOUND, "not-found").await;
    assert!(crate::helpers::ids(&listed).is_empty(), "{listed}");
    assert!(
        crate::helpers::ids(&by_contract).is_empty(),
        "{by_contract}"
    );
}

#[tokio::test]
async fn the_provider_the_client_and_the_steering_group_see_change_requests() {
    let w = world().await;
    let cr = w.faster(&w.client).await;
    let other = w
        .new_contract("Harbour FM North", "all", &[&w.client])
        .await;
    let elsewhere = id_of(
        &w.raise(&w.manager, &other, json!({ "add_services": [w.cleaning] }))
            .await,
    );

    for who in [&w.manager, &w.client, &w.alex, &w.bea] {
        let read = json(w.app.get(&cr_path(&cr), &who.token).await, StatusCode::OK).await;
        assert_eq!(read["id"], cr);
        let listed = w.list(who, &format!("?contract_id={}", w.contract)).await;
        assert_eq!(
            crate::helpers::ids(&listed),
            std::slice::from_ref(&cr),
            "{}",
            who.user.email
        );
    }
    // Alex and Bea steer only the first contract.
    let alex_sees = w.list(&w.alex, "").await;
    assert_eq!(crate::helpers::ids(&alex_sees), std::slice::from_ref(&cr));
    problem(
        w.app.get(&cr_path(&elsewhere), &w.bea.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let client_sees = w.list(&w.client, "").await;
    assert_eq!(sorted_ids(&client_sees), sorted(vec![cr, elsewhere]));
}

#[tokio::test]
async fn an_unrelated_organisations_people_see_neither_terms_nor_change_requests() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let cr = w.faster(&w.manager).await;
    w.ok(&w.manager, &cr, "submit").await;
    let sam = &w.stranger;
    let contract = contract_path(&w.contract);

    for path in [
        format!("{contract}/terms"),
        format!("{contract}/terms/versions"),
        format!("{contract}/terms/versions/1/diff"),
        cr_path(&cr),
        format!("{}/preview", cr_path(&cr)),
    ] {
        problem(
            w.app.get(&path, &sam.token).await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
    }
    for step in ["approve", "reject", "withdraw", "apply", "submit"] {
        problem(
            w.step(sam, &cr, step, json!({})).await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
    }
    let listed = w.list(sam, "").await;
    assert!(crate::helpers::ids(&listed).is_empty(), "{listed}");
    assert_eq!(w.read(&cr).await["status"], "submitted");
}
