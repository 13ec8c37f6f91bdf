//! A browser without JavaScript: a cookie-aware client that reads pages as
//! HTML, finds forms' CSRF tokens and submits forms the way a browser would.

use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::{Response, StatusCode};
use scraper::{ElementRef, Html, Selector};

use crate::helpers::{self, PASSWORD, TestApp};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "kept_session";

/// A page as received: status, headers and the HTML.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// Parses a CSS selector written in a test.
pub fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e}"))
}

/// The text of an element, with runs of whitespace collapsed.
pub fn text_of(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Page {
    /// Reads a response as a page.
    pub async fn read(response: Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.expect("a page body");
        Self {
            status,
            headers,
            body,
        }
    }

    /// The parsed document.
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// The texts of the elements matching `css`.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.html().select(&selector(css)).map(text_of).collect()
    }

    /// The text of the first element matching `css`.
    pub fn text(&self, css: &str) -> String {
        self.texts(css)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element matches {css} in:\n{}", self.body))
    }

    /// The text of the first element matching `css` exactly as written
    /// (a textarea's content, line breaks kept).
    pub fn raw_text(&self, css: &str) -> String {
        self.html()
            .select(&selector(css))
            .next()
            .unwrap_or_else(|| panic!("no element matches {css} in:\n{}", self.body))
            .text()
            .collect()
    }

    /// How many elements match `css`.
    pub fn count(&self, css: &str) -> usize {
        self.html().select(&selector(css)).count()
    }

    /// The values of `attr` on the elements matching `css`.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.html()
            .select(&selector(css))
            .filter_map(|e| e.value().attr(attr).map(str::to_owned))
            .collect()
    }

    /// The value of `attr` on the first element matching `css`.
    pub fn attr(&self, css: &str, attr: &str) -> String {
        self.attrs(css, attr)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {css} with {attr} in:\n{}", self.body))
    }

    /// The value shown next to `term` in the page's facts list (`dl.facts`).
    pub fn fact(&self, term: &str) -> String {
        let terms = self.texts("dl.facts dt");
        let values = self.texts("dl.facts dd");
        let index = terms
            .iter()
            .position(|t| t == term)
            .unwrap_or_else(|| panic!("no fact {term} in {terms:?}"));
        values[index].clone()
    }

    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        self.attr("input[name=csrf_token]", "value")
    }

    /// The one-time message shown at the top of the page, if any.
    pub fn flash(&self) -> Option<String> {
        self.texts("main .flash").into_iter().next()
    }

    /// The problem type (its slug, as in the API's `type`) of the refusal
    /// the page shows: on its error message or as an error page.
    pub fn problem(&self) -> Option<String> {
        self.attrs("main [data-problem]", "data-problem")
            .into_iter()
            .next()
    }

    /// Asserts the status, showing the page when it differs.
    pub fn assert_status(&self, status: StatusCode) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; page:\n{}",
            self.body
        );
        self
    }
}

/// Where a redirect points.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("no Location header on a {} answer", response.status()))
        .to_str()
        .expect("an ASCII location")
        .to_owned()
}

/// Asserts a `303 See Other` to `to`.
pub fn assert_see_other(response: &Response, to: &str) {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected a redirect"
    );
    assert_eq!(location(response), to, "redirect target");
}

/// The `Set-Cookie` header of the session cookie, if the response sets it.
pub fn session_set_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{SESSION_COOKIE}=")))
        .map(str::to_owned)
}

/// The session cookie's value from a `Set-Cookie` header.
pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value.to_owned())
        .expect("a name=value cookie")
}

/// A browser with its own cookie jar (and so its own session).
pub struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
}

impl<'a> Browser<'a> {
    /// A fresh browser, with no cookies.
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: helpers::client(true),
        }
    }

    /// A browser signed in as `email` (with the personas' password).
    pub async fn signed_in(app: &'a TestApp, email: &str) -> Self {
        let browser = Self::new(app);
        let response = browser.sign_in(email, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "signing in as {email} should redirect; page:\n{}",
            response.text().await.unwrap_or_default()
        );
        browser
    }

    /// `GET path`, without following redirects.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.app.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// `GET path` as a page.
    pub async fn page(&self, path: &str) -> Page {
        Page::read(self.get(path).await).await
    }

    /// `POST path` with form fields exactly as given (no token added).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.app.url(path))
            .form(fields)
            .send()
            .await
            .expect("request sent")
    }

    /// `POST path` with form fields and extra headers (`Origin`, `Referer`).
    pub async fn post_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self.client.post(self.app.url(path)).form(fields);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request sent")
    }

    /// Submits a form found on the page at `from`: reads its CSRF token
    /// there, then posts `fields` with it to `action`.
    pub async fn submit(&self, from: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let page = self.page(from).await;
        page.assert_status(StatusCode::OK);
        let token = page.csrf();
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// The problem type a form post was refused with: the error page it
    /// answered, or the message on the page it redirected to.
    pub async fn refusal(&self, response: Response) -> String {
        let page = if response.status() == StatusCode::SEE_OTHER {
            self.page(&location(&response)).await
        } else {
            Page::read(response).await
        };
        page.problem()
            .unwrap_or_else(|| panic!("the page shows no refusal:\n{}", page.body))
    }

    /// Sends the sign-in form with an `X-Forwarded-For` header.
    pub async fn sign_in_via(&self, email: &str, password: &str, forwarded_for: &str) -> Response {
        let token = self.page("/login").await.csrf();
        self.client
            .post(self.app.url("/login"))
            .header("x-forwarded-for", forwarded_for)
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .expect("request sent")
    }

    /// Fills in and sends the sign-in form.
    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }
}
