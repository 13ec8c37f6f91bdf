//! The home page: each person lands where their work is, with a menu of
//! only what they use. A store's people read what happens next in words
//! and see only their own store's requests; the client sees the contract
//! across its sites; a manager what needs a decision; the steering group
//! decides change requests from there.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::json;
use crate::requests::{LEAK, world};
use crate::support::{Page, assert_see_other};

/// The main menu's entries, in order.
fn menu(page: &Page) -> Vec<String> {
    page.texts("nav[aria-label=Main] a")
}

#[tokio::test]
async fn a_store_manager_reads_what_happens_next_in_words_and_only_for_their_store() {
    let w = world().await;
    w.raise(LEAK).await;
    json(
        w.app
            .post(
                "/api/v1/requests",
                &w.york_customer.token,
                &json!({ "contract_id": w.contract, "service_id": w.repairs,
                         "kind": "incident", "subject": "York door sticks" }),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let leeds = w.browser(&w.leeds_customer).await;

    let home = leeds.page("/").await;

    home.assert_status(StatusCode::OK);
    assert_eq!(menu(&home), ["Home", "My requests", "Raise a request"]);
    assert_eq!(home.count("#raise-link"), 1, "a prominent raise button");
    assert_eq!(home.texts("#home-mine .card > a"), [LEAK]);
    let said = home.text("#home-mine .card .next");
    assert!(said.starts_with("We will reply by "), "{said}");
    let mine = home.text("#home-mine");
    for jargon in [
        "first response",
        "resolution",
        "running",
        "stopped",
        "awaiting_customer",
    ] {
        assert!(!mine.contains(jargon), "{jargon} in {mine}");
    }
    assert!(!home.text("main").contains("York door sticks"));
    assert_eq!(home.count("#home-queue, #home-contracts, #home-changes"), 0);
    assert_eq!(
        home.attrs("details.account a", "href"),
        ["/account", "/tokens", "/api/v1/openapi.json"],
        "tokens and the API's document are in the account menu"
    );
}

#[tokio::test]
async fn a_client_sees_the_contract_across_its_sites_and_a_manager_what_needs_a_decision() {
    let w = world().await;
    let leak = crate::requests::id_of(&w.raise(LEAK).await);
    let client = w.browser(&w.client).await;
    let manager = w.browser(&w.manager).await;

    let overview = client.page("/").await;
    let decisions = manager.page("/").await;

    overview.assert_status(StatusCode::OK);
    assert_eq!(
        menu(&overview),
        ["Home", "Requests", "Raise a request", "Contracts", "Chain"]
    );
    let sites = overview.texts("#home-contracts table.sites tbody th");
    assert!(sites.iter().any(|s| s.contains("Leeds")), "{sites:?}");
    assert_eq!(
        overview.text("#home-contracts table.sites tbody td[data-label=Open]"),
        "1"
    );
    assert_eq!(
        overview.count("#home-contracts .quiet-sites"),
        1,
        "York: nothing open"
    );

    decisions.assert_status(StatusCode::OK);
    assert_eq!(
        menu(&decisions),
        [
            "Home",
            "Requests",
            "At risk",
            "Contracts",
            "Chain",
            "Teams",
            "Manage"
        ]
    );
    assert_eq!(
        decisions.attrs("#home-queue tbody td.subject a", "href"),
        [format!("/requests/{leak}")]
    );
    assert_eq!(decisions.count("#home-at-risk"), 1);
    assert_eq!(decisions.count("#home-upstream"), 1);
    assert_eq!(decisions.count("#home-mine"), 0);
}

#[tokio::test]
async fn the_steering_group_decides_a_change_request_from_home() {
    let w = world().await;
    let cr = json(
        w.app
            .post(
                &format!("/api/v1/contracts/{}/change-requests", w.contract),
                &w.manager.token,
                &json!({ "title": "Faster repairs", "rationale": "Stores asked.",
                         "changes": { "terms": { "sla": [{ "service_id": w.repairs,
                             "priority": "normal", "first_response": "1h", "resolution": "16h" }] } } }),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = cr["id"].as_str().expect("an id").to_owned();
    json(
        w.app
            .post(
                &format!("/api/v1/change-requests/{id}/submit"),
                &w.manager.token,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let client = w.browser(&w.client).await;

    let home = client.page("/").await;

    let article = format!("#home-cr-{id}");
    assert_eq!(home.text(&format!("{article} h3")), "Faster repairs");
    assert_eq!(home.text(&format!("{article} .rationale")), "Stores asked.");
    let diff = home.texts(&format!("{article} ul.diff li"));
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert!(diff[0].contains("first response 2h → 1h"), "{diff:?}");
    let action = home.attr(&format!("{article} form.decide"), "action");
    let approved = client
        .submit("/", &action, &[("comment", "Agreed."), ("back", "home")])
        .await;
    assert_see_other(&approved, "/");
    let after = client.page("/").await;
    assert_eq!(after.flash().as_deref(), Some("Approved."));
    assert_eq!(after.count(&article), 0, "decided: no longer waiting");
    let read = json(
        w.app
            .get(&format!("/api/v1/change-requests/{id}"), &w.manager.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["status"], "approved");
    let manager_home = w.browser(&w.manager).await.page("/").await;
    assert_eq!(
        manager_home.count(&format!("{article} button.apply")),
        1,
        "the manager is asked to apply it"
    );
}

#[tokio::test]
async fn the_set_up_pages_are_under_one_entry_for_those_who_set_up() {
    let w = world().await;

    let admin = w.browser(&w.admin).await.page("/admin").await;
    let manager = w.browser(&w.manager).await.page("/admin").await;
    let customer = w.browser(&w.leeds_customer).await.page("/admin").await;

    admin.assert_status(StatusCode::OK);
    assert_eq!(
        admin.attrs("#set-up a", "href"),
        [
            "/parties",
            "/users",
            "/webhooks",
            "/services",
            "/calendars",
            "/admin/outbox",
            "/admin/mail"
        ]
    );
    manager.assert_status(StatusCode::OK);
    assert_eq!(
        manager.attrs("#set-up a", "href"),
        ["/parties", "/webhooks", "/services", "/calendars"]
    );
    customer.assert_status(StatusCode::NOT_FOUND);
}
