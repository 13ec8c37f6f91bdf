//! Pages that work for everyone: plain forms without JavaScript, a label
//! for every field, landmarks, and the catalogue of error types.

use std::collections::HashSet;

use kept_app::accounts;
use kept_domain::{Actor, PartyKind};
use kept_server::ProblemKind;
use reqwest::StatusCode;
use scraper::ElementRef;

use crate::helpers::{TestApp, spawn_app};
use crate::support::{Browser, Page, selector};

/// Every page of the UI, as an admin sees it (so that every form shows),
/// plus the pages of people not signed in.
async fn every_page(app: &TestApp) -> Vec<(String, Page)> {
    let admin = app.admin().await;
    let org = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    app.party(PartyKind::Site, "Leeds Store", Some(org.id))
        .await;
    let (_, invitation) = accounts::create_login(
        app.store.as_ref(),
        &Actor::system("test"),
        "",
        accounts::NewLogin {
            email: kept_domain::Email::parse("email", "new@example.com").expect("email"),
            name: kept_domain::PartyName::parse("name", "New Person").expect("name"),
            parent_id: None,
            party_id: None,
            password: None,
        },
    )
    .await
    .expect("an invited user");
    let invitation = invitation.expect("an invitation").url;

    let visitor = Browser::new(app);
    let mut pages = vec![
        ("/login".to_owned(), visitor.page("/login").await),
        (invitation.clone(), visitor.page(&invitation).await),
    ];
    let browser = Browser::signed_in(app, "admin@example.com").await;
    for path in [
        "/parties".to_owned(),
        format!("/parties/{}", org.id),
        "/users".to_owned(),
        format!("/users/{}", admin.user.id),
        "/tokens".to_owned(),
        "/webhooks".to_owned(),
        "/account".to_owned(),
    ] {
        let page = browser.page(&path).await;
        pages.push((path, page));
    }
    for (path, page) in &pages {
        assert_eq!(page.status, StatusCode::OK, "{path}:\n{}", page.body);
    }
    pages
}

/// Whether `field` has a label: a `label for` its id, or a label around it.
fn is_labelled(field: ElementRef<'_>, labels_for: &HashSet<String>) -> bool {
    let by_for = field.value().id().is_some_and(|id| labels_for.contains(id));
    let wrapped = field
        .ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().name() == "label");
    by_for || wrapped
}

#[tokio::test]
async fn every_field_on_every_page_has_a_label_and_ids_are_unique() {
    let app = spawn_app().await;

    for (path, page) in every_page(&app).await {
        let html = page.html();
        let labels_for: HashSet<String> = html
            .select(&selector("label[for]"))
            .filter_map(|l| l.value().attr("for").map(str::to_owned))
            .collect();
        let fields =
            selector("input:not([type=hidden]):not([hidden]):not([type=submit]), select, textarea");
        let mut count = 0;
        for field in html.select(&fields) {
            count += 1;
            assert!(
                is_labelled(field, &labels_for),
                "{path}: no label for {}",
                field.html()
            );
        }
        assert!(
            count > 0 || path.starts_with("/users/"),
            "{path} has fields"
        );
        for target in &labels_for {
            assert_eq!(
                html.select(&selector(&format!("[id='{target}']"))).count(),
                1,
                "{path}: label for={target} points at exactly one element"
            );
        }
        let mut ids = HashSet::new();
        for element in html.select(&selector("[id]")) {
            let id = element.value().id().expect("an id");
            assert!(ids.insert(id.to_owned()), "{path}: duplicate id {id}");
        }
    }
}

#[tokio::test]
async fn the_sign_in_users_and_parties_pages_label_every_input_with_label_for() {
    let app = spawn_app().await;

    for (path, page) in every_page(&app).await {
        if !["/login", "/users", "/parties"].contains(&path.as_str()) {
            continue;
        }
        let html = page.html();
        let fields =
            selector("input:not([type=hidden]):not([hidden]):not([type=submit]), select, textarea");
        for field in html.select(&fields) {
            // A checkbox inside its label is labelled just as well.
            let wrapped = field
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| a.value().name() == "label");
            if wrapped {
                continue;
            }
            let id = field
                .value()
                .id()
                .unwrap_or_else(|| panic!("{path}: a field without an id: {}", field.html()));
            assert_eq!(
                html.select(&selector(&format!("label[for='{id}']")))
                    .count(),
                1,
                "{path}: one <label for={id}>"
            );
        }
    }
}

#[tokio::test]
async fn pages_have_landmarks_a_title_and_a_language() {
    let app = spawn_app().await;

    for (path, page) in every_page(&app).await {
        assert_eq!(page.count("main#main"), 1, "{path}: one main");
        assert_eq!(page.attr("html", "lang"), "en", "{path}");
        assert!(page.text("title").ends_with("· Kept"), "{path}");
        assert_eq!(page.count("h1"), 1, "{path}: one h1");
        assert_eq!(page.attr("a.skip", "href"), "#main", "{path}");
        let signed_in = !(path == "/login" || path.contains("/invite/"));
        if signed_in {
            assert_eq!(page.count("nav[aria-label=Main]"), 1, "{path}: main nav");
            assert_eq!(
                page.count(".menu-wide a[aria-current=page], .account a[aria-current=page]"),
                1,
                "{path}: the current section is marked"
            );
        }
    }
}

#[tokio::test]
async fn pages_work_without_javascript() {
    let app = spawn_app().await;

    for (path, page) in every_page(&app).await {
        let html = page.html();
        for form in html.select(&selector("form")) {
            let method = form.value().attr("method").unwrap_or("get");
            let action = form.value().attr("action").unwrap_or_default();
            assert!(
                action.starts_with('/'),
                "{path}: form posts to a page: {}",
                form.html()
            );
            assert!(["get", "post"].contains(&method), "{path}: {method}");
            if method == "post" {
                let token = form
                    .select(&selector("input[type=hidden][name=csrf_token]"))
                    .next()
                    .and_then(|i| i.value().attr("value"))
                    .unwrap_or_default();
                assert!(!token.is_empty(), "{path}: {action} carries the token");
            }
            assert_eq!(
                form.select(&selector("button[type=submit]")).count(),
                1,
                "{path}: {action} has one submit button"
            );
        }
        for button in html.select(&selector("button:not([type=submit])")) {
            assert!(
                button.value().attr("hidden").is_some(),
                "{path}: a script-only button is hidden without JavaScript: {}",
                button.html()
            );
        }
        for element in html.select(&selector("*")) {
            for (name, value) in element.value().attrs() {
                assert!(!name.starts_with("on"), "{path}: inline handler {name}");
                assert!(
                    !value.trim_start().starts_with("javascript:"),
                    "{path}: javascript: URL"
                );
            }
        }
        let scripts: Vec<String> = page.attrs("script", "src");
        assert_eq!(
            scripts,
            ["/assets/kept.js"],
            "{path}: only the helper script"
        );
        assert_eq!(page.count("script[defer]"), 1, "{path}");
        let csp = page
            .headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
    }
}

#[tokio::test]
async fn the_assets_are_served_from_the_binary() {
    let app = spawn_app().await;
    let browser = Browser::new(&app);

    let css = browser.get("/assets/kept.css").await;
    let js = browser.get("/assets/kept.js").await;
    let missing = browser.get("/assets/missing.css").await;

    assert_eq!(css.status(), StatusCode::OK);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(js.status(), StatusCode::OK);
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_problems_page_lists_every_problem_type() {
    let app = spawn_app().await;
    let browser = Browser::new(&app);

    let page = browser.page("/problems").await;

    page.assert_status(StatusCode::OK);
    assert_eq!(page.text("h1"), "Error types");
    assert_eq!(page.count("section.problem"), ProblemKind::ALL.len());
    for kind in ProblemKind::ALL {
        let slug = kind.slug();
        let section = format!("section.problem#{slug}");
        assert_eq!(
            page.text(&format!("{section} h2")),
            format!("/problems/{slug}")
        );
        assert!(
            page.text(&format!("{section} p"))
                .starts_with(&kind.status().as_u16().to_string()),
            "{slug} shows its status"
        );
        let one = browser.page(&format!("/problems/{slug}")).await;
        one.assert_status(StatusCode::OK);
        assert_eq!(one.text("h1"), kind.title());
        assert!(one.body.contains(&format!("/problems/{slug}")));
    }
    browser
        .page("/problems/no-such-problem")
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
