//! The chain diagram shows parties' names whole: wrapped over lines in
//! taller boxes, each box titled with the full name, and a name too long
//! for any box listed in full under the diagram.

use kept_domain::PartyKind;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, json, spawn_app};
use crate::support::{Browser, Page};

/// A supplier named `name` linked to a café; the chain page as the admin
/// sees it, and the supplier's node as a selector.
async fn chain_with(app: &TestApp, name: &str) -> (Page, String) {
    let admin = app.admin().await;
    let supplier = app.party(PartyKind::Organisation, name, None).await;
    let cafe = app
        .party(PartyKind::Organisation, "Corner Cafe", None)
        .await;
    json(
        app.post(
            "/api/v1/links",
            &admin.token,
            &json!({ "supplier_id": supplier.id, "customer_id": cafe.id, "label": "boxed goods" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let browser = Browser::signed_in(app, "admin@example.com").await;
    let page = browser.page("/chain").await;
    (page, format!("svg a[data-party='{}']", supplier.id))
}

#[tokio::test]
async fn a_60_character_name_is_drawn_whole_over_several_lines_with_its_title() {
    // Arrange
    let app = spawn_app().await;
    let long = "Harbour Retail Group Facilities and Property Services, Yorks";
    assert_eq!(long.chars().count(), 60);

    // Act
    let (page, node) = chain_with(&app, long).await;

    // Assert
    page.assert_status(StatusCode::OK);
    let lines = page.texts(&format!("{node} text tspan"));
    assert!(lines.len() > 1, "wrapped over lines: {lines:?}");
    assert_eq!(lines.join(" "), long, "every word, in order");
    assert!(lines.iter().all(|l| !l.contains('…')));
    assert_eq!(page.text(&format!("{node} > title")), long);
    let height: i64 = page
        .attr(&format!("{node} rect"), "height")
        .parse()
        .expect("a height");
    assert!(height > 40, "a box taller than one line: {height}");
    assert_eq!(page.count("#chain-names"), 0, "nothing was cut");
    assert_eq!(page.count("svg a.node"), 2);
}

#[tokio::test]
async fn a_name_too_long_for_any_box_is_listed_whole_under_the_diagram() {
    // Arrange
    let app = spawn_app().await;
    let long = "Leadership ".repeat(18);
    let long = long.trim_end();

    // Act
    let (page, node) = chain_with(&app, long).await;

    // Assert
    page.assert_status(StatusCode::OK);
    let lines = page.texts(&format!("{node} text tspan"));
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[2].ends_with('…'));
    assert_eq!(page.text(&format!("{node} > title")), long);
    assert_eq!(page.texts("#chain-names li"), [long]);
}
