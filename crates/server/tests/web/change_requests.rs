//! Change requests on the contract page: a refused proposal comes back as
//! typed; a change that conflicts with a version applied since says so,
//! and is redrafted against the latest version and resubmitted from the
//! page.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Persona, TestApp, json as body, spawn_app};
use crate::support::{Browser, Page, assert_see_other};

/// Brightwell's FM contract for Harbour's Leeds store, steered by Harbour's
/// client contact alone, with version 1 in force (urgent repairs: first
/// response 4h).
struct Contract {
    app: TestApp,
    manager: Persona,
    client: Persona,
    repairs: String,
    id: String,
}

fn terms(service: &str, first_response: &str) -> Value {
    json!({ "sla": [{ "service_id": service, "priority": "urgent", "first_response": first_response, "resolution": "24h" }] })
}

async fn contract() -> Contract {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let head_office = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let leeds = app
        .party(PartyKind::Site, "Harbour Leeds", Some(head_office.id))
        .await;
    let manager = app
        .persona(
            "maya@brightwell.example",
            Some(provider.id),
            &[(Role::Manager, provider.id)],
        )
        .await;
    let client = app
        .persona(
            "claire@harbour.example",
            Some(head_office.id),
            &[(Role::Client, head_office.id)],
        )
        .await;
    let service = body(
        app.post(
            "/api/v1/services",
            &admin.token,
            &json!({ "provider_id": provider.id, "name": "Reactive maintenance" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let repairs = service["id"].as_str().expect("id").to_owned();
    let c = body(
        app.post(
            "/api/v1/contracts",
            &admin.token,
            &json!({ "name": "Harbour FM", "provider_id": provider.id, "client_id": head_office.id, "customer_ids": [leeds.id], "service_ids": [repairs], "steering_group": [client.user.id], "quorum": "all" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = c["id"].as_str().expect("id").to_owned();
    body(
        app.post(
            &format!("/api/v1/contracts/{id}/terms/versions"),
            &manager.token,
            &json!({ "effective_from": "2025-01-01T00:00:00Z", "terms": terms(&repairs, "4h") }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    Contract {
        app,
        manager,
        client,
        repairs,
        id,
    }
}

impl Contract {
    fn page(&self) -> String {
        format!("/contracts/{}", self.id)
    }

    /// A change of the urgent first response, raised through the API
    /// against version 1, submitted and approved.
    async fn approved(&self, first_response: &str) -> String {
        let cr = body(
            self.app
                .post(
                    &format!("/api/v1/contracts/{}/change-requests", self.id),
                    &self.manager.token,
                    &json!({ "title": format!("First response {first_response}"), "rationale": "Stores asked.", "changes": { "terms": terms(&self.repairs, first_response) } }),
                )
                .await,
            StatusCode::CREATED,
        )
        .await;
        let id = cr["id"].as_str().expect("id").to_owned();
        for (who, step) in [(&self.manager, "submit"), (&self.client, "approve")] {
            body(
                self.app
                    .post(
                        &format!("/api/v1/change-requests/{id}/{step}"),
                        &who.token,
                        &json!({}),
                    )
                    .await,
                StatusCode::OK,
            )
            .await;
        }
        id
    }

    async fn read(&self, cr: &str) -> Value {
        body(
            self.app
                .get(
                    &format!("/api/v1/change-requests/{cr}"),
                    &self.manager.token,
                )
                .await,
            StatusCode::OK,
        )
        .await
    }
}

#[tokio::test]
async fn a_change_request_refused_for_bad_terms_keeps_what_was_typed() {
    let c = contract().await;
    let maya = Browser::signed_in(&c.app, "maya@brightwell.example").await;
    let bad_terms = "[[sla]]\npriority = \"urgent\"\nfirst_response = \"soon\"\n";

    let response = maya
        .submit(
            &c.page(),
            &format!("/contracts/{}/change-requests", c.id),
            &[
                ("title", "Urgent repairs answered in 2 hours"),
                (
                    "rationale",
                    "Leaks close the tills; stores asked at the review.",
                ),
                ("base_version", "1"),
                ("terms", bad_terms),
            ],
        )
        .await;

    let page = Page::read(response).await;
    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.count("details#raise[open]"), 1, "the form is open");
    assert_eq!(
        page.attr("#cr-title", "value"),
        "Urgent repairs answered in 2 hours"
    );
    assert_eq!(
        page.text("#cr-rationale"),
        "Leaks close the tills; stores asked at the review."
    );
    assert_eq!(page.raw_text("#cr-terms"), bad_terms);
    assert!(
        page.text("#raise .form-error")
            .contains("Proposed terms: is not valid terms"),
        "says what is wrong: {}",
        page.text("#raise .form-error")
    );
}

#[tokio::test]
async fn a_conflicting_change_says_what_changed_since_and_is_redrafted_from_the_page() {
    let c = contract().await;
    let two = c.approved("2h").await;
    let one = c.approved("1h").await;
    body(
        c.app
            .post(
                &format!("/api/v1/change-requests/{two}/apply"),
                &c.manager.token,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let maya = Browser::signed_in(&c.app, "maya@brightwell.example").await;

    let before = maya.page(&c.page()).await;

    let card = format!("#cr-{one}");
    assert_eq!(
        before.texts(&format!("{card} .conflicts li")),
        [
            "Reactive maintenance (urgent), first response: this change makes it 1h (from 4h), but it has since become 2h"
        ]
    );
    let refused = maya
        .submit(
            &c.page(),
            &format!("/contracts/{}/change-requests/{one}/apply", c.id),
            &[],
        )
        .await;
    assert_see_other(&refused, &format!("/contracts/{}#change-requests", c.id));
    assert_eq!(c.read(&one).await["status"], "approved", "not applied");

    let redrafted = maya
        .submit(
            &c.page(),
            &format!("/contracts/{}/change-requests/{one}/redraft", c.id),
            &[],
        )
        .await;
    assert_see_other(&redrafted, &format!("/contracts/{}#change-requests", c.id));
    let draft = maya.page(&c.page()).await;
    let form = format!("{card} .edit-draft form");
    assert_eq!(
        draft.attr(&format!("{form} input[name=base_version]"), "value"),
        "2"
    );
    let shown = draft.raw_text(&format!("{form} textarea[name=terms]"));
    assert!(
        shown.contains("first_response = \"2h\""),
        "where it conflicts, version 2's value is shown: {shown}"
    );

    let saved = maya
        .submit(
            &c.page(),
            &format!("/contracts/{}/change-requests/{one}/edit", c.id),
            &[
                ("title", "First response 1h"),
                ("rationale", "Stores asked."),
                ("base_version", "2"),
                ("terms", &shown.replace("\"2h\"", "\"1h\"")),
            ],
        )
        .await;

    assert_see_other(&saved, &format!("/contracts/{}#change-requests", c.id));
    let now = c.read(&one).await;
    assert_eq!(now["status"], "submitted");
    assert_eq!(now["base_version"], 2);
    assert_eq!(now["decisions"], json!([]));
    let after = maya.page(&c.page()).await;
    assert_eq!(
        after.texts(&format!("{card} .proposed li")),
        ["Reactive maintenance (urgent): first response 2h → 1h"]
    );
}

#[tokio::test]
async fn a_button_the_page_does_not_have_is_not_found() {
    let c = contract().await;
    let cr = c.approved("2h").await;
    let maya = Browser::signed_in(&c.app, "maya@brightwell.example").await;

    let response = maya
        .submit(
            &c.page(),
            &format!("/contracts/{}/change-requests/{cr}/explode", c.id),
            &[],
        )
        .await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(c.read(&cr).await["status"], "approved");
}
