//! `kept demo` as its people and the README meet it: what it prints is
//! checked against the database it made, and what it serves against what
//! its requests' timelines show.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use kept_domain::promise::{RiskReason, Suggestion};
use kept_domain::{Contract, EventKind, Limit, PartyId, PartyScope};
use kept_store::promises::AtRiskQuery;
use kept_store::{ArchivedFilter, ContractQuery, RequestQuery, Store, StoreOptions};

use common::{Sandbox, Server};

/// `kept demo --no-serve` in a fresh sandbox: what it printed.
fn made_demo(sandbox: &Sandbox) -> String {
    let output = sandbox
        .kept()
        .args(["demo", "--no-serve"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("kept ran");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The demo database, opened through the store.
async fn demo_store(sandbox: &Sandbox) -> Arc<dyn Store> {
    let url = format!(
        "sqlite://{}",
        sandbox.file("kept-data").join("demo.db").display()
    );
    kept_store::open(&url, &StoreOptions::default())
        .await
        .expect("the demo database opens")
}

/// The printed login lines: (email, description).
fn logins(printed: &str) -> Vec<(String, String)> {
    printed
        .lines()
        .skip_while(|l| !l.starts_with("Demo logins"))
        .skip(1)
        .take_while(|l| !l.starts_with("Contracts"))
        .filter_map(|l| {
            let (email, summary) = l.trim().split_once(char::is_whitespace)?;
            Some((email.to_owned(), summary.trim().to_owned()))
        })
        .collect()
}

/// The side a description puts its person on: the words before the first
/// `:` or ` at ` ("customer: ...", "manager at ...").
fn side(description: &str) -> &str {
    let head = description.split([':', ';']).next().unwrap_or_default();
    head.split(" at ").next().unwrap_or_default().trim()
}

/// The parties a person's roles are on, and every party above those.
async fn reach(store: &Arc<dyn Store>, email: &str) -> (bool, BTreeSet<PartyId>) {
    let user = store.user_by_email(email).await.expect("a demo user");
    let principal = store.principal(user.id).await.expect("a principal");
    let mut reach = BTreeSet::new();
    for grant in &principal.grants {
        let mut at = Some(grant.party_id);
        while let Some(id) = at {
            reach.insert(id);
            at = store.party(id).await.expect("a party").parent_id;
        }
    }
    (principal.is_admin(), reach)
}

async fn all_contracts(store: &Arc<dyn Store>) -> Vec<Contract> {
    store
        .list_contracts(&ContractQuery {
            archived: ArchivedFilter::All,
            limit: Limit::MAX_PAGE,
            ..ContractQuery::new(PartyScope::All, None)
        })
        .await
        .expect("contracts")
        .items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_printed_login_description_matches_the_demo_data() {
    let sandbox = Sandbox::new();
    let printed = made_demo(&sandbox);
    let store = demo_store(&sandbox).await;
    let contracts = all_contracts(&store).await;
    let logins = logins(&printed);

    let mut wrong = Vec::new();
    for (email, description) in &logins {
        let (admin, reach) = reach(&store, email).await;
        let provides = |c: &&Contract| reach.contains(&c.provider_id);
        let holds = match side(description) {
            "admin" => admin,
            "manager" | "agent" => contracts.iter().any(|c| provides(&c)),
            "client" | "internal client" => contracts.iter().any(|c| reach.contains(&c.client_id)),
            "customer" => contracts
                .iter()
                .any(|c| c.customer_ids.iter().any(|id| reach.contains(id))),
            // A supplier provides a contract to a party that is itself a provider.
            "supplier" => contracts
                .iter()
                .filter(provides)
                .any(|c| contracts.iter().any(|d| d.provider_id == c.client_id)),
            other => panic!("{email}: a description on no known side: {other:?}"),
        };
        if !holds {
            wrong.push(format!("{email}: {description}"));
        }
    }

    assert!(logins.len() >= 10, "{printed}");
    assert!(wrong.is_empty(), "described against the data: {wrong:#?}");
    assert!(
        logins
            .iter()
            .any(|(e, d)| e == "elena.rossi@trainer.example" && side(d) == "customer"),
        "{printed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_opens_with_marketing_s_business_plan_at_risk_crowded_out_by_paying_work() {
    let sandbox = Sandbox::new();
    made_demo(&sandbox);
    let store = demo_store(&sandbox).await;

    let at_risk = store
        .promises_at_risk(&AtRiskQuery {
            scope: PartyScope::All,
            team: None,
            assignee: None,
            limit: 100,
        })
        .await
        .expect("the at-risk list");
    store.close().await;

    let marketing: Vec<_> = at_risk
        .iter()
        .filter(|p| p.customer == "Northwind Marketing")
        .collect();
    assert_eq!(marketing.len(), 1, "{at_risk:#?}");
    let plan = marketing[0];
    assert_eq!(plan.subject, "Business plan for the spring campaign");
    assert_eq!(plan.team.as_deref(), Some("Operations"));
    assert_eq!(plan.reason, RiskReason::Plan);
    assert_eq!(plan.suggestion, Suggestion::Renegotiate);
    assert!(
        plan.projected.is_some_and(|done| done > plan.date),
        "{plan:#?}"
    );
    assert!(
        at_risk.iter().all(|p| p.customer != "Larkfield Hotels"),
        "the paying work that crowds it out is promised in time: {at_risk:#?}"
    );
}

/// The value of the counter `name` in a Prometheus text exposition.
fn counter(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// The server's `/metrics` page.
async fn metrics(server: &Server) -> String {
    common::http()
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("a body")
}

async fn scrape(server: &Server) -> f64 {
    counter(&metrics(server).await, "kept_sla_alarms_total")
}

/// At-risk and breach events across every request's timeline.
async fn alarms_in_timelines(store: &Arc<dyn Store>) -> usize {
    let requests = store
        .list_requests(&RequestQuery {
            limit: Limit::MAX_PAGE,
            ..RequestQuery::new(PartyScope::All, None)
        })
        .await
        .expect("requests")
        .items;
    let mut alarms = 0;
    for r in requests {
        let events = store.request_events(r.id, true).await.expect("events");
        alarms += events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::ClockAtRisk | EventKind::ClockBreached))
            .count();
    }
    alarms
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_counts_in_its_metrics_every_alarm_its_timelines_show() {
    let sandbox = Sandbox::new();
    let mut command = sandbox.process();
    command.arg("demo").env("KEPT_ADDR", "127.0.0.1:0");
    let mut server = Server::start(command, &sandbox.file("demo.stderr"));

    // The timers may raise more while we look: read the counter either side.
    let before = scrape(&server).await;
    let store = demo_store(&sandbox).await;
    let shown = alarms_in_timelines(&store).await;
    let after = scrape(&server).await;
    store.close().await;

    assert!(shown >= 1, "the demo opens with a breach");
    assert!(
        before <= shown as f64 && shown as f64 <= after,
        "counted {before}..{after}, timelines show {shown}"
    );
    assert!(server.terminate().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_keeps_the_acknowledgement_a_store_manager_got_and_measures_its_outbox() {
    let sandbox = Sandbox::new();
    let mut command = sandbox.process();
    command.arg("demo").env("KEPT_ADDR", "127.0.0.1:0");
    let mut server = Server::start(command, &sandbox.file("demo.stderr"));
    let store = demo_store(&sandbox).await;

    let mut subjects = Vec::new();
    for _ in 0..200 {
        subjects = store
            .kept_mail(&kept_store::notify::MailQuery {
                recipient: Some("tom.reed@harbour-retail.example".into()),
                ..Default::default()
            })
            .await
            .expect("kept mail")
            .items
            .into_iter()
            .map(|m| m.subject)
            .collect::<Vec<_>>();
        if subjects.iter().any(|s| s.contains("Received:")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    store.close().await;
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("[#1] Received: Leaking tap")),
        "{subjects:?}"
    );
    let metrics = metrics(&server).await;
    for gauge in ["kept_outbox_depth", "kept_outbox_oldest_age_seconds"] {
        assert!(
            metrics.lines().any(|l| l.starts_with(&format!("{gauge} "))),
            "{gauge} in /metrics"
        );
    }
    assert!(server.terminate().success());
}

/// The line of `printed` that starts with `prefix` (after indentation).
fn printed_line<'a>(printed: &'a str, prefix: &str) -> &'a str {
    printed
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{printed}"))
}

/// Runs `kept` with `KEPT_DATABASE_URL` set to `url`.
fn kept_on(sandbox: &Sandbox, url: &str, args: &[&str]) -> (bool, String, String) {
    let output = sandbox
        .kept()
        .env("KEPT_DATABASE_URL", url)
        .args(args)
        .output()
        .expect("kept ran");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_demo_prints_the_line_that_points_the_cli_at_it_and_each_contract_s_id() {
    let sandbox = Sandbox::new();
    let printed = made_demo(&sandbox);

    let export = printed_line(&printed, "export KEPT_DATABASE_URL=");
    let url = export.trim_start_matches("export KEPT_DATABASE_URL=");
    let fm = printed_line(&printed, "Harbour Retail facilities management");
    let id = fm.split_whitespace().last().expect("an id");
    let token = kept_on(
        &sandbox,
        url,
        &[
            "token",
            "create",
            "--email",
            "sam.okafor@brightwell.example",
        ],
    );
    let raise = |contract: &str, subject: &str| {
        kept_on(
            &sandbox,
            url,
            &[
                "request",
                "create",
                "--email",
                "tom.reed@harbour-retail.example",
                "--contract",
                contract,
                "--service",
                "Reactive maintenance",
                "--kind",
                "incident",
                "--subject",
                subject,
            ],
        )
    };
    let by_id = raise(id, "Leaking tap");
    let by_name = raise("harbour retail facilities management", "Flickering light");
    let not_his = raise("Corner Café direct orders", "Cups");
    let listed = kept_on(
        &sandbox,
        url,
        &[
            "request",
            "list",
            "--email",
            "tom.reed@harbour-retail.example",
            "--contract",
            "Harbour Retail facilities management",
        ],
    );

    assert_eq!(
        url,
        format!(
            "sqlite://{}",
            sandbox.file("kept-data").join("demo.db").display()
        )
    );
    assert!(token.0, "{}", token.2);
    assert!(by_id.0, "{}", by_id.2);
    assert!(by_name.0, "{}", by_name.2);
    assert!(!not_his.0);
    assert!(
        not_his.2.contains(
            "tom.reed@harbour-retail.example sees no contract named \"Corner Café direct orders\""
        ),
        "{}",
        not_his.2
    );
    assert!(listed.0, "{}", listed.2);
    assert!(listed.1.contains("Leaking tap"), "{}", listed.1);
    assert!(listed.1.contains("Flickering light"), "{}", listed.1);
    assert!(
        !sandbox.file("kept-data/kept.db").exists(),
        "nothing touched the default database"
    );
}
