//! Cross-site request forgery: every form post needs its session's token.

use kept_app::accounts::{self, NewLogin};
use kept_domain::{Actor, Email, Limit, PartyName, PartyScope};
use kept_store::PartyQuery;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, spawn_app};
use crate::support::{Browser, Page};

/// Asserts the "form has expired" page.
async fn assert_csrf_refused(response: reqwest::Response) {
    let page = Page::read(response).await;
    page.assert_status(StatusCode::FORBIDDEN);
    let content_type = page
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert_eq!(page.text("h1"), "The form has expired");
    assert_eq!(
        page.attr("main a[href^='/problems/']", "href"),
        "/problems/csrf-token-invalid"
    );
}

#[tokio::test]
async fn signing_out_without_the_token_or_with_a_wrong_one_is_refused() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;

    let without = browser.post("/logout", &[]).await;
    let wrong = browser
        .post("/logout", &[("csrf_token", "not-the-token")])
        .await;
    let empty = browser.post("/logout", &[("csrf_token", "")]).await;

    assert_csrf_refused(without).await;
    assert_csrf_refused(wrong).await;
    assert_csrf_refused(empty).await;
    browser.page("/parties").await.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn creating_a_party_without_the_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;

    let response = browser
        .post(
            "/parties",
            &[("name", "Forged Ltd"), ("kind", "organisation")],
        )
        .await;

    assert_csrf_refused(response).await;
    let parties = app
        .store
        .list_parties(&PartyQuery {
            search: Some("Forged".into()),
            limit: Limit::DEFAULT,
            ..PartyQuery::new(PartyScope::All)
        })
        .await
        .expect("listing");
    assert!(parties.items.is_empty(), "nothing was created");
}

#[tokio::test]
async fn signing_in_without_the_token_is_refused() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::new(&app);
    browser.page("/login").await.assert_status(StatusCode::OK);

    let without = browser
        .post(
            "/login",
            &[("email", "admin@example.com"), ("password", PASSWORD)],
        )
        .await;
    let wrong = browser
        .post(
            "/login",
            &[
                ("csrf_token", "guessed"),
                ("email", "admin@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;

    assert_csrf_refused(without).await;
    assert_csrf_refused(wrong).await;
    assert_eq!(
        browser.get("/parties").await.status(),
        StatusCode::SEE_OTHER,
        "still signed out"
    );
}

#[tokio::test]
async fn a_token_from_another_session_is_refused() {
    let app = spawn_app().await;
    app.admin().await;
    let attacker = Browser::signed_in(&app, "admin@example.com").await;
    let victim = Browser::signed_in(&app, "admin@example.com").await;
    let attackers_token = attacker.page("/parties").await.csrf();
    let victims_token = victim.page("/parties").await.csrf();
    assert_ne!(attackers_token, victims_token, "each session has its own");

    let response = victim
        .post(
            "/parties",
            &[
                ("csrf_token", attackers_token.as_str()),
                ("name", "Forged Ltd"),
                ("kind", "organisation"),
            ],
        )
        .await;

    assert_csrf_refused(response).await;
}

#[tokio::test]
async fn the_token_from_before_sign_in_is_replaced_at_sign_in() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::new(&app);
    let anonymous_token = browser.page("/login").await.csrf();
    let response = browser
        .post(
            "/login",
            &[
                ("csrf_token", anonymous_token.as_str()),
                ("email", "admin@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let signed_in_token = browser.page("/parties").await.csrf();
    let stale = browser
        .post("/logout", &[("csrf_token", anonymous_token.as_str())])
        .await;

    assert_ne!(signed_in_token, anonymous_token);
    assert_csrf_refused(stale).await;
}

#[tokio::test]
async fn the_token_from_before_accepting_an_invitation_is_replaced_at_sign_in() {
    let app = spawn_app().await;
    let (_, invitation) = accounts::create_login(
        app.store.as_ref(),
        &Actor::system("test"),
        "",
        NewLogin {
            email: Email::parse("email", "new@example.com").expect("email"),
            name: PartyName::parse("name", "New Person").expect("name"),
            parent_id: None,
            party_id: None,
            password: None,
        },
    )
    .await
    .expect("an invited user");
    let link = invitation.expect("an invitation link").url;
    let browser = Browser::new(&app);
    let anonymous_token = browser.page(&link).await.csrf();
    let accepted = browser
        .post(
            &link,
            &[
                ("csrf_token", anonymous_token.as_str()),
                ("password", "a fine new password"),
                ("confirm", "a fine new password"),
            ],
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);

    let signed_in_token = browser.page("/parties").await.csrf();
    let stale = browser
        .post("/logout", &[("csrf_token", anonymous_token.as_str())])
        .await;

    assert_ne!(
        signed_in_token, anonymous_token,
        "signing in through an invitation starts a fresh token, as signing in with a password does"
    );
    assert_csrf_refused(stale).await;
}

/// The parties named `name`, as the store has them.
async fn parties_named(app: &crate::helpers::TestApp, name: &str) -> usize {
    app.store
        .list_parties(&PartyQuery {
            search: Some(name.into()),
            limit: Limit::DEFAULT,
            ..PartyQuery::new(PartyScope::All)
        })
        .await
        .expect("listing")
        .items
        .len()
}

/// Asserts the "form came from another site" page.
async fn assert_cross_site_refused(response: reqwest::Response) {
    let page = Page::read(response).await;
    page.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(page.text("h1"), "The form came from another site");
    assert_eq!(
        page.attr("main a[href^='/problems/']", "href"),
        "/problems/cross-site-form"
    );
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_even_with_the_right_token() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;
    let token = browser.page("/parties").await.csrf();
    let form = [
        ("csrf_token", token.as_str()),
        ("name", "Forged Ltd"),
        ("kind", "organisation"),
    ];

    let by_origin = browser
        .post_with("/parties", &form, &[("origin", "https://evil.example")])
        .await;
    let by_referer = browser
        .post_with(
            "/parties",
            &form,
            &[("referer", "https://evil.example/kept-parties.html")],
        )
        .await;
    let opaque = browser
        .post_with("/parties", &form, &[("origin", "null")])
        .await;
    let origin_wins = browser
        .post_with(
            "/parties",
            &form,
            &[
                ("origin", "https://evil.example"),
                ("referer", &app.url("/parties")),
            ],
        )
        .await;

    assert_cross_site_refused(by_origin).await;
    assert_cross_site_refused(by_referer).await;
    assert_cross_site_refused(opaque).await;
    assert_cross_site_refused(origin_wins).await;
    assert_eq!(
        parties_named(&app, "Forged").await,
        0,
        "nothing was created"
    );
}

#[tokio::test]
async fn a_form_posted_from_our_own_page_or_by_a_client_sending_neither_header_is_accepted() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;
    let token = browser.page("/parties").await.csrf();
    let send = async |name: &str, headers: &[(&str, &str)]| {
        let form = [
            ("csrf_token", token.as_str()),
            ("name", name),
            ("kind", "organisation"),
        ];
        browser.post_with("/parties", &form, headers).await
    };

    let by_origin = send("Origin Ltd", &[("origin", &app.address)]).await;
    let by_referer = send("Referer Ltd", &[("referer", &app.url("/parties?q=x"))]).await;
    let by_neither = send("Script Ltd", &[]).await;

    for (response, name) in [
        (by_origin, "Origin Ltd"),
        (by_referer, "Referer Ltd"),
        (by_neither, "Script Ltd"),
    ] {
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{name}");
        assert_eq!(parties_named(&app, name).await, 1, "{name} was created");
    }
}
