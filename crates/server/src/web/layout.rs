//! The shared frame of every page: title, navigation, the CSRF token for
//! its forms, and a one-time message carried over a redirect.

use kept_domain::Principal;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::WebError;
use super::session::csrf;
use crate::error::{ApiError, ProblemKind};

const FLASH_KEY: &str = "flash";

/// A message shown once, on the page after a redirect.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// `ok` or `error`, for styling and for screen readers' role.
    pub kind: String,
    /// The message.
    pub text: String,
    /// For a refusal, the slug of its problem type (the API's `type`), so
    /// that the page names a refusal exactly as the API does.
    #[serde(default)]
    pub problem: Option<String>,
}

impl Flash {
    /// Puts a success message in the session for the next page.
    pub async fn ok(session: &Session, text: impl Into<String>) -> Result<(), WebError> {
        Self::set(session, "ok", text.into()).await
    }

    /// Puts a refusal in the session for the next page: its message and
    /// its problem type.
    pub async fn error(
        session: &Session,
        refusal: &ApiError,
        text: String,
    ) -> Result<(), WebError> {
        session
            .insert(FLASH_KEY, Self::refusal(refusal, text))
            .await
            .map_err(ApiError::internal)?;
        Ok(())
    }

    /// A refusal shown on the page itself (no redirect). A question about
    /// an order's quantity is shown as a question, not as an error.
    pub fn refusal(refusal: &ApiError, text: String) -> Self {
        let kind = if refusal.kind == ProblemKind::UnusualQuantity {
            "question"
        } else {
            "error"
        };
        Flash {
            kind: kind.to_owned(),
            text,
            problem: Some(refusal.kind.slug().to_owned()),
        }
    }

    async fn set(session: &Session, kind: &str, text: String) -> Result<(), WebError> {
        let flash = Flash {
            kind: kind.to_owned(),
            text,
            problem: None,
        };
        session
            .insert(FLASH_KEY, flash)
            .await
            .map_err(ApiError::internal)?;
        Ok(())
    }
}

/// The signed-in user as the navigation shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    /// Their name.
    pub name: String,
    /// Their login.
    pub email: String,
    /// The main menu: only what their roles use.
    pub menu: Vec<MenuItem>,
}

/// One entry of the main menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MenuItem {
    /// Where it leads.
    pub href: &'static str,
    /// What it says.
    pub label: &'static str,
    /// The page sections it is current for.
    pub sections: &'static [&'static str],
}

impl MenuItem {
    /// Whether the page of `section` is under this entry.
    pub fn is_current(&self, section: &str) -> bool {
        self.sections.contains(&section)
    }
}

/// The pages an admin (or, for what they manage, a manager) sets up, under
/// one entry.
pub const ADMIN_SECTIONS: &[&str] = &["admin", "parties", "users", "calendars", "services"];

/// The main menu of `principal`: home, then the lists their roles work
/// from, then one entry for the set-up pages. API tokens, the API's
/// document and the account are in the account menu.
pub fn menu(principal: &Principal) -> Vec<MenuItem> {
    use kept_domain::Role::{Admin, Agent, Approver, Client, Customer, Manager, Supplier};
    let has = |roles: &[kept_domain::Role]| roles.iter().any(|r| principal.has_role(*r));
    let item = |href, label, sections| MenuItem {
        href,
        label,
        sections,
    };
    let mut menu = vec![item("/", "Home", &["home"][..])];
    let raises = has(&[Customer, Client]);
    if has(&[Admin, Manager, Agent, Supplier, Client]) {
        // The provider's people raise for a customer from the queue.
        let sections: &'static [&'static str] = if raises {
            &["requests"]
        } else {
            &["requests", "raise"]
        };
        menu.push(item("/requests", "Requests", sections));
    }
    if has(&[Admin, Manager, Agent]) {
        menu.push(item("/promises/at-risk", "At risk", &["at-risk"]));
    }
    if has(&[Customer]) {
        menu.push(item("/portal", "My requests", &["portal"]));
    }
    if raises {
        menu.push(item("/requests/new", "Raise a request", &["raise"]));
    }
    if has(&[Admin, Manager, Agent, Client, Supplier, Approver]) {
        menu.push(item("/contracts", "Contracts", &["contracts"]));
    }
    if has(&[Admin, Manager, Client, Supplier]) {
        menu.push(item("/chain", "Chain", &["chain"]));
    }
    if has(&[Admin, Manager, Agent]) {
        menu.push(item("/teams", "Teams", &["teams"]));
    }
    if principal.is_admin() {
        menu.push(item("/admin", "Admin", ADMIN_SECTIONS));
    } else if has(&[Manager]) {
        menu.push(item("/admin", "Manage", ADMIN_SECTIONS));
    }
    menu
}

/// What the base template needs.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The page title.
    pub title: String,
    /// The navigation section to mark as current.
    pub section: &'static str,
    /// The signed-in user, if any.
    pub user: Option<NavUser>,
    /// The session's CSRF token, for forms.
    pub csrf: String,
    /// A message from the previous request.
    pub flash: Option<Flash>,
}

impl Layout {
    /// The frame of a page for a signed-in user.
    pub async fn new(
        session: &Session,
        principal: &Principal,
        title: impl Into<String>,
        section: &'static str,
    ) -> Result<Self, WebError> {
        let mut layout = Self::anonymous(session, title).await?;
        layout.section = section;
        layout.user = Some(NavUser {
            name: principal.name.clone(),
            email: principal.email.to_string(),
            menu: menu(principal),
        });
        Ok(layout)
    }

    /// The frame of a page for someone not signed in (with a CSRF token).
    pub async fn anonymous(session: &Session, title: impl Into<String>) -> Result<Self, WebError> {
        let flash = session
            .remove::<Flash>(FLASH_KEY)
            .await
            .map_err(ApiError::internal)?;
        Ok(Self {
            title: title.into(),
            section: "",
            user: None,
            csrf: csrf::token(session).await?,
            flash,
        })
    }

    /// A frame without session (error pages).
    pub fn bare(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            section: "",
            user: None,
            csrf: String::new(),
            flash: None,
        }
    }
}

/// An instant as pages show it: "3 Dec 2026, 12:02 UTC" (the `<time>`
/// element around it keeps the exact instant, and the page script shows it
/// in the reader's own time zone).
pub fn when(at: &kept_domain::Timestamp) -> String {
    at.strftime("%-d %b %Y, %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::when;

    #[test]
    fn an_instant_is_shown_to_the_minute_in_utc() {
        let at = "2026-12-03T12:02:20.505326Z".parse().expect("an instant");
        assert_eq!(when(&at), "3 Dec 2026, 12:02 UTC");
    }
}
