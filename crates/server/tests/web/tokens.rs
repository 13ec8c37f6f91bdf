//! The API tokens page: a new token's secret is shown once, works against
//! the API, and stops working when revoked.

use reqwest::StatusCode;

use crate::helpers::spawn_app;
use crate::support::{Browser, Page, assert_see_other, selector, text_of};

/// The revoke form's action in the row of the token called `name`.
fn revoke_action(page: &Page, name: &str) -> String {
    let html = page.html();
    let row = html
        .select(&selector("table.list tbody tr"))
        .find(|row| {
            row.select(&selector("td"))
                .next()
                .is_some_and(|cell| text_of(cell) == name)
        })
        .unwrap_or_else(|| panic!("no row for token {name} in:\n{}", page.body));
    row.select(&selector("form[action$='/revoke']"))
        .next()
        .and_then(|form| form.value().attr("action"))
        .expect("a revoke form in the row")
        .to_owned()
}

fn cache_control(page: &Page) -> Option<&str> {
    page.headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_new_token_is_shown_once_works_and_stops_working_when_revoked() {
    let app = spawn_app().await;
    let persona = app.persona("dev@example.com", None, &[]).await;
    let browser = Browser::signed_in(&app, "dev@example.com").await;

    let created = Page::read(
        browser
            .submit(
                "/tokens",
                "/tokens",
                &[("name", "reporting script"), ("expires_in_days", "30")],
            )
            .await,
    )
    .await;

    created.assert_status(StatusCode::OK);
    assert_eq!(cache_control(&created), Some("no-store"));
    let secret = created.text("code#new-token");
    assert!(secret.starts_with("kept_"), "{secret}");
    assert!(
        !secret.contains(char::is_whitespace) && secret.len() > 40,
        "{secret}"
    );
    let me = app.get("/api/v1/me", &secret).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: serde_json::Value = me.json().await.expect("JSON");
    assert_eq!(me["user"]["email"], "dev@example.com");

    let listed = browser.page("/tokens").await;
    assert_eq!(cache_control(&listed), Some("no-store"));
    assert_eq!(
        listed.count("#new-token"),
        0,
        "the secret is not shown again"
    );
    assert!(!listed.body.contains(&secret));
    assert!(
        listed
            .texts("table.list tbody tr td code")
            .contains(&format!("{}…", &secret[..11])),
        "the list shows the token's first characters"
    );

    let action = revoke_action(&listed, "reporting script");
    let revoked = browser.submit("/tokens", &action, &[]).await;
    assert_see_other(&revoked, "/tokens");
    let after = browser.page("/tokens").await;
    assert_eq!(after.flash().as_deref(), Some("Revoked reporting script."));
    assert_eq!(
        app.get("/api/v1/me", &secret).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/me", &persona.token).await.status(),
        StatusCode::OK,
        "the user's other tokens still work"
    );
}

#[tokio::test]
async fn a_token_without_a_name_is_not_created() {
    let app = spawn_app().await;
    app.persona("dev@example.com", None, &[]).await;
    let browser = Browser::signed_in(&app, "dev@example.com").await;

    let blank = browser
        .submit(
            "/tokens",
            "/tokens",
            &[("name", "   "), ("expires_in_days", "")],
        )
        .await;
    let blank_page = browser.page("/tokens").await;
    let zero_days = browser
        .submit(
            "/tokens",
            "/tokens",
            &[("name", "cron"), ("expires_in_days", "0")],
        )
        .await;
    let zero_page = browser.page("/tokens").await;

    assert_see_other(&blank, "/tokens");
    assert_eq!(
        blank_page.text("main .flash-error[role=alert]"),
        "Not saved. Name: must be 1 to 100 characters."
    );
    assert_see_other(&zero_days, "/tokens");
    assert_eq!(
        zero_page.text("main .flash-error[role=alert]"),
        "Not saved. Expires: must be between 1 and 3650 days."
    );
    assert_eq!(
        zero_page.texts("table.list tbody tr td:first-child"),
        ["test"],
        "only the persona's own token exists"
    );
}

#[tokio::test]
async fn people_cannot_revoke_someone_elses_token() {
    let app = spawn_app().await;
    app.persona("owner@example.com", None, &[]).await;
    app.persona("other@example.com", None, &[]).await;
    let owner = Browser::signed_in(&app, "owner@example.com").await;
    let other = Browser::signed_in(&app, "other@example.com").await;
    let created = Page::read(
        owner
            .submit(
                "/tokens",
                "/tokens",
                &[("name", "mine"), ("expires_in_days", "")],
            )
            .await,
    )
    .await;
    let secret = created.text("code#new-token");
    let action = revoke_action(&owner.page("/tokens").await, "mine");

    let response = other.submit("/tokens", &action, &[]).await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/v1/me", &secret).await.status(),
        StatusCode::OK
    );
}
