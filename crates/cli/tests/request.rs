//! `kept request create|list|show` on the demo database, acting as the
//! demo's people with exactly their rights.

mod common;

use common::Sandbox;

/// A sandbox holding the demo database; the commands find it through
/// `KEPT_DATABASE_URL`.
fn demo() -> (Sandbox, String) {
    let sandbox = Sandbox::new();
    sandbox
        .kept()
        .args(["demo", "--no-serve"])
        .assert()
        .success();
    let url = format!(
        "sqlite://{}",
        sandbox.file("kept-data").join("demo.db").display()
    );
    (sandbox, url)
}

fn run(sandbox: &Sandbox, url: &str, args: &[&str]) -> (bool, String, String) {
    let output = sandbox
        .kept()
        .env("KEPT_DATABASE_URL", url)
        .arg("request")
        .args(args)
        .output()
        .expect("kept ran");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The id of the FM contract, from a request Tom can see.
fn fm_contract(sandbox: &Sandbox, url: &str) -> String {
    let (ok, out, err) = run(
        sandbox,
        url,
        &[
            "list",
            "--email",
            "tom.reed@harbour-retail.example",
            "--json",
        ],
    );
    assert!(ok, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    list[0]["contract_id"]
        .as_str()
        .expect("a contract id")
        .to_owned()
}

#[test]
fn a_store_manager_raises_lists_and_shows_their_own_requests_only() {
    let (sandbox, url) = demo();
    let contract = fm_contract(&sandbox, &url);

    let (ok, raised, err) = run(
        &sandbox,
        &url,
        &[
            "create",
            "--email",
            "tom.reed@harbour-retail.example",
            "--contract",
            &contract,
            "--service",
            "reactive maintenance",
            "--kind",
            "incident",
            "--priority",
            "high",
            "--subject",
            "Fire exit door will not latch",
        ],
    );
    assert!(ok, "{err}");
    assert!(raised.starts_with("Raised request #"), "{raised}");
    let id = raised.split_whitespace().last().expect("an id").to_owned();
    let (_, toms, _) = run(
        &sandbox,
        &url,
        &["list", "--email", "tom.reed@harbour-retail.example"],
    );
    let (_, aishas, _) = run(
        &sandbox,
        &url,
        &[
            "list",
            "--email",
            "aisha.khan@harbour-retail.example",
            "--status",
            "all",
        ],
    );
    let (ok, shown, err) = run(
        &sandbox,
        &url,
        &["show", "--email", "sam.okafor@brightwell.example", &id],
    );
    let (hidden, _, refusal) = run(
        &sandbox,
        &url,
        &["show", "--email", "aisha.khan@harbour-retail.example", &id],
    );

    assert!(toms.contains("Fire exit door will not latch"), "{toms}");
    assert!(toms.contains("Leaking tap in the staff toilet"), "{toms}");
    assert!(!aishas.contains("Fire exit door"), "{aishas}");
    assert!(ok, "{err}");
    assert!(shown.contains("clock     first_response"), "{shown}");
    assert!(shown.contains("high priority"), "{shown}");
    assert!(!hidden);
    assert!(refusal.contains("not-found"), "{refusal}");
}

#[test]
fn the_demo_queue_opens_with_a_breach_a_request_at_risk_and_one_paused() {
    let (sandbox, url) = demo();

    let (ok, queue, err) = run(
        &sandbox,
        &url,
        &["list", "--email", "sam.okafor@brightwell.example"],
    );

    assert!(ok, "{err}");
    let states: Vec<(&str, &str)> = queue
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            Some((*words.get(2)?, line))
        })
        .collect();
    let first_three: Vec<&str> = states.iter().take(3).map(|(s, _)| *s).collect();
    assert_eq!(first_three, ["breached", "at_risk", "paused"], "{queue}");
    assert!(states[0].1.contains("Floors sticky"), "{queue}");
    assert!(states[1].1.contains("Leaking tap"), "{queue}");
}

#[test]
fn an_out_of_scope_request_is_refused_with_where_to_raise_a_change() {
    let (sandbox, url) = demo();
    let contract = fm_contract(&sandbox, &url);

    let (ok, out, err) = run(
        &sandbox,
        &url,
        &[
            "create",
            "--email",
            "tom.reed@harbour-retail.example",
            "--contract",
            &contract,
            "--service",
            "Reactive maintenance",
            "--subject",
            "Freezer cabinets are warm",
        ],
    );

    assert!(!ok, "{out}");
    assert!(err.contains("request-out-of-scope"), "{err}");
    assert!(
        err.contains("raise a change request: POST /api/v1/contracts/"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_arguments_and_unknown_people_are_refused_clearly() {
    let (sandbox, url) = demo();

    let (ok_kind, _, kind_err) = run(
        &sandbox,
        &url,
        &[
            "create",
            "--email",
            "tom.reed@harbour-retail.example",
            "--contract",
            "01a23b29-97a6-75d8-a2ab-680237f5d789",
            "--service",
            "x",
            "--kind",
            "ticket",
            "--subject",
            "y",
        ],
    );
    let (ok_who, _, who_err) = run(&sandbox, &url, &["list", "--email", "nobody@example.com"]);
    let (ok_id, _, id_err) = run(
        &sandbox,
        &url,
        &["show", "--email", "admin@kept.demo", "not-an-id"],
    );

    assert!(!ok_kind);
    assert!(kind_err.contains("is not a request kind"), "{kind_err}");
    assert!(!ok_who);
    assert!(
        who_err.contains("no user has the email nobody@example.com"),
        "{who_err}"
    );
    assert!(!ok_id);
    assert!(id_err.contains("invalid value 'not-an-id'"), "{id_err}");
}
