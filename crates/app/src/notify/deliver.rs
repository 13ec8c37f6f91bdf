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

/// Deliveries one pass claims at most: as many as the fan-out's batch of
/// events, so that the job's rounds (a batch of each) deliver as fast as
/// they fan out when each event tells one person.
const BATCH: u32 = 100;
/// Deliveries of a batch in flight at once (SMTP round trips overlap).
pub const IN_FLIGHT: usize = 8;
/// Messages a server may have sent and not yet recorded, at most: those
/// in flight and a handful being recorded. A server killed repeats at most
/// these (each once), when its leases run out.
pub const UNRECORDED_MAX: usize = 2 * IN_FLIGHT;
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
/// carries, eight at a time, recording their attempts a handful per
/// transaction as they end; returns how many were claimed and how many
/// delivered.
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
    // Outcomes are recorded as they come, whatever has come meanwhile in
    // one transaction: a burst costs a commit per handful of messages, not
    // one each. Sending goes on while a handful is recorded (an attempt
    // may itself hold a connection to the database), never more than
    // `UNRECORDED_MAX` ahead of the records, and stops when recording has
    // failed.
    let permits = tokio::sync::Semaphore::new(UNRECORDED_MAX);
    let ahead = &permits;
    let (outcomes, mut ended) = tokio::sync::mpsc::unbounded_channel();
    let sending = async move {
        let outcomes = &outcomes;
        futures_util::stream::iter(attempts)
            .for_each_concurrent(IN_FLIGHT, |attempt| async move {
                let Ok(permit) = ahead.acquire().await else {
                    return;
                };
                if !outcomes.is_closed() {
                    // The permit is given back once the outcome is recorded.
                    permit.forget();
                    let _ = outcomes.send(attempt.await);
                }
            })
            .await;
        // The sender goes with this block: recording ends once it drains.
    };
    let recording = async move {
        let (mut delivered, mut handful) = (0, Vec::with_capacity(IN_FLIGHT));
        while ended.recv_many(&mut handful, IN_FLIGHT).await > 0 {
            let recorded = handful.len();
            delivered += handful
                .iter()
                .filter(|(_, o)| !matches!(o, Outcome::Failed { .. }))
                .count();
            let done = ctx
                .store
                .record_attempts(std::mem::take(&mut handful))
                .await;
            if done.is_err() {
                // Nothing more is sent: what was, repeats after the lease.
                ended.close();
                ahead.close();
            }
            done?;
            ahead.add_permits(recorded);
        }
        Ok::<_, Error>(delivered)
    };
    let ((), delivered) = tokio::join!(sending, recording);
    Ok((claimed.len(), delivered?))
}

/// One attempt at `delivery`, and how it ended.
async fn attempt(
    ctx: &Context,
    transport: &dyn Transport,
    policy: &RetryPolicy,
    delivery: &Delivery,
) -> (kept_domain::DeliveryId, Outcome) {
    let outcome = match transport.deliver(ctx, delivery).await {
        Ok(Delivered::Sent) => Outcome::Sent,
        Ok(Delivered::Kept(mail)) => Outcome::Kept(mail),
        Err(error) => failed(policy, delivery, error),
    };
    (delivery.id, outcome)
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
