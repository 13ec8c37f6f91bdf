//! The single-use link in the mail that proposes a new date: the signed
//! token names the proposal and the person it was sent to, and is their
//! only credential. Reading what it proposes changes nothing (mail
//! scanners open links); only a submit answers, as that person, `via`
//! `link`. It works once because a proposal is answered once: a second
//! submit, or one after a newer proposal, is told so, not refused.

use kept_domain::promise::{DateProposal, ProposalStatus};
use kept_domain::{DateProposalId, Principal, RequestId, Timestamp};
use kept_store::StoreError;

use crate::Context;
use crate::error::Error;
use crate::notify::tokens::Signer;
use crate::requests::readable;

/// Where the proposal a link answers stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Waiting for the answer.
    Open,
    /// Answered already: agreed, or not.
    Answered {
        /// Whether the new date was agreed.
        accepted: bool,
    },
    /// A newer proposal replaced it.
    Replaced,
    /// The request was finished before it was answered.
    Closed,
}

/// What the link's page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkView {
    /// The request.
    pub request_id: RequestId,
    /// Its number, the reference people quote.
    pub number: i64,
    /// Its subject.
    pub subject: String,
    /// The date the proposal would replace.
    pub previous_date: Timestamp,
    /// The date proposed.
    pub date: Timestamp,
    /// Why, in the agent's words.
    pub reason: String,
    /// The time zone of the request's calendar, for dates in words.
    pub zone: String,
    /// Who the link answers for.
    pub name: String,
    /// Where the proposal stands.
    pub state: LinkState,
}

/// The answer a submit of the link gave.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkAnswer {
    /// The proposal as it stands after the submit.
    pub view: LinkView,
    /// Whether this submit answered it (false: it was answered, replaced
    /// or closed before).
    pub answered_now: bool,
}

/// The proposal and the person a link's `token` names, with what its page
/// shows; not found for a token this installation did not make, or for a
/// person who can no longer see the request.
pub async fn by_link(ctx: &Context, token: &str) -> Result<LinkView, Error> {
    let (proposal, caller) = resolve(ctx, token).await?;
    let found = super::proposal(ctx, &caller, proposal).await?;
    view_of(ctx, &caller, found).await
}

/// Answers the proposal a link's `token` names, agreeing to the new date
/// or keeping the old one, as the person the link was sent to. A proposal
/// no longer open is left as it is and said so.
pub async fn answer_by_link(ctx: &Context, token: &str, accept: bool) -> Result<LinkAnswer, Error> {
    let (proposal, caller) = resolve(ctx, token).await?;
    let found = super::proposal(ctx, &caller, proposal).await?;
    if found.status != ProposalStatus::Open {
        return unchanged(ctx, &caller, found).await;
    }
    match super::answer(ctx, &caller, proposal, accept, "link").await {
        Ok((answered, _)) => Ok(LinkAnswer {
            view: view_of(ctx, &caller, answered).await?,
            answered_now: true,
        }),
        Err(e) => {
            // Answered (or replaced) between the read and the write: a
            // second submit racing the first is told, not refused.
            let now = super::proposal(ctx, &caller, proposal).await?;
            if now.status == ProposalStatus::Open {
                return Err(e);
            }
            unchanged(ctx, &caller, now).await
        }
    }
}

/// The proposal and the person `token` names.
async fn resolve(ctx: &Context, token: &str) -> Result<(DateProposalId, Principal), Error> {
    let signer = Signer::load(ctx).await?;
    let (proposal, user) = signer.check_proposal(token).ok_or_else(Error::not_found)?;
    let caller = match ctx.store.principal(user).await {
        Err(StoreError::NotFound) => return Err(Error::not_found()),
        other => other?,
    };
    Ok((proposal, caller))
}

async fn unchanged(
    ctx: &Context,
    caller: &Principal,
    found: DateProposal,
) -> Result<LinkAnswer, Error> {
    Ok(LinkAnswer {
        view: view_of(ctx, caller, found).await?,
        answered_now: false,
    })
}

/// What the page shows of `found`, which `caller` may see.
async fn view_of(
    ctx: &Context,
    caller: &Principal,
    found: DateProposal,
) -> Result<LinkView, Error> {
    let shown = readable(ctx, caller, found.request_id).await?;
    let request = shown.request;
    let state = match found.status {
        ProposalStatus::Open => LinkState::Open,
        ProposalStatus::Accepted => LinkState::Answered { accepted: true },
        ProposalStatus::Declined => LinkState::Answered { accepted: false },
        ProposalStatus::Withdrawn => {
            let newer = ctx
                .store
                .date_proposals(request.id)
                .await?
                .iter()
                .any(|p| p.id != found.id && p.proposed_at >= found.proposed_at);
            if newer {
                LinkState::Replaced
            } else {
                LinkState::Closed
            }
        }
    };
    let calendar = ctx.store.compiled_calendar(request.calendar_id).await?;
    Ok(LinkView {
        request_id: request.id,
        number: request.number,
        subject: request.subject.clone(),
        previous_date: found.previous_date,
        date: found.date,
        reason: found.reason,
        zone: calendar.time_zone().iana_name().unwrap_or("UTC").to_owned(),
        name: caller.name.clone(),
        state,
    })
}
