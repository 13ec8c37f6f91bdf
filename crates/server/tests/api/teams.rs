//! `/api/v1/teams` and `/api/v1/requests/{id}/assignment`: the provider's
//! managers keep a team's members and absences, its agents read it and
//! assign work to it, and nobody else learns it exists.

use kept_domain::{Party, PartyKind};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harbour::{LEAK, World, id_of, world_on};
use crate::helpers::{json, problem, spawn_app};

async fn world() -> (World, Party) {
    let w = world_on(spawn_app().await).await;
    let team = w
        .app
        .party(PartyKind::Team, "Operations", Some(w.provider.id))
        .await;
    (w, team)
}

fn team_path(team: &Party) -> String {
    format!("/api/v1/teams/{}", team.id)
}

fn member_path(team: &Party, user: impl std::fmt::Display) -> String {
    format!("/api/v1/teams/{}/members/{user}", team.id)
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_manager_keeps_members_and_absences_and_an_agent_reads_them() {
    let (w, team) = world().await;
    let member = json(
        w.app
            .put(
                &member_path(&team, w.agent.user.id),
                &w.manager.token,
                &json!({"calendar_id": w.calendar, "share_percent": 60}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(member["share_percent"], 60);
    assert_eq!(member["calendar_id"], w.calendar.as_str());
    assert_eq!(member["user_id"], w.agent.user.id.to_string());
    let absence = json(
        w.app
            .post(
                &format!("{}/absences", team_path(&team)),
                &w.manager.token,
                &json!({"user_id": w.agent.user.id, "starts_on": "2027-03-01", "ends_on": "2027-03-05", "reason": "Leave"}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let shown = json(
        w.app.get(&team_path(&team), &w.agent.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown["name"], "Operations");
    assert_eq!(shown["can_manage"], false);
    assert_eq!(shown["members"][0]["absences"][0]["id"], absence["id"]);
    assert_eq!(shown["members"][0]["email"], w.agent.user.email.to_string());
    let list = json(
        w.app.get("/api/v1/teams", &w.agent.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"][0]["members"], 1);
    // Taking the absence back, then the member.
    let path = format!("{}/absences/{}", team_path(&team), id_of(&absence));
    json(w.app.delete(&path, &w.manager.token).await, StatusCode::OK).await;
    problem(
        w.app.delete(&path, &w.manager.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let gone = json(
        w.app
            .delete(&member_path(&team, w.agent.user.id), &w.manager.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(gone["user_id"], w.agent.user.id.to_string());
}

#[tokio::test]
async fn an_agent_cannot_change_a_team_and_a_customer_or_client_never_sees_one() {
    let (w, team) = world().await;
    let body = json!({"share_percent": 50});
    problem(
        w.app
            .put(&member_path(&team, w.agent.user.id), &w.agent.token, &body)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    for outsider in [&w.leeds_customer, &w.client, &w.stranger] {
        problem(
            w.app.get(&team_path(&team), &outsider.token).await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
        problem(
            w.app
                .put(
                    &member_path(&team, outsider.user.id),
                    &outsider.token,
                    &body,
                )
                .await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
        let list = json(
            w.app.get("/api/v1/teams", &outsider.token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["items"], json!([]), "{}", outsider.user.email);
    }
    // A party that is not a team is no team either.
    problem(
        w.app
            .get(
                &format!("/api/v1/teams/{}", w.provider.id),
                &w.manager.token,
            )
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn bad_members_and_absences_are_refused_naming_the_field() {
    let (w, team) = world().await;
    for (body, field) in [
        (json!({"share_percent": 0}), "share_percent"),
        (json!({"share_percent": 101}), "share_percent"),
        (
            json!({"share_percent": 50, "calendar_id": "0190a0a0-0000-7000-8000-000000000000"}),
            "calendar_id",
        ),
    ] {
        let refused = problem(
            w.app
                .put(
                    &member_path(&team, w.agent.user.id),
                    &w.manager.token,
                    &body,
                )
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(fields(&refused), [field], "{body}");
    }
    let absences = format!("{}/absences", team_path(&team));
    for (body, field) in [
        (
            json!({"user_id": w.agent.user.id, "starts_on": "2027-03-05", "ends_on": "2027-03-01"}),
            "ends_on",
        ),
        (
            json!({"user_id": w.agent.user.id, "starts_on": "2027-01-01", "ends_on": "2028-06-01"}),
            "ends_on",
        ),
        (
            json!({"user_id": w.agent.user.id, "starts_on": "2027-03-01", "ends_on": "2027-03-01"}),
            "user_id",
        ),
    ] {
        let refused = problem(
            w.app.post(&absences, &w.manager.token, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(fields(&refused), [field], "{body}");
    }
}

#[tokio::test]
async fn an_agent_assigns_a_request_to_a_team_member_and_its_history_says_so() {
    let (w, team) = world().await;
    json(
        w.app
            .put(
                &member_path(&team, w.agent.user.id),
                &w.manager.token,
                &json!({"share_percent": 100}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let raised = json(
        w.app
            .post(
                "/api/v1/requests",
                &w.leeds_customer.token,
                &json!({"contract_id": w.contract, "service_id": w.repairs, "kind": "incident", "subject": LEAK}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(raised["team_id"], Value::Null);
    let path = format!("/api/v1/requests/{}/assignment", id_of(&raised));
    let body = json!({"team_id": team.id, "assignee_id": w.agent.user.id});
    // The customer sees the request but may not assign it.
    problem(
        w.app.put(&path, &w.leeds_customer.token, &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let done = json(
        w.app.put(&path, &w.agent.token, &body).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["request"]["team_id"], team.id.to_string());
    assert_eq!(done["request"]["assignee_id"], w.agent.user.id.to_string());
    assert_eq!(done["events"][0]["kind"], "assigned");
    assert_eq!(done["events"][0]["public"], false);
    // Someone outside the team is no assignee; an unknown team is no team.
    let refused = problem(
        w.app
            .put(
                &path,
                &w.agent.token,
                &json!({"team_id": team.id, "assignee_id": w.client.user.id}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(fields(&refused), ["assignee_id"]);
    let refused = problem(
        w.app
            .put(&path, &w.agent.token, &json!({"team_id": w.leeds.id}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(fields(&refused), ["team_id"]);
    // The customer's timeline does not show the internal assignment.
    let events = json(
        w.app
            .get(
                &format!("/api/v1/requests/{}/events", id_of(&raised)),
                &w.leeds_customer.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        !events.to_string().contains("assigned"),
        "the customer sees no assignment: {events}"
    );
}
