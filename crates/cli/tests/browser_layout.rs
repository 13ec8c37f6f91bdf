//! The demo's pages in a real browser at a phone's width (390 px) and at
//! a desktop's: a 200-character subject without a space wraps instead of
//! pushing the page sideways, and the queue's status and due cells stay on
//! the screen. The trainer's raise form offers to ask the publisher.
//! Screenshots at 390 px are kept for review.

mod common;

#[path = "common/browser.rs"]
mod browser_support;

use fantoccini::{Client, Locator};
use serde_json::Value;

use browser_support::*;
use common::{Sandbox, Server};

const TOM: &str = "tom.reed@harbour-retail.example";
const ELENA: &str = "elena.rossi@trainer.example";

/// The demo, served, with a browser signed in as `email`.
async fn demo_as(sandbox: &Sandbox, email: &str) -> (Server, ChromeDriver, Client) {
    let (server, driver) = serve_demo(sandbox, "chromedriver-layout.log").await;
    let browser = open_browser(&driver, &sandbox.file("profile")).await;
    sign_in(&browser, &server, email, DEMO_PASSWORD).await;
    wait_for(&browser, "main h1").await;
    (server, driver, browser)
}

/// Runs `script` (which returns a number) in the page.
async fn number(browser: &Client, script: &str) -> f64 {
    match browser
        .execute(script, vec![])
        .await
        .expect("a script runs")
    {
        Value::Number(n) => n.as_f64().expect("a finite number"),
        other => panic!("{script} gave {other}"),
    }
}

/// Asserts the page at `path` does not scroll sideways at this width and
/// that each element matching `cells` ends within the viewport.
async fn fits(browser: &Client, server: &Server, path: &str, cells: &str, width: u32) {
    browser.goto(&server.url(path)).await.expect("the page");
    wait_for(browser, "main h1").await;
    let inner = number(browser, "return window.innerWidth").await;
    let scroll = number(browser, "return document.documentElement.scrollWidth").await;
    assert!(
        scroll <= inner,
        "{path} at {width} px scrolls sideways: {scroll} > {inner}"
    );
    let script = format!(
        "return Math.max(0, ...Array.from(document.querySelectorAll({cells:?})).map(e => e.getBoundingClientRect().right))"
    );
    let right = number(browser, &script).await;
    assert!(
        right > 0.0 && right <= inner,
        "{path} at {width} px: {cells} end at {right}, past {inner}"
    );
}

#[tokio::test]
async fn a_200_character_subject_without_spaces_wraps_on_a_phone_and_a_desktop() {
    if !browser_installed() {
        return;
    }
    let sandbox = Sandbox::new();
    let (server, _driver, browser) = demo_as(&sandbox, TOM).await;
    let subject = "Leak".repeat(50);
    browser
        .goto(&server.url("/requests/new"))
        .await
        .expect("the raise form");
    // Tom's only contract: its form comes straight up.
    wait_for(&browser, "#raise-form").await;
    browser
        .find(Locator::Css("#r-subject"))
        .await
        .expect("a subject field")
        .send_keys(&subject)
        .await
        .expect("typing the subject");
    click(&browser, "#raise-form button[type=submit]").await;
    wait_for(&browser, "p.flash").await;
    let request = browser
        .current_url()
        .await
        .expect("a URL")
        .path()
        .to_owned();
    assert!(request.starts_with("/requests/"), "{request}");

    for (width, height) in [(390, 844), (1280, 900)] {
        browser
            .set_window_size(width, height)
            .await
            .expect("the window resizes");
        fits(
            &browser,
            &server,
            "/requests",
            "#queue tbody td:nth-child(5), #queue tbody td:nth-child(7)",
            width,
        )
        .await;
        if width == 390 {
            browser
                .execute(
                    "document.querySelector('#queue tbody tr').scrollIntoView()",
                    vec![],
                )
                .await
                .expect("scrolled to the queue");
            let shot = browser.screenshot().await.expect("a screenshot");
            std::fs::write(artifacts_dir().join("browser-queue-390.png"), &shot).expect("saved");
        }
        fits(&browser, &server, "/portal", "#my-requests tbody td", width).await;
        fits(&browser, &server, &request, "main h1, #status", width).await;
        if width == 390 {
            let shot = browser.screenshot().await.expect("a screenshot");
            std::fs::write(artifacts_dir().join("browser-request-390.png"), &shot).expect("saved");
        }
    }
    browser.close().await.expect("the browser closes");
}

#[tokio::test]
async fn the_trainers_raise_form_offers_to_ask_the_publisher_about_the_materials() {
    if !browser_installed() {
        return;
    }
    let sandbox = Sandbox::new();
    let (server, _driver, browser) = demo_as(&sandbox, ELENA).await;

    browser
        .goto(&server.url("/requests/new"))
        .await
        .expect("the raise form");
    // Elena's only contract: its form comes straight up.
    let offered = wait_for(&browser, "#a-service option").await;

    assert_eq!(
        offered,
        ["Ask Folio Learning Press about: Course materials"]
    );
    browser.close().await.expect("the browser closes");
}
