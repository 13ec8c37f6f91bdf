//! End to end in a real browser: `kept serve` driven through headless
//! Chromium and chromedriver. A person signs in, sees the parties page and
//! signs out; a screenshot of the parties page is kept for review.

mod common;

#[path = "common/browser.rs"]
mod browser_support;

use fantoccini::Locator;
use serde_json::{Value, json};

use browser_support::*;
use common::{PASSWORD, Sandbox};

#[tokio::test]
async fn a_person_signs_in_sees_the_parties_and_signs_out_in_chromium() {
    if !browser_installed() {
        return;
    }
    let sandbox = Sandbox::new();
    sandbox.add_user("ada@example.com", "Ada Admin", true);
    let token = sandbox.create_token("ada@example.com");
    let server = sandbox.serve(&[]);
    let retailer = create_party(
        &server,
        &token,
        json!({"kind": "organisation", "name": "Harbour Retail"}),
    )
    .await;
    for store in ["Leeds Store", "Bristol Store"] {
        create_party(
            &server,
            &token,
            json!({"kind": "site", "name": store, "parent_id": retailer}),
        )
        .await;
    }
    let driver = ChromeDriver::start(&sandbox.file("chromedriver.log")).await;
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let browser = open_browser(&driver, profile.path()).await;

    sign_in(&browser, &server, "ada@example.com", PASSWORD).await;
    wait_for_path(&browser, "/").await;
    browser
        .goto(&server.url("/parties"))
        .await
        .expect("the parties page");

    wait_for_path(&browser, "/parties").await;
    assert_eq!(texts(&browser, "main h1").await, ["Parties"]);
    let names = texts(&browser, "table.list tbody tr td:first-child a").await;
    for name in [
        "Harbour Retail",
        "Leeds Store",
        "Bristol Store",
        "Ada Admin",
    ] {
        assert!(names.contains(&name.to_owned()), "{name} in {names:?}");
    }
    assert_eq!(
        texts(&browser, "nav[aria-label=Main] a").await,
        [
            "Home",
            "Requests",
            "At risk",
            "Contracts",
            "Chain",
            "Teams",
            "Admin"
        ]
    );
    assert_eq!(
        texts(&browser, "nav[aria-label=Main] a[aria-current=page]").await,
        ["Admin"],
        "the parties page is one of the set-up pages"
    );
    let stylesheet_applied = browser
        .execute(
            "return getComputedStyle(document.querySelector('a.skip')).position !== 'static'",
            vec![],
        )
        .await
        .expect("a script runs");
    assert_eq!(
        stylesheet_applied,
        Value::Bool(true),
        "kept.css is loaded (the skip link is positioned)"
    );

    let screenshot = browser.screenshot().await.expect("a screenshot");
    assert!(screenshot.starts_with(b"\x89PNG"), "a PNG");
    let shot = artifacts_dir().join("browser-parties.png");
    std::fs::write(&shot, &screenshot).expect("the screenshot is saved");
    println!("screenshot: {}", shot.display());

    sign_out(&browser).await;
    assert_eq!(texts(&browser, "main h1").await, ["Sign in"]);
    assert!(texts(&browser, "nav").await.is_empty(), "no navigation");
    browser
        .goto(&server.url("/parties"))
        .await
        .expect("the parties page");
    wait_for_path(&browser, "/login").await;
    browser.close().await.expect("the browser closes");
}

/// The demo's approver at the provider signs in, approves the client's
/// pending change request on the central FM contract (the client's approver
/// already has), applies it, and the contract page shows the new terms
/// version with what it changed.
#[tokio::test]
async fn an_approver_approves_a_pending_change_and_the_contract_shows_the_new_terms() {
    if !browser_installed() {
        return;
    }
    let sandbox = Sandbox::new();
    let (server, driver) = serve_demo(&sandbox, "chromedriver-cr.log").await;
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let browser = open_browser(&driver, profile.path()).await;

    sign_in(
        &browser,
        &server,
        "maya.patel@brightwell.example",
        DEMO_PASSWORD,
    )
    .await;
    wait_for_path(&browser, "/").await;
    browser
        .goto(&server.url("/contracts"))
        .await
        .expect("the contracts page");
    browser
        .find(Locator::LinkText("Harbour Retail facilities management"))
        .await
        .expect("the FM contract is listed")
        .click()
        .await
        .expect("opening the contract");
    let contract_path = browser
        .current_url()
        .await
        .expect("a URL")
        .path()
        .to_owned();
    assert!(contract_path.starts_with("/contracts/"), "{contract_path}");
    assert_eq!(
        texts(&browser, "#terms-version").await[0]
            .split(',')
            .next()
            .unwrap_or_default(),
        "Version 2"
    );
    let titles = texts(&browser, "#change-requests > article.change-request h3").await;
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Resolve urgent requests within 4 business hours")),
        "{titles:?}"
    );

    browser
        .find(Locator::Css("article.change-request input[name=comment]"))
        .await
        .expect("a comment field for the approver")
        .send_keys("Agreed: we add a second on-call engineer.")
        .await
        .expect("typing a comment");
    click(&browser, "article.change-request button.approve").await;
    assert_eq!(wait_for(&browser, "p.flash").await, ["Approved."]);
    wait_for_path(&browser, &contract_path).await;
    assert_eq!(
        texts(
            &browser,
            "#change-requests > article.change-request .status"
        )
        .await,
        ["approved"]
    );
    click(&browser, "article.change-request button.apply").await;
    wait_for(&browser, "#version-3").await;

    assert_eq!(
        texts(&browser, "p.flash").await,
        ["Applied: a new terms version is in force."]
    );
    assert_eq!(version_in_force(&browser).await, "Version 3");
    let changed = texts(&browser, "#version-3 ul.diff li").await;
    assert_eq!(
        changed,
        ["Reactive maintenance (urgent): resolution 8h → 4h"]
    );
    let urgent = texts(&browser, "#sla tbody tr").await;
    assert!(
        urgent
            .iter()
            .any(|row| row.contains("urgent") && row.contains("30m") && row.contains("4h")),
        "{urgent:?}"
    );
    assert!(
        texts(&browser, "#change-requests > article.change-request")
            .await
            .is_empty(),
        "nothing left open"
    );
    browser
        .execute(
            "document.getElementById('terms-h').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scrolling to the terms");
    let shot = browser.screenshot().await.expect("a screenshot");
    std::fs::write(artifacts_dir().join("browser-contract-terms.png"), &shot)
        .expect("the screenshot is saved");
    browser.close().await.expect("the browser closes");
}
