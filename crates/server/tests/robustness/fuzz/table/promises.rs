//! Promises: a quote for the team's service, the assigned request's
//! promise, a new date proposed for it and the answer. The at-risk list
//! (`GET /promises/at-risk`) takes no body and fills no path parameter:
//! the fuzzer reads it, like every GET, with random `team_id` and `mine`.

use reqwest::Method;
use serde_json::json;

use super::{Resource, step, valid};

/// A proposed date, by id; the request's promise rides on the request.
pub fn promise_bodies() -> Resource {
    Resource {
        item: "/promise-proposals/{id}",
        id_field: "id",
        created_by: &["/requests/{id}/promise/proposals"],
        bodies: vec![
            valid(Method::POST, "/promises/quote", |k, n| {
                json!({
                    "contract_id": k.id("contract"),
                    "service_id": k.id("repairs"),
                    "team_id": k.id("team"),
                    "priority": if n % 2 == 0 { "normal" } else { "urgent" },
                    "effort": format!("{}h", 1 + n % 8),
                })
            }),
            valid(
                Method::POST,
                "/requests/{id}/promise",
                |_, n| json!({ "date": format!("2031-{:02}-10T12:00:00Z", 1 + n % 12) }),
            ),
            valid(Method::POST, "/requests/{id}/promise/proposals", |_, n| {
                json!({
                    "date": format!("2031-{:02}-20T12:00:00Z", 1 + n % 12),
                    "reason": format!("The parts come later {n}"),
                })
            }),
            valid(
                Method::POST,
                "/promise-proposals/{id}/answer",
                |_, n| json!({ "accept": n % 2 == 0 }),
            ),
        ],
        seeds: vec![
            step(Method::POST, "/promises/quote"),
            step(Method::POST, "/requests/{id}/promise"),
            step(Method::POST, "/requests/{id}/promise/proposals"),
            step(Method::POST, "/promise-proposals/{id}/answer"),
        ],
    }
}
