//! axe-core in the browser tests: the pinned `axe.min.js` from
//! `.ci/axe/` (installed by `.ci/run` with `npm ci`) injected into the
//! current page, and its serious and critical violations read back with
//! enough detail (rule, help, selectors, HTML) to say what to fix and where.

// Shared by several test binaries, each of which uses a subset.
#![allow(dead_code)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Once;

use fantoccini::Client;
use kept_store::testing::skip_or_fail;
use serde::Deserialize;
use serde_json::Value;

/// Where `npm ci --prefix .ci/axe` puts axe-core's browser build.
pub fn axe_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/axe/node_modules/axe-core/axe.min.js")
}

/// The source of `axe.min.js`; when it is not installed, says so once
/// (past the test harness's capture), or fails the test in CI.
pub fn axe_source() -> Option<String> {
    let path = axe_path();
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(e) => {
            static SAID: Once = Once::new();
            skip_or_fail(
                &SAID,
                &format!(
                    "accessibility tests: axe-core is not installed at {} ({e}); run `npm ci --prefix .ci/axe`",
                    path.display()
                ),
            );
            None
        }
    }
}

/// One rule axe-core found broken, with every element that breaks it.
#[derive(Debug, Clone, Deserialize)]
pub struct Violation {
    /// The rule's id, e.g. `color-contrast`.
    pub id: String,
    /// `serious` or `critical` (the only ones kept).
    pub impact: String,
    /// What the rule asks for, in a sentence.
    pub help: String,
    /// Deque's page on the rule.
    #[serde(rename = "helpUrl")]
    pub help_url: String,
    /// The offending elements.
    pub nodes: Vec<Offender>,
}

/// An element that breaks a rule.
#[derive(Debug, Clone, Deserialize)]
pub struct Offender {
    /// A CSS selector for the element (one per frame; the page has none).
    pub target: Vec<String>,
    /// The element's opening HTML.
    pub html: String,
    /// axe's explanation of what is wrong with it (e.g. the contrast found).
    #[serde(rename = "failureSummary", default)]
    pub failure_summary: String,
}

impl Offender {
    /// The element's selector.
    pub fn selector(&self) -> String {
        self.target.join(" ")
    }
}

impl Violation {
    /// The rule in a line: id, impact, what it asks for, its page.
    pub fn heading(&self) -> String {
        format!(
            "{} [{}]: {} ({})",
            self.id, self.impact, self.help, self.help_url
        )
    }
}

impl fmt::Display for Offender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  at {}: {}", self.selector(), self.html)?;
        for line in self.failure_summary.lines() {
            writeln!(f, "      {line}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.heading())?;
        self.nodes.iter().try_for_each(|node| write!(f, "{node}"))
    }
}

/// Runs axe-core on the current page (injecting `source` first, as each
/// page is a new document) and returns its serious and critical violations.
pub async fn serious_violations(browser: &Client, source: &str) -> Vec<Violation> {
    // Sent only when missing: the script is half a megabyte.
    let loaded = browser
        .execute("return typeof window.axe !== 'undefined';", vec![])
        .await
        .expect("a script runs");
    if loaded != Value::Bool(true) {
        browser
            .execute(source, vec![])
            .await
            .expect("axe-core loads into the page");
    }
    let found = browser
        .execute_async(
            r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ["violations"] })
              .then(results => done({ violations: results.violations
                .filter(v => v.impact === "serious" || v.impact === "critical") }))
              .catch(error => done({ error: String(error) }));
            "#,
            vec![],
        )
        .await
        .expect("axe-core runs");
    if let Some(error) = found.get("error") {
        panic!("axe-core failed on the page: {error}");
    }
    let violations = found.get("violations").cloned().unwrap_or(Value::Null);
    serde_json::from_value(violations.clone())
        .unwrap_or_else(|e| panic!("axe-core's violations ({e}): {violations}"))
}
