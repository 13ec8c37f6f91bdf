//! The chain page: the links a user may see drawn as SVG, a selected party's
//! upstream and downstream highlighted and listed, and the forms to link two
//! parties and to end a link (admins and managers only).

use std::collections::BTreeSet;

use kept_domain::{Party, PartyId, PartyKind, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Persona, TestApp, ids, json, spawn_app};
use crate::support::{Browser, Page, assert_see_other, location};

/// Links `supplier` → `customer` through the API as `admin`.
async fn link(
    app: &TestApp,
    admin: &Persona,
    supplier: PartyId,
    customer: PartyId,
    label: &str,
) -> Value {
    json(
        app.post(
            "/api/v1/links",
            &admin.token,
            &json!({ "supplier_id": supplier, "customer_id": customer, "label": label }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

/// The ids of every active link, as the admin sees them.
async fn active_links(app: &TestApp, admin: &Persona) -> Vec<String> {
    ids(&json(
        app.get("/api/v1/links?limit=200", &admin.token).await,
        StatusCode::OK,
    )
    .await)
}

/// The `data-party` of the graph's nodes matching `css`, as a set.
fn nodes(page: &Page, css: &str) -> BTreeSet<String> {
    page.attrs(css, "data-party").into_iter().collect()
}

/// A set of party ids as strings.
fn set_of(parties: &[&Party]) -> BTreeSet<String> {
    parties.iter().map(|p| p.id.to_string()).collect()
}

/// The (supplier, customer) names of the rows of the links table.
fn link_rows(page: &Page) -> Vec<(String, String)> {
    let suppliers = page.texts("table.list tbody tr td:nth-child(1)");
    let customers = page.texts("table.list tbody tr td:nth-child(2)");
    suppliers.into_iter().zip(customers).collect()
}

/// The training chain, and an unrelated pair:
///
/// ```text
/// Folio Learning Press → Skillbridge Training → Elena Rossi Training → Leadership Essentials participants
/// Crate & Co → Corner Cafe                                             └── cohort (team) └── Lina Park
/// ```
struct Training {
    app: TestApp,
    admin: Persona,
    publisher: Party,
    company: Party,
    trainer: Party,
    participants: Party,
    lina: Party,
    crate_co: Party,
    cafe: Party,
    boxes: Value,
}

async fn training() -> Training {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let publisher = app
        .party(PartyKind::Organisation, "Folio Learning Press", None)
        .await;
    let company = app
        .party(PartyKind::Organisation, "Skillbridge Training", None)
        .await;
    let trainer = app
        .party(PartyKind::Organisation, "Elena Rossi Training", None)
        .await;
    let participants = app
        .party(
            PartyKind::Organisation,
            "Leadership Essentials participants",
            None,
        )
        .await;
    let cohort = app
        .party(
            PartyKind::Team,
            "November 2026 cohort",
            Some(participants.id),
        )
        .await;
    let lina = app
        .party(PartyKind::Person, "Lina Park", Some(cohort.id))
        .await;
    let crate_co = app.party(PartyKind::Organisation, "Crate & Co", None).await;
    let cafe = app
        .party(PartyKind::Organisation, "Corner Cafe", None)
        .await;
    link(&app, &admin, publisher.id, company.id, "course materials").await;
    link(&app, &admin, company.id, trainer.id, "course bookings").await;
    link(
        &app,
        &admin,
        trainer.id,
        participants.id,
        "Leadership Essentials course",
    )
    .await;
    let boxes = link(&app, &admin, crate_co.id, cafe.id, "boxed goods").await;
    Training {
        app,
        admin,
        publisher,
        company,
        trainer,
        participants,
        lina,
        crate_co,
        cafe,
        boxes,
    }
}

#[tokio::test]
async fn an_admin_sees_the_trainer_selected_between_its_suppliers_and_its_customers() {
    // Arrange
    let t = training().await;
    let browser = Browser::signed_in(&t.app, "admin@example.com").await;

    // Act
    let page = browser
        .page(&format!("/chain?party={}", t.trainer.id))
        .await;

    // Assert
    page.assert_status(StatusCode::OK);
    assert_eq!(page.text("h1"), "Service chain");
    assert_eq!(page.count("figure.chain svg"), 1);
    assert_eq!(nodes(&page, "svg a.node.selected"), set_of(&[&t.trainer]));
    assert_eq!(
        nodes(&page, "svg a.node.upstream"),
        set_of(&[&t.publisher, &t.company])
    );
    assert_eq!(
        nodes(&page, "svg a.node.downstream"),
        set_of(&[&t.participants])
    );
    assert_eq!(
        nodes(&page, "svg a[class='node']"),
        set_of(&[&t.crate_co, &t.cafe]),
        "parties off the walk are drawn plain"
    );
    assert_eq!(
        page.attr(&format!("svg a[data-party='{}']", t.trainer.id), "href"),
        format!("/chain?party={}", t.trainer.id)
    );
    assert_eq!(
        page.count("svg line.edge.on-walk"),
        3,
        "the three links of the training chain are on the walk"
    );
    assert_eq!(page.count("svg line.edge"), 4);
    assert_eq!(page.text("#walks"), "Elena Rossi Training");
    assert_eq!(
        page.texts("ol#upstream li a"),
        ["Skillbridge Training", "Folio Learning Press"]
    );
    assert_eq!(
        page.texts("ol#upstream li span"),
        ["1 link up", "2 links up"]
    );
    assert_eq!(
        page.texts("ol#downstream li a"),
        ["Leadership Essentials participants"]
    );
    assert_eq!(page.texts("ol#downstream li span"), ["1 link down"]);
    let mut rows = link_rows(&page);
    rows.sort();
    assert_eq!(
        rows,
        [
            ("Crate & Co".to_owned(), "Corner Cafe".to_owned()),
            (
                "Elena Rossi Training".to_owned(),
                "Leadership Essentials participants".to_owned()
            ),
            (
                "Folio Learning Press".to_owned(),
                "Skillbridge Training".to_owned()
            ),
            (
                "Skillbridge Training".to_owned(),
                "Elena Rossi Training".to_owned()
            ),
        ]
    );
    assert_eq!(page.count("form[action='/chain/links']"), 1);
    assert_eq!(
        page.count("form[action$='/archive']"),
        4,
        "one End per link"
    );
}

#[tokio::test]
async fn a_participant_nested_under_the_group_is_served_by_the_whole_chain() {
    // Arrange
    let t = training().await;
    let browser = Browser::signed_in(&t.app, "admin@example.com").await;

    // Act
    let page = browser.page(&format!("/chain?party={}", t.lina.id)).await;

    // Assert
    page.assert_status(StatusCode::OK);
    assert_eq!(page.text("#walks"), "Lina Park");
    assert_eq!(
        page.texts("ol#upstream li a"),
        [
            "Elena Rossi Training",
            "Skillbridge Training",
            "Folio Learning Press"
        ]
    );
    assert_eq!(page.count("ol#downstream"), 0);
    assert_eq!(
        nodes(&page, "svg a.node.upstream"),
        set_of(&[&t.publisher, &t.company, &t.trainer])
    );
    assert!(
        nodes(&page, "svg a.node.selected").is_empty(),
        "Lina has no links of her own, so no node"
    );
}

#[tokio::test]
async fn without_a_selection_the_page_draws_every_visible_link_plain() {
    // Arrange
    let t = training().await;
    let browser = Browser::signed_in(&t.app, "admin@example.com").await;

    // Act
    let page = browser.page("/chain").await;

    // Assert
    page.assert_status(StatusCode::OK);
    assert_eq!(page.count("svg a.node"), 6);
    assert_eq!(page.count("svg a[class='node']"), 6);
    assert_eq!(page.count("svg line.on-walk"), 0);
    assert_eq!(page.count("#walks"), 0);
    assert_eq!(page.count("table.list tbody tr"), 4);
}

#[tokio::test]
async fn a_page_with_no_links_says_so() {
    // Arrange
    let app = spawn_app().await;
    app.admin().await;
    let browser = Browser::signed_in(&app, "admin@example.com").await;

    // Act
    let page = browser.page("/chain").await;

    // Assert
    page.assert_status(StatusCode::OK);
    assert_eq!(page.count("svg"), 0);
    assert_eq!(page.text("main p.muted"), "No links you can see yet.");
}

#[tokio::test]
async fn an_admin_links_two_parties_with_the_form() {
    // Arrange
    let t = training().await;
    let venue = t
        .app
        .party(PartyKind::Organisation, "Harbour Venues", None)
        .await;
    let browser = Browser::signed_in(&t.app, "admin@example.com").await;
    let company = t.company.id.to_string();
    let customer = venue.id.to_string();

    // Act
    let response = browser
        .submit(
            "/chain",
            "/chain/links",
            &[
                ("supplier_id", company.as_str()),
                ("customer_id", customer.as_str()),
                ("label", "room hire"),
            ],
        )
        .await;
    let target = format!("/chain?party={}", venue.id);
    assert_see_other(&response, &target);
    let page = browser.page(&target).await;
    let again = browser.page(&target).await;

    // Assert
    page.assert_status(StatusCode::OK);
    assert_eq!(page.flash().as_deref(), Some("Linked."));
    assert_eq!(again.flash(), None, "a message is shown once");
    assert_eq!(nodes(&page, "svg a.node.selected"), set_of(&[&venue]));
    assert_eq!(
        page.texts("ol#upstream li a"),
        ["Skillbridge Training", "Folio Learning Press"]
    );
    assert!(
        page.texts("table.list tbody tr td:nth-child(3)")
            .contains(&"room hire".to_owned())
    );
    let of_venue = json(
        t.app
            .get(
                &format!("/api/v1/links?party_id={}", venue.id),
                &t.admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(of_venue["items"][0]["supplier_id"], company);
    assert_eq!(of_venue["items"][0]["label"], "room hire");
}

#[tokio::test]
async fn the_link_form_offers_every_party_and_preselects_the_selected_one_as_supplier() {
    // Arrange
    let t = training().await;
    let browser = Browser::signed_in(&t.app, "admin@example.com").await;

    // Act
    let page = browser
        .page(&format!("/chain?party={}", t.company.id))
        .await;

    // Assert
    page.assert_status(StatusCode::OK);
    assert_eq!(
        page.attr("#l-supplier option[selected]", "value"),
        t.company.id.to_string()
    );
    let offered: BTreeSet<String> = page
        .attrs("#l-customer option", "value")
        .into_iter()
        .collect();
    assert!(offered.contains(&t.lina.id.to_string()));
    assert!(offered.contains(&t.cafe.id.to_string()));
    assert!(
        page.texts("#l-customer option")
            .contains(&"Lina Park (person)".to_owned())
    );
}

#[tokio::test]
async fn a_loop_made_with_the_form_comes_back_as_a_message_naming_it() {
    // Arrange
    let t = training().await;
    let browser = Browser::signed_in(&t.app, "admin@example.com").await;
    let trainer = t.trainer.id.to_string();
    let publisher = t.publisher.id.to_string();
    let before = active_links(&t.app, &t.admin).await;

    // Act
    let response = browser
        .submit(
            "/chain",
            "/chain/links",
            &[
                ("supplier_id", trainer.as_str()),
                ("customer_id", publisher.as_str()),
                ("label", ""),
            ],
        )
        .await;
    let target = format!("/chain?party={}", t.publisher.id);
    assert_see_other(&response, &target);
    let page = browser.page(&target).await;

    // Assert
    page.assert_status(StatusCode::OK);
    assert_eq!(
        page.text("main .flash-error[role=alert]"),
        "Folio Learning Press already supplies Elena Rossi Training through the chain, \
         so the link would close the loop \
         Elena Rossi Training → Folio Learning Press → Skillbridge Training → Elena Rossi Training"
    );
    assert_eq!(active_links(&t.app, &t.admin).await, before);
}

#[tokio::test]
async fn a_duplicate_or_a_self_link_made_with_the_form_comes_back_as_a_message() {
    // Arrange
    let t = training().await;
    let browser = Browser::signed_in(&t.app, "admin@example.com").await;
    let publisher = t.publisher.id.to_string();
    let company = t.company.id.to_string();
    let before = active_links(&t.app, &t.admin).await;

    // Act
    let duplicate = browser
        .submit(
            "/chain",
            "/chain/links",
            &[
                ("supplier_id", publisher.as_str()),
                ("customer_id", company.as_str()),
            ],
        )
        .await;
    let duplicate_page = browser.page(&location(&duplicate)).await;
    let itself = browser
        .submit(
            "/chain",
            "/chain/links",
            &[
                ("supplier_id", company.as_str()),
                ("customer_id", company.as_str()),
            ],
        )
        .await;
    let itself_page = browser.page(&location(&itself)).await;

    // Assert
    assert_eq!(location(&duplicate), format!("/chain?party={company}"));
    assert_eq!(
        duplicate_page.text("main .flash-error[role=alert]"),
        "these parties are already linked"
    );
    assert_eq!(location(&itself), format!("/chain?party={company}"));
    assert_eq!(
        itself_page.text("main .flash-error[role=alert]"),
        "Not saved. Customer: a party cannot be its own supplier."
    );
    assert_eq!(active_links(&t.app, &t.admin).await, before);
}

#[tokio::test]
async fn an_admin_ends_a_link_from_the_table() {
    // Arrange
    let t = training().await;
    let browser = Browser::signed_in(&t.app, "admin@example.com").await;
    let id = t.boxes["id"].as_str().expect("a link id").to_owned();

    // Act
    let response = browser
        .submit("/chain", &format!("/chain/links/{id}/archive"), &[])
        .await;
    assert_see_other(&response, "/chain");
    let page = browser.page("/chain").await;

    // Assert
    assert_eq!(page.flash().as_deref(), Some("Link ended."));
    assert!(
        !link_rows(&page).contains(&("Crate & Co".to_owned(), "Corner Cafe".to_owned())),
        "the ended link is gone from the table"
    );
    assert_eq!(page.count("svg a.node"), 4, "and from the graph");
    let read = json(
        t.app
            .get(&format!("/api/v1/links/{id}"), &t.admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(read["archived_at"].is_string());
}

#[tokio::test]
async fn the_chain_page_needs_a_signed_in_user() {
    // Arrange
    let t = training().await;
    let browser = Browser::new(&t.app);

    // Act
    let response = browser.get("/chain").await;

    // Assert
    assert_see_other(&response, "/login?next=%2Fchain");
}

// ---------------------------------------------------------------------------
// What customers, agents and managers see and may do
// ---------------------------------------------------------------------------

/// A provider serving a client with two sites, and an unrelated pair:
///
/// ```text
/// Sparkle Supplies → Brightwell FM → Harbour Retail (head office)
///                                  ↘ Harbour York (site of Harbour Retail)
/// Crate & Co → Corner Cafe
/// ```
struct Sites {
    app: TestApp,
    admin: Persona,
    provider: Party,
    head_office: Party,
    leeds: Party,
    york: Party,
    facilities: Value,
    windows: Value,
}

async fn sites() -> Sites {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app
        .party(PartyKind::Organisation, "Brightwell FM", None)
        .await;
    let sparkle = app
        .party(PartyKind::Organisation, "Sparkle Supplies", None)
        .await;
    let head_office = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let leeds = app
        .party(PartyKind::Site, "Harbour Leeds", Some(head_office.id))
        .await;
    let york = app
        .party(PartyKind::Site, "Harbour York", Some(head_office.id))
        .await;
    let crate_co = app.party(PartyKind::Organisation, "Crate & Co", None).await;
    let cafe = app
        .party(PartyKind::Organisation, "Corner Cafe", None)
        .await;
    app.persona(
        "maya@brightwell.example",
        Some(provider.id),
        &[(Role::Manager, provider.id)],
    )
    .await;
    app.persona(
        "sam@brightwell.example",
        Some(provider.id),
        &[(Role::Agent, provider.id)],
    )
    .await;
    app.persona(
        "lee@harbour.example",
        Some(leeds.id),
        &[(Role::Customer, leeds.id)],
    )
    .await;
    link(&app, &admin, sparkle.id, provider.id, "cleaning supplies").await;
    let facilities = link(
        &app,
        &admin,
        provider.id,
        head_office.id,
        "facilities management",
    )
    .await;
    let windows = link(
        &app,
        &admin,
        provider.id,
        york.id,
        "window cleaning at York",
    )
    .await;
    link(&app, &admin, crate_co.id, cafe.id, "boxed goods").await;
    Sites {
        app,
        admin,
        provider,
        head_office,
        leeds,
        york,
        facilities,
        windows,
    }
}

#[tokio::test]
async fn a_customer_sees_the_chain_of_their_site_without_the_link_form() {
    // Arrange
    let s = sites().await;
    let browser = Browser::signed_in(&s.app, "lee@harbour.example").await;

    // Act
    let page = browser.page(&format!("/chain?party={}", s.leeds.id)).await;

    // Assert
    page.assert_status(StatusCode::OK);
    assert_eq!(page.text("#walks"), "Harbour Leeds");
    assert_eq!(page.texts("ol#upstream li"), ["Brightwell FM 1 link up"]);
    assert_eq!(
        link_rows(&page),
        [("Brightwell FM".to_owned(), "Harbour Retail".to_owned())],
        "only the link to their head office"
    );
    assert_eq!(
        nodes(&page, "svg .node"),
        set_of(&[&s.provider, &s.head_office])
    );
    assert_eq!(
        nodes(&page, "svg .node.upstream"),
        set_of(&[&s.provider]),
        "the head office is on the lineage, the supplier upstream"
    );
    assert_eq!(page.count("form[action='/chain/links']"), 0);
    assert_eq!(
        page.count("form[action^='/chain/links/']"),
        0,
        "no End buttons"
    );
    for hidden in [
        "Harbour York",
        "Sparkle Supplies",
        "Crate & Co",
        "Corner Cafe",
    ] {
        assert!(
            !page.body.contains(hidden),
            "{hidden} is shown to the customer at Leeds"
        );
    }
}

#[tokio::test]
async fn every_party_a_customer_may_open_from_the_chain_page_opens_and_the_rest_show_by_name() {
    // Arrange
    let s = sites().await;
    let browser = Browser::signed_in(&s.app, "lee@harbour.example").await;
    let page = browser.page(&format!("/chain?party={}", s.leeds.id)).await;

    // Act
    let mut answers = Vec::new();
    for href in page.attrs("a[href^='/chain?party=']", "href") {
        answers.push((href.clone(), browser.get(&href).await.status()));
    }

    // Assert
    assert!(
        answers.iter().all(|(_, status)| *status == StatusCode::OK),
        "a link on the page leads nowhere: {answers:?}"
    );
    assert_eq!(
        nodes(&page, "svg g.node.by-name"),
        set_of(&[&s.provider]),
        "the supplier is named, not linked"
    );
    assert_eq!(nodes(&page, "svg a.node"), set_of(&[&s.head_office]));
}

#[tokio::test]
async fn the_chain_of_a_party_the_user_may_not_see_is_not_found() {
    // Arrange
    let s = sites().await;
    let browser = Browser::signed_in(&s.app, "lee@harbour.example").await;

    // Act
    let york = browser.page(&format!("/chain?party={}", s.york.id)).await;
    let provider = browser
        .page(&format!("/chain?party={}", s.provider.id))
        .await;
    let unknown = browser
        .page(&format!("/chain?party={}", PartyId::new()))
        .await;

    // Assert
    york.assert_status(StatusCode::NOT_FOUND);
    assert!(!york.body.contains("Harbour York"), "{}", york.body);
    provider.assert_status(StatusCode::NOT_FOUND);
    unknown.assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_malformed_party_in_the_query_is_refused_without_a_server_error() {
    // Arrange
    let s = sites().await;
    let browser = Browser::signed_in(&s.app, "admin@example.com").await;

    // Act
    let page = browser.page("/chain?party=not-a-uuid").await;

    // Assert
    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_customer_posting_the_link_form_is_refused_and_nothing_is_linked() {
    // Arrange
    let s = sites().await;
    let browser = Browser::signed_in(&s.app, "lee@harbour.example").await;
    let head_office = s.head_office.id.to_string();
    let leeds = s.leeds.id.to_string();
    let before = active_links(&s.app, &s.admin).await;

    // Act
    let response = browser
        .submit(
            "/chain",
            "/chain/links",
            &[
                ("supplier_id", head_office.as_str()),
                ("customer_id", leeds.as_str()),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(active_links(&s.app, &s.admin).await, before);
}

#[tokio::test]
async fn an_agent_or_a_customer_may_not_end_a_link_they_see() {
    // Arrange
    let s = sites().await;
    let path = format!(
        "/chain/links/{}/archive",
        s.facilities["id"].as_str().expect("a link id")
    );
    let agent = Browser::signed_in(&s.app, "sam@brightwell.example").await;
    let customer = Browser::signed_in(&s.app, "lee@harbour.example").await;

    // Act
    let agent_page = agent.page("/chain").await;
    let by_agent = agent.submit("/chain", &path, &[]).await;
    let by_customer = customer.submit("/chain", &path, &[]).await;
    let hidden = customer
        .submit(
            "/chain",
            &format!(
                "/chain/links/{}/archive",
                s.windows["id"].as_str().expect("a link id")
            ),
            &[],
        )
        .await;

    // Assert
    assert_eq!(agent_page.count("form[action^='/chain/links']"), 0);
    assert_eq!(by_agent.status(), StatusCode::FORBIDDEN);
    assert_eq!(by_customer.status(), StatusCode::FORBIDDEN);
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(active_links(&s.app, &s.admin).await.len(), 4);
}

#[tokio::test]
async fn a_manager_links_their_party_with_the_form_choosing_among_parties_they_see() {
    // Arrange
    let s = sites().await;
    let helpdesk = s
        .app
        .party(PartyKind::Team, "Brightwell Helpdesk", Some(s.provider.id))
        .await;
    let cleaners = s
        .app
        .party(PartyKind::Team, "Brightwell Cleaning", Some(s.provider.id))
        .await;
    let browser = Browser::signed_in(&s.app, "maya@brightwell.example").await;
    let (helpdesk_id, cleaners_id) = (helpdesk.id.to_string(), cleaners.id.to_string());

    // Act
    let page = browser.page("/chain").await;
    let response = browser
        .submit(
            "/chain",
            "/chain/links",
            &[
                ("supplier_id", helpdesk_id.as_str()),
                ("customer_id", cleaners_id.as_str()),
                ("label", "rota planning"),
            ],
        )
        .await;
    let target = format!("/chain?party={}", cleaners.id);
    assert_see_other(&response, &target);
    let after = browser.page(&target).await;

    // Assert
    let offered: BTreeSet<String> = page
        .attrs("#l-supplier option", "value")
        .into_iter()
        .collect();
    assert!(offered.contains(&s.provider.id.to_string()));
    assert!(offered.contains(&helpdesk_id) && offered.contains(&cleaners_id));
    assert!(
        !offered.contains(&s.york.id.to_string()) && !offered.contains(&s.leeds.id.to_string()),
        "only parties the manager may see are offered"
    );
    after.assert_status(StatusCode::OK);
    assert_eq!(after.flash().as_deref(), Some("Linked."));
    assert_eq!(
        after.texts("ol#upstream li"),
        [
            "Sparkle Supplies 1 link up",
            "Brightwell Helpdesk 1 link up"
        ],
        "the team is served by its own supplier and its organisation's"
    );
}
