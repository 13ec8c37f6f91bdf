//! End to end in a real browser, on a phone 390 pixels wide, on the demo:
//! the café's manager orders 1000 boxes where he usually orders 8 to 12;
//! the order form asks "1000 boxes, or 10 packs of 100?" in the page,
//! keeping what he typed, and one press of *Order 10 boxes of 100
//! instead* places the order, recorded as changed. A screenshot of the
//! question is kept for review.

mod common;

#[path = "common/browser.rs"]
mod browser_support;

use fantoccini::{Client, Locator};

use browser_support::*;
use common::Sandbox;

const DAN: &str = "dan.wu@cornercafe.example";
const SUBJECT: &str = "Takeaway boxes for the week";

async fn value(browser: &Client, css: &str) -> String {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .prop("value")
        .await
        .expect("a value")
        .unwrap_or_default()
}

#[tokio::test]
async fn the_cafe_is_asked_about_a_thousand_boxes_on_a_phone_and_orders_ten_packs() {
    if !browser_installed() {
        return;
    }
    let sandbox = Sandbox::new();
    let (server, driver) = serve_demo(&sandbox, "chromedriver-orders.log").await;
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let browser = open_phone(&driver, profile.path()).await;

    sign_in(&browser, &server, DAN, DEMO_PASSWORD).await;
    wait_for_path(&browser, "/").await;
    browser
        .goto(&server.url("/requests/new"))
        .await
        .expect("the order form opens");
    wait_for(&browser, "#raise-form").await;
    browser
        .find(Locator::Css("#r-kind"))
        .await
        .expect("a kind")
        .select_by_label("Order")
        .await
        .expect("choosing Order");
    type_into(&browser, "#r-quantity", "1000").await;
    type_into(&browser, "#r-subject", SUBJECT).await;
    click(&browser, "#raise-form button[type=submit]").await;

    // Asked in the page, not refused: what he typed is still there.
    let asked = wait_for(&browser, "#quantity-question h2").await;
    assert_eq!(asked, ["1000 boxes, or 10 packs of 100?"]);
    let why = texts(&browser, "#quantity-question p").await;
    assert!(
        why[0].contains("usually order") && why[0].contains("pallets"),
        "why, and how big the delivery would be: {why:?}"
    );
    assert_eq!(value(&browser, "#r-quantity").await, "1000");
    assert_eq!(value(&browser, "#r-subject").await, SUBJECT);
    assert!(
        texts(&browser, "p.flash-error").await.is_empty(),
        "a question is not shown as an error"
    );
    assert!(
        overflow(&browser).await <= 0.5,
        "the question fits a phone's width"
    );
    let shot = browser.screenshot().await.expect("a screenshot");
    std::fs::write(artifacts_dir().join("browser-order-question.png"), &shot).expect("saved");

    // One press orders ten packs instead.
    let choices = texts(&browser, "#quantity-question button").await;
    assert_eq!(
        choices,
        ["Order 10 boxes of 100 instead", "Yes, order 1000 as typed"]
    );
    click(&browser, "#quantity-question button[value='10']").await;
    // The question's page has a flash of its own: wait for the order's.
    let raised = wait_for(&browser, "p.flash-ok").await;
    assert!(raised[0].starts_with("Raised request #"), "{raised:?}");
    let quantity = texts(&browser, "#order-lines td[data-label=Quantity]").await;
    assert_eq!(quantity, ["10 boxes"]);
    let checked = texts(&browser, "#order-lines td[data-label='Quantity check']").await;
    assert!(
        checked[0].starts_with("Changed from 1000"),
        "the order records the change: {checked:?}"
    );
    browser.close().await.expect("the browser closes");
}
