//! `/api/v1/requests`: raising requests against a contract's scope, their
//! lifecycle and SLA clocks, who sees them, the queue's filters and order,
//! and bad input.
//!
//! This file holds the world the tests share and its helpers; the tests
//! are in the modules below.

mod bad_input;
mod caching;
mod chain;
mod intake;
mod lifecycle;
mod lists;
mod visibility;

use kept_store::testing::TestDatabase;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::harbour::world_on;
pub use crate::harbour::{LEAK, PAST, World, created, id_of};
use crate::helpers::{Persona, json, spawn_app, spawn_app_with};

async fn world() -> World {
    world_on(spawn_app().await).await
}

/// A world whose SLA timers look for due alarms every 50 ms.
async fn fast_world() -> World {
    world_on(spawn_app_with(TestDatabase::sqlite(), |c| c.sla_timer_interval_ms = 50).await).await
}

/// A server on a fresh PostgreSQL schema, or `None` to skip when
/// `KEPT_TEST_POSTGRES_URL` is unset.
async fn pg_world() -> Option<World> {
    let db = TestDatabase::postgres().await?;
    Some(world_on(spawn_app_with(db, |_| {}).await).await)
}

fn request_path(id: &str) -> String {
    format!("/api/v1/requests/{id}")
}

/// The clock of `kind` in a request's view.
fn clock<'a>(request: &'a Value, kind: &str) -> &'a Value {
    request["clocks"]
        .as_array()
        .expect("clocks")
        .iter()
        .find(|c| c["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} clock in {request}"))
}

/// The kinds of a request's clocks, in order.
fn clock_kinds(request: &Value) -> Vec<&str> {
    request["clocks"]
        .as_array()
        .expect("clocks")
        .iter()
        .map(|c| c["kind"].as_str().expect("a kind"))
        .collect()
}

/// The kinds of a list of events, in order.
fn event_kinds(events: &Value) -> Vec<&str> {
    events
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().expect("a kind"))
        .collect()
}

/// The fields a validation problem names.
fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().expect("a field"))
                .collect()
        })
        .unwrap_or_default()
}

impl World {
    /// Sets version 1 of the terms, in force since [`PAST`]: urgent repairs
    /// 1h / 4h, normal repairs 2h / 16h / delivery 24h, high repairs
    /// answered within a second (so breached almost at once, for the
    /// queue's tests), and window cleaning excluded.
    async fn set_terms(&self) {
        json(
            self.app
                .post(
                    &format!("/api/v1/contracts/{}/terms/versions", self.contract),
                    &self.manager.token,
                    &json!({
                        "effective_from": PAST,
                        "terms": {
                            "sla": [
                                { "service_id": self.repairs, "priority": "urgent",
                                  "first_response": "1h", "resolution": "4h" },
                                { "service_id": self.repairs, "priority": "normal",
                                  "first_response": "2h", "resolution": "16h", "delivery": "24h" },
                                { "service_id": self.repairs, "priority": "high",
                                  "first_response": "1s", "resolution": "16h" }
                            ],
                            "kpis": [],
                            "in_scope": [],
                            "out_of_scope": ["Window cleaning"]
                        }
                    }),
                )
                .await,
            StatusCode::CREATED,
        )
        .await;
    }

    /// A new request's body: an incident about [`LEAK`] on the contract's
    /// repairs, with `extra` members added or replaced (`null` removes one).
    fn body(&self, extra: Value) -> Value {
        let mut body = json!({
            "contract_id": self.contract,
            "service_id": self.repairs,
            "kind": "incident",
            "subject": LEAK,
        });
        let map = body.as_object_mut().expect("an object");
        for (key, value) in extra.as_object().expect("an object") {
            if value.is_null() {
                map.remove(key);
            } else {
                map.insert(key.clone(), value.clone());
            }
        }
        body
    }

    /// `POST /requests` as `who` with [`World::body`]`(extra)`, unchecked.
    async fn try_raise(&self, who: &Persona, extra: Value) -> Response {
        self.app
            .post("/api/v1/requests", &who.token, &self.body(extra))
            .await
    }

    /// Raises a request as `who`, which must succeed.
    async fn raise(&self, who: &Persona, extra: Value) -> Value {
        json(self.try_raise(who, extra).await, StatusCode::CREATED).await
    }

    /// The Leeds customer's leak: an incident raised without a customer id.
    async fn leak(&self) -> String {
        id_of(&self.raise(&self.leeds_customer, json!({})).await)
    }

    /// `POST /requests/{id}/actions` as `who`, unchecked.
    async fn try_act(
        &self,
        who: &Persona,
        id: &str,
        action: &str,
        reason: Option<&str>,
    ) -> Response {
        let mut body = json!({ "action": action });
        if let Some(reason) = reason {
            body["reason"] = json!(reason);
        }
        self.app
            .post(&format!("{}/actions", request_path(id)), &who.token, &body)
            .await
    }

    /// Takes a step that must succeed; returns the request after it.
    async fn act(&self, who: &Persona, id: &str, action: &str) -> Value {
        let done = json(self.try_act(who, id, action, None).await, StatusCode::OK).await;
        done["request"].clone()
    }

    /// `POST /requests/{id}/{what}` (`replies` or `notes`) as `who`, unchecked.
    async fn try_write(&self, who: &Persona, id: &str, what: &str, text: &str) -> Response {
        self.app
            .post(
                &format!("{}/{what}", request_path(id)),
                &who.token,
                &json!({ "body": text }),
            )
            .await
    }

    /// Replies as `who`, which must succeed; returns the outcome.
    async fn reply(&self, who: &Persona, id: &str, text: &str) -> Value {
        json(
            self.try_write(who, id, "replies", text).await,
            StatusCode::CREATED,
        )
        .await
    }

    /// Reads a request as `who`, which must succeed.
    async fn read(&self, who: &Persona, id: &str) -> Value {
        json(
            self.app.get(&request_path(id), &who.token).await,
            StatusCode::OK,
        )
        .await
    }

    /// A request's events as `who`, which must succeed.
    async fn events(&self, who: &Persona, id: &str) -> Value {
        json(
            self.app
                .get(&format!("{}/events", request_path(id)), &who.token)
                .await,
            StatusCode::OK,
        )
        .await
    }

    /// A page of requests as `who`, with a query string (`?…` or empty).
    async fn list(&self, who: &Persona, query: &str) -> Value {
        json(
            self.app
                .get(&format!("/api/v1/requests{query}"), &who.token)
                .await,
            StatusCode::OK,
        )
        .await
    }

    /// The ids of a page of requests as `who`, in the list's order.
    async fn listed(&self, who: &Persona, query: &str) -> Vec<String> {
        crate::helpers::ids(&self.list(who, query).await)
    }
}
