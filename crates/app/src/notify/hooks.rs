//! Webhook deliveries of an outbox row: one per active subscription to its
//! topic whose scope reaches the event's contract (the subscription's
//! party is the contract's provider or client, or above either; an
//! admin-wide one reaches every contract), and whose owner still holds
//! the role that made it. The body is fixed here, as the event's email is.

use kept_domain::{Channel, Contract, Timestamp, Webhook};
use kept_store::StoreError;
use kept_store::notify::NewDelivery;
use serde_json::{Value, json};

use super::Notice;
use crate::Context;
use crate::error::Error;
use crate::webhooks::owner_may_hear;

/// The webhook deliveries of an event: one per hook of `hooks` (those
/// subscribed to its topic) that hears it; `notice` tells of it on
/// `contract`; they go at once.
pub(super) async fn deliveries(
    ctx: &Context,
    hooks: &[Webhook],
    notice: &Notice,
    contract: &Contract,
    now: Timestamp,
) -> Result<Vec<NewDelivery>, Error> {
    if hooks.is_empty() {
        return Ok(Vec::new());
    }
    let provider = ctx.store.lineage(contract.provider_id).await?;
    let client = ctx.store.lineage(contract.client_id).await?;
    let body = payload(notice);
    let mut out = Vec::new();
    for hook in hooks {
        let reaches = hook
            .party_id
            .is_none_or(|p| provider.0.contains(&p) || client.0.contains(&p));
        if !reaches {
            continue;
        }
        let owner = match ctx.store.principal(hook.owner_id).await {
            Ok(owner) => owner,
            // An archived owner's subscriptions fall silent.
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        if !owner_may_hear(&owner, hook) {
            continue;
        }
        out.push(NewDelivery {
            channel: Channel::Webhook,
            recipient: hook.id.to_string(),
            user_id: None,
            payload: body.clone(),
            due_at: now,
        });
    }
    Ok(out)
}

/// The body of the event's calls: its id, type and instant, and the
/// request or change request it happened to (what a list shows of it,
/// never what was said on it).
pub fn payload(notice: &Notice) -> Value {
    let mut data = if let Some(r) = &notice.request {
        json!({
            "id": r.id,
            "number": r.number,
            "subject": r.subject,
            "status": r.status,
            "customer": r.customer,
            "contract": r.contract,
            "due_at": r.due_at,
        })
    } else if let Some(c) = &notice.change {
        json!({
            "id": c.id,
            "contract_id": c.contract_id,
            "title": c.title,
            "contract": c.contract,
        })
    } else {
        json!({})
    };
    // The dates and the answer, never the reason said nor the answer link.
    if let (Some(p), Some(fields)) = (&notice.promise, data.as_object_mut()) {
        fields.insert(
            "promise".into(),
            json!({
                "date": p.date,
                "previous_date": p.previous_date,
                "proposal_id": p.proposal_id,
                "accepted": p.accepted,
                "in_time": p.in_time,
            }),
        );
    }
    json!({
        "id": notice.event_id,
        "type": notice.topic,
        "timestamp": notice.at,
        "data": data,
    })
}
