//! The team page's "Promises kept": the team's promises settled month by
//! month as an SVG chart with its numbers in words and in a table, then
//! internal against external customers; nobody who may not read the team
//! sees it.

use jiff::{SignedDuration, Timestamp};
use kept_domain::PartyKind;
use reqwest::StatusCode;

use crate::harbour::{World, world_on};
use crate::helpers::spawn_app;
use crate::support::{Browser, Page, selector, text_of};

fn in_secs(s: i64) -> Timestamp {
    Timestamp::now() + SignedDuration::from_secs(s)
}

/// How a test request's promise ends.
#[derive(Clone, Copy, PartialEq)]
enum Ending {
    Kept,
    Renegotiated,
    Broken,
}

/// Raises a Leeds request assigned to `team` (none: no team), promises
/// it and fulfils it so that its promise ends as `ending` says.
async fn settled(w: &World, team: Option<&str>, ending: Ending) {
    let (date, agreed) = match ending {
        Ending::Kept => (in_secs(86_400), None),
        Ending::Renegotiated => (in_secs(86_400), Some(in_secs(100_000))),
        Ending::Broken => (in_secs(2), None),
    };
    w.settled_promise(&w.leeds_customer, team, date, agreed)
        .await;
}

/// The texts of a table's rows: per row, its cells' texts joined by `|`.
fn rows(page: &Page, table: &str) -> Vec<String> {
    let html = page.html();
    let cells = selector("th, td");
    html.select(&selector(&format!("#{table} tbody tr")))
        .map(|row| {
            row.select(&cells)
                .map(text_of)
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

#[tokio::test]
async fn the_team_page_charts_its_promises_kept_month_by_month_for_those_who_may_read_it() {
    let w = world_on(spawn_app().await).await;
    let ops = w
        .app
        .party(PartyKind::Team, "Operations", Some(w.provider.id))
        .await
        .id
        .to_string();
    let night = w
        .app
        .party(PartyKind::Team, "Night shift", Some(w.provider.id))
        .await
        .id
        .to_string();
    settled(&w, Some(&ops), Ending::Kept).await;
    settled(&w, Some(&ops), Ending::Renegotiated).await;
    settled(&w, Some(&ops), Ending::Broken).await;
    // Another team's promise and one of no team are not this team's.
    settled(&w, Some(&night), Ending::Broken).await;
    settled(&w, None, Ending::Kept).await;

    let arjun = Browser::signed_in(&w.app, "arjun@brightwell.example").await;
    let page = arjun.page(&format!("/teams/{ops}")).await;
    page.assert_status(StatusCode::OK);

    // One chart of six months, summed up for screen readers, the current
    // month's bar labelled with its counts and shares in words.
    let chart = "#promises-kept svg#kept-months[role=img]";
    assert_eq!(page.count(chart), 1, "{}", page.body);
    let title = page.text("#kept-months > title");
    let words = "1 kept (33%) · 1 renegotiated (33%) · 1 broken (33%)";
    assert!(title.contains(words), "{title}");
    assert_eq!(page.count("#kept-months g.bar"), 6);
    let this_month = Timestamp::now().strftime("%b %Y").to_string();
    let bars = page.texts("#kept-months g.bar");
    assert!(bars[5].starts_with(&this_month), "{bars:?}");
    assert!(bars[5].contains("3 settled") && bars[5].contains(words));
    assert!(bars[0].contains("none settled"), "{bars:?}");
    for part in ["kept", "renegotiated", "broken"] {
        assert_eq!(page.count(&format!("#kept-months rect.part-{part}")), 1);
    }

    // The same numbers as a table.
    let months = rows(&page, "kept-months-table");
    assert_eq!(months.len(), 6, "{months:?}");
    assert_eq!(
        months[5],
        format!("{this_month}|1 (33%)|1 (33%)|1 (33%)|3"),
        "{months:?}"
    );
    assert!(months[0].ends_with("|none settled"), "{months:?}");

    // Internal against external customers: Harbour's stores are external.
    assert_eq!(page.count("#promises-kept svg#kept-split[role=img]"), 1);
    assert_eq!(
        rows(&page, "kept-split-table"),
        [
            "Internal customers|none settled",
            "External customers|1 (33%)|1 (33%)|1 (33%)|3",
        ]
    );

    // The customer and another provider's manager may not read the team.
    for email in ["tom@harbour.example", "sam@elsewhere.example"] {
        let outsider = Browser::signed_in(&w.app, email).await;
        let hidden = outsider.page(&format!("/teams/{ops}")).await;
        hidden.assert_status(StatusCode::NOT_FOUND);
        assert_eq!(hidden.count("#promises-kept"), 0);
    }
}
