//! Fan-out: each outbox row becomes one delivery per recipient, by the
//! topic's audience, each with its [`Notice`] and the instant it may go
//! (at once, or when the recipient's business hours open).

use std::time::Duration;

use kept_domain::calendar::Calendar;
use kept_domain::notify::send_after;
use kept_domain::{Channel, Contract, Request, Timestamp, Topic, UserId};
use kept_store::notify::{NewDelivery, OutboxEntry};

use super::audience::{people, waiting_downstream};
use super::tokens::Signer;
use super::{Addressee, ChangeBrief, Notice, RequestBrief, Said};
use crate::Context;
use crate::error::Error;

/// Outbox rows one pass fans out at most.
const BATCH: u32 = 100;
/// How long a claim on an outbox row lasts before another server may take it.
pub const LEASE: Duration = Duration::from_secs(60);

/// Fans out every outbox row due by `now`, a batch at a time; returns how
/// many rows this call fanned out.
pub async fn dispatch(ctx: &Context, now: Timestamp) -> Result<usize, Error> {
    let mut total = 0;
    loop {
        let (claimed, dispatched) = dispatch_batch(ctx, now).await?;
        total += dispatched;
        if claimed < BATCH as usize {
            return Ok(total);
        }
    }
}

/// Fans out one batch of the outbox rows due by `now`; returns how many
/// rows were claimed and how many this call dispatched. The delivery job
/// alternates these with delivery batches, so that after a burst the
/// first messages go before the whole burst is fanned out, and a stopping
/// server stops between batches.
pub async fn dispatch_batch(ctx: &Context, now: Timestamp) -> Result<(usize, usize), Error> {
    let claimed = ctx.store.claim_outbox(now, BATCH, LEASE).await?;
    if claimed.is_empty() {
        return Ok((0, 0));
    }
    let signer = Signer::load(ctx).await?;
    let mut batch = Vec::with_capacity(claimed.len());
    for entry in &claimed {
        batch.push((entry.id, deliveries_of(ctx, &signer, entry, now).await?));
    }
    // One transaction for the batch: under load the fan-out costs one
    // commit per hundred events, not one per event.
    let dispatched = ctx.store.fan_out(batch).await?;
    Ok((claimed.len(), dispatched))
}

/// What one outbox row is about, read once for all its recipients.
struct Subject {
    notice: Notice,
    contract: Contract,
    calendar: std::sync::Arc<Calendar>,
    requester: Option<UserId>,
    actor: Option<UserId>,
    request: Option<Request>,
}

/// The deliveries of one outbox row.
async fn deliveries_of(
    ctx: &Context,
    signer: &Signer,
    entry: &OutboxEntry,
    now: Timestamp,
) -> Result<Vec<NewDelivery>, Error> {
    // An answer to a message mailed in names its one recipient itself.
    if entry.topic.answers_mail() {
        return super::answer::deliveries(ctx, signer, entry, now).await;
    }
    let subject = if let (Some(id), Some(seq)) = (entry.request_id, entry.seq) {
        about_request(ctx, entry, id, seq).await?
    } else if let Some(id) = entry.change_request_id {
        about_change(ctx, entry, id).await?
    } else {
        None
    };
    let Some(subject) = subject else {
        return Ok(Vec::new());
    };
    let mut out: Vec<NewDelivery> = Vec::new();
    for &(audience, timing) in entry.topic.audience() {
        let due_at = send_after(timing, now, Some(&subject.calendar));
        for contact in people(ctx, audience, subject.requester, &subject.contract).await? {
            // Nobody is told of what they did themselves, except that
            // their request was received.
            let own = entry.topic != Topic::RequestRaised && subject.actor == Some(contact.user_id);
            if own || out.iter().any(|d| d.recipient == contact.email) {
                continue;
            }
            if entry.topic.unsubscribable()
                && ctx
                    .store
                    .opted_out(contact.user_id)
                    .await?
                    .contains(&entry.topic)
            {
                continue;
            }
            let mut notice = subject.notice.clone();
            notice.reply_token = subject.request.as_ref().map(|r| signer.reply_token(r));
            notice.unsubscribe_token = entry
                .topic
                .unsubscribable()
                .then(|| signer.unsubscribe_token(contact.user_id, entry.topic));
            notice.to = Some(Addressee {
                user_id: contact.user_id,
                name: contact.name.clone(),
                email: contact.email.clone(),
            });
            out.push(NewDelivery {
                channel: Channel::Email,
                recipient: contact.email,
                user_id: Some(contact.user_id),
                payload: serde_json::to_value(&notice).map_err(Error::internal)?,
                due_at,
            });
        }
    }
    out.extend(
        super::hooks::deliveries(ctx, entry, &subject.notice, &subject.contract, now).await?,
    );
    Ok(out)
}

/// What everyone told of a request's event is told, before it is addressed.
async fn about_request(
    ctx: &Context,
    entry: &OutboxEntry,
    id: kept_domain::RequestId,
    seq: i64,
) -> Result<Option<Subject>, Error> {
    let request = ctx.store.request(id).await?;
    let events = ctx.store.request_events(id, true).await?;
    let Some(event) = events.into_iter().find(|e| e.seq == seq) else {
        return Ok(None);
    };
    let contract = ctx.store.contract(request.contract_id).await?;
    let calendar = ctx.store.compiled_calendar(request.calendar_id).await?;
    let names = ctx.party_names(&[request.customer_id]).await?;
    let said = match (entry.topic, &event.body) {
        (Topic::ProviderReplied | Topic::CustomerReplied, Some(body)) => Some(Said {
            by: event.actor.clone(),
            body: body.clone(),
        }),
        _ => None,
    };
    let waiting = match entry.topic {
        Topic::EscalationRaised | Topic::QuestionRouted => {
            waiting_downstream(ctx, &request).await?
        }
        _ => Vec::new(),
    };
    let mut notice = Notice::new(entry, event.at);
    notice.request = Some(RequestBrief {
        id: request.id,
        number: request.number,
        subject: request.subject.clone(),
        status: request.status,
        customer: names.get(&request.customer_id).cloned().unwrap_or_default(),
        contract: contract.name.as_str().to_owned(),
        due_at: request.due_at,
        zone: calendar.time_zone().iana_name().unwrap_or("UTC").to_owned(),
    });
    notice.said = said;
    notice.clock = event
        .data
        .get("clock")
        .and_then(|c| c.as_str())
        .map(str::to_owned);
    notice.waiting = waiting;
    Ok(Some(Subject {
        notice,
        contract,
        calendar,
        requester: Some(request.requester_id),
        actor: event.actor_id,
        request: Some(request),
    }))
}

/// What everyone told of a change request's step is told.
async fn about_change(
    ctx: &Context,
    entry: &OutboxEntry,
    id: kept_domain::ChangeRequestId,
) -> Result<Option<Subject>, Error> {
    let change = ctx.store.change_request(id).await?;
    let contract = ctx.store.contract(change.contract_id).await?;
    let calendar = ctx.store.compiled_calendar(contract.calendar_id).await?;
    let actor = entry
        .data
        .as_ref()
        .and_then(|d| d.get("actor_id"))
        .and_then(|a| a.as_str())
        .and_then(|a| a.parse().ok());
    let mut notice = Notice::new(entry, entry.created_at);
    notice.change = Some(ChangeBrief {
        id: change.id,
        contract_id: contract.id,
        title: change.title.clone(),
        contract: contract.name.as_str().to_owned(),
    });
    Ok(Some(Subject {
        notice,
        contract,
        calendar,
        requester: None,
        actor,
        request: None,
    }))
}
