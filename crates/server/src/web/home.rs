//! The home page, `/`: each person lands where their work is (see
//! [`kept_app::home`]). An agent whose only work is the queue lands on the
//! queue itself, with its filters. `/admin` gathers the set-up pages under
//! one entry of the menu.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use kept_app::home::{Addressed, Home, Overview, PendingChange, home};
use kept_app::requests::list::Row;
use kept_domain::{NextStep, Principal, Role, Timestamp};

use super::session::WebCaller;
use super::{Layout, WebError, words};
use crate::state::AppState;

/// A request as a customer's home shows it: what happens next, in words.
pub struct Told {
    /// The request.
    pub row: Row,
    /// Its status in words.
    pub status: &'static str,
    /// What happens next, in a sentence.
    pub next: String,
    /// Whether the customer is the one to act.
    pub theirs: bool,
}

impl Told {
    /// `row` as its customer reads it at `now`.
    pub fn new(row: Row, now: Timestamp) -> Self {
        let step = NextStep::of(&row.request, now);
        Self {
            status: kept_domain::status_words(row.request.status),
            next: words::next_step(step, &row.zone, now),
            theirs: step.is_theirs(),
            row,
        }
    }
}

/// A change request waiting for the viewer, ready to show.
pub struct Waiting {
    /// It, with its contract and steps.
    pub pending: PendingChange,
    /// What it changes, in sentences.
    pub diff: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    /// The viewer's first name, to greet them.
    greeting: String,
    mine: Option<Vec<Told>>,
    /// Whether the viewer raises requests (a raise button shows).
    raises: bool,
    queue: Option<Vec<Row>>,
    at_risk: Option<Vec<Row>>,
    upstream: Option<Vec<Row>>,
    addressed: Option<Vec<Addressed>>,
    changes: Vec<Waiting>,
    contracts: Option<Vec<Overview>>,
}

/// Whether the caller's only work is the queue: the queue page, with its
/// filters, is then their home.
fn only_the_queue(principal: &Principal, home: &Home) -> bool {
    principal.grants.iter().all(|g| g.role == Role::Agent)
        && home.changes.is_empty()
        && home.addressed.as_ref().is_none_or(Vec::is_empty)
}

/// `GET /`: the caller's home; the sign-in page for anyone else.
pub async fn page(
    State(state): State<AppState>,
    caller: Result<WebCaller, Response>,
) -> Result<Response, WebError> {
    let Ok(caller) = caller else {
        return Ok(Redirect::to("/login").into_response());
    };
    let principal = &caller.principal;
    let found = home(&state.app, principal).await?;
    if only_the_queue(principal, &found) {
        return Ok(Redirect::to("/requests").into_response());
    }
    let now = Timestamp::now();
    let mine = found
        .mine
        .map(|rows| rows.into_iter().map(|row| Told::new(row, now)).collect());
    let changes = found
        .changes
        .into_iter()
        .map(|pending| Waiting {
            diff: pending
                .entry
                .preview
                .as_ref()
                .map(|p| p.changes.iter().map(|l| l.description.clone()).collect())
                .unwrap_or_default(),
            pending,
        })
        .collect();
    let raises = principal.has_role(Role::Customer) || principal.has_role(Role::Client);
    Ok(HomePage {
        layout: Layout::new(&caller.session, principal, "Home", "home").await?,
        greeting: principal
            .name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
        mine,
        raises,
        queue: found.queue,
        at_risk: found.at_risk,
        upstream: found.upstream,
        addressed: found.addressed,
        changes,
        contracts: found.contracts,
    }
    .into_response())
}

/// A link on the set-up page, with what it is for.
pub struct SetUp {
    /// Where it leads.
    pub href: &'static str,
    /// Its name.
    pub label: &'static str,
    /// What it is for.
    pub about: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    title: &'static str,
    pages: Vec<SetUp>,
}

/// `GET /admin`: the set-up pages the caller may use.
pub async fn admin(caller: WebCaller) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let admin = principal.is_admin();
    if !admin && !principal.has_role(Role::Manager) {
        return Err(crate::error::ApiError::not_found().into());
    }
    let title = if admin { "Admin" } else { "Manage" };
    let mut pages = vec![SetUp {
        href: "/parties",
        label: "Parties",
        about: "Organisations, sites, departments and people, and who may see what.",
    }];
    if admin {
        pages.push(SetUp {
            href: "/users",
            label: "Users",
            about: "Who signs in, their roles, invitations.",
        });
    }
    pages.push(SetUp {
        href: "/webhooks",
        label: "Webhooks",
        about: "Endpoints told of events (requests raised, replies, alarms, contract changes), signed.",
    });
    pages.push(SetUp {
        href: "/services",
        label: "Services",
        about: "The catalog: what each service covers, its unit and default targets.",
    });
    pages.push(SetUp {
        href: "/calendars",
        label: "Calendars",
        about: "Business hours, holidays and closures the SLA clocks run on.",
    });
    if admin {
        pages.push(SetUp {
            href: "/admin/outbox",
            label: "Outbox",
            about: "Notifications waiting, failed or dead, with a retry.",
        });
        pages.push(SetUp {
            href: "/admin/mail",
            label: "Mail",
            about: "What each person was told by email, when mail is kept rather than sent.",
        });
    }
    Ok(AdminPage {
        layout: Layout::new(&caller.session, principal, title, "admin").await?,
        title,
        pages,
    }
    .into_response())
}

/// The home and set-up pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(page))
        .route("/admin", get(admin))
}
