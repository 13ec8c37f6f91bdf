//! Webhook subscriptions through [`CachedStore`]: not reference data, so
//! every call goes straight to the store underneath.

use async_trait::async_trait;
use kept_domain::{Actor, NewWebhook, Topic, Webhook, WebhookId};
use kept_store::webhooks::{WebhookQuery, WebhookTarget};
use kept_store::{Result, WebhookStore};

use super::CachedStore;

#[async_trait]
impl WebhookStore for CachedStore {
    async fn create_webhook(&self, actor: &Actor, new: NewWebhook) -> Result<Webhook> {
        self.inner.create_webhook(actor, new).await
    }
    async fn webhook(&self, id: WebhookId) -> Result<Webhook> {
        self.inner.webhook(id).await
    }
    async fn list_webhooks(&self, query: &WebhookQuery) -> Result<Vec<Webhook>> {
        self.inner.list_webhooks(query).await
    }
    async fn delete_webhook(&self, actor: &Actor, id: WebhookId) -> Result<Webhook> {
        self.inner.delete_webhook(actor, id).await
    }
    async fn webhooks_for(&self, topic: Topic) -> Result<Vec<Webhook>> {
        self.inner.webhooks_for(topic).await
    }
    async fn webhook_target(&self, id: WebhookId) -> Result<WebhookTarget> {
        self.inner.webhook_target(id).await
    }
}
