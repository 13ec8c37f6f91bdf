//! End to end in a real browser on the demo: a store manager raises a
//! request in the customer portal, the provider's agent answers it from
//! the queue, and the store manager sees the answer. Screenshots of the
//! queue and of the answered request are kept for review.

mod common;

#[path = "common/browser.rs"]
mod browser_support;

use fantoccini::{Client, Locator};

use browser_support::*;
use common::Sandbox;

const TOM: &str = "tom.reed@harbour-retail.example";
const SAM: &str = "sam.okafor@brightwell.example";
const SUBJECT: &str = "Fire exit door will not latch";
const ANSWER: &str = "An engineer is on the way and will be with you by 2pm.";

async fn select(browser: &Client, css: &str, label: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .select_by_label(label)
        .await
        .unwrap_or_else(|e| panic!("choosing {label} in {css}: {e}"));
}

#[tokio::test]
async fn a_customer_raises_a_request_an_agent_answers_it_and_the_customer_sees_the_answer() {
    if !browser_installed() {
        return;
    }
    let sandbox = Sandbox::new();
    let (server, driver) = serve_demo(&sandbox, "chromedriver-requests.log").await;
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let browser = open_browser(&driver, profile.path()).await;

    // The store manager raises a request in the portal.
    sign_in(&browser, &server, TOM, DEMO_PASSWORD).await;
    wait_for_path(&browser, "/").await;
    click(&browser, "#raise-link").await;
    wait_for_path(&browser, "/requests/new").await;
    // The FM contract is Tom's only one: its form comes straight up.
    wait_for(&browser, "#raise-form").await;
    assert_eq!(
        texts(&browser, "#r-customer option").await,
        ["Harbour Retail Leeds"],
        "a store manager raises requests for their own store only"
    );
    select(&browser, "#r-service", "Reactive maintenance — jobs").await;
    assert_eq!(
        texts(&browser, "label[for=r-quantity] #r-unit").await,
        ["jobs"],
        "the quantity's label names the unit of the service chosen"
    );
    select(&browser, "#r-kind", "Incident").await;
    select(&browser, "#r-priority", "High").await;
    type_into(&browser, "#r-subject", SUBJECT).await;
    type_into(
        &browser,
        "#r-description",
        "The fire exit by the stock room swings open in the wind.",
    )
    .await;
    click(&browser, "#raise-form button[type=submit]").await;
    let flash = wait_for(&browser, "p.flash").await;
    assert!(flash[0].starts_with("Raised request #"), "{flash:?}");
    let request_path = browser
        .current_url()
        .await
        .expect("a URL")
        .path()
        .to_owned();
    assert!(request_path.starts_with("/requests/"), "{request_path}");
    // The customer reads words: the status, and when they will hear back
    // (shown by the script in their own zone, still with the weekday).
    assert_eq!(texts(&browser, "#status").await, ["Received"]);
    assert!(texts(&browser, "#sla-state").await.is_empty());
    let told = texts(&browser, "#next .next-step").await;
    assert!(told[0].starts_with("We will reply by "), "{told:?}");
    let when = texts(&browser, "#next time[data-words]").await;
    assert!(
        [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday"
        ]
        .iter()
        .any(|day| when[0].contains(day)),
        "{when:?}"
    );
    sign_out(&browser).await;

    // The agent finds it in the queue and answers.
    sign_in(&browser, &server, SAM, DEMO_PASSWORD).await;
    wait_for_path(&browser, "/requests").await;
    let subjects = wait_for(&browser, "#queue tbody td:nth-child(2) a").await;
    assert!(subjects.iter().any(|s| s == SUBJECT), "{subjects:?}");
    let shot = browser.screenshot().await.expect("a screenshot");
    std::fs::write(artifacts_dir().join("browser-queue.png"), &shot).expect("saved");
    browser
        .find(Locator::LinkText(SUBJECT))
        .await
        .expect("the new request is in the queue")
        .click()
        .await
        .expect("opening it");
    wait_for_path(&browser, &request_path).await;
    type_into(&browser, "#reply-body", ANSWER).await;
    click(&browser, "#reply-form button[type=submit]").await;
    assert_eq!(wait_for(&browser, "p.flash").await, ["Replied."]);
    let first_response = texts(&browser, "#clocks tr.clock-first_response td").await;
    assert!(
        first_response[0].contains("stopped"),
        "the reply stopped the first-response clock: {first_response:?}"
    );
    sign_out(&browser).await;

    // The store manager sees the answer on the request.
    sign_in(&browser, &server, TOM, DEMO_PASSWORD).await;
    wait_for_path(&browser, "/").await;
    browser
        .goto(&server.url(&request_path))
        .await
        .expect("the request page");
    let bodies = wait_for(&browser, "#timeline li.event-reply .body").await;
    assert_eq!(bodies, [ANSWER]);
    assert!(
        texts(&browser, "#timeline li.internal").await.is_empty(),
        "no internal notes for the customer"
    );
    let shot = browser.screenshot().await.expect("a screenshot");
    std::fs::write(artifacts_dir().join("browser-request-answered.png"), &shot).expect("saved");
    browser.close().await.expect("the browser closes");
}
