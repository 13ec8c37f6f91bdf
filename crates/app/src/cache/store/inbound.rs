//! Mail in through [`CachedStore`]: nothing here is reference data, so
//! every call goes straight to the store underneath.

use async_trait::async_trait;
use kept_domain::{Actor, Page, Request, RequestChange, RequestEvent, RequestId};
use kept_store::notify::inbound::{InboundMail, InboundQuery, NewInbound, Receipt};
use kept_store::{InboundStore, RequestRecord, Result};

use super::CachedStore;

#[async_trait]
impl InboundStore for CachedStore {
    async fn inbound_mail(&self, message_id: &str) -> Result<Option<InboundMail>> {
        self.inner.inbound_mail(message_id).await
    }
    async fn record_inbound(&self, mail: NewInbound) -> Result<Receipt<InboundMail>> {
        self.inner.record_inbound(mail).await
    }
    async fn reply_by_mail(
        &self,
        actor: &Actor,
        id: RequestId,
        change: RequestChange,
        at_risk_percent: u8,
        mail: NewInbound,
    ) -> Result<Receipt<(Request, Vec<RequestEvent>, InboundMail)>> {
        self.inner
            .reply_by_mail(actor, id, change, at_risk_percent, mail)
            .await
    }
    async fn raise_by_mail(
        &self,
        actor: &Actor,
        record: RequestRecord,
        mail: NewInbound,
    ) -> Result<Receipt<(Request, InboundMail)>> {
        self.inner.raise_by_mail(actor, record, mail).await
    }
    async fn list_inbound(&self, query: &InboundQuery) -> Result<Page<InboundMail>> {
        self.inner.list_inbound(query).await
    }
}
