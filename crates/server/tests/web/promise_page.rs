//! The promise on a request's page: the agent makes it and proposes a new
//! date with plain forms; the customer reads the reason and agrees in the
//! portal; another store's customer sees none of it.

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::Value;

use crate::harbour::{LEAK, id_of, world_on};
use crate::helpers::{json, spawn_app};
use crate::support::{Browser, location};

#[tokio::test]
async fn an_agent_promises_and_proposes_and_the_customer_agrees_in_the_portal() {
    let w = world_on(spawn_app().await).await;
    let id = id_of(&w.raise(LEAK).await);
    let page_path = format!("/requests/{id}");

    let agent = Browser::signed_in(&w.app, w.agent.user.email.as_str()).await;
    let page = agent.page(&page_path).await;
    assert_eq!(page.count("#promise-form"), 1, "no promise yet: the form");
    let made = agent
        .submit(
            &page_path,
            &format!("{page_path}/promise"),
            &[("choice", "")],
        )
        .await;
    assert_eq!(location(&made), page_path);
    let page = agent.page(&page_path).await;
    assert!(
        page.flash().is_some_and(|f| f.starts_with("Promised by")),
        "{:?}",
        page.flash()
    );
    assert!(page.text("#promised").starts_with("Promised by"));

    let new_date = Timestamp::now() + SignedDuration::from_hours(72);
    let typed = new_date.strftime("%Y-%m-%dT%H:%M").to_string();
    agent
        .submit(
            &page_path,
            &format!("{page_path}/promise/proposals"),
            &[
                ("date", typed.as_str()),
                ("reason", "The parts are on order"),
            ],
        )
        .await;
    let page = agent.page(&page_path).await;
    assert!(
        page.text("#proposed").contains("waiting for the customer"),
        "{}",
        page.text("#promise")
    );

    // Another store's customer learns nothing.
    let york = Browser::signed_in(&w.app, w.york_customer.user.email.as_str()).await;
    york.page(&page_path)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    let customer = Browser::signed_in(&w.app, w.leeds_customer.user.email.as_str()).await;
    let page = customer.page(&page_path).await;
    assert!(page.text("#answer-form").contains("The parts are on order"));
    let action = page.attr("#answer-form", "action");
    let agreed = customer
        .submit(
            &page_path,
            &action,
            &[("request_id", id.as_str()), ("choice", "agree")],
        )
        .await;
    assert_eq!(location(&agreed), page_path);
    let page = customer.page(&page_path).await;
    assert!(
        page.flash().is_some_and(|f| f.starts_with("Agreed")),
        "{:?}",
        page.flash()
    );
    assert_eq!(page.count("#answer-form"), 0, "answered: the form is gone");

    let view: Value = json(
        w.app
            .get(
                &format!("/api/v1/requests/{id}/promise"),
                &w.leeds_customer.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(view["proposals"][0]["answered_via"], "portal");
    assert_eq!(view["promise"]["renegotiations"], 1);
}
