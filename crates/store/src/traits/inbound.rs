//! Mail in (see `crate::notify::inbound`).

use async_trait::async_trait;
use kept_domain::{Actor, Page, Request, RequestChange, RequestEvent, RequestId};

use crate::notify::inbound::{InboundMail, InboundQuery, NewInbound, Receipt};
use crate::{RequestRecord, Result};

/// Messages taken in, each recorded with what it did, in one transaction.
#[async_trait]
pub trait InboundStore: Send + Sync {
    /// The message taken in with this Message-ID, if any.
    async fn inbound_mail(&self, message_id: &str) -> Result<Option<InboundMail>>;
    /// Records a message that did nothing (refused or ignored), with the
    /// outbox row of its answer, if any.
    async fn record_inbound(&self, mail: NewInbound) -> Result<Receipt<InboundMail>>;
    /// Applies a reply (as [`crate::RequestStore::act_on_request`] does)
    /// and records the message that made it, with its answer, in one
    /// transaction; the reply's event records the message in its data
    /// (`via`).
    async fn reply_by_mail(
        &self,
        actor: &Actor,
        id: RequestId,
        change: RequestChange,
        at_risk_percent: u8,
        mail: NewInbound,
    ) -> Result<Receipt<(Request, Vec<RequestEvent>, InboundMail)>>;
    /// Records a request (as [`crate::RequestStore::create_request`] does,
    /// outside the group commit) and the message that raised it, with its
    /// answer, in one transaction; its `created` event records the message.
    async fn raise_by_mail(
        &self,
        actor: &Actor,
        record: RequestRecord,
        mail: NewInbound,
    ) -> Result<Receipt<(Request, InboundMail)>>;
    /// Messages taken in, newest first.
    async fn list_inbound(&self, query: &InboundQuery) -> Result<Page<InboundMail>>;
}
