//! `/api/v1/contracts/{id}/terms` and `/api/v1/change-requests`: versioned
//! terms set by the provider until they are in force, then changed only by
//! change requests the steering group approves under the contract's quorum.
//!
//! This file holds the world the tests share and its helpers; the tests
//! are in the modules below.

mod approvals;
mod lifecycle;
mod raising;
mod rebase;
mod terms;
mod visibility;

use kept_domain::{Party, PartyKind, Role};
use kept_store::testing::TestDatabase;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Persona, TestApp, json, spawn_app, spawn_app_with};

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
