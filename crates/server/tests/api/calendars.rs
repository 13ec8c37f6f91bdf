//! `/api/v1/calendars`: stored business calendars and arithmetic on them.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{json, problem, spawn_app};

const OFFICE_TOML: &str = "zone = \"Europe/London\"\n[week]\nmon = [\"09:00-12:30\", \"13:30-17:30\"]\ntue = [\"09:00-17:30\"]\nwed = [\"09:00-17:30\"]\nthu = [\"09:00-17:30\"]\nfri = [\"09:00-17:30\", \"22:00-06:00\"]\n[[holidays]]\ndate = \"2026-12-25\"\nname = \"Christmas Day\"\n";

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field").to_owned())
        .collect()
}

#[tokio::test]
async fn a_calendar_written_as_toml_is_stored_and_computes_due_instants() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;

    let created = app
        .post(
            "/api/v1/calendars",
            &admin.token,
            &json!({ "name": "UK office hours", "owner_id": provider.id, "toml": OFFICE_TOML }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let calendar = json(created, StatusCode::CREATED).await;
    let id = calendar["id"].as_str().expect("id").to_owned();
    assert_eq!(location, format!("/api/v1/calendars/{id}"));
    assert_eq!(
        calendar["spec"]["week"]["fri"],
        json!(["09:00-17:30", "22:00-06:00"])
    );
    assert_eq!(calendar["spec"]["holidays"][0]["date"], "2026-12-25");

    let due = json(
        app.get(
            &format!("/api/v1/calendars/{id}/due?start=2026-03-27T16:30:00Z&duration=4h"),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(due["due"], "2026-03-28T01:00:00Z");
    assert_eq!(due["duration"], "4h");
    let elapsed = json(
        app.get(
            &format!(
                "/api/v1/calendars/{id}/elapsed?from=2026-03-27T16:30:00Z&to=2026-04-03T00:00:00Z"
            ),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(elapsed["elapsed"], "42h");
    assert_eq!(elapsed["seconds"], 42 * 3600);
}

#[tokio::test]
async fn a_calendar_given_as_json_round_trips_and_can_be_changed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let spec = json!({ "zone": "UTC", "week": { "mon": ["00:00-24:00"] } });
    let calendar = json(
        app.post(
            "/api/v1/calendars",
            &admin.token,
            &json!({ "name": "Mondays", "owner_id": provider.id, "spec": spec }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = calendar["id"].as_str().expect("id");

    let changed = json(
        app.patch(&format!("/api/v1/calendars/{id}"), &admin.token, &json!({ "name": "Weekends", "spec": { "zone": "UTC", "week": { "sat": ["00:00-24:00"], "sun": ["00:00-24:00"] } } })).await,
        StatusCode::OK,
    )
    .await;
    let read = json(
        app.get(&format!("/api/v1/calendars/{id}"), &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;

    assert_eq!(changed, read);
    assert_eq!(read["name"], "Weekends");
    assert_eq!(read["spec"]["week"]["mon"], json!([]));
    let archived = json(
        app.post(
            &format!("/api/v1/calendars/{id}/archive"),
            &admin.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(archived["archived_at"].is_string());
    let list = json(
        app.get("/api/v1/calendars", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn an_invalid_calendar_is_refused_naming_every_problem() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let cases = [
        (
            json!({ "zone": "Mars/Olympus", "week": { "mon": ["09:00-13:00", "12:00-17:00"] } }),
            vec!["spec.zone", "spec.week.mon[1]"],
        ),
        (
            json!({ "zone": "UTC", "valid_until": "2026-12-31", "holidays": [{ "date": "2027-01-01" }] }),
            vec!["spec.holidays[0].date"],
        ),
        (
            json!({ "zone": "UTC", "exceptions": [{ "kind": "open", "from": "2026-06-01T10:00", "to": "2026-06-01T09:00" }] }),
            vec!["spec.exceptions[0].to"],
        ),
    ];
    for (spec, expected) in cases {
        let body = problem(
            app.post(
                "/api/v1/calendars",
                &admin.token,
                &json!({ "name": "Bad", "owner_id": provider.id, "spec": spec }),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(fields(&body), expected, "{body}");
    }
    // Malformed intervals and dates are named by their place in the body.
    for spec in [
        json!({ "zone": "UTC", "week": { "mon": ["9-5"] } }),
        json!({ "zone": "UTC", "holidays": [{ "date": "2026-02-30" }] }),
        json!({ "zone": "UTC", "weeks": {} }),
    ] {
        let response = app
            .post(
                "/api/v1/calendars",
                &admin.token,
                &json!({ "name": "Bad", "owner_id": provider.id, "spec": spec }),
            )
            .await;
        assert!(
            matches!(response.status().as_u16(), 400 | 422),
            "{}",
            response.status()
        );
        let body: Value = response.json().await.expect("problem json");
        assert!(
            body["detail"].as_str().unwrap_or_default().contains("spec"),
            "{body}"
        );
    }
    let body = problem(
        app.post("/api/v1/calendars", &admin.token, &json!({ "name": "Bad", "owner_id": provider.id, "toml": "zone = \"UTC\"\n[week]\nmon = [\"9-5\"]\n" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("line 3"),
        "{body}"
    );
    problem(
        app.post(
            "/api/v1/calendars",
            &admin.token,
            &json!({ "name": "None", "owner_id": provider.id }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    problem(
        app.post("/api/v1/calendars", &admin.token, &json!({ "name": "Both", "owner_id": provider.id, "toml": OFFICE_TOML, "spec": { "zone": "UTC" } })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    let list = json(
        app.get("/api/v1/calendars", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"], json!([]), "nothing stored");
}

#[tokio::test]
async fn bad_arithmetic_queries_are_refused_clearly() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let closed = json(
        app.post(
            "/api/v1/calendars",
            &admin.token,
            &json!({ "name": "Closed", "owner_id": provider.id, "spec": { "zone": "UTC" } }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = closed["id"].as_str().expect("id");
    for (query, field) in [
        ("due?start=soon&duration=4h", "start"),
        ("due?start=2026-01-01T00:00:00Z&duration=4d", "duration"),
        ("due?start=2026-01-01T00:00:00Z&duration=4h", "duration"),
        (
            "elapsed?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
            "to",
        ),
    ] {
        let body = problem(
            app.get(&format!("/api/v1/calendars/{id}/{query}"), &admin.token)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(fields(&body), [field], "{query}: {body}");
    }
}

#[tokio::test]
async fn an_instant_outside_the_calendar_s_valid_dates_is_refused_by_due_and_elapsed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let spec = json!({
        "zone": "UTC",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "week": { "mon": ["09:00-17:00"] }
    });
    let bounded = json(
        app.post(
            "/api/v1/calendars",
            &admin.token,
            &json!({ "name": "Only 2026", "owner_id": provider.id, "spec": spec }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = bounded["id"].as_str().expect("id");
    let ask = async |query: &str| {
        app.get(&format!("/api/v1/calendars/{id}/{query}"), &admin.token)
            .await
    };

    for (query, field) in [
        ("due?start=2025-06-01T00:00:00Z&duration=1h", "start"),
        ("due?start=2027-01-04T09:00:00Z&duration=0h", "start"),
        (
            "elapsed?from=2025-06-01T00:00:00Z&to=2026-02-01T00:00:00Z",
            "from",
        ),
        (
            "elapsed?from=2026-06-01T00:00:00Z&to=2027-02-01T00:00:00Z",
            "to",
        ),
    ] {
        let body = problem(
            ask(query).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(fields(&body), [field], "{query}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("outside the calendar's valid range, 2026-01-01 to 2026-12-31"),
            "{query}: {message}"
        );
    }
    let inside = json(
        ask("due?start=2026-01-01T00:00:00Z&duration=1h").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(inside["due"], "2026-01-05T10:00:00Z", "the first Monday");
    let whole = json(
        ask("elapsed?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        whole["seconds"],
        52 * 8 * 3600,
        "the range's end is its own"
    );
}

#[tokio::test]
async fn calendars_are_seen_by_the_owners_people_and_changed_by_its_managers() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let client = app.party(PartyKind::Organisation, "Harbour", None).await;
    let leeds = app.party(PartyKind::Site, "Leeds", Some(client.id)).await;
    let manager = app
        .persona(
            "manager@brightwell.example",
            Some(provider.id),
            &[(Role::Manager, provider.id)],
        )
        .await;
    let agent = app
        .persona(
            "agent@brightwell.example",
            Some(provider.id),
            &[(Role::Agent, provider.id)],
        )
        .await;
    let customer = app
        .persona(
            "tom@harbour.example",
            Some(leeds.id),
            &[(Role::Customer, leeds.id)],
        )
        .await;

    let made = json(
        app.post(
            "/api/v1/calendars",
            &manager.token,
            &json!({ "name": "Hours", "owner_id": provider.id, "toml": OFFICE_TOML }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = made["id"].as_str().expect("id");
    let path = format!("/api/v1/calendars/{id}");

    json(app.get(&path, &agent.token).await, StatusCode::OK).await;
    problem(
        app.patch(&path, &agent.token, &json!({ "name": "Mine" }))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        app.get(&path, &customer.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    problem(
        app.get(
            &format!("{path}/due?start=2026-03-27T16:30:00Z&duration=4h"),
            &customer.token,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let list = json(
        app.get("/api/v1/calendars", &customer.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"], json!([]));
    // Nobody but the provider's managers keeps calendars for the provider.
    problem(
        app.post(
            "/api/v1/calendars",
            &customer.token,
            &json!({ "name": "Hours", "owner_id": provider.id, "toml": OFFICE_TOML }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    problem(
        app.post(
            "/api/v1/calendars",
            &agent.token,
            &json!({ "name": "Hours", "owner_id": provider.id, "toml": OFFICE_TOML }),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    json(
        app.patch(&path, &admin.token, &json!({ "name": "Renamed" }))
            .await,
        StatusCode::OK,
    )
    .await;
}
