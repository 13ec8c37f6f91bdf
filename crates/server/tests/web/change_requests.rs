//! Change requests from the pages: the structured form (the terms as a
//! table by service and priority, KPIs, scope items), reviewed before it is
//! raised; a refused proposal comes back as typed; a change that conflicts
//! with a version applied since says so, and is redrafted against the
//! latest version and resubmitted from its form.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;
use scraper::ElementRef;
use serde_json::{Value, json};

use crate::helpers::{Persona, TestApp, json as body, spawn_app};
use crate::support::{Browser, Page, assert_see_other, selector};

mod form;

/// Brightwell's FM contract for Harbour's Leeds store, steered by Harbour's
/// client contact alone, with version 1 in force (urgent repairs: first
/// response 4h).
struct Contract {
    app: TestApp,
    manager: Persona,
    client: Persona,
    repairs: String,
    /// The provider's other service, not on the contract.
    cleaning: String,
    /// A store manager at Leeds, who may not raise change requests.
    customer: Persona,
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
    let other = body(
        app.post(
            "/api/v1/services",
            &admin.token,
            &json!({ "provider_id": provider.id, "name": "Cleaning" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let cleaning = other["id"].as_str().expect("id").to_owned();
    let customer = app
        .persona(
            "tom@harbour.example",
            Some(leeds.id),
            &[(Role::Customer, leeds.id)],
        )
        .await;
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
        cleaning,
        customer,
        id,
    }
}

impl Contract {
    fn page(&self) -> String {
        format!("/contracts/{}", self.id)
    }

    fn new_form(&self) -> String {
        format!("/contracts/{}/change-requests/new", self.id)
    }

    fn review(&self) -> String {
        format!("/contracts/{}/change-requests/review", self.id)
    }

    fn raise(&self) -> String {
        format!("/contracts/{}/change-requests", self.id)
    }

    /// The name of an SLA cell of urgent repairs.
    fn urgent(&self, target: &str) -> String {
        format!("sla.{}.urgent.{target}", self.repairs)
    }

    /// The change requests on the contract, newest first.
    async fn changes(&self) -> Vec<Value> {
        let page = body(
            self.app
                .get(
                    &format!("/api/v1/change-requests?contract_id={}", self.id),
                    &self.manager.token,
                )
                .await,
            StatusCode::OK,
        )
        .await;
        page["items"].as_array().expect("items").clone()
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
    let edit = draft.attr(&format!("{card} .edit-draft a"), "href");
    assert_eq!(
        edit,
        format!("/contracts/{}/change-requests/{one}/edit", c.id)
    );
    let page = maya.page(&edit).await;
    page.assert_status(StatusCode::OK);
    let mut form = Form::of(&page);
    assert_eq!(form.get("base_version"), "2");
    assert_eq!(
        form.get(&c.urgent("first_response")),
        "2h",
        "where it conflicts, version 2's value is shown"
    );
    assert_eq!(form.get("title"), "First response 1h");
    form.set(&c.urgent("first_response"), "1h");
    let reviewed = Page::read(
        maya.post(
            &format!("/contracts/{}/change-requests/{one}/review", c.id),
            &form.pairs(),
        )
        .await,
    )
    .await;
    reviewed.assert_status(StatusCode::OK);
    assert_eq!(
        reviewed.texts("#review li"),
        ["Reactive maintenance (urgent): first response 2h → 1h"]
    );
    assert_eq!(reviewed.text("#cr-submit"), "Save and submit");

    let saved = maya
        .post(
            &reviewed.attr("#cr-submit", "formaction"),
            &Form::of(&reviewed).pairs(),
        )
        .await;

    assert_see_other(&saved, &format!("/contracts/{}#cr-{one}", c.id));
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

/// A form as a browser would send it: every field of `#cr-form` with the
/// value it shows (a select's chosen option, a box only when ticked).
struct Form(Vec<(String, String)>);

impl Form {
    fn of(page: &Page) -> Self {
        let html = page.html();
        let mut fields = Vec::new();
        let css = "#cr-form input, #cr-form select, #cr-form textarea";
        for field in html.select(&selector(css)) {
            let e = field.value();
            let Some(name) = e.attr("name") else { continue };
            let value = match e.name() {
                "textarea" => field.text().collect(),
                "select" => {
                    let options: Vec<ElementRef<'_>> = field.select(&selector("option")).collect();
                    let chosen = options
                        .iter()
                        .find(|o| o.value().attr("selected").is_some())
                        .or(options.first());
                    chosen
                        .and_then(|o| o.value().attr("value"))
                        .unwrap_or_default()
                        .to_owned()
                }
                _ if e.attr("type") == Some("checkbox") => match e.attr("checked") {
                    Some(_) => e.attr("value").unwrap_or("on").to_owned(),
                    None => continue,
                },
                _ => e.attr("value").unwrap_or_default().to_owned(),
            };
            fields.push((name.to_owned(), value));
        }
        Self(fields)
    }

    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no field {name}"))
    }

    /// Types `value` into the field `name` (the first empty one of a list).
    fn set(&mut self, name: &str, value: &str) -> &mut Self {
        let field = self
            .0
            .iter_mut()
            .filter(|(n, _)| n == name)
            .min_by_key(|(_, v)| !v.is_empty() && ["in_scope", "out_of_scope"].contains(&name))
            .unwrap_or_else(|| panic!("no field {name}"));
        field.1 = value.to_owned();
        self
    }

    /// The fields that hold something (a form shown again may offer
    /// other blank rows to add).
    fn filled(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .cloned()
            .collect()
    }

    fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }
}
