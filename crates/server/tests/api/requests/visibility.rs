//! Who sees a request: the provider's people, the client's contact, the
//! customer's people and the requester; another site of the same client
//! and strangers get 404 and never find it in a list. Internal notes are
//! the provider's alone.

use reqwest::StatusCode;
use serde_json::json;

use super::{World, event_kinds, id_of, request_path, world};
use crate::helpers::{Persona, json, problem};

/// Every way `who` could reach request `id` answers 404.
async fn hidden_from(w: &World, who: &Persona, id: &str) {
    let path = request_path(id);
    let responses = [
        ("GET", w.app.get(&path, &who.token).await),
        (
            "events",
            w.app.get(&format!("{path}/events"), &who.token).await,
        ),
        (
            "actions",
            w.app
                .post(
                    &format!("{path}/actions"),
                    &who.token,
                    &json!({ "action": "close" }),
                )
                .await,
        ),
        (
            "cancel",
            w.app
                .post(
                    &format!("{path}/actions"),
                    &who.token,
                    &json!({ "action": "cancel", "reason": "Not ours" }),
                )
                .await,
        ),
        (
            "replies",
            w.app
                .post(
                    &format!("{path}/replies"),
                    &who.token,
                    &json!({ "body": "Hello?" }),
                )
                .await,
        ),
        (
            "notes",
            w.app
                .post(
                    &format!("{path}/notes"),
                    &who.token,
                    &json!({ "body": "Hello?" }),
                )
                .await,
        ),
    ];
    for (what, response) in responses {
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{what}");
        problem(response, StatusCode::NOT_FOUND, "not-found").await;
    }
    let listed = w.listed(who, "").await;
    assert!(!listed.contains(&id.to_owned()), "{}", who.user.email);
    let by_contract = w.listed(who, &format!("?contract_id={}", w.contract)).await;
    assert!(by_contract.is_empty(), "{by_contract:?}");
}

#[tokio::test]
async fn the_provider_the_client_and_the_requester_see_a_request_and_find_it_listed() {
    let w = world().await;
    let id = w.leak().await;

    for who in [&w.admin, &w.manager, &w.agent, &w.client, &w.leeds_customer] {
        let read = w.read(who, &id).await;
        let listed = w.listed(who, "").await;
        let events = w.events(who, &id).await;

        assert_eq!(read["id"], id, "{}", who.user.email);
        assert_eq!(listed, vec![id.clone()], "{}", who.user.email);
        assert_eq!(
            event_kinds(&events),
            ["created", "promise_made"],
            "{}",
            who.user.email
        );
    }
}

#[tokio::test]
async fn another_site_of_the_client_and_a_stranger_get_404_everywhere() {
    let w = world().await;
    let id = w.leak().await;

    hidden_from(&w, &w.york_customer, &id).await;
    hidden_from(&w, &w.stranger, &id).await;

    let after = w.read(&w.agent, &id).await;
    assert_eq!(after["status"], "new");
    assert_eq!(
        w.events(&w.agent, &id).await.as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn each_site_sees_its_own_requests_and_the_client_sees_both() {
    let w = world().await;
    let leeds = w.leak().await;
    let york = id_of(
        &w.raise(
            &w.york_customer,
            json!({ "subject": "Flickering lights in aisle 3" }),
        )
        .await,
    );

    let mut for_client = w.listed(&w.client, "").await;
    let mut for_agent = w.listed(&w.agent, "").await;
    for_client.sort();
    for_agent.sort();
    let mut both = vec![leeds.clone(), york.clone()];
    both.sort();

    assert_eq!(w.listed(&w.leeds_customer, "").await, vec![leeds.clone()]);
    assert_eq!(w.listed(&w.york_customer, "").await, vec![york.clone()]);
    assert_eq!(for_client, both);
    assert_eq!(for_agent, both);
    problem(
        w.app
            .get(&request_path(&york), &w.leeds_customer.token)
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn the_requester_sees_a_request_raised_for_them_at_another_site() {
    let w = world().await;
    // The provider raises a Leeds request on behalf of York's Yara, who
    // reported it while visiting.
    let id = id_of(
        &w.raise(
            &w.agent,
            json!({ "customer_id": w.leeds.id, "requester_id": w.york_customer.user.id }),
        )
        .await,
    );

    let read = w.read(&w.york_customer, &id).await;
    let listed = w.listed(&w.york_customer, "").await;
    let reply = w
        .reply(&w.york_customer, &id, "Thanks for logging it")
        .await;

    assert_eq!(read["requester_id"], w.york_customer.user.id.to_string());
    assert_eq!(listed, vec![id.clone()]);
    assert_eq!(reply["events"][0]["data"]["side"], "customer");
}

#[tokio::test]
async fn internal_notes_are_shown_to_the_provider_only() {
    let w = world().await;
    let id = w.leak().await;

    let noted = json(
        w.try_write(&w.agent, &id, "notes", "Customer was rude on the phone")
            .await,
        StatusCode::CREATED,
    )
    .await;
    w.reply(&w.agent, &id, "A plumber is on the way.").await;

    assert_eq!(noted["events"][0]["kind"], "note");
    assert_eq!(noted["events"][0]["public"], false);
    assert_eq!(noted["request"]["status"], "new");
    for who in [&w.agent, &w.manager, &w.admin] {
        assert_eq!(
            event_kinds(&w.events(who, &id).await),
            ["created", "promise_made", "note", "reply"],
            "{}",
            who.user.email
        );
    }
    for who in [&w.leeds_customer, &w.client] {
        let events = w.events(who, &id).await;
        assert_eq!(
            event_kinds(&events),
            ["created", "promise_made", "reply"],
            "{}",
            who.user.email
        );
        assert!(
            !events.to_string().contains("rude"),
            "{}: {events}",
            who.user.email
        );
    }
}

#[tokio::test]
async fn a_customer_or_the_client_cannot_write_notes() {
    let w = world().await;
    let id = w.leak().await;

    let by_customer = w.try_write(&w.leeds_customer, &id, "notes", "Psst").await;
    let by_client = w.try_write(&w.client, &id, "notes", "Psst").await;

    let by_customer = problem(by_customer, StatusCode::FORBIDDEN, "forbidden").await;
    problem(by_client, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(
        by_customer["detail"]
            .as_str()
            .is_some_and(|d| d.contains("internal notes")),
        "{by_customer}"
    );
    assert_eq!(
        event_kinds(&w.events(&w.agent, &id).await),
        ["created", "promise_made"]
    );
}
