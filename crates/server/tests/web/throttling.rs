//! Sign-in throttling per account and address together, and per address:
//! an attacker's failures slow the attacker, never the account's owner.

use jiff::{SignedDuration, Timestamp};
use kept_store::testing::TestDatabase;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_with};
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

/// Fails to sign in as `email` from `address` (behind a trusted proxy).
async fn fail_via(browser: &Browser<'_>, email: &str, address: &str) -> StatusCode {
    browser
        .sign_in_via(email, "wrong password!", address)
        .await
        .status()
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
    // The form again, with how long to wait, so the person can try again.
    assert_eq!(page.text("h1"), "Sign in");
    assert!(
        page.text(".flash-error[data-problem=too-many-attempts]")
            .starts_with("Too many failed sign-ins"),
        "{}",
        page.text(".flash-error")
    );
    assert!(page.text(".flash-error").contains("try again in"));
}

/// A server behind a trusted proxy, so each test client may claim an address.
async fn behind_proxy(db: TestDatabase) -> TestApp {
    spawn_app_with(db, |config| config.trust_forwarded_for = true).await
}

/// Many wrong passwords for alice from a dozen addresses, each pressed on
/// past its delay; then alice, from her own address, signs in at once.
async fn the_owner_gets_in_while_her_account_is_attacked(app: TestApp) {
    app.persona("alice@example.com", None, &[]).await;
    let attacker = Browser::new(&app);
    for n in 0..12 {
        let address = format!("203.0.113.{n}");
        for guess in 1..=3 {
            let status = fail_via(&attacker, "alice@example.com", &address).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{address}, guess {guess}");
        }
        let pressed = fail_via(&attacker, "alice@example.com", &address).await;
        let right = attacker
            .sign_in_via("alice@example.com", PASSWORD, &address)
            .await;
        assert_eq!(pressed, StatusCode::TOO_MANY_REQUESTS, "{address} waits");
        assert_eq!(
            right.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password from {address} waits"
        );
    }

    let alice = Browser::new(&app)
        .sign_in_via("alice@example.com", PASSWORD, "198.51.100.20")
        .await;

    assert_eq!(alice.status(), StatusCode::SEE_OTHER, "alice is in");
    let now = Timestamp::now();
    let kept = app
        .store
        .login_failures(
            "alice@example.com",
            "203.0.113.0",
            now - SignedDuration::from_hours(1),
            now,
        )
        .await
        .expect("counted");
    assert_eq!(
        kept.by_pair, 3,
        "alice signing in does not forgive the attacker's address"
    );
}

#[tokio::test]
async fn the_owner_signs_in_at_once_from_her_address_while_others_guess_her_password() {
    the_owner_gets_in_while_her_account_is_attacked(behind_proxy(TestDatabase::sqlite()).await)
        .await;
}

#[tokio::test]
async fn the_owner_signs_in_at_once_while_attacked_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    the_owner_gets_in_while_her_account_is_attacked(behind_proxy(db).await).await;
}

#[tokio::test]
async fn after_three_failures_the_next_attempt_waits_two_seconds_then_goes_through() {
    let app = spawn_app().await;
    app.persona("careful@example.com", None, &[]).await;
    let browser = Browser::new(&app);
    fail(&browser, "careful@example.com", 3).await;

    let at_once = browser.sign_in("careful@example.com", PASSWORD).await;
    assert_throttled(at_once, "2").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let later = browser.sign_in("careful@example.com", PASSWORD).await;

    assert_eq!(
        later.status(),
        StatusCode::SEE_OTHER,
        "checked after the wait"
    );
}

#[tokio::test]
async fn each_further_failure_on_a_pair_doubles_the_wait_up_to_fifteen_minutes() {
    let app = spawn_app().await;
    app.persona("target@example.com", None, &[]).await;
    let browser = Browser::new(&app);
    fail(&browser, "target@example.com", 3).await;

    let mut waits = Vec::new();
    for _ in 3..13 {
        // One more failure from this address, just now, as a guess would leave.
        app.store
            .record_login_failure("target@example.com", "127.0.0.1", Timestamp::now())
            .await
            .expect("a failure");
        let response = browser.sign_in("target@example.com", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        waits.push(retry_after(&response));
    }

    assert_eq!(waits, [4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
}

/// The `Retry-After` seconds of a response.
fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds")
}

#[tokio::test]
async fn a_wait_runs_from_the_latest_failure_so_an_old_one_holds_nothing_up() {
    let app = spawn_app().await;
    app.persona("patient@example.com", None, &[]).await;
    let eight_failures_ago = Timestamp::now() - SignedDuration::from_secs(600);
    for _ in 0..8 {
        app.store
            .record_login_failure("patient@example.com", "127.0.0.1", eight_failures_ago)
            .await
            .expect("a failure");
    }

    let response = Browser::new(&app)
        .sign_in("patient@example.com", PASSWORD)
        .await;

    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "eight failures wait 64 s, and ten minutes have passed"
    );
}

#[tokio::test]
async fn two_failures_still_let_the_right_password_in_and_success_resets_the_count() {
    let app = spawn_app().await;
    app.persona("careful@example.com", None, &[]).await;
    let browser = Browser::new(&app);
    fail(&browser, "careful@example.com", 2).await;

    let first = browser.sign_in("careful@example.com", PASSWORD).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);

    let again = Browser::new(&app);
    fail(&again, "careful@example.com", 2).await;
    let second = again.sign_in("careful@example.com", PASSWORD).await;
    assert_eq!(
        second.status(),
        StatusCode::SEE_OTHER,
        "the earlier failures were forgotten at sign-in"
    );
}

#[tokio::test]
async fn a_waiting_pair_does_not_hold_up_other_accounts_from_the_same_address() {
    let app = spawn_app().await;
    app.persona("locked@example.com", None, &[]).await;
    app.persona("other@example.com", None, &[]).await;
    let browser = Browser::new(&app);
    fail(&browser, "locked@example.com", 3).await;

    let locked = browser.sign_in("locked@example.com", PASSWORD).await;
    let other = Browser::new(&app)
        .sign_in("other@example.com", PASSWORD)
        .await;

    assert_throttled(locked, "2").await;
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
async fn a_sprayed_address_is_paused_but_the_same_account_from_another_address_is_not() {
    let app = behind_proxy(TestDatabase::sqlite()).await;
    app.persona("fresh@example.com", None, &[]).await;
    let sprayer = Browser::new(&app);
    for n in 0..20 {
        let status = fail_via(&sprayer, &format!("guess{n}@example.com"), "203.0.113.5").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {n}");
    }

    let sprayed = sprayer
        .sign_in_via("fresh@example.com", PASSWORD, "203.0.113.5")
        .await;
    let elsewhere = Browser::new(&app)
        .sign_in_via("fresh@example.com", PASSWORD, "198.51.100.7")
        .await;

    assert_throttled(sprayed, "900").await;
    assert_eq!(elsewhere.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_limits_and_window_follow_the_configuration() {
    let app = spawn_app_with(TestDatabase::sqlite(), |config| {
        config.login_failures_before_delay = 1;
        config.login_max_delay_seconds = 3;
        config.login_failures_per_address = 4;
        config.login_window_minutes = 1;
    })
    .await;
    app.persona("one@example.com", None, &[]).await;
    app.persona("two@example.com", None, &[]).await;
    let browser = Browser::new(&app);

    fail(&browser, "one@example.com", 1).await;
    let first = browser.sign_in("one@example.com", PASSWORD).await;
    assert_throttled(first, "2").await;
    app.store
        .record_login_failure("one@example.com", "127.0.0.1", Timestamp::now())
        .await
        .expect("a failure");
    let capped = browser.sign_in("one@example.com", PASSWORD).await;
    assert_throttled(capped, "3").await;

    fail(&browser, "someone-else@example.com", 1).await;
    fail(&browser, "another@example.com", 1).await;
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
