//! The Harbour FM world that the request tests of the API and of the web
//! pages share: Brightwell provides reactive maintenance to Harbour
//! Retail's Leeds and York stores on a round-the-clock calendar; Harbour's
//! head office placed the contract. No terms are set: each suite sets the
//! version it needs.

use kept_domain::{Party, PartyKind, Role};
use serde_json::{Value, json};

use crate::helpers::{Persona, TestApp, json};

/// Long before any test runs: terms starting then are in force.
pub const PAST: &str = "2025-01-01T00:00:00Z";

/// What the Leeds customer usually reports: inside the repairs' scope.
pub const LEAK: &str = "Leaking tap in the staff kitchen";

/// The parties, people, services and contract of the world.
#[allow(dead_code, reason = "each suite reads the fields it needs")]
pub struct World {
    pub app: TestApp,
    pub admin: Persona,
    pub provider: Party,
    pub head_office: Party,
    pub leeds: Party,
    pub york: Party,
    /// A manager of the provider.
    pub manager: Persona,
    /// An agent of the provider.
    pub agent: Persona,
    /// The client's contact at the head office (the steering group).
    pub client: Persona,
    /// A person of the Leeds store (a customer).
    pub leeds_customer: Persona,
    /// A person of the York store (a customer of the same client).
    pub york_customer: Persona,
    /// A manager of an organisation with nothing to do with the contract.
    pub stranger: Persona,
    /// The contract's service: defaults 8h / 40h / 80h, roof repairs and
    /// asbestos removal out of scope.
    pub repairs: String,
    /// A service of the provider's catalog not on the contract.
    pub cleaning: String,
    /// The contract's calendar (open around the clock).
    pub calendar: String,
    /// The contract: Leeds and York, repairs.
    pub contract: String,
}

impl World {
    /// The provider's manager ends the contract.
    #[allow(dead_code, reason = "not every suite ends the contract")]
    pub async fn end_contract(&self) {
        json(
            self.app
                .post(
                    &format!("/api/v1/contracts/{}/archive", self.contract),
                    &self.manager.token,
                    &json!({}),
                )
                .await,
            reqwest::StatusCode::OK,
        )
        .await;
    }
}

/// The id of a created object.
pub fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

/// `POST path` as `token`, which must create; returns the new id.
pub async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    id_of(
        &json(
            app.post(path, token, &body).await,
            reqwest::StatusCode::CREATED,
        )
        .await,
    )
}

/// Builds the world on `app`.
pub async fn world_on(app: TestApp) -> World {
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
    let elsewhere = app.party(PartyKind::Organisation, "Elsewhere", None).await;
    let manager = app
        .persona(
            "maya@brightwell.example",
            Some(provider.id),
            &[(Role::Manager, provider.id)],
        )
        .await;
    let agent = app
        .persona(
            "arjun@brightwell.example",
            Some(provider.id),
            &[(Role::Agent, provider.id)],
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
    let york_customer = app
        .persona(
            "yara@harbour.example",
            Some(york.id),
            &[(Role::Customer, york.id)],
        )
        .await;
    let stranger = app
        .persona(
            "sam@elsewhere.example",
            Some(elsewhere.id),
            &[(Role::Manager, elsewhere.id)],
        )
        .await;
    let repairs = created(
        &app,
        &admin.token,
        "/api/v1/services",
        json!({
            "provider_id": provider.id, "name": "Reactive maintenance",
            "in_scope": ["Plumbing", "Electrical faults"],
            "out_of_scope": ["Roof repairs", "Asbestos removal"],
            "default_targets": { "first_response": "8h", "resolution": "40h", "delivery": "80h" }
        }),
    )
    .await;
    let cleaning = created(
        &app,
        &admin.token,
        "/api/v1/services",
        json!({ "provider_id": provider.id, "name": "Cleaning" }),
    )
    .await;
    let week: serde_json::Map<String, Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| ((*d).to_owned(), json!(["00:00-24:00"])))
        .collect();
    let calendar = created(
        &app,
        &admin.token,
        "/api/v1/calendars",
        json!({
            "name": "Around the clock", "owner_id": provider.id,
            "spec": { "zone": "UTC", "week": week }
        }),
    )
    .await;
    let contract = created(
        &app,
        &admin.token,
        "/api/v1/contracts",
        json!({
            "name": "Harbour FM", "provider_id": provider.id,
            "client_id": head_office.id,
            "customer_ids": [leeds.id, york.id],
            "service_ids": [repairs],
            "calendar_id": calendar,
            "steering_group": [client.user.id], "quorum": "majority"
        }),
    )
    .await;
    World {
        app,
        admin,
        provider,
        head_office,
        leeds,
        york,
        manager,
        agent,
        client,
        leeds_customer,
        york_customer,
        stranger,
        repairs,
        cleaning,
        calendar,
        contract,
    }
}
