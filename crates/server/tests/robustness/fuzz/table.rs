//! The fuzzer's table: one [`Resource`] per resource of the API, in the
//! order the world is seeded (a resource after those its bodies name).
//!
//! An entry says where the resource's ids go (the path of one item: its last
//! parameter takes them), which operations create one (their 201 adds a real
//! id to aim at), a valid body for every operation with a body in its part
//! of the API, and the seed steps that build real instances through the API
//! before the fuzzing starts. Each valid body is sent once unmutated by a
//! seed step and must succeed, so the table cannot silently go stale; the
//! fuzzer fails, naming this file, on an operation of the OpenAPI document
//! it has no body for or a path parameter no entry fills.
//!
//! A body is made by a plain function of the ids known so far and a number
//! `n` that is 0 when seeding and different for every fuzzed request: the
//! variant chosen for 0 is the one that must fit the freshly seeded world,
//! and `n` keeps names, emails and references apart.
//!
//! To add a resource, write a `fn widget_bodies() -> Resource` like those
//! below (its item path, the POST that creates one, a valid body for each
//! of its operations with a body, and seed steps that send each of those
//! bodies once) and list it in [`resources`] after the resources its bodies
//! name. A new route with a body of an existing resource is one more line
//! in that resource's `bodies` and one in its `seeds`.

mod promises;

use reqwest::Method;
use serde_json::{Value, json};

pub use super::known::Known;

/// Makes a valid body from the ids known so far and a number (0 when seeding).
pub type MakeBody = fn(&Known, u64) -> Value;

/// What the fuzzer knows of one resource.
pub struct Resource {
    /// The path of one item, as in the OpenAPI document; its last parameter
    /// is this resource's id wherever a path starts with this one.
    pub item: &'static str,
    /// The member of the item's JSON that holds that id.
    pub id_field: &'static str,
    /// The POST paths whose 201 answer is a new one of these.
    pub created_by: &'static [&'static str],
    /// A valid body for each operation with a body, by method and path.
    pub bodies: Vec<Valid>,
    /// Run once, in order, to build real instances; each must answer 2xx.
    pub seeds: Vec<Seed>,
}

/// A valid body of one operation.
pub struct Valid {
    /// The operation's method.
    pub method: Method,
    /// The operation's path, as in the OpenAPI document.
    pub template: &'static str,
    /// Makes the body.
    pub make: MakeBody,
}

/// One request of the seeding: the path's parameters take the newest id of
/// their resource, the body is the table's valid body for the operation (or
/// none, if it has none) unless the step gives its own.
pub struct Seed {
    /// The method.
    pub method: Method,
    /// The operation's path, as in the OpenAPI document.
    pub template: &'static str,
    /// A body of the step's own: for instances the valid body does not make.
    pub body: Option<MakeBody>,
    /// A name for the id the step creates, for bodies to refer to.
    pub name: Option<&'static str>,
    /// Real items of other resources to remember once the step is done:
    /// for ids a resource shares with another (a team is a party made by
    /// `POST /parties`) or that a `PUT` creates (a team's member).
    pub learn: Option<Learn>,
}

/// Real items to remember after a seed step: (item path, path values).
pub type Learn = fn(&Known) -> Vec<(&'static str, Vec<String>)>;

impl Seed {
    /// Names the id this step creates.
    fn named(mut self, name: &'static str) -> Self {
        self.name = Some(name);
        self
    }

    /// Sends this body instead of the table's.
    fn with(mut self, body: MakeBody) -> Self {
        self.body = Some(body);
        self
    }

    /// Remembers these items once the step is done.
    fn learning(mut self, learn: Learn) -> Self {
        self.learn = Some(learn);
        self
    }
}

/// A valid body of `method template`.
fn valid(method: Method, template: &'static str, make: MakeBody) -> Valid {
    Valid {
        method,
        template,
        make,
    }
}

/// A seed step sending the table's valid body (if any) of `method template`.
fn step(method: Method, template: &'static str) -> Seed {
    Seed {
        method,
        template,
        body: None,
        name: None,
        learn: None,
    }
}

/// An instant `n` minutes into a month long after any test runs (so that
/// versions starting then stay scheduled and editable), for `n` up to a
/// month's worth.
fn future(month: u64, n: u64) -> String {
    let n = n % (28 * 24 * 60);
    format!(
        "2099-{month:02}-{:02}T{:02}:{:02}:00Z",
        1 + n / (24 * 60),
        n / 60 % 24,
        n % 60
    )
}

/// `items[n]`, round and round: `items[0]` when seeding.
fn nth<'a>(items: &[&'a str], n: u64) -> &'a str {
    items[(n % items.len() as u64) as usize]
}

/// A calendar's rules as JSON.
fn office_hours() -> Value {
    json!({
        "zone": "Europe/London",
        "week": {
            "mon": ["09:00-17:30"], "tue": ["09:00-17:30"], "wed": ["09:00-17:30"],
            "thu": ["09:00-17:30"], "fri": ["09:00-12:30", "13:30-17:00"]
        },
        "holidays": [{ "date": "2026-12-25", "name": "Christmas Day" }]
    })
}

/// The same sort of rules as TOML.
const OFFICE_TOML: &str = "zone = \"UTC\"\n[week]\nmon = [\"08:00-16:00\"]\nsat = [\"22:00-06:00\"]\n[[holidays]]\ndate = \"2026-01-01\"\nname = \"New Year\"\n";

/// Terms of the seeded contract: an SLA target, a KPI and scope items.
fn terms(k: &Known, first_response: &str) -> Value {
    json!({
        "sla": [{
            "service_id": k.id("repairs"), "priority": "urgent",
            "first_response": first_response, "resolution": "24h"
        }],
        "kpis": [{ "kpi": "on_time_rate", "at_least": 95, "period": "quarter" }],
        "in_scope": ["Leaking taps"],
        "out_of_scope": ["Roof repairs"]
    })
}

/// Parties: a supplier, the client with a site, and the provider.
fn party_bodies() -> Resource {
    Resource {
        item: "/parties/{id}",
        id_field: "id",
        created_by: &["/parties"],
        bodies: vec![
            valid(Method::POST, "/parties", |k, n| {
                json!({
                    "kind": nth(&["site", "team", "department", "organisation"], n),
                    "name": format!("Fuzz party {n}"),
                    "parent_id": k.id("client"),
                    "internal": false,
                    "reference": format!("FZ-{n}"),
                })
            }),
            valid(
                Method::PATCH,
                "/parties/{id}",
                |_, n| json!({"name": format!("Renamed {n}"), "internal": n % 2 == 1, "reference": null}),
            ),
        ],
        seeds: vec![
            step(Method::POST, "/parties")
                .named("supplier")
                .with(|_, _| json!({"kind": "organisation", "name": "Sparkle Supplies"})),
            step(Method::POST, "/parties")
                .named("client")
                .with(|_, _| json!({"kind": "organisation", "name": "Harbour Retail"})),
            step(Method::PATCH, "/parties/{id}"),
            step(Method::POST, "/parties").named("site"),
            step(Method::POST, "/parties")
                .named("provider")
                .with(|_, _| json!({"kind": "organisation", "name": "Brightwell"})),
        ],
    }
}

/// Users: a person at the client's site.
fn user_bodies() -> Resource {
    Resource {
        item: "/users/{id}",
        id_field: "id",
        created_by: &["/users"],
        bodies: vec![
            valid(Method::POST, "/users", |k, n| {
                // No password: hashing one is slow in a debug build; a
                // mutation may still add one.
                json!({
                    "email": format!("fuzz{n}@example.com"),
                    "name": format!("Fuzz person {n}"),
                    "parent_id": k.id("site"),
                    "password": null,
                })
            }),
            valid(
                Method::PATCH,
                "/users/{id}",
                |_, n| json!({"name": format!("Renamed {n}"), "email": format!("renamed{n}@example.com")}),
            ),
        ],
        seeds: vec![
            step(Method::POST, "/users").named("someone"),
            step(Method::PATCH, "/users/{id}"),
        ],
    }
}

/// Grants: the person's role on the site.
fn grant_bodies() -> Resource {
    Resource {
        item: "/users/{id}/grants/{grant_id}",
        id_field: "id",
        created_by: &["/users/{id}/grants"],
        bodies: vec![valid(Method::POST, "/users/{id}/grants", |k, n| {
            json!({
                "role": nth(&["customer", "agent", "manager", "client", "approver", "supplier"], n),
                "party_id": k.id("site"),
            })
        })],
        seeds: vec![step(Method::POST, "/users/{id}/grants")],
    }
}

/// API tokens of the admin's.
fn token_bodies() -> Resource {
    Resource {
        item: "/tokens/{id}",
        id_field: "id",
        created_by: &["/tokens"],
        bodies: vec![valid(
            Method::POST,
            "/tokens",
            |_, n| json!({"name": format!("fuzz {n}"), "expires_in_days": 30}),
        )],
        // A token of the admin's that the fuzzer may revoke; the one it uses
        // is not among the real ids.
        seeds: vec![step(Method::POST, "/tokens")],
    }
}

/// Webhook subscriptions of the admin's: scoped to the provider or to
/// every contract, to documentation addresses (so the delivery job, which
/// refuses them, never calls out).
fn webhook_bodies() -> Resource {
    Resource {
        item: "/webhooks/{id}",
        id_field: "id",
        created_by: &["/webhooks"],
        bodies: vec![valid(Method::POST, "/webhooks", |k, n| {
            json!({
                "url": format!("https://203.0.113.{}/kept/{n}", n % 250 + 1),
                "topics": [nth(&["request_raised", "request_breached", "change_applied"], n)],
                "party_id": if n % 2 == 0 { json!(k.id("provider")) } else { Value::Null },
            })
        })],
        seeds: vec![step(Method::POST, "/webhooks")],
    }
}

/// Business calendars of the provider.
fn calendar_bodies() -> Resource {
    Resource {
        item: "/calendars/{id}",
        id_field: "id",
        created_by: &["/calendars"],
        bodies: vec![
            valid(Method::POST, "/calendars", |k, n| {
                let name = format!("Office hours {n}");
                if n % 2 == 0 {
                    json!({"name": name, "owner_id": k.id("provider"), "spec": office_hours()})
                } else {
                    json!({"name": name, "owner_id": k.id("provider"), "toml": OFFICE_TOML})
                }
            }),
            valid(
                Method::PATCH,
                "/calendars/{id}",
                |_, n| json!({"name": format!("Renamed {n}"), "spec": office_hours()}),
            ),
        ],
        seeds: vec![
            step(Method::POST, "/calendars").named("calendar"),
            step(Method::PATCH, "/calendars/{id}"),
        ],
    }
}

/// Services: the provider's repairs and the supplier's spare parts.
fn service_bodies() -> Resource {
    Resource {
        item: "/services/{id}",
        id_field: "id",
        created_by: &["/services"],
        bodies: vec![
            valid(Method::POST, "/services", |k, n| {
                json!({
                    "provider_id": k.id("provider"),
                    "name": format!("Repairs {n}"),
                    "description": "Reactive maintenance of the stores",
                    "unit": "visit",
                    "pack_size": 1,
                    "in_scope": ["Leaking taps", "Broken doors"],
                    "out_of_scope": ["Roof repairs"],
                    "default_effort": "2h",
                    "default_targets": {"first_response": "4h", "resolution": "24h"},
                })
            }),
            valid(Method::PATCH, "/services/{id}", |_, n| {
                json!({
                    "name": format!("Renamed {n}"),
                    "description": "Reactive maintenance",
                    "unit": null,
                    "pack_size": 2,
                    "in_scope": ["Leaking taps"],
                    "out_of_scope": [],
                    "default_effort": "1h",
                    "default_targets": {"first_response": "2h", "resolution": "16h", "delivery": null},
                })
            }),
        ],
        seeds: vec![
            step(Method::POST, "/services")
                .named("parts")
                .with(|k, _| json!({"provider_id": k.id("supplier"), "name": "Spare parts"})),
            step(Method::POST, "/services").named("repairs"),
            step(Method::PATCH, "/services/{id}"),
        ],
    }
}

/// Links: the supplier supplies the provider.
fn link_bodies() -> Resource {
    Resource {
        item: "/links/{id}",
        id_field: "id",
        created_by: &["/links"],
        bodies: vec![valid(Method::POST, "/links", |k, n| {
            // The supplier (the first party) supplies the provider when
            // seeding; fuzzing links other parties to the provider.
            json!({
                "supplier_id": k.pick("/parties/{id}", n),
                "customer_id": k.id("provider"),
                "label": format!("Parts {n}"),
            })
        })],
        seeds: vec![step(Method::POST, "/links")],
    }
}

/// Contracts: the provider's with the client, the supplier's with the provider.
fn contract_bodies() -> Resource {
    Resource {
        item: "/contracts/{id}",
        id_field: "id",
        created_by: &["/contracts"],
        bodies: vec![
            valid(Method::POST, "/contracts", |k, n| {
                json!({
                    "name": format!("Harbour FM {n}"),
                    "provider_id": k.id("provider"),
                    "client_id": k.id("client"),
                    "customer_ids": [k.id("site")],
                    "service_ids": [k.id("repairs")],
                    "calendar_id": k.id("calendar"),
                    "probation_ends_on": "2099-12-31",
                    "steering_group": [k.id("admin")],
                    "quorum": nth(&["all", "majority", "1"], n),
                })
            }),
            valid(
                Method::PATCH,
                "/contracts/{id}",
                |_, n| json!({"name": format!("Renamed {n}")}),
            ),
            valid(Method::POST, "/contracts/{id}/scope-check", |k, _| {
                json!({
                    "customer_id": k.id("site"),
                    "service_id": k.id("repairs"),
                    "subject": "A leaking tap in the staff room",
                })
            }),
        ],
        seeds: vec![
            // The supplier's contract with the provider, for escalations.
            step(Method::POST, "/contracts")
                .named("supply")
                .with(|k, _| {
                    json!({
                        "name": "Parts supply",
                        "provider_id": k.id("supplier"),
                        "client_id": k.id("provider"),
                        "customer_ids": [k.id("provider")],
                        "service_ids": [k.id("parts")],
                        "steering_group": [k.id("admin")],
                        "quorum": "all",
                    })
                }),
            step(Method::POST, "/contracts").named("contract"),
            step(Method::PATCH, "/contracts/{id}"),
            step(Method::POST, "/contracts/{id}/scope-check"),
        ],
    }
}

/// Versions of the contract's terms.
fn terms_bodies() -> Resource {
    // Versions start in January; applied change requests in June, after them.
    let set: MakeBody = |k, n| json!({"effective_from": future(1, n), "terms": terms(k, "4h")});
    Resource {
        item: "/contracts/{id}/terms/versions/{version}",
        id_field: "version",
        created_by: &["/contracts/{id}/terms/versions"],
        bodies: vec![
            valid(Method::POST, "/contracts/{id}/terms/versions", set),
            valid(Method::PUT, "/contracts/{id}/terms/versions/{version}", set),
        ],
        seeds: vec![
            step(Method::POST, "/contracts/{id}/terms/versions"),
            step(Method::PUT, "/contracts/{id}/terms/versions/{version}"),
        ],
    }
}

/// Change requests of the contract.
fn change_request_bodies() -> Resource {
    let draft: MakeBody = |k, n| {
        json!({
            "title": format!("Faster urgent response {n}"),
            "rationale": "Stores lose trade while leaks wait.",
            "changes": {"terms": terms(k, "2h"), "add_customers": [], "remove_services": []},
            "effective_from": null,
            "base_version": null,
        })
    };
    let decision: MakeBody = |_, n| json!({"comment": format!("Decided {n}")});
    Resource {
        item: "/change-requests/{id}",
        id_field: "id",
        created_by: &["/contracts/{id}/change-requests"],
        bodies: vec![
            valid(Method::POST, "/contracts/{id}/change-requests", draft),
            valid(Method::PUT, "/change-requests/{id}", draft),
            valid(Method::POST, "/change-requests/{id}/approve", decision),
            valid(Method::POST, "/change-requests/{id}/reject", decision),
            valid(
                Method::POST,
                "/change-requests/{id}/apply",
                |_, n| json!({"effective_from": future(6, n)}),
            ),
        ],
        // One in each state: applied, rejected, withdrawn, approved,
        // submitted and draft (the admin is the whole steering group).
        seeds: vec![
            step(Method::POST, "/contracts/{id}/change-requests"),
            step(Method::PUT, "/change-requests/{id}"),
            step(Method::POST, "/change-requests/{id}/submit"),
            step(Method::POST, "/change-requests/{id}/approve"),
            step(Method::POST, "/change-requests/{id}/apply"),
            step(Method::POST, "/contracts/{id}/change-requests"),
            step(Method::POST, "/change-requests/{id}/submit"),
            step(Method::POST, "/change-requests/{id}/reject"),
            step(Method::POST, "/contracts/{id}/change-requests"),
            step(Method::POST, "/change-requests/{id}/withdraw"),
            step(Method::POST, "/contracts/{id}/change-requests"),
            step(Method::POST, "/change-requests/{id}/submit"),
            step(Method::POST, "/change-requests/{id}/approve"),
            step(Method::POST, "/contracts/{id}/change-requests"),
            step(Method::POST, "/change-requests/{id}/submit"),
            step(Method::POST, "/contracts/{id}/change-requests"),
        ],
    }
}

/// Requests under the contract, with a reply, a note and an escalation.
fn request_bodies() -> Resource {
    let text: MakeBody = |_, n| json!({"body": format!("Text {n}: the tap still drips.")});
    Resource {
        item: "/requests/{id}",
        id_field: "id",
        created_by: &["/requests", "/requests/{id}/escalations"],
        bodies: vec![
            valid(Method::POST, "/requests", |k, n| {
                json!({
                    "contract_id": k.id("contract"),
                    "customer_id": k.id("site"),
                    "service_id": k.id("repairs"),
                    "kind": nth(&["incident", "service_request", "order", "question"], n),
                    "priority": nth(&["normal", "urgent", "high", "low"], n / 4),
                    "quantity": 1,
                    "effort": "2h",
                    "subject": format!("Leaking tap {n}"),
                    "description": "In the staff room, since Monday.",
                    "requester_id": k.id("someone"),
                })
            }),
            valid(Method::POST, "/requests/{id}/actions", |_, n| {
                let actions = [
                    "acknowledge",
                    "start",
                    "await_customer",
                    "resume",
                    "fulfil",
                    "close",
                    "reopen",
                    "cancel",
                ];
                json!({"action": nth(&actions, n), "reason": "Fuzzing"})
            }),
            valid(Method::POST, "/requests/{id}/replies", text),
            valid(Method::POST, "/requests/{id}/notes", text),
            valid(Method::POST, "/inbound-email", inbound_message),
            valid(Method::POST, "/requests/{id}/escalations", |k, n| {
                json!({
                    "contract_id": k.id("supply"),
                    "service_id": k.id("parts"),
                    "subject": format!("Parts for tap {n}"),
                    "description": "A new washer.",
                    "priority": "high",
                })
            }),
        ],
        seeds: vec![
            step(Method::POST, "/requests").named("request"),
            step(Method::POST, "/requests/{id}/actions"),
            step(Method::POST, "/requests/{id}/replies"),
            step(Method::POST, "/requests/{id}/notes"),
            step(Method::POST, "/requests/{id}/escalations"),
            step(Method::POST, "/inbound-email"),
        ],
    }
}

/// Teams: one of the provider's, with the person as its member, an
/// absence of theirs, and the request assigned to it. A team is a party
/// (`POST /parties` makes it); a member is made by `PUT`.
fn team_bodies() -> Resource {
    let member: MakeBody = |k, n| {
        json!({
            "calendar_id": if n % 2 == 0 { json!(k.id("calendar")) } else { Value::Null },
            "share_percent": 1 + n % 100,
        })
    };
    Resource {
        item: "/teams/{id}",
        id_field: "id",
        created_by: &[],
        bodies: vec![
            valid(Method::PUT, "/teams/{id}/members/{user_id}", member),
            valid(Method::POST, "/teams/{id}/absences", |k, n| {
                json!({
                    "user_id": k.id("someone"),
                    "starts_on": format!("2027-{:02}-01", 1 + n % 12),
                    "ends_on": format!("2027-{:02}-{:02}", 1 + n % 12, 1 + n % 28),
                    "reason": format!("Leave {n}"),
                })
            }),
            valid(Method::PUT, "/requests/{id}/assignment", |k, n| {
                json!({
                    "team_id": k.id("team"),
                    "assignee_id": if n % 2 == 0 { json!(k.id("someone")) } else { Value::Null },
                })
            }),
        ],
        seeds: vec![
            step(Method::POST, "/parties")
                .named("team")
                .with(|k, _| {
                    json!({"kind": "team", "name": "Operations", "parent_id": k.id("provider")})
                })
                .learning(|k| {
                    vec![
                        ("/teams/{id}", vec![k.id("team").to_owned()]),
                        (
                            "/teams/{id}/members/{user_id}",
                            vec![k.id("team").to_owned(), k.id("someone").to_owned()],
                        ),
                    ]
                }),
            step(Method::PUT, "/teams/{id}/members/{user_id}"),
            step(Method::POST, "/teams/{id}/absences"),
            // A request of the provider's (the newest so far is the
            // supplier's escalation), then assigned.
            step(Method::POST, "/requests"),
            step(Method::PUT, "/requests/{id}/assignment"),
        ],
    }
}

/// A team's members, by team and login.
fn member_bodies() -> Resource {
    Resource {
        item: "/teams/{id}/members/{user_id}",
        id_field: "user_id",
        created_by: &[],
        bodies: Vec::new(),
        seeds: Vec::new(),
    }
}

/// A team's absences.
fn absence_bodies() -> Resource {
    Resource {
        item: "/teams/{id}/absences/{absence_id}",
        id_field: "id",
        created_by: &["/teams/{id}/absences"],
        bodies: Vec::new(),
        seeds: Vec::new(),
    }
}

/// Operations whose body is not JSON: their path, the media type they
/// take, and the token they authenticate with instead of an API token. A
/// valid body of one is a JSON string holding the raw body.
pub const RAW: &[(&str, &str, &str)] = &[(
    "/inbound-email",
    "message/rfc822",
    crate::helpers::INBOUND_TOKEN,
)];

/// How an operation's body is sent: its media type and token, when it is
/// one of [`RAW`].
pub fn raw(template: &str) -> Option<(&'static str, &'static str)> {
    RAW.iter()
        .find(|(path, _, _)| *path == template)
        .map(|(_, media, token)| (*media, *token))
}

/// A message to the inbound email hook: from the admin to an address that
/// takes nothing, from nobody known, or a reply with a forged token; each
/// taken in (202) with what it did.
fn inbound_message(_: &Known, n: u64) -> Value {
    let (from, to) = match n % 3 {
        0 => ("admin@example.com", "kept@localhost".to_owned()),
        1 => ("nobody@example.net", "kept@localhost".to_owned()),
        _ => (
            "admin@example.com",
            format!("kept+r{n}-{}@localhost", "ab".repeat(10)),
        ),
    };
    Value::String(format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Fuzz {n}\r\nMessage-ID: <fuzz-{n}@example.com>\r\n\r\nHello {n}.\r\n"
    ))
}

/// Every resource of the API, in seeding order. A new resource is one more
/// entry here.
pub fn resources() -> Vec<Resource> {
    vec![
        party_bodies(),
        user_bodies(),
        grant_bodies(),
        token_bodies(),
        webhook_bodies(),
        calendar_bodies(),
        service_bodies(),
        link_bodies(),
        contract_bodies(),
        terms_bodies(),
        change_request_bodies(),
        request_bodies(),
        team_bodies(),
        member_bodies(),
        absence_bodies(),
        promises::promise_bodies(),
    ]
}
