//! The API and the pages run the same use cases, so they refuse the same
//! input with the same problem type. Each test here was once a drift: the
//! same write refused one way through the API and another through a page.

use kept_domain::{PartyKind, Role};
use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::support::Browser;

/// The problem type of an API refusal (the slug of its `type`).
async fn api_refusal(response: Response) -> String {
    let status = response.status();
    let body: Value = response.json().await.expect("a problem document");
    assert!(status.is_client_error(), "{status}: {body}");
    body["type"]
        .as_str()
        .and_then(|t| t.strip_prefix("/problems/"))
        .unwrap_or_else(|| panic!("no problem type in {body}"))
        .to_owned()
}

/// Asserts that the API and the page refused with `expected`.
async fn assert_same(browser: &Browser<'_>, api: Response, page: Response, expected: &str) {
    let api = api_refusal(api).await;
    let page = browser.refusal(page).await;
    assert_eq!(api, page, "the API and the page refuse alike");
    assert_eq!(api, expected);
}

/// A customer of a store of Harbour Retail, signed in; and their API token.
async fn customer(app: &TestApp) -> (Browser<'_>, String, kept_domain::Party) {
    let org = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let store = app
        .party(PartyKind::Site, "Leeds Store", Some(org.id))
        .await;
    let casey = app
        .persona(
            "casey@harbour.example",
            Some(store.id),
            &[(Role::Customer, store.id)],
        )
        .await;
    let browser = Browser::signed_in(app, "casey@harbour.example").await;
    (browser, casey.token, store)
}

/// A manager of `org` (signed in as `email`, with their API token), the
/// organisation itself and a rival organisation they cannot see.
struct Manager<'a> {
    browser: Browser<'a>,
    token: String,
    org: kept_domain::Party,
    rival: kept_domain::Party,
}

async fn manager<'a>(app: &'a TestApp, org: &str, email: &str) -> Manager<'a> {
    let org = app.party(PartyKind::Organisation, org, None).await;
    let rival = app.party(PartyKind::Organisation, "Rival Ltd", None).await;
    let persona = app
        .persona(email, Some(org.id), &[(Role::Manager, org.id)])
        .await;
    Manager {
        browser: Browser::signed_in(app, email).await,
        token: persona.token,
        org,
        rival,
    }
}

// Parties: the page checked access before reading the form, so a
// malformed form from someone who may not write was "forbidden" there and
// "validation-failed" through the API. Input is now read first in both.

#[tokio::test]
async fn a_malformed_new_party_is_invalid_before_it_is_forbidden() {
    let app = spawn_app().await;
    let (browser, token, _) = customer(&app).await;

    let api = app
        .post(
            "/api/v1/parties",
            &token,
            &json!({ "kind": "organisation", "name": " " }),
        )
        .await;
    let page = browser
        .submit(
            "/parties",
            "/parties",
            &[("name", " "), ("kind", "organisation")],
        )
        .await;

    assert_same(&browser, api, page, "validation-failed").await;
}

#[tokio::test]
async fn a_malformed_party_change_is_invalid_before_it_is_forbidden() {
    let app = spawn_app().await;
    let (browser, token, store) = customer(&app).await;
    let path = format!("/parties/{}", store.id);

    let api = app
        .patch(&format!("/api/v1{path}"), &token, &json!({ "name": " " }))
        .await;
    let page = browser.submit(&path, &path, &[("name", " ")]).await;

    assert_same(&browser, api, page, "validation-failed").await;
}

// Services: a provider that does not exist, or that the caller cannot
// see, was a 404 page but a 422 naming `provider_id` through the API.

#[tokio::test]
async fn an_unknown_or_unseen_provider_of_a_new_service_is_a_field_error() {
    let app = spawn_app().await;
    let Manager {
        browser,
        token,
        rival,
        ..
    } = manager(&app, "Crate & Co", "omar@crate.example").await;

    for provider in [kept_domain::PartyId::new(), rival.id] {
        let api = app
            .post(
                "/api/v1/services",
                &token,
                &json!({ "provider_id": provider, "name": "Boxed goods" }),
            )
            .await;
        let page = browser
            .submit(
                "/services",
                "/services",
                &[
                    ("name", "Boxed goods"),
                    ("provider_id", &provider.to_string()),
                ],
            )
            .await;
        assert_same(&browser, api, page, "validation-failed").await;
    }
}

// Calendars: a keeper that does not exist, or that the caller cannot see,
// was a 404 page but a 422 naming `owner_id` through the API.

/// Weekday office hours, as the editor takes them.
const OFFICE_HOURS: &str = "zone = \"Europe/London\"\n[week]\nmon = [\"09:00-17:00\"]\n";

#[tokio::test]
async fn an_unknown_or_unseen_keeper_of_a_new_calendar_is_a_field_error() {
    let app = spawn_app().await;
    let Manager {
        browser,
        token,
        rival,
        ..
    } = manager(&app, "Brightwell", "maya@brightwell.example").await;

    for owner in [kept_domain::PartyId::new(), rival.id] {
        let api = app
            .post(
                "/api/v1/calendars",
                &token,
                &json!({ "name": "Hours", "owner_id": owner, "toml": OFFICE_HOURS }),
            )
            .await;
        let page = browser
            .submit(
                "/calendars",
                "/calendars",
                &[
                    ("name", "Hours"),
                    ("owner_id", &owner.to_string()),
                    ("toml", OFFICE_HOURS),
                ],
            )
            .await;
        assert_eq!(page.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
        assert_same(&browser, api, page, "validation-failed").await;
    }
}

// The editor named a calendar's problems under `calendar.…`; the API names
// them under `spec.…` (and TOML that does not parse under `toml`).

#[tokio::test]
async fn a_calendars_problems_are_named_alike() {
    let app = spawn_app().await;
    let Manager {
        browser,
        token,
        org,
        ..
    } = manager(&app, "Brightwell", "maya@brightwell.example").await;
    let owner = org.id.to_string();

    for typed in [
        "zone = \"Europe/Lodnon\"\n[week]\nmon = [\"09:00-13:00\", \"12:00-17:00\"]\n",
        "zone = \"UTC\"\n[week\n",
    ] {
        let api = app
            .post(
                "/api/v1/calendars",
                &token,
                &json!({ "name": "Typo", "owner_id": owner, "toml": typed }),
            )
            .await;
        let page = crate::support::Page::read(
            browser
                .submit(
                    "/calendars",
                    "/calendars",
                    &[("name", "Typo"), ("owner_id", &owner), ("toml", typed)],
                )
                .await,
        )
        .await;

        let body: Value = api.json().await.expect("a problem document");
        let api_fields: Vec<String> = body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("a field").to_owned())
            .collect();
        assert!(!api_fields.is_empty(), "{body}");
        assert_eq!(page.texts("#calendar-problems li code"), api_fields);
        assert_eq!(
            page.problem().map(|p| format!("/problems/{p}")),
            body["type"].as_str().map(str::to_owned)
        );
    }
}

// The calendar editor checked access before reading the form, so a
// malformed change to a calendar the caller cannot see was a 404 page but
// a 422 through the API (which reads the body first).

#[tokio::test]
async fn a_malformed_change_to_an_unseen_calendar_is_invalid() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let brightwell = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let made: Value = app
        .post(
            "/api/v1/calendars",
            &admin.token,
            &json!({ "name": "Hours", "owner_id": brightwell.id, "toml": OFFICE_HOURS }),
        )
        .await
        .json()
        .await
        .expect("a calendar");
    let id = made["id"].as_str().expect("an id");
    let (browser, token, _) = customer(&app).await;

    let api = app
        .patch(
            &format!("/api/v1/calendars/{id}"),
            &token,
            &json!({ "name": " " }),
        )
        .await;
    let page = browser
        .submit(
            "/calendars",
            &format!("/calendars/{id}"),
            &[("name", " "), ("toml", OFFICE_HOURS)],
        )
        .await;

    assert_same(&browser, api, page, "validation-failed").await;
}

// Users: an admin archiving their own login was "validation-failed"
// (field `user`) on the page but "forbidden" through the API.

#[tokio::test]
async fn archiving_ones_own_login_is_forbidden() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;
    let path = format!("/users/{}", admin.user.id);

    let api = app
        .post(&format!("/api/v1{path}/archive"), &admin.token, &json!({}))
        .await;
    let page = browser.submit(&path, &format!("{path}/archive"), &[]).await;

    assert_same(&browser, api, page, "forbidden").await;
}

// Users: the pages checked only "is an admin", so a manager acting on a
// login they cannot even read was "forbidden" there and "not-found"
// through the API. One they can read stays "forbidden" in both.

#[tokio::test]
async fn a_login_one_cannot_read_is_not_found_to_a_non_admin() {
    let app = spawn_app().await;
    let crate_co = app.party(PartyKind::Organisation, "Crate & Co", None).await;
    let rival = app.party(PartyKind::Organisation, "Rival Ltd", None).await;
    let omar = app
        .persona(
            "omar@crate.example",
            Some(crate_co.id),
            &[(Role::Manager, crate_co.id)],
        )
        .await;
    let colleague = app
        .persona("ida@crate.example", Some(crate_co.id), &[])
        .await;
    let stranger = app.persona("sam@rival.example", Some(rival.id), &[]).await;
    let browser = Browser::signed_in(&app, "omar@crate.example").await;
    let grant = [("role", "agent"), ("party_id", &crate_co.id.to_string())];

    for (user, expected) in [(&stranger, "not-found"), (&colleague, "forbidden")] {
        let users = format!("/users/{}", user.user.id);
        for (action, fields) in [
            ("archive", &[][..]),
            ("restore", &[][..]),
            ("invitation", &[][..]),
            ("grants", &grant[..]),
        ] {
            let body: serde_json::Map<String, Value> = fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), json!(v)))
                .collect();
            let api = app
                .post(
                    &format!("/api/v1{users}/{action}"),
                    &omar.token,
                    &Value::Object(body),
                )
                .await;
            let page = browser
                .submit("/tokens", &format!("{users}/{action}"), fields)
                .await;
            assert_same(&browser, api, page, expected).await;
        }
    }
}

// Tokens: the page's lifetime field was `days`, the API's
// `expires_in_days`; a refusal named different fields for the same input.

#[tokio::test]
async fn a_tokens_lifetime_is_the_same_field() {
    let app = spawn_app().await;
    let dev = app.persona("dev@example.com", None, &[]).await;
    let browser = Browser::signed_in(&app, "dev@example.com").await;

    let api = app
        .post(
            "/api/v1/tokens",
            &dev.token,
            &json!({ "name": "cron", "expires_in_days": 0 }),
        )
        .await;
    let body: Value = api.json().await.expect("a problem document");
    let page = browser
        .submit(
            "/tokens",
            "/tokens",
            &[("name", "cron"), ("expires_in_days", "0")],
        )
        .await;

    assert_eq!(body["errors"][0]["field"], "expires_in_days", "{body}");
    assert_eq!(body["type"], "/problems/validation-failed");
    assert_eq!(browser.refusal(page).await, "validation-failed");
    let form = browser.page("/tokens").await;
    assert_eq!(
        form.count("form[action='/tokens'] [name=expires_in_days]"),
        1
    );
}

// Parties: a new party under a parent that does not exist, or that the
// caller cannot see, is a 422 naming `parent_id` through the API; the page
// told it on the parent's page, which then answered 404 (and the message
// waited for some later page).

#[tokio::test]
async fn an_unknown_or_unseen_parent_of_a_new_party_is_a_field_error() {
    let app = spawn_app().await;
    let (browser, token, _) = customer(&app).await;
    let rival = app.party(PartyKind::Organisation, "Rival Ltd", None).await;

    for parent in [kept_domain::PartyId::new(), rival.id] {
        let api = app
            .post(
                "/api/v1/parties",
                &token,
                &json!({ "kind": "site", "name": "Annexe", "parent_id": parent }),
            )
            .await;
        let page = browser
            .submit(
                "/parties",
                &format!("/parties/{parent}/children"),
                &[("name", "Annexe"), ("kind", "site")],
            )
            .await;
        assert_same(&browser, api, page, "validation-failed").await;
    }
}
