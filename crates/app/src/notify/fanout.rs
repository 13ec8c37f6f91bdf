//! Fan-out: each outbox row becomes one delivery per recipient, by the
//! topic's audience, each with its [`Notice`] and the instant it may go
//! (at once, or when the recipient's business hours open).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::time::Duration;

use kept_domain::calendar::Calendar;
use kept_domain::notify::send_after;
use kept_domain::{
    Audience, Channel, Contract, ContractId, Request, RequestEvent, RequestId, Timestamp, Topic,
    UserId, Webhook,
};
use kept_store::notify::{Contact, NewDelivery, OutboxEntry};

use super::audience::{people, waiting_downstream};
use super::tokens::Signer;
use super::{Addressee, ChangeBrief, Notice, PromiseBrief, Said};
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
    let mut reads = Reads::load(ctx, &claimed).await?;
    let mut batch = Vec::with_capacity(claimed.len());
    for entry in &claimed {
        batch.push((entry.id, deliveries_of(ctx, &mut reads, entry, now).await?));
    }
    // One transaction for the batch: under load the fan-out costs one
    // commit per hundred events, not one per event.
    let dispatched = ctx.store.fan_out(batch).await?;
    Ok((claimed.len(), dispatched))
}

/// What a batch of the fan-out reads once for all its rows: the requests
/// and events told of and their requesters, a query each; and, as the
/// rows ask for them, each audience, opt-out list and topic's webhooks.
struct Reads {
    signer: Signer,
    told: HashMap<(RequestId, i64), (Request, RequestEvent)>,
    requesters: HashMap<UserId, Contact>,
    opt_outs: HashMap<UserId, Vec<Topic>>,
    audiences: HashMap<(Audience, ContractId), Vec<Contact>>,
    hooks: HashMap<Topic, Vec<Webhook>>,
}

impl Reads {
    /// The batch-wide reads of `claimed`.
    async fn load(ctx: &Context, claimed: &[OutboxEntry]) -> Result<Self, Error> {
        let keys: Vec<(RequestId, i64)> = claimed
            .iter()
            .filter_map(|e| Some((e.request_id?, e.seq?)))
            .collect();
        let told: HashMap<_, _> = ctx
            .store
            .told_events(&keys)
            .await?
            .into_iter()
            .map(|(request, event)| ((request.id, event.seq), (request, event)))
            .collect();
        let mut ids: Vec<UserId> = told.values().map(|(r, _)| r.requester_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let requesters = ctx
            .store
            .user_contacts(&ids)
            .await?
            .into_iter()
            .map(|c| (c.user_id, c))
            .collect();
        // Everyone asked about has an entry, none as often as not.
        let mut opt_outs = ctx.store.opt_outs(&ids).await?;
        for id in ids {
            opt_outs.entry(id).or_default();
        }
        Ok(Self {
            signer: Signer::load(ctx).await?,
            opt_outs,
            told,
            requesters,
            audiences: HashMap::new(),
            hooks: HashMap::new(),
        })
    }

    /// The people of `audience` on `contract`.
    async fn people(
        &mut self,
        ctx: &Context,
        audience: Audience,
        requester: Option<UserId>,
        contract: &Contract,
    ) -> Result<Vec<Contact>, Error> {
        if audience == Audience::Requester {
            return Ok(requester
                .and_then(|r| self.requesters.get(&r))
                .cloned()
                .into_iter()
                .collect());
        }
        let key = (audience, contract.id);
        if let Some(known) = self.audiences.get(&key) {
            return Ok(known.clone());
        }
        let found = people(ctx, audience, requester, contract).await?;
        self.audiences.insert(key, found.clone());
        Ok(found)
    }

    /// Whether `user` turned `topic` off.
    async fn opted_out(
        &mut self,
        ctx: &Context,
        user: UserId,
        topic: Topic,
    ) -> Result<bool, Error> {
        if let Entry::Vacant(slot) = self.opt_outs.entry(user) {
            slot.insert(ctx.store.opted_out(user).await?);
        }
        Ok(self
            .opt_outs
            .get(&user)
            .is_some_and(|off| off.contains(&topic)))
    }

    /// The webhooks subscribed to `topic`.
    async fn hooks(&mut self, ctx: &Context, topic: Topic) -> Result<&[Webhook], Error> {
        if let Entry::Vacant(slot) = self.hooks.entry(topic) {
            slot.insert(ctx.store.webhooks_for(topic).await?);
        }
        Ok(self
            .hooks
            .get(&topic)
            .map(Vec::as_slice)
            .unwrap_or_default())
    }
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
    reads: &mut Reads,
    entry: &OutboxEntry,
    now: Timestamp,
) -> Result<Vec<NewDelivery>, Error> {
    // An answer to a message mailed in names its one recipient itself.
    if entry.topic.answers_mail() {
        return super::answer::deliveries(ctx, &reads.signer, entry, now).await;
    }
    let subject = if let (Some(id), Some(seq)) = (entry.request_id, entry.seq) {
        match reads.told.remove(&(id, seq)) {
            Some((request, event)) => Some(about_request(ctx, entry, request, event).await?),
            None => None,
        }
    } else if let Some(id) = entry.change_request_id {
        Some(about_change(ctx, entry, id).await?)
    } else {
        None
    };
    let Some(subject) = subject else {
        return Ok(Vec::new());
    };
    let mut out: Vec<NewDelivery> = Vec::new();
    for &(audience, timing) in entry.topic.audience() {
        let due_at = send_after(timing, now, Some(&subject.calendar));
        let people = reads
            .people(ctx, audience, subject.requester, &subject.contract)
            .await?;
        for contact in people {
            // Nobody is told of what they did themselves, except that
            // their request was received.
            let own = entry.topic != Topic::RequestRaised && subject.actor == Some(contact.user_id);
            if own || out.iter().any(|d| d.recipient == contact.email) {
                continue;
            }
            if entry.topic.unsubscribable()
                && reads.opted_out(ctx, contact.user_id, entry.topic).await?
            {
                continue;
            }
            out.push(addressed(&reads.signer, entry, &subject, contact, due_at)?);
        }
    }
    let hooks = reads.hooks(ctx, entry.topic).await?;
    out.extend(
        super::hooks::deliveries(ctx, hooks, &subject.notice, &subject.contract, now).await?,
    );
    Ok(out)
}

/// The email telling `contact` of `subject`.
fn addressed(
    signer: &Signer,
    entry: &OutboxEntry,
    subject: &Subject,
    contact: Contact,
    due_at: Timestamp,
) -> Result<NewDelivery, Error> {
    let mut notice = subject.notice.clone();
    notice.reply_token = subject.request.as_ref().map(|r| signer.reply_token(r));
    notice.unsubscribe_token = entry
        .topic
        .unsubscribable()
        .then(|| signer.unsubscribe_token(contact.user_id, entry.topic));
    // The link that answers a proposal is the recipient's own.
    if let Some(promise) = notice.promise.as_mut()
        && entry.topic == Topic::DateProposed
    {
        promise.answer_token = promise
            .proposal_id
            .map(|p| signer.proposal_token(p, contact.user_id));
    }
    notice.to = Some(Addressee {
        user_id: contact.user_id,
        name: contact.name.clone(),
        email: contact.email.clone(),
    });
    Ok(NewDelivery {
        channel: Channel::Email,
        recipient: contact.email,
        user_id: Some(contact.user_id),
        payload: serde_json::to_value(&notice).map_err(Error::internal)?,
        due_at,
    })
}

/// What everyone told of a request's event is told, before it is addressed.
async fn about_request(
    ctx: &Context,
    entry: &OutboxEntry,
    request: Request,
    event: RequestEvent,
) -> Result<Subject, Error> {
    let contract = ctx.store.contract(request.contract_id).await?;
    let calendar = ctx.store.compiled_calendar(request.calendar_id).await?;
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
    notice.request = Some(super::answer::brief(ctx, &request).await?);
    notice.said = said;
    notice.clock = event
        .data
        .get("clock")
        .and_then(|c| c.as_str())
        .map(str::to_owned);
    notice.waiting = waiting;
    notice.promise = PromiseBrief::of_event(
        entry.topic,
        &event.data,
        event.body.as_deref(),
        &event.actor,
    );
    Ok(Subject {
        notice,
        contract,
        calendar,
        requester: Some(request.requester_id),
        actor: event.actor_id,
        request: Some(request),
    })
}

/// What everyone told of a change request's step is told.
async fn about_change(
    ctx: &Context,
    entry: &OutboxEntry,
    id: kept_domain::ChangeRequestId,
) -> Result<Subject, Error> {
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
    Ok(Subject {
        notice,
        contract,
        calendar,
        requester: None,
        actor,
        request: None,
    })
}
