//! `/api/v1/webhooks`: subscriptions of endpoints to events, made by
//! managers and admins (see `kept_app::webhooks` for who sees which).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use kept_app::webhooks::{self, NewSubscription};
use kept_domain::{PartyId, Webhook, WebhookId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::idempotency::ContainsSecret;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// The webhooks routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(delete_webhook))
}

/// Lists the subscriptions the caller sees, oldest first (never their
/// secrets): an admin every one; a manager those they made and those
/// scoped to a party they manage; anyone else those they made.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    responses((status = 200, description = "The subscriptions", body = Vec<Webhook>)))]
async fn list_webhooks(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<Webhook>>, ApiError> {
    Ok(Json(webhooks::list(&state.app, &caller).await?))
}

/// A subscription to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// The endpoint events are posted to: `https://` with a host (`http://`
    /// only where the server allows it). Every address its host resolves
    /// to must be in the server's allowed networks when each call is made.
    url: String,
    /// The topics to hear of, each once.
    topics: Vec<String>,
    /// The party whose contracts (as provider or client) it hears of: one
    /// the caller holds the Manager role on; absent, the one they manage.
    /// An admin may name any party, or none for every contract.
    #[serde(default)]
    party_id: Option<PartyId>,
}

/// A new subscription with its signing secret, which is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    /// The subscription as listed later.
    #[serde(flatten)]
    webhook: Webhook,
    /// The signing secret (`whsec_` and base64): verify each call's
    /// `webhook-signature` with it, as the Standard Webhooks libraries do.
    /// Not retrievable later.
    secret: String,
}

/// Subscribes an endpoint to events (managers and admins).
///
/// Each event is posted as JSON (`id`, `type`, `timestamp`, `data`) with
/// the headers `webhook-id`, `webhook-timestamp` and `webhook-signature`
/// of the Standard Webhooks specification; a 2xx answer delivers it, any
/// other is retried with backoff and then dead-lettered.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = CreateWebhook,
    responses(
        (status = 201, description = "Created; the signing secret is in the body", body = CreatedWebhook),
        (status = 403, description = "Only managers and admins subscribe webhooks (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A retry of a request whose answer held the secret (`secret-not-replayed`), or one still running (`idempotency-key-in-use`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (`validation-failed`): the URL, a topic, or a party the caller does not manage", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_webhook(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<CreateWebhook>,
) -> Result<impl IntoResponse, ApiError> {
    let input = NewSubscription {
        url: body.url,
        topics: body.topics,
        party_id: body.party_id,
    };
    let created = webhooks::create(&state.app, &caller, input).await?;
    Ok((
        StatusCode::CREATED,
        Extension(ContainsSecret),
        Json(CreatedWebhook {
            webhook: created.webhook,
            secret: created.secret,
        }),
    ))
}

/// Deletes a subscription the caller sees: nothing more is posted to it,
/// and its deliveries still waiting are given up.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "The deleted subscription", body = Webhook),
        (status = 404, description = "No such subscription the caller sees", body = Problem, content_type = "application/problem+json"),
    ))]
async fn delete_webhook(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<WebhookId>,
) -> Result<Json<Webhook>, ApiError> {
    Ok(Json(webhooks::delete(&state.app, &caller, id).await?))
}
