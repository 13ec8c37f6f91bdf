//! Raising, editing and withdrawing change requests: who may, and what
//! they may name.

use reqwest::StatusCode;
use serde_json::json;

use super::{contract_path, cr_path, id_of, sorted, sorted_ids, terms, world};
use crate::helpers::{json, problem};

#[tokio::test]
async fn changes_naming_unknown_services_or_parties_are_refused_naming_the_field() {
    let w = world().await;
    let cases = [
        (
            json!({ "add_services": [kept_domain::ServiceId::new()] }),
            "changes.add_services[0]",
        ),
        (
            json!({ "add_services": [w.cleaning, w.foreign] }),
            "changes.add_services[1]",
        ),
        (
            json!({ "add_customers": [kept_domain::PartyId::new()] }),
            "changes.add_customers[0]",
        ),
        (
            json!({ "add_customers": [w.york.id] }),
            "changes.add_customers[0]",
        ),
        (
            json!({ "remove_customers": [w.hull.id] }),
            "changes.remove_customers[0]",
        ),
        (
            json!({ "remove_services": [w.cleaning] }),
            "changes.remove_services[0]",
        ),
        (
            json!({ "calendar_id": kept_domain::CalendarId::new() }),
            "changes.calendar_id",
        ),
        (
            json!({ "terms": terms(&w.cleaning, "2h") }),
            "changes.terms.sla[0].service_id",
        ),
        (json!({}), "changes"),
    ];
    for (changes, field) in cases {
        let refused = problem(
            w.try_raise(&w.client, &w.contract, changes.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(refused["errors"][0]["field"], field, "{changes}: {refused}");
    }
    // A draft cannot be edited into naming them either.
    let cr = w.faster(&w.client).await;
    let edit = problem(
        w.put(
            &cr_path(&cr),
            &w.client.token,
            &json!({
                "title": "More", "rationale": "Because.",
                "changes": { "add_services": [w.foreign] }
            }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(edit["errors"][0]["field"], "changes.add_services[0]");
    let all = w.list(&w.admin, "").await;
    assert_eq!(crate::helpers::ids(&all), [cr], "nothing else was recorded");
}

#[tokio::test]
async fn the_provider_and_the_client_raise_change_requests_and_only_their_side_edits_them() {
    let w = world().await;
    let ours = w
        .raise(
            &w.manager,
            &w.contract,
            json!({ "add_services": [w.cleaning] }),
        )
        .await;
    let theirs = w
        .raise(
            &w.client,
            &w.contract,
            json!({ "add_customers": [w.hull.id] }),
        )
        .await;
    let changes = json!({ "add_services": [w.cleaning] });
    // The steering group's outside approver and a customer's people see the
    // contract but raise nothing; a stranger does not see it.
    let by_approver = w.try_raise(&w.alex, &w.contract, changes.clone()).await;
    let by_customer = w
        .try_raise(&w.leeds_customer, &w.contract, changes.clone())
        .await;
    let by_stranger = w.try_raise(&w.stranger, &w.contract, changes.clone()).await;
    let edit = json!({ "title": "Ours now", "rationale": "Because.", "changes": changes });
    let edited_by_other_side = w.put(&cr_path(&id_of(&ours)), &w.client.token, &edit).await;
    let submitted_by_other_side = w
        .step(&w.manager, &id_of(&theirs), "submit", json!({}))
        .await;
    w.ok(&w.manager, &id_of(&ours), "submit").await;
    let edited_once_submitted = w
        .put(&cr_path(&id_of(&ours)), &w.manager.token, &edit)
        .await;

    assert_eq!(ours["side"], "provider");
    assert_eq!(ours["status"], "draft");
    assert_eq!(theirs["side"], "client");
    assert_eq!(theirs["raised_by"], w.client.user.id.to_string());
    problem(by_approver, StatusCode::FORBIDDEN, "forbidden").await;
    problem(by_customer, StatusCode::FORBIDDEN, "forbidden").await;
    problem(by_stranger, StatusCode::NOT_FOUND, "not-found").await;
    problem(edited_by_other_side, StatusCode::FORBIDDEN, "forbidden").await;
    problem(submitted_by_other_side, StatusCode::FORBIDDEN, "forbidden").await;
    problem(
        edited_once_submitted,
        StatusCode::CONFLICT,
        "invalid-transition",
    )
    .await;
    assert_eq!(w.read(&id_of(&theirs)).await["status"], "draft");
}

#[tokio::test]
async fn the_providers_managers_propose_to_stop_serving_a_customer_of_the_contract() {
    let w = world().await;
    let contract = json(
        w.app
            .get(&contract_path(&w.contract), &w.manager.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        contract["customer_ids"]
            .as_array()
            .expect("customers")
            .contains(&json!(w.york.id)),
        "the manager sees York on the contract: {contract}"
    );

    let raised = w
        .try_raise(
            &w.manager,
            &w.contract,
            json!({ "remove_customers": [w.york.id] }),
        )
        .await;
    // Parties the contract does not list are still refused, named by field,
    // whether or not they exist.
    let not_listed = w
        .try_raise(
            &w.manager,
            &w.contract,
            json!({ "remove_customers": [w.york.id, w.hull.id] }),
        )
        .await;
    let unknown = w
        .try_raise(
            &w.manager,
            &w.contract,
            json!({ "remove_customers": [kept_domain::PartyId::new()] }),
        )
        .await;

    let raised = json(raised, StatusCode::CREATED).await;
    assert_eq!(raised["side"], "provider");
    assert_eq!(
        raised["changes"]["remove_customers"],
        json!([w.york.id]),
        "{raised}"
    );
    for (refused, field) in [
        (not_listed, "changes.remove_customers[1]"),
        (unknown, "changes.remove_customers[0]"),
    ] {
        let refused = problem(
            refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(refused["errors"][0]["field"], field, "{refused}");
        assert_eq!(
            refused["errors"][0]["message"], "is not a customer of the contract",
            "{refused}"
        );
    }
}

#[tokio::test]
async fn the_raiser_withdraws_a_change_request_and_it_is_no_longer_decided() {
    let w = world().await;
    let cr = w.faster(&w.client).await;
    let draft = w.faster(&w.manager).await;
    w.ok(&w.client, &cr, "submit").await;
    w.ok(&w.alex, &cr, "approve").await;

    let by_other_side = w.step(&w.manager, &cr, "withdraw", json!({})).await;
    let withdrawn = w.ok(&w.client, &cr, "withdraw").await;
    let approve = w.step(&w.bea, &cr, "approve", json!({})).await;
    let again = w.step(&w.client, &cr, "withdraw", json!({})).await;
    let resubmit = w.step(&w.client, &cr, "submit", json!({})).await;
    let draft_withdrawn = w.ok(&w.manager, &draft, "withdraw").await;

    problem(by_other_side, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(withdrawn["status"], "withdrawn");
    problem(approve, StatusCode::CONFLICT, "invalid-transition").await;
    problem(again, StatusCode::CONFLICT, "invalid-transition").await;
    problem(resubmit, StatusCode::CONFLICT, "invalid-transition").await;
    assert_eq!(draft_withdrawn["status"], "withdrawn");
    let open = w.list(&w.client, "?status=open").await;
    assert!(crate::helpers::ids(&open).is_empty(), "{open}");
    let gone = w.list(&w.client, "?status=withdrawn").await;
    assert_eq!(sorted_ids(&gone), sorted(vec![cr.clone(), draft]));
    assert!(
        w.audited(&cr)
            .await
            .contains(&"change_request.withdrawn".to_owned())
    );
    let bad = problem(
        w.app
            .get("/api/v1/change-requests?status=gone", &w.client.token)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "status");
}
