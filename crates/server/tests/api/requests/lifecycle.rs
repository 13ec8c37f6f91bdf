//! A request from new to closed: steps, replies and the clocks that follow
//! them; steps refused from where the request stands or by the wrong side.

use reqwest::StatusCode;
use serde_json::json;

use super::{World, clock, event_kinds, fields, id_of, pg_world, world};
use crate::helpers::{json, problem};

/// New → acknowledged → awaiting the customer → (the customer's reply)
/// in progress → fulfilled → closed, with the clocks stopping, pausing and
/// resuming as they should, and every step in the history.
async fn happy_path(w: &World) {
    w.set_terms().await;
    let raised = w.raise(&w.leeds_customer, json!({})).await;
    let id = id_of(&raised);
    assert_eq!(raised["status"], "new");
    assert_eq!(clock(&raised, "first_response")["target"], "2h");
    assert_eq!(raised["sla_state"], "on_track");

    let acknowledged = w.act(&w.agent, &id, "acknowledge").await;
    assert_eq!(acknowledged["status"], "acknowledged");
    assert_eq!(clock(&acknowledged, "first_response")["state"], "stopped");
    assert!(clock(&acknowledged, "first_response")["stopped_at"].is_string());
    assert_eq!(clock(&acknowledged, "resolution")["state"], "running");
    assert_eq!(acknowledged["sla_state"], "on_track");
    assert_eq!(
        acknowledged["due_at"],
        clock(&acknowledged, "resolution")["due_at"]
    );

    let waiting = w.act(&w.agent, &id, "await_customer").await;
    assert_eq!(waiting["status"], "awaiting_customer");
    assert_eq!(clock(&waiting, "resolution")["state"], "paused");
    assert_eq!(waiting["sla_state"], "paused");
    assert!(waiting["due_at"].is_null(), "{waiting}");

    let replied = w
        .reply(&w.leeds_customer, &id, "Here is a photo of the tap.")
        .await;
    assert_eq!(event_kinds(&replied["events"]), ["reply", "status_changed"]);
    assert_eq!(replied["events"][1]["data"]["action"], "resume");
    assert_eq!(replied["request"]["status"], "in_progress");
    assert_eq!(clock(&replied["request"], "resolution")["state"], "running");
    assert_eq!(replied["request"]["sla_state"], "on_track");

    let fulfilled = w.act(&w.agent, &id, "fulfil").await;
    assert_eq!(fulfilled["status"], "fulfilled");
    assert_eq!(clock(&fulfilled, "resolution")["state"], "stopped");
    assert_eq!(fulfilled["sla_state"], "none");

    let closed = w.act(&w.leeds_customer, &id, "close").await;
    assert_eq!(closed["status"], "closed");

    let history = w.events(&w.manager, &id).await;
    assert_eq!(
        event_kinds(&history),
        [
            "created",
            "promise_made",
            "status_changed",
            "status_changed",
            "reply",
            "status_changed",
            "status_changed",
            "status_changed"
        ]
    );
    let seqs: Vec<i64> = history
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["seq"].as_i64().expect("a seq"))
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(history[2]["data"]["to"], "acknowledged");
    assert_eq!(history[2]["actor_id"], w.agent.user.id.to_string());
    assert_eq!(history[4]["body"], "Here is a photo of the tap.");
    assert_eq!(history[4]["data"]["side"], "customer");
    assert_eq!(history[7]["data"]["to"], "closed");
    assert_eq!(w.read(&w.client, &id).await["status"], "closed");
}

#[tokio::test]
async fn a_request_runs_from_new_to_closed_with_its_clocks_following() {
    let w = world().await;
    happy_path(&w).await;
}

#[tokio::test]
async fn a_request_runs_from_new_to_closed_with_its_clocks_following_on_postgres() {
    let Some(w) = pg_world().await else { return };
    happy_path(&w).await;
}

#[tokio::test]
async fn a_step_not_allowed_from_where_the_request_stands_answers_409_naming_the_allowed_ones() {
    let w = world().await;
    let id = w.leak().await;

    let fulfil = problem(
        w.try_act(&w.agent, &id, "fulfil", None).await,
        StatusCode::CONFLICT,
        "invalid-transition",
    )
    .await;
    let close = problem(
        w.try_act(&w.agent, &id, "close", None).await,
        StatusCode::CONFLICT,
        "invalid-transition",
    )
    .await;
    let close_by_customer = w.try_act(&w.leeds_customer, &id, "close", None).await;
    let resume = w.try_act(&w.manager, &id, "resume", None).await;

    let detail = fulfil["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("cannot fulfil a request that is new"),
        "{fulfil}"
    );
    assert!(detail.contains("acknowledge, start, cancel"), "{fulfil}");
    assert!(
        close["detail"]
            .as_str()
            .is_some_and(|d| d.contains("acknowledge, start, cancel")),
        "{close}"
    );
    problem(
        close_by_customer,
        StatusCode::CONFLICT,
        "invalid-transition",
    )
    .await;
    problem(resume, StatusCode::CONFLICT, "invalid-transition").await;
    let after = w.read(&w.agent, &id).await;
    assert_eq!(after["status"], "new");
    assert_eq!(clock(&after, "first_response")["state"], "running");
    assert_eq!(
        w.events(&w.agent, &id).await.as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn the_customers_side_may_not_take_the_providers_steps() {
    let w = world().await;
    let id = w.leak().await;

    let acknowledge = w.try_act(&w.leeds_customer, &id, "acknowledge", None).await;
    let start = w.try_act(&w.client, &id, "start", None).await;
    let fulfil = w.try_act(&w.leeds_customer, &id, "fulfil", None).await;

    let acknowledge = problem(acknowledge, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(
        acknowledge["detail"]
            .as_str()
            .is_some_and(|d| d.contains("provider")),
        "{acknowledge}"
    );
    problem(start, StatusCode::FORBIDDEN, "forbidden").await;
    problem(fulfil, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(w.read(&w.agent, &id).await["status"], "new");
}

#[tokio::test]
async fn cancelling_needs_a_reason_and_keeps_it_and_a_cancelled_request_takes_no_more_steps() {
    let w = world().await;
    let id = w.leak().await;

    let without = problem(
        w.try_act(&w.agent, &id, "cancel", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    let blank = problem(
        w.try_act(&w.agent, &id, "cancel", Some("   ")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    let cancelled = json(
        w.try_act(&w.leeds_customer, &id, "cancel", Some("Fixed it ourselves"))
            .await,
        StatusCode::OK,
    )
    .await;
    let reply = w
        .try_write(&w.agent, &id, "replies", "Glad to hear it")
        .await;
    let start = w.try_act(&w.agent, &id, "start", None).await;

    assert_eq!(fields(&without), ["reason"]);
    assert_eq!(fields(&blank), ["reason"]);
    let request = &cancelled["request"];
    assert_eq!(request["status"], "cancelled");
    assert_eq!(request["cancel_reason"], "Fixed it ourselves");
    assert_eq!(cancelled["events"][0]["body"], "Fixed it ourselves");
    assert_eq!(clock(request, "first_response")["state"], "stopped");
    assert_eq!(clock(request, "resolution")["state"], "stopped");
    assert_eq!(request["sla_state"], "none");
    problem(reply, StatusCode::CONFLICT, "invalid-transition").await;
    let start = problem(start, StatusCode::CONFLICT, "invalid-transition").await;
    assert!(
        start["detail"]
            .as_str()
            .is_some_and(|d| d.contains("nothing (it is finished)")),
        "{start}"
    );
}

#[tokio::test]
async fn a_reply_to_a_closed_request_is_refused_until_it_is_reopened() {
    let w = world().await;
    let id = w.leak().await;
    w.act(&w.agent, &id, "acknowledge").await;
    w.act(&w.agent, &id, "fulfil").await;
    w.act(&w.client, &id, "close").await;

    let refused = problem(
        w.try_write(&w.leeds_customer, &id, "replies", "It is dripping again")
            .await,
        StatusCode::CONFLICT,
        "invalid-transition",
    )
    .await;
    let reopened = w.act(&w.leeds_customer, &id, "reopen").await;
    let replied = w
        .reply(&w.leeds_customer, &id, "It is dripping again")
        .await;

    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("reopen")),
        "{refused}"
    );
    assert_eq!(reopened["status"], "in_progress");
    assert_eq!(clock(&reopened, "resolution")["state"], "running");
    assert_eq!(clock(&reopened, "first_response")["state"], "stopped");
    assert_eq!(reopened["sla_state"], "on_track");
    assert_eq!(event_kinds(&replied["events"]), ["reply"]);
}

#[tokio::test]
async fn a_customers_reply_to_a_fulfilled_request_reopens_it() {
    let w = world().await;
    let id = w.leak().await;
    w.act(&w.agent, &id, "start").await;
    w.act(&w.agent, &id, "fulfil").await;

    let replied = w
        .reply(&w.leeds_customer, &id, "Still dripping, sorry")
        .await;

    assert_eq!(event_kinds(&replied["events"]), ["reply", "status_changed"]);
    assert_eq!(replied["events"][1]["data"]["action"], "reopen");
    assert_eq!(replied["request"]["status"], "in_progress");
    assert_eq!(clock(&replied["request"], "resolution")["state"], "running");
}

#[tokio::test]
async fn the_providers_first_public_reply_stops_first_response_and_others_do_not() {
    let w = world().await;
    let id = w.leak().await;

    let customer = w.reply(&w.leeds_customer, &id, "Any news?").await;
    let noted = json(
        w.try_write(&w.agent, &id, "notes", "Plumber booked for 3pm")
            .await,
        StatusCode::CREATED,
    )
    .await;
    let provider = w.reply(&w.agent, &id, "A plumber is on the way.").await;

    assert_eq!(
        clock(&customer["request"], "first_response")["state"],
        "running"
    );
    assert_eq!(
        clock(&noted["request"], "first_response")["state"],
        "running"
    );
    let request = &provider["request"];
    assert_eq!(clock(request, "first_response")["state"], "stopped");
    assert_eq!(clock(request, "resolution")["state"], "running");
    assert_eq!(request["status"], "new");
    assert_eq!(provider["events"][0]["data"]["side"], "provider");
    assert_eq!(provider["events"][0]["public"], true);
}
