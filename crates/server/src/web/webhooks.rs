//! The webhooks page, for managers and admins: the subscriptions they
//! see, a form to add one (its signing secret shown once, on the answer to
//! the form only) and a delete button on each.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use kept_app::webhooks::{self, NewSubscription, Row, Scope};
use kept_domain::WebhookId;

use super::session::{CsrfForm, WebCaller};
use super::{Labels, Layout, NoFields, WebError, WebPath, after_form, after_post, no_store};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    layout: Layout,
    rows: Vec<Row>,
    scopes: Vec<Scope>,
    topics: Vec<(&'static str, &'static str)>,
    allow_http: bool,
    created: Option<Created>,
}

/// A subscription just made, with its secret.
struct Created {
    url: String,
    secret: String,
}

/// The page, for those who may subscribe; anyone else finds nothing here.
async fn render(
    state: &AppState,
    caller: WebCaller,
    created: Option<Created>,
) -> Result<Response, WebError> {
    if !webhooks::may_subscribe(&caller.principal) {
        return Err(ApiError::not_found().into());
    }
    let (rows, scopes) = webhooks::page(&state.app, &caller.principal).await?;
    let layout = Layout::new(&caller.session, &caller.principal, "Webhooks", "admin").await?;
    Ok(no_store(WebhooksPage {
        layout,
        rows,
        scopes,
        topics: kept_domain::webhook::TOPICS
            .iter()
            .map(|t| (t.as_str(), t.describe()))
            .collect(),
        allow_http: state.config.webhook_allow_http,
        created,
    }))
}

/// `GET /webhooks`.
pub async fn page(State(state): State<AppState>, caller: WebCaller) -> Result<Response, WebError> {
    render(&state, caller, None).await
}

/// The form's labels, for its messages.
const LABELS: Labels = &[
    ("url", "Endpoint URL"),
    ("topics", "Events"),
    ("party_id", "Hears of"),
];

/// The new subscription from the form's fields: `url`, `party_id` (empty:
/// none) and one `topic.NAME` checkbox per topic.
fn subscription(form: &HashMap<String, String>) -> Result<NewSubscription, kept_app::Error> {
    let party_id = match form.get("party_id").map(String::as_str) {
        None | Some("") => None,
        Some(id) => Some(
            id.parse()
                .map_err(|_| kept_app::Error::field("party_id", "is not a party"))?,
        ),
    };
    // In the order of the page, not of the form's fields.
    let topics = kept_domain::webhook::TOPICS
        .iter()
        .filter(|t| form.contains_key(&format!("topic.{}", t.as_str())))
        .map(|t| t.as_str().to_owned())
        .collect();
    Ok(NewSubscription {
        url: form
            .get("url")
            .map(|u| u.trim().to_owned())
            .unwrap_or_default(),
        topics,
        party_id,
    })
}

/// `POST /webhooks`: shows the new secret once, on this response only.
pub async fn create(
    State(state): State<AppState>,
    caller: WebCaller,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let made = match subscription(&form) {
        Ok(input) => webhooks::create(&state.app, &caller.principal, input).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(made) => {
            let created = Created {
                url: made.webhook.url,
                secret: made.secret,
            };
            render(&state, caller, Some(created)).await
        }
        Err(e) => after_form(&caller.session, Err(e.into()), "/webhooks", LABELS).await,
    }
}

/// `POST /webhooks/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    WebCaller { principal, session }: WebCaller,
    WebPath(id): WebPath<WebhookId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let result = webhooks::delete(&state.app, &principal, id)
        .await
        .map(|w| {
            (
                format!("Deleted the webhook to {}.", w.url),
                "/webhooks".to_owned(),
            )
        })
        .map_err(ApiError::from);
    after_post(&session, result, "/webhooks").await
}

/// The webhooks page and its forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks", get(page).post(create))
        .route("/webhooks/{id}/delete", post(delete))
}
