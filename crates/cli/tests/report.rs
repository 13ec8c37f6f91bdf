//! `kept report promises`: promise integrity as CSV and JSON from a
//! database seeded through the store, for the whole installation or for
//! one user's view; bad input is refused with a clear message.

mod common;
#[path = "common/seed.rs"]
mod seed;

use std::sync::Arc;

use kept_calendar::jiff::{SignedDuration, Timestamp};
use kept_domain::promise::{Decision, PromiseBasis};
use kept_domain::{
    Actor, NewContract, NewParty, NewRequest, NewService, PartyKind, Priority, Quorum,
    RequestAction, RequestChange, RequestKind, Role, ServiceDetails, Targets,
};
use kept_store::promises::PromiseRecord;
use kept_store::testing::TestDatabase;
use kept_store::{RequestRecord, Store};

use common::Sandbox;

/// Raises `new`, promises it by `date` and fulfils it.
async fn fulfilled(store: &Arc<dyn Store>, new: NewRequest, date: Timestamp) {
    let actor = Actor::system("test");
    let request = store
        .create_request(
            &actor,
            RequestRecord {
                check: None,
                calendar: None,
                new,
                terms_version: None,
                calendar_id: None,
                team_id: None,
                targets: Targets::default(),
                at_risk_percent: 75,
                raised_at: None,
                promise: None,
                lines: Vec::new(),
            },
        )
        .await
        .expect("a request");
    let decision = Decision {
        date,
        basis: PromiseBasis::Set,
        beyond_sla: false,
        starts_at_risk: false,
    };
    let record = PromiseRecord {
        decision,
        sla_due: None,
        realistic: None,
        internal: false,
    };
    store
        .make_promise(&actor, request.id, record)
        .await
        .expect("promised");
    for action in [
        RequestAction::Acknowledge,
        RequestAction::Start,
        RequestAction::Fulfil,
    ] {
        let change = RequestChange::Act {
            action,
            reason: None,
        };
        store
            .act_on_request(&actor, request.id, change, 75)
            .await
            .expect("a step");
    }
}

/// Harbour's Leeds store with one promise kept and one broken, and its
/// York store with one kept, under one contract; returns the database.
async fn seeded() -> TestDatabase {
    let db = TestDatabase::sqlite();
    let store = db.store().await;
    let actor = Actor::system("test seed");
    let harbour = seed::harbour(&store).await;
    let york = store
        .create_party(
            &actor,
            NewParty {
                kind: PartyKind::Site,
                name: seed::name("York"),
                parent_id: Some(harbour.client.id),
                internal: None,
                reference: None,
            },
        )
        .await
        .expect("York");
    let (tom, _) = seed::person(
        &store,
        "tom@harbour.example",
        Some(harbour.leeds.id),
        &[(Role::Customer, Some(harbour.leeds.id))],
    )
    .await;
    let (yara, _) = seed::person(&store, "yara@harbour.example", Some(york.id), &[]).await;
    let service = store
        .create_service(
            &actor,
            NewService {
                provider_id: harbour.provider.id,
                name: seed::name("Reactive maintenance"),
                details: ServiceDetails::default(),
            },
        )
        .await
        .expect("service");
    let contract = store
        .create_contract(
            &actor,
            NewContract {
                name: seed::name("Harbour FM"),
                provider_id: harbour.provider.id,
                client_id: harbour.client.id,
                customer_ids: vec![harbour.leeds.id, york.id],
                service_ids: vec![service.id],
                calendar_id: None,
                probation_ends_on: None,
                steering_group: vec![tom.id],
                quorum: Quorum::All,
            },
        )
        .await
        .expect("contract");
    let leeds = NewRequest {
        contract_id: contract.id,
        customer_id: harbour.leeds.id,
        requester_id: tom.id,
        service_id: service.id,
        kind: RequestKind::Incident,
        priority: Priority::Normal,
        quantity: None,
        effort: None,
        subject: "Leak".into(),
        description: String::new(),
        override_reason: None,
        escalated_from: None,
        raised_by_party: None,
    };
    let ahead = Timestamp::now() + SignedDuration::from_hours(24);
    let passed = Timestamp::now() - SignedDuration::from_mins(5);
    fulfilled(&store, leeds.clone(), ahead).await;
    fulfilled(&store, leeds.clone(), passed).await;
    let york = NewRequest {
        customer_id: york.id,
        requester_id: yara.id,
        ..leeds
    };
    fulfilled(&store, york, ahead).await;
    store.close().await;
    db
}

fn report(sandbox: &Sandbox, url: &str, args: &[&str]) -> (bool, String, String) {
    let output = sandbox
        .kept()
        .env("KEPT_DATABASE_URL", url)
        .args(["report", "promises"])
        .args(args)
        .output()
        .expect("kept ran");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_installations_integrity_is_written_as_csv_and_json() {
    let db = seeded().await;
    let sandbox = Sandbox::new();

    let (ok, out, err) = report(&sandbox, db.url(), &["--by", "customer"]);
    assert!(ok, "{err}");
    let mut csv = csv::Reader::from_reader(out.as_bytes());
    let header = csv.headers().expect("a header").clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        [
            "by",
            "key",
            "name",
            "kept",
            "kept_renegotiated",
            "broken",
            "total",
            "kept_share",
            "kept_renegotiated_share",
            "broken_share"
        ]
    );
    let rows: Vec<Vec<String>> = csv
        .records()
        .map(|r| r.expect("a row").iter().map(str::to_owned).collect())
        .collect();
    let cells = |row: &Vec<String>| [2, 3, 5, 6, 9].map(|n| row[n].clone()).join(" ");
    assert_eq!(
        rows.iter().map(cells).collect::<Vec<_>>(),
        [
            "Leeds 1 1 2 0.5000",
            "York 1 0 1 0.0000",
            "Total 2 1 3 0.3333",
        ],
        "{out}"
    );

    let (ok, out, err) = report(
        &sandbox,
        db.url(),
        &["--by", "internal", "--format", "json"],
    );
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["by"], "internal");
    assert_eq!(json["rows"][0]["name"], "External");
    assert_eq!(json["total"]["total"], 3);
    assert_eq!(json["total"]["broken"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_report_counts_only_what_they_see() {
    let db = seeded().await;
    let sandbox = Sandbox::new();

    let (ok, out, err) = report(
        &sandbox,
        db.url(),
        &[
            "--by",
            "contract",
            "--format",
            "json",
            "--email",
            "tom@harbour.example",
        ],
    );
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["rows"][0]["name"], "Harbour FM");
    assert_eq!(
        json["total"]["total"], 2,
        "York's promise is not Tom's: {json}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_a_message_and_a_failing_exit() {
    let db = seeded().await;
    let sandbox = Sandbox::new();
    for (args, says) in [
        (
            &["--by", "site"][..],
            "use one of team, contract, customer, internal",
        ),
        (&["--from", "yesterday"][..], "RFC 3339"),
        (
            &[
                "--from",
                "2026-02-01T00:00:00Z",
                "--to",
                "2026-01-01T00:00:00Z",
            ][..],
            "--from: must be before --to",
        ),
        (&["--format", "pdf"][..], "possible values: csv, json"),
        (
            &["--email", "nobody@harbour.example"][..],
            "no user has the email",
        ),
    ] {
        let (ok, out, err) = report(&sandbox, db.url(), args);
        assert!(!ok, "{args:?} succeeded: {out}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?} wrote {out}");
    }
}
