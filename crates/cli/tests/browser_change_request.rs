//! End to end in a real browser on the demo: Harbour's client contact
//! proposes a change to the facilities management contract through the
//! structured form (a tighter target for one service and priority, and an
//! item added to the scope), reviews what it changes, raises it; the
//! steering group approves it and Brightwell's manager applies it; the
//! contract then shows the new version. Screenshots of the form at 1280
//! and 390 px are kept for review, and at 390 px it must not scroll
//! sideways.

mod common;

#[path = "common/browser.rs"]
mod browser_support;

use fantoccini::{Client, Locator};
use serde_json::Value;

use browser_support::*;
use common::{Sandbox, Server};

const CLAIRE: &str = "claire.dubois@harbour-retail.example";
const MAYA: &str = "maya.patel@brightwell.example";
const TITLE: &str = "Cleaning resolved within two days";
const ITEM: &str = "Deep clean after a flood";

/// Replaces what the field labelled `label` holds with `text`, finding it
/// by its label as a person would.
async fn retype_labelled(browser: &Client, label: &str, text: &str) {
    let xpath = format!("//label[normalize-space()={label:?}]");
    let id = browser
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no label {label}: {e}"))
        .attr("for")
        .await
        .expect("the label's for")
        .unwrap_or_else(|| panic!("label {label} names no field"));
    let field = browser
        .find(Locator::Id(&id))
        .await
        .unwrap_or_else(|e| panic!("no field for {label}: {e}"));
    field.clear().await.expect("emptying the field");
    field.send_keys(text).await.expect("typing");
}

/// Whether the page scrolls sideways at the window's width.
async fn scrolls_sideways(browser: &Client) -> bool {
    let wider = browser
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth",
            vec![],
        )
        .await
        .expect("a script runs");
    wider != Value::Bool(false)
}

/// Checks that the page does not scroll sideways at `width` px and saves
/// a screenshot of the whole page there as `name`.
async fn shot_at(browser: &Client, width: u32, name: &str) {
    browser
        .set_window_size(width, 900)
        .await
        .expect("the window resizes");
    assert!(
        !scrolls_sideways(browser).await,
        "{name}: the form scrolls sideways at {width} px"
    );
    let height = browser
        .execute("return document.documentElement.scrollHeight", vec![])
        .await
        .expect("a script runs")
        .as_u64()
        .unwrap_or(900)
        .clamp(900, 6000);
    // A window as tall as the page, so the screenshot shows all of it.
    browser
        .set_window_size(width, u32::try_from(height).unwrap_or(900))
        .await
        .expect("the window resizes");
    let shot = browser.screenshot().await.expect("a screenshot");
    std::fs::write(artifacts_dir().join(name), &shot).expect("the screenshot is saved");
    browser
        .set_window_size(width, 900)
        .await
        .expect("the window resizes");
}

/// The XPath of the `button` class on the home page's card of the change
/// request titled `title`.
fn on_home(title: &str, button: &str) -> String {
    format!(
        "//section[@id='home-changes']//article[h3[normalize-space()={title:?}]]//button[contains(@class, '{button}')]"
    )
}

/// Approves the change request titled `title` as `approver`, from the
/// change requests waiting on their home page (signed in and out around it).
async fn approve(browser: &Client, server: &Server, approver: &str, title: &str) {
    sign_in(browser, server, approver, DEMO_PASSWORD).await;
    wait_for_path(browser, "/").await;
    let button = on_home(title, "approve");
    browser
        .find(Locator::XPath(&button))
        .await
        .unwrap_or_else(|e| panic!("{approver} has no approve button for {title}: {e}"))
        .click()
        .await
        .expect("approving");
    assert_eq!(wait_for(browser, "p.flash").await, ["Approved."]);
    wait_for_path(browser, "/").await;
    sign_out(browser).await;
}

#[tokio::test]
async fn the_client_proposes_a_change_through_the_form_and_it_is_approved_and_applied() {
    if !browser_installed() {
        return;
    }
    let sandbox = Sandbox::new();
    let (server, driver) = serve_demo(&sandbox, "chromedriver-change.log").await;
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let browser = open_browser(&driver, profile.path()).await;

    // Claire opens the form from the contract's card on her home page.
    sign_in(&browser, &server, CLAIRE, DEMO_PASSWORD).await;
    wait_for_path(&browser, "/").await;
    let contract = open_contract(&browser, &server, "Harbour Retail facilities management").await;
    browser.goto(&server.url("/")).await.expect("home");
    click(
        &browser,
        &format!("#home-contracts a[href='{contract}/change-requests/new']"),
    )
    .await;
    wait_for_path(&browser, &format!("{contract}/change-requests/new")).await;
    assert_eq!(wait_for(&browser, "main h1").await, ["Propose a change"]);
    shot_at(&browser, 390, "browser-change-request-form-390.png").await;
    for tablet in [768, 1024] {
        browser
            .set_window_size(tablet, 900)
            .await
            .expect("the window resizes");
        assert!(
            !scrolls_sideways(&browser).await,
            "the form scrolls sideways at {tablet} px"
        );
    }
    shot_at(&browser, 1280, "browser-change-request-form-1280.png").await;

    // She tightens one target, adds an item to the scope and reviews.
    type_into(&browser, "#cr-title", TITLE).await;
    type_into(
        &browser,
        "#cr-rationale",
        "Stores reopen late after spills; two business days is what trading needs.",
    )
    .await;
    retype_labelled(&browser, "Cleaning, Normal: Resolution", "16h").await;
    type_into(&browser, "#cr-in-scope input[placeholder]", ITEM).await;
    click(&browser, "#cr-review").await;
    let review = wait_for(&browser, "#review li").await;
    assert_eq!(
        review,
        [
            "Cleaning (normal): resolution 24h → 16h".to_owned(),
            format!("Added to in scope: {ITEM}")
        ]
    );
    assert!(
        !scrolls_sideways(&browser).await,
        "the reviewed form at 1280 px"
    );
    shot_at(&browser, 390, "browser-change-request-review-390.png").await;
    shot_at(&browser, 1280, "browser-change-request-review-1280.png").await;

    // She raises it; the steering group approves; Maya applies it.
    click(&browser, "#cr-submit").await;
    assert_eq!(
        wait_for(&browser, "p.flash").await,
        ["Raised and submitted to the steering group."]
    );
    wait_for_path(&browser, &contract).await;
    sign_out(&browser).await;
    for approver in [CLAIRE, MAYA] {
        approve(&browser, &server, approver, TITLE).await;
    }
    sign_in(&browser, &server, MAYA, DEMO_PASSWORD).await;
    wait_for_path(&browser, "/").await;
    browser
        .find(Locator::XPath(&on_home(TITLE, "apply")))
        .await
        .expect("an apply button for Maya")
        .click()
        .await
        .expect("applying");
    assert_eq!(
        wait_for(&browser, "p.flash").await,
        ["Applied: a new terms version is in force."]
    );

    // The contract shows the new version with the new target.
    assert_eq!(version_in_force(&browser).await, "Version 3");
    assert_eq!(
        texts(&browser, "#version-3 ul.diff li").await,
        [
            "Cleaning (normal): resolution 24h → 16h".to_owned(),
            format!("Added to in scope: {ITEM}")
        ]
    );
    let rows = texts(&browser, "#sla tbody tr").await;
    assert!(
        rows.iter()
            .any(|r| r.starts_with("Cleaning") && r.contains("normal") && r.contains("16h")),
        "{rows:?}"
    );
    let titles = texts(&browser, "#change-requests > article.change-request h3").await;
    assert!(
        titles.iter().all(|t| !t.starts_with(TITLE)),
        "no longer open: {titles:?}"
    );
    browser.close().await.expect("the browser closes");
}
