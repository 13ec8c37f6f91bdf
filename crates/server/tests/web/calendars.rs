//! The calendars pages: create from TOML, problems shown beside the text as
//! typed, the rules written out, and a due instant tried from the page.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;

use crate::helpers::spawn_app;
use crate::support::{Browser, Page, location};

const NIGHT_SHIFT: &str = "zone = \"Europe/London\"\n[week]\nfri = [\"09:00-17:30\", \"22:00-06:00\"]\n[[holidays]]\ndate = \"2026-12-25\"\nname = \"Christmas Day\"\n";

#[tokio::test]
async fn a_manager_creates_a_calendar_and_tries_a_due_instant_on_it() {
    let app = spawn_app().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    app.persona(
        "maya@brightwell.example",
        Some(provider.id),
        &[(Role::Manager, provider.id)],
    )
    .await;
    let browser = Browser::signed_in(&app, "maya@brightwell.example").await;
    let owner = provider.id.to_string();

    let response = browser
        .submit(
            "/calendars",
            "/calendars",
            &[
                ("name", "Night cover"),
                ("owner_id", &owner),
                ("toml", NIGHT_SHIFT),
            ],
        )
        .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let detail = location(&response);
    let page = browser.page(&detail).await;
    page.assert_status(StatusCode::OK);
    assert_eq!(page.text("h1"), "Night cover");
    assert_eq!(page.flash().as_deref(), Some("Saved Night cover."));
    assert!(
        page.text("#week").contains("09:00-17:30, 22:00-06:00"),
        "{}",
        page.body
    );
    assert!(page.text("#holidays").contains("Christmas Day"));
    let tried = browser
        .page(&format!("{detail}?start=2026-03-27T16:30:00Z&duration=4h"))
        .await;
    assert!(
        tried.text("#due").contains("2026-03-28T01:00:00Z"),
        "{}",
        tried.text("#due")
    );
    let list = browser.page("/calendars").await;
    assert!(
        list.texts("table.list td a")
            .contains(&"Night cover".to_owned())
    );
}

#[tokio::test]
async fn a_due_instant_tried_from_before_the_calendar_s_valid_dates_is_refused() {
    let app = spawn_app().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    app.persona(
        "maya@brightwell.example",
        Some(provider.id),
        &[(Role::Manager, provider.id)],
    )
    .await;
    let browser = Browser::signed_in(&app, "maya@brightwell.example").await;
    let owner = provider.id.to_string();
    let bounded =
        format!("valid_from = \"2026-01-01\"\nvalid_until = \"2026-12-31\"\n{NIGHT_SHIFT}");
    let response = browser
        .submit(
            "/calendars",
            "/calendars",
            &[
                ("name", "Only 2026"),
                ("owner_id", &owner),
                ("toml", &bounded),
            ],
        )
        .await;
    let detail = location(&response);

    let tried = browser
        .page(&format!("{detail}?start=2025-06-06T16:30:00Z&duration=4h"))
        .await;

    let said = tried.text("p.flash-error#due");
    assert!(
        said.contains("outside the calendar's valid range, 2026-01-01 to 2026-12-31"),
        "{said}"
    );
}

#[tokio::test]
async fn an_invalid_calendar_is_shown_again_with_its_problems_and_the_text_as_typed() {
    let app = spawn_app().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    app.persona(
        "maya@brightwell.example",
        Some(provider.id),
        &[(Role::Manager, provider.id)],
    )
    .await;
    let browser = Browser::signed_in(&app, "maya@brightwell.example").await;
    let typed = "zone = \"Europe/Lodnon\"\n[week]\nmon = [\"09:00-13:00\", \"12:00-17:00\"]\n";

    let response = browser
        .submit(
            "/calendars",
            "/calendars",
            &[
                ("name", "Typo"),
                ("owner_id", &provider.id.to_string()),
                ("toml", typed),
            ],
        )
        .await;

    let page = Page::read(response).await;
    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let problems = page.text("#calendar-problems");
    assert!(
        problems.contains("spec.zone: unknown time zone `Europe/Lodnon`"),
        "{problems}"
    );
    assert!(
        problems.contains("spec.week.mon[1]: 12:00-17:00 overlaps"),
        "{problems}"
    );
    // The text comes back as typed (compared with its whitespace folded).
    let folded: Vec<&str> = typed.split_whitespace().collect();
    assert_eq!(page.text("textarea#c-toml"), folded.join(" "));
    assert!(
        browser
            .page("/calendars")
            .await
            .texts("table.list td a")
            .is_empty()
    );
}

#[tokio::test]
async fn a_customer_sees_no_provider_calendars_and_no_editor() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let client = app.party(PartyKind::Organisation, "Harbour", None).await;
    let leeds = app.party(PartyKind::Site, "Leeds", Some(client.id)).await;
    app.persona(
        "tom@harbour.example",
        Some(leeds.id),
        &[(Role::Customer, leeds.id)],
    )
    .await;
    let made = app
        .post(
            "/api/v1/calendars",
            &admin.token,
            &serde_json::json!({ "name": "Hours", "owner_id": provider.id, "toml": NIGHT_SHIFT }),
        )
        .await;
    let id = made.json::<serde_json::Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let browser = Browser::signed_in(&app, "tom@harbour.example").await;

    let list = browser.page("/calendars").await;
    let detail = browser.page(&format!("/calendars/{id}")).await;

    list.assert_status(StatusCode::OK);
    assert_eq!(list.count("form[action='/calendars']"), 0);
    assert!(list.texts("table.list td a").is_empty());
    detail.assert_status(StatusCode::NOT_FOUND);
}
