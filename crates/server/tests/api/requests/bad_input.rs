//! Bad input to the requests API: every refusal is a problem naming the
//! field (or 400 for what is not JSON, 404 for an id that cannot name
//! anything), and nothing is created or changed by one.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{World, fields, request_path, world};
use crate::helpers::problem;

/// Posts `body` (raw text) to `path` as the Leeds customer with `content_type`.
async fn raw(w: &World, path: &str, content_type: &str, body: &str) -> reqwest::Response {
    w.app
        .client
        .post(w.app.url(path))
        .bearer_auth(&w.leeds_customer.token)
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .expect("request sent")
}

/// Asserts a 422 naming exactly `field`.
async fn names(response: reqwest::Response, field: &str, case: &str) -> Value {
    let refused = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(fields(&refused), [field], "{case}: {refused}");
    refused
}

#[tokio::test]
async fn unknown_fields_wrong_types_and_unknown_names_in_a_new_request_are_named() {
    let w = world().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("unknown field", json!({ "colour": "red" }), "colour"),
        ("kind as a number", json!({ "kind": 5 }), "kind"),
        ("unknown kind", json!({ "kind": "ticket" }), "kind"),
        ("no kind", json!({ "kind": null }), "kind"),
        (
            "unknown priority",
            json!({ "priority": "whenever" }),
            "priority",
        ),
        ("quantity as text", json!({ "quantity": "ten" }), "quantity"),
        ("zero quantity", json!({ "quantity": 0 }), "quantity"),
        ("negative quantity", json!({ "quantity": -1 }), "quantity"),
        (
            "too many",
            json!({ "quantity": 1_000_000_001_u64 }),
            "quantity",
        ),
        (
            "beyond u32",
            json!({ "quantity": 4_294_967_296_u64 }),
            "quantity",
        ),
        (
            "fractional quantity",
            json!({ "quantity": 1.5 }),
            "quantity",
        ),
        (
            "effort not a duration",
            json!({ "effort": "soon" }),
            "effort",
        ),
        ("empty subject", json!({ "subject": "" }), "subject"),
        ("blank subject", json!({ "subject": "   " }), "subject"),
        (
            "zero-width subject",
            json!({ "subject": "\u{200B}\u{FEFF}" }),
            "subject",
        ),
        ("bell subject", json!({ "subject": "\u{0007}" }), "subject"),
        (
            "invisible override",
            json!({ "override_reason": "\u{200B}" }),
            "override_reason",
        ),
        ("no subject", json!({ "subject": null }), "subject"),
        ("subject as a number", json!({ "subject": 7 }), "subject"),
        (
            "two-line subject",
            json!({ "subject": "Leak\nin store" }),
            "subject",
        ),
        (
            "long subject",
            json!({ "subject": "x".repeat(201) }),
            "subject",
        ),
        (
            "long description",
            json!({ "description": "x".repeat(20_001) }),
            "description",
        ),
        (
            "control characters",
            json!({ "description": "a\u{7}b" }),
            "description",
        ),
        (
            "blank override",
            json!({ "override_reason": " " }),
            "override_reason",
        ),
        (
            "contract not an id",
            json!({ "contract_id": "nope" }),
            "contract_id",
        ),
        ("no contract", json!({ "contract_id": null }), "contract_id"),
        (
            "unknown contract",
            json!({ "contract_id": "00000000-0000-0000-0000-000000000000" }),
            "contract_id",
        ),
        (
            "unknown service",
            json!({ "service_id": "00000000-0000-0000-0000-000000000000" }),
            "service_id",
        ),
        (
            "unknown customer",
            json!({ "customer_id": "00000000-0000-0000-0000-000000000000" }),
            "customer_id",
        ),
        (
            "customer not an id",
            json!({ "customer_id": 12 }),
            "customer_id",
        ),
    ];

    for (case, extra, field) in cases {
        names(w.try_raise(&w.leeds_customer, extra).await, field, case).await;
    }
    let unknown_requester = w
        .try_raise(
            &w.agent,
            json!({
                "customer_id": w.leeds.id,
                "requester_id": "00000000-0000-0000-0000-000000000000"
            }),
        )
        .await;

    names(unknown_requester, "requester_id", "unknown requester").await;
    assert!(w.listed(&w.admin, "").await.is_empty());
}

#[tokio::test]
async fn a_quantity_too_large_for_any_integer_is_told_it_is_too_large_not_that_it_is_no_number() {
    let w = world().await;
    let too_large = ["4294967296", "99999999999999999999", "1e30"];

    let mut said = Vec::new();
    for number in too_large {
        let body = format!(
            r#"{{"contract_id": "{}", "service_id": "{}", "kind": "incident", "subject": "Taps", "quantity": {number}}}"#,
            w.contract, w.repairs
        );
        let refused = names(
            raw(&w, "/api/v1/requests", "application/json", &body).await,
            "quantity",
            number,
        )
        .await;
        said.push(refused["errors"][0]["message"].as_str().map(str::to_owned));
    }
    let fraction = names(
        w.try_raise(&w.leeds_customer, json!({ "quantity": 2.5 }))
            .await,
        "quantity",
        "a fraction",
    )
    .await;

    assert_eq!(said, vec![Some("must be at most 1000000000".to_owned()); 3]);
    assert_eq!(fraction["errors"][0]["message"], "must be a whole number");
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused_without_a_500() {
    let w = world().await;
    let path = "/api/v1/requests";

    let malformed = raw(&w, path, "application/json", "{\"kind\": ").await;
    let trailing = raw(
        &w,
        path,
        "application/json",
        &format!("{} {{}}", w.body(json!({}))),
    )
    .await;
    let not_json = raw(&w, path, "text/plain", "leak").await;
    let array = raw(&w, path, "application/json", "[1, 2]").await;
    let empty = raw(&w, path, "application/json", "").await;

    problem(malformed, StatusCode::BAD_REQUEST, "malformed-json").await;
    problem(trailing, StatusCode::BAD_REQUEST, "malformed-json").await;
    problem(
        not_json,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    names(array, "body", "an array").await;
    problem(empty, StatusCode::BAD_REQUEST, "malformed-json").await;
    assert!(w.listed(&w.admin, "").await.is_empty());
}

#[tokio::test]
async fn bad_steps_replies_and_notes_are_named_and_change_nothing() {
    let w = world().await;
    let id = w.leak().await;
    let actions = format!("{}/actions", request_path(&id));

    let unknown = w.try_act(&w.agent, &id, "escalate", None).await;
    let numeric = w
        .app
        .post(&actions, &w.agent.token, &json!({ "action": 3 }))
        .await;
    let missing = w.app.post(&actions, &w.agent.token, &json!({})).await;
    let extra = w
        .app
        .post(
            &actions,
            &w.agent.token,
            &json!({ "action": "start", "when": "now" }),
        )
        .await;
    let two_line_reason = w.try_act(&w.agent, &id, "cancel", Some("One\nTwo")).await;
    let malformed = raw(&w, &actions, "application/json", "{action: start}").await;
    let empty_reply = w.try_write(&w.leeds_customer, &id, "replies", "").await;
    let blank_note = w.try_write(&w.agent, &id, "notes", " \n ").await;
    let long_reply = w
        .try_write(&w.agent, &id, "replies", &"x".repeat(20_001))
        .await;
    let bell = w.try_write(&w.agent, &id, "notes", "ding\u{7}").await;
    let no_body = w
        .app
        .post(
            &format!("{}/replies", request_path(&id)),
            &w.agent.token,
            &json!({ "text": "Hello" }),
        )
        .await;

    let unknown = names(unknown, "action", "unknown action").await;
    assert!(
        unknown["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("acknowledge")),
        "{unknown}"
    );
    names(numeric, "action", "numeric action").await;
    names(missing, "action", "no action").await;
    names(extra, "when", "unknown member").await;
    names(two_line_reason, "reason", "two-line reason").await;
    problem(malformed, StatusCode::BAD_REQUEST, "malformed-json").await;
    names(empty_reply, "body", "empty reply").await;
    names(blank_note, "body", "blank note").await;
    names(long_reply, "body", "long reply").await;
    names(bell, "body", "control character").await;
    names(no_body, "text", "unknown member").await;
    let after = w.read(&w.agent, &id).await;
    assert_eq!(after["status"], "new");
    assert_eq!(
        w.events(&w.agent, &id).await.as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn unknown_query_values_are_named() {
    let w = world().await;
    w.leak().await;
    let cases = [
        ("status=pending", "status"),
        ("status=open,pending", "status"),
        ("sla=late", "sla"),
        ("sla=paused,late", "sla"),
        ("order=oldest", "order"),
        ("kind=ticket", "kind"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("customer_id=leeds", "customer_id"),
        ("contract_id=1", "contract_id"),
        ("requester_id=tom", "requester_id"),
        ("escalated_from=x", "escalated_from"),
        ("due_before=tomorrow", "due_before"),
        ("colour=red", "colour"),
    ];

    for (query, field) in cases {
        names(
            w.app
                .get(&format!("/api/v1/requests?{query}"), &w.agent.token)
                .await,
            field,
            query,
        )
        .await;
    }
    // A cursor of one order is refused by the other.
    let page = w.list(&w.agent, "?order=newest&limit=1").await;
    assert!(page["next_cursor"].is_null());
    w.leak().await;
    let newest = w.list(&w.agent, "?order=newest&limit=1").await;
    let cursor = newest["next_cursor"].as_str().expect("a cursor");
    names(
        w.app
            .get(
                &format!("/api/v1/requests?order=urgency&cursor={cursor}"),
                &w.agent.token,
            )
            .await,
        "cursor",
        "a newest cursor in the urgency order",
    )
    .await;
}

#[tokio::test]
async fn a_bad_id_in_the_path_answers_404_like_the_other_resources() {
    let w = world().await;
    let token = &w.agent.token;
    let unknown = "00000000-0000-0000-0000-000000000000";
    let step = json!({ "action": "acknowledge" });
    let text = json!({ "body": "Hello" });

    for id in ["not-a-uuid", unknown, "1"] {
        let path = request_path(id);
        let read = w.app.get(&path, token).await;
        let events = w.app.get(&format!("{path}/events"), token).await;
        let act = w.app.post(&format!("{path}/actions"), token, &step).await;
        let reply = w.app.post(&format!("{path}/replies"), token, &text).await;
        let note = w.app.post(&format!("{path}/notes"), token, &text).await;

        for response in [read, events, act, reply, note] {
            problem(response, StatusCode::NOT_FOUND, "not-found").await;
        }
    }
    problem(
        w.app.get("/api/v1/contracts/not-a-uuid", token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn without_a_token_every_route_answers_401() {
    let w = world().await;
    let id = w.leak().await;

    let list = w.app.client.get(w.app.url("/api/v1/requests")).send().await;
    let read = w.app.get(&request_path(&id), "not-a-token").await;
    let raise = w
        .app
        .post("/api/v1/requests", "not-a-token", &w.body(json!({})))
        .await;

    problem(
        list.expect("request sent"),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    problem(read, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    problem(raise, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_eq!(w.listed(&w.admin, "").await.len(), 1);
}
