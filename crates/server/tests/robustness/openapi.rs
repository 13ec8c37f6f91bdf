//! `/api/v1/openapi.json` lists every route, and the router has nothing the
//! document does not list.

use std::collections::BTreeSet;

use kept_domain::{PartyKind, Role};
use reqwest::header::{ALLOW, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json, spawn_app};

/// Every operation of the API, written out from the `#[utoipa::path]`
/// attributes in `crates/server/src/api/*.rs`. Adding, removing or
/// undocumenting a route must change this list.
const KNOWN_ROUTES: &[(&str, &str)] = &[
    ("GET", "/me"),
    ("GET", "/parties"),
    ("POST", "/parties"),
    ("GET", "/parties/{id}"),
    ("PATCH", "/parties/{id}"),
    ("POST", "/parties/{id}/archive"),
    ("POST", "/parties/{id}/restore"),
    ("GET", "/parties/{id}/chain"),
    ("GET", "/links"),
    ("POST", "/links"),
    ("GET", "/links/{id}"),
    ("POST", "/links/{id}/archive"),
    ("POST", "/links/{id}/restore"),
    ("GET", "/chain/path"),
    ("GET", "/calendars"),
    ("POST", "/calendars"),
    ("GET", "/calendars/{id}"),
    ("PATCH", "/calendars/{id}"),
    ("POST", "/calendars/{id}/archive"),
    ("POST", "/calendars/{id}/restore"),
    ("GET", "/calendars/{id}/due"),
    ("GET", "/calendars/{id}/elapsed"),
    ("GET", "/services"),
    ("POST", "/services"),
    ("GET", "/services/{id}"),
    ("PATCH", "/services/{id}"),
    ("POST", "/services/{id}/archive"),
    ("POST", "/services/{id}/restore"),
    ("GET", "/contracts"),
    ("POST", "/contracts"),
    ("GET", "/contracts/{id}"),
    ("PATCH", "/contracts/{id}"),
    ("POST", "/contracts/{id}/archive"),
    ("POST", "/contracts/{id}/restore"),
    ("POST", "/contracts/{id}/scope-check"),
    ("GET", "/contracts/{id}/terms"),
    ("GET", "/contracts/{id}/terms/versions"),
    ("POST", "/contracts/{id}/terms/versions"),
    ("PUT", "/contracts/{id}/terms/versions/{version}"),
    ("GET", "/contracts/{id}/terms/versions/{version}/diff"),
    ("POST", "/contracts/{id}/change-requests"),
    ("GET", "/change-requests"),
    ("GET", "/change-requests/{id}"),
    ("PUT", "/change-requests/{id}"),
    ("GET", "/change-requests/{id}/preview"),
    ("POST", "/change-requests/{id}/submit"),
    ("POST", "/change-requests/{id}/withdraw"),
    ("POST", "/change-requests/{id}/redraft"),
    ("POST", "/change-requests/{id}/approve"),
    ("POST", "/change-requests/{id}/reject"),
    ("POST", "/change-requests/{id}/apply"),
    ("GET", "/requests"),
    ("POST", "/requests"),
    ("GET", "/requests/{id}"),
    ("GET", "/requests/{id}/events"),
    ("POST", "/requests/{id}/actions"),
    ("POST", "/requests/{id}/replies"),
    ("POST", "/requests/{id}/notes"),
    ("PUT", "/requests/{id}/assignment"),
    ("GET", "/teams"),
    ("GET", "/teams/{id}"),
    ("PUT", "/teams/{id}/members/{user_id}"),
    ("DELETE", "/teams/{id}/members/{user_id}"),
    ("POST", "/teams/{id}/absences"),
    ("DELETE", "/teams/{id}/absences/{absence_id}"),
    ("POST", "/promises/quote"),
    ("GET", "/promises/at-risk"),
    ("GET", "/requests/{id}/promise"),
    ("GET", "/requests/{id}/lines"),
    ("GET", "/services/{id}/quantity-check"),
    ("POST", "/requests/{id}/promise"),
    ("POST", "/requests/{id}/promise/proposals"),
    ("GET", "/promise-proposals/{id}"),
    ("POST", "/promise-proposals/{id}/answer"),
    ("GET", "/reports/promises"),
    ("POST", "/requests/{id}/escalations"),
    ("GET", "/requests/{id}/chain"),
    ("GET", "/users"),
    ("POST", "/users"),
    ("GET", "/users/{id}"),
    ("PATCH", "/users/{id}"),
    ("POST", "/users/{id}/archive"),
    ("POST", "/users/{id}/restore"),
    ("POST", "/users/{id}/invitation"),
    ("GET", "/users/{id}/grants"),
    ("POST", "/users/{id}/grants"),
    ("DELETE", "/users/{id}/grants/{grant_id}"),
    ("GET", "/tokens"),
    ("POST", "/tokens"),
    ("DELETE", "/tokens/{id}"),
    ("GET", "/webhooks"),
    ("POST", "/webhooks"),
    ("DELETE", "/webhooks/{id}"),
    ("GET", "/audit-events"),
    ("POST", "/inbound-email"),
    ("GET", "/openapi.json"),
];

/// The methods an API route could be asked for.
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Methods OpenAPI names as path-item keys.
const OPENAPI_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

async fn spec(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("sent");
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let spec = json(response, StatusCode::OK).await;
    assert!(
        content_type.starts_with("application/json"),
        "the document is JSON: {content_type}"
    );
    spec
}

/// The documented (METHOD, path) pairs.
fn documented(spec: &Value) -> BTreeSet<(String, String)> {
    let mut pairs = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (key, _) in item.as_object().expect("a path item") {
            if OPENAPI_METHODS.contains(&key.as_str()) {
                pairs.insert((key.to_uppercase(), path.clone()));
            }
        }
    }
    pairs
}

/// Real ids for path parameters, so a routed request reaches its handler.
async fn fill(app: &TestApp) -> (String, impl Fn(&str) -> String) {
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Acme", None).await;
    let someone = app
        .persona(
            "someone@example.com",
            Some(org.id),
            &[(Role::Customer, org.id)],
        )
        .await;
    let grants = json(
        app.get(
            &format!("/api/v1/users/{}/grants", someone.user.id),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let grant = grants[0]["id"].as_str().expect("a grant").to_owned();
    let (org, user) = (org.id.to_string(), someone.user.id.to_string());
    let token_id = "01890000-0000-7000-8000-000000000000".to_owned();
    let filler = move |template: &str| {
        let id = if template.starts_with("/parties") {
            &org
        } else if template.starts_with("/tokens") {
            &token_id
        } else {
            &user
        };
        template.replace("{id}", id).replace("{grant_id}", &grant)
    };
    (admin.token, filler)
}

#[tokio::test]
async fn the_openapi_document_is_openapi_3_1_with_responses_and_tags_everywhere() {
    let app = spawn_app().await;

    let spec = spec(&app).await;

    let version = spec["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3.1"), "OpenAPI 3.1, got {version}");
    assert_eq!(
        spec["servers"][0]["url"], "/api/v1",
        "paths are relative to /api/v1"
    );
    assert!(spec["info"]["title"].is_string());
    let declared_tags: BTreeSet<&str> = spec["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let mut problems = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        if !path.starts_with('/') {
            problems.push(format!("{path}: paths start with /"));
        }
        for (method, operation) in item.as_object().expect("a path item") {
            if !OPENAPI_METHODS.contains(&method.as_str()) {
                continue;
            }
            let responses = operation["responses"].as_object();
            if responses.is_none_or(|r| r.is_empty()) {
                problems.push(format!("{method} {path}: no responses"));
            }
            let tags = operation["tags"].as_array();
            match tags {
                Some(tags) if !tags.is_empty() => {
                    for tag in tags {
                        let tag = tag.as_str().unwrap_or_default();
                        if !declared_tags.contains(tag) {
                            problems.push(format!("{method} {path}: tag `{tag}` is not declared"));
                        }
                    }
                }
                _ => problems.push(format!("{method} {path}: no tag")),
            }
            if !operation["operationId"].is_string() {
                problems.push(format!("{method} {path}: no operationId"));
            }
            let documented_params: BTreeSet<&str> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let path_params = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')));
            for name in path_params.filter(|name| !documented_params.contains(name)) {
                problems.push(format!(
                    "{method} {path}: path parameter {name} undocumented"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn the_documented_routes_are_exactly_the_known_routes() {
    let app = spawn_app().await;

    let documented = documented(&spec(&app).await);

    let known: BTreeSet<(String, String)> = KNOWN_ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let undocumented: Vec<_> = known.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&known).collect();
    assert!(
        undocumented.is_empty() && unknown.is_empty(),
        "known but not documented: {undocumented:?}\ndocumented but not in KNOWN_ROUTES: {unknown:?}"
    );
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let app = spawn_app().await;
    let (token, fill) = fill(&app).await;
    let documented = documented(&spec(&app).await);

    let mut problems = Vec::new();
    for (method, template) in &documented {
        let path = format!("/api/v1{}", fill(template));
        let response = app
            .client
            .request(
                Method::from_bytes(method.as_bytes()).expect("a method"),
                app.url(&path),
            )
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await
            .expect("sent");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);

        if status == StatusCode::METHOD_NOT_ALLOWED
            || status.is_server_error()
            || (status == StatusCode::NOT_FOUND && body["detail"] == "no such API route")
        {
            problems.push(format!("{method} {path}: {status} {body}"));
        }
    }
    assert!(
        problems.is_empty(),
        "documented but not served:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
async fn every_method_a_documented_path_does_not_list_is_a_405() {
    let app = spawn_app().await;
    let (token, fill) = fill(&app).await;
    let documented = documented(&spec(&app).await);
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();

    let mut problems = Vec::new();
    for template in paths {
        let listed: BTreeSet<&str> = documented
            .iter()
            .filter(|(_, p)| p == template)
            .map(|(m, _)| m.as_str())
            .collect();
        let path = format!("/api/v1{}", fill(template));
        for method in METHODS.iter().filter(|m| !listed.contains(*m)) {
            let response = app
                .client
                .request(
                    Method::from_bytes(method.as_bytes()).expect("a method"),
                    app.url(&path),
                )
                .bearer_auth(&token)
                .json(&json!({}))
                .send()
                .await
                .expect("sent");
            let status = response.status();
            let allow = response
                .headers()
                .get(ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();

            if status != StatusCode::METHOD_NOT_ALLOWED {
                problems.push(format!("{method} {path}: {status}, not 405"));
                continue;
            }
            // Allow lists what is documented (and HEAD, which GET implies).
            let mut expected = listed.clone();
            if expected.contains("GET") {
                expected.insert("HEAD");
            }
            let allowed: BTreeSet<&str> = allow.split(',').map(str::trim).collect();
            if allowed != expected {
                problems.push(format!(
                    "{method} {path}: Allow `{allow}`, documented {expected:?}"
                ));
            }
        }
        // HEAD is served exactly where GET is.
        let head = app
            .client
            .head(app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent")
            .status();
        if listed.contains("GET") == (head == StatusCode::METHOD_NOT_ALLOWED) {
            problems.push(format!("HEAD {path}: {head}, documented {listed:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `$ref` under `value`, with where it was found.
fn refs(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref"
                    && let Some(target) = inner.as_str()
                {
                    out.push((at.to_owned(), target.to_owned()));
                }
                refs(inner, &format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (n, inner) in items.iter().enumerate() {
                refs(inner, &format!("{at}/{n}"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_reference_in_the_document_is_defined() {
    let app = spawn_app().await;
    let spec = spec(&app).await;

    let mut found = Vec::new();
    refs(&spec, "", &mut found);
    let undefined: Vec<_> = found
        .iter()
        .filter(|(_, target)| {
            target
                .strip_prefix('#')
                .is_none_or(|pointer| spec.pointer(pointer).is_none())
        })
        .collect();

    assert!(
        found.len() > 100,
        "the document uses references: {}",
        found.len()
    );
    assert!(undefined.is_empty(), "undefined references: {undefined:?}");
}

#[tokio::test]
async fn every_constraint_the_server_declares_lands_on_a_property_of_the_document() {
    let app = spawn_app().await;
    let spec = spec(&app).await;

    let unmatched = kept_server::api::contract::unmatched_constraints(&spec);

    assert!(
        unmatched.is_empty(),
        "crates/server/src/api/constraints.rs names what the document lacks: {unmatched:?}"
    );
    let name = &spec["components"]["schemas"]["CreateParty"]["properties"]["name"];
    assert_eq!(name["minLength"], 1, "{name}");
    assert_eq!(name["maxLength"], 200, "{name}");
}

#[tokio::test]
async fn every_operation_documents_the_statuses_of_its_kind() {
    let app = spawn_app().await;
    let spec = spec(&app).await;

    let mut missing = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let responses = &operation["responses"];
            let open = operation["security"].as_array().is_some_and(|r| {
                r.iter()
                    .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
            // The inbound email hook has a token of its own: no roles to
            // forbid it, no user to keep idempotency keys for.
            let own_token = operation["security"].as_array().is_some_and(|r| {
                !r.is_empty()
                    && r.iter().all(|r| {
                        r.as_object()
                            .is_some_and(|o| !o.is_empty() && !o.contains_key("bearer"))
                    })
            });
            let mut expected = Vec::new();
            if !open {
                expected.push("401");
            }
            if path.contains('{') {
                expected.push("404");
            }
            if operation.get("requestBody").is_some() {
                expected.extend(["400", "413", "415", "422"]);
            }
            if method == "post" && !open && !own_token {
                expected.extend(["409", "422"]);
            }
            if method != "get" && !open && !own_token && !path.starts_with("/tokens") {
                expected.push("403");
            }
            for status in expected {
                if responses.get(status).is_none() {
                    missing.push(format!("{method} {path} {status}"));
                }
            }
        }
    }

    assert!(missing.is_empty(), "undocumented statuses: {missing:?}");
}

#[tokio::test]
async fn audit_actions_are_documented_as_the_server_sends_them() {
    let app = spawn_app().await;
    let spec = spec(&app).await;

    let actions = spec["components"]["schemas"]["AuditAction"]["enum"]
        .as_array()
        .expect("an enum of actions");

    assert!(actions.iter().any(|a| a == "token.created"), "{actions:?}");
    assert!(!actions.iter().any(|a| a == "TokenCreated"), "{actions:?}");
}

#[tokio::test]
async fn what_a_customer_is_refused_on_what_they_can_see_is_documented() {
    let app = spawn_app().await;
    let client = app.party(PartyKind::Organisation, "Harbour", None).await;
    let leeds = app.party(PartyKind::Site, "Leeds", Some(client.id)).await;
    let tom = app
        .persona(
            "tom@example.com",
            Some(leeds.id),
            &[(Role::Customer, leeds.id)],
        )
        .await;
    let spec = spec(&app).await;
    let (site, me) = (leeds.id.to_string(), tom.user.id.to_string());
    let calls = [
        ("/parties/{id}/archive", site.as_str(), None),
        ("/parties/{id}/restore", site.as_str(), None),
        ("/users/{id}/invitation", me.as_str(), None),
        ("/users/{id}/restore", me.as_str(), None),
        (
            "/users/{id}/grants",
            me.as_str(),
            Some(json!({"role": "admin", "party_id": site})),
        ),
        (
            "/webhooks",
            "",
            Some(json!({"url": "https://hooks.example", "topics": ["request_raised"]})),
        ),
    ];

    let mut undocumented = Vec::new();
    for (template, id, body) in calls {
        let mut request = app
            .client
            .post(app.url(&format!("/api/v1{}", template.replace("{id}", id))))
            .bearer_auth(&tom.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let status = request.send().await.expect("sent").status();
        let documented = &spec["paths"][template]["post"]["responses"];
        assert!(status.is_client_error(), "{template}: {status}");
        if documented.get(status.as_str()).is_none() {
            undocumented.push(format!("POST {template} {status}"));
        }
    }

    assert!(
        undocumented.is_empty(),
        "answered but not documented: {undocumented:?}"
    );
}
