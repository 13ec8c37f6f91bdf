//! `kept import parties|links|contracts FILE.csv`, black-box: the binary
//! against a fresh SQLite database per test, read back through the store.

mod common;

use std::sync::Arc;

use kept_domain::{
    Actor, Limit, NewService, PartyKind, PartyName, PartyScope, Quorum, ServiceDetails,
};
use kept_store::{ContractQuery, LinkQuery, PartyQuery, Store, StoreOptions};

use common::Sandbox;

const PARTIES: &str = "\
kind,name,parent,internal,reference
organisation,Brightwell Facilities,,,BWF
organisation,Harbour Retail plc,,,HRB
site,Leeds store,HRB,,HRB-LDS
site,York store,HRB,,HRB-YRK
team,Night shift,HRB-LDS,true,
";

/// What a finished `kept` said: success, stdout and stderr.
struct Outcome {
    ok: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `kept` with `args`.
fn run(sandbox: &Sandbox, args: &[&str]) -> Outcome {
    let output = sandbox.kept().args(args).output().expect("kept ran");
    Outcome {
        ok: output.status.success(),
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Writes `name` in the sandbox; its path as text.
fn file(sandbox: &Sandbox, name: &str, contents: impl AsRef<[u8]>) -> String {
    let path = sandbox.file(name);
    std::fs::write(&path, contents).expect("written");
    path.to_string_lossy().into_owned()
}

/// `kept import KIND FILE` with `contents` written to `FILE`.
fn import(sandbox: &Sandbox, kind: &str, contents: impl AsRef<[u8]>) -> Outcome {
    let path = file(sandbox, &format!("{kind}.csv"), contents);
    run(sandbox, &["import", kind, &path])
}

/// Asserts a clean refusal: exit code 1, one `error:` report, no panic.
fn assert_refused(outcome: &Outcome) {
    assert_eq!(outcome.code, Some(1), "{}", outcome.stderr);
    assert!(outcome.stderr.starts_with("error: "), "{}", outcome.stderr);
    assert!(!outcome.stderr.contains("panicked"), "{}", outcome.stderr);
    assert!(outcome.stdout.is_empty(), "{}", outcome.stdout);
}

/// Asserts the report has each `(line, reason)` on its own line.
fn assert_reports(outcome: &Outcome, expected: &[(u64, &str)]) {
    for (line, reason) in expected {
        let prefix = format!("  line {line}: ");
        assert!(
            outcome
                .stderr
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(reason)),
            "line {line} reports {reason:?}:\n{}",
            outcome.stderr
        );
    }
    let count = outcome
        .stderr
        .lines()
        .filter(|l| l.starts_with("  line "))
        .count();
    assert_eq!(count, expected.len(), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains(&format!(
            "{} problems found; nothing was imported",
            expected.len()
        )),
        "{}",
        outcome.stderr
    );
}

/// The sandbox's database, opened (and migrated) through the store.
async fn store(sandbox: &Sandbox) -> Arc<dyn Store> {
    let url = format!("sqlite://{}", sandbox.file("kept-data/kept.db").display());
    kept_store::open(&url, &StoreOptions::default())
        .await
        .expect("the database opens")
}

/// What the database holds: parties, links and contracts.
async fn counts(sandbox: &Sandbox) -> (usize, usize, usize) {
    let store = store(sandbox).await;
    let parties = store
        .list_parties(&PartyQuery {
            limit: Limit::MAX_PAGE,
            ..PartyQuery::new(PartyScope::All)
        })
        .await
        .expect("parties")
        .items
        .len();
    let links = store
        .list_links(&LinkQuery {
            limit: Limit::MAX_PAGE,
            ..LinkQuery::new(PartyScope::All)
        })
        .await
        .expect("links")
        .items
        .len();
    let contracts = store
        .list_contracts(&ContractQuery {
            limit: Limit::MAX_PAGE,
            ..ContractQuery::new(PartyScope::All, None)
        })
        .await
        .expect("contracts")
        .items
        .len();
    store.close().await;
    (parties, links, contracts)
}

/// Adds services named `names` to the catalog of the party `reference`.
async fn offer(sandbox: &Sandbox, reference: &str, names: &[&str]) {
    let store = store(sandbox).await;
    let provider = store
        .party_by_reference(reference)
        .await
        .expect("asked")
        .expect("the provider was imported");
    for name in names {
        store
            .create_service(
                &Actor::system("test"),
                NewService {
                    provider_id: provider,
                    name: PartyName::parse("name", name).expect("valid"),
                    details: ServiceDetails::default(),
                },
            )
            .await
            .expect("a service");
    }
    store.close().await;
}

/// A new database (import adds to one; it does not create one), the
/// parties of [`PARTIES`], a login for Claire at Harbour and Brightwell's
/// catalog of cleaning and security.
async fn harbour(sandbox: &Sandbox) {
    sandbox.kept().arg("migrate").assert().success();
    let parties = import(sandbox, "parties", PARTIES);
    assert!(parties.ok, "{}", parties.stderr);
    sandbox.add_user("claire@harbour.example", "Claire Dunn", false);
    offer(sandbox, "BWF", &["Cleaning", "Security"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parties_then_links_then_contracts_import_and_read_back() {
    let sandbox = Sandbox::new();
    sandbox.add_user("claire@harbour.example", "Claire Dunn", false);
    sandbox.add_user("omar@harbour.example", "Omar Haddad", false);

    let parties = import(&sandbox, "parties", PARTIES);
    offer(&sandbox, "BWF", &["Cleaning", "Security"]).await;
    let links = import(
        &sandbox,
        "links",
        "supplier,customer,label\nBWF,HRB,facilities\nHRB,HRB-LDS,\n",
    );
    let contracts = import(
        &sandbox,
        "contracts",
        "name,provider,client,customers,services,probation_ends_on,steering_group,quorum\n\
         Harbour FM,BWF,HRB,HRB-LDS; HRB-YRK,cleaning;SECURITY,2026-06-30,\
         Claire@Harbour.example;omar@harbour.example,majority\n\
         Harbour nights,BWF,HRB,HRB-LDS,,,claire@harbour.example,1\n",
    );

    assert!(parties.ok, "{}", parties.stderr);
    assert!(
        parties.stdout.starts_with("Imported 5 parties from "),
        "{}",
        parties.stdout
    );
    assert!(links.ok, "{}", links.stderr);
    assert!(links.stdout.starts_with("Imported 2 links from "));
    assert!(contracts.ok, "{}", contracts.stderr);
    assert!(contracts.stdout.starts_with("Imported 2 contracts from "));
    let store = store(&sandbox).await;
    let id = |reference: &'static str| {
        let store = store.clone();
        async move {
            store
                .party_by_reference(reference)
                .await
                .expect("asked")
                .expect("imported")
        }
    };
    let (bwf, hrb, leeds, york) = (
        id("BWF").await,
        id("HRB").await,
        id("HRB-LDS").await,
        id("HRB-YRK").await,
    );
    let leeds_party = store.party(leeds).await.expect("read");
    assert_eq!(leeds_party.kind, PartyKind::Site);
    assert_eq!(leeds_party.parent_id, Some(hrb));
    let night = store
        .list_parties(&PartyQuery {
            parent_id: Some(leeds),
            ..PartyQuery::new(PartyScope::All)
        })
        .await
        .expect("children")
        .items;
    assert_eq!(night.len(), 1);
    assert_eq!(night[0].name.as_str(), "Night shift");
    assert!(night[0].internal);
    let chain: Vec<_> = store
        .chain_links(&PartyScope::All)
        .await
        .expect("links")
        .into_iter()
        .map(|l| (l.supplier_id, l.customer_id, l.label))
        .collect();
    assert!(
        chain.contains(&(bwf, hrb, Some("facilities".into()))),
        "{chain:?}"
    );
    assert!(chain.contains(&(hrb, leeds, None)), "{chain:?}");
    let mut listed = store
        .list_contracts(&ContractQuery::new(PartyScope::All, None))
        .await
        .expect("contracts")
        .items;
    listed.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    let fm = &listed[0];
    assert_eq!(fm.name.as_str(), "Harbour FM");
    assert_eq!((fm.provider_id, fm.client_id), (bwf, hrb));
    let mut customers = vec![leeds, york];
    customers.sort();
    assert_eq!(fm.customer_ids, customers);
    assert_eq!(fm.service_ids.len(), 2);
    assert_eq!(fm.steering_group.len(), 2);
    assert_eq!(fm.quorum, Quorum::Majority);
    assert_eq!(
        fm.probation_ends_on.map(|d| d.to_string()).as_deref(),
        Some("2026-06-30")
    );
    let nights = &listed[1];
    assert_eq!(nights.name.as_str(), "Harbour nights");
    assert_eq!(nights.quorum, Quorum::AtLeast(1));
    assert!(nights.service_ids.is_empty());
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parties_file_with_bad_rows_names_every_line_and_imports_nothing() {
    let sandbox = Sandbox::new();
    sandbox.kept().arg("migrate").assert().success();
    let mut contents = b"\
kind,name,parent,internal,reference
organisation,Harbour Retail plc,,,HRB
planet,Mars,,,
site,Leeds store,NOWHERE,,
organisation,Harbour again,,,HRB
site,York store,HRB
site,Top-level site,,,
team,Bakers,HRB,maybe,
organisation,,,,
organisation,Bad ref,,,has spaces
"
    .to_vec();
    contents.extend_from_slice(b"organisation,\xff\xfe,,,\n");
    let before = counts(&sandbox).await;

    let outcome = import(&sandbox, "parties", contents);

    assert_refused(&outcome);
    assert_reports(
        &outcome,
        &[
            (3, "kind: unknown kind `planet`"),
            (
                4,
                "parent: no recorded party or earlier row has the reference or id `NOWHERE`",
            ),
            (5, "reference: repeats line 2"),
            (6, "has 3 fields but the header has 5"),
            (7, "parent: a site belongs to an organisation"),
            (8, "internal: `maybe` is not true or false"),
            (9, "name: must not be empty"),
            (10, "reference: must be 1 to 64 letters"),
            (11, "is not valid UTF-8"),
        ],
    );
    assert_eq!(counts(&sandbox).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_links_file_with_bad_rows_names_every_line_and_imports_nothing() {
    let sandbox = Sandbox::new();
    harbour(&sandbox).await;
    let recorded = import(&sandbox, "links", "supplier,customer\nBWF,HRB\n");
    assert!(recorded.ok, "{}", recorded.stderr);
    let before = counts(&sandbox).await;

    let outcome = import(
        &sandbox,
        "links",
        "supplier,customer,label\n\
         HRB,HRB-LDS,runs\n\
         GHOST,HRB,\n\
         HRB,PHANTOM,\n\
         HRB,HRB-LDS,again\n\
         BWF,HRB,\n\
         HRB-LDS,BWF,\n\
         HRB-YRK,HRB-YRK,\n\
         HRB,HRB-YRK,too,many\n",
    );

    assert_refused(&outcome);
    assert_reports(
        &outcome,
        &[
            (3, "supplier: no party has the reference or id `GHOST`"),
            (4, "customer: no party has the reference or id `PHANTOM`"),
            (5, "customer: repeats the link of line 2"),
            (6, "customer: is already linked to this supplier"),
            (
                7,
                "customer: would close a loop in the service chain: HRB-LDS → BWF → HRB → HRB-LDS",
            ),
            (8, "customer: "),
            (9, "has 4 fields but the header has 3"),
        ],
    );
    assert_eq!(counts(&sandbox).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contracts_file_with_bad_rows_names_every_line_and_imports_nothing() {
    let sandbox = Sandbox::new();
    harbour(&sandbox).await;
    let before = counts(&sandbox).await;

    let outcome = import(
        &sandbox,
        "contracts",
        "name,provider,client,customers,services,calendar,probation_ends_on,steering_group,quorum\n\
         Good,BWF,HRB,HRB-LDS,Cleaning,,,claire@harbour.example,all\n\
         Unknown service,BWF,HRB,HRB-LDS,Gardening,,,claire@harbour.example,all\n\
         Unknown approver,BWF,HRB,HRB-LDS,,,,nobody@harbour.example,all\n\
         Bad quorum,BWF,HRB,HRB-LDS,,,,claire@harbour.example,most\n\
         Bad date,BWF,HRB,HRB-LDS,,,2026-02-30,claire@harbour.example,all\n\
         Unknown customer,BWF,HRB,HRB-LDS;HRB-XXX,,,,claire@harbour.example,all\n\
         Unknown calendar,BWF,HRB,HRB-LDS,,Lunar,,claire@harbour.example,all\n\
         Too large a quorum,BWF,HRB,HRB-LDS,,,,claire@harbour.example,3\n\
         Good,BWF,HRB,HRB-YRK,,,,claire@harbour.example,all\n\
         Short row,BWF,HRB\n\
         No customers,BWF,HRB,,,,,claire@harbour.example,all\n",
    );

    assert_refused(&outcome);
    assert_reports(
        &outcome,
        &[
            (3, "services: the provider offers no service `Gardening`"),
            (
                4,
                "steering_group: no user has the email nobody@harbour.example",
            ),
            (5, "quorum: `most` is not a quorum"),
            (
                6,
                "probation_ends_on: `2026-02-30` is not a date (YYYY-MM-DD)",
            ),
            (7, "customers: no party has the reference or id `HRB-XXX`"),
            (8, "calendar: no calendar `Lunar`"),
            (9, "quorum: "),
            (10, "name: repeats an earlier row"),
            (11, "has 3 fields but the header has 9"),
            (12, "customers: a contract serves at least one customer"),
        ],
    );
    assert_eq!(counts(&sandbox).await, before);
}

#[test]
fn a_header_lacking_a_column_naming_an_unknown_one_or_repeating_one_is_refused() {
    let sandbox = Sandbox::new();
    let cases = [
        (
            "parties",
            "kind,nmae,colour\norganisation,Harbour,red\n",
            "line 1: the header lacks `name` and has unknown columns `nmae`, `colour`",
        ),
        (
            "links",
            "supplier\nBWF\n",
            "line 1: the header lacks `customer`",
        ),
        (
            "contracts",
            "name,provider,client,customers,steering_group,quorum,cost\nX,A,B,C,d@e.example,all,9\n",
            "line 1: the header has unknown columns `cost`",
        ),
        (
            "parties",
            "kind,name,name\norganisation,Harbour,Other\n",
            "line 1: the header repeats `name`",
        ),
        (
            "links",
            "supplier,customer,\nBWF,HRB,\n",
            "the header has unknown columns an unnamed column",
        ),
    ];

    for (kind, contents, expected) in cases {
        let outcome = import(&sandbox, kind, contents);

        assert_refused(&outcome);
        assert!(
            outcome.stderr.contains(expected),
            "{kind}: {}",
            outcome.stderr
        );
        assert!(
            outcome.stderr.contains("the columns are: "),
            "{}",
            outcome.stderr
        );
    }
    assert!(
        !sandbox.file("kept-data").exists(),
        "a bad header is refused before the database is opened"
    );
}

#[test]
fn an_empty_file_or_a_header_alone_is_refused_clearly() {
    let sandbox = Sandbox::new();

    let empty = import(&sandbox, "parties", "");
    let header_only = import(&sandbox, "links", "supplier,customer,label\n");
    let blank_rows = import(
        &sandbox,
        "contracts",
        "name,provider,client,customers,steering_group,quorum\n,,,,,\n\n",
    );

    assert_refused(&empty);
    assert!(
        empty.stderr.contains("parties.csv: the file is empty; its first line must name the columns: kind, name, parent, internal, reference"),
        "{}",
        empty.stderr
    );
    assert_refused(&header_only);
    assert!(
        header_only.stderr.contains("links.csv: no rows to import"),
        "{}",
        header_only.stderr
    );
    assert_refused(&blank_rows);
    assert!(
        blank_rows
            .stderr
            .contains("contracts.csv: no rows to import"),
        "{}",
        blank_rows.stderr
    );
}

#[test]
fn a_missing_file_is_refused_without_creating_a_database() {
    let sandbox = Sandbox::new();

    let outcome = run(&sandbox, &["import", "contracts", "nowhere.csv"]);

    assert_refused(&outcome);
    assert!(
        outcome.stderr.contains("cannot read nowhere.csv"),
        "{}",
        outcome.stderr
    );
    assert!(!sandbox.file("kept-data").exists());
}

#[test]
fn import_explains_itself_and_needs_a_kind_and_a_file() {
    let sandbox = Sandbox::new();

    let help = run(&sandbox, &["import", "contracts", "--help"]);
    let no_file = run(&sandbox, &["import", "parties"]);
    let unknown_kind = run(&sandbox, &["import", "services", "x.csv"]);

    assert!(help.ok, "{}", help.stderr);
    assert!(help.stdout.contains("steering_group"), "{}", help.stdout);
    assert_eq!(no_file.code, Some(2), "{}", no_file.stderr);
    assert!(no_file.stderr.contains("FILE.csv"), "{}", no_file.stderr);
    assert_eq!(unknown_kind.code, Some(2), "{}", unknown_kind.stderr);
    assert!(!sandbox.file("kept-data").exists());
}
