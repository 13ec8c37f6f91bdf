//! Each of the demo's people signs in and lands where their work is: the
//! store manager on their requests in words, the client on the contract
//! across its stores, the agent on the queue, the manager on what needs a
//! decision, the supplier on what came up the chain, the admin on the
//! queue with the set-up pages one click away. Each menu holds only that
//! person's entries. Every page a person's menus lead to fits a phone 390
//! pixels wide without scrolling sideways. Screenshots of each home at
//! 1280 and 390 pixels go to `target/test-artifacts/roles/`.

mod common;

#[path = "common/browser.rs"]
mod browser_support;

use std::collections::BTreeSet;

use fantoccini::{Client, Locator};

use browser_support::*;
use common::{Sandbox, Server};

/// A demo login and what their landing page must hold.
struct Person {
    /// Their login.
    email: &'static str,
    /// A short name for the screenshots.
    name: &'static str,
    /// Where signing in lands them.
    lands: &'static str,
    /// What the landing page must show (each selector matches something).
    shows: &'static [&'static str],
    /// Their main menu, in order.
    menu: &'static [&'static str],
}

const PEOPLE: &[Person] = &[
    Person {
        email: "tom.reed@harbour-retail.example",
        name: "customer-store-manager",
        lands: "/",
        shows: &["#raise-link", "#home-mine .card .next"],
        menu: &["Home", "My requests", "Raise a request"],
    },
    Person {
        email: "claire.dubois@harbour-retail.example",
        name: "client-and-approver",
        lands: "/",
        shows: &[
            "#home-contracts .overview table.sites",
            "#home-contracts .pending li",
        ],
        menu: &["Home", "Requests", "Raise a request", "Contracts", "Chain"],
    },
    Person {
        email: "sam.okafor@brightwell.example",
        name: "agent",
        lands: "/requests",
        shows: &["#queue tbody tr"],
        menu: &["Home", "Requests", "At risk", "Contracts", "Teams"],
    },
    Person {
        email: "maya.patel@brightwell.example",
        name: "manager-and-approver",
        lands: "/",
        shows: &[
            "#home-changes article.waiting form.decide",
            "#home-changes ul.diff li",
            "#home-at-risk",
            "#home-queue tbody tr",
        ],
        menu: &[
            "Home",
            "Requests",
            "At risk",
            "Contracts",
            "Chain",
            "Teams",
            "Manage",
        ],
    },
    Person {
        email: "priya.nair@foliopress.example",
        name: "supplier",
        lands: "/",
        shows: &["#home-addressed .card .affected"],
        menu: &["Home", "Requests", "Contracts", "Chain"],
    },
    Person {
        email: "admin@kept.demo",
        name: "admin",
        lands: "/",
        shows: &["#home-queue"],
        menu: &[
            "Home",
            "Requests",
            "At risk",
            "Contracts",
            "Chain",
            "Teams",
            "Admin",
        ],
    },
    Person {
        email: "dan.wu@cornercafe.example",
        name: "customer-cafe",
        lands: "/",
        shows: &["#raise-link"],
        menu: &["Home", "My requests", "Raise a request"],
    },
    Person {
        email: "hannah.lee@northwind.example",
        name: "internal-client",
        lands: "/",
        shows: &["#home-contracts .overview"],
        menu: &["Home", "Requests", "Raise a request", "Contracts", "Chain"],
    },
];

/// The demo, served, with a desktop browser and a phone.
async fn demo(sandbox: &Sandbox) -> (Server, ChromeDriver, Client, Client) {
    let (server, driver) = serve_demo(sandbox, "chromedriver-roles.log").await;
    let desktop = open_browser(&driver, &sandbox.file("profile-desktop")).await;
    let phone = open_phone(&driver, &sandbox.file("profile-phone")).await;
    (server, driver, desktop, phone)
}

/// Saves a screenshot of the whole page as `roles/<name>.png`.
async fn screenshot(browser: &Client, name: &str) {
    let dir = artifacts_dir().join("roles");
    std::fs::create_dir_all(&dir).expect("the screenshots directory");
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("the screenshot is saved");
}

/// The local pages the person's menus (main and account) lead to.
async fn menu_pages(browser: &Client) -> BTreeSet<String> {
    let mut pages = BTreeSet::new();
    for link in browser
        .find_all(Locator::Css(
            "nav[aria-label=Main] a, details.account a, main a",
        ))
        .await
        .expect("links")
    {
        let Some(href) = link.attr("href").await.expect("an attribute") else {
            continue;
        };
        if href.starts_with('/') && !href.starts_with("/api/") && !href.contains('#') {
            pages.insert(href);
        }
    }
    pages
}

/// Signs `person` in on `browser` and checks where they land.
async fn lands(browser: &Client, server: &Server, person: &Person) {
    sign_in(browser, server, person.email, DEMO_PASSWORD).await;
    wait_for_path(browser, person.lands).await;
    for css in person.shows {
        wait_for(browser, css).await;
    }
}

#[tokio::test]
async fn each_person_lands_on_their_work_with_only_their_menu_and_every_page_fits_a_phone() {
    if !browser_installed() {
        return;
    }
    let sandbox = Sandbox::new();
    let (server, _driver, desktop, phone) = demo(&sandbox).await;
    let mut too_wide = Vec::new();
    for person in PEOPLE {
        lands(&desktop, &server, person).await;
        assert_eq!(
            texts(&desktop, "nav[aria-label=Main] a").await,
            person.menu,
            "{}'s menu",
            person.email
        );
        screenshot(&desktop, &format!("{}-1280", person.name)).await;
        let pages = menu_pages(&desktop).await;
        sign_out(&desktop).await;

        lands(&phone, &server, person).await;
        let folded = phone
            .execute(
                "return getComputedStyle(document.querySelector('.menu-wide')).display === 'none' \
                 && getComputedStyle(document.querySelector('details.menu-narrow')).display !== 'none'",
                vec![],
            )
            .await
            .expect("a script runs");
        assert_eq!(
            folded,
            serde_json::Value::Bool(true),
            "{}: on a phone the menu is folded into one button",
            person.email
        );
        screenshot(&phone, &format!("{}-390", person.name)).await;
        for page in &pages {
            phone.goto(&server.url(page)).await.expect("the page opens");
            wait_for(&phone, "main h1").await;
            let past = overflow(&phone).await;
            if past > 0.0 {
                too_wide.push(format!("{} {page}: {past} px too wide", person.email));
            }
        }
        phone.goto(&server.url("/")).await.expect("home");
        sign_out(&phone).await;
    }
    assert!(
        too_wide.is_empty(),
        "pages scroll sideways at {PHONE_WIDTH} px:\n{}",
        too_wide.join("\n")
    );
}
