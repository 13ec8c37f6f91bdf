//! The party forms: create at the top and underneath, edit, archive and
//! restore; mistakes come back as a message; customers may not change parties.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;

use crate::helpers::spawn_app;
use crate::support::{Browser, Page, location};

/// The id at the end of a `/parties/{id}` redirect.
fn party_path(response: &reqwest::Response) -> String {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected a redirect"
    );
    let to = location(response);
    assert!(to.starts_with("/parties/"), "{to}");
    to
}

#[tokio::test]
async fn an_admin_creates_an_organisation_and_a_site_under_it() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;

    let created = browser
        .submit(
            "/parties",
            "/parties",
            &[
                ("name", "Northwind Logistics"),
                ("kind", "organisation"),
                ("reference", "NW-1"),
            ],
        )
        .await;
    let org_path = party_path(&created);
    let org = browser.page(&org_path).await;
    let child = browser
        .submit(
            &org_path,
            &format!("{org_path}/children"),
            &[("name", "Northwind Depot"), ("kind", "site")],
        )
        .await;
    let child_path = party_path(&child);
    let depot = browser.page(&child_path).await;

    org.assert_status(StatusCode::OK);
    assert_eq!(org.flash().as_deref(), Some("Created Northwind Logistics."));
    assert_eq!(org.text("h1"), "Northwind Logistics");
    assert_eq!(org.fact("Kind"), "organisation");
    assert_eq!(org.fact("Reference"), "NW-1");
    assert_eq!(org.fact("Internal"), "no");
    depot.assert_status(StatusCode::OK);
    assert_eq!(depot.flash().as_deref(), Some("Created Northwind Depot."));
    assert_eq!(depot.fact("Kind"), "site");
    assert_eq!(
        depot.texts("nav.trail li a"),
        ["Parties", "Northwind Logistics"]
    );
    let org_again = browser.page(&org_path).await;
    assert_eq!(org_again.flash(), None, "a message is shown once");
    assert_eq!(org_again.texts("ul.children li a"), ["Northwind Depot"]);
    let list = browser.page("/parties?q=Northwind").await;
    assert_eq!(
        list.texts("table.list tbody tr td:first-child a"),
        ["Northwind Depot", "Northwind Logistics"]
    );
}

#[tokio::test]
async fn an_admin_edits_a_party_and_the_history_records_it() {
    let app = spawn_app().await;
    app.admin().await;
    let party = app
        .party(PartyKind::Organisation, "Corner Cafe", None)
        .await;
    let path = format!("/parties/{}", party.id);
    let browser = Browser::signed_in(&app, "admin@example.com").await;

    let response = browser
        .submit(
            &path,
            &path,
            &[
                ("name", "Corner Café Ltd"),
                ("reference", "CAFE-7"),
                ("internal", "on"),
            ],
        )
        .await;

    assert_eq!(location(&response), path);
    let page = browser.page(&path).await;
    assert_eq!(page.flash().as_deref(), Some("Saved Corner Café Ltd."));
    assert_eq!(page.text("h1"), "Corner Café Ltd");
    assert_eq!(page.fact("Reference"), "CAFE-7");
    assert_eq!(page.fact("Internal"), "yes, part of our own organisation");
    assert_eq!(page.attr("#edit-name", "value"), "Corner Café Ltd");
    assert!(
        page.count("ol.history li") >= 1,
        "the change is in the history"
    );
}

#[tokio::test]
async fn an_admin_archives_and_restores_a_party() {
    let app = spawn_app().await;
    app.admin().await;
    let org = app.party(PartyKind::Organisation, "Crate & Co", None).await;
    let site = app
        .party(PartyKind::Site, "Crate Warehouse", Some(org.id))
        .await;
    let org_path = format!("/parties/{}", org.id);
    let site_path = format!("/parties/{}", site.id);
    let browser = Browser::signed_in(&app, "admin@example.com").await;

    let refused = browser
        .submit(&org_path, &format!("{org_path}/archive"), &[])
        .await;
    let refused_page = browser.page(&org_path).await;
    let archived = browser
        .submit(&site_path, &format!("{site_path}/archive"), &[])
        .await;
    let archived_page = browser.page(&site_path).await;
    let active_list = browser.page("/parties?q=Crate").await;
    let archived_list = browser.page("/parties?q=Crate&archived=archived").await;
    let restored = browser
        .submit(&site_path, &format!("{site_path}/restore"), &[])
        .await;
    let restored_page = browser.page(&site_path).await;

    assert_eq!(location(&refused), org_path);
    assert_eq!(
        refused_page.text("main .flash-error[role=alert]"),
        "the party has parties under it that are not archived; archive or move them first"
    );
    assert_eq!(location(&archived), site_path);
    assert_eq!(
        archived_page.flash().as_deref(),
        Some("Archived Crate Warehouse.")
    );
    assert_eq!(
        archived_page
            .texts("dl.facts dt")
            .last()
            .map(String::as_str),
        Some("Archived")
    );
    assert_eq!(archived_page.count("form[action$='/restore']"), 1);
    assert_eq!(
        active_list.texts("table.list tbody tr td:first-child a"),
        ["Crate & Co"]
    );
    assert_eq!(
        archived_list.texts("table.list tbody tr td:first-child a"),
        ["Crate Warehouse"]
    );
    assert_eq!(location(&restored), site_path);
    assert_eq!(
        restored_page.flash().as_deref(),
        Some("Restored Crate Warehouse.")
    );
    assert_eq!(restored_page.count("form[action$='/archive']"), 1);
}

#[tokio::test]
async fn invalid_fields_come_back_as_a_message_on_the_form_page() {
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;
    browser
        .submit(
            "/parties",
            "/parties",
            &[
                ("name", "Taken Ref Ltd"),
                ("kind", "organisation"),
                ("reference", "DUP"),
            ],
        )
        .await;

    let blank = browser
        .submit(
            "/parties",
            "/parties",
            &[("name", "  "), ("kind", "organisation")],
        )
        .await;
    let blank_page = browser.page("/parties").await;
    let site_at_top = browser
        .submit(
            "/parties",
            "/parties",
            &[("name", "Lonely Site"), ("kind", "site")],
        )
        .await;
    let site_page = browser.page("/parties").await;
    let bad_kind = browser
        .submit(
            "/parties",
            "/parties",
            &[("name", "Odd"), ("kind", "planet")],
        )
        .await;
    let bad_kind_page = browser.page("/parties").await;
    let duplicate = browser
        .submit(
            "/parties",
            "/parties",
            &[
                ("name", "Copy Ltd"),
                ("kind", "organisation"),
                ("reference", "DUP"),
            ],
        )
        .await;
    let duplicate_page = browser.page("/parties").await;

    for response in [&blank, &site_at_top, &bad_kind, &duplicate] {
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(response), "/parties");
    }
    let blank_message = blank_page.text("main .flash-error[role=alert]");
    assert!(
        blank_message.starts_with("Not saved. Name: "),
        "{blank_message}"
    );
    let site_message = site_page.text("main .flash-error[role=alert]");
    assert!(
        site_message.starts_with("Not saved. Parent: ") && site_message.contains("organisation"),
        "{site_message}"
    );
    let kind_message = bad_kind_page.text("main .flash-error[role=alert]");
    assert!(
        kind_message.starts_with("Not saved. Kind: "),
        "{kind_message}"
    );
    assert_eq!(
        duplicate_page.text("main .flash-error[role=alert]"),
        "another party already has this reference"
    );
    let mut names = duplicate_page.texts("table.list tbody tr td:first-child a");
    names.sort();
    assert_eq!(
        names,
        ["Taken Ref Ltd", "admin"],
        "nothing invalid was created"
    );
}

#[tokio::test]
async fn a_customer_may_not_edit_archive_or_add_to_their_store() {
    let app = spawn_app().await;
    let org = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let store = app
        .party(PartyKind::Site, "Leeds Store", Some(org.id))
        .await;
    let other = app
        .party(PartyKind::Site, "Bristol Store", Some(org.id))
        .await;
    app.persona(
        "casey@harbour.example",
        Some(store.id),
        &[(Role::Customer, store.id)],
    )
    .await;
    let path = format!("/parties/{}", store.id);
    let browser = Browser::signed_in(&app, "casey@harbour.example").await;

    let edit = browser.submit(&path, &path, &[("name", "Hijacked")]).await;
    let archive = browser.submit(&path, &format!("{path}/archive"), &[]).await;
    let child = browser
        .submit(
            &path,
            &format!("{path}/children"),
            &[("name", "Back Room"), ("kind", "department")],
        )
        .await;
    let top = browser
        .submit(
            "/parties",
            "/parties",
            &[("name", "Own Org"), ("kind", "organisation")],
        )
        .await;
    let hidden = browser
        .submit(
            &path,
            &format!("/parties/{}", other.id),
            &[("name", "Hijacked")],
        )
        .await;

    let edit = Page::read(edit).await;
    edit.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(edit.text("h1"), "You may not do this");
    assert_eq!(archive.status(), StatusCode::FORBIDDEN);
    assert_eq!(child.status(), StatusCode::FORBIDDEN);
    assert_eq!(top.status(), StatusCode::FORBIDDEN);
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let page = browser.page(&path).await;
    assert_eq!(page.text("h1"), "Leeds Store", "nothing changed");
    assert_eq!(page.count("#edit-name"), 0, "no edit form is offered");
    assert_eq!(
        browser
            .page("/parties")
            .await
            .count("form[method=post][action='/parties']"),
        0,
        "no create form is offered"
    );
}
