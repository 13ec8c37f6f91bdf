//! Requests along the chain on their pages: the provider's agent escalates
//! a request to a supplier up the chain, the supplier sees who waits on it
//! down the chain, and the supplier's reply comes back to the agent as an
//! internal event; the customer sees none of it.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Persona, json};
use crate::requests::{LEAK, World, created, id_of, page_of, world};
use crate::support::{Browser, Page, assert_see_other};

/// What the agent asks the supplier.
const BURST: &str = "Burst pipe under the stockroom floor";

/// Pipeworks supplies Brightwell (a link up the chain) under a supplier
/// contract whose provider is Pipeworks and whose client and customer is
/// Brightwell, for specialist plumbing.
struct Supplier {
    /// A person of Pipeworks.
    person: Persona,
    contract: String,
}

async fn supplier(w: &World) -> Supplier {
    let party = w
        .app
        .party(PartyKind::Organisation, "Pipeworks", None)
        .await;
    let person = w
        .app
        .persona(
            "pat@pipeworks.example",
            Some(party.id),
            &[(Role::Supplier, party.id)],
        )
        .await;
    created(
        &w.app,
        &w.admin.token,
        "/api/v1/links",
        json!({ "supplier_id": party.id, "customer_id": w.provider.id }),
    )
    .await;
    let plumbing = id_of(
        &created(
            &w.app,
            &w.admin.token,
            "/api/v1/services",
            json!({ "provider_id": party.id, "name": "Specialist plumbing" }),
        )
        .await,
    );
    let contract = id_of(
        &created(
            &w.app,
            &w.admin.token,
            "/api/v1/contracts",
            json!({
                "name": "Pipeworks for Brightwell", "provider_id": party.id,
                "client_id": w.provider.id, "customer_ids": [w.provider.id],
                "service_ids": [plumbing],
                "steering_group": [w.manager.user.id], "quorum": "all"
            }),
        )
        .await,
    );
    Supplier { person, contract }
}

/// Escalates the request at `path` from its page as `agent`, under the
/// supplier `contract`; returns the page after it.
async fn escalate(agent: &Browser<'_>, path: &str, contract: &str) -> Page {
    let response = agent
        .submit(
            path,
            &format!("{path}/escalations"),
            &[("contract_id", contract), ("subject", BURST)],
        )
        .await;
    assert_see_other(&response, path);
    agent.page(path).await
}

#[tokio::test]
async fn the_agent_escalates_from_the_page_and_the_supplier_sees_who_waits_down_the_chain() {
    let w = world().await;
    let pipeworks = supplier(&w).await;
    let down = w.raise(LEAK).await;
    let path = page_of(&id_of(&down));
    let agent = w.browser(&w.agent).await;
    let before = agent.page(&path).await;

    let after = escalate(&agent, &path, &pipeworks.contract).await;

    assert_eq!(
        before.texts("#escalate select[name=contract_id] option"),
        ["Pipeworks for Brightwell"]
    );
    let flash = after.flash().expect("a flash message");
    let number: i64 = flash
        .strip_prefix("Escalated up the chain as request #")
        .and_then(|rest| rest.strip_suffix('.'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the new request named in: {flash}"));
    let upstream = after.text("#upstream");
    assert!(
        upstream.contains(&format!("#{number} {BURST}")),
        "{upstream}"
    );
    assert!(upstream.contains("with Pipeworks"), "{upstream}");
    let up_path = after.attr("#upstream a", "href");
    let escalated = after.texts("#timeline li.event-escalated.internal");
    assert_eq!(escalated.len(), 1, "{escalated:?}");
    assert!(escalated[0].contains(&format!("escalated it up the chain as request #{number}")));
    let supplier = w.browser(&pipeworks.person).await;
    let queue = supplier.page("/requests").await;
    assert_eq!(queue.texts("#queue tbody td:nth-child(2) a"), [BURST]);
    let up = supplier.page(&up_path).await;
    up.assert_status(StatusCode::OK);
    assert_eq!(up.text("h1"), format!("#{number} {BURST}"));
    assert_eq!(up.fact("Customer"), "Brightwell");
    let waiting = up.text("#downstream");
    assert!(
        waiting.contains(&format!("Request #{} for Harbour Leeds", down["number"])),
        "{waiting}"
    );
    assert_eq!(up.count("#downstream a"), 0, "not the supplier's to open");
    assert!(!up.body.contains(LEAK), "the downstream subject stays ours");
    assert_eq!(up.texts("#affected li"), ["Harbour Leeds"]);
}

#[tokio::test]
async fn the_suppliers_reply_reaches_the_agent_as_an_internal_upstream_event() {
    let w = world().await;
    let pipeworks = supplier(&w).await;
    let path = page_of(&id_of(&w.raise(LEAK).await));
    let agent = w.browser(&w.agent).await;
    let up_path = escalate(&agent, &path, &pipeworks.contract)
        .await
        .attr("#upstream a", "href");
    let supplier = w.browser(&pipeworks.person).await;

    let replied = supplier
        .submit(
            &up_path,
            &format!("{up_path}/replies"),
            &[("body", "A specialist comes tomorrow at eight")],
        )
        .await;

    assert_see_other(&replied, &up_path);
    let as_agent = agent.page(&path).await;
    let relayed = as_agent.texts("#timeline li.event-upstream");
    assert_eq!(relayed.len(), 1, "{relayed:?}");
    assert!(relayed[0].contains("the supplier replied"), "{relayed:?}");
    assert!(relayed[0].contains("A specialist comes tomorrow at eight"));
    assert_eq!(as_agent.count("#timeline li.event-upstream.internal"), 1);
    assert_eq!(as_agent.count("#answers"), 0, "the agent has the timeline");
    let as_customer = w.browser(&w.leeds_customer).await.page(&path).await;
    assert_eq!(as_customer.count("#timeline li.internal"), 0);
    assert_eq!(as_customer.count("#timeline li.event-upstream"), 0);
}

#[tokio::test]
async fn a_customer_whose_request_was_escalated_is_told_the_suppliers_answer_and_no_note() {
    let w = world().await;
    let pipeworks = supplier(&w).await;
    let id = id_of(&w.raise(LEAK).await);
    let path = page_of(&id);
    let agent = w.browser(&w.agent).await;
    let up_path = escalate(&agent, &path, &pipeworks.contract)
        .await
        .attr("#upstream a", "href");
    let up = up_path.trim_start_matches("/requests/").to_owned();
    let supplier = w.browser(&pipeworks.person).await;
    let before = w.browser(&w.leeds_customer).await.page(&path).await;

    for (body, note) in [
        ("Invoice Brightwell at the emergency rate", true),
        ("A specialist comes tomorrow at eight", false),
    ] {
        let mut fields = vec![("body", body)];
        if note {
            fields.push(("internal", "note"));
        }
        supplier
            .submit(&up_path, &format!("{up_path}/replies"), &fields)
            .await;
    }
    agent
        .submit(
            &path,
            &format!("{path}/replies"),
            &[("body", "Pipeworks are slow again"), ("internal", "note")],
        )
        .await;
    for action in ["acknowledge", "fulfil"] {
        json(
            w.app
                .post(
                    &format!("/api/v1/requests/{up}/actions"),
                    &pipeworks.person.token,
                    &serde_json::json!({ "action": action }),
                )
                .await,
            StatusCode::OK,
        )
        .await;
    }
    let after = w.browser(&w.leeds_customer).await.page(&path).await;
    let chain = json(
        w.app
            .get(
                &format!("/api/v1/requests/{id}/chain"),
                &w.leeds_customer.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;

    assert_eq!(before.count("#answers"), 0, "nothing came back yet");
    after.assert_status(StatusCode::OK);
    assert_eq!(
        after.texts("#answers li strong"),
        [
            "The supplier replied",
            "The supplier has done what was asked"
        ]
    );
    assert_eq!(
        after.texts("#answers .body"),
        ["A specialist comes tomorrow at eight"]
    );
    for hidden in [
        "emergency rate",
        "slow again",
        "Pipeworks",
        BURST,
        "escalated",
    ] {
        assert!(!after.body.contains(hidden), "{hidden} shows");
    }
    assert_eq!(after.count("#timeline li.internal"), 0);
    assert_eq!(
        chain["answers"][0]["reply"],
        "A specialist comes tomorrow at eight"
    );
    assert_eq!(chain["answers"][1]["reply"], serde_json::Value::Null);
    assert_eq!(chain["upstream"], serde_json::json!([]));
}

#[tokio::test]
async fn the_raise_form_offers_to_ask_a_supplier_up_the_chain_and_routes_the_question_there() {
    let w = world().await;
    let browser = w.browser(&w.leeds_customer).await;
    let form = format!("/requests/new?contract={}", w.contract);
    let without_supplier = browser.page(&form).await;
    let pipeworks = supplier(&w).await;
    let with_supplier = browser.page(&form).await;
    let plumbing = with_supplier.attr("#a-service option", "value");
    let leeds = w.leeds.id.to_string();
    let question = "Can the new pipes take water at 90 degrees?";

    let asked = browser
        .submit(
            &form,
            "/requests",
            &[
                ("contract_id", &w.contract),
                ("kind", "question"),
                ("priority", "normal"),
                ("customer_id", &leeds),
                ("service_id", &plumbing),
                ("subject", question),
                ("description", "For the bakery's dishwasher."),
            ],
        )
        .await;

    assert_eq!(without_supplier.count("#ask"), 0);
    assert_eq!(
        with_supplier.texts("#a-service option"),
        ["Ask Pipeworks about: Specialist plumbing"]
    );
    assert_eq!(
        with_supplier.texts("#r-service option"),
        ["Reactive maintenance"],
        "the contract's own services stay in the main form"
    );
    assert_eq!(
        with_supplier.attr("#ask-form input[name=kind]", "value"),
        "question"
    );
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    let mine = browser.page(&crate::support::location(&asked)).await;
    mine.assert_status(StatusCode::OK);
    assert!(mine.text("#upstream").contains("with Pipeworks"));
    assert_eq!(mine.fact("Service"), "Specialist plumbing");
    assert_eq!(
        mine.count("dl.facts a[href^='/services/']"),
        0,
        "the supplier's service page is not the customer's to open"
    );
    let theirs = w.browser(&pipeworks.person).await.page("/requests").await;
    assert_eq!(theirs.texts("#queue tbody td:nth-child(2) a"), [question]);
}

#[tokio::test]
async fn the_customer_sees_no_escalation_nor_the_supplier_on_their_requests_page() {
    let w = world().await;
    let pipeworks = supplier(&w).await;
    let path = page_of(&id_of(&w.raise(LEAK).await));
    let agent = w.browser(&w.agent).await;
    escalate(&agent, &path, &pipeworks.contract).await;

    let as_customer = w.browser(&w.leeds_customer).await.page(&path).await;

    as_customer.assert_status(StatusCode::OK);
    assert_eq!(as_customer.count("#upstream"), 0);
    assert_eq!(as_customer.count("#escalate"), 0);
    assert!(!as_customer.body.contains("Pipeworks"));
    assert!(!as_customer.body.contains(BURST));
}

#[tokio::test]
async fn escalating_a_finished_request_or_without_a_supplier_contract_is_not_offered() {
    let w = world().await;
    let id = id_of(&w.raise(LEAK).await);
    let path = page_of(&id);
    let agent = w.browser(&w.agent).await;
    let without_supplier = agent.page(&path).await;
    let pipeworks = supplier(&w).await;
    w.act(&id, "acknowledge").await;
    w.act(&id, "fulfil").await;

    let finished = agent.page(&path).await;
    let forced = agent
        .submit(
            &path,
            &format!("{path}/escalations"),
            &[("contract_id", &pipeworks.contract), ("subject", BURST)],
        )
        .await;

    assert_eq!(without_supplier.count("#escalate"), 0);
    assert_eq!(finished.count("#escalate"), 0);
    assert_see_other(&forced, &path);
    let flash = agent.page(&path).await.flash().expect("a flash message");
    assert!(flash.contains("reopen it before escalating"), "{flash}");
    let ups = json(
        w.app
            .get(
                &format!("/api/v1/requests?escalated_from={id}"),
                &w.admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ups["items"].as_array().map(Vec::len), Some(0));
}
