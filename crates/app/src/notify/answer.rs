//! The fan-out of an answer to a message mailed in: its outbox row names
//! no request event nor change, but the sender and what to tell them, in
//! its data; it becomes one email to that sender, at once.

use kept_domain::{Channel, Request, RequestId, Timestamp, UserId};
use kept_store::notify::{NewDelivery, OutboxEntry};
use serde::{Deserialize, Serialize};

use super::tokens::Signer;
use super::{Addressee, MailAnswer, Notice, RequestBrief};
use crate::Context;
use crate::error::Error;

/// The data of an answer's outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerData {
    /// The sender's address.
    pub to: String,
    /// Their name.
    pub name: String,
    /// Their login.
    pub user_id: UserId,
    /// The subject of their message.
    pub subject: String,
    /// Its Message-ID (or the hash it is known by).
    pub message_id: String,
    /// Why it was refused.
    #[serde(default)]
    pub reason: Option<String>,
    /// The attachments not kept, in words.
    #[serde(default)]
    pub not_kept: Vec<String>,
    /// The request it replied on or raised.
    #[serde(default)]
    pub request_id: Option<RequestId>,
}

/// The delivery of an answer's outbox row: one email to its sender.
pub(super) async fn deliveries(
    ctx: &Context,
    signer: &Signer,
    entry: &OutboxEntry,
    now: Timestamp,
) -> Result<Vec<NewDelivery>, Error> {
    let data = entry.data.clone().unwrap_or_default();
    let answer: AnswerData = match serde_json::from_value(data) {
        Ok(answer) => answer,
        Err(e) => {
            // Unreadable data tells nobody, rather than holding the outbox.
            tracing::error!(outbox = %entry.id, error = %e, "an answer's outbox row cannot be read");
            return Ok(Vec::new());
        }
    };
    let mut notice = Notice::new(entry, entry.created_at);
    notice.to = Some(Addressee {
        user_id: answer.user_id,
        name: answer.name.clone(),
        email: answer.to.clone(),
    });
    notice.answer = Some(MailAnswer {
        subject: answer.subject.clone(),
        reason: answer.reason.clone(),
        not_kept: answer.not_kept.clone(),
        // A hash names no message a mail client could thread under.
        in_reply_to: (!answer.message_id.starts_with("sha256:")).then(|| answer.message_id.clone()),
    });
    if let Some(id) = answer.request_id {
        let request = ctx.store.request(id).await?;
        notice.reply_token = Some(signer.reply_token(&request));
        notice.request = Some(brief(ctx, &request).await?);
    }
    Ok(vec![NewDelivery {
        channel: Channel::Email,
        recipient: answer.to,
        user_id: Some(answer.user_id),
        payload: serde_json::to_value(&notice).map_err(Error::internal)?,
        due_at: now,
    }])
}

/// `request` as a notice names it.
pub(super) async fn brief(ctx: &Context, request: &Request) -> Result<RequestBrief, Error> {
    let contract = ctx.store.contract(request.contract_id).await?;
    let calendar = ctx.store.compiled_calendar(request.calendar_id).await?;
    let names = ctx.party_names(&[request.customer_id]).await?;
    Ok(RequestBrief {
        id: request.id,
        number: request.number,
        subject: request.subject.clone(),
        status: request.status,
        customer: names.get(&request.customer_id).cloned().unwrap_or_default(),
        contract: contract.name.as_str().to_owned(),
        due_at: request.due_at,
        zone: calendar.time_zone().iana_name().unwrap_or("UTC").to_owned(),
    })
}
