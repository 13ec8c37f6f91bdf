//! End to end in a real browser on the demo, scenario 4 of DESIGN.md: a
//! paying client's work has crowded out Northwind Marketing's business
//! plan, so its promise is at risk as the demo opens. Omar, who runs
//! Northwind Operations, finds it under "At risk" with the suggested
//! action and proposes a new date on the request; the mail to Marketing's
//! Hannah Lee (read where the admin reads the demo's mail) holds a
//! single-use link, whose page agrees to it without signing in; Omar's
//! request page then shows the new date, agreed through the link.
//! Screenshots of the at-risk list (desktop and phone) and of the link's
//! page are kept for review.

mod common;

#[path = "common/browser.rs"]
mod browser_support;

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use kept_domain::calendar::jiff::civil::Weekday;
use kept_domain::calendar::jiff::tz::Offset;
use kept_domain::calendar::jiff::{Timestamp, ToSpan};
use serde_json::json;

use browser_support::*;
use common::{Sandbox, Server};

const OMAR: &str = "omar.haddad@northwind.example";
const HANNAH: &str = "hannah.lee@northwind.example";
const ADMIN: &str = "admin@kept.demo";
const SUBJECT: &str = "Business plan for the spring campaign";
const RENEGOTIATE: &str = "Propose a new date to the customer now";
const REASON: &str =
    "Two analyses for a paying client had to come first. The plan will be with you by this date.";

/// Signs in as `email` and waits until the browser has left the form.
async fn signed_in(browser: &Client, server: &Server, email: &str) {
    sign_in(browser, server, email, DEMO_PASSWORD).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = browser.current_url().await.expect("the current URL");
        if url.path() != "/login" {
            return;
        }
        assert!(Instant::now() < deadline, "{email} could not sign in");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Saves a screenshot of the page as `name` in the artifacts directory.
async fn screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(artifacts_dir().join(name), png).expect("the screenshot is saved");
}

/// The instant in the `datetime` of the `<time>` matching `css`.
async fn time_at(browser: &Client, css: &str) -> Timestamp {
    let attr = browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .attr("datetime")
        .await
        .expect("an attribute")
        .unwrap_or_else(|| panic!("{css} has no datetime"));
    attr.parse()
        .unwrap_or_else(|e| panic!("{css}: {attr:?} is no instant: {e}"))
}

/// The date to propose: the working day after the plan finishes, at
/// 16:00 UTC, a few days past the promised date.
fn after(projected: Timestamp) -> Timestamp {
    let mut day = Offset::UTC.to_datetime(projected).date();
    loop {
        day = day.checked_add(1.day()).expect("a day later");
        if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            break;
        }
    }
    Offset::UTC
        .to_timestamp(day.at(16, 0, 0, 0))
        .expect("a UTC instant")
}

/// Omar opens "At risk" from the menu and finds Marketing's business plan
/// there with the suggested action; returns its request's path.
async fn finds_the_promise_at_risk(browser: &Client) -> String {
    click(browser, "nav[aria-label=Main] a[href='/promises/at-risk']").await;
    wait_for_path(browser, "/promises/at-risk").await;
    let requests = wait_for(browser, "#at-risk td[data-label=Request] a").await;
    assert_eq!(requests.len(), 1, "only the business plan: {requests:?}");
    assert!(requests[0].ends_with(SUBJECT), "{requests:?}");
    assert_eq!(
        texts(browser, "#at-risk td[data-label=Customer]").await,
        ["Northwind Marketing"]
    );
    assert_eq!(
        texts(browser, "#at-risk td[data-label=Why]").await,
        ["The team's plan finishes it after the promised date"]
    );
    assert_eq!(
        texts(browser, "#at-risk td.suggestion").await,
        [RENEGOTIATE]
    );
    let href = browser
        .find(Locator::Css("#at-risk td[data-label=Request] a"))
        .await
        .expect("the request's link")
        .attr("href")
        .await
        .expect("an attribute")
        .expect("an href");
    href.split('#').next().unwrap_or_default().to_owned()
}

/// On the request's page, Omar proposes the working day after the plan
/// finishes it; returns the date proposed.
async fn proposes_a_new_date(browser: &Client, request: &str) -> Timestamp {
    click(browser, "#at-risk td[data-label=Request] a").await;
    wait_for_path(browser, request).await;
    let promised = time_at(browser, "#promised time").await;
    let projected = time_at(browser, "#projected time").await;
    assert!(projected > promised, "{projected} is not after {promised}");
    assert_eq!(texts(browser, "#projected .tag").await, ["at risk"]);
    let proposed = after(projected);
    click(browser, "#propose > summary").await;
    // The field takes the date as the browser's picker would give it.
    let typed = proposed.strftime("%Y-%m-%dT%H:%M").to_string();
    browser
        .execute(
            "document.querySelector('#propose-date').value = arguments[0]",
            vec![json!(typed)],
        )
        .await
        .expect("the date is set");
    type_into(browser, "#propose-reason", REASON).await;
    screenshot(browser, "promise-propose.png").await;
    click(browser, "#propose-form button[type=submit]").await;
    assert_eq!(
        wait_for(browser, "p.flash").await,
        ["Proposed: the customer is asked to agree."]
    );
    assert_eq!(time_at(browser, "#proposed time").await, proposed);
    proposed
}

/// As the admin, the answer link in the "New date proposed" mail to
/// Hannah (the outbox keeps it within moments).
async fn answer_link_mailed_to_hannah(browser: &Client, server: &Server) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        browser
            .goto(&server.url(&format!("/admin/mail?to={HANNAH}")))
            .await
            .expect("the mail page");
        let subjects = texts(browser, "#mail td[data-label=Subject] a").await;
        if subjects.iter().any(|s| s.contains("New date proposed")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no proposal mailed: {subjects:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        texts(browser, "#mail td[data-label=To]")
            .await
            .iter()
            .all(|to| to == HANNAH)
    );
    browser
        .find(Locator::XPath(
            "//table[@id='mail']//a[contains(., 'New date proposed')]",
        ))
        .await
        .expect("the proposal's mail")
        .click()
        .await
        .expect("opening it");
    let text = wait_for(browser, "#mail-text").await.join("\n");
    assert!(text.contains(REASON), "{text}");
    let link = text
        .split_whitespace()
        .find(|word| word.contains("/promise-answer/"))
        .unwrap_or_else(|| panic!("no answer link in:\n{text}"))
        .to_owned();
    assert!(link.starts_with(&server.url("/promise-answer/")), "{link}");
    link
}

#[tokio::test]
async fn a_promise_at_risk_gets_a_new_date_the_customer_agrees_to_through_the_mailed_link() {
    if !browser_installed() {
        return;
    }
    let sandbox = Sandbox::new();
    let (server, driver) = serve_demo(&sandbox, "chromedriver-promises.log").await;
    let browser = open_browser(&driver, &sandbox.file("profile")).await;
    let phone = open_phone(&driver, &sandbox.file("profile-phone")).await;

    // Omar finds the business plan at risk, on a desktop and a phone.
    signed_in(&browser, &server, OMAR).await;
    let request = finds_the_promise_at_risk(&browser).await;
    screenshot(&browser, "promises-at-risk.png").await;
    signed_in(&phone, &server, OMAR).await;
    phone
        .goto(&server.url("/promises/at-risk"))
        .await
        .expect("the at-risk page");
    assert_eq!(
        wait_for(&phone, "#at-risk td.suggestion").await,
        [RENEGOTIATE]
    );
    screenshot(&phone, "promises-at-risk-phone.png").await;
    assert!(overflow(&phone).await <= 0.0, "the list scrolls sideways");
    phone.delete_all_cookies().await.expect("signed out");

    // He proposes a new date, with the reason Marketing will read.
    let proposed = proposes_a_new_date(&browser, &request).await;
    sign_out(&browser).await;

    // The admin reads the mail Hannah got and takes its link.
    signed_in(&browser, &server, ADMIN).await;
    let link = answer_link_mailed_to_hannah(&browser, &server).await;
    sign_out(&browser).await;

    // Hannah opens it (on her phone first: opening changes nothing), then
    // agrees, signed in nowhere.
    phone.goto(&link).await.expect("the link's page");
    wait_for(&phone, "#agree").await;
    screenshot(&phone, "promise-answer-phone.png").await;
    assert!(
        overflow(&phone).await <= 0.0,
        "the link's page scrolls sideways"
    );
    browser.goto(&link).await.expect("the link's page");
    assert_eq!(texts(&browser, "main h1").await, ["A new date is proposed"]);
    assert_eq!(texts(&browser, "#proposal-reason").await, [REASON]);
    screenshot(&browser, "promise-answer.png").await;
    click(&browser, "#agree").await;
    let result = wait_for(&browser, "#answer-result").await;
    assert!(
        result[0].starts_with("Thank you, Hannah Lee."),
        "{result:?}"
    );
    screenshot(&browser, "promise-answer-agreed.png").await;

    // Omar's request page shows the date agreed, through the link.
    signed_in(&browser, &server, OMAR).await;
    browser
        .goto(&server.url(&request))
        .await
        .expect("the request page");
    assert_eq!(time_at(&browser, "#promised time").await, proposed);
    let promised = texts(&browser, "#promised").await;
    assert!(
        promised[0].ends_with("The customer agreed to this date."),
        "{promised:?}"
    );
    assert!(texts(&browser, "#proposed").await.is_empty());
    let answered = texts(&browser, "#timeline li.event-date_answered strong").await;
    assert_eq!(answered.len(), 1, "{answered:?}");
    assert!(
        answered[0].starts_with("Hannah Lee agreed to ")
            && answered[0].ends_with(" through the link in the email"),
        "{answered:?}"
    );
    for (part, name) in [
        ("#promise", "promise-request-agreed.png"),
        ("#timeline-h", "promise-request-timeline.png"),
    ] {
        browser
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView()",
                vec![json!(part)],
            )
            .await
            .expect("scrolled");
        screenshot(&browser, name).await;
    }
    // Agreed, the date is no longer at risk.
    click(&browser, "nav[aria-label=Main] a[href='/promises/at-risk']").await;
    wait_for(&browser, "#none-at-risk").await;
    browser.close().await.expect("the browser closes");
    phone.close().await.expect("the phone closes");
}
