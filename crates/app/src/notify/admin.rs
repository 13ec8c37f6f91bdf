//! What admins see of notifications: the outbox's deliveries (pending,
//! failed, dead) with a retry, how much waits, and the mail kept in the
//! database when no SMTP server is configured.

use kept_domain::{DeliveryId, DeliveryState, Limit, Page, Principal, RequestId, Timestamp};
use kept_store::notify::{Delivery, DeliveryQuery, KeptMail, MailQuery, OutboxStats};

use crate::Context;
use crate::error::Error;

/// The outbox list's filters as given.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    /// Only these states (names); all when empty.
    pub states: Vec<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size, 1 to 200.
    pub limit: Option<u32>,
}

/// A page of deliveries, newest first (admins only).
pub async fn deliveries(
    ctx: &Context,
    caller: &Principal,
    filter: DeliveryFilter,
) -> Result<Page<Delivery>, Error> {
    Error::check(caller.administer_users())?;
    let states = filter
        .states
        .iter()
        .map(|s| {
            s.parse::<DeliveryState>()
                .map_err(|m| Error::field("state", m))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let query = DeliveryQuery {
        states,
        cursor: filter.cursor,
        limit: Limit::parse("limit", filter.limit.unwrap_or(Limit::DEFAULT.get()))?,
    };
    Ok(ctx.store.list_deliveries(&query).await?)
}

/// One delivery (admins only).
pub async fn delivery(
    ctx: &Context,
    caller: &Principal,
    id: DeliveryId,
) -> Result<Delivery, Error> {
    Error::check(caller.administer_users())?;
    Ok(ctx.store.delivery(id).await?)
}

/// Makes a waiting, failed or dead delivery due now (admins only).
pub async fn retry(ctx: &Context, caller: &Principal, id: DeliveryId) -> Result<Delivery, Error> {
    Error::check(caller.administer_users())?;
    let delivery = ctx.store.retry_delivery(id, Timestamp::now()).await?;
    tracing::info!(delivery = %id, by = %caller.user_id, "delivery retried by hand");
    Ok(delivery)
}

/// How much waits in the outbox (admins only).
pub async fn stats(ctx: &Context, caller: &Principal) -> Result<OutboxStats, Error> {
    Error::check(caller.administer_users())?;
    Ok(ctx.store.outbox_stats().await?)
}

/// The mail view's filters as given.
#[derive(Debug, Clone, Default)]
pub struct MailFilter {
    /// Only mail to this address.
    pub to: Option<String>,
    /// Only mail about this request.
    pub request: Option<RequestId>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size, 1 to 200.
    pub limit: Option<u32>,
}

/// A page of kept mail, newest first (admins only).
pub async fn mail(
    ctx: &Context,
    caller: &Principal,
    filter: MailFilter,
) -> Result<Page<KeptMail>, Error> {
    Error::check(caller.administer_users())?;
    let query = MailQuery {
        recipient: filter
            .to
            .map(|t| kept_domain::single_line("to", &t, 320))
            .transpose()?
            .map(|t| t.to_lowercase()),
        request_id: filter.request,
        cursor: filter.cursor,
        limit: Limit::parse("limit", filter.limit.unwrap_or(Limit::DEFAULT.get()))?,
    };
    Ok(ctx.store.kept_mail(&query).await?)
}

/// One kept message (admins only).
pub async fn message(ctx: &Context, caller: &Principal, id: DeliveryId) -> Result<KeptMail, Error> {
    Error::check(caller.administer_users())?;
    Ok(ctx.store.kept_message(id).await?)
}
