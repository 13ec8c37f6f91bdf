//! Notifications through [`CachedStore`]: nothing here is reference data,
//! so every call goes straight to the store underneath, except the
//! servers' shared keys, which never change once made.

use std::time::Duration;

use async_trait::async_trait;
use kept_domain::{
    Channel, DeliveryId, OutboxId, Page, PartyId, RequestId, Role, Timestamp, Topic, UserId,
};
use kept_store::notify::{
    Contact, Delivery, DeliveryQuery, KeptMail, MailQuery, NewDelivery, OutboxEntry, OutboxStats,
    Outcome,
};
use kept_store::{NotifyStore, Result};

use super::CachedStore;

#[async_trait]
impl NotifyStore for CachedStore {
    async fn claim_outbox(
        &self,
        now: Timestamp,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<OutboxEntry>> {
        self.inner.claim_outbox(now, limit, lease).await
    }
    async fn outbox_of_request(&self, id: RequestId) -> Result<Vec<OutboxEntry>> {
        self.inner.outbox_of_request(id).await
    }
    async fn fan_out(&self, batch: Vec<(OutboxId, Vec<NewDelivery>)>) -> Result<usize> {
        self.inner.fan_out(batch).await
    }
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        limit: u32,
        lease: Duration,
        channels: &[Channel],
    ) -> Result<Vec<Delivery>> {
        self.inner
            .claim_deliveries(now, limit, lease, channels)
            .await
    }
    async fn record_attempt(&self, id: DeliveryId, outcome: Outcome) -> Result<Delivery> {
        self.inner.record_attempt(id, outcome).await
    }
    async fn record_attempts(&self, outcomes: Vec<(DeliveryId, Outcome)>) -> Result<()> {
        self.inner.record_attempts(outcomes).await
    }
    async fn list_deliveries(&self, query: &DeliveryQuery) -> Result<Page<Delivery>> {
        self.inner.list_deliveries(query).await
    }
    async fn delivery(&self, id: DeliveryId) -> Result<Delivery> {
        self.inner.delivery(id).await
    }
    async fn retry_delivery(&self, id: DeliveryId, now: Timestamp) -> Result<Delivery> {
        self.inner.retry_delivery(id, now).await
    }
    async fn outbox_stats(&self) -> Result<OutboxStats> {
        self.inner.outbox_stats().await
    }
    async fn kept_mail(&self, query: &MailQuery) -> Result<Page<KeptMail>> {
        self.inner.kept_mail(query).await
    }
    async fn kept_message(&self, id: DeliveryId) -> Result<KeptMail> {
        self.inner.kept_message(id).await
    }
    async fn server_key(&self, name: &str, fresh: &str) -> Result<String> {
        let known = self
            .server_keys
            .lock()
            .ok()
            .and_then(|k| k.get(name).cloned());
        if let Some(value) = known {
            return Ok(value);
        }
        let value = self.inner.server_key(name, fresh).await?;
        if let Ok(mut keys) = self.server_keys.lock() {
            keys.insert(name.to_owned(), value.clone());
        }
        Ok(value)
    }
    async fn contacts(&self, parties: &[PartyId], roles: &[Role]) -> Result<Vec<Contact>> {
        self.inner.contacts(parties, roles).await
    }
    async fn told_events(
        &self,
        keys: &[(RequestId, i64)],
    ) -> Result<Vec<(kept_domain::Request, kept_domain::RequestEvent)>> {
        self.inner.told_events(keys).await
    }
    async fn user_contacts(&self, ids: &[UserId]) -> Result<Vec<Contact>> {
        self.inner.user_contacts(ids).await
    }
    async fn opt_outs(
        &self,
        users: &[UserId],
    ) -> Result<std::collections::HashMap<UserId, Vec<Topic>>> {
        self.inner.opt_outs(users).await
    }
    async fn opted_out(&self, user: UserId) -> Result<Vec<Topic>> {
        self.inner.opted_out(user).await
    }
    async fn set_opted_out(&self, user: UserId, topics: &[Topic]) -> Result<()> {
        self.inner.set_opted_out(user, topics).await
    }
}
