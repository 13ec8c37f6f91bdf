//! End to end in a real browser: `kept serve` driven through headless
//! Chromium and chromedriver. A person signs in, sees the parties page and
//! signs out; a screenshot of the parties page is kept for review.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};

use common::{PASSWORD, PATIENCE, Sandbox, Server, http};

/// The password of every demo login (see `kept demo`).
const DEMO_PASSWORD: &str = "kept-demo-2026";

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Where the screenshot goes: `<workspace>/target/test-artifacts/`.
fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).expect("the artifacts directory");
    dir.canonicalize().expect("the artifacts directory exists")
}

/// A running chromedriver (and the browsers it starts); stopped when dropped.
struct ChromeDriver {
    child: Child,
    port: u16,
    url: String,
}

impl ChromeDriver {
    /// Starts chromedriver on a free port and waits until it is ready.
    async fn start(log: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = File::create(log).expect("a chromedriver log file");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("a second handle"))
            .stderr(log)
            .spawn()
            .expect("chromedriver starts");
        let driver = Self {
            child,
            port,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + PATIENCE;
        let client = http();
        loop {
            let ready = match client.get(format!("{}/status", driver.url)).send().await {
                Ok(response) => response
                    .json::<Value>()
                    .await
                    .is_ok_and(|status| status["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                return driver;
            }
            assert!(Instant::now() < deadline, "chromedriver did not get ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // Asked to shut down, chromedriver also quits the browsers it
        // started (even when a failed test left its session open).
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = stream.write_all(
                b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            );
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Only this process, by its id.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Headless Chromium with a profile of its own.
fn capabilities(profile: &Path) -> fantoccini::wd::Capabilities {
    let options = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=1280,900",
            ],
        },
    });
    match options {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object"),
    }
}

/// Creates a party through the API; returns its id.
async fn create_party(server: &Server, token: &str, body: Value) -> String {
    let response = http()
        .post(server.url("/api/v1/parties"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("the API answers");
    assert_eq!(response.status(), StatusCode::CREATED, "creating {body}");
    let party: Value = response.json().await.expect("JSON");
    party["id"].as_str().expect("an id").to_owned()
}

/// Waits until the browser's path is `path`.
async fn wait_for_path(browser: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = browser.current_url().await.expect("the current URL");
        if url.path() == path {
            return;
        }
        assert!(Instant::now() < deadline, "still at {url}, expected {path}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The texts of the elements matching `css`.
async fn texts(browser: &Client, css: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for element in browser
        .find_all(Locator::Css(css))
        .await
        .expect("finding elements")
    {
        texts.push(element.text().await.expect("an element's text"));
    }
    texts
}

/// Whether Chromium and chromedriver are here; says so once when not.
fn browser_installed() -> bool {
    let installed = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !installed {
        println!(
            "skipping browser test: chromium and chromedriver are not installed (apt-get install -y chromium chromium-driver)"
        );
    }
    installed
}

/// A headless browser session through `driver`.
async fn open_browser(driver: &ChromeDriver, profile: &Path) -> Client {
    // ChromeDriver listens on loopback, over plain HTTP.
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities(profile))
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

/// Fills in and sends the sign-in form.
async fn sign_in(browser: &Client, server: &Server, email: &str, password: &str) {
    browser
        .goto(&server.url("/login"))
        .await
        .expect("the sign-in page opens");
    browser
        .find(Locator::Css("input#email"))
        .await
        .expect("an email field")
        .send_keys(email)
        .await
        .expect("typing the email");
    browser
        .find(Locator::Css("input#password"))
        .await
        .expect("a password field")
        .send_keys(password)
        .await
        .expect("typing the password");
    browser
        .find(Locator::Css("form[action='/login'] button[type=submit]"))
        .await
        .expect("a sign-in button")
        .click()
        .await
        .expect("signing in");
}

/// Waits until some element matches `css`; returns the texts of all that do.
async fn wait_for(browser: &Client, css: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let found = texts(browser, css).await;
        if !found.is_empty() {
            return found;
        }
        assert!(Instant::now() < deadline, "nothing matches {css}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks the element matching `css`.
async fn click(browser: &Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

#[tokio::test]
async fn a_person_signs_in_sees_the_parties_and_signs_out_in_chromium() {
    if !browser_installed() {
        return;
    }
    let sandbox = Sandbox::new();
    sandbox.add_user("ada@example.com", "Ada Admin", true);
    let token = sandbox.create_token("ada@example.com");
    let server = sandbox.serve(&[]);
    let retailer = create_party(
        &server,
        &token,
        json!({"kind": "organisation", "name": "Harbour Retail"}),
    )
    .await;
    for store in ["Leeds Store", "Bristol Store"] {
        create_party(
            &server,
            &token,
            json!({"kind": "site", "name": store, "parent_id": retailer}),
        )
        .await;
    }
    let driver = ChromeDriver::start(&sandbox.file("chromedriver.log")).await;
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let browser = open_browser(&driver, profile.path()).await;

    sign_in(&browser, &server, "ada@example.com", PASSWORD).await;

    wait_for_path(&browser, "/parties").await;
    assert_eq!(texts(&browser, "main h1").await, ["Parties"]);
    let names = texts(&browser, "table.list tbody tr td:first-child a").await;
    for name in [
        "Harbour Retail",
        "Leeds Store",
        "Bristol Store",
        "Ada Admin",
    ] {
        assert!(names.contains(&name.to_owned()), "{name} in {names:?}");
    }
    assert_eq!(
        texts(&browser, "nav[aria-label=Main] a").await,
        [
            "Parties",
            "Contracts",
            "Services",
            "Calendars",
            "Chain",
            "Users",
            "API tokens",
            "API docs"
        ]
    );
    assert_eq!(
        texts(&browser, "nav a[aria-current=page]").await,
        ["Parties"]
    );
    let stylesheet_applied = browser
        .execute(
            "return getComputedStyle(document.querySelector('a.skip')).position !== 'static'",
            vec![],
        )
        .await
        .expect("a script runs");
    assert_eq!(
        stylesheet_applied,
        Value::Bool(true),
        "kept.css is loaded (the skip link is positioned)"
    );

    let screenshot = browser.screenshot().await.expect("a screenshot");
    assert!(screenshot.starts_with(b"\x89PNG"), "a PNG");
    let shot = artifacts_dir().join("browser-parties.png");
    std::fs::write(&shot, &screenshot).expect("the screenshot is saved");
    println!("screenshot: {}", shot.display());

    browser
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .expect("a sign-out button")
        .click()
        .await
        .expect("signing out");

    wait_for_path(&browser, "/login").await;
    assert_eq!(texts(&browser, "main h1").await, ["Sign in"]);
    assert!(texts(&browser, "nav").await.is_empty(), "no navigation");
    browser
        .goto(&server.url("/parties"))
        .await
        .expect("the parties page");
    wait_for_path(&browser, "/login").await;
    browser.close().await.expect("the browser closes");
}

/// The demo's approver at the provider signs in, approves the client's
/// pending change request on the central FM contract (the client's approver
/// already has), applies it, and the contract page shows the new terms
/// version with what it changed.
#[tokio::test]
async fn an_approver_approves_a_pending_change_and_the_contract_shows_the_new_terms() {
    if !browser_installed() {
        return;
    }
    let sandbox = Sandbox::new();
    let mut demo = sandbox.process();
    demo.arg("demo").env("KEPT_ADDR", "127.0.0.1:0");
    let server = Server::start(demo, &sandbox.file("demo.stderr"));
    let driver = ChromeDriver::start(&sandbox.file("chromedriver-cr.log")).await;
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let browser = open_browser(&driver, profile.path()).await;

    sign_in(
        &browser,
        &server,
        "maya.patel@brightwell.example",
        DEMO_PASSWORD,
    )
    .await;
    wait_for_path(&browser, "/parties").await;
    browser
        .goto(&server.url("/contracts"))
        .await
        .expect("the contracts page");
    browser
        .find(Locator::LinkText("Harbour Retail facilities management"))
        .await
        .expect("the FM contract is listed")
        .click()
        .await
        .expect("opening the contract");
    let contract_path = browser
        .current_url()
        .await
        .expect("a URL")
        .path()
        .to_owned();
    assert!(contract_path.starts_with("/contracts/"), "{contract_path}");
    assert_eq!(
        texts(&browser, "#terms-version").await[0]
            .split(',')
            .next()
            .unwrap_or_default(),
        "Version 2"
    );
    let titles = texts(&browser, "#change-requests > article.change-request h3").await;
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Resolve urgent requests within 4 business hours")),
        "{titles:?}"
    );

    browser
        .find(Locator::Css("article.change-request input[name=comment]"))
        .await
        .expect("a comment field for the approver")
        .send_keys("Agreed: we add a second on-call engineer.")
        .await
        .expect("typing a comment");
    click(&browser, "article.change-request button.approve").await;
    assert_eq!(wait_for(&browser, "p.flash").await, ["Approved."]);
    wait_for_path(&browser, &contract_path).await;
    assert_eq!(
        texts(
            &browser,
            "#change-requests > article.change-request .status"
        )
        .await,
        ["approved"]
    );
    click(&browser, "article.change-request button.apply").await;
    wait_for(&browser, "#version-3").await;

    assert_eq!(
        texts(&browser, "p.flash").await,
        ["Applied: a new terms version is in force."]
    );
    assert_eq!(
        texts(&browser, "#terms-version").await[0]
            .split(',')
            .next()
            .unwrap_or_default(),
        "Version 3"
    );
    let changed = texts(&browser, "#version-3 ul.diff li").await;
    assert_eq!(
        changed,
        ["Reactive maintenance (urgent): resolution 8h → 4h"]
    );
    let urgent = texts(&browser, "#sla tbody tr").await;
    assert!(
        urgent
            .iter()
            .any(|row| row.contains("urgent") && row.contains("30m") && row.contains("4h")),
        "{urgent:?}"
    );
    assert!(
        texts(&browser, "#change-requests > article.change-request")
            .await
            .is_empty(),
        "nothing left open"
    );
    browser
        .execute(
            "document.getElementById('terms-h').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scrolling to the terms");
    let shot = browser.screenshot().await.expect("a screenshot");
    std::fs::write(artifacts_dir().join("browser-contract-terms.png"), &shot)
        .expect("the screenshot is saved");
    browser.close().await.expect("the browser closes");
}
