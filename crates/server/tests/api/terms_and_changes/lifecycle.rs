//! A change request from draft to applied: the new version, its diff,
//! its effective date, and an ended contract that takes no more changes.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{
    FUTURE, PAST, World, contract_path, cr_path, descriptions, id_of, pg_world, terms, world,
};
use crate::helpers::{json, problem};

/// Draft → submitted → approved (2 of 3) → applied; the new version is in
/// force and its diff reads as the change; every step is audited.
async fn lifecycle(w: &World) {
    w.set_terms(&w.contract, PAST, "4h").await;
    let raised = w
        .raise(
            &w.manager,
            &w.contract,
            json!({ "terms": terms(&w.repairs, "3h") }),
        )
        .await;
    let cr = id_of(&raised);
    assert_eq!(raised["status"], "draft");
    assert_eq!(raised["side"], "provider");
    assert_eq!(raised["raised_by"], w.manager.user.id.to_string());

    let edited = json(
        w.put(
            &cr_path(&cr),
            &w.manager.token,
            &json!({
                "title": "Urgent repairs answered in 2h",
                "rationale": "Stores lose trade while leaks wait.",
                "changes": { "terms": terms(&w.repairs, "2h") }
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["title"], "Urgent repairs answered in 2h");
    let preview = json(
        w.app
            .get(&format!("{}/preview", cr_path(&cr)), &w.alex.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(preview["base_version"], 1);
    assert_eq!(
        descriptions(&preview),
        ["Reactive maintenance (urgent): first response 4h → 2h"]
    );

    let submitted = w.ok(&w.manager, &cr, "submit").await;
    assert_eq!(submitted["status"], "submitted");
    assert!(submitted["submitted_at"].is_string());
    let first = json(
        w.step(&w.alex, &cr, "approve", json!({ "comment": "Worth it" }))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(first["status"], "submitted", "one of three is no majority");
    assert_eq!(first["decisions"][0]["user_id"], w.alex.user.id.to_string());
    assert_eq!(first["decisions"][0]["verdict"], "approve");
    assert_eq!(first["decisions"][0]["comment"], "Worth it");
    assert!(first["decided_at"].is_null());
    // The body is optional.
    let second = json(w.bare(&w.client, &cr, "approve").await, StatusCode::OK).await;
    assert_eq!(second["status"], "approved", "two of three are");
    assert_eq!(second["decisions"].as_array().map(Vec::len), Some(2));
    assert!(second["decided_at"].is_string());

    let applied = json(w.bare(&w.manager, &cr, "apply").await, StatusCode::OK).await;
    assert_eq!(applied["change_request"]["status"], "applied");
    assert_eq!(applied["change_request"]["applied_version"], 2);
    assert_eq!(applied["version"]["version"], 2);
    assert_eq!(applied["version"]["change_request_id"], cr);

    let contract = contract_path(&w.contract);
    let now = json(
        w.app
            .get(&format!("{contract}/terms"), &w.leeds_customer.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(now["version"], 2);
    assert_eq!(now["terms"]["sla"][0]["first_response"], "2h");
    let versions = json(
        w.app
            .get(&format!("{contract}/terms/versions"), &w.client.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let numbers: Vec<&Value> = versions["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|v| &v["version"])
        .collect();
    assert_eq!(numbers, [1, 2]);
    let diff = json(
        w.app
            .get(
                &format!("{contract}/terms/versions/2/diff"),
                &w.client.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(diff["from"], 1);
    assert_eq!(diff["to"], 2);
    assert_eq!(diff["changes"][0]["change"], "sla");
    assert_eq!(diff["changes"][0]["target"], "first_response");
    assert_eq!(
        descriptions(&diff),
        ["Reactive maintenance (urgent): first response 4h → 2h"]
    );
    let first_diff = json(
        w.app
            .get(
                &format!("{contract}/terms/versions/1/diff"),
                &w.client.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(first_diff["from"].is_null());
    problem(
        w.app
            .get(
                &format!("{contract}/terms/versions/3/diff"),
                &w.client.token,
            )
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;

    assert_eq!(
        w.audited(&cr).await,
        [
            "change_request.applied",
            "change_request.approval",
            "change_request.approval",
            "change_request.approved",
            "change_request.raised",
            "change_request.submitted",
            "change_request.updated",
        ]
    );
    assert!(
        w.audited(&w.contract)
            .await
            .contains(&"terms.version_created".to_owned())
    );
}

#[tokio::test]
async fn a_change_request_goes_from_draft_to_applied_under_a_majority_of_three() {
    let w = world().await;
    lifecycle(&w).await;
}

#[tokio::test]
async fn a_change_request_goes_from_draft_to_applied_on_postgres() {
    let Some(w) = pg_world().await else { return };
    lifecycle(&w).await;
}

#[tokio::test]
async fn applying_needs_approval_a_provider_manager_and_a_date_not_before_the_approval() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let cr = w.faster(&w.client).await;
    w.ok(&w.client, &cr, "submit").await;

    let unapproved = w.step(&w.manager, &cr, "apply", json!({})).await;
    w.ok(&w.alex, &cr, "approve").await;
    w.ok(&w.bea, &cr, "approve").await;
    let by_client = w.step(&w.client, &cr, "apply", json!({})).await;
    let by_approver = w.step(&w.alex, &cr, "apply", json!({})).await;
    let backdated = w
        .step(&w.manager, &cr, "apply", json!({ "effective_from": PAST }))
        .await;
    let scheduled = json(
        w.step(
            &w.manager,
            &cr,
            "apply",
            json!({ "effective_from": FUTURE }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let twice = w.step(&w.manager, &cr, "apply", json!({})).await;

    problem(unapproved, StatusCode::CONFLICT, "invalid-transition").await;
    problem(by_client, StatusCode::FORBIDDEN, "forbidden").await;
    problem(by_approver, StatusCode::FORBIDDEN, "forbidden").await;
    let backdated = problem(
        backdated,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(backdated["errors"][0]["field"], "effective_from");
    assert_eq!(scheduled["version"]["version"], 2);
    assert_eq!(scheduled["version"]["effective_from"], FUTURE);
    problem(twice, StatusCode::CONFLICT, "invalid-transition").await;
    // Scheduled: version 1 stays in force until then.
    let in_force = format!("{}/terms", contract_path(&w.contract));
    let now = json(w.app.get(&in_force, &w.client.token).await, StatusCode::OK).await;
    let then = json(
        w.app
            .get(
                &format!("{in_force}?at=2099-06-01T00:00:00Z"),
                &w.client.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(now["version"], 1);
    assert_eq!(then["version"], 2);
    // A version from a change request is the steering group's: not edited.
    problem(
        w.put(
            &format!("{in_force}/versions/2"),
            &w.manager.token,
            &json!({ "effective_from": FUTURE, "terms": terms(&w.repairs, "1h") }),
        )
        .await,
        StatusCode::CONFLICT,
        "terms-under-change-control",
    )
    .await;
}

#[tokio::test]
async fn an_applied_change_adding_a_customer_puts_it_on_the_contract() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let cr = id_of(
        &w.raise(
            &w.client,
            &w.contract,
            json!({ "add_customers": [w.hull.id] }),
        )
        .await,
    );
    w.ok(&w.client, &cr, "submit").await;
    w.ok(&w.alex, &cr, "approve").await;
    w.ok(&w.client, &cr, "approve").await;

    // Who or what is covered changes when applied, not later.
    let later = w
        .step(
            &w.manager,
            &cr,
            "apply",
            json!({ "effective_from": FUTURE }),
        )
        .await;
    let applied = json(
        w.step(&w.manager, &cr, "apply", json!({})).await,
        StatusCode::OK,
    )
    .await;

    let later = problem(later, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
    assert_eq!(later["errors"][0]["field"], "effective_from");
    assert_eq!(applied["version"]["version"], 2);
    let contract = json(
        w.app
            .get(&contract_path(&w.contract), &w.client.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        contract["customer_ids"]
            .as_array()
            .expect("customers")
            .contains(&json!(w.hull.id)),
        "{contract}"
    );
    let terms = json(
        w.app
            .get(
                &format!("{}/terms", contract_path(&w.contract)),
                &w.client.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(terms["version"], 2);
    assert_eq!(
        terms["customer_ids"],
        json!([w.leeds.id, w.york.id, w.hull.id])
    );
    assert_eq!(
        terms["terms"]["sla"][0]["first_response"], "4h",
        "terms kept"
    );
    let diff = json(
        w.app
            .get(
                &format!("{}/terms/versions/2/diff", contract_path(&w.contract)),
                &w.client.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(descriptions(&diff), ["Added customer: Harbour Hull"]);
    // Leeds sees the new version, but not who else it now covers.
    let seen_from_leeds = json(
        w.app
            .get(
                &format!("{}/terms/versions/2/diff", contract_path(&w.contract)),
                &w.leeds_customer.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        descriptions(&seen_from_leeds).is_empty(),
        "{seen_from_leeds}"
    );
}

#[tokio::test]
async fn an_ended_contract_takes_no_more_changes() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let approved = w.faster(&w.manager).await;
    let draft = w.faster(&w.manager).await;
    let submitted = w.faster(&w.manager).await;
    let abandoned = w.faster(&w.manager).await;
    w.ok(&w.manager, &submitted, "submit").await;
    w.ok(&w.manager, &approved, "submit").await;
    w.ok(&w.alex, &approved, "approve").await;
    w.ok(&w.bea, &approved, "approve").await;
    json(
        w.app
            .post(
                &format!("{}/archive", contract_path(&w.contract)),
                &w.manager.token,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;

    let raise = w
        .try_raise(
            &w.manager,
            &w.contract,
            json!({ "terms": terms(&w.repairs, "1h") }),
        )
        .await;
    let edit = w
        .put(
            &cr_path(&draft),
            &w.manager.token,
            &json!({
                "title": "Even faster",
                "rationale": "Because.",
                "changes": { "terms": terms(&w.repairs, "1h") }
            }),
        )
        .await;
    let submit = w.step(&w.manager, &draft, "submit", json!({})).await;
    let decide = w.step(&w.alex, &submitted, "approve", json!({})).await;
    let apply = w.step(&w.manager, &approved, "apply", json!({})).await;
    // What is left open can still be taken back.
    let withdrawn = w.ok(&w.manager, &abandoned, "withdraw").await;

    for (step, refused) in [
        ("raise", raise),
        ("edit", edit),
        ("submit", submit),
        ("decide", decide),
        ("apply", apply),
    ] {
        let refused = problem(
            refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(
            refused["errors"][0]["field"], "contract_id",
            "{step}: {refused}"
        );
        assert_eq!(
            refused["errors"][0]["message"], "the contract has ended",
            "{step}: {refused}"
        );
    }
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(w.read(&draft).await["status"], "draft");
    assert_eq!(w.read(&submitted).await["status"], "submitted");
    assert_eq!(w.read(&submitted).await["decisions"], json!([]));
    assert_eq!(w.read(&approved).await["status"], "approved");
    let versions = json(
        w.app
            .get(
                &format!("{}/terms/versions", contract_path(&w.contract)),
                &w.admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(versions["items"].as_array().map(Vec::len), Some(1));
}
