//! Fan-out: each outbox row becomes one delivery per recipient, by the
//! topic's audience, each with its [`Notice`] and the instant it may go.

use std::collections::HashMap;
use std::time::Duration;

use kept_domain::notify::send_after;
use kept_domain::{
    Audience, Channel, Contract, PartyId, Request, RequestEvent, Role, Timestamp, Topic, UserId,
};
use kept_store::notify::{Contact, NewDelivery, OutboxEntry};

use super::tokens::Signer;
use super::{Addressee, Notice, RequestBrief, Said};
use crate::Context;
use crate::error::Error;

/// Outbox rows one pass fans out at most.
const BATCH: u32 = 100;
/// How long a claim on an outbox row lasts before another server may take it.
pub const LEASE: Duration = Duration::from_secs(60);
/// How far down the chain an escalation's waiting customers are named.
const MAX_DEPTH: usize = 32;

/// Fans out every outbox row due by `now`, a batch at a time; returns how
/// many rows this call fanned out.
pub async fn dispatch(ctx: &Context, now: Timestamp) -> Result<usize, Error> {
    let signer = Signer::load(ctx).await?;
    let mut total = 0;
    loop {
        let claimed = ctx.store.claim_outbox(now, BATCH, LEASE).await?;
        for entry in &claimed {
            let deliveries = deliveries_of(ctx, &signer, entry, now).await?;
            if ctx.store.fan_out(entry.id, deliveries).await? {
                total += 1;
            }
        }
        if claimed.len() < BATCH as usize {
            return Ok(total);
        }
    }
}

/// The deliveries of one outbox row.
async fn deliveries_of(
    ctx: &Context,
    signer: &Signer,
    entry: &OutboxEntry,
    now: Timestamp,
) -> Result<Vec<NewDelivery>, Error> {
    let (Some(request_id), Some(seq)) = (entry.request_id, entry.seq) else {
        // Change requests tell their people through the same rows once
        // their events are written to the outbox; nothing else is.
        return Ok(Vec::new());
    };
    let request = ctx.store.request(request_id).await?;
    let events = ctx.store.request_events(request_id, true).await?;
    let Some(event) = events.into_iter().find(|e| e.seq == seq) else {
        return Ok(Vec::new());
    };
    let contract = ctx.store.contract(request.contract_id).await?;
    let calendar = ctx.store.compiled_calendar(request.calendar_id).await?;
    let base = notice(
        ctx,
        entry,
        &request,
        &contract,
        &event,
        calendar.time_zone(),
    )
    .await?;
    let mut out: Vec<NewDelivery> = Vec::new();
    for &(audience, timing) in entry.topic.audience() {
        let due_at = send_after(timing, now, Some(&calendar));
        for contact in people(ctx, audience, &request, &contract).await? {
            // Nobody is told of what they did themselves, except that
            // their request was received.
            if (entry.topic != Topic::RequestRaised && event.actor_id == Some(contact.user_id))
                || out.iter().any(|d| d.recipient == contact.email)
            {
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
            let mut notice = base.clone();
            notice.reply_token = Some(signer.reply_token(&request));
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
    Ok(out)
}

/// What everyone told of `event` is told, before it is addressed.
async fn notice(
    ctx: &Context,
    entry: &OutboxEntry,
    request: &Request,
    contract: &Contract,
    event: &RequestEvent,
    zone: &jiff::tz::TimeZone,
) -> Result<Notice, Error> {
    let names = ctx.party_names(&[request.customer_id]).await?;
    let said = match (entry.topic, &event.body) {
        (Topic::ProviderReplied | Topic::CustomerReplied, Some(body)) => Some(Said {
            by: event.actor.clone(),
            body: body.clone(),
        }),
        _ => None,
    };
    let waiting = match entry.topic {
        Topic::EscalationRaised | Topic::QuestionRouted => waiting_downstream(ctx, request).await?,
        _ => Vec::new(),
    };
    Ok(Notice {
        topic: entry.topic,
        event_id: entry.id,
        at: event.at,
        to: None,
        request: Some(RequestBrief {
            id: request.id,
            number: request.number,
            subject: request.subject.clone(),
            status: request.status,
            customer: names.get(&request.customer_id).cloned().unwrap_or_default(),
            contract: contract.name.as_str().to_owned(),
            due_at: request.due_at,
            zone: zone.iana_name().unwrap_or("UTC").to_owned(),
        }),
        said,
        clock: event
            .data
            .get("clock")
            .and_then(|c| c.as_str())
            .map(str::to_owned),
        waiting,
        reply_token: None,
        unsubscribe_token: None,
    })
}

/// The customers of the requests down the chain that `request` was
/// escalated from, nearest first.
async fn waiting_downstream(ctx: &Context, request: &Request) -> Result<Vec<String>, Error> {
    let mut parties: Vec<PartyId> = Vec::new();
    let mut next = request.escalated_from;
    while let Some(id) = next {
        if parties.len() >= MAX_DEPTH {
            break;
        }
        let down = ctx.store.request(id).await?;
        if !parties.contains(&down.customer_id) {
            parties.push(down.customer_id);
        }
        next = down.escalated_from;
    }
    let names = ctx.party_names(&parties).await?;
    Ok(parties
        .iter()
        .filter_map(|p| names.get(p).cloned())
        .collect())
}

/// The people of `audience` for `request`.
async fn people(
    ctx: &Context,
    audience: Audience,
    request: &Request,
    contract: &Contract,
) -> Result<Vec<Contact>, Error> {
    let on = |party: PartyId, roles: &'static [Role]| async move {
        let lineage = ctx.store.lineage(party).await?;
        Ok::<_, Error>(ctx.store.contacts(&lineage.0, roles).await?)
    };
    match audience {
        Audience::Requester => users(ctx, &[request.requester_id]).await,
        Audience::ProviderStaff => on(contract.provider_id, &[Role::Agent, Role::Manager]).await,
        Audience::Managers => on(contract.provider_id, &[Role::Manager]).await,
        Audience::SupplierContacts => {
            on(
                contract.provider_id,
                &[Role::Supplier, Role::Agent, Role::Manager],
            )
            .await
        }
        Audience::ClientContacts => on(contract.client_id, &[Role::Client]).await,
        Audience::Approvers => users(ctx, &contract.steering_group).await,
    }
}

/// The active users `ids`, as contacts.
async fn users(ctx: &Context, ids: &[UserId]) -> Result<Vec<Contact>, Error> {
    let mut seen: HashMap<UserId, Contact> = HashMap::new();
    for &id in ids {
        let user = ctx.store.user(id).await?;
        if user.archived_at.is_none() {
            seen.insert(
                id,
                Contact {
                    user_id: id,
                    email: user.email.as_str().to_owned(),
                    name: user.name.as_str().to_owned(),
                },
            );
        }
    }
    let mut out: Vec<Contact> = seen.into_values().collect();
    out.sort_by(|a, b| a.email.cmp(&b.email));
    Ok(out)
}
