//! `kept import orders FILE.csv`, black-box: past orders land as the
//! history the quantity check reads, every bad row is reported by its line
//! and a file with any lands not at all; run again, its references are
//! refused.

mod common;

use std::sync::Arc;

use kept_domain::order::Ordering;
use kept_domain::{
    Actor, NewParty, NewService, PartyKind, PartyName, PartyReference, ServiceDetails,
};
use kept_store::{Store, StoreOptions};

use common::Sandbox;

async fn store(sandbox: &Sandbox) -> Arc<dyn Store> {
    let url = format!("sqlite://{}", sandbox.file("kept-data/kept.db").display());
    kept_store::open(&url, &StoreOptions::default())
        .await
        .expect("the database opens")
}

/// Crate & Co with boxed goods (boxes of 100, at most 5,000 a line), and
/// the café's site CC-01; the café's id and the service's.
async fn cafe(sandbox: &Sandbox) -> (String, String) {
    sandbox.kept().arg("migrate").assert().success();
    let store = store(sandbox).await;
    let actor = Actor::system("test");
    let party = |name: &str, reference: Option<&str>| NewParty {
        kind: PartyKind::Organisation,
        name: PartyName::parse("name", name).expect("a name"),
        parent_id: None,
        internal: None,
        reference: reference.map(|r| PartyReference::parse("reference", r).expect("a reference")),
    };
    let crate_co = store
        .create_party(&actor, party("Crate & Co", None))
        .await
        .expect("provider");
    let cafe = store
        .create_party(&actor, party("Corner Café", Some("CC-01")))
        .await
        .expect("café");
    let boxes = store
        .create_service(
            &actor,
            NewService {
                provider_id: crate_co.id,
                name: PartyName::parse("name", "Boxed goods").expect("a name"),
                details: ServiceDetails {
                    unit: Some("box".into()),
                    pack_size: Some(100),
                    ordering: Ordering {
                        max_quantity: Some(5_000),
                        ..Ordering::default()
                    },
                    ..ServiceDetails::default()
                },
            },
        )
        .await
        .expect("service");
    store.close().await;
    (cafe.id.to_string(), boxes.id.to_string())
}

fn import(sandbox: &Sandbox, contents: &str) -> std::process::Output {
    let path = sandbox.file("orders.csv");
    std::fs::write(&path, contents).expect("written");
    sandbox
        .kept()
        .args(["import", "orders"])
        .arg(&path)
        .output()
        .expect("kept ran")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_of_orders_lands_as_history_and_bad_rows_are_named_by_line() {
    let sandbox = Sandbox::new();
    let (cafe, boxes) = cafe(&sandbox).await;
    let mut good = String::from("customer,service,quantity,unit,ordered_at,reference\n");
    for (week, q) in [8, 10, 12, 9, 11, 10].iter().enumerate() {
        good.push_str(&format!(
            "CC-01,Boxed goods,{q},,2026-0{}-0{},W{week}\n",
            1 + week,
            1 + week
        ));
    }
    good.push_str(&format!(
        "{cafe},{boxes},1000,pieces,2026-07-01T09:30:00Z,W6\n"
    ));

    let bad = "customer,service,quantity,unit,ordered_at,reference\n\
               CC-01,Boxed goods,0,,2026-01-01,B1\n\
               CC-99,Boxed goods,10,,2026-01-01,B2\n\
               CC-01,Boxed goods,2.5,,2026-01-01,B3\n\
               CC-01,Boxed goods,6000,,2026-01-01,B4\n\
               CC-01,Boxed goods,10,pallet,2026-01-01,B5\n\
               CC-01,Boxed goods,10,,next week,B6\n\
               CC-01,Paper cups,10,,2026-01-01,B7\n\
               CC-01,Boxed goods,10,,2999-01-01,B8\n\
               CC-01,Boxed goods,10,,2026-01-01,B8\n";
    let refused = import(&sandbox, bad);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    for (line, says) in [
        (2, "quantity: must be more than 0"),
        (3, "customer: no party has the reference or id `CC-99`"),
        (4, "quantity: must be whole boxes"),
        (5, "quantity: must be at most 5000 boxes"),
        (6, "unit: is not a unit this service sells"),
        (7, "ordered_at: `next week` is not a date"),
        (8, "service: no service is named `Paper cups`"),
        (9, "ordered_at: must not be in the future"),
        (10, "reference: repeats the reference of line 9"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&format!("  line {line}: ")) && l.contains(says)),
            "line {line} says {says:?}:\n{stderr}"
        );
    }
    assert!(
        stderr.contains("9 problems found; nothing was imported"),
        "{stderr}"
    );

    let imported = import(&sandbox, &good);
    let stdout = String::from_utf8_lossy(&imported.stdout);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(stdout.contains("Imported 7 orders"), "{stdout}");
    let store = store(&sandbox).await;
    let history = store
        .order_history(cafe.parse().expect("id"), boxes.parse().expect("id"), 20)
        .await
        .expect("history");
    store.close().await;
    assert_eq!(
        history,
        [10_000, 10_000, 11_000, 9_000, 12_000, 10_000, 8_000],
        "1000 pieces are 10 boxes"
    );

    // Run again: the references were imported before, and nothing lands.
    let again = import(&sandbox, &good);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("line 2: ") && stderr.contains("W0 was imported before"),
        "{stderr}"
    );
}
