//! Delivery: due deliveries are claimed, handed to the transport, and each
//! attempt recorded; a failure is retried with exponential backoff and
//! jitter until the policy's attempts run out, then dead-lettered.

use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use kept_domain::{Channel, RetryPolicy, Timestamp};
use kept_store::notify::{Delivery, KeptMail, Outcome};

use crate::Context;
use crate::error::Error;

/// Deliveries one pass claims at most.
const BATCH: u32 = 50;
/// Deliveries of a batch in flight at once (SMTP round trips overlap).
pub const IN_FLIGHT: usize = 8;
/// How long a claim lasts: longer than any one attempt may take (the
/// transports time out well before), so a delivery is attempted by one
/// server at a time.
pub const LEASE: Duration = Duration::from_secs(120);

/// What a transport did with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Sent.
    Sent,
    /// To be kept in the database (no SMTP server), in the transaction
    /// that records the attempt.
    Kept(KeptMail),
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
    let mut delivered = 0;
    loop {
        let (claimed, sent) = deliver_batch(ctx, transport, policy, now).await?;
        delivered += sent;
        if claimed < BATCH as usize {
            return Ok(delivered);
        }
    }
}

/// Delivers one batch of the deliveries due by `now` that `transport`
/// carries, eight at a time, and records their attempts in one
/// transaction; returns how many were claimed and how many delivered.
pub async fn deliver_batch(
    ctx: &Context,
    transport: &dyn Transport,
    policy: &RetryPolicy,
    now: Timestamp,
) -> Result<(usize, usize), Error> {
    let channels = transport.channels();
    let claimed = ctx
        .store
        .claim_deliveries(now, BATCH, LEASE, &channels)
        .await?;
    if claimed.is_empty() {
        return Ok((0, 0));
    }
    // Collected first: a closure over the batch inside the stream would
    // not be provably `Send` for every lifetime.
    let attempts: Vec<_> = claimed
        .iter()
        .map(|delivery| Box::pin(attempt(ctx, transport, policy, delivery)))
        .collect();
    let ended: Vec<(kept_domain::DeliveryId, Option<Outcome>)> =
        futures_util::stream::iter(attempts)
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
    let delivered = ended
        .iter()
        .filter(|(_, o)| !matches!(o, Some(Outcome::Failed { .. })))
        .count();
    // One transaction records the rest of the batch's attempts (kept mail,
    // failures): repeating those after a crash sends nothing twice.
    let outcomes = ended
        .into_iter()
        .filter_map(|(id, o)| Some((id, o?)))
        .collect();
    ctx.store.record_attempts(outcomes).await?;
    Ok((claimed.len(), delivered))
}

/// One attempt at `delivery`, and how it ended if that is still to be
/// recorded (`None`: recorded already).
async fn attempt(
    ctx: &Context,
    transport: &dyn Transport,
    policy: &RetryPolicy,
    delivery: &Delivery,
) -> (kept_domain::DeliveryId, Option<Outcome>) {
    let outcome = match transport.deliver(ctx, delivery).await {
        Ok(Delivered::Sent) => {
            // Sent is recorded at once, not with the batch: a server that
            // dies now repeats at most the messages still in flight.
            match ctx.store.record_attempt(delivery.id, Outcome::Sent).await {
                Ok(_) => return (delivery.id, None),
                Err(e) => {
                    tracing::warn!(delivery = %delivery.id, error = %e, "recording a sent message failed; recording it with the batch");
                    Outcome::Sent
                }
            }
        }
        Ok(Delivered::Kept(mail)) => Outcome::Kept(mail),
        Err(error) => failed(policy, delivery, error),
    };
    (delivery.id, Some(outcome))
}

/// The outcome of a failed attempt: retried after the policy's wait, or
/// dead when no attempt is left.
fn failed(policy: &RetryPolicy, delivery: &Delivery, error: String) -> Outcome {
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
    Outcome::Failed { error, retry_at }
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
