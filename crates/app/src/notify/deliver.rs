//! Delivery: due deliveries are claimed, handed to the transport, and each
//! attempt recorded; a failure is retried with exponential backoff and
//! jitter until the policy's attempts run out, then dead-lettered.

use std::time::Duration;

use async_trait::async_trait;
use kept_domain::{Channel, RetryPolicy, Timestamp};
use kept_store::notify::{Delivery, Outcome};

use crate::Context;
use crate::error::Error;

/// Deliveries one pass claims at most.
const BATCH: u32 = 50;
/// How long a claim lasts: longer than any one attempt may take (the
/// transports time out well before), so a delivery is attempted by one
/// server at a time.
pub const LEASE: Duration = Duration::from_secs(120);

/// What a transport did with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Sent: the attempt is still to be recorded.
    Sent,
    /// Kept (the database's mailbox), recorded as sent in the same
    /// transaction.
    Recorded,
}

/// Delivers messages by one or more channels.
#[async_trait]
pub trait Transport: Send + Sync {
    /// The channels it delivers; deliveries by others wait for another.
    fn channels(&self) -> Vec<Channel>;
    /// Delivers one message, or says why it could not.
    async fn deliver(&self, ctx: &Context, delivery: &Delivery) -> Result<Delivered, String>;
}

/// Claims the deliveries due by `now` that `transport` carries, delivers
/// them and records each attempt; returns how many were delivered.
pub async fn deliver_due(
    ctx: &Context,
    transport: &dyn Transport,
    policy: &RetryPolicy,
    now: Timestamp,
) -> Result<usize, Error> {
    let channels = transport.channels();
    let mut delivered = 0;
    loop {
        let claimed = ctx
            .store
            .claim_deliveries(now, BATCH, LEASE, &channels)
            .await?;
        for delivery in &claimed {
            match transport.deliver(ctx, delivery).await {
                Ok(Delivered::Recorded) => delivered += 1,
                Ok(Delivered::Sent) => {
                    ctx.store.record_attempt(delivery.id, Outcome::Sent).await?;
                    delivered += 1;
                }
                Err(error) => {
                    let retry_at = policy
                        .after_failure(delivery.attempts, jitter())
                        .and_then(|wait| later(Timestamp::now(), wait));
                    tracing::warn!(
                        delivery = %delivery.id,
                        attempt = delivery.attempts,
                        recipient = %delivery.recipient,
                        %error,
                        dead = retry_at.is_none(),
                        "a delivery failed"
                    );
                    ctx.store
                        .record_attempt(delivery.id, Outcome::Failed { error, retry_at })
                        .await?;
                }
            }
        }
        if claimed.len() < BATCH as usize {
            return Ok(delivered);
        }
    }
}

/// `at` plus `wait`, if it can be represented.
fn later(at: Timestamp, wait: Duration) -> Option<Timestamp> {
    let wait = jiff::SignedDuration::try_from(wait).ok()?;
    at.checked_add(wait).ok().or(Some(at))
}

/// A random fraction in [0, 1); 0 if the system has no randomness to give.
fn jitter() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.0;
    }
    // 53 random bits over 2^53: uniform in [0, 1).
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}
