//! `/api/v1/promises/quote`, `/api/v1/requests/{id}/promise` and the
//! proposals of new dates: a quote weighs the team's whole load, a promise
//! later than the SLA needs a choice, the customer agrees to a new date,
//! and nobody else sees any of it.

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harbour::{World, id_of, world_on};
use crate::helpers::{json, problem, spawn_app};

pub fn hours(h: i64) -> Timestamp {
    Timestamp::now() + SignedDuration::from_hours(h)
}

fn instant(value: &Value) -> Timestamp {
    value
        .as_str()
        .expect("an instant")
        .parse()
        .expect("RFC 3339")
}

/// A request of the Leeds store taking `effort`, assigned to `team`.
pub async fn assigned(w: &World, team: &str, effort: &str, subject: &str) -> String {
    let raised = json(
        w.app
            .post(
                "/api/v1/requests",
                &w.leeds_customer.token,
                &json!({"contract_id": w.contract, "service_id": w.repairs, "kind": "service_request",
                        "effort": effort, "subject": subject}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = id_of(&raised);
    json(
        w.app
            .put(
                &format!("/api/v1/requests/{id}/assignment"),
                &w.agent.token,
                &json!({"team_id": team}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    id
}

/// The world with a team of one (the agent, full time, around the clock)
/// holding three promised requests of 20 hours each, due just after the
/// plan finishes them.
async fn loaded() -> (World, String, Vec<String>) {
    let w = world_on(spawn_app().await).await;
    let team = w.team_of_one("Operations", &w.agent, &w.calendar).await;
    let mut ids = Vec::new();
    for (n, due) in [(1, 21), (2, 41), (3, 61)] {
        let id = assigned(&w, &team, "20h", &format!("Refit bay {n}")).await;
        json(
            w.app
                .post(
                    &format!("/api/v1/requests/{id}/promise"),
                    &w.agent.token,
                    &json!({"date": hours(due)}),
                )
                .await,
            StatusCode::CREATED,
        )
        .await;
        ids.push(id);
    }
    (w, team, ids)
}

#[tokio::test]
async fn a_quote_weighs_the_whole_load_and_names_what_squeezing_in_pushes_out() {
    let (w, team, ids) = loaded().await;
    let quote = json(
        w.app
            .post(
                "/api/v1/promises/quote",
                &w.agent.token,
                &json!({"contract_id": w.contract, "service_id": w.repairs, "team_id": team,
                        "kind": "service_request", "effort": "10h"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    // 40 hours of resolution on a calendar open around the clock.
    let sla = instant(&quote["sla_due"]);
    assert!(sla > hours(39) && sla < hours(41), "{quote}");
    // Behind all 60 hours: nothing on time can give way.
    let realistic = instant(&quote["realistic"]);
    assert!(realistic >= hours(70), "{quote}");
    assert_eq!(quote["choice_needed"], true);
    assert_eq!(quote["load"]["ahead"], 3);
    assert_eq!(quote["load"]["work_ahead"], "60h");
    assert_eq!(quote["load"]["members"], 1);
    assert!(
        quote["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("60 hours of work ahead of it in Operations")),
        "{quote}"
    );
    // By its SLA date it goes after bay 1 and pushes bays 2 and 3 out.
    let squeezed: Vec<&str> = quote["squeezed"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["request_id"].as_str().expect("an id"))
        .collect();
    assert_eq!(squeezed, [ids[1].as_str(), ids[2].as_str()], "{quote}");
    assert_eq!(quote["squeezed"][0]["customer"], "Harbour Leeds");
    assert!(instant(&quote["at_sla"]) <= sla);

    // The customer may not quote against the team.
    problem(
        w.app
            .post(
                "/api/v1/promises/quote",
                &w.leeds_customer.token,
                &json!({"contract_id": w.contract, "service_id": w.repairs, "team_id": team}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
}

#[tokio::test]
async fn a_promise_later_than_the_sla_needs_a_choice_and_a_new_date_needs_the_customer() {
    let (w, team, _) = loaded().await;
    let id = assigned(&w, &team, "10h", "Refit bay 4").await;
    let path = format!("/api/v1/requests/{id}/promise");
    let choose = problem(
        w.app.post(&path, &w.agent.token, &json!({})).await,
        StatusCode::CONFLICT,
        "promise-choice-needed",
    )
    .await;
    assert!(instant(&choose["realistic"]) > instant(&choose["sla_due"]));
    // The customer's side does not promise.
    problem(
        w.app
            .post(&path, &w.leeds_customer.token, &json!({"choice": "sla"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let promise = json(
        w.app
            .post(&path, &w.agent.token, &json!({"choice": "realistic"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(promise["basis"], "realistic");
    assert_eq!(promise["beyond_sla"], true);
    problem(
        w.app
            .post(&path, &w.agent.token, &json!({"choice": "sla"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;

    let proposal = json(
        w.app
            .post(
                &format!("{path}/proposals"),
                &w.agent.token,
                &json!({"date": hours(100), "reason": "Bay 2 needs a second coat"}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let answer = format!("/api/v1/promise-proposals/{}/answer", id_of(&proposal));
    problem(
        w.app
            .post(&answer, &w.agent.token, &json!({"accept": true}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Another store's customer learns nothing.
    for (path, body) in [(&answer, json!({"accept": true}))] {
        problem(
            w.app.post(path, &w.york_customer.token, &body).await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
    }
    problem(
        w.app.get(&path, &w.york_customer.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let answered = json(
        w.app
            .post(&answer, &w.leeds_customer.token, &json!({"accept": true}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answered["proposal"]["status"], "accepted");
    assert_eq!(answered["proposal"]["in_time"], true);
    assert_eq!(answered["promise"]["date"], proposal["date"]);
    assert_eq!(answered["promise"]["renegotiations"], 1);
    problem(
        w.app
            .post(&answer, &w.leeds_customer.token, &json!({"accept": false}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;

    let seen = json(
        w.app.get(&path, &w.leeds_customer.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["promise"]["original_date"], promise["date"]);
    assert_eq!(seen["proposals"].as_array().map(Vec::len), Some(1));
    assert_eq!(seen["projected"], Value::Null, "the plan is the provider's");
    let agent_view = json(w.app.get(&path, &w.agent.token).await, StatusCode::OK).await;
    assert!(agent_view["projected"].is_string(), "{agent_view}");
}

#[tokio::test]
async fn bad_promise_input_is_refused_clearly() {
    let (w, team, ids) = loaded().await;
    let path = format!("/api/v1/requests/{}/promise", ids[0]);
    for body in [
        json!({"date": "2020-01-01T00:00:00Z"}),
        json!({"choice": "sla", "date": hours(5)}),
    ] {
        let id = assigned(&w, &team, "1h", "Check the lights").await;
        problem(
            w.app
                .post(
                    &format!("/api/v1/requests/{id}/promise"),
                    &w.agent.token,
                    &body,
                )
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
    }
    for body in [
        json!({"date": hours(-1), "reason": "Late"}),
        json!({"date": hours(30), "reason": "  "}),
        json!({"date": hours(30), "reason": "Two\nlines"}),
    ] {
        problem(
            w.app
                .post(&format!("{path}/proposals"), &w.agent.token, &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
    }
    problem(
        w.app
            .post(
                "/api/v1/promises/quote",
                &w.agent.token,
                &json!({"contract_id": w.contract, "service_id": w.repairs}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
}
