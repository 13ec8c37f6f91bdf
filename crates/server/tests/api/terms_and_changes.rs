//! `/api/v1/contracts/{id}/terms` and `/api/v1/change-requests`: versioned
//! terms set by the provider until they are in force, then changed only by
//! change requests the steering group approves under the contract's quorum.

use kept_domain::{Party, PartyKind, Role};
use kept_store::testing::TestDatabase;
use reqwest::header::LOCATION;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Persona, TestApp, json, problem, spawn_app, spawn_app_with};

/// Long before any test runs: versions starting then are in force.
const PAST: &str = "2025-01-01T00:00:00Z";
/// Long after any test runs: versions starting then are scheduled.
const FUTURE: &str = "2099-01-01T00:00:00Z";

/// Brightwell provides facilities management to three of Harbour Retail's
/// stores (Hull is not yet one of them), steered by Harbour's client
/// contact and two outside approvers under a majority.
struct World {
    app: TestApp,
    admin: Persona,
    provider: Party,
    head_office: Party,
    leeds: Party,
    york: Party,
    hull: Party,
    /// A manager of the provider.
    manager: Persona,
    /// The client's contact, on the steering group.
    client: Persona,
    /// A person of the Leeds store (a customer).
    leeds_customer: Persona,
    /// An outside approver on the steering group.
    alex: Persona,
    /// Another outside approver on the steering group.
    bea: Persona,
    /// A manager of an organisation with nothing to do with the contract.
    stranger: Persona,
    /// The contract's service.
    repairs: String,
    /// A service of the provider's catalog not on the contract.
    cleaning: String,
    /// A service of another provider's catalog.
    foreign: String,
    /// The contract: steering group client, alex and bea; majority.
    contract: String,
}

async fn service(app: &TestApp, token: &str, provider: &Party, name: &str) -> String {
    let s = json(
        app.post(
            "/api/v1/services",
            token,
            &json!({ "provider_id": provider.id, "name": name }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    s["id"].as_str().expect("id").to_owned()
}

async fn world() -> World {
    world_on(spawn_app().await).await
}

/// A server on a fresh PostgreSQL schema, or `None` to skip when
/// `KEPT_TEST_POSTGRES_URL` is unset.
async fn pg_world() -> Option<World> {
    let db = TestDatabase::postgres().await?;
    Some(world_on(spawn_app_with(db, |_| {}).await).await)
}

async fn world_on(app: TestApp) -> World {
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let head_office = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let leeds = app
        .party(PartyKind::Site, "Harbour Leeds", Some(head_office.id))
        .await;
    let york = app
        .party(PartyKind::Site, "Harbour York", Some(head_office.id))
        .await;
    let hull = app
        .party(PartyKind::Site, "Harbour Hull", Some(head_office.id))
        .await;
    let outside = app.party(PartyKind::Organisation, "Outside", None).await;
    let auditors = app.party(PartyKind::Organisation, "Auditors", None).await;
    let elsewhere = app.party(PartyKind::Organisation, "Elsewhere", None).await;
    let supplier = app
        .party(PartyKind::Organisation, "Sparkle Supplies", None)
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
    let leeds_customer = app
        .persona(
            "tom@harbour.example",
            Some(leeds.id),
            &[(Role::Customer, leeds.id)],
        )
        .await;
    let alex = app
        .persona(
            "alex@outside.example",
            Some(outside.id),
            &[(Role::Approver, outside.id)],
        )
        .await;
    let bea = app
        .persona(
            "bea@auditors.example",
            Some(auditors.id),
            &[(Role::Approver, auditors.id)],
        )
        .await;
    let stranger = app
        .persona(
            "sam@elsewhere.example",
            Some(elsewhere.id),
            &[(Role::Manager, elsewhere.id)],
        )
        .await;
    let repairs = service(&app, &admin.token, &provider, "Reactive maintenance").await;
    let cleaning = service(&app, &admin.token, &provider, "Cleaning").await;
    let foreign = service(&app, &admin.token, &supplier, "Cleaning supplies").await;
    let mut w = World {
        app,
        admin,
        provider,
        head_office,
        leeds,
        york,
        hull,
        manager,
        client,
        leeds_customer,
        alex,
        bea,
        stranger,
        repairs,
        cleaning,
        foreign,
        contract: String::new(),
    };
    let steering = [&w.client, &w.alex, &w.bea];
    w.contract = w.new_contract("Harbour FM", "majority", &steering).await;
    w
}

/// Terms with one SLA target (urgent repairs), one KPI and one scope item.
fn terms(service: &str, first_response: &str) -> Value {
    json!({
        "sla": [{
            "service_id": service, "priority": "urgent",
            "first_response": first_response, "resolution": "24h"
        }],
        "kpis": [{ "kpi": "on_time_rate", "at_least": 95, "period": "quarter" }],
        "in_scope": [],
        "out_of_scope": ["Roof repairs"]
    })
}

fn contract_path(id: &str) -> String {
    format!("/api/v1/contracts/{id}")
}

fn cr_path(id: &str) -> String {
    format!("/api/v1/change-requests/{id}")
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

/// The ids of a page, as a sorted list (lists are newest first; tests
/// compare membership).
fn sorted_ids(page: &Value) -> Vec<String> {
    let mut ids = crate::helpers::ids(page);
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

impl World {
    /// A contract over Leeds and York for repairs, recorded by the admin.
    async fn new_contract(&self, name: &str, quorum: &str, steering: &[&Persona]) -> String {
        let steering: Vec<String> = steering.iter().map(|p| p.user.id.to_string()).collect();
        let c = json(
            self.app
                .post(
                    "/api/v1/contracts",
                    &self.admin.token,
                    &json!({
                        "name": name, "provider_id": self.provider.id,
                        "client_id": self.head_office.id,
                        "customer_ids": [self.leeds.id, self.york.id],
                        "service_ids": [self.repairs],
                        "steering_group": steering, "quorum": quorum
                    }),
                )
                .await,
            StatusCode::CREATED,
        )
        .await;
        id_of(&c)
    }

    /// Sets a terms version of `contract` as the provider's manager.
    async fn set_terms(&self, contract: &str, effective_from: &str, first_response: &str) -> Value {
        json(
            self.app
                .post(
                    &format!("{}/terms/versions", contract_path(contract)),
                    &self.manager.token,
                    &json!({
                        "effective_from": effective_from,
                        "terms": terms(&self.repairs, first_response)
                    }),
                )
                .await,
            StatusCode::CREATED,
        )
        .await
    }

    /// `PUT path` with a JSON body as `token`.
    async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.app
            .client
            .put(self.app.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Raises a change request against `contract` as `who`, unchecked.
    async fn try_raise(&self, who: &Persona, contract: &str, changes: Value) -> Response {
        self.app
            .post(
                &format!("{}/change-requests", contract_path(contract)),
                &who.token,
                &json!({
                    "title": "Faster urgent response",
                    "rationale": "Stores lose trade while leaks wait.",
                    "changes": changes
                }),
            )
            .await
    }

    /// Raises a change request against `contract` as `who`.
    async fn raise(&self, who: &Persona, contract: &str, changes: Value) -> Value {
        json(
            self.try_raise(who, contract, changes).await,
            StatusCode::CREATED,
        )
        .await
    }

    /// A change request of the main contract proposing a 2h first response.
    async fn faster(&self, who: &Persona) -> String {
        let cr = self
            .raise(
                who,
                &self.contract,
                json!({ "terms": terms(&self.repairs, "2h") }),
            )
            .await;
        id_of(&cr)
    }

    /// `POST /change-requests/{id}/{step}` as `who` with `body`.
    async fn step(&self, who: &Persona, cr: &str, step: &str, body: Value) -> Response {
        self.app
            .post(&format!("{}/{step}", cr_path(cr)), &who.token, &body)
            .await
    }

    /// `POST /change-requests/{id}/{step}` as `who` without any body.
    async fn bare(&self, who: &Persona, cr: &str, step: &str) -> Response {
        self.app
            .client
            .post(self.app.url(&format!("{}/{step}", cr_path(cr))))
            .bearer_auth(&who.token)
            .send()
            .await
            .expect("request sent")
    }

    /// Takes a step that must succeed, returning the change request.
    async fn ok(&self, who: &Persona, cr: &str, step: &str) -> Value {
        json(self.step(who, cr, step, json!({})).await, StatusCode::OK).await
    }

    /// Reads a change request as the admin.
    async fn read(&self, cr: &str) -> Value {
        json(
            self.app.get(&cr_path(cr), &self.admin.token).await,
            StatusCode::OK,
        )
        .await
    }

    /// A page of change requests as `who`, with a query string.
    async fn list(&self, who: &Persona, query: &str) -> Value {
        json(
            self.app
                .get(&format!("/api/v1/change-requests{query}"), &who.token)
                .await,
            StatusCode::OK,
        )
        .await
    }

    /// The actions audited for a subject, sorted (events of one
    /// transaction share an instant, so their order is not asserted).
    async fn audited(&self, subject: &str) -> Vec<String> {
        let page = json(
            self.app
                .get(
                    &format!("/api/v1/audit-events?subject_id={subject}&limit=200"),
                    &self.admin.token,
                )
                .await,
            StatusCode::OK,
        )
        .await;
        let mut actions: Vec<String> = page["items"]
            .as_array()
            .expect("a page of events")
            .iter()
            .map(|e| e["action"].as_str().expect("an action").to_owned())
            .collect();
        actions.sort();
        actions
    }
}

fn descriptions(changes: &Value) -> Vec<&str> {
    changes["changes"]
        .as_array()
        .expect("a list of changes")
        .iter()
        .map(|c| c["description"].as_str().expect("a description"))
        .collect()
}

#[tokio::test]
async fn without_terms_in_force_the_terms_answer_404_with_why() {
    let w = world().await;
    let path = format!("{}/terms", contract_path(&w.contract));

    let none = problem(
        w.app.get(&path, &w.client.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    assert!(
        none["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("no terms were in force"),
        "{none}"
    );
    w.set_terms(&w.contract, PAST, "4h").await;
    let now = json(w.app.get(&path, &w.client.token).await, StatusCode::OK).await;
    let before = w
        .app
        .get(&format!("{path}?at=2024-06-01T00:00:00Z"), &w.client.token)
        .await;
    let bad = w
        .app
        .get(&format!("{path}?at=yesterday"), &w.client.token)
        .await;

    assert_eq!(now["version"], 1);
    assert_eq!(now["terms"]["sla"][0]["first_response"], "4h");
    problem(before, StatusCode::NOT_FOUND, "not-found").await;
    let bad = problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
    assert_eq!(bad["errors"][0]["field"], "at", "{bad}");
}

#[tokio::test]
async fn only_the_providers_managers_set_terms_and_only_until_some_are_in_force() {
    let w = world().await;
    let path = format!("{}/terms/versions", contract_path(&w.contract));
    let body = json!({ "effective_from": PAST, "terms": terms(&w.repairs, "4h") });

    problem(
        w.app.post(&path, &w.client.token, &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        w.app.post(&path, &w.leeds_customer.token, &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        w.app.post(&path, &w.stranger.token, &body).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let created = w.app.post(&path, &w.manager.token, &body).await;
    let location = created
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let v1 = json(created, StatusCode::CREATED).await;
    let again = w
        .app
        .post(
            &path,
            &w.admin.token,
            &json!({ "effective_from": FUTURE, "terms": terms(&w.repairs, "2h") }),
        )
        .await;

    assert_eq!(v1["version"], 1);
    assert_eq!(v1["customer_ids"], json!([w.leeds.id, w.york.id]));
    assert_eq!(v1["service_ids"], json!([w.repairs]));
    assert!(v1["change_request_id"].is_null());
    assert_eq!(location, Some(format!("{path}/1")));
    problem(again, StatusCode::CONFLICT, "terms-under-change-control").await;
    let versions = json(w.app.get(&path, &w.client.token).await, StatusCode::OK).await;
    assert_eq!(versions["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_scheduled_version_is_edited_until_it_is_in_force() {
    let w = world().await;
    let versions = format!("{}/terms/versions", contract_path(&w.contract));
    w.set_terms(&w.contract, FUTURE, "4h").await;
    let v1 = format!("{versions}/1");

    let edited = json(
        w.put(
            &v1,
            &w.manager.token,
            &json!({ "effective_from": FUTURE, "terms": terms(&w.repairs, "3h") }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let by_client = w
        .put(
            &v1,
            &w.client.token,
            &json!({ "effective_from": FUTURE, "terms": terms(&w.repairs, "1h") }),
        )
        .await;
    // Brought forward, it is in force at once…
    let brought_forward = json(
        w.put(
            &v1,
            &w.manager.token,
            &json!({ "effective_from": PAST, "terms": terms(&w.repairs, "3h") }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // …and no longer edited.
    let in_force = w
        .put(
            &v1,
            &w.manager.token,
            &json!({ "effective_from": PAST, "terms": terms(&w.repairs, "1h") }),
        )
        .await;

    assert_eq!(edited["terms"]["sla"][0]["first_response"], "3h");
    problem(by_client, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(brought_forward["effective_from"], "2025-01-01T00:00:00Z");
    problem(in_force, StatusCode::CONFLICT, "terms-in-force").await;
    let current = json(
        w.app
            .get(
                &format!("{}/terms", contract_path(&w.contract)),
                &w.client.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(current["terms"]["sla"][0]["first_response"], "3h");
    problem(
        w.put(
            &format!("{versions}/9"),
            &w.manager.token,
            &json!({ "effective_from": FUTURE, "terms": terms(&w.repairs, "1h") }),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn invalid_terms_are_refused_naming_the_field() {
    let w = world().await;
    let path = format!("{}/terms/versions", contract_path(&w.contract));
    let kpi = |k: Value| json!({ "effective_from": FUTURE, "terms": { "kpis": [k] } });
    let cases = [
        (
            kpi(json!({ "kpi": "complaint_acknowledgement", "at_least": 90, "period": "month" })),
            "kpis[0].within",
        ),
        (
            kpi(
                json!({ "kpi": "on_time_rate", "at_least": 90, "within": "1h", "period": "month" }),
            ),
            "kpis[0].within",
        ),
        (
            kpi(json!({ "kpi": "csat", "at_least": 7, "period": "year" })),
            "kpis[0].at_least",
        ),
        (
            json!({ "effective_from": FUTURE, "terms": terms(&w.cleaning, "4h") }),
            "sla[0].service_id",
        ),
    ];
    for (body, field) in cases {
        let refused = problem(
            w.app.post(&path, &w.manager.token, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        let named = refused["errors"][0]["field"].as_str().unwrap_or_default();
        assert!(named.ends_with(field), "{field}: {refused}");
    }
    let fine = json(
        w.app
            .post(
                &path,
                &w.manager.token,
                &kpi(json!({ "kpi": "complaint_acknowledgement", "at_least": 90, "within": "1h", "period": "month" })),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(fine["terms"]["kpis"][0]["within"], "1h");
}

#[tokio::test]
#[ignore = "BUG: POST/PUT /contracts/{id}/terms/versions name invalid terms fields without the `terms.` prefix of the request body (`kpis[0].within`, not `terms.kpis[0].within`), unlike change requests (`changes.terms.kpis[0].within`)"]
async fn invalid_terms_are_named_by_their_path_in_the_body() {
    let w = world().await;
    let path = format!("{}/terms/versions", contract_path(&w.contract));
    let refused = problem(
        w.app
            .post(
                &path,
                &w.manager.token,
                &json!({
                    "effective_from": FUTURE,
                    "terms": { "kpis": [{ "kpi": "complaint_acknowledgement", "at_least": 90, "period": "month" }] }
                }),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(
        refused["errors"][0]["field"], "terms.kpis[0].within",
        "{refused}"
    );
}

/// Draft → submitted → approved (2 of 3) → applied; the new version is in
/// force and its diff reads as the change; every step is audited.
async fn lifecycle(w: &World) {
    w.set_terms(&w.contract, PAST, "4h").await;
    let raised = w
        .raise(
            &w.manager,
            &w.contract,
            json!({ "terms": terms(&w.repairs, "3h") }),
        )
        .await;
    let cr = id_of(&raised);
    assert_eq!(raised["status"], "draft");
    assert_eq!(raised["side"], "provider");
    assert_eq!(raised["raised_by"], w.manager.user.id.to_string());

    let edited = json(
        w.put(
            &cr_path(&cr),
            &w.manager.token,
            &json!({
                "title": "Urgent repairs answered in 2h",
                "rationale": "Stores lose trade while leaks wait.",
                "changes": { "terms": terms(&w.repairs, "2h") }
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["title"], "Urgent repairs answered in 2h");
    let preview = json(
        w.app
            .get(&format!("{}/preview", cr_path(&cr)), &w.alex.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(preview["base_version"], 1);
    assert_eq!(
        descriptions(&preview),
        ["Reactive maintenance (urgent): first response 4h → 2h"]
    );

    let submitted = w.ok(&w.manager, &cr, "submit").await;
    assert_eq!(submitted["status"], "submitted");
    assert!(submitted["submitted_at"].is_string());
    let first = json(
        w.step(&w.alex, &cr, "approve", json!({ "comment": "Worth it" }))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(first["status"], "submitted", "one of three is no majority");
    assert_eq!(first["decisions"][0]["user_id"], w.alex.user.id.to_string());
    assert_eq!(first["decisions"][0]["verdict"], "approve");
    assert_eq!(first["decisions"][0]["comment"], "Worth it");
    assert!(first["decided_at"].is_null());
    // The body is optional.
    let second = json(w.bare(&w.client, &cr, "approve").await, StatusCode::OK).await;
    assert_eq!(second["status"], "approved", "two of three are");
    assert_eq!(second["decisions"].as_array().map(Vec::len), Some(2));
    assert!(second["decided_at"].is_string());

    let applied = json(w.bare(&w.manager, &cr, "apply").await, StatusCode::OK).await;
    assert_eq!(applied["change_request"]["status"], "applied");
    assert_eq!(applied["change_request"]["applied_version"], 2);
    assert_eq!(applied["version"]["version"], 2);
    assert_eq!(applied["version"]["change_request_id"], cr);

    let contract = contract_path(&w.contract);
    let now = json(
        w.app
            .get(&format!("{contract}/terms"), &w.leeds_customer.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(now["version"], 2);
    assert_eq!(now["terms"]["sla"][0]["first_response"], "2h");
    let versions = json(
        w.app
            .get(&format!("{contract}/terms/versions"), &w.client.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let numbers: Vec<&Value> = versions["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|v| &v["version"])
        .collect();
    assert_eq!(numbers, [1, 2]);
    let diff = json(
        w.app
            .get(
                &format!("{contract}/terms/versions/2/diff"),
                &w.client.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(diff["from"], 1);
    assert_eq!(diff["to"], 2);
    assert_eq!(diff["changes"][0]["change"], "sla");
    assert_eq!(diff["changes"][0]["target"], "first_response");
    assert_eq!(
        descriptions(&diff),
        ["Reactive maintenance (urgent): first response 4h → 2h"]
    );
    let first_diff = json(
        w.app
            .get(
                &format!("{contract}/terms/versions/1/diff"),
                &w.client.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(first_diff["from"].is_null());
    problem(
        w.app
            .get(
                &format!("{contract}/terms/versions/3/diff"),
                &w.client.token,
            )
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;

    assert_eq!(
        w.audited(&cr).await,
        [
            "change_request.applied",
            "change_request.approval",
            "change_request.approval",
            "change_request.approved",
            "change_request.raised",
            "change_request.submitted",
            "change_request.updated",
        ]
    );
    assert!(
        w.audited(&w.contract)
            .await
            .contains(&"terms.version_created".to_owned())
    );
}

#[tokio::test]
async fn a_change_request_goes_from_draft_to_applied_under_a_majority_of_three() {
    let w = world().await;
    lifecycle(&w).await;
}

#[tokio::test]
async fn a_change_request_goes_from_draft_to_applied_on_postgres() {
    let Some(w) = pg_world().await else { return };
    lifecycle(&w).await;
}

#[tokio::test]
async fn only_the_steering_group_decides_and_each_member_once() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let cr = w.faster(&w.manager).await;

    let on_a_draft = w.step(&w.alex, &cr, "approve", json!({})).await;
    w.ok(&w.manager, &cr, "submit").await;
    // The provider's manager sees it but is not on the steering group.
    let by_manager = w.step(&w.manager, &cr, "approve", json!({})).await;
    let by_admin = w.step(&w.admin, &cr, "reject", json!({})).await;
    let rambling = w
        .step(
            &w.alex,
            &cr,
            "approve",
            json!({ "comment": "x".repeat(2001) }),
        )
        .await;
    w.ok(&w.alex, &cr, "approve").await;
    let twice = w.step(&w.alex, &cr, "approve", json!({})).await;
    let changed_mind = w.step(&w.alex, &cr, "reject", json!({})).await;
    w.ok(&w.bea, &cr, "approve").await;
    let after_the_quorum = w.step(&w.client, &cr, "approve", json!({})).await;

    problem(on_a_draft, StatusCode::CONFLICT, "invalid-transition").await;
    problem(by_manager, StatusCode::FORBIDDEN, "not-an-approver").await;
    problem(by_admin, StatusCode::FORBIDDEN, "not-an-approver").await;
    let rambling = problem(
        rambling,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(rambling["errors"][0]["field"], "comment");
    problem(twice, StatusCode::CONFLICT, "already-decided").await;
    problem(changed_mind, StatusCode::CONFLICT, "already-decided").await;
    problem(after_the_quorum, StatusCode::CONFLICT, "invalid-transition").await;
    let read = w.read(&cr).await;
    assert_eq!(read["status"], "approved");
    assert_eq!(read["decisions"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn applying_needs_approval_a_provider_manager_and_a_date_not_before_the_approval() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let cr = w.faster(&w.client).await;
    w.ok(&w.client, &cr, "submit").await;

    let unapproved = w.step(&w.manager, &cr, "apply", json!({})).await;
    w.ok(&w.alex, &cr, "approve").await;
    w.ok(&w.bea, &cr, "approve").await;
    let by_client = w.step(&w.client, &cr, "apply", json!({})).await;
    let by_approver = w.step(&w.alex, &cr, "apply", json!({})).await;
    let backdated = w
        .step(&w.manager, &cr, "apply", json!({ "effective_from": PAST }))
        .await;
    let scheduled = json(
        w.step(
            &w.manager,
            &cr,
            "apply",
            json!({ "effective_from": FUTURE }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let twice = w.step(&w.manager, &cr, "apply", json!({})).await;

    problem(unapproved, StatusCode::CONFLICT, "invalid-transition").await;
    problem(by_client, StatusCode::FORBIDDEN, "forbidden").await;
    problem(by_approver, StatusCode::FORBIDDEN, "forbidden").await;
    let backdated = problem(
        backdated,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(backdated["errors"][0]["field"], "effective_from");
    assert_eq!(scheduled["version"]["version"], 2);
    assert_eq!(scheduled["version"]["effective_from"], FUTURE);
    problem(twice, StatusCode::CONFLICT, "invalid-transition").await;
    // Scheduled: version 1 stays in force until then.
    let in_force = format!("{}/terms", contract_path(&w.contract));
    let now = json(w.app.get(&in_force, &w.client.token).await, StatusCode::OK).await;
    let then = json(
        w.app
            .get(
                &format!("{in_force}?at=2099-06-01T00:00:00Z"),
                &w.client.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(now["version"], 1);
    assert_eq!(then["version"], 2);
    // A version from a change request is the steering group's: not edited.
    problem(
        w.put(
            &format!("{in_force}/versions/2"),
            &w.manager.token,
            &json!({ "effective_from": FUTURE, "terms": terms(&w.repairs, "1h") }),
        )
        .await,
        StatusCode::CONFLICT,
        "terms-under-change-control",
    )
    .await;
}

#[tokio::test]
async fn changes_naming_unknown_services_or_parties_are_refused_naming_the_field() {
    let w = world().await;
    let cases = [
        (
            json!({ "add_services": [kept_domain::ServiceId::new()] }),
            "changes.add_services[0]",
        ),
        (
            json!({ "add_services": [w.cleaning, w.foreign] }),
            "changes.add_services[1]",
        ),
        (
            json!({ "add_customers": [kept_domain::PartyId::new()] }),
            "changes.add_customers[0]",
        ),
        (
            json!({ "add_customers": [w.york.id] }),
            "changes.add_customers[0]",
        ),
        (
            json!({ "remove_customers": [w.hull.id] }),
            "changes.remove_customers[0]",
        ),
        (
            json!({ "remove_services": [w.cleaning] }),
            "changes.remove_services[0]",
        ),
        (
            json!({ "calendar_id": kept_domain::CalendarId::new() }),
            "changes.calendar_id",
        ),
        (
            json!({ "terms": terms(&w.cleaning, "2h") }),
            "changes.terms.sla[0].service_id",
        ),
        (json!({}), "changes"),
    ];
    for (changes, field) in cases {
        let refused = problem(
            w.try_raise(&w.client, &w.contract, changes.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(refused["errors"][0]["field"], field, "{changes}: {refused}");
    }
    // A draft cannot be edited into naming them either.
    let cr = w.faster(&w.client).await;
    let edit = problem(
        w.put(
            &cr_path(&cr),
            &w.client.token,
            &json!({
                "title": "More", "rationale": "Because.",
                "changes": { "add_services": [w.foreign] }
            }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(edit["errors"][0]["field"], "changes.add_services[0]");
    let all = w.list(&w.admin, "").await;
    assert_eq!(crate::helpers::ids(&all), [cr], "nothing else was recorded");
}

#[tokio::test]
async fn the_provider_and_the_client_raise_change_requests_and_only_their_side_edits_them() {
    let w = world().await;
    let ours = w
        .raise(
            &w.manager,
            &w.contract,
            json!({ "add_services": [w.cleaning] }),
        )
        .await;
    let theirs = w
        .raise(
            &w.client,
            &w.contract,
            json!({ "add_customers": [w.hull.id] }),
        )
        .await;
    let changes = json!({ "add_services": [w.cleaning] });
    // The steering group's outside approver and a customer's people see the
    // contract but raise nothing; a stranger does not see it.
    let by_approver = w.try_raise(&w.alex, &w.contract, changes.clone()).await;
    let by_customer = w
        .try_raise(&w.leeds_customer, &w.contract, changes.clone())
        .await;
    let by_stranger = w.try_raise(&w.stranger, &w.contract, changes.clone()).await;
    let edit = json!({ "title": "Ours now", "rationale": "Because.", "changes": changes });
    let edited_by_other_side = w.put(&cr_path(&id_of(&ours)), &w.client.token, &edit).await;
    let submitted_by_other_side = w
        .step(&w.manager, &id_of(&theirs), "submit", json!({}))
        .await;
    w.ok(&w.manager, &id_of(&ours), "submit").await;
    let edited_once_submitted = w
        .put(&cr_path(&id_of(&ours)), &w.manager.token, &edit)
        .await;

    assert_eq!(ours["side"], "provider");
    assert_eq!(ours["status"], "draft");
    assert_eq!(theirs["side"], "client");
    assert_eq!(theirs["raised_by"], w.client.user.id.to_string());
    problem(by_approver, StatusCode::FORBIDDEN, "forbidden").await;
    problem(by_customer, StatusCode::FORBIDDEN, "forbidden").await;
    problem(by_stranger, StatusCode::NOT_FOUND, "not-found").await;
    problem(edited_by_other_side, StatusCode::FORBIDDEN, "forbidden").await;
    problem(submitted_by_other_side, StatusCode::FORBIDDEN, "forbidden").await;
    problem(
        edited_once_submitted,
        StatusCode::CONFLICT,
        "invalid-transition",
    )
    .await;
    assert_eq!(w.read(&id_of(&theirs)).await["status"], "draft");
}

#[tokio::test]
async fn the_raiser_withdraws_a_change_request_and_it_is_no_longer_decided() {
    let w = world().await;
    let cr = w.faster(&w.client).await;
    let draft = w.faster(&w.manager).await;
    w.ok(&w.client, &cr, "submit").await;
    w.ok(&w.alex, &cr, "approve").await;

    let by_other_side = w.step(&w.manager, &cr, "withdraw", json!({})).await;
    let withdrawn = w.ok(&w.client, &cr, "withdraw").await;
    let approve = w.step(&w.bea, &cr, "approve", json!({})).await;
    let again = w.step(&w.client, &cr, "withdraw", json!({})).await;
    let resubmit = w.step(&w.client, &cr, "submit", json!({})).await;
    let draft_withdrawn = w.ok(&w.manager, &draft, "withdraw").await;

    problem(by_other_side, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(withdrawn["status"], "withdrawn");
    problem(approve, StatusCode::CONFLICT, "invalid-transition").await;
    problem(again, StatusCode::CONFLICT, "invalid-transition").await;
    problem(resubmit, StatusCode::CONFLICT, "invalid-transition").await;
    assert_eq!(draft_withdrawn["status"], "withdrawn");
    let open = w.list(&w.client, "?status=open").await;
    assert!(crate::helpers::ids(&open).is_empty(), "{open}");
    let gone = w.list(&w.client, "?status=withdrawn").await;
    assert_eq!(sorted_ids(&gone), sorted(vec![cr.clone(), draft]));
    assert!(
        w.audited(&cr)
            .await
            .contains(&"change_request.withdrawn".to_owned())
    );
    let bad = problem(
        w.app
            .get("/api/v1/change-requests?status=gone", &w.client.token)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "status");
}

#[tokio::test]
async fn one_rejection_rejects_under_quorum_all_but_not_under_a_majority() {
    let w = world().await;
    let all = w
        .new_contract("Harbour FM strict", "all", &[&w.client, &w.alex, &w.bea])
        .await;
    let strict = id_of(
        &w.raise(&w.manager, &all, json!({ "add_services": [w.cleaning] }))
            .await,
    );
    let lenient = w.faster(&w.manager).await;
    for cr in [&strict, &lenient] {
        w.ok(&w.manager, cr, "submit").await;
        w.ok(&w.alex, cr, "approve").await;
    }

    let rejected = json(
        w.step(
            &w.bea,
            &strict,
            "reject",
            json!({ "comment": "Not this year" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let late = w.step(&w.client, &strict, "approve", json!({})).await;
    let apply = w.step(&w.manager, &strict, "apply", json!({})).await;
    let one_against = w.ok(&w.bea, &lenient, "reject").await;

    assert_eq!(rejected["status"], "rejected");
    assert!(rejected["decided_at"].is_string());
    assert_eq!(rejected["decisions"][1]["verdict"], "reject");
    assert_eq!(rejected["decisions"][1]["comment"], "Not this year");
    problem(late, StatusCode::CONFLICT, "invalid-transition").await;
    problem(apply, StatusCode::CONFLICT, "invalid-transition").await;
    assert!(
        w.audited(&strict)
            .await
            .contains(&"change_request.rejected".to_owned())
    );
    // Under a majority, 1 approval and 1 rejection of 3 leave it open; the
    // client's rejection then puts approval out of reach.
    assert_eq!(one_against["status"], "submitted");
    let two_against = w.ok(&w.client, &lenient, "reject").await;
    assert_eq!(two_against["status"], "rejected");
    // Under "1", one approval is enough and two rejections of three are not.
    let one = w
        .new_contract("Harbour FM light", "1", &[&w.client, &w.alex, &w.bea])
        .await;
    let cr = id_of(
        &w.raise(&w.manager, &one, json!({ "add_services": [w.cleaning] }))
            .await,
    );
    w.ok(&w.manager, &cr, "submit").await;
    assert_eq!(w.ok(&w.alex, &cr, "reject").await["status"], "submitted");
    assert_eq!(w.ok(&w.bea, &cr, "reject").await["status"], "submitted");
    assert_eq!(w.ok(&w.client, &cr, "approve").await["status"], "approved");
}

#[tokio::test]
async fn an_applied_change_adding_a_customer_puts_it_on_the_contract() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let cr = id_of(
        &w.raise(
            &w.client,
            &w.contract,
            json!({ "add_customers": [w.hull.id] }),
        )
        .await,
    );
    w.ok(&w.client, &cr, "submit").await;
    w.ok(&w.alex, &cr, "approve").await;
    w.ok(&w.client, &cr, "approve").await;

    // Who or what is covered changes when applied, not later.
    let later = w
        .step(
            &w.manager,
            &cr,
            "apply",
            json!({ "effective_from": FUTURE }),
        )
        .await;
    let applied = json(
        w.step(&w.manager, &cr, "apply", json!({})).await,
        StatusCode::OK,
    )
    .await;

    let later = problem(later, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
    assert_eq!(later["errors"][0]["field"], "effective_from");
    assert_eq!(applied["version"]["version"], 2);
    let contract = json(
        w.app
            .get(&contract_path(&w.contract), &w.client.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        contract["customer_ids"]
            .as_array()
            .expect("customers")
            .contains(&json!(w.hull.id)),
        "{contract}"
    );
    let terms = json(
        w.app
            .get(
                &format!("{}/terms", contract_path(&w.contract)),
                &w.client.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(terms["version"], 2);
    assert_eq!(
        terms["customer_ids"],
        json!([w.leeds.id, w.york.id, w.hull.id])
    );
    assert_eq!(
        terms["terms"]["sla"][0]["first_response"], "4h",
        "terms kept"
    );
    let diff = json(
        w.app
            .get(
                &format!("{}/terms/versions/2/diff", contract_path(&w.contract)),
                &w.client.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(descriptions(&diff), ["Added customer: Harbour Hull"]);
    // Leeds sees the new version, but not who else it now covers.
    let seen_from_leeds = json(
        w.app
            .get(
                &format!("{}/terms/versions/2/diff", contract_path(&w.contract)),
                &w.leeds_customer.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        descriptions(&seen_from_leeds).is_empty(),
        "{seen_from_leeds}"
    );
}

#[tokio::test]
async fn a_customers_people_see_the_terms_with_only_their_site_and_no_change_requests() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let cr = w.faster(&w.client).await;
    w.ok(&w.client, &cr, "submit").await;
    let tom = &w.leeds_customer;
    let contract = contract_path(&w.contract);

    let terms = json(
        w.app.get(&format!("{contract}/terms"), &tom.token).await,
        StatusCode::OK,
    )
    .await;
    let versions = json(
        w.app
            .get(&format!("{contract}/terms/versions"), &tom.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let read = w.app.get(&cr_path(&cr), &tom.token).await;
    let preview = w
        .app
        .get(&format!("{}/preview", cr_path(&cr)), &tom.token)
        .await;
    let approve = w.step(tom, &cr, "approve", json!({})).await;
    let listed = w.list(tom, "").await;
    let by_contract = w.list(tom, &format!("?contract_id={}", w.contract)).await;

    assert_eq!(terms["customer_ids"], json!([w.leeds.id]));
    assert_eq!(terms["terms"]["sla"][0]["first_response"], "4h");
    assert_eq!(versions["items"][0]["customer_ids"], json!([w.leeds.id]));
    problem(read, StatusCode::NOT_FOUND, "not-found").await;
    problem(preview, StatusCode::NOT_FOUND, "not-found").await;
    problem(approve, StatusCode::NOT_FOUND, "not-found").await;
    assert!(crate::helpers::ids(&listed).is_empty(), "{listed}");
    assert!(
        crate::helpers::ids(&by_contract).is_empty(),
        "{by_contract}"
    );
}

#[tokio::test]
async fn the_provider_the_client_and_the_steering_group_see_change_requests() {
    let w = world().await;
    let cr = w.faster(&w.client).await;
    let other = w
        .new_contract("Harbour FM North", "all", &[&w.client])
        .await;
    let elsewhere = id_of(
        &w.raise(&w.manager, &other, json!({ "add_services": [w.cleaning] }))
            .await,
    );

    for who in [&w.manager, &w.client, &w.alex, &w.bea] {
        let read = json(w.app.get(&cr_path(&cr), &who.token).await, StatusCode::OK).await;
        assert_eq!(read["id"], cr);
        let listed = w.list(who, &format!("?contract_id={}", w.contract)).await;
        assert_eq!(
            crate::helpers::ids(&listed),
            std::slice::from_ref(&cr),
            "{}",
            who.user.email
        );
    }
    // Alex and Bea steer only the first contract.
    let alex_sees = w.list(&w.alex, "").await;
    assert_eq!(crate::helpers::ids(&alex_sees), std::slice::from_ref(&cr));
    problem(
        w.app.get(&cr_path(&elsewhere), &w.bea.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let client_sees = w.list(&w.client, "").await;
    assert_eq!(sorted_ids(&client_sees), sorted(vec![cr, elsewhere]));
}

#[tokio::test]
async fn an_unrelated_organisations_people_see_neither_terms_nor_change_requests() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let cr = w.faster(&w.manager).await;
    w.ok(&w.manager, &cr, "submit").await;
    let sam = &w.stranger;
    let contract = contract_path(&w.contract);

    for path in [
        format!("{contract}/terms"),
        format!("{contract}/terms/versions"),
        format!("{contract}/terms/versions/1/diff"),
        cr_path(&cr),
        format!("{}/preview", cr_path(&cr)),
    ] {
        problem(
            w.app.get(&path, &sam.token).await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
    }
    for step in ["approve", "reject", "withdraw", "apply", "submit"] {
        problem(
            w.step(sam, &cr, step, json!({})).await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
    }
    let listed = w.list(sam, "").await;
    assert!(crate::helpers::ids(&listed).is_empty(), "{listed}");
    assert_eq!(w.read(&cr).await["status"], "submitted");
}

#[tokio::test]
async fn awaiting_my_decision_lists_what_is_submitted_and_undecided_by_the_caller() {
    let w = world().await;
    let draft = w.faster(&w.manager).await;
    let a = w.faster(&w.manager).await;
    let b = w.faster(&w.client).await;
    w.ok(&w.manager, &a, "submit").await;
    w.ok(&w.client, &b, "submit").await;
    w.ok(&w.alex, &a, "approve").await;
    let awaiting = "?awaiting_my_decision=true";

    let alex = w.list(&w.alex, awaiting).await;
    let bea = w.list(&w.bea, awaiting).await;
    let manager = w.list(&w.manager, awaiting).await;
    let admin = w.list(&w.admin, awaiting).await;
    let unfiltered = w.list(&w.alex, "?awaiting_my_decision=false").await;

    assert_eq!(crate::helpers::ids(&alex), std::slice::from_ref(&b));
    assert_eq!(sorted_ids(&bea), sorted(vec![a.clone(), b.clone()]));
    assert!(crate::helpers::ids(&manager).is_empty(), "not on the group");
    assert!(crate::helpers::ids(&admin).is_empty(), "not on the group");
    assert_eq!(
        sorted_ids(&unfiltered),
        sorted(vec![draft, a.clone(), b.clone()])
    );
    // Once approved, it awaits no one.
    w.ok(&w.bea, &a, "approve").await;
    let bea = w.list(&w.bea, awaiting).await;
    assert_eq!(crate::helpers::ids(&bea), std::slice::from_ref(&b));
    let submitted = w.list(&w.bea, "?status=submitted").await;
    assert_eq!(crate::helpers::ids(&submitted), [b]);
    let approved = w.list(&w.bea, "?status=approved").await;
    assert_eq!(crate::helpers::ids(&approved), [a]);
}

/// Two members of a steering group of two under "all" approve at the same
/// instant: both count, and the change ends approved.
async fn simultaneous_approvals(w: &World) {
    let pair = w
        .new_contract("Harbour FM pair", "all", &[&w.alex, &w.bea])
        .await;
    for round in 0..3 {
        let cr = id_of(
            &w.raise(
                &w.manager,
                &pair,
                json!({ "terms": terms(&w.repairs, &format!("{}h", round + 1)) }),
            )
            .await,
        );
        w.ok(&w.manager, &cr, "submit").await;

        let (first, second) = tokio::join!(
            w.step(&w.alex, &cr, "approve", json!({})),
            w.step(&w.bea, &cr, "approve", json!({})),
        );

        let first = json(first, StatusCode::OK).await;
        let second = json(second, StatusCode::OK).await;
        let statuses = sorted(vec![
            first["status"].as_str().unwrap_or_default().to_owned(),
            second["status"].as_str().unwrap_or_default().to_owned(),
        ]);
        assert_eq!(
            statuses,
            ["approved", "submitted"],
            "exactly one reached the quorum"
        );
        let read = w.read(&cr).await;
        assert_eq!(read["status"], "approved");
        assert_eq!(read["decisions"].as_array().map(Vec::len), Some(2));
        let audited = w.audited(&cr).await;
        assert_eq!(
            audited
                .iter()
                .filter(|a| *a == "change_request.approved")
                .count(),
            1,
            "{audited:?}"
        );
        // Applied, each round makes the next version.
        json(
            w.step(&w.manager, &cr, "apply", json!({})).await,
            StatusCode::OK,
        )
        .await;
    }
    // And two managers applying one change at once make one version.
    let cr = id_of(
        &w.raise(&w.manager, &pair, json!({ "add_services": [w.cleaning] }))
            .await,
    );
    w.ok(&w.manager, &cr, "submit").await;
    w.ok(&w.alex, &cr, "approve").await;
    w.ok(&w.bea, &cr, "approve").await;
    let (one, other) = tokio::join!(
        w.step(&w.manager, &cr, "apply", json!({})),
        w.step(&w.admin, &cr, "apply", json!({})),
    );
    let codes = sorted(vec![one.status().to_string(), other.status().to_string()]);
    assert_eq!(codes, ["200 OK", "409 Conflict"]);
    let versions = json(
        w.app
            .get(
                &format!("{}/terms/versions", contract_path(&pair)),
                &w.admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(versions["items"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn simultaneous_approvals_both_count_under_quorum_all() {
    let w = world().await;
    simultaneous_approvals(&w).await;
}

#[tokio::test]
async fn simultaneous_approvals_both_count_under_quorum_all_on_postgres() {
    let Some(w) = pg_world().await else { return };
    simultaneous_approvals(&w).await;
}

#[tokio::test]
#[ignore = "BUG: the provider's managers cannot raise a change request removing a customer the contract lists to them: check_named_parties (api/changes.rs) filters remove_customers through readable_parties, so it answers 422 `changes.remove_customers[0]: no such party`"]
async fn the_providers_managers_propose_to_stop_serving_a_customer_of_the_contract() {
    let w = world().await;
    let contract = json(
        w.app
            .get(&contract_path(&w.contract), &w.manager.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        contract["customer_ids"]
            .as_array()
            .expect("customers")
            .contains(&json!(w.york.id)),
        "the manager sees York on the contract: {contract}"
    );

    let raised = w
        .try_raise(
            &w.manager,
            &w.contract,
            json!({ "remove_customers": [w.york.id] }),
        )
        .await;

    let raised = json(raised, StatusCode::CREATED).await;
    assert_eq!(raised["side"], "provider");
}

#[tokio::test]
#[ignore = "BUG: once a contract has ended (archived), raising a change request is refused but submitting, deciding and applying one still succeed, making a new terms version of the ended contract"]
async fn an_ended_contract_takes_no_more_changes() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let approved = w.faster(&w.manager).await;
    let draft = w.faster(&w.manager).await;
    let submitted = w.faster(&w.manager).await;
    w.ok(&w.manager, &submitted, "submit").await;
    w.ok(&w.manager, &approved, "submit").await;
    w.ok(&w.alex, &approved, "approve").await;
    w.ok(&w.bea, &approved, "approve").await;
    json(
        w.app
            .post(
                &format!("{}/archive", contract_path(&w.contract)),
                &w.manager.token,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;

    let raise = w
        .try_raise(
            &w.manager,
            &w.contract,
            json!({ "terms": terms(&w.repairs, "1h") }),
        )
        .await;
    let submit = w.step(&w.manager, &draft, "submit", json!({})).await;
    let decide = w.step(&w.alex, &submitted, "approve", json!({})).await;
    let apply = w.step(&w.manager, &approved, "apply", json!({})).await;

    let raise = problem(raise, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
    assert_eq!(raise["errors"][0]["field"], "contract_id");
    assert!(
        apply.status().is_client_error(),
        "applied: {}",
        apply.status()
    );
    assert!(
        submit.status().is_client_error(),
        "submitted: {}",
        submit.status()
    );
    assert!(
        decide.status().is_client_error(),
        "decided: {}",
        decide.status()
    );
    let versions = json(
        w.app
            .get(
                &format!("{}/terms/versions", contract_path(&w.contract)),
                &w.admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(versions["items"].as_array().map(Vec::len), Some(1));
}
