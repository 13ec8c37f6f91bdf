//! Raising requests: who raises for which customer, targets and calendar
//! from the terms in force (or the service's defaults), and refusals of
//! what the contract does not cover, with a manager's override.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::json;

use super::{LEAK, World, clock, clock_kinds, event_kinds, fields, id_of, request_path, world};
use crate::helpers::{json, problem};

/// Every request the admin sees, newest first.
async fn everything(w: &World) -> Vec<String> {
    w.listed(&w.admin, "?order=newest").await
}

#[tokio::test]
async fn a_customer_raises_an_incident_for_their_only_site_with_targets_from_the_terms() {
    let w = world().await;
    w.set_terms().await;

    let response = w.try_raise(&w.leeds_customer, json!({})).await;
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let raised = json(response, StatusCode::CREATED).await;
    let id = id_of(&raised);
    let events = w.events(&w.leeds_customer, &id).await;

    assert_eq!(location, Some(request_path(&id)));
    assert!(raised["number"].as_i64().is_some_and(|n| n > 0), "{raised}");
    assert_eq!(raised["status"], "new");
    assert_eq!(raised["kind"], "incident");
    assert_eq!(raised["priority"], "normal");
    assert_eq!(raised["subject"], LEAK);
    assert_eq!(raised["customer_id"], w.leeds.id.to_string());
    assert_eq!(raised["requester_id"], w.leeds_customer.user.id.to_string());
    assert_eq!(raised["terms_version"], 1);
    assert_eq!(raised["calendar_id"], w.calendar);
    assert!(raised["override_reason"].is_null());
    assert_eq!(clock_kinds(&raised), ["first_response", "resolution"]);
    assert_eq!(clock(&raised, "first_response")["target"], "2h");
    assert_eq!(clock(&raised, "resolution")["target"], "16h");
    assert_eq!(clock(&raised, "first_response")["state"], "running");
    assert_eq!(clock(&raised, "resolution")["state"], "running");
    assert_eq!(raised["sla_state"], "on_track");
    assert_eq!(raised["due_at"], clock(&raised, "first_response")["due_at"]);
    assert_eq!(event_kinds(&events), ["created", "promise_made"]);
    // Promised as accepted: by its resolution clock's due instant, the
    // later of it and the plan's date (no team: no plan).
    assert_eq!(
        events[1]["data"]["date"],
        clock(&raised, "resolution")["due_at"]
    );
    assert_eq!(events[1]["data"]["basis"], "sla");
    assert_eq!(events[1]["data"]["at_intake"], true);
    assert_eq!(
        events[0]["data"]["promise"]["date"],
        events[1]["data"]["date"]
    );
    assert_eq!(events[0]["seq"], 1);
    assert_eq!(events[0]["actor_id"], w.leeds_customer.user.id.to_string());
    assert_eq!(events[0]["data"]["terms_version"], 1);
    assert_eq!(
        w.read(&w.leeds_customer, &id).await["number"],
        raised["number"]
    );
}

#[tokio::test]
async fn a_person_of_a_department_of_a_covered_site_raises_for_their_department() {
    let w = world().await;
    w.set_terms().await;
    let bakery = w
        .app
        .party(PartyKind::Department, "Bakery", Some(w.leeds.id))
        .await;
    let baker = w
        .app
        .persona(
            "bea@harbour.example",
            Some(bakery.id),
            &[(Role::Customer, bakery.id)],
        )
        .await;

    let raised = json(w.try_raise(&baker, json!({})).await, StatusCode::CREATED).await;
    let for_leeds = w
        .try_raise(&baker, json!({ "customer_id": w.leeds.id }))
        .await;
    let contract = w
        .app
        .get(&format!("/api/v1/contracts/{}", w.contract), &baker.token)
        .await;

    assert_eq!(raised["customer_id"], bakery.id.to_string());
    assert_eq!(clock(&raised, "first_response")["target"], "2h");
    // The rest of the store is not theirs to raise for.
    let refused = problem(
        for_leeds,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(fields(&refused), ["customer_id"]);
    // They see the contract with the store above them, and no other.
    let contract = json(contract, StatusCode::OK).await;
    assert_eq!(contract["customer_ids"], json!([w.leeds.id]));
    assert!(w.listed(&w.york_customer, "").await.is_empty());
}

#[tokio::test]
async fn an_urgent_request_takes_the_urgent_row_and_an_order_also_gets_a_delivery_clock() {
    let w = world().await;
    w.set_terms().await;

    let urgent = w
        .raise(&w.leeds_customer, json!({ "priority": "urgent" }))
        .await;
    let order = w
        .raise(
            &w.leeds_customer,
            json!({ "kind": "order", "quantity": 10, "subject": "Spare tap washers", "effort": "30m" }),
        )
        .await;

    assert_eq!(clock(&urgent, "first_response")["target"], "1h");
    assert_eq!(clock(&urgent, "resolution")["target"], "4h");
    assert_eq!(
        clock_kinds(&order),
        ["first_response", "resolution", "delivery"]
    );
    assert_eq!(clock(&order, "delivery")["target"], "24h");
    assert_eq!(clock(&order, "delivery")["state"], "running");
    assert_eq!(order["quantity"], 10);
    assert_eq!(order["effort"], "30m");
    assert_eq!(order["sla_state"], "on_track");
}

#[tokio::test]
async fn without_terms_or_a_row_for_the_priority_the_targets_are_the_services_defaults() {
    let w = world().await;

    let before_terms = w
        .raise(&w.leeds_customer, json!({ "kind": "order", "quantity": 3 }))
        .await;
    w.set_terms().await;
    let low = w
        .raise(&w.leeds_customer, json!({ "priority": "low" }))
        .await;

    assert!(before_terms["terms_version"].is_null());
    assert_eq!(before_terms["calendar_id"], w.calendar);
    assert_eq!(clock(&before_terms, "first_response")["target"], "8h");
    assert_eq!(clock(&before_terms, "resolution")["target"], "40h");
    assert_eq!(clock(&before_terms, "delivery")["target"], "80h");
    assert_eq!(before_terms["sla_state"], "on_track");
    assert_eq!(low["terms_version"], 1);
    assert_eq!(clock(&low, "first_response")["target"], "8h");
    assert_eq!(clock(&low, "resolution")["target"], "40h");
}

#[tokio::test]
async fn a_service_not_on_the_contract_is_refused_with_where_to_raise_a_change_request() {
    let w = world().await;

    let refused = problem(
        w.try_raise(&w.leeds_customer, json!({ "service_id": w.cleaning }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request-not-covered",
    )
    .await;

    assert_eq!(refused["scope"]["outcome"], "not_covered", "{refused}");
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Cleaning")),
        "{refused}"
    );
    assert_eq!(
        refused["change_request"]["href"],
        format!("/api/v1/contracts/{}/change-requests", w.contract)
    );
    assert_eq!(refused["change_request"]["method"], "POST");
    assert!(everything(&w).await.is_empty());
}

#[tokio::test]
async fn a_subject_the_service_or_the_terms_exclude_is_out_of_scope() {
    let w = world().await;
    w.set_terms().await;

    let by_catalog = problem(
        w.try_raise(
            &w.leeds_customer,
            json!({ "subject": "Roof repairs after the storm" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request-out-of-scope",
    )
    .await;
    let by_terms = problem(
        w.try_raise(
            &w.client,
            json!({ "subject": "Window cleaning at the entrance", "customer_id": w.york.id }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request-out-of-scope",
    )
    .await;

    assert_eq!(by_catalog["scope"]["outcome"], "out_of_scope");
    assert_eq!(by_catalog["scope"]["matched"], "Roof repairs");
    assert_eq!(
        by_catalog["change_request"]["href"],
        format!("/api/v1/contracts/{}/change-requests", w.contract)
    );
    assert_eq!(by_terms["scope"]["matched"], "Window cleaning");
    assert!(everything(&w).await.is_empty());
}

#[tokio::test]
async fn the_providers_manager_overrides_with_a_reason_and_the_reason_is_kept() {
    let w = world().await;
    let reason = "Goodwill: the store opens tomorrow";

    let raised = w
        .raise(
            &w.manager,
            json!({
                "service_id": w.cleaning, "customer_id": w.leeds.id,
                "subject": "Deep clean before reopening", "override_reason": reason
            }),
        )
        .await;
    let out_of_scope = w
        .raise(
            &w.manager,
            json!({
                "customer_id": w.york.id, "subject": "Roof repairs after the storm",
                "override_reason": reason
            }),
        )
        .await;
    let events = w.events(&w.leeds_customer, &id_of(&raised)).await;
    // The longest reason allowed still goes through.
    let longest = w
        .try_raise(
            &w.manager,
            json!({
                "service_id": w.cleaning, "customer_id": w.leeds.id,
                "override_reason": "x".repeat(1000)
            }),
        )
        .await;

    assert_eq!(raised["customer_id"], w.leeds.id.to_string());
    assert_eq!(raised["requester_id"], w.manager.user.id.to_string());
    assert!(
        raised["override_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with(reason)),
        "{raised}"
    );
    assert!(
        out_of_scope["override_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with(reason)),
        "{out_of_scope}"
    );
    assert_eq!(
        events[0]["data"]["override_reason"],
        raised["override_reason"]
    );
    let longest = json(longest, StatusCode::CREATED).await;
    assert_eq!(longest["override_reason"], "x".repeat(1000));
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_raises_the_request_once() {
    let w = world().await;
    let send = || {
        w.app
            .client
            .post(w.app.url("/api/v1/requests"))
            .bearer_auth(&w.leeds_customer.token)
            .header("idempotency-key", "leak-1")
            .json(&w.body(json!({})))
            .send()
    };

    let first = json(send().await.expect("sent"), StatusCode::CREATED).await;
    let again = send().await.expect("sent");
    let replayed = again.headers().contains_key("idempotent-replayed");
    let again = json(again, StatusCode::CREATED).await;

    assert!(replayed);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(everything(&w).await, [id_of(&first)]);
}

#[tokio::test]
async fn an_agent_or_a_customer_may_not_override_the_scope() {
    let w = world().await;
    let body = json!({
        "service_id": w.cleaning, "customer_id": w.leeds.id,
        "override_reason": "They asked nicely"
    });

    let by_agent = w.try_raise(&w.agent, body.clone()).await;
    let by_customer = w.try_raise(&w.leeds_customer, body).await;

    problem(by_agent, StatusCode::FORBIDDEN, "forbidden").await;
    problem(by_customer, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(everything(&w).await.is_empty());
}

#[tokio::test]
async fn a_customer_cannot_raise_for_another_site_of_the_same_client() {
    let w = world().await;

    let for_york = problem(
        w.try_raise(&w.leeds_customer, json!({ "customer_id": w.york.id }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    let for_head_office = problem(
        w.try_raise(
            &w.leeds_customer,
            json!({ "customer_id": w.head_office.id }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;

    assert_eq!(fields(&for_york), ["customer_id"]);
    assert_eq!(fields(&for_head_office), ["customer_id"]);
    assert!(everything(&w).await.is_empty());
}

#[tokio::test]
async fn the_provider_raises_for_a_named_customer_and_on_behalf_of_its_people() {
    let w = world().await;

    let for_leeds = w
        .raise(
            &w.agent,
            json!({ "customer_id": w.leeds.id, "requester_id": w.leeds_customer.user.id }),
        )
        .await;
    let unnamed = problem(
        w.try_raise(&w.agent, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;

    assert_eq!(for_leeds["customer_id"], w.leeds.id.to_string());
    assert_eq!(
        for_leeds["requester_id"],
        w.leeds_customer.user.id.to_string()
    );
    assert_eq!(
        w.events(&w.leeds_customer, &id_of(&for_leeds)).await[0]["actor_id"],
        w.agent.user.id.to_string()
    );
    assert_eq!(fields(&unnamed), ["customer_id"]);
}

#[tokio::test]
async fn only_the_providers_people_raise_internal_tasks_or_for_someone_else() {
    let w = world().await;

    let task_by_customer = problem(
        w.try_raise(&w.leeds_customer, json!({ "kind": "internal_task" }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    let for_someone_else = problem(
        w.try_raise(
            &w.leeds_customer,
            json!({ "requester_id": w.york_customer.user.id }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    let for_themself = w
        .raise(
            &w.leeds_customer,
            json!({ "requester_id": w.leeds_customer.user.id }),
        )
        .await;
    let task = w
        .raise(
            &w.agent,
            json!({ "kind": "internal_task", "customer_id": w.york.id, "subject": "Restock the van" }),
        )
        .await;

    assert_eq!(fields(&task_by_customer), ["kind"]);
    assert_eq!(fields(&for_someone_else), ["requester_id"]);
    assert_eq!(
        for_themself["requester_id"],
        w.leeds_customer.user.id.to_string()
    );
    assert_eq!(task["kind"], "internal_task");
    assert_eq!(clock_kinds(&task), ["first_response", "resolution"]);
}

#[tokio::test]
async fn the_client_names_the_customer_and_may_raise_for_either_site() {
    let w = world().await;

    let unnamed = problem(
        w.try_raise(&w.client, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    let for_york = w
        .raise(&w.client, json!({ "customer_id": w.york.id }))
        .await;
    let for_head_office = problem(
        w.try_raise(&w.client, json!({ "customer_id": w.head_office.id }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request-not-covered",
    )
    .await;

    assert_eq!(fields(&unnamed), ["customer_id"]);
    assert_eq!(for_york["customer_id"], w.york.id.to_string());
    assert_eq!(for_york["requester_id"], w.client.user.id.to_string());
    assert_eq!(for_head_office["scope"]["outcome"], "not_covered");
}

#[tokio::test]
async fn a_stranger_cannot_raise_against_a_contract_they_do_not_see() {
    let w = world().await;

    let refused = problem(
        w.try_raise(&w.stranger, json!({ "customer_id": w.leeds.id }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;

    assert_eq!(fields(&refused), ["contract_id"]);
    assert!(everything(&w).await.is_empty());
}

#[tokio::test]
async fn an_ended_contract_takes_no_new_requests_but_keeps_its_old_ones() {
    let w = world().await;
    let id = w.leak().await;
    w.end_contract().await;

    let refused = problem(
        w.try_raise(&w.leeds_customer, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;

    assert_eq!(fields(&refused), ["contract_id"]);
    assert_eq!(w.read(&w.leeds_customer, &id).await["status"], "new");
    assert_eq!(everything(&w).await, [id]);
}
