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
    /// A team of the provider named `name` with `who` as its only member,
    /// full time on `calendar`; returns its id.
    #[allow(dead_code, reason = "not every suite plans work")]
    pub async fn team_of_one(&self, name: &str, who: &Persona, calendar: &str) -> String {
        let team = self
            .app
            .party(PartyKind::Team, name, Some(self.provider.id))
            .await
            .id
            .to_string();
        let path = format!("/api/v1/teams/{team}/members/{}", who.user.id);
        let body = json!({"calendar_id": calendar, "share_percent": 100});
        json(
            self.app.put(&path, &self.manager.token, &body).await,
            reqwest::StatusCode::OK,
        )
        .await;
        team
    }

    /// Raises a request as `customer` (assigned to `team` if any),
    /// promises it by `date`, moves it to `agreed` if given (proposed by the
    /// agent, accepted by the customer) and fulfils it, after the date when
    /// that is only seconds away (so that the promise is broken).
    #[allow(dead_code, reason = "not every suite settles promises")]
    pub async fn settled_promise(
        &self,
        customer: &Persona,
        team: Option<&str>,
        date: jiff::Timestamp,
        agreed: Option<jiff::Timestamp>,
    ) {
        let ok = reqwest::StatusCode::OK;
        let body = json!({"contract_id": self.contract, "service_id": self.repairs,
                          "kind": "service_request", "subject": "Replace a fuse"});
        let id = created(&self.app, &customer.token, "/api/v1/requests", body).await;
        let agent = &self.agent.token;
        if let Some(team) = team {
            let path = format!("/api/v1/requests/{id}/assignment");
            json(
                self.app.put(&path, agent, &json!({"team_id": team})).await,
                ok,
            )
            .await;
        }
        let promise = format!("/api/v1/requests/{id}/promise");
        let made = self.app.post(&promise, agent, &json!({"date": date})).await;
        json(made, reqwest::StatusCode::CREATED).await;
        if let Some(agreed) = agreed {
            let body = json!({"date": agreed, "reason": "The part is on back order"});
            let proposal = created(&self.app, agent, &format!("{promise}/proposals"), body).await;
            let answer = format!("/api/v1/promise-proposals/{proposal}/answer");
            let accept = json!({"accept": true});
            json(self.app.post(&answer, &customer.token, &accept).await, ok).await;
        }
        let left = date - jiff::Timestamp::now();
        if left < jiff::SignedDuration::from_secs(5) {
            // Fulfilled after its date has passed, the promise is broken.
            let wait = u64::try_from(left.as_millis().max(0)).unwrap_or(0) + 200;
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        }
        for action in ["acknowledge", "start", "fulfil"] {
            let path = format!("/api/v1/requests/{id}/actions");
            json(
                self.app
                    .post(&path, agent, &json!({"action": action}))
                    .await,
                ok,
            )
            .await;
        }
    }

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
