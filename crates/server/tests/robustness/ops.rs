//! The operations endpoints and the headers every response carries.

use kept_domain::PartyKind;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, json, problem, spawn_app};

/// Set in the environment of a child run of this test binary.
const CHILD: &str = "KEPT_ROBUSTNESS_CHILD";

#[tokio::test]
async fn healthz_answers_200_naming_the_database() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");

    let body = json(response, StatusCode::OK).await;
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "sqlite");
}

#[tokio::test]
async fn healthz_answers_503_when_the_database_is_gone() {
    let app = spawn_app().await;

    app.store.close().await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");

    problem(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "service-unavailable",
    )
    .await;
}

#[tokio::test]
async fn the_api_answers_503_not_500_when_the_database_is_gone() {
    let app = spawn_app().await;
    let admin = app.admin().await;

    app.store.close().await;
    let list = app.get("/api/v1/parties", &admin.token).await;
    let create = app
        .post(
            "/api/v1/parties",
            &admin.token,
            &json!({"kind": "organisation", "name": "Offline"}),
        )
        .await;

    problem(list, StatusCode::SERVICE_UNAVAILABLE, "service-unavailable").await;
    problem(
        create,
        StatusCode::SERVICE_UNAVAILABLE,
        "service-unavailable",
    )
    .await;
}

async fn scrape(app: &TestApp) -> String {
    let response = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain"),
        "Prometheus text exposition: {content_type}"
    );
    response.text().await.expect("a body")
}

/// The sample lines of `metric` whose labels include every one of `labels`.
fn samples<'a>(text: &'a str, metric: &str, labels: &[&str]) -> Vec<&'a str> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(&format!("{metric}{{")))
        .filter(|l| labels.iter().all(|label| l.contains(label)))
        .collect()
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Measured", None).await;
    // The recorder is process-wide: scrape once so that it is installed
    // whichever test runs first (see the next test for why that matters).
    scrape(&app).await;

    for _ in 0..3 {
        json(
            app.get("/api/v1/parties", &admin.token).await,
            StatusCode::OK,
        )
        .await;
    }
    json(
        app.get(&format!("/api/v1/parties/{}", org.id), &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let text = scrape(&app).await;

    let listed = samples(
        &text,
        "http_requests_total",
        &[
            r#"route="/api/v1/parties""#,
            r#"method="GET""#,
            r#"status="200""#,
        ],
    );
    assert!(
        !listed.is_empty(),
        "no http_requests_total for the list:\n{text}"
    );
    let count: f64 = listed[0]
        .rsplit(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("a count");
    assert!(count >= 3.0, "{}", listed[0]);
    assert!(
        !samples(
            &text,
            "http_requests_total",
            &[r#"route="/api/v1/parties/{id}""#]
        )
        .is_empty(),
        "a request with an id is counted under its template:\n{text}"
    );
    assert!(
        !text.contains(&org.id.to_string()),
        "no concrete id in metric labels"
    );
    assert!(
        !samples(
            &text,
            "http_request_duration_seconds_bucket",
            &[r#"route="/api/v1/parties""#, "le="]
        )
        .is_empty(),
        "a duration histogram per route:\n{text}"
    );
    assert!(text.contains("# TYPE http_requests_total counter"));
    assert!(text.contains("# TYPE http_request_duration_seconds histogram"));
}

#[tokio::test]
async fn metrics_count_requests_served_before_the_first_scrape() {
    // Metrics are process-wide, and other tests in this binary scrape: run
    // the check in a fresh process where nothing has scraped yet.
    if std::env::var_os(CHILD).is_some() {
        let app = spawn_app().await;
        let admin = app.admin().await;
        json(
            app.get("/api/v1/parties", &admin.token).await,
            StatusCode::OK,
        )
        .await;

        let text = scrape(&app).await;

        assert!(
            !samples(
                &text,
                "http_requests_total",
                &[r#"route="/api/v1/parties""#]
            )
            .is_empty(),
            "a request served before the first scrape is not counted:\n{text}"
        );
        return;
    }
    let exe = std::env::current_exe().expect("the test binary");

    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(exe)
            .args([
                "ops::metrics_count_requests_served_before_the_first_scrape",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .output()
    })
    .await
    .expect("the child thread")
    .expect("running the test binary again");

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("running 1 test"),
        "the child run did not run the test: {stdout}"
    );
    assert!(
        output.status.success(),
        "in a fresh process:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Requests of many kinds, with a name to report: success and error, API
/// and page, routed and not.
async fn assorted(app: &TestApp, token: &str) -> Vec<(String, Response)> {
    let big = "x".repeat(1024 * 1024 + 1);
    let requests: Vec<(&str, RequestBuilder)> = vec![
        ("healthz", app.client.get(app.url("/healthz"))),
        ("metrics", app.client.get(app.url("/metrics"))),
        ("openapi", app.client.get(app.url("/api/v1/openapi.json"))),
        (
            "api 200",
            app.client
                .get(app.url("/api/v1/parties"))
                .bearer_auth(token),
        ),
        (
            "api 201",
            app.client
                .post(app.url("/api/v1/parties"))
                .bearer_auth(token)
                .json(&json!({"kind": "organisation", "name": "Headers"})),
        ),
        ("api 401", app.client.get(app.url("/api/v1/parties"))),
        (
            "api 404 route",
            app.client.get(app.url("/api/v1/nope")).bearer_auth(token),
        ),
        (
            "api 404 id",
            app.client
                .get(app.url("/api/v1/parties/x"))
                .bearer_auth(token),
        ),
        (
            "api 405",
            app.client
                .put(app.url("/api/v1/parties"))
                .bearer_auth(token),
        ),
        (
            "api 413",
            app.client
                .post(app.url("/api/v1/parties"))
                .bearer_auth(token)
                .header(CONTENT_TYPE, "application/json")
                .body(big),
        ),
        (
            "api 415",
            app.client
                .post(app.url("/api/v1/parties"))
                .bearer_auth(token)
                .header(CONTENT_TYPE, "text/plain")
                .body("{}"),
        ),
        (
            "api 422",
            app.client
                .get(app.url("/api/v1/parties?limit=0"))
                .bearer_auth(token),
        ),
        ("page", app.client.get(app.url("/login"))),
        ("page 404", app.client.get(app.url("/no-such-page"))),
        ("problems page", app.client.get(app.url("/problems"))),
        ("redirect", app.client.get(app.url("/"))),
        ("asset 404", app.client.get(app.url("/assets/nope.css"))),
    ];
    let mut responses = Vec::new();
    for (name, request) in requests {
        responses.push((name.to_owned(), request.send().await.expect("sent")));
    }
    responses
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let admin = app.admin().await;

    let responses = assorted(&app, &admin.token).await;

    let mut seen = std::collections::BTreeSet::new();
    for (name, response) in &responses {
        let id = header(response, "x-request-id")
            .unwrap_or_else(|| panic!("{name} ({}): no x-request-id", response.status()));
        assert_eq!(id.len(), 36, "{name}: a UUID, got {id}");
        assert!(seen.insert(id.to_owned()), "{name}: request ids are unique");
    }
}

#[tokio::test]
async fn a_client_supplied_request_id_is_echoed() {
    let app = spawn_app().await;
    let admin = app.admin().await;

    for (i, (method, path, token)) in [
        (Method::GET, "/api/v1/parties", Some(&admin.token)),
        (Method::GET, "/api/v1/nope", Some(&admin.token)),
        (Method::GET, "/api/v1/parties", None),
        (Method::GET, "/healthz", None),
        (Method::GET, "/login", None),
        (Method::DELETE, "/api/v1/parties", Some(&admin.token)),
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("trace-{i}-abc");
        let mut request = app
            .client
            .request(method.clone(), app.url(path))
            .header("x-request-id", &id);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }

        let response = request.send().await.expect("sent");

        assert_eq!(
            header(&response, "x-request-id"),
            Some(id.as_str()),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn every_response_forbids_content_sniffing() {
    let app = spawn_app().await;
    let admin = app.admin().await;

    for (name, response) in assorted(&app, &admin.token).await {
        assert_eq!(
            header(&response, "x-content-type-options"),
            Some("nosniff"),
            "{name} ({})",
            response.status()
        );
    }
}

#[tokio::test]
async fn html_pages_may_not_be_framed_and_carry_a_content_security_policy() {
    let app = spawn_app().await;

    for path in [
        "/login",
        "/no-such-page",
        "/problems",
        "/problems/not-found",
    ] {
        let response = app.client.get(app.url(path)).send().await.expect("sent");

        let content_type = header(&response, "content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        assert_eq!(header(&response, "x-frame-options"), Some("DENY"), "{path}");
        let csp = header(&response, "content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no content-security-policy"));
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src"), "{path}: {csp}");
    }
}

#[tokio::test]
async fn api_responses_are_not_cached() {
    let app = spawn_app().await;
    let admin = app.admin().await;

    let responses = assorted(&app, &admin.token).await;

    for (name, response) in responses
        .iter()
        .filter(|(n, _)| n.starts_with("api") || n == "openapi")
    {
        assert_eq!(
            header(response, "cache-control"),
            Some("no-store"),
            "{name} ({})",
            response.status()
        );
    }
    let replay = crate::idempotency::post_with_key(
        &app,
        "/api/v1/tokens",
        &admin.token,
        "cache",
        &json!({"name": "t"}),
    )
    .await;
    assert_eq!(header(&replay, "cache-control"), Some("no-store"));
    let replay = crate::idempotency::post_with_key(
        &app,
        "/api/v1/tokens",
        &admin.token,
        "cache",
        &json!({"name": "t"}),
    )
    .await;
    assert_eq!(header(&replay, "idempotent-replayed"), Some("true"));
    assert_eq!(header(&replay, "cache-control"), Some("no-store"));
}
