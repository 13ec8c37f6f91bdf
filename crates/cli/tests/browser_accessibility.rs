//! Accessibility of the demo in a real browser. axe-core (pinned in
//! `.ci/axe/`) runs on every page linked from where each demo login lands,
//! and on the anonymous pages, once as the page opens and once with every
//! `<details>` opened (the forms live in them): no serious or critical
//! violation anywhere; and each page checked fits a phone 390 pixels wide
//! without scrolling sideways, as the same person. And the keyboard alone
//! signs in, with the focused element outlined at every Tab stop.
//!
//! The crawl follows whatever is linked, so new pages are checked without
//! listing them here; to stay quick it opens at most [`PAGES_PER_SHAPE`]
//! pages of each shape of address (`/requests/{id}`, `/chain?party`).

mod common;

#[path = "common/axe.rs"]
mod axe;
#[path = "common/browser.rs"]
mod browser_support;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::Value;

use axe::{Offender, Violation, axe_source, serious_violations};
use browser_support::*;
use common::{Sandbox, Server};

/// Every login `kept demo` prints, the admin first.
const LOGINS: [&str; 14] = [
    ADMIN,
    "maya.patel@brightwell.example",
    "sam.okafor@brightwell.example",
    "claire.dubois@harbour-retail.example",
    "tom.reed@harbour-retail.example",
    "aisha.khan@harbour-retail.example",
    "jonas.berg@skillbridge.example",
    "priya.nair@foliopress.example",
    "elena.rossi@trainer.example",
    "ben.carter@participant.example",
    "olivia.grant@crateco.example",
    "dan.wu@cornercafe.example",
    "hannah.lee@northwind.example",
    "omar.haddad@northwind.example",
];

const ADMIN: &str = "admin@kept.demo";

/// How many pages of one shape of address each login opens: the second
/// catches what differs between, say, an open and a closed request.
const PAGES_PER_SHAPE: usize = 2;

/// A page's links that the crawl may follow: same origin, as
/// `[path and query, rel=next]` (SVG links included, fragments dropped).
const LINKS: &str = r##"
  return Array.from(document.querySelectorAll("a[href]")).flatMap(a => {
    const raw = a.getAttribute("href");
    if (raw.startsWith("#")) return [];
    const url = new URL(raw, document.baseURI);
    if (url.origin !== location.origin) return [];
    const rel = (a.getAttribute("rel") || "").split(/\s+/);
    return [[url.pathname + url.search, rel.includes("next")]];
  });
"##;

/// Opens every closed `<details>`; returns how many there were.
const OPEN_DETAILS: &str = r#"
  const closed = document.querySelectorAll("details:not([open])");
  closed.forEach(d => { d.open = true; });
  return closed.length;
"#;

/// The markup of the page's main content, without the session's CSRF
/// tokens.
const MAIN_MARKUP: &str = r#"
  const main = (document.querySelector("main") || document.body).cloneNode(true);
  main.querySelectorAll("input[name=csrf_token]").forEach(i => i.removeAttribute("value"));
  return main.innerHTML;
"#;

/// The demo, served on a free port.
fn serve_demo(sandbox: &Sandbox) -> Server {
    let mut demo = sandbox.process();
    demo.arg("demo").env("KEPT_ADDR", "127.0.0.1:0");
    Server::start(demo, &sandbox.file("demo.stderr"))
}

/// The browser's path and query.
async fn here(browser: &Client) -> String {
    let url = browser.current_url().await.expect("the current URL");
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Signs in through the form and waits until the browser has left it.
async fn sign_in_as(browser: &Client, server: &Server, email: &str) {
    sign_in(browser, server, email, DEMO_PASSWORD).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while here(browser).await.starts_with("/login") {
        assert!(Instant::now() < deadline, "{email} could not sign in");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The shape of an address: segments holding a digit (ids) and the last
/// segment under a parent known to list many (`slugs`, e.g. the problem
/// types) become `{id}`; the query keeps its keys, sorted, not values.
fn shape(path: &str, slugs: &HashSet<String>) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let mut shape = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let variable = segment.bytes().any(|b| b.is_ascii_digit()) || slugs.contains(&shape);
        shape.push('/');
        shape.push_str(if variable { "{id}" } else { segment });
    }
    if shape.is_empty() {
        shape.push('/');
    }
    let mut keys: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').map_or(pair, |(key, _)| key))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    if !keys.is_empty() {
        shape.push('?');
        shape.push_str(&keys.join("&"));
    }
    shape
}

/// Parents (below the root) that `paths` shows three or more named,
/// digit-free children of: a list of slugs, each one page of one shape.
fn slug_parents(paths: &[String], slugs: &HashSet<String>) -> Vec<String> {
    let mut children: HashMap<String, HashSet<&str>> = HashMap::new();
    for path in paths {
        let path = path.split_once('?').map_or(path.as_str(), |(p, _)| p);
        let Some((parent, last)) = path.rsplit_once('/') else {
            continue;
        };
        if parent.is_empty() || last.is_empty() || last.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        children
            .entry(shape(parent, slugs))
            .or_default()
            .insert(last);
    }
    children
        .into_iter()
        .filter(|(_, names)| names.len() >= 3)
        .map(|(parent, _)| parent)
        .collect()
}

/// Whether the crawl leaves a link alone: signing out, the API, files.
fn skipped(path: &str) -> bool {
    path.starts_with("/logout") || path.starts_with("/api/") || path.starts_with("/assets/")
}

/// One rule broken by one element, and where it was seen.
struct Finding {
    violation: Violation,
    offender: Offender,
    seen: Vec<String>,
}

/// The crawl's browser, and what axe-core found so far.
struct Audit<'a> {
    browser: &'a Client,
    /// The same person on a phone 390 pixels wide, where each page checked
    /// must fit without scrolling sideways.
    phone: &'a Client,
    server: &'a Server,
    axe: &'a str,
    /// By rule and selector.
    findings: BTreeMap<(String, String), Finding>,
    /// Hashes of the main content of the pages checked.
    checked: HashSet<u64>,
    /// Per login, how many pages it checked of how many it opened.
    pages: Vec<String>,
    /// The pages that scroll sideways on the phone, and by how much.
    too_wide: Vec<String>,
}

impl<'a> Audit<'a> {
    fn new(browser: &'a Client, phone: &'a Client, server: &'a Server, axe: &'a str) -> Self {
        Self {
            browser,
            phone,
            server,
            axe,
            findings: BTreeMap::new(),
            checked: HashSet::new(),
            pages: Vec::new(),
            too_wide: Vec::new(),
        }
    }

    /// Runs axe-core on the page as it is, then with its details open;
    /// unless the page's main content is markup already checked (a
    /// problem type's page, the same for every login): same markup, same
    /// findings. Returns whether it ran.
    async fn check(&mut self, who: &str, page: &str) -> bool {
        let main = self
            .browser
            .execute(MAIN_MARKUP, vec![])
            .await
            .expect("the page's main content");
        let mut hasher = DefaultHasher::new();
        main.to_string().hash(&mut hasher);
        if !self.checked.insert(hasher.finish()) {
            return false;
        }
        let found = serious_violations(self.browser, self.axe).await;
        self.record(who, page, found);
        self.fits_the_phone(who, page).await;
        let opened = self
            .browser
            .execute(OPEN_DETAILS, vec![])
            .await
            .expect("details open");
        if opened.as_u64().unwrap_or(0) > 0 {
            let found = serious_violations(self.browser, self.axe).await;
            self.record(who, &format!("{page} (details open)"), found);
        }
        true
    }

    /// Opens `page` on the phone and notes it when it scrolls sideways.
    async fn fits_the_phone(&mut self, who: &str, page: &str) {
        self.phone
            .goto(&self.server.url(page))
            .await
            .unwrap_or_else(|e| panic!("{who} cannot open {page} on the phone: {e}"));
        let past = overflow(self.phone).await;
        if past > 0.0 {
            self.too_wide
                .push(format!("{who} {page}: {past} px past {PHONE_WIDTH}"));
        }
    }

    fn record(&mut self, who: &str, page: &str, found: Vec<Violation>) {
        for violation in found {
            for offender in &violation.nodes {
                let key = (violation.id.clone(), offender.selector());
                let finding = self.findings.entry(key).or_insert_with(|| Finding {
                    violation: violation.clone(),
                    offender: offender.clone(),
                    seen: Vec::new(),
                });
                finding.seen.push(format!("{who} {page}"));
            }
        }
    }

    /// Opens `path` and checks it; returns the path it landed on and
    /// whether axe-core ran.
    async fn visit(&mut self, who: &str, path: &str) -> (String, bool) {
        self.browser
            .goto(&self.server.url(path))
            .await
            .unwrap_or_else(|e| panic!("{who} cannot open {path}: {e}"));
        let landed = here(self.browser).await;
        let ran = self.check(who, &landed).await;
        (landed, ran)
    }

    /// Checks every page linked from `start`, breadth first, as `who`.
    async fn crawl(&mut self, who: &str, start: &str) {
        let signed_in = who != "anonymous";
        let mut queue = VecDeque::from([(start.to_owned(), false)]);
        let mut seen = HashSet::new();
        let mut per_shape: HashMap<String, usize> = HashMap::new();
        let mut slugs = HashSet::new();
        let (mut opened, mut checked) = (0, 0);
        while let Some((path, via_next)) = queue.pop_front() {
            if !seen.insert(path.clone()) {
                continue;
            }
            let count = per_shape.entry(shape(&path, &slugs)).or_default();
            if *count >= PAGES_PER_SHAPE {
                continue;
            }
            *count += 1;
            let (landed, ran) = self.visit(who, &path).await;
            opened += 1;
            checked += usize::from(ran);
            assert!(
                !(signed_in && landed.starts_with("/login")),
                "{who} was sent to {landed} from {path}"
            );
            seen.insert(landed);
            let links = self
                .browser
                .execute(LINKS, vec![])
                .await
                .expect("the page's links");
            let links: Vec<(String, bool)> =
                serde_json::from_value(links).expect("[path, rel=next] pairs");
            let paths: Vec<String> = links.iter().map(|(path, _)| path.clone()).collect();
            slugs.extend(slug_parents(&paths, &slugs));
            for (link, next) in links {
                // A second page of a list, but not the third and on.
                if skipped(&link) || (next && via_next) || seen.contains(&link) {
                    continue;
                }
                queue.push_back((link, next));
            }
        }
        self.pages.push(format!("{who}: {checked} of {opened}"));
    }

    /// Every finding, grouped by rule and element, with where it was seen.
    fn report(&self) -> String {
        let mut report = String::new();
        for finding in self.findings.values() {
            report.push_str(&format!(
                "{}\n{}",
                finding.violation.heading(),
                finding.offender
            ));
            let shown: Vec<&str> = finding.seen.iter().take(4).map(String::as_str).collect();
            report.push_str(&format!("  seen on: {}", shown.join("; ")));
            if finding.seen.len() > shown.len() {
                report.push_str(&format!(" and {} more", finding.seen.len() - shown.len()));
            }
            report.push_str("\n\n");
        }
        report
    }
}

/// As the admin, a fresh invitation link for some user; its path.
async fn new_invitation(browser: &Client, server: &Server) -> String {
    browser
        .goto(&server.url("/users"))
        .await
        .expect("the users page");
    let users = browser
        .execute(
            r#"return Array.from(document.querySelectorAll("main a[href^='/users/']"))
                 .map(a => a.getAttribute("href"));"#,
            vec![],
        )
        .await
        .expect("the users' links");
    let users: Vec<String> = serde_json::from_value(users).expect("paths");
    for user in users {
        browser.goto(&server.url(&user)).await.expect("a user page");
        let Ok(button) = browser
            .find(Locator::Css("form[action$='/invitation'] button"))
            .await
        else {
            continue;
        };
        button.click().await.expect("asking for an invitation");
        let flash = wait_for(browser, "p.flash").await.join(" ");
        let start = flash
            .find("/invite/")
            .unwrap_or_else(|| panic!("no invitation link in {flash:?}"));
        let link = &flash[start..];
        return link.split_whitespace().next().unwrap_or(link).to_owned();
    }
    panic!("no user page offers an invitation link");
}

/// Shows that the check can fail: an image without a text alternative,
/// added to the sign-in page, is reported (`image-alt`, critical).
async fn axe_finds_a_planted_fault(browser: &Client, server: &Server, axe: &str) {
    browser
        .goto(&server.url("/login"))
        .await
        .expect("the sign-in page");
    browser
        .execute(
            r#"document.querySelector("main").insertAdjacentHTML("beforeend", '<img src="/assets/kept.css">');"#,
            vec![],
        )
        .await
        .expect("an image added");
    let found = serious_violations(browser, axe).await;
    assert!(
        found.iter().any(|v| v.id == "image-alt"),
        "axe-core missed an image without alt text: {found:?}"
    );
}

#[tokio::test]
async fn every_page_linked_for_each_demo_login_has_no_serious_or_critical_axe_violations() {
    if !browser_installed() {
        return;
    }
    let Some(axe) = axe_source() else {
        return;
    };
    let started = Instant::now();
    let sandbox = Sandbox::new();
    let server = serve_demo(&sandbox);
    let driver = ChromeDriver::start(&sandbox.file("chromedriver-axe.log")).await;
    let browser = open_browser(&driver, &sandbox.file("profile")).await;
    let phone = open_phone(&driver, &sandbox.file("profile-phone")).await;
    axe_finds_a_planted_fault(&browser, &server, &axe).await;
    let mut audit = Audit::new(&browser, &phone, &server, &axe);

    audit.crawl("anonymous", "/login").await;
    audit.visit("anonymous", "/no-such-page").await;
    for email in LOGINS {
        sign_in_as(&browser, &server, email).await;
        sign_in_as(&phone, &server, email).await;
        audit.crawl(email, "/").await;
        browser.delete_all_cookies().await.expect("signed out");
        phone.delete_all_cookies().await.expect("signed out");
    }
    sign_in_as(&browser, &server, ADMIN).await;
    let invitation = new_invitation(&browser, &server).await;
    audit.check(ADMIN, &here(&browser).await).await;
    browser.delete_all_cookies().await.expect("signed out");
    audit.visit("anonymous", &invitation).await;
    let pages = audit.pages.join(", ");
    let (report, found) = (audit.report(), audit.findings.len());
    let too_wide = audit.too_wide.join("\n");
    browser.close().await.expect("the browser closes");
    phone.close().await.expect("the phone closes");

    eprintln!(
        "axe-core checked pages ({pages}) in {:.0?}",
        started.elapsed()
    );
    assert!(
        report.is_empty(),
        "axe-core found {found} serious or critical violations (rule, element, pages):\n\n{report}"
    );
    assert!(
        too_wide.is_empty(),
        "pages scroll sideways on a phone {PHONE_WIDTH} pixels wide:\n{too_wide}"
    );
}

/// Presses and releases one key.
async fn press(browser: &Client, key: Key) {
    let key = char::from(key);
    let actions = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    browser.perform_actions(actions).await.expect("a key press");
}

/// What has focus: its tag, id or text, and its outline's computed style.
const FOCUSED: &str = r##"
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (e.getAttribute("name") ? "[name=" + e.getAttribute("name") + "]" : "")
    + " " + JSON.stringify((e.textContent || "").trim().slice(0, 30));
  return [name, style.outlineStyle, style.outlineWidth];
"##;

/// Tabs through the page (its details open) up to `stops` times; returns
/// each focused element that shows no outline.
async fn unoutlined_stops(browser: &Client, stops: usize) -> Vec<String> {
    browser
        .execute(OPEN_DETAILS, vec![])
        .await
        .expect("details open");
    let mut missing = Vec::new();
    let mut first = None;
    for _ in 0..stops {
        press(browser, Key::Tab).await;
        let focused = browser.execute(FOCUSED, vec![]).await.expect("focus read");
        let Value::Array(focused) = focused else {
            continue;
        };
        let [name, style, width] = [0, 1, 2].map(|i| focused[i].as_str().unwrap_or("").to_owned());
        // Back at the first stop: the whole page has been seen.
        if first.as_ref() == Some(&name) {
            break;
        }
        first.get_or_insert_with(|| name.clone());
        if style == "none" || width == "0px" {
            missing.push(format!("{name} (outline {style} {width})"));
        }
    }
    missing
}

#[tokio::test]
async fn the_keyboard_alone_signs_in_and_every_tab_stop_shows_its_focus() {
    if !browser_installed() {
        return;
    }
    let sandbox = Sandbox::new();
    let server = serve_demo(&sandbox);
    let driver = ChromeDriver::start(&sandbox.file("chromedriver-focus.log")).await;
    let browser = open_browser(&driver, &sandbox.file("profile")).await;
    let mut missing = Vec::new();

    browser
        .goto(&server.url("/login"))
        .await
        .expect("the sign-in page");
    missing.extend(
        unoutlined_stops(&browser, 20)
            .await
            .into_iter()
            .map(|stop| format!("/login: {stop}")),
    );
    // The email field has the focus as the page opens; type, Tab, type, Enter.
    browser.refresh().await.expect("the sign-in page again");
    let email = browser.active_element().await.expect("a focused field");
    email.send_keys(ADMIN).await.expect("typing the email");
    press(&browser, Key::Tab).await;
    let password = browser.active_element().await.expect("a focused field");
    assert_eq!(
        password.attr("id").await.expect("its id").as_deref(),
        Some("password"),
        "Tab from the email goes to the password"
    );
    password
        .send_keys(DEMO_PASSWORD)
        .await
        .expect("typing the password");
    press(&browser, Key::Enter).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while here(&browser).await.starts_with("/login") {
        assert!(Instant::now() < deadline, "Enter did not sign in");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    for path in ["/", "/requests/new", "/parties", "/account", "/users"] {
        browser.goto(&server.url(path)).await.expect("a page");
        let landed = here(&browser).await;
        missing.extend(
            unoutlined_stops(&browser, 60)
                .await
                .into_iter()
                .map(|stop| format!("{landed}: {stop}")),
        );
    }
    browser.close().await.expect("the browser closes");

    assert!(
        missing.is_empty(),
        "focused without a visible outline:\n{}",
        missing.join("\n")
    );
}
