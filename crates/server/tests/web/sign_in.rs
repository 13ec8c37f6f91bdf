//! Signing in and out: the session cookie, where sign-in leads, wrong
//! passwords, archived users, session fixation and logout.

use kept_domain::Actor;
use reqwest::StatusCode;
use reqwest::header::COOKIE;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with};
use crate::support::{
    Browser, Page, SESSION_COOKIE, assert_see_other, cookie_value, location, session_set_cookie,
};
use kept_store::testing::TestDatabase;

/// The attributes of a `Set-Cookie` header, lower-cased, without the value.
fn attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

#[tokio::test]
async fn the_sign_in_page_sets_an_http_only_same_site_lax_session_cookie() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = session_set_cookie(response.headers()).expect("a session cookie is set");
    let attributes = attributes(&set_cookie);
    assert!(attributes.contains(&"httponly".to_owned()), "{set_cookie}");
    assert!(
        attributes.contains(&"samesite=lax".to_owned()),
        "{set_cookie}"
    );
    assert!(
        !attributes.contains(&"secure".to_owned()),
        "not Secure unless configured: {set_cookie}"
    );
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_configuration_says_so() {
    let app = spawn_app_with(TestDatabase::sqlite(), |config| {
        config.secure_cookies = true;
    })
    .await;

    let response = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .expect("sent");

    let set_cookie = session_set_cookie(response.headers()).expect("a session cookie is set");
    let attributes = attributes(&set_cookie);
    assert!(attributes.contains(&"secure".to_owned()), "{set_cookie}");
    assert!(attributes.contains(&"httponly".to_owned()), "{set_cookie}");
    assert!(
        attributes.contains(&"samesite=lax".to_owned()),
        "{set_cookie}"
    );
}

#[tokio::test]
async fn pages_send_visitors_who_are_not_signed_in_to_the_sign_in_page_and_back() {
    let app = spawn_app().await;
    let browser = Browser::new(&app);

    let home = browser.get("/").await;
    let parties = browser.get("/parties?kind=site").await;

    assert_see_other(&home, "/login");
    assert_see_other(&parties, "/login?next=%2Fparties%3Fkind%3Dsite");
    let login = browser.page("/login?next=%2Fparties%3Fkind%3Dsite").await;
    login.assert_status(StatusCode::OK);
    assert_eq!(
        login.attr("input[name=next]", "value"),
        "/parties?kind=site"
    );
}

#[tokio::test]
async fn the_right_password_signs_in_and_goes_to_next() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::new(&app);

    let response = browser
        .submit(
            "/login",
            "/login",
            &[
                ("email", "Admin@Example.com "),
                ("password", PASSWORD),
                ("next", "/parties?kind=site"),
            ],
        )
        .await;

    assert_see_other(&response, "/parties?kind=site");
    browser.page("/parties").await.assert_status(StatusCode::OK);
    browser.page("/").await.assert_status(StatusCode::OK);
    assert_see_other(&browser.get("/login?next=/tokens").await, "/tokens");
}

#[tokio::test]
async fn sign_in_only_follows_next_to_local_paths() {
    let app = spawn_app().await;
    app.admin().await;

    for next in ["//evil.example", "https://evil.example/", "/\\evil.example"] {
        let browser = Browser::new(&app);
        let response = browser
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "admin@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_see_other(&response, "/");
    }
    let page = Browser::new(&app).page("/login?next=//evil.example").await;
    assert_eq!(page.attr("input[name=next]", "value"), "/");
}

/// Where a browser goes for a `Location` value: browsers drop ASCII tabs and
/// newlines from URLs and read `\` as `/` (WHATWG URL standard).
fn as_browser_reads(location: &str) -> String {
    location
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect()
}

/// Why a redirect would leave this site (or go nowhere), if it would.
fn leaves_site(response: &reqwest::Response, next: &str) -> Option<String> {
    if response.status() != StatusCode::SEE_OTHER {
        return Some(format!("next={next:?}: answered {}", response.status()));
    }
    let Some(raw) = response.headers().get(reqwest::header::LOCATION) else {
        return Some(format!("next={next:?}: a 303 without a Location header"));
    };
    let to = as_browser_reads(&String::from_utf8_lossy(raw.as_bytes()));
    (!to.starts_with('/') || to.starts_with("//"))
        .then(|| format!("next={next:?}: Location {raw:?}, which a browser reads as {to:?}"))
}

#[tokio::test]
async fn sign_in_does_not_follow_next_off_site_through_tabs_or_newlines() {
    let app = spawn_app().await;
    app.admin().await;
    let mut problems = Vec::new();

    for next in ["/\t/evil.example", "/\t\\evil.example", "/\n/evil.example"] {
        let browser = Browser::new(&app);
        let response = browser
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "admin@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        problems.extend(leaves_site(&response, next).map(|p| format!("POST /login, {p}")));
        let signed_in_already = browser
            .get(&format!(
                "/login?next={}",
                kept_server::web::session::encode(next)
            ))
            .await;
        problems.extend(
            leaves_site(&signed_in_already, next).map(|p| format!("GET /login signed in, {p}")),
        );
    }

    assert!(
        problems.is_empty(),
        "sign-in redirects must stay on this site:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again_with_an_error() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::new(&app);

    let response = browser
        .sign_in("admin@example.com", "not the password")
        .await;

    let page = Page::read(response).await;
    page.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(page.text("[role=alert]"), "Email or password is incorrect.");
    assert_eq!(page.count("form[action='/login'] input[name=password]"), 1);
    assert_eq!(
        page.attr("input[name=email]", "value"),
        "admin@example.com",
        "the email is kept"
    );
    assert!(
        page.attrs("input[name=password]", "value")
            .iter()
            .all(String::is_empty),
        "the password is never echoed"
    );
    assert!(!page.body.contains("not the password"));
    assert_see_other(&browser.get("/parties").await, "/login?next=%2Fparties");
}

#[tokio::test]
async fn an_unknown_email_gets_the_same_answer_as_a_wrong_password() {
    let app = spawn_app().await;
    let browser = Browser::new(&app);

    let page = Page::read(browser.sign_in("nobody@example.com", PASSWORD).await).await;

    page.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(page.text("[role=alert]"), "Email or password is incorrect.");
}

#[tokio::test]
async fn archived_users_cannot_sign_in() {
    let app = spawn_app().await;
    let former = app.persona("former@example.com", None, &[]).await;
    app.store
        .set_user_archived(&Actor::system("test"), former.user.id, true)
        .await
        .expect("archiving");
    let browser = Browser::new(&app);

    let page = Page::read(browser.sign_in("former@example.com", PASSWORD).await).await;

    page.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(page.text("[role=alert]"), "Email or password is incorrect.");
    assert_see_other(&browser.get("/parties").await, "/login?next=%2Fparties");
}

#[tokio::test]
async fn archiving_a_user_ends_the_sessions_they_already_have() {
    let app = spawn_app().await;
    let person = app.persona("leaver@example.com", None, &[]).await;
    let browser = Browser::signed_in(&app, "leaver@example.com").await;
    browser.page("/parties").await.assert_status(StatusCode::OK);

    app.store
        .set_user_archived(&Actor::system("test"), person.user.id, true)
        .await
        .expect("archiving");

    assert_see_other(&browser.get("/parties").await, "/login?next=%2Fparties");
}

/// The session cookie a response sets, as a `Cookie` header value.
fn cookie_from(response: &reqwest::Response) -> String {
    let set_cookie = session_set_cookie(response.headers()).expect("a session cookie is set");
    format!("{SESSION_COOKIE}={}", cookie_value(&set_cookie))
}

#[tokio::test]
async fn signing_in_replaces_the_session_id_so_a_planted_one_is_useless() {
    let app = spawn_app().await;
    app.admin().await;
    let login = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .expect("sent");
    let before = cookie_from(&login);
    let token = Page::read(login).await.csrf();

    let response = app
        .client
        .post(app.url("/login"))
        .header(COOKIE, &before)
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "admin@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let after = cookie_from(&response);
    assert_ne!(after, before, "the session id changes at sign-in");
    let with_old = app
        .client
        .get(app.url("/parties"))
        .header(COOKIE, &before)
        .send()
        .await
        .expect("sent");
    let with_new = app
        .client
        .get(app.url("/parties"))
        .header(COOKIE, &after)
        .send()
        .await
        .expect("sent");
    assert_see_other(&with_old, "/login?next=%2Fparties");
    assert_eq!(with_new.status(), StatusCode::OK);
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    app.admin().await;
    let login = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .expect("sent");
    let anonymous = cookie_from(&login);
    let token = Page::read(login).await.csrf();
    let signed_in = app
        .client
        .post(app.url("/login"))
        .header(COOKIE, &anonymous)
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "admin@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("sent");
    let session = cookie_from(&signed_in);
    let parties = app
        .client
        .get(app.url("/parties"))
        .header(COOKIE, &session)
        .send()
        .await
        .expect("sent");
    let token = Page::read(parties).await.csrf();

    let logout = app
        .client
        .post(app.url("/logout"))
        .header(COOKIE, &session)
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .expect("sent");

    assert_see_other(&logout, "/login");
    let replayed = app
        .client
        .get(app.url("/parties"))
        .header(COOKIE, &session)
        .send()
        .await
        .expect("sent");
    assert_eq!(replayed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&replayed), "/login?next=%2Fparties");
}

#[tokio::test]
async fn the_sign_out_button_leads_back_to_the_sign_in_page() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;

    let response = browser.submit("/parties", "/logout", &[]).await;

    assert_see_other(&response, "/login");
    let login = browser.page("/login").await;
    login.assert_status(StatusCode::OK);
    assert_eq!(login.text("h1"), "Sign in");
    assert_see_other(&browser.get("/parties").await, "/login?next=%2Fparties");
}

/// The `Strict-Transport-Security` header of a page and of an API answer.
async fn hsts(app: &crate::helpers::TestApp) -> [Option<String>; 2] {
    let mut out = [None, None];
    for (slot, path) in out.iter_mut().zip(["/login", "/api/v1/me"]) {
        let response = app.client.get(app.url(path)).send().await.expect("sent");
        *slot = response
            .headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
    }
    out
}

#[tokio::test]
async fn browsers_are_told_to_keep_to_https_only_when_cookies_are_secure() {
    let secure = spawn_app_with(TestDatabase::sqlite(), |config| {
        config.secure_cookies = true;
    })
    .await;
    let plain = spawn_app().await;

    let [page, api] = hsts(&secure).await;
    let [plain_page, plain_api] = hsts(&plain).await;

    assert_eq!(page.as_deref(), Some("max-age=31536000"));
    assert_eq!(
        api.as_deref(),
        Some("max-age=31536000"),
        "the API's answers too"
    );
    assert_eq!(
        (plain_page, plain_api),
        (None, None),
        "not over plain HTTP, where it would be ignored or strand a test server"
    );
}
