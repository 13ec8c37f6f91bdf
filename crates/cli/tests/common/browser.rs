//! Driving headless Chromium through chromedriver for the browser tests:
//! starting the driver, a browser session with a profile of its own, and
//! small waits and reads on pages.

// Shared by several test binaries, each of which uses a subset.
#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use kept_store::testing::skip_or_fail;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{PATIENCE, Sandbox, Server, http};

/// The password of every demo login (see `kept demo`).
pub const DEMO_PASSWORD: &str = "kept-demo-2026";

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Where the screenshot goes: `<workspace>/target/test-artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).expect("the artifacts directory");
    dir.canonicalize().expect("the artifacts directory exists")
}

/// A running chromedriver (and the browsers it starts); stopped when dropped.
pub struct ChromeDriver {
    child: Child,
    port: u16,
    pub url: String,
}

impl ChromeDriver {
    /// Starts chromedriver on a free port and waits until it is ready.
    pub async fn start(log: &Path) -> Self {
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

/// The demo served from `sandbox`, and chromedriver (logging to `log` in
/// the sandbox), ready for browsers.
pub async fn serve_demo(sandbox: &Sandbox, log: &str) -> (Server, ChromeDriver) {
    let mut demo = sandbox.process();
    demo.arg("demo").env("KEPT_ADDR", "127.0.0.1:0");
    let server = Server::start(demo, &sandbox.file("demo.stderr"));
    let driver = ChromeDriver::start(&sandbox.file(log)).await;
    (server, driver)
}

/// Headless Chromium with a profile of its own.
pub fn capabilities(profile: &Path) -> fantoccini::wd::Capabilities {
    chrome(profile, None)
}

/// The width of the phone pages are checked at, in CSS pixels.
pub const PHONE_WIDTH: u32 = 390;

/// Headless Chromium emulating a phone 390 pixels wide (a desktop window
/// cannot be made that narrow: Chromium keeps windows at least 500 wide).
pub fn phone_capabilities(profile: &Path) -> fantoccini::wd::Capabilities {
    chrome(
        profile,
        Some(json!({ "deviceMetrics": { "width": PHONE_WIDTH, "height": 844, "pixelRatio": 1 } })),
    )
}

/// Chromium's options, with `mobile` emulation when given.
fn chrome(profile: &Path, mobile: Option<Value>) -> fantoccini::wd::Capabilities {
    let mut options = json!({
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
    if let Some(mobile) = mobile {
        options["goog:chromeOptions"]["mobileEmulation"] = mobile;
    }
    match options {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object"),
    }
}

/// Creates a party through the API; returns its id.
pub async fn create_party(server: &Server, token: &str, body: Value) -> String {
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
pub async fn wait_for_path(browser: &Client, path: &str) {
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

/// The texts of the elements matching `css`. A page script may replace
/// an element between finding it and reading it (a stale reference): the
/// elements are found again, a few times, before that fails the test.
pub async fn texts(browser: &Client, css: &str) -> Vec<String> {
    for attempt in 0.. {
        let mut texts = Vec::new();
        let mut stale = false;
        for element in browser
            .find_all(Locator::Css(css))
            .await
            .expect("finding elements")
        {
            match element.text().await {
                Ok(text) => texts.push(text),
                Err(_) if attempt < 20 => {
                    stale = true;
                    break;
                }
                Err(e) => panic!("an element's text: {e:?}"),
            }
        }
        if !stale {
            return texts;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    unreachable!("the loop returns or panics")
}

/// Whether Chromium and chromedriver are here; when not, says so once
/// (past the test harness's capture), or fails the test in CI.
pub fn browser_installed() -> bool {
    let installed = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !installed {
        static SAID: Once = Once::new();
        skip_or_fail(
            &SAID,
            "browser tests: chromium and chromedriver are not installed (apt-get install -y chromium chromium-driver)",
        );
    }
    installed
}

/// A headless browser session through `driver`.
pub async fn open_browser(driver: &ChromeDriver, profile: &Path) -> Client {
    connect(driver, capabilities(profile)).await
}

/// A headless browser session emulating a phone 390 pixels wide.
pub async fn open_phone(driver: &ChromeDriver, profile: &Path) -> Client {
    connect(driver, phone_capabilities(profile)).await
}

async fn connect(driver: &ChromeDriver, capabilities: fantoccini::wd::Capabilities) -> Client {
    // ChromeDriver listens on loopback, over plain HTTP.
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

/// Signs out as a person would: opens the account menu (on a desktop) or
/// the Menu (on a phone) and presses "Sign out".
pub async fn sign_out(browser: &Client) {
    let desktop = browser
        .execute(
            "return getComputedStyle(document.querySelector('details.account')).display !== 'none'",
            vec![],
        )
        .await
        .expect("a script runs");
    let menu = if desktop == Value::Bool(true) {
        "details.account"
    } else {
        "details.menu-narrow"
    };
    click(browser, &format!("{menu} > summary")).await;
    click(browser, &format!("{menu} form[action='/logout'] button")).await;
    wait_for_path(browser, "/login").await;
}

/// Whether the page scrolls sideways: its width past the viewport's, in
/// CSS pixels (0 when it fits).
pub async fn overflow(browser: &Client) -> f64 {
    let value = browser
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await
        .expect("a script runs");
    value.as_f64().expect("a number")
}

/// Fills in and sends the sign-in form.
pub async fn sign_in(browser: &Client, server: &Server, email: &str, password: &str) {
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
pub async fn wait_for(browser: &Client, css: &str) -> Vec<String> {
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

/// The terms version in force as the contract page shows it ("Version 3").
pub async fn version_in_force(browser: &Client) -> String {
    texts(browser, "#terms-version").await[0]
        .split(',')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Clicks the element matching `css`.
pub async fn click(browser: &Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

/// Types `text` into the field matching `css`.
pub async fn type_into(browser: &Client, css: &str, text: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
}

/// Opens the contract called `name` from the contracts page; returns its
/// page's path.
pub async fn open_contract(browser: &Client, server: &Server, name: &str) -> String {
    browser
        .goto(&server.url("/contracts"))
        .await
        .expect("the contracts page");
    browser
        .find(Locator::LinkText(name))
        .await
        .unwrap_or_else(|e| panic!("{name} is not listed: {e}"))
        .click()
        .await
        .expect("opening the contract");
    wait_for(browser, "main h1").await;
    let path = browser
        .current_url()
        .await
        .expect("a URL")
        .path()
        .to_owned();
    assert!(path.starts_with("/contracts/"), "{path}");
    path
}
