//! The promises at risk: the list the owner and the managers read, the
//! soonest date first, each with why and what to do. Plain links: no
//! script needed.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kept_domain::promise::{PromiseAtRisk, RiskReason, Suggestion};
use serde::Deserialize;

use super::session::WebCaller;
use super::{Layout, WebError, WebQuery};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "at_risk.html")]
struct AtRiskPage {
    layout: Layout,
    rows: Vec<PromiseAtRisk>,
    mine: bool,
}

impl AtRiskPage {
    /// Why a promise is at risk, in words.
    fn why(row: &PromiseAtRisk) -> &'static str {
        match row.reason {
            RiskReason::Plan => "The team's plan finishes it after the promised date",
            RiskReason::Time => "Most of the time to the promised date is used",
        }
    }

    /// What to do, in words.
    fn action(suggestion: &Suggestion) -> &'static str {
        match suggestion {
            Suggestion::Renegotiate => "Propose a new date to the customer now",
            Suggestion::Reassign => "Give it to another member, who can finish it in time",
            Suggestion::Split => "Share it out: the team together can finish it in time",
        }
    }
}

/// The list's filter.
#[derive(Debug, Default, Deserialize)]
pub struct AtRiskParams {
    /// `1`: only those assigned to me.
    #[serde(default)]
    mine: Option<String>,
}

/// `GET /promises/at-risk`.
async fn page(
    State(state): State<AppState>,
    caller: WebCaller,
    WebQuery(params): WebQuery<AtRiskParams>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let mine = params.mine.as_deref().is_some_and(|m| m == "1");
    let rows = kept_app::promises::watch::at_risk(&state.app, principal, None, mine).await?;
    Ok(AtRiskPage {
        layout: Layout::new(&caller.session, principal, "Promises at risk", "at-risk").await?,
        rows,
        mine,
    }
    .into_response())
}

/// The at-risk list's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/promises/at-risk", get(page))
}
