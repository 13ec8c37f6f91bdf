//! Every kind of bad input, against real routes, answers its own problem
//! type naming what was wrong: never a 500, never a plain-text rejection.

use kept_domain::{PartyKind, Role};
use reqwest::header::{ALLOW, CONTENT_TYPE};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json, problem, spawn_app};
use crate::{check_well_formed, raw_request};

/// Sends `body` as-is with `content_type` (none if `None`).
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut request = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    request.send().await.expect("request sent")
}

/// Sends `body` as JSON text.
async fn send_json(app: &TestApp, method: Method, path: &str, token: &str, body: &str) -> Response {
    send(
        app,
        method,
        path,
        token,
        Some("application/json"),
        body.to_owned(),
    )
    .await
}

/// Asserts a `validation-failed` problem and returns the first field it names.
async fn invalid_field(response: Response, case: &str) -> String {
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.text().await.expect("a body");
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{case}: expected 422; got {status}: {body}"
    );
    assert_eq!(content_type, "application/problem+json", "{case}: {body}");
    let problem: Value = serde_json::from_str(&body).expect("a JSON problem");
    assert_eq!(
        problem["type"], "/problems/validation-failed",
        "{case}: {body}"
    );
    problem["errors"][0]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("{case}: no errors[0].field in {body}"))
        .to_owned()
}

/// An app with an admin and an organisation to aim PATCHes at.
async fn arrange() -> (TestApp, String, String) {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Acme", None).await;
    (app, admin.token, org.id.to_string())
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_400_malformed_json_problem() {
    let (app, token, org) = arrange().await;
    let cases = [
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            r#"{"kind": "organisation", "name": "x""#,
        ),
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            r#"{"kind": "organisation", "name": "x"} trailing"#,
        ),
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            "{kind: organisation}",
        ),
        (Method::POST, "/api/v1/parties".to_owned(), ""),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            "{'email': 'a@example.com'}",
        ),
        (
            Method::POST,
            "/api/v1/tokens".to_owned(),
            r#"{"name": "t",}"#,
        ),
        (
            Method::PATCH,
            format!("/api/v1/parties/{org}"),
            r#"{"name": "#,
        ),
        (
            Method::PATCH,
            format!("/api/v1/parties/{org}"),
            "\u{feff}{\"name\": \"x\"}",
        ),
    ];

    for (method, path, body) in cases {
        let response = send_json(&app, method.clone(), &path, &token, body).await;

        let problem = problem(response, StatusCode::BAD_REQUEST, "malformed-json").await;
        assert!(
            problem["detail"].is_string(),
            "{method} {path} {body:?}: malformed-json says where: {problem}"
        );
    }
}

#[tokio::test]
async fn a_value_of_the_wrong_json_type_is_a_422_naming_the_field() {
    let (app, token, org) = arrange().await;
    let user = app
        .persona(
            "someone@example.com",
            Some(org.parse().expect("an id")),
            &[],
        )
        .await;
    let cases = [
        (
            "/api/v1/parties",
            Method::POST,
            r#"{"kind": "organisation", "name": 5}"#,
            "name",
        ),
        (
            "/api/v1/parties",
            Method::POST,
            r#"{"kind": "organisation", "name": ["x"]}"#,
            "name",
        ),
        (
            "/api/v1/parties",
            Method::POST,
            r#"{"kind": "organisation", "name": "x", "internal": "yes"}"#,
            "internal",
        ),
        (
            "/api/v1/parties",
            Method::POST,
            r#"{"kind": "organisation", "name": "x", "parent_id": 7}"#,
            "parent_id",
        ),
        (
            "/api/v1/parties",
            Method::POST,
            r#"{"kind": "organisation", "name": "x", "parent_id": "not-a-uuid"}"#,
            "parent_id",
        ),
        (
            "/api/v1/parties",
            Method::POST,
            r#"{"kind": "organisation", "name": "x", "reference": {"a": 1}}"#,
            "reference",
        ),
        (
            "/api/v1/users",
            Method::POST,
            r#"{"email": 5, "name": "x"}"#,
            "email",
        ),
        (
            "/api/v1/users",
            Method::POST,
            r#"{"email": "b@example.com", "name": "x", "password": 1234567890}"#,
            "password",
        ),
        (
            "/api/v1/tokens",
            Method::POST,
            r#"{"name": "t", "expires_in_days": "soon"}"#,
            "expires_in_days",
        ),
        (
            "/api/v1/tokens",
            Method::POST,
            r#"{"name": "t", "expires_in_days": -1}"#,
            "expires_in_days",
        ),
        (
            "/api/v1/tokens",
            Method::POST,
            r#"{"name": "t", "expires_in_days": 1.5}"#,
            "expires_in_days",
        ),
        (
            "/api/v1/tokens",
            Method::POST,
            r#"{"name": "t", "expires_in_days": 99999999999}"#,
            "expires_in_days",
        ),
    ];
    let patches = [
        (
            format!("/api/v1/parties/{org}"),
            r#"{"reference": 5}"#,
            "reference",
        ),
        (
            format!("/api/v1/parties/{org}"),
            r#"{"parent_id": false}"#,
            "parent_id",
        ),
        (
            format!("/api/v1/parties/{org}"),
            r#"{"internal": "no"}"#,
            "internal",
        ),
        (
            format!("/api/v1/users/{}", user.user.id),
            r#"{"email": ["a@example.com"]}"#,
            "email",
        ),
    ];

    let mut all: Vec<(String, Method, &str, &str)> = cases
        .into_iter()
        .map(|(p, m, b, f)| (p.to_owned(), m, b, f))
        .collect();
    all.extend(
        patches
            .into_iter()
            .map(|(p, b, f)| (p, Method::PATCH, b, f)),
    );
    for (path, method, body, field) in all {
        let case = format!("{method} {path} {body}");
        let response = send_json(&app, method, &path, &token, body).await;

        assert_eq!(invalid_field(response, &case).await, field, "{case}");
    }
}

#[tokio::test]
async fn an_enum_field_sent_as_a_non_string_is_a_422_naming_the_field() {
    // `kind`, `role`, … are enums. serde_json rejects a number, bool, null or
    // array where it expects an enum with a *syntax*-category error, which
    // must still be reported as the field's fault, not as malformed JSON.
    let (app, token, org) = arrange().await;
    let user = app
        .persona(
            "someone@example.com",
            Some(org.parse().expect("an id")),
            &[],
        )
        .await;
    let grants = format!("/api/v1/users/{}/grants", user.user.id);
    let cases = [
        (
            "/api/v1/parties",
            r#"{"kind": 5, "name": "x"}"#.to_owned(),
            "kind",
        ),
        (
            "/api/v1/parties",
            r#"{"kind": true, "name": "x"}"#.to_owned(),
            "kind",
        ),
        (
            "/api/v1/parties",
            r#"{"kind": null, "name": "x"}"#.to_owned(),
            "kind",
        ),
        (
            "/api/v1/parties",
            r#"{"kind": ["site"], "name": "x"}"#.to_owned(),
            "kind",
        ),
        (
            "/api/v1/parties",
            r#"{"kind": {}, "name": "x"}"#.to_owned(),
            "kind",
        ),
        (
            grants.as_str(),
            format!(r#"{{"role": 1, "party_id": "{org}"}}"#),
            "role",
        ),
        (
            grants.as_str(),
            format!(r#"{{"role": false, "party_id": "{org}"}}"#),
            "role",
        ),
    ];

    let mut failures = Vec::new();
    for (path, body, field) in cases {
        let response = send_json(&app, Method::POST, path, &token, &body).await;
        let status = response.status();
        let text = response.text().await.expect("a body");
        let named = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|p| p["errors"][0]["field"].as_str().map(str::to_owned));
        if status != StatusCode::UNPROCESSABLE_ENTITY || named.as_deref() != Some(field) {
            failures.push(format!("POST {path} {body} → {status} {text}"));
        }
    }

    assert!(
        failures.is_empty(),
        "expected 422 validation-failed naming the enum field:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_a_422_naming_the_body_or_field() {
    let (app, token, _) = arrange().await;
    let cases = [
        (r#""a string""#, "body"),
        ("null", "body"),
        ("42", "body"),
        ("[]", "body"),
        (
            r#"{"kind": {"organisation": 1}, "name": "x"}"#,
            "kind.organisation",
        ),
    ];

    for (body, field) in cases {
        let response = send_json(&app, Method::POST, "/api/v1/parties", &token, body).await;

        assert_eq!(invalid_field(response, body).await, field, "{body}");
    }
}

#[tokio::test]
async fn an_unknown_field_is_a_422_naming_it() {
    let (app, token, org) = arrange().await;
    let cases = [
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            r#"{"kind": "organisation", "name": "x", "colour": "red"}"#,
            "colour",
        ),
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            r#"{"kind": "organisation", "name": "x", "Name": "y"}"#,
            "Name",
        ),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            r#"{"email": "b@example.com", "name": "x", "role": "admin"}"#,
            "role",
        ),
        (
            Method::POST,
            "/api/v1/tokens".to_owned(),
            r#"{"name": "t", "scope": "all"}"#,
            "scope",
        ),
        (
            Method::PATCH,
            format!("/api/v1/parties/{org}"),
            r#"{"kind": "site"}"#,
            "kind",
        ),
        (
            Method::PATCH,
            format!("/api/v1/parties/{org}"),
            r#"{"archived_at": null}"#,
            "archived_at",
        ),
    ];

    for (method, path, body, field) in cases {
        let case = format!("{method} {path} {body}");
        let response = send_json(&app, method, &path, &token, body).await;

        assert_eq!(invalid_field(response, &case).await, field, "{case}");
    }
}

#[tokio::test]
async fn a_missing_required_field_is_a_422_naming_it() {
    let (app, token, org) = arrange().await;
    let user = app
        .persona(
            "someone@example.com",
            Some(org.parse().expect("an id")),
            &[],
        )
        .await;
    let grants = format!("/api/v1/users/{}/grants", user.user.id);
    let cases = [
        ("/api/v1/parties", r#"{"name": "x"}"#.to_owned(), "kind"),
        (
            "/api/v1/parties",
            r#"{"kind": "organisation"}"#.to_owned(),
            "name",
        ),
        (
            "/api/v1/users",
            r#"{"email": "b@example.com"}"#.to_owned(),
            "name",
        ),
        ("/api/v1/users", r#"{"name": "B"}"#.to_owned(), "email"),
        ("/api/v1/tokens", "{}".to_owned(), "name"),
        (
            grants.as_str(),
            r#"{"role": "customer"}"#.to_owned(),
            "party_id",
        ),
        (
            grants.as_str(),
            format!(r#"{{"party_id": "{org}"}}"#),
            "role",
        ),
    ];

    for (path, body, field) in cases {
        let case = format!("POST {path} {body}");
        let response = send_json(&app, Method::POST, path, &token, &body).await;

        assert_eq!(invalid_field(response, &case).await, field, "{case}");
    }
}

#[tokio::test]
async fn a_name_of_only_invisible_or_control_characters_is_refused_like_an_empty_one() {
    let (app, token, org) = arrange().await;
    let routes = [
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            json!({"kind": "organisation"}),
        ),
        (Method::PATCH, format!("/api/v1/parties/{org}"), json!({})),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            json!({"email": "b@example.com"}),
        ),
        (Method::POST, "/api/v1/tokens".to_owned(), json!({})),
    ];
    let count = async || {
        let listed = json(app.get("/api/v1/parties", &token).await, StatusCode::OK).await;
        listed["items"].as_array().map_or(0, Vec::len)
    };
    let before = count().await;

    for (method, path, base) in routes {
        let answer = async |name: &str| {
            let mut body = base.clone();
            body["name"] = json!(name);
            let response = send_json(&app, method.clone(), &path, &token, &body.to_string()).await;
            let case = format!("{method} {path} {body}");
            let problem = json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(problem["errors"][0]["field"], "name", "{case}: {problem}");
            problem["errors"][0]["message"].clone()
        };
        let empty = answer("").await;
        for blank in ["\u{200B}", "\u{0007}", " \u{200B}\t ", "\u{FEFF}\u{2060}"] {
            assert_eq!(answer(blank).await, empty, "{method} {path} {blank:?}");
        }
    }
    assert_eq!(count().await, before, "nothing was created");
}

#[tokio::test]
async fn a_value_the_domain_refuses_is_a_422_naming_the_field() {
    let (app, token, org) = arrange().await;
    let long_name = "n".repeat(201);
    let cases = [
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            json!({"kind": "organisation", "name": "   "}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            json!({"kind": "organisation", "name": long_name}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            json!({"kind": "organisation", "name": "tab\there"}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            json!({"kind": "organisation", "name": "x", "reference": "a b"}),
            "reference",
        ),
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            json!({"kind": "site", "name": "Orphan site"}),
            "parent_id",
        ),
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            json!({"kind": "site", "name": "x", "parent_id": "01890000-0000-7000-8000-000000000000"}),
            "parent_id",
        ),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            json!({"email": "not-an-email", "name": "B"}),
            "email",
        ),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            json!({"email": "b@", "name": "B"}),
            "email",
        ),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            json!({"email": "b@example.com", "name": "B", "password": "short"}),
            "password",
        ),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            json!({"email": "b@example.com", "name": ""}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/tokens".to_owned(),
            json!({"name": ""}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/tokens".to_owned(),
            json!({"name": "t".repeat(101)}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/tokens".to_owned(),
            json!({"name": "t", "expires_in_days": 0}),
            "expires_in_days",
        ),
        (
            Method::POST,
            "/api/v1/tokens".to_owned(),
            json!({"name": "t", "expires_in_days": 3651}),
            "expires_in_days",
        ),
        (
            Method::PATCH,
            format!("/api/v1/parties/{org}"),
            json!({"name": " "}),
            "name",
        ),
        (
            Method::PATCH,
            format!("/api/v1/parties/{org}"),
            json!({"reference": "with space"}),
            "reference",
        ),
    ];

    for (method, path, body, field) in cases {
        let case = format!("{method} {path} {body}");
        let response = send_json(&app, method, &path, &token, &body.to_string()).await;

        assert_eq!(invalid_field(response, &case).await, field, "{case}");
    }
}

#[tokio::test]
async fn a_body_over_one_mebibyte_with_a_content_length_is_a_413() {
    let (app, token, org) = arrange().await;
    let big = format!(
        r#"{{"kind": "organisation", "name": "{}"}}"#,
        "a".repeat(1024 * 1024)
    );

    for (method, path) in [
        (Method::POST, "/api/v1/parties".to_owned()),
        (Method::PATCH, format!("/api/v1/parties/{org}")),
        (Method::POST, "/api/v1/tokens".to_owned()),
    ] {
        let response = send_json(&app, method, &path, &token, &big).await;

        problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
    }
}

#[tokio::test]
async fn a_body_over_one_mebibyte_with_an_idempotency_key_is_a_413() {
    let (app, token, _) = arrange().await;
    let big = format!(r#"{{"name": "{}"}}"#, "a".repeat(1024 * 1024 + 1));

    let response = app
        .client
        .post(app.url("/api/v1/tokens"))
        .bearer_auth(&token)
        .header(CONTENT_TYPE, "application/json")
        .header("idempotency-key", "big-body")
        .body(big)
        .send()
        .await
        .expect("request sent");

    problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
}

#[tokio::test]
async fn a_chunked_body_over_one_mebibyte_without_a_content_length_is_a_413() {
    let (app, token, _) = arrange().await;
    let body = format!(
        r#"{{"kind": "organisation", "name": "{}"}}"#,
        "a".repeat(1024 * 1024 + 100)
    )
    .into_bytes();

    for idempotency in ["", "Idempotency-Key: chunked-big\r\n"] {
        let head = format!(
            "POST /api/v1/parties HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n{idempotency}Connection: close\r\n"
        );

        let raw = raw_request(&app.address, head, body.clone(), true).await;

        assert_eq!(raw.status, 413, "{idempotency:?}: {raw:?}");
        check_well_formed(
            raw.status,
            raw.header("content-type").unwrap_or_default(),
            &raw.body,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let problem: Value = serde_json::from_str(&raw.body).expect("a problem");
        assert_eq!(problem["type"], "/problems/payload-too-large");
    }
}

#[tokio::test]
async fn a_chunked_body_under_the_limit_is_read() {
    let (app, token, _) = arrange().await;
    let body = br#"{"kind": "organisation", "name": "Chunked Ltd"}"#.to_vec();
    let head = format!(
        "POST /api/v1/parties HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    );

    let raw = raw_request(&app.address, head, body, true).await;

    assert_eq!(raw.status, 201, "{raw:?}");
    let party: Value = serde_json::from_str(&raw.body).expect("a party");
    assert_eq!(party["name"], "Chunked Ltd");
}

#[tokio::test]
async fn a_body_of_exactly_one_mebibyte_is_read_and_validated() {
    let (app, token, _) = arrange().await;
    let frame = r#"{"kind": "organisation", "name": ""}"#;
    let body = format!(
        r#"{{"kind": "organisation", "name": "{}"}}"#,
        "a".repeat(1024 * 1024 - frame.len())
    );
    assert_eq!(body.len(), 1024 * 1024);

    let response = send_json(&app, Method::POST, "/api/v1/parties", &token, &body).await;

    assert_eq!(invalid_field(response, "1 MiB body").await, "name");
}

#[tokio::test]
async fn a_body_that_is_not_declared_json_is_a_415() {
    let (app, token, org) = arrange().await;
    let body = r#"{"kind": "organisation", "name": "x"}"#;
    let content_types = [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/xml"),
        Some("application/jsonp"),
        Some("json"),
        None,
    ];

    for content_type in content_types {
        for (method, path) in [
            (Method::POST, "/api/v1/parties".to_owned()),
            (Method::PATCH, format!("/api/v1/parties/{org}")),
        ] {
            let response = send(&app, method, &path, &token, content_type, body).await;

            let problem = problem(
                response,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
            )
            .await;
            assert!(problem["detail"].is_string(), "{content_type:?}: {problem}");
        }
    }
}

#[tokio::test]
async fn json_with_parameters_or_a_json_suffix_is_accepted() {
    let (app, token, _) = arrange().await;

    for (i, content_type) in [
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
    ]
    .into_iter()
    .enumerate()
    {
        let body = json!({"kind": "organisation", "name": format!("Org {i}")}).to_string();
        let response = send(
            &app,
            Method::POST,
            "/api/v1/parties",
            &token,
            Some(content_type),
            body,
        )
        .await;

        json(response, StatusCode::CREATED).await;
    }
}

#[tokio::test]
async fn a_bad_query_parameter_is_a_422_naming_it() {
    let (app, token, _) = arrange().await;
    // A cursor in the right encoding but with the wrong number of parts.
    let two_part_cursor = "YQBi"; // base64url("a\0b")
    let cases = [
        ("/api/v1/parties?limit=abc", "limit"),
        ("/api/v1/parties?limit=-1", "limit"),
        ("/api/v1/parties?limit=0", "limit"),
        ("/api/v1/parties?limit=201", "limit"),
        ("/api/v1/parties?limit=99999999999", "limit"),
        ("/api/v1/parties?internal=maybe", "internal"),
        ("/api/v1/parties?parent_id=nope", "parent_id"),
        ("/api/v1/parties?under=12", "under"),
        ("/api/v1/parties?kind=planet", "kind"),
        ("/api/v1/parties?archived=sometimes", "archived"),
        ("/api/v1/parties?order=random", "order"),
        ("/api/v1/parties?colour=red", "colour"),
        ("/api/v1/parties?kind=site&Kind=site", "Kind"),
        ("/api/v1/parties?cursor=%25%25%25", "cursor"),
        ("/api/v1/parties?cursor=not*base64", "cursor"),
        ("/api/v1/users?limit=x", "limit"),
        ("/api/v1/users?role=wizard", "role"),
        ("/api/v1/users?archived=1", "archived"),
        ("/api/v1/users?page=2", "page"),
        ("/api/v1/users?cursor=%F0%9F%98%80", "cursor"),
        ("/api/v1/audit-events?actor=nope", "actor"),
        ("/api/v1/audit-events?action=party.exploded", "action"),
        ("/api/v1/audit-events?limit=1000", "limit"),
        ("/api/v1/audit-events?since=yesterday", "since"),
        ("/api/v1/audit-events?cursor=~~", "cursor"),
    ];
    let cursor_cases = [
        (
            format!("/api/v1/parties?cursor={two_part_cursor}"),
            "cursor",
        ),
        (format!("/api/v1/users?cursor={two_part_cursor}"), "cursor"),
        (
            format!("/api/v1/audit-events?cursor={two_part_cursor}"),
            "cursor",
        ),
        // The name order's cursor has two parts; a created-order cursor one.
        ("/api/v1/parties?order=name&cursor=YQ".to_owned(), "cursor"),
    ];

    let all = cases
        .into_iter()
        .map(|(p, f)| (p.to_owned(), f))
        .chain(cursor_cases);
    for (path, field) in all {
        let response = app.get(&path, &token).await;

        assert_eq!(invalid_field(response, &path).await, field, "{path}");
    }
}

#[tokio::test]
async fn a_cursor_of_one_list_given_to_another_is_refused_or_harmless() {
    let (app, token, _) = arrange().await;
    for i in 0..3 {
        app.party(PartyKind::Organisation, &format!("Org {i}"), None)
            .await;
    }
    let page = json(
        app.get("/api/v1/parties?order=name&limit=1", &token).await,
        StatusCode::OK,
    )
    .await;
    let name_cursor = page["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();

    for path in [
        format!("/api/v1/parties?cursor={name_cursor}"),
        format!("/api/v1/users?cursor={name_cursor}"),
        format!("/api/v1/audit-events?cursor={name_cursor}"),
    ] {
        let response = app.get(&path, &token).await;
        let status = response.status();

        assert!(
            status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {status}"
        );
        json(response, status).await;
    }
}

#[tokio::test]
async fn a_path_id_that_is_not_a_uuid_is_a_404() {
    let (app, token, org) = arrange().await;
    let user = app
        .persona(
            "someone@example.com",
            Some(org.parse().expect("an id")),
            &[],
        )
        .await;
    let patch = json!({"name": "x"});
    let garbage = [
        "not-a-uuid",
        "123",
        "%FF",
        "%00",
        "0190d8e0-zzzz-7000-8000-000000000000",
    ];

    for id in garbage {
        let user_grant = format!("/api/v1/users/{}/grants/{id}", user.user.id);
        let responses = [
            app.get(&format!("/api/v1/parties/{id}"), &token).await,
            app.get(&format!("/api/v1/users/{id}"), &token).await,
            app.get(&format!("/api/v1/users/{id}/grants"), &token).await,
            app.patch(&format!("/api/v1/parties/{id}"), &token, &patch)
                .await,
            app.patch(&format!("/api/v1/users/{id}"), &token, &patch)
                .await,
            app.post(&format!("/api/v1/parties/{id}/archive"), &token, &json!({}))
                .await,
            app.post(&format!("/api/v1/users/{id}/restore"), &token, &json!({}))
                .await,
            app.post(
                &format!("/api/v1/users/{id}/invitation"),
                &token,
                &json!({}),
            )
            .await,
            app.delete(&format!("/api/v1/tokens/{id}"), &token).await,
            app.delete(&format!("/api/v1/users/{id}/grants/{id}"), &token)
                .await,
            app.delete(&user_grant, &token).await,
        ];

        for response in responses {
            let url = response.url().to_string();
            let body = problem(response, StatusCode::NOT_FOUND, "not-found").await;
            assert_ne!(
                body["detail"], "no such API route",
                "{url}: the route exists, only the id is bad"
            );
        }
    }
}

#[tokio::test]
async fn a_well_formed_id_of_nothing_is_a_404() {
    let (app, token, _) = arrange().await;
    let nothing = "01890000-0000-7000-8000-000000000000";

    for path in [
        format!("/api/v1/parties/{nothing}"),
        format!("/api/v1/users/{nothing}"),
        format!("/api/v1/users/{nothing}/grants"),
    ] {
        problem(
            app.get(&path, &token).await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
    }
    problem(
        app.delete(&format!("/api/v1/tokens/{nothing}"), &token)
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_api_route_is_a_404_problem() {
    let (app, token, org) = arrange().await;
    let paths = [
        "/api/v1/nope".to_owned(),
        "/api/v1".to_owned(),
        "/api/v1/".to_owned(),
        "/api/v1/parties/".to_owned(),
        "/api/v1/Parties".to_owned(),
        format!("/api/v1/parties/{org}/nope"),
        format!("/api/v1/parties/{org}/archive/again"),
        "/api/v1/users/me".to_owned() + "/x/y",
    ];

    let mut failures = Vec::new();
    for path in &paths {
        for method in [Method::GET, Method::POST, Method::DELETE] {
            let response = send_json(&app, method.clone(), path, &token, "{}").await;
            let status = response.status();
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = response.text().await.expect("a body");

            let problem: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            if status != StatusCode::NOT_FOUND
                || content_type != "application/problem+json"
                || problem["type"] != "/problems/not-found"
                || problem["detail"] != "no such API route"
            {
                let start: String = body.chars().take(80).collect();
                failures.push(format!(
                    "{method} {path} → {status} {content_type}: {start}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "expected the `no such API route` problem:\n{}",
        failures.join("\n")
    );
    // Without a token too: an unknown route is not a secret.
    let anonymous = app
        .client
        .get(app.url("/api/v1/nope"))
        .send()
        .await
        .expect("sent");
    problem(anonymous, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn a_method_a_route_does_not_accept_is_a_405_with_an_allow_header() {
    let (app, token, org) = arrange().await;
    let cases = [
        (
            Method::PUT,
            "/api/v1/parties".to_owned(),
            &["GET", "POST"][..],
        ),
        (
            Method::DELETE,
            "/api/v1/parties".to_owned(),
            &["GET", "POST"][..],
        ),
        (
            Method::DELETE,
            format!("/api/v1/parties/{org}"),
            &["GET", "PATCH"][..],
        ),
        (
            Method::PUT,
            format!("/api/v1/parties/{org}"),
            &["GET", "PATCH"][..],
        ),
        (
            Method::GET,
            format!("/api/v1/parties/{org}/archive"),
            &["POST"][..],
        ),
        (
            Method::PATCH,
            "/api/v1/tokens".to_owned(),
            &["GET", "POST"][..],
        ),
        (
            Method::GET,
            "/api/v1/tokens/01890000-0000-7000-8000-000000000000".to_owned(),
            &["DELETE"][..],
        ),
        (Method::POST, "/api/v1/me".to_owned(), &["GET"][..]),
        (
            Method::POST,
            "/api/v1/openapi.json".to_owned(),
            &["GET"][..],
        ),
        (
            Method::POST,
            "/api/v1/audit-events".to_owned(),
            &["GET"][..],
        ),
    ];

    for (method, path, allowed) in cases {
        let response = send_json(&app, method.clone(), &path, &token, "{}").await;

        let allow = response
            .headers()
            .get(ALLOW)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{method} {path}: 405 without an Allow header"))
            .to_owned();
        problem(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
        )
        .await;
        let listed: Vec<&str> = allow.split(',').map(str::trim).collect();
        for method in allowed {
            assert!(
                listed.contains(method),
                "{path}: Allow `{allow}` lacks {method}"
            );
        }
    }
}

/// Text holding NUL characters, wherever the API takes text, is refused or
/// stored, never a server error (PostgreSQL refuses NUL in text columns).
pub async fn check_nul_characters_never_cause_a_server_error(app: &TestApp) {
    let admin = app.admin().await;
    let token = admin.token.as_str();
    let org = app.party(PartyKind::Organisation, "Nul Org", None).await;
    let person = app
        .persona("nul@example.com", Some(org.id), &[(Role::Customer, org.id)])
        .await;
    let nul = "a\u{0}b";
    let bodies = [
        ("/api/v1/tokens".to_owned(), json!({"name": nul})),
        (
            "/api/v1/parties".to_owned(),
            json!({"kind": "organisation", "name": nul}),
        ),
        (
            "/api/v1/parties".to_owned(),
            json!({"kind": "organisation", "name": "x", "reference": nul}),
        ),
        (
            "/api/v1/users".to_owned(),
            json!({"email": "a\u{0}@example.com", "name": "x"}),
        ),
        (
            "/api/v1/users".to_owned(),
            json!({"email": "nul2@example.com", "name": "x", "password": "0123456789\u{0}"}),
        ),
    ];
    let patches = [
        (format!("/api/v1/parties/{}", org.id), json!({"name": nul})),
        (
            format!("/api/v1/parties/{}", org.id),
            json!({"reference": nul}),
        ),
        (
            format!("/api/v1/users/{}", person.user.id),
            json!({"name": nul}),
        ),
        (
            format!("/api/v1/users/{}", person.user.id),
            json!({"email": "b\u{0}@example.com"}),
        ),
    ];
    let queries = [
        "/api/v1/parties?q=%00",
        "/api/v1/parties?q=a%00b&order=name",
        "/api/v1/users?q=%00",
        "/api/v1/audit-events?subject_type=%00",
        "/api/v1/audit-events?subject_id=%00",
        "/api/v1/audit-events?action=%00",
        // A cursor is base64 of NUL-separated parts: extra NULs are extra parts.
        "/api/v1/parties?cursor=AAAA",
    ];

    let mut failures = Vec::new();
    let mut record = |what: String, status: StatusCode, content_type: String, body: String| {
        if let Err(e) = check_well_formed(status.as_u16(), &content_type, &body) {
            failures.push(format!("{}: {}", what.escape_debug(), e.escape_debug()));
        }
    };
    let content_type = |r: &Response| {
        r.headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    for (path, body) in bodies {
        let response = app.post(&path, token, &body).await;
        let (status, ct) = (response.status(), content_type(&response));
        record(
            format!("POST {path} {body}"),
            status,
            ct,
            response.text().await.expect("a body"),
        );
    }
    for (path, body) in patches {
        let response = app.patch(&path, token, &body).await;
        let (status, ct) = (response.status(), content_type(&response));
        record(
            format!("PATCH {path} {body}"),
            status,
            ct,
            response.text().await.expect("a body"),
        );
    }
    for path in queries {
        let response = app.get(path, token).await;
        let (status, ct) = (response.status(), content_type(&response));
        record(
            format!("GET {path}"),
            status,
            ct,
            response.text().await.expect("a body"),
        );
    }
    // The caller's own name, which a user may change themself.
    let response = app
        .patch(
            &format!("/api/v1/users/{}", person.user.id),
            &person.token,
            &json!({"name": nul}),
        )
        .await;
    let (status, ct) = (response.status(), content_type(&response));
    record(
        "PATCH own name".to_owned(),
        status,
        ct,
        response.text().await.expect("a body"),
    );

    assert!(
        failures.is_empty(),
        "NUL characters caused bad responses:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn nul_characters_in_text_never_cause_a_server_error() {
    let app = spawn_app().await;

    check_nul_characters_never_cause_a_server_error(&app).await;
}

#[tokio::test]
async fn a_repeated_json_field_is_a_422_naming_it() {
    let (app, token, org) = arrange().await;
    let cases = [
        (
            Method::POST,
            "/api/v1/parties".to_owned(),
            r#"{"kind": "organisation", "name": "a", "name": "b"}"#,
            "name",
        ),
        (
            Method::POST,
            "/api/v1/tokens".to_owned(),
            r#"{"name": "t", "expires_in_days": 1, "expires_in_days": 2}"#,
            "expires_in_days",
        ),
        (
            Method::PATCH,
            format!("/api/v1/parties/{org}"),
            r#"{"internal": true, "internal": false}"#,
            "internal",
        ),
    ];

    let mut failures = Vec::new();
    for (method, path, body, field) in cases {
        let response = send_json(&app, method.clone(), &path, &token, body).await;
        let status = response.status();
        let text = response.text().await.expect("a body");
        let named = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|p| p["errors"][0]["field"].as_str().map(str::to_owned));
        if status != StatusCode::UNPROCESSABLE_ENTITY || named.as_deref() != Some(field) {
            failures.push(format!("{method} {path} {body} → {status} {text}"));
        }
    }

    assert!(
        failures.is_empty(),
        "expected 422 naming the repeated field:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_repeated_query_parameter_is_a_422_naming_it() {
    let (app, token, _) = arrange().await;
    let cases = [
        ("/api/v1/parties?limit=1&limit=2", "limit"),
        ("/api/v1/parties?q=a&q=b", "q"),
        ("/api/v1/users?role=admin&role=agent", "role"),
        (
            "/api/v1/audit-events?action=party.created&action=party.updated",
            "action",
        ),
    ];

    let mut failures = Vec::new();
    for (path, field) in cases {
        let response = app.get(path, &token).await;
        let status = response.status();
        let text = response.text().await.expect("a body");
        let named = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|p| p["errors"][0]["field"].as_str().map(str::to_owned));
        if status != StatusCode::UNPROCESSABLE_ENTITY || named.as_deref() != Some(field) {
            failures.push(format!("GET {path} → {status} {text}"));
        }
    }

    assert!(
        failures.is_empty(),
        "expected 422 naming the repeated parameter (not `body`):\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_malformed_authorization_header_is_a_401_problem() {
    let (app, _, _) = arrange().await;
    let values: Vec<reqwest::header::HeaderValue> = vec![
        reqwest::header::HeaderValue::from_static("Basic YWRtaW46YWRtaW4="),
        reqwest::header::HeaderValue::from_static("Bearer"),
        reqwest::header::HeaderValue::from_static("Bearer "),
        reqwest::header::HeaderValue::from_static("bearer kept_x"),
        reqwest::header::HeaderValue::from_static("Bearer kept_x kept_y"),
        reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").expect("obs-text"),
        reqwest::header::HeaderValue::from_str(&format!("Bearer {}", "k".repeat(8000)))
            .expect("ASCII"),
    ];

    for value in values {
        let response = app
            .client
            .get(app.url("/api/v1/me"))
            .header(reqwest::header::AUTHORIZATION, value.clone())
            .send()
            .await
            .expect("sent");

        assert!(
            response.headers().contains_key("www-authenticate"),
            "{value:?}"
        );
        problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
}

#[tokio::test]
async fn a_header_block_over_64_kib_is_refused_with_a_problem_and_one_under_is_served() {
    let (app, token, _) = arrange().await;
    let head = |padding: usize| {
        format!(
            "GET /api/v1/parties HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nX-Padding: {}\r\nConnection: close\r\n",
            "a".repeat(padding)
        )
    };

    let over = raw_request(&app.address, head(80_000), Vec::new(), false).await;
    let under = raw_request(&app.address, head(60_000), Vec::new(), false).await;

    assert_eq!(over.status, 431, "{over:?}");
    assert_eq!(
        over.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        over.body.contains("/problems/headers-too-large"),
        "{over:?}"
    );
    assert_eq!(under.status, 200, "{under:?}");
}

#[tokio::test]
async fn an_over_long_url_or_header_block_is_refused_not_dropped() {
    // These limits are enforced by the HTTP parser before the application
    // sees the request: the answer is a bare status with an empty body (see
    // the report), but it must be a 4xx, never a reset connection or a 5xx.
    let (app, token, _) = arrange().await;
    let long_url = format!(
        "GET /api/v1/parties?q={} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n",
        "a".repeat(70_000)
    );
    let long_header = format!(
        "GET /api/v1/parties HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nX-Padding: {}\r\nConnection: close\r\n",
        "a".repeat(500_000)
    );

    let url = raw_request(&app.address, long_url, Vec::new(), false).await;
    let header = raw_request(&app.address, long_header, Vec::new(), false).await;

    assert_eq!(url.status, 414, "{url:?}");
    // hyper refuses this block while reading it when it arrives in pieces,
    // Kept after parsing it when it arrives at once: 431 either way.
    assert_eq!(header.status, 431, "{header:?}");
    // Just under the URL limit, the application itself answers (here: the
    // search term is longer than a search term may be).
    let fine = app
        .get(&format!("/api/v1/parties?q={}", "a".repeat(8_000)), &token)
        .await;
    let body = problem(fine, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
    assert_eq!(body["errors"][0]["field"], "q");
}
