//! Decisions of the steering group: each member once, under the
//! contract's quorum, counted one at a time when they come together.

use reqwest::StatusCode;
use serde_json::json;

use super::{PAST, World, contract_path, id_of, pg_world, sorted, sorted_ids, terms, world};
use crate::helpers::{json, problem};

#[tokio::test]
async fn only_the_steering_group_decides_and_each_member_once() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let cr = w.faster(&w.manager).await;

    let on_a_draft = w.step(&w.alex, &cr, "approve", json!({})).await;
    w.ok(&w.manager, &cr, "submit").await;
    // The provider's manager sees it but is not on the steering group.
    let by_manager = w.step(&w.manager, &cr, "approve", json!({})).await;
    let by_admin = w.step(&w.admin, &cr, "reject", json!({})).await;
    let rambling = w
        .step(
            &w.alex,
            &cr,
            "approve",
            json!({ "comment": "x".repeat(2001) }),
        )
        .await;
    w.ok(&w.alex, &cr, "approve").await;
    let twice = w.step(&w.alex, &cr, "approve", json!({})).await;
    let changed_mind = w.step(&w.alex, &cr, "reject", json!({})).await;
    w.ok(&w.bea, &cr, "approve").await;
    let after_the_quorum = w.step(&w.client, &cr, "approve", json!({})).await;

    problem(on_a_draft, StatusCode::CONFLICT, "invalid-transition").await;
    problem(by_manager, StatusCode::FORBIDDEN, "not-an-approver").await;
    problem(by_admin, StatusCode::FORBIDDEN, "not-an-approver").await;
    let rambling = problem(
        rambling,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(rambling["errors"][0]["field"], "comment");
    problem(twice, StatusCode::CONFLICT, "already-decided").await;
    problem(changed_mind, StatusCode::CONFLICT, "already-decided").await;
    problem(after_the_quorum, StatusCode::CONFLICT, "invalid-transition").await;
    let read = w.read(&cr).await;
    assert_eq!(read["status"], "approved");
    assert_eq!(read["decisions"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn one_rejection_rejects_under_quorum_all_but_not_under_a_majority() {
    let w = world().await;
    let all = w
        .new_contract("Harbour FM strict", "all", &[&w.client, &w.alex, &w.bea])
        .await;
    let strict = id_of(
        &w.raise(&w.manager, &all, json!({ "add_services": [w.cleaning] }))
            .await,
    );
    let lenient = w.faster(&w.manager).await;
    for cr in [&strict, &lenient] {
        w.ok(&w.manager, cr, "submit").await;
        w.ok(&w.alex, cr, "approve").await;
    }

    let rejected = json(
        w.step(
            &w.bea,
            &strict,
            "reject",
            json!({ "comment": "Not this year" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let late = w.step(&w.client, &strict, "approve", json!({})).await;
    let apply = w.step(&w.manager, &strict, "apply", json!({})).await;
    let one_against = w.ok(&w.bea, &lenient, "reject").await;

    assert_eq!(rejected["status"], "rejected");
    assert!(rejected["decided_at"].is_string());
    assert_eq!(rejected["decisions"][1]["verdict"], "reject");
    assert_eq!(rejected["decisions"][1]["comment"], "Not this year");
    problem(late, StatusCode::CONFLICT, "invalid-transition").await;
    problem(apply, StatusCode::CONFLICT, "invalid-transition").await;
    assert!(
        w.audited(&strict)
            .await
            .contains(&"change_request.rejected".to_owned())
    );
    // Under a majority, 1 approval and 1 rejection of 3 leave it open; the
    // client's rejection then puts approval out of reach.
    assert_eq!(one_against["status"], "submitted");
    let two_against = w.ok(&w.client, &lenient, "reject").await;
    assert_eq!(two_against["status"], "rejected");
    // Under "1", one approval is enough and two rejections of three are not.
    let one = w
        .new_contract("Harbour FM light", "1", &[&w.client, &w.alex, &w.bea])
        .await;
    let cr = id_of(
        &w.raise(&w.manager, &one, json!({ "add_services": [w.cleaning] }))
            .await,
    );
    w.ok(&w.manager, &cr, "submit").await;
    assert_eq!(w.ok(&w.alex, &cr, "reject").await["status"], "submitted");
    assert_eq!(w.ok(&w.bea, &cr, "reject").await["status"], "submitted");
    assert_eq!(w.ok(&w.client, &cr, "approve").await["status"], "approved");
}

#[tokio::test]
async fn awaiting_my_decision_lists_what_is_submitted_and_undecided_by_the_caller() {
    let w = world().await;
    let draft = w.faster(&w.manager).await;
    let a = w.faster(&w.manager).await;
    let b = w.faster(&w.client).await;
    w.ok(&w.manager, &a, "submit").await;
    w.ok(&w.client, &b, "submit").await;
    w.ok(&w.alex, &a, "approve").await;
    let awaiting = "?awaiting_my_decision=true";

    let alex = w.list(&w.alex, awaiting).await;
    let bea = w.list(&w.bea, awaiting).await;
    let manager = w.list(&w.manager, awaiting).await;
    let admin = w.list(&w.admin, awaiting).await;
    let unfiltered = w.list(&w.alex, "?awaiting_my_decision=false").await;

    assert_eq!(crate::helpers::ids(&alex), std::slice::from_ref(&b));
    assert_eq!(sorted_ids(&bea), sorted(vec![a.clone(), b.clone()]));
    assert!(crate::helpers::ids(&manager).is_empty(), "not on the group");
    assert!(crate::helpers::ids(&admin).is_empty(), "not on the group");
    assert_eq!(
        sorted_ids(&unfiltered),
        sorted(vec![draft, a.clone(), b.clone()])
    );
    // Once approved, it awaits no one.
    w.ok(&w.bea, &a, "approve").await;
    let bea = w.list(&w.bea, awaiting).await;
    assert_eq!(crate::helpers::ids(&bea), std::slice::from_ref(&b));
    let submitted = w.list(&w.bea, "?status=submitted").await;
    assert_eq!(crate::helpers::ids(&submitted), [b]);
    let approved = w.list(&w.bea, "?status=approved").await;
    assert_eq!(crate::helpers::ids(&approved), [a]);
}

/// Two members of a steering group of two under "all" approve at the same
/// instant: both count, and the change ends approved.
async fn simultaneous_approvals(w: &World) {
    let pair = w
        .new_contract("Harbour FM pair", "all", &[&w.alex, &w.bea])
        .await;
    for round in 0..3 {
        let cr = id_of(
            &w.raise(
                &w.manager,
                &pair,
                json!({ "terms": terms(&w.repairs, &format!("{}h", round + 1)) }),
            )
            .await,
        );
        w.ok(&w.manager, &cr, "submit").await;

        let (first, second) = tokio::join!(
            w.step(&w.alex, &cr, "approve", json!({})),
            w.step(&w.bea, &cr, "approve", json!({})),
        );

        let first = json(first, StatusCode::OK).await;
        let second = json(second, StatusCode::OK).await;
        let statuses = sorted(vec![
            first["status"].as_str().unwrap_or_default().to_owned(),
            second["status"].as_str().unwrap_or_default().to_owned(),
        ]);
        assert_eq!(
            statuses,
            ["approved", "submitted"],
            "exactly one reached the quorum"
        );
        let read = w.read(&cr).await;
        assert_eq!(read["status"], "approved");
        assert_eq!(read["decisions"].as_array().map(Vec::len), Some(2));
        let audited = w.audited(&cr).await;
        assert_eq!(
            audited
                .iter()
                .filter(|a| *a == "change_request.approved")
                .count(),
            1,
            "{audited:?}"
        );
        // Applied, each round makes the next version.
        json(
            w.step(&w.manager, &cr, "apply", json!({})).await,
            StatusCode::OK,
        )
        .await;
    }
    // And two managers applying one change at once make one version.
    let cr = id_of(
        &w.raise(&w.manager, &pair, json!({ "add_services": [w.cleaning] }))
            .await,
    );
    w.ok(&w.manager, &cr, "submit").await;
    w.ok(&w.alex, &cr, "approve").await;
    w.ok(&w.bea, &cr, "approve").await;
    let (one, other) = tokio::join!(
        w.step(&w.manager, &cr, "apply", json!({})),
        w.step(&w.admin, &cr, "apply", json!({})),
    );
    let codes = sorted(vec![one.status().to_string(), other.status().to_string()]);
    assert_eq!(codes, ["200 OK", "409 Conflict"]);
    let versions = json(
        w.app
            .get(
                &format!("{}/terms/versions", contract_path(&pair)),
                &w.admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(versions["items"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn simultaneous_approvals_both_count_under_quorum_all() {
    let w = world().await;
    simultaneous_approvals(&w).await;
}

#[tokio::test]
async fn simultaneous_approvals_both_count_under_quorum_all_on_postgres() {
    let Some(w) = pg_world().await else { return };
    simultaneous_approvals(&w).await;
}
