//! The users page and invitations: an admin creates a login without a
//! password, the person follows the link once to set one and is signed in.

use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app};
use crate::support::{Browser, Page, assert_see_other, location};

const NEW_PASSWORD: &str = "a brand new secret";

/// Creates a user from the users page without a password; returns the
/// user's page path and the invitation link from the message.
async fn invite(app: &TestApp, admin: &Browser<'_>, email: &str) -> (String, String) {
    let response = admin
        .submit(
            "/users",
            "/users",
            &[("name", "Dana Scully"), ("email", email), ("parent_id", "")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let user_path = location(&response);
    assert!(user_path.starts_with("/users/"), "{user_path}");
    let page = admin.page(&user_path).await;
    let message = page.flash().expect("a message after creating a user");
    assert!(
        message.starts_with(&format!("Created {email}. Send them this link")),
        "{message}"
    );
    let link = message
        .split_whitespace()
        .last()
        .expect("the link ends the message")
        .to_owned();
    let prefix = format!("{}/invite/", app.address);
    assert!(link.starts_with(&prefix), "{link} starts with {prefix}");
    (user_path, link[app.address.len()..].to_owned())
}

#[tokio::test]
async fn an_invited_person_sets_a_password_once_and_is_signed_in() {
    let app = spawn_app().await;
    app.admin().await;
    let admin = Browser::signed_in(&app, "admin@example.com").await;
    let (user_path, invitation) = invite(&app, &admin, "dana@example.com").await;
    let invitee = Browser::new(&app);

    let form = invitee.page(&invitation).await;
    form.assert_status(StatusCode::OK);
    assert_eq!(
        form.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    assert_eq!(form.text("main strong"), "dana@example.com");
    assert_eq!(form.count("input#password[type=password]"), 1);
    assert_eq!(form.count("input#confirm[type=password]"), 1);

    let mismatched = Page::read(
        invitee
            .submit(
                &invitation,
                &invitation,
                &[
                    ("password", NEW_PASSWORD),
                    ("confirm", "a brand new secreT"),
                ],
            )
            .await,
    )
    .await;
    mismatched.assert_status(StatusCode::OK);
    assert_eq!(mismatched.text("[role=alert]"), "The two passwords differ.");

    let short = Page::read(
        invitee
            .submit(
                &invitation,
                &invitation,
                &[("password", "short"), ("confirm", "short")],
            )
            .await,
    )
    .await;
    assert_eq!(
        short.text("[role=alert]"),
        "The password must be at least 10 characters."
    );

    let accepted = invitee
        .submit(
            &invitation,
            &invitation,
            &[("password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)],
        )
        .await;
    assert_see_other(&accepted, "/");
    assert_see_other(&invitee.get("/").await, "/requests");
    let parties = invitee.page("/parties").await;
    parties.assert_status(StatusCode::OK);
    assert_eq!(
        parties.flash().as_deref(),
        Some("Your password is set. Welcome to Kept.")
    );

    let reused = invitee.page(&invitation).await;
    reused.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(reused.text("h1"), "This link no longer works");
    assert_eq!(reused.count("input[type=password]"), 0);
    let elsewhere = Browser::new(&app);
    let replay = elsewhere
        .submit(
            "/login",
            &invitation,
            &[
                ("password", "another password!"),
                ("confirm", "another password!"),
            ],
        )
        .await;
    assert_eq!(replay.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        elsewhere
            .sign_in("dana@example.com", NEW_PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER,
        "the password set through the link works"
    );
    let details = admin.page(&user_path).await;
    assert_eq!(details.fact("Password"), "set");
    assert_ne!(details.fact("Last sign-in"), "never");
}

#[tokio::test]
async fn a_new_invitation_link_replaces_the_earlier_one() {
    let app = spawn_app().await;
    app.admin().await;
    let admin = Browser::signed_in(&app, "admin@example.com").await;
    let (user_path, first) = invite(&app, &admin, "dana@example.com").await;

    let response = admin
        .submit(&user_path, &format!("{user_path}/invitation"), &[])
        .await;

    assert_see_other(&response, &user_path);
    let message = admin
        .page(&user_path)
        .await
        .flash()
        .expect("a message with the new link");
    let second = message
        .split_whitespace()
        .last()
        .expect("a link")
        .trim_start_matches(&app.address)
        .to_owned();
    assert_ne!(second, first);
    let visitor = Browser::new(&app);
    visitor
        .page(&first)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    visitor.page(&second).await.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_invitation_link_does_not_work() {
    let app = spawn_app().await;

    let page = Browser::new(&app).page("/invite/not-a-real-token").await;

    page.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(page.text("h1"), "This link no longer works");
}

#[tokio::test]
async fn an_admin_creates_a_user_with_a_password_and_sees_them_listed() {
    let app = spawn_app().await;
    app.admin().await;
    let admin = Browser::signed_in(&app, "admin@example.com").await;

    let response = admin
        .submit(
            "/users",
            "/users",
            &[
                ("name", "Fox Mulder"),
                ("email", "fox@example.com"),
                ("parent_id", ""),
                ("password", "trust no one 1013"),
            ],
        )
        .await;
    let user_path = location(&response);
    let page = admin.page(&user_path).await;
    let duplicate = admin
        .submit(
            "/users",
            "/users",
            &[
                ("name", "Fox Again"),
                ("email", "FOX@example.com"),
                ("parent_id", ""),
            ],
        )
        .await;
    let after_duplicate = admin.page("/users").await;
    let short = admin
        .submit(
            "/users",
            "/users",
            &[
                ("name", "Walter Skinner"),
                ("email", "walter@example.com"),
                ("password", "short"),
            ],
        )
        .await;
    let after_short = admin.page("/users").await;

    assert_eq!(page.flash().as_deref(), Some("Created fox@example.com."));
    assert_eq!(page.text("h1"), "Fox Mulder");
    assert_see_other(&duplicate, "/users");
    assert_eq!(
        after_duplicate.text("main .flash-error[role=alert]"),
        "another user already has this email address"
    );
    assert_see_other(&short, "/users");
    assert_eq!(
        after_short.text("main .flash-error[role=alert]"),
        "Not saved. Password: must be at least 10 characters."
    );
    let mut emails = after_short.texts("table.list tbody tr td:first-child a");
    emails.sort();
    assert_eq!(emails, ["admin@example.com", "fox@example.com"]);
    let fox = Browser::new(&app);
    assert_eq!(
        fox.sign_in("fox@example.com", "trust no one 1013")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_page_showing_an_invitation_link_is_not_cached() {
    let app = spawn_app().await;
    app.admin().await;
    let admin = Browser::signed_in(&app, "admin@example.com").await;
    let response = admin
        .submit(
            "/users",
            "/users",
            &[("name", "Dana Scully"), ("email", "dana@example.com")],
        )
        .await;
    let user_path = location(&response);

    let page = admin.page(&user_path).await;

    assert!(
        page.flash().is_some_and(|m| m.contains("/invite/")),
        "the page shows the link"
    );
    assert_eq!(
        page.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "a page showing a secret link once must not be cached, like /tokens and /invite"
    );
}
