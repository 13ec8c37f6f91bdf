//! The outbox and its deliveries (see `crate::notify`).

use std::time::Duration;

use async_trait::async_trait;
use kept_domain::{
    Channel, DeliveryId, OutboxId, Page, PartyId, RequestId, Role, Timestamp, Topic, UserId,
};

use crate::Result;
use crate::notify::{
    Contact, Delivery, DeliveryQuery, KeptMail, MailQuery, NewDelivery, OutboxEntry, OutboxStats,
    Outcome,
};

/// Notifications: fanning events out to deliveries, delivering them, and
/// what the admin page and the mail view read.
#[async_trait]
pub trait NotifyStore: Send + Sync {
    /// Claims at most `limit` events due for fan-out by `now`, for `lease`.
    async fn claim_outbox(
        &self,
        now: Timestamp,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<OutboxEntry>>;
    /// The outbox rows of request `id`'s events, in order (checks that
    /// each event that tells someone has its row).
    async fn outbox_of_request(&self, id: RequestId) -> Result<Vec<OutboxEntry>>;
    /// Adds each event's deliveries and marks it dispatched, all in one
    /// transaction; an event another server already fanned out gets none.
    /// Returns how many events this call dispatched.
    async fn fan_out(&self, batch: Vec<(OutboxId, Vec<NewDelivery>)>) -> Result<usize>;
    /// Claims at most `limit` deliveries by `channels` due by `now`, for
    /// `lease`, counting an attempt on each.
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        limit: u32,
        lease: Duration,
        channels: &[Channel],
    ) -> Result<Vec<Delivery>>;
    /// Records how a claimed delivery's attempt ended.
    async fn record_attempt(&self, id: DeliveryId, outcome: Outcome) -> Result<Delivery>;
    /// Records how several attempts ended, in one transaction.
    async fn record_attempts(&self, outcomes: Vec<(DeliveryId, Outcome)>) -> Result<()>;
    /// Deliveries, newest first.
    async fn list_deliveries(&self, query: &DeliveryQuery) -> Result<Page<Delivery>>;
    /// One delivery.
    async fn delivery(&self, id: DeliveryId) -> Result<Delivery>;
    /// Makes a waiting, failed or dead delivery due at `now`.
    async fn retry_delivery(&self, id: DeliveryId, now: Timestamp) -> Result<Delivery>;
    /// How much waits in the outbox.
    async fn outbox_stats(&self) -> Result<OutboxStats>;
    /// Kept mail, newest first.
    async fn kept_mail(&self, query: &MailQuery) -> Result<Page<KeptMail>>;
    /// One kept message, by its delivery.
    async fn kept_message(&self, id: DeliveryId) -> Result<KeptMail>;
    /// The shared key `name`, made from `fresh` by whichever server asks first.
    async fn server_key(&self, name: &str, fresh: &str) -> Result<String>;
    /// The active users holding one of `roles` on one of `parties`.
    async fn contacts(&self, parties: &[PartyId], roles: &[Role]) -> Result<Vec<Contact>>;
    /// The requests and events of `keys` (request, event number), read
    /// together for a batch of the fan-out; a missing one is left out.
    async fn told_events(
        &self,
        keys: &[(RequestId, i64)],
    ) -> Result<Vec<(kept_domain::Request, kept_domain::RequestEvent)>>;
    /// The active users among `ids`, as contacts.
    async fn user_contacts(&self, ids: &[UserId]) -> Result<Vec<Contact>>;
    /// The topics each of `users` does not want by email (absent: none).
    async fn opt_outs(
        &self,
        users: &[UserId],
    ) -> Result<std::collections::HashMap<UserId, Vec<Topic>>>;
    /// The topics `user` does not want by email.
    async fn opted_out(&self, user: UserId) -> Result<Vec<Topic>>;
    /// Sets the topics `user` does not want by email.
    async fn set_opted_out(&self, user: UserId, topics: &[Topic]) -> Result<()>;
}
