//! Sign-in throttling per account and per client address.

use kept_store::testing::TestDatabase;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with};
use crate::support::{Browser, Page};

/// Fails to sign in as `email` `times` times, each answered 401.
async fn fail(browser: &Browser<'_>, email: &str, times: usize) {
    for attempt in 1..=times {
        let response = browser.sign_in(email, "wrong password!").await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "failed attempt {attempt} for {email}"
        );
    }
}

/// Asserts the "too many attempts" page and its `Retry-After` seconds.
async fn assert_throttled(response: reqwest::Response, retry_after: &str) {
    let page = Page::read(response).await;
    page.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        page.headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some(retry_after),
        "Retry-After"
    );
    assert_eq!(page.text("h1"), "Too many failed sign-ins");
}

#[tokio::test]
async fn after_five_failures_even_the_right_password_is_refused_for_fifteen_minutes() {
    let app = spawn_app().await;
    app.persona("target@example.com", None, &[]).await;
    let browser = Browser::new(&app);
    fail(&browser, "target@example.com", 5).await;

    let response = browser.sign_in("target@example.com", PASSWORD).await;

    assert_throttled(response, "900").await;
    assert_eq!(
        browser.get("/parties").await.status(),
        StatusCode::SEE_OTHER,
        "not signed in"
    );
}

#[tokio::test]
async fn four_failures_still_let_the_right_password_in_and_success_resets_the_count() {
    let app = spawn_app().await;
    app.persona("careful@example.com", None, &[]).await;
    let browser = Browser::new(&app);
    fail(&browser, "careful@example.com", 4).await;

    let first = browser.sign_in("careful@example.com", PASSWORD).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);

    let again = Browser::new(&app);
    fail(&again, "careful@example.com", 4).await;
    let second = again.sign_in("careful@example.com", PASSWORD).await;
    assert_eq!(
        second.status(),
        StatusCode::SEE_OTHER,
        "the earlier failures were forgotten at sign-in"
    );
}

#[tokio::test]
async fn the_account_limit_does_not_lock_out_other_accounts() {
    let app = spawn_app().await;
    app.persona("locked@example.com", None, &[]).await;
    app.persona("other@example.com", None, &[]).await;
    let browser = Browser::new(&app);
    fail(&browser, "locked@example.com", 5).await;

    let locked = browser.sign_in("locked@example.com", PASSWORD).await;
    let other = Browser::new(&app)
        .sign_in("other@example.com", PASSWORD)
        .await;

    assert_throttled(locked, "900").await;
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn twenty_failures_from_one_address_across_emails_block_a_fresh_account_too() {
    let app = spawn_app().await;
    app.persona("fresh@example.com", None, &[]).await;
    let browser = Browser::new(&app);
    for n in 0..20 {
        fail(&browser, &format!("guess{n}@example.com"), 1).await;
    }

    let response = Browser::new(&app)
        .sign_in("fresh@example.com", PASSWORD)
        .await;

    assert_throttled(response, "900").await;
}

#[tokio::test]
async fn nineteen_failures_from_one_address_do_not_block_it() {
    let app = spawn_app().await;
    app.persona("fresh@example.com", None, &[]).await;
    let browser = Browser::new(&app);
    for n in 0..19 {
        fail(&browser, &format!("guess{n}@example.com"), 1).await;
    }

    let response = Browser::new(&app)
        .sign_in("fresh@example.com", PASSWORD)
        .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_limits_and_window_follow_the_configuration() {
    let app = spawn_app_with(TestDatabase::sqlite(), |config| {
        config.login_failures_per_account = 2;
        config.login_failures_per_address = 3;
        config.login_window_minutes = 1;
    })
    .await;
    app.persona("one@example.com", None, &[]).await;
    app.persona("two@example.com", None, &[]).await;
    let browser = Browser::new(&app);

    fail(&browser, "one@example.com", 2).await;
    let by_account = browser.sign_in("one@example.com", PASSWORD).await;
    assert_throttled(by_account, "60").await;

    fail(&browser, "someone-else@example.com", 1).await;
    let by_address = browser.sign_in("two@example.com", PASSWORD).await;
    assert_throttled(by_address, "60").await;
}

#[tokio::test]
async fn a_forged_forwarded_for_header_does_not_evade_the_address_limit() {
    let app = spawn_app_with(TestDatabase::sqlite(), |config| {
        config.login_failures_per_address = 3;
    })
    .await;
    app.persona("fresh@example.com", None, &[]).await;
    let browser = Browser::new(&app);
    for n in 0..3 {
        let response = browser
            .sign_in_via(
                &format!("guess{n}@example.com"),
                "wrong password!",
                &format!("203.0.113.{n}"),
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    let response = browser
        .sign_in_via("fresh@example.com", PASSWORD, "198.51.100.7")
        .await;

    assert_throttled(response, "900").await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_address_is_counted_apart() {
    let app = spawn_app_with(TestDatabase::sqlite(), |config| {
        config.login_failures_per_address = 3;
        config.trust_forwarded_for = true;
    })
    .await;
    app.persona("fresh@example.com", None, &[]).await;
    let browser = Browser::new(&app);
    for n in 0..3 {
        let response = browser
            .sign_in_via(
                &format!("guess{n}@example.com"),
                "wrong password!",
                "198.51.100.7, 203.0.113.9",
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    let same_client = browser
        .sign_in_via("fresh@example.com", PASSWORD, "203.0.113.9")
        .await;
    let other_client = Browser::new(&app)
        .sign_in_via("fresh@example.com", PASSWORD, "198.51.100.7, 203.0.113.10")
        .await;

    assert_throttled(same_client, "900").await;
    assert_eq!(other_client.status(), StatusCode::SEE_OTHER);
}
