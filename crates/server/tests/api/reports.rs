//! `/api/v1/reports/promises`: promise integrity per team, contract,
//! customer, or internal against external, over a period; each caller's
//! counts hold only the requests they see.

use jiff::{SignedDuration, Timestamp};
use kept_domain::PartyKind;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harbour::{World, world_on};
use kept_store::testing::TestDatabase;

use crate::helpers::{Persona, TestApp, json, problem, spawn_app, spawn_app_with};

fn in_secs(s: i64) -> Timestamp {
    Timestamp::now() + SignedDuration::from_secs(s)
}

/// The world with three fulfilled requests: Leeds's kept and broken (in
/// the team Operations), York's kept (in no team). Returns the team's id.
async fn settled(app: TestApp) -> (World, String) {
    let w = world_on(app).await;
    let team = w
        .app
        .party(PartyKind::Team, "Operations", Some(w.provider.id))
        .await
        .id
        .to_string();
    let ahead = in_secs(86_400);
    w.settled_promise(&w.leeds_customer, Some(&team), ahead, None)
        .await;
    w.settled_promise(&w.leeds_customer, Some(&team), in_secs(2), None)
        .await;
    w.settled_promise(&w.york_customer, None, ahead, None).await;
    (w, team)
}

async fn report(w: &World, who: &Persona, query: &str) -> Value {
    json(
        w.app
            .get(&format!("/api/v1/reports/promises?{query}"), &who.token)
            .await,
        StatusCode::OK,
    )
    .await
}

/// The rows as (key, name, kept, broken, total).
fn rows(report: &Value) -> Vec<(Value, String, u64, u64, u64)> {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let n = |k: &str| r[k].as_u64().expect("a count");
            let name = r["name"].as_str().expect("a name").to_owned();
            (r["key"].clone(), name, n("kept"), n("broken"), n("total"))
        })
        .collect()
}

/// The app on PostgreSQL, if the tests have one.
async fn on_postgres() -> Option<TestApp> {
    Some(spawn_app_with(TestDatabase::postgres().await?, |_| {}).await)
}

#[tokio::test]
async fn integrity_is_counted_per_customer_team_contract_and_internal_flag() {
    per_group(spawn_app().await).await;
}

#[tokio::test]
async fn integrity_is_counted_per_customer_team_contract_and_internal_flag_on_postgres() {
    let Some(app) = on_postgres().await else {
        return;
    };
    per_group(app).await;
}

async fn per_group(app: TestApp) {
    let (w, team) = settled(app).await;

    let by_customer = report(&w, &w.agent, "by=customer").await;
    let counted: Vec<_> = rows(&by_customer)
        .into_iter()
        .map(|(key, _, kept, broken, _)| (key, kept, broken))
        .collect();
    assert!(
        counted.contains(&(json!(w.leeds.id), 1, 1)),
        "{by_customer}"
    );
    assert!(counted.contains(&(json!(w.york.id), 1, 0)), "{by_customer}");
    assert_eq!(by_customer["total"]["total"], 3);
    assert_eq!(by_customer["total"]["name"], "Total");
    let share = by_customer["total"]["broken_share"]
        .as_f64()
        .expect("share");
    assert!((share - 1.0 / 3.0).abs() < 1e-9, "{by_customer}");

    // By team is the default; requests of no team have a row of their own.
    let by_team = report(&w, &w.manager, "").await;
    assert_eq!(by_team["by"], "team");
    assert_eq!(
        rows(&by_team),
        [
            (json!(null), "No team".to_owned(), 1, 0, 1),
            (json!(team), "Operations".to_owned(), 1, 1, 2),
        ]
    );

    let by_flag = report(&w, &w.admin, "by=internal").await;
    assert_eq!(
        rows(&by_flag),
        [(json!("external"), "External".to_owned(), 2, 1, 3)]
    );
    let by_contract = report(&w, &w.client, "by=contract").await;
    assert_eq!(by_contract["rows"][0]["key"], w.contract);
    assert_eq!(by_contract["total"]["total"], 3);

    // The period is about when promises were settled.
    let before = report(&w, &w.admin, "to=2026-01-01T00:00:00Z").await;
    assert_eq!(before["rows"], json!([]));
    assert_eq!(before["total"]["total"], 0);
    assert_eq!(before["from"], "2025-10-03T00:00:00Z");
}

#[tokio::test]
async fn a_customer_of_one_site_does_not_count_another_sites_promises() {
    per_site(spawn_app().await).await;
}

#[tokio::test]
async fn a_customer_of_one_site_does_not_count_another_sites_promises_on_postgres() {
    let Some(app) = on_postgres().await else {
        return;
    };
    per_site(app).await;
}

async fn per_site(app: TestApp) {
    let (w, _) = settled(app).await;

    let leeds = report(&w, &w.leeds_customer, "by=contract").await;
    assert_eq!(leeds["total"]["total"], 2, "{leeds}");
    assert_eq!(leeds["total"]["kept"], 1);
    let york = report(&w, &w.york_customer, "by=customer").await;
    assert_eq!(
        rows(&york),
        [(json!(w.york.id), "Harbour York".to_owned(), 1, 0, 1)]
    );
    // The provider's teams are not the customer's to see.
    let by_team = report(&w, &w.leeds_customer, "by=team").await;
    assert_eq!(
        rows(&by_team),
        [(json!(null), "Teams not shown".to_owned(), 1, 1, 2)]
    );
    let stranger = report(&w, &w.stranger, "by=customer").await;
    assert_eq!(stranger["rows"], json!([]));
    assert_eq!(stranger["total"]["total"], 0);
}

#[tokio::test]
async fn bad_report_input_is_refused_naming_the_field() {
    let w = world_on(spawn_app().await).await;
    for (query, field) in [
        ("by=site", "by"),
        ("from=yesterday", "from"),
        ("to=2026-13-01T00:00:00Z", "to"),
        ("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"),
        ("from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"),
        ("period=2026Q1", "period"),
    ] {
        let body = problem(
            w.app
                .get(&format!("/api/v1/reports/promises?{query}"), &w.agent.token)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], field, "query {query}: {body}");
    }
    let anonymous = w.app.get("/api/v1/reports/promises", "not-a-token").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
