//! Webhook subscriptions (see `crate::webhooks`).

use async_trait::async_trait;
use kept_domain::{Actor, NewWebhook, Topic, Webhook, WebhookId};

use crate::Result;
use crate::webhooks::{WebhookQuery, WebhookTarget};

/// Webhook subscriptions: made and deleted by their owners, found by
/// topic for the fan-out, and read with their secrets to sign each call.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores a subscription of an active owner, scoped to an existing
    /// party (or none); audited without its secret.
    async fn create_webhook(&self, actor: &Actor, new: NewWebhook) -> Result<Webhook>;
    /// One subscription, deleted or not.
    async fn webhook(&self, id: WebhookId) -> Result<Webhook>;
    /// The active subscriptions the query reaches, oldest first.
    async fn list_webhooks(&self, query: &WebhookQuery) -> Result<Vec<Webhook>>;
    /// Deletes an active subscription (it is archived) and gives up its
    /// deliveries still waiting, in one transaction; audited.
    async fn delete_webhook(&self, actor: &Actor, id: WebhookId) -> Result<Webhook>;
    /// The active subscriptions to `topic`, for the fan-out.
    async fn webhooks_for(&self, topic: Topic) -> Result<Vec<Webhook>>;
    /// Where to call a subscription and the secret to sign with.
    async fn webhook_target(&self, id: WebhookId) -> Result<WebhookTarget>;
}
