//! The account page: changing the password needs the current one and signs
//! out the user's other sessions, not this one.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, spawn_app};
use crate::support::{Browser, Page, assert_see_other};

const NEW_PASSWORD: &str = "an even better passphrase";

#[tokio::test]
async fn the_account_page_shows_who_you_are_and_your_roles() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;

    let page = browser.page("/account").await;

    page.assert_status(StatusCode::OK);
    assert_eq!(page.fact("Email"), "admin@example.com");
    assert_eq!(page.fact("Roles"), "admin on admin");
    assert_eq!(
        page.attr("details.account a[aria-current=page]", "href"),
        "/account"
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one() {
    let app = spawn_app().await;
    app.persona("pat@example.com", None, &[]).await;
    let browser = Browser::signed_in(&app, "pat@example.com").await;

    let wrong = browser
        .submit(
            "/account",
            "/account",
            &[
                ("current", "not my password"),
                ("new", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;
    let wrong_page = browser.page("/account").await;
    let mismatch = browser
        .submit(
            "/account",
            "/account",
            &[
                ("current", PASSWORD),
                ("new", NEW_PASSWORD),
                ("confirm", "something else entirely"),
            ],
        )
        .await;
    let mismatch_page = browser.page("/account").await;

    assert_see_other(&wrong, "/account");
    assert_eq!(
        wrong_page.text("main .flash-error[role=alert]"),
        "Not saved. Current: is not your current password."
    );
    assert_see_other(&mismatch, "/account");
    assert_eq!(
        mismatch_page.text("main .flash-error[role=alert]"),
        "Not saved. Confirm: does not match the new password."
    );
    let check = Browser::new(&app);
    assert_eq!(
        check.sign_in("pat@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER,
        "the password is unchanged"
    );
}

#[tokio::test]
async fn changing_the_password_signs_out_other_sessions_but_not_this_one() {
    let app = spawn_app().await;
    app.persona("pat@example.com", None, &[]).await;
    let here = Browser::signed_in(&app, "pat@example.com").await;
    let elsewhere = Browser::signed_in(&app, "pat@example.com").await;
    elsewhere
        .page("/parties")
        .await
        .assert_status(StatusCode::OK);

    let response = here
        .submit(
            "/account",
            "/account",
            &[
                ("current", PASSWORD),
                ("new", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;

    assert_see_other(&response, "/account");
    let page = here.page("/account").await;
    page.assert_status(StatusCode::OK);
    assert_eq!(
        page.flash().as_deref(),
        Some("Password changed. Your other sessions were signed out.")
    );
    here.page("/parties").await.assert_status(StatusCode::OK);
    assert_eq!(
        here.submit("/parties", "/logout", &[]).await.status(),
        StatusCode::SEE_OTHER,
        "this session's forms still work"
    );
    assert_see_other(&elsewhere.get("/parties").await, "/login?next=%2Fparties");
    let old = Page::read(
        Browser::new(&app)
            .sign_in("pat@example.com", PASSWORD)
            .await,
    )
    .await;
    old.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(
        Browser::new(&app)
            .sign_in("pat@example.com", NEW_PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_signing_in() {
    let app = spawn_app().await;
    app.persona("pat@example.com", None, &[]).await;
    let browser = Browser::signed_in(&app, "pat@example.com").await;
    for _ in 0..3 {
        let response = browser
            .submit(
                "/account",
                "/account",
                &[
                    ("current", "a wrong guess"),
                    ("new", NEW_PASSWORD),
                    ("confirm", NEW_PASSWORD),
                ],
            )
            .await;
        assert_see_other(&response, "/account");
    }

    let response = browser
        .submit(
            "/account",
            "/account",
            &[
                ("current", PASSWORD),
                ("new", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;

    let page = Page::read(response).await;
    page.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers.contains_key("retry-after"));
}
