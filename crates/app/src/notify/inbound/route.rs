//! Where a message from a known sender goes: a reply on the request its
//! reply address names, or a new request on the contract whose intake
//! address it was sent to; each checked as the API checks it.

use kept_domain::inbound::reply_token;
use kept_domain::{
    Actor, Contract, Email, InboundOutcome, ReplySide, RequestChange, RequestKind, Service, Topic,
};
use kept_store::StoreError;
use kept_store::notify::inbound::Receipt;

use super::{InboundMessage, Received, Sender, answer, received, record, repeated};
use crate::Context;
use crate::error::{Error, Kind};
use crate::notify::tokens::Signer;
use crate::requests::intake::{Intake, record_by_mail};

/// What became of a message from a known sender.
pub(super) enum Done {
    /// It was acted on (and recorded).
    Received(Received),
    /// It is refused, for this reason (not yet recorded).
    Refused(String),
}

/// Replies or raises as `message` asks, or says why not.
pub(super) async fn act(
    ctx: &Context,
    sender: &Sender,
    message: &InboundMessage,
) -> Result<Done, Error> {
    let token = message
        .recipients
        .iter()
        .filter_map(|r| reply_token(r))
        .find(|t| Signer::reply_token_number(t).is_some());
    if let Some(token) = token {
        return reply(ctx, sender, message, token).await;
    }
    for address in &message.recipients {
        let Ok(address) = Email::parse("to", address) else {
            continue;
        };
        match ctx.store.contract_by_intake_address(&address).await {
            Ok(contract) => return raise(ctx, sender, message, contract).await,
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Done::Refused(
        "the address you wrote to takes no messages: reply to a message from Kept about your \
         request, or write to your contract's intake address"
            .into(),
    ))
}

/// A reply on the request `token` names, if its MAC matches and the
/// sender may reply there (the API's rule).
async fn reply(
    ctx: &Context,
    sender: &Sender,
    message: &InboundMessage,
    token: &str,
) -> Result<Done, Error> {
    let signer = Signer::load(ctx).await?;
    let number = Signer::reply_token_number(token).unwrap_or_default();
    let request = match ctx.store.request_by_number(number).await {
        Ok(request) if signer.reply_token_matches(token, request.id) => request,
        Ok(_) | Err(StoreError::NotFound) => {
            return Ok(Done::Refused(
                "the address you replied to leads to no request: reply to the latest message \
                 about your request"
                    .into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if message.text.is_empty() {
        return Ok(Done::Refused(
            "the message has no text of its own (quoted text and signatures are left out)".into(),
        ));
    }
    let change = RequestChange::Reply {
        side: ReplySide::Customer,
        body: message.text.clone(),
    };
    let caller = &sender.principal;
    let change = match crate::requests::permitted(ctx, caller, request.id, change).await {
        Ok(change) => change,
        Err(e) if e.kind == Kind::NotFound => {
            return Ok(Done::Refused(format!(
                "you may not reply on request #{number}"
            )));
        }
        Err(e) => return refused(e),
    };
    let mut mail = record(message, InboundOutcome::Replied, None);
    mail.request_id = Some(request.id);
    if !message.attachments.is_empty() {
        let topic = Topic::MailAttachmentsDropped;
        mail.answer = Some(answer(topic, sender, message, None, Some(request.id)));
    }
    let percent = ctx.settings.sla_at_risk_percent;
    let receipt = ctx
        .store
        .reply_by_mail(&Actor::user(caller), request.id, change, percent, mail)
        .await;
    match receipt {
        Ok(Receipt::Recorded((_, _, mail))) => {
            Ok(Done::Received(received(ctx, &mail, false).await?))
        }
        Ok(Receipt::Repeated(earlier)) => Ok(Done::Received(repeated(ctx, earlier).await?)),
        Err(e) => refused(e.into()),
    }
}

/// A new request on `contract` for the sender's party, through the API's
/// intake (scope check included).
async fn raise(
    ctx: &Context,
    sender: &Sender,
    message: &InboundMessage,
    contract: Contract,
) -> Result<Done, Error> {
    if message.subject.is_empty() {
        return Ok(Done::Refused(
            "the message has no subject: say in the subject what you need".into(),
        ));
    }
    let mut services = Vec::new();
    for id in &contract.service_ids {
        let service = ctx.store.service(*id).await?;
        if service.archived_at.is_none() {
            services.push(service);
        }
    }
    let service = match pick_service(&message.subject, &services) {
        Ok(service) => service,
        Err(reason) => return Ok(Done::Refused(reason)),
    };
    let intake = Intake {
        lines: Vec::new(),
        confirm_quantity: false,
        contract_id: contract.id,
        customer_id: None,
        service_id: service.id,
        kind: RequestKind::ServiceRequest,
        priority: None,
        quantity: None,
        effort: None,
        subject: message.subject.clone(),
        description: message.text.clone(),
        requester_id: None,
        override_reason: None,
    };
    let caller = &sender.principal;
    let record_of = match record_by_mail(ctx, caller, intake).await {
        Ok(record) => record,
        Err(e) => return refused(e),
    };
    let mut mail = record(message, InboundOutcome::Raised, None);
    if !message.attachments.is_empty() {
        let topic = Topic::MailAttachmentsDropped;
        mail.answer = Some(answer(topic, sender, message, None, None));
    }
    let receipt = ctx
        .store
        .raise_by_mail(&Actor::user(caller), record_of, mail)
        .await;
    match receipt {
        Ok(Receipt::Recorded((_, mail))) => Ok(Done::Received(received(ctx, &mail, false).await?)),
        Ok(Receipt::Repeated(earlier)) => Ok(Done::Received(repeated(ctx, earlier).await?)),
        Err(e) => refused(e.into()),
    }
}

/// The service a new request by mail asks for: the one the subject names,
/// or the contract's only one; otherwise the refusal lists them.
pub(crate) fn pick_service<'a>(
    subject: &str,
    services: &'a [Service],
) -> Result<&'a Service, String> {
    let subject = subject.to_lowercase();
    let named: Vec<&Service> = services
        .iter()
        .filter(|s| subject.contains(&s.name.as_str().to_lowercase()))
        .collect();
    match (named.as_slice(), services) {
        ([one], _) => Ok(one),
        ([], [only]) => Ok(only),
        ([], []) => Err("the contract offers no services".into()),
        _ => {
            let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
            Err(format!(
                "say in the subject which service you need, one of: {}",
                names.join(", ")
            ))
        }
    }
}

/// A use case's refusal as the reason told to the sender; a failure
/// (the database, a bug) stays an error, so the message is tried again.
fn refused(e: Error) -> Result<Done, Error> {
    let reason = match e.kind {
        Kind::Unavailable | Kind::Internal => return Err(e),
        Kind::NotCovered | Kind::OutOfScope => format!(
            "{} To ask for it anyway, raise a change request to the contract.",
            e.message()
        ),
        Kind::Invalid if e.errors.iter().any(|f| f.field == "contract_id") => {
            "you may not raise requests on the contract this address serves".into()
        }
        Kind::Invalid if e.errors.iter().any(|f| f.field == "customer_id") => {
            "you belong to several of the contract's customers: raise this request on Kept's \
             website, where you can say which it is for"
                .into()
        }
        _ => e.message(),
    };
    Ok(Done::Refused(reason))
}
