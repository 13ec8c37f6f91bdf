//! What each person sees in the pages: their parties, the context above
//! them by name, nothing of other sites; admin pages for admins only.

use kept_domain::{Party, PartyKind, Role};
use reqwest::StatusCode;

use crate::helpers::{Persona, TestApp, spawn_app};
use crate::support::Browser;

/// A retailer with two stores, a customer at one of them and an admin.
struct Retailer {
    head_office: Party,
    store_a: Party,
    store_b: Party,
    customer: Persona,
}

async fn retailer(app: &TestApp) -> Retailer {
    let head_office = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let store_a = app
        .party(PartyKind::Site, "Leeds Store", Some(head_office.id))
        .await;
    let store_b = app
        .party(PartyKind::Site, "Bristol Store", Some(head_office.id))
        .await;
    let customer = app
        .persona(
            "casey@harbour.example",
            Some(store_a.id),
            &[(Role::Customer, store_a.id)],
        )
        .await;
    app.admin().await;
    Retailer {
        head_office,
        store_a,
        store_b,
        customer,
    }
}

/// The party names in the list page's table.
fn names_listed(page: &crate::support::Page) -> Vec<String> {
    page.texts("table.list tbody tr td:first-child a")
}

#[tokio::test]
async fn a_customer_sees_their_store_themself_and_the_head_office_but_not_other_stores() {
    let app = spawn_app().await;
    let _ = retailer(&app).await;
    let browser = Browser::signed_in(&app, "casey@harbour.example").await;

    let page = browser.page("/parties").await;

    page.assert_status(StatusCode::OK);
    let mut names = names_listed(&page);
    names.sort();
    assert_eq!(names, ["Harbour Retail", "Leeds Store", "casey"]);
    assert!(!page.body.contains("Bristol Store"));
    let searched = browser.page("/parties?q=Bristol").await;
    assert!(names_listed(&searched).is_empty());
    assert_eq!(searched.text("main p.muted"), "No parties match.");
}

#[tokio::test]
async fn a_customer_may_open_their_store_and_the_head_office_but_not_the_other_store() {
    let app = spawn_app().await;
    let shop = retailer(&app).await;
    let browser = Browser::signed_in(&app, "casey@harbour.example").await;

    let own = browser.page(&format!("/parties/{}", shop.store_a.id)).await;
    let person = browser
        .page(&format!("/parties/{}", shop.customer.user.party_id))
        .await;
    let head_office = browser
        .page(&format!("/parties/{}", shop.head_office.id))
        .await;
    let other = browser.page(&format!("/parties/{}", shop.store_b.id)).await;

    own.assert_status(StatusCode::OK);
    assert_eq!(own.text("h1"), "Leeds Store");
    assert_eq!(own.count("form[action$='/archive']"), 0, "no manage forms");
    person.assert_status(StatusCode::OK);
    head_office.assert_status(StatusCode::OK);
    assert_eq!(
        head_office.texts("ul.children li a"),
        ["Leeds Store"],
        "the head office shows only what the customer reaches under it"
    );
    other.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(other.text("h1"), "Not found");
    assert!(!other.body.contains("Bristol Store"));
}

#[tokio::test]
async fn a_missing_or_malformed_party_id_is_a_not_found_page() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;

    let missing = browser
        .page("/parties/01900000-0000-7000-8000-000000000000")
        .await;
    let malformed = browser.page("/parties/not-an-id").await;
    let unknown_page = browser.page("/no-such-page").await;

    missing.assert_status(StatusCode::NOT_FOUND);
    malformed.assert_status(StatusCode::NOT_FOUND);
    unknown_page.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(unknown_page.text("h1"), "Not found");
}

#[tokio::test]
async fn the_users_pages_are_forbidden_to_people_who_are_not_admins() {
    let app = spawn_app().await;
    let shop = retailer(&app).await;
    let browser = Browser::signed_in(&app, "casey@harbour.example").await;

    let list = browser.page("/users").await;
    let own = browser
        .page(&format!("/users/{}", shop.customer.user.id))
        .await;
    let create = browser
        .submit(
            "/parties",
            "/users",
            &[("email", "sneaky@example.com"), ("name", "Sneaky")],
        )
        .await;

    list.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(list.text("h1"), "You may not do this");
    own.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(create.status(), StatusCode::FORBIDDEN);
    let nav = browser.page("/parties").await;
    assert!(
        !nav.attrs("nav a", "href").contains(&"/users".to_owned()),
        "no Users link for non-admins"
    );
}

#[tokio::test]
async fn an_admin_sees_every_party_and_every_user() {
    let app = spawn_app().await;
    let shop = retailer(&app).await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;

    let parties = browser.page("/parties").await;
    let users = browser.page("/users").await;
    let other = browser.page(&format!("/parties/{}", shop.store_b.id)).await;

    let mut names = names_listed(&parties);
    names.sort();
    assert_eq!(
        names,
        [
            "Bristol Store",
            "Harbour Retail",
            "Leeds Store",
            "admin",
            "casey"
        ]
    );
    users.assert_status(StatusCode::OK);
    let mut emails = users.texts("table.list tbody tr td:first-child a");
    emails.sort();
    assert_eq!(emails, ["admin@example.com", "casey@harbour.example"]);
    other.assert_status(StatusCode::OK);
    assert!(
        parties
            .attrs("nav[aria-label=Main] a", "href")
            .contains(&"/admin".to_owned()),
        "the set-up pages, users among them, are under Admin"
    );
}

#[tokio::test]
async fn the_head_office_shows_the_customer_its_name_only_and_their_store_in_full() {
    let app = spawn_app().await;
    let shop = retailer(&app).await;
    let browser = Browser::signed_in(&app, "casey@harbour.example").await;

    let head_office = browser
        .page(&format!("/parties/{}", shop.head_office.id))
        .await;
    let own = browser.page(&format!("/parties/{}", shop.store_a.id)).await;
    let list = browser.page("/parties").await;

    head_office.assert_status(StatusCode::OK);
    assert_eq!(head_office.text("h1"), "Harbour Retail");
    assert!(head_office.text("#name-only").contains("by name only"));
    assert_eq!(
        head_office.texts("dl.facts dt"),
        ["Kind"],
        "no reference, flags or dates"
    );
    assert_eq!(own.count("#name-only"), 0);
    assert!(own.texts("dl.facts dt").contains(&"Reference".to_owned()));
    let tagged = list.texts("table.list tbody tr td:first-child");
    assert!(
        tagged.contains(&"Harbour Retail by name only".to_owned()),
        "{tagged:?}"
    );
}
