//! `/api/v1/promises/at-risk`: after the watch weighs a team's plan, the
//! provider's people read the promises it cannot keep, soonest first, with
//! why and what to do; the history records it for them alone; customers
//! and strangers see nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harbour::{World, world_on};
use crate::helpers::{json, problem, spawn_app};
use crate::promises::{assigned, hours};

const PATH: &str = "/api/v1/promises/at-risk";

/// The world with a team of one (the agent, full time, around the clock)
/// holding two requests of 20 hours each, promised for 12 and 18 hours
/// from now: the plan finishes neither in time. The first is the agent's.
async fn overloaded() -> (World, String, Vec<String>) {
    let w = world_on(spawn_app().await).await;
    let team = w.team_of_one("Operations", &w.agent, &w.calendar).await;
    let mut ids = Vec::new();
    for (n, due) in [(1, 12), (2, 18)] {
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
    json(
        w.app
            .put(
                &format!("/api/v1/requests/{}/assignment", ids[0]),
                &w.agent.token,
                &json!({"team_id": team, "assignee_id": w.agent.user.id}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    (w, team, ids)
}

/// Runs the watch once, as the server's job does.
async fn sweep(w: &World) -> usize {
    let ctx = kept_app::Context::new(w.app.store.clone(), kept_app::Settings::default());
    kept_app::promises::watch::sweep(&ctx)
        .await
        .expect("the watch")
        .len()
}

async fn list(w: &World, token: &str, query: &str) -> Vec<Value> {
    let body = json(
        w.app.get(&format!("{PATH}{query}"), token).await,
        StatusCode::OK,
    )
    .await;
    body.as_array().expect("a list").clone()
}

fn request_ids(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|p| p["request_id"].as_str().expect("an id"))
        .collect()
}

async fn history(w: &World, token: &str, id: &str) -> Vec<String> {
    let events = json(
        w.app
            .get(&format!("/api/v1/requests/{id}/events"), token)
            .await,
        StatusCode::OK,
    )
    .await;
    events
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().expect("a kind").to_owned())
        .collect()
}

#[tokio::test]
async fn the_watch_lists_promises_the_plan_finishes_late_for_the_provider_alone() {
    let (w, team, ids) = overloaded().await;
    // Promised by dates the plan cannot meet: weighed at once, without
    // waiting for the watch's round.
    let mut flagged = 0;
    for _ in 0..100 {
        flagged = list(&w, &w.agent.token, "").await.len();
        if flagged == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(flagged, 2, "both flagged as they were promised");
    assert_eq!(sweep(&w).await, 0, "once per promised date");

    let items = list(&w, &w.agent.token, "").await;
    assert_eq!(request_ids(&items), [ids[0].as_str(), ids[1].as_str()]);
    for item in &items {
        assert_eq!(item["reason"], "plan", "{item}");
        // One member, and neither fits by its date: nobody to hand it to.
        assert_eq!(item["suggestion"], "renegotiate", "{item}");
        assert_eq!(item["team"], "Operations");
        assert_eq!(item["customer"], "Harbour Leeds");
        assert!(item["projected"].is_string(), "{item}");
        assert!(item["at_risk_since"].is_string(), "{item}");
    }
    assert_eq!(items[0]["assignee_id"], w.agent.user.id.to_string());
    assert_eq!(items[1]["assignee_id"], Value::Null);
    let mine = list(&w, &w.agent.token, "?mine=true").await;
    assert_eq!(request_ids(&mine), [ids[0].as_str()]);
    let of_team = list(&w, &w.manager.token, &format!("?team_id={team}&mine=false")).await;
    assert_eq!(of_team.len(), 2);
    assert_eq!(list(&w, &w.admin.token, "").await.len(), 2);

    // The provider's history records it; the customer's does not.
    for id in &ids {
        let provider = history(&w, &w.agent.token, id).await;
        assert_eq!(
            provider.iter().filter(|k| *k == "promise_at_risk").count(),
            1,
            "{provider:?}"
        );
        let customer = history(&w, &w.leeds_customer.token, id).await;
        assert!(
            customer.iter().all(|k| k != "promise_at_risk"),
            "{customer:?}"
        );
        assert!(customer.iter().any(|k| k == "promise_made"), "{customer:?}");
    }
    // The customer's side and strangers see no list at all.
    for token in [&w.leeds_customer.token, &w.client.token, &w.stranger.token] {
        assert!(list(&w, token, "").await.is_empty());
    }
}

#[tokio::test]
async fn bad_or_unreadable_filters_are_refused() {
    let (w, team, _) = overloaded().await;
    sweep(&w).await;
    for query in ["?team_id=nope", "?mine=maybe", "?team_id=", "?colour=red"] {
        problem(
            w.app.get(&format!("{PATH}{query}"), &w.agent.token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
    }
    let unknown = "0190b5d1-0000-7000-8000-000000000000";
    let not_a_team = w.leeds.id.to_string();
    for (token, id) in [
        (&w.agent.token, unknown),
        (&w.agent.token, not_a_team.as_str()),
        (&w.stranger.token, team.as_str()),
        (&w.leeds_customer.token, team.as_str()),
    ] {
        problem(
            w.app.get(&format!("{PATH}?team_id={id}"), token).await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
    }
}
