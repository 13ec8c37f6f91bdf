//! Mail in: a message piped in by an MTA (`kept mail receive`) or posted by
//! a mail service's inbound hook (`POST /api/v1/inbound-email`) becomes a
//! reply on the request its reply address names, or a new request on the
//! contract whose intake address it was sent to, acting as its sender
//! under the same rules as the API.
//!
//! - A message that cannot be read (too large, broken MIME, no From, a
//!   header hiding a line break) is refused whole and changes nothing.
//! - An automatic message (an auto-reply, a bounce) is recorded and does
//!   nothing else, so two systems cannot answer each other for ever.
//! - A message from an address no active login has is recorded and not
//!   answered: From is easily forged, and answering would send mail to
//!   whoever was forged (backscatter).
//! - A message its sender may not send (a reply on a request they do not
//!   see, a request the contract does not cover) is refused, and the
//!   sender is told why by email.
//! - A message taken in without its attachments says so by email.
//!
//! Each message is recorded in the transaction that acts on it, with the
//! outbox row of its answer; its Message-ID is unique, so a message handed
//! over twice acts once.

pub mod parse;
mod route;
pub mod text;

use kept_domain::{Attachment, InboundOutcome, Principal, RequestId, Topic};
use kept_store::notify::inbound::{InboundMail, NewInbound, Receipt};
use serde::Serialize;

use super::answer::AnswerData;
use crate::Context;
use crate::error::{Error, Kind};
pub use parse::{InboundMessage, Unreadable, parse};

/// What a message did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Received {
    /// `replied`, `raised`, `refused`, `ignored` (automatic) or
    /// `unknown_sender`.
    pub outcome: InboundOutcome,
    /// Its Message-ID (or `sha256:` and the hash of its bytes).
    pub message_id: String,
    /// The request it replied on or raised.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub request_id: Option<RequestId>,
    /// That request's number.
    pub request_number: Option<i64>,
    /// Why it was refused or ignored.
    pub reason: Option<String>,
    /// Whether its sender is answered by email.
    pub answered: bool,
    /// The attachments that were not kept.
    pub attachments_not_kept: Vec<Attachment>,
    /// True when it had been received before: nothing was done again, and
    /// the rest says what the first time did.
    pub repeated: bool,
}

impl std::fmt::Display for Received {
    /// What happened, in a line: `replied on request #42`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.repeated {
            f.write_str("already received, nothing done again; the first time it ")?;
        }
        let number = self.request_number.unwrap_or_default();
        let reason = self.reason.as_deref().unwrap_or_default();
        match self.outcome {
            InboundOutcome::Replied => write!(f, "replied on request #{number}")?,
            InboundOutcome::Raised => write!(f, "raised request #{number}")?,
            InboundOutcome::Refused => write!(f, "refused: {reason}")?,
            InboundOutcome::Ignored => write!(f, "ignored as automatic: {reason}")?,
            InboundOutcome::UnknownSender => write!(f, "refused (unknown sender): {reason}")?,
        }
        if !self.attachments_not_kept.is_empty() {
            let names: Vec<String> = self
                .attachments_not_kept
                .iter()
                .map(ToString::to_string)
                .collect();
            write!(f, "; attachments not kept: {}", names.join(", "))?;
        }
        f.write_str(if self.answered {
            " (the sender is answered by email)"
        } else {
            " (the sender is not answered)"
        })
    }
}

/// Who sent a message: an active login.
pub(crate) struct Sender {
    /// Their rights, as when they sign in.
    pub principal: Principal,
    /// Their address.
    pub email: String,
    /// Their name.
    pub name: String,
}

/// Takes in one raw message (RFC 5322) and does what it asks, as its
/// sender may; see the module docs. A message that cannot be read is
/// refused as [`Kind::MailTooLarge`], [`Kind::MalformedMail`] or
/// [`Kind::UnsafeMail`] and changes nothing.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn receive(ctx: &Context, raw: &[u8]) -> Result<Received, Error> {
    let message = match parse(raw) {
        Ok(message) => message,
        Err(why) => {
            tracing::warn!(
                ?why,
                bytes = raw.len(),
                "a message mailed in was refused unread"
            );
            return Err(why.into());
        }
    };
    if let Some(earlier) = ctx.store.inbound_mail(&message.message_id).await? {
        return repeated(ctx, earlier).await;
    }
    if let Some(why) = &message.automatic {
        tracing::info!(message_id = %message.message_id, from = %message.from, why, "an automatic message was ignored");
        let mail = record(&message, InboundOutcome::Ignored, Some(why.clone()));
        return recorded(ctx, ctx.store.record_inbound(mail).await?).await;
    }
    let Some(sender) = sender(ctx, &message.from).await? else {
        tracing::warn!(message_id = %message.message_id, from = %message.from, "mail from an unknown sender was refused");
        let reason = format!(
            "nobody with an active login has the address {}",
            message.from
        );
        let mail = record(&message, InboundOutcome::UnknownSender, Some(reason));
        return recorded(ctx, ctx.store.record_inbound(mail).await?).await;
    };
    match route::act(ctx, &sender, &message).await? {
        route::Done::Received(received) => Ok(received),
        route::Done::Refused(reason) => {
            tracing::info!(message_id = %message.message_id, from = %message.from, reason, "a message mailed in was refused");
            let mut mail = record(&message, InboundOutcome::Refused, Some(reason.clone()));
            mail.answer = Some(answer(
                Topic::MailRefused,
                &sender,
                &message,
                Some(reason),
                None,
            ));
            recorded(ctx, ctx.store.record_inbound(mail).await?).await
        }
    }
}

/// The active login with address `from`, if there is one.
async fn sender(ctx: &Context, from: &str) -> Result<Option<Sender>, Error> {
    let principal = match crate::accounts::acting_as(ctx, from).await {
        Ok(principal) => principal,
        Err(e) if matches!(e.kind, Kind::NotFound | Kind::Conflict(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let user = ctx.store.user(principal.user_id).await?;
    Ok(Some(Sender {
        principal,
        email: user.email.as_str().to_owned(),
        name: user.name.as_str().to_owned(),
    }))
}

/// The record of `message` with what it did (no answer yet).
fn record(message: &InboundMessage, outcome: InboundOutcome, reason: Option<String>) -> NewInbound {
    NewInbound {
        message_id: message.message_id.clone(),
        sender: message.from.clone(),
        recipients: message.recipients.clone(),
        subject: message.subject.clone(),
        outcome,
        reason,
        request_id: None,
        attachments: message.attachments.clone(),
        answer: None,
    }
}

/// The outbox row of an answer of `topic` to `sender`'s `message`.
fn answer(
    topic: Topic,
    sender: &Sender,
    message: &InboundMessage,
    reason: Option<String>,
    request_id: Option<RequestId>,
) -> (Topic, serde_json::Value) {
    let data = AnswerData {
        to: sender.email.clone(),
        name: sender.name.clone(),
        user_id: sender.principal.user_id,
        subject: message.subject.clone(),
        message_id: message.message_id.clone(),
        reason,
        not_kept: message
            .attachments
            .iter()
            .map(ToString::to_string)
            .collect(),
        request_id,
    };
    (topic, serde_json::to_value(data).unwrap_or_default())
}

/// What a recorded message did, from its record.
async fn recorded(ctx: &Context, receipt: Receipt<InboundMail>) -> Result<Received, Error> {
    match receipt {
        Receipt::Recorded(mail) => received(ctx, &mail, false).await,
        Receipt::Repeated(earlier) => repeated(ctx, earlier).await,
    }
}

/// What a message received before did (nothing is done again).
async fn repeated(ctx: &Context, earlier: InboundMail) -> Result<Received, Error> {
    tracing::info!(message_id = %earlier.message_id, "a message was received again and left alone");
    received(ctx, &earlier, true).await
}

/// [`Received`] of a recorded message.
async fn received(ctx: &Context, mail: &InboundMail, repeated: bool) -> Result<Received, Error> {
    let request_number = match mail.request_id {
        Some(id) => Some(ctx.store.request(id).await?.number),
        None => None,
    };
    let answered = match mail.outcome {
        InboundOutcome::Refused => true,
        InboundOutcome::Replied | InboundOutcome::Raised => !mail.attachments.is_empty(),
        InboundOutcome::Ignored | InboundOutcome::UnknownSender => false,
    };
    Ok(Received {
        outcome: mail.outcome,
        message_id: mail.message_id.clone(),
        request_id: mail.request_id,
        request_number,
        reason: mail.reason.clone(),
        answered,
        attachments_not_kept: mail.attachments.clone(),
        repeated,
    })
}
