//! Each person's choice of which mail they get: the topics they may be
//! told of, by their roles, each on or off, and the one-click unsubscribe
//! that turns one off from a message (RFC 8058). Mail about a person's
//! own requests always goes and is not listed.

use kept_domain::{Principal, Role, Topic};

use super::tokens::Signer;
use crate::Context;
use crate::error::Error;

/// One topic the person may be told of, and whether they want it by email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preference {
    /// The topic.
    pub topic: Topic,
    /// Whether it comes by email.
    pub email: bool,
}

/// The roles through which someone may be told of `topic`.
fn roles_for(topic: Topic) -> &'static [Role] {
    match topic {
        Topic::RequestAtRisk | Topic::RequestBreached | Topic::DateAnswered => {
            &[Role::Agent, Role::Manager]
        }
        Topic::EscalationRaised | Topic::QuestionRouted => {
            &[Role::Supplier, Role::Agent, Role::Manager]
        }
        Topic::ChangeSubmitted => &[Role::Approver, Role::Client, Role::Manager],
        Topic::ChangeApproved | Topic::ChangeRejected | Topic::ChangeApplied => {
            &[Role::Client, Role::Manager, Role::Approver]
        }
        _ => &[],
    }
}

/// The topics `caller` may be told of and can turn off, with their choice.
pub async fn list(ctx: &Context, caller: &Principal) -> Result<Vec<Preference>, Error> {
    let off = ctx.store.opted_out(caller.user_id).await?;
    Ok(Topic::ALL
        .iter()
        .copied()
        .filter(|t| t.unsubscribable())
        .filter(|t| roles_for(*t).iter().any(|r| caller.has_role(*r)))
        .map(|topic| Preference {
            topic,
            email: !off.contains(&topic),
        })
        .collect())
}

/// Keeps email for the topics in `wanted` of those `caller` may turn off,
/// and stops the rest.
pub async fn set(ctx: &Context, caller: &Principal, wanted: &[Topic]) -> Result<(), Error> {
    let listed = list(ctx, caller).await?;
    let mut off: Vec<Topic> = ctx
        .store
        .opted_out(caller.user_id)
        .await?
        .into_iter()
        .filter(|t| !listed.iter().any(|p| p.topic == *t))
        .collect();
    off.extend(
        listed
            .iter()
            .map(|p| p.topic)
            .filter(|t| !wanted.contains(t)),
    );
    ctx.store.set_opted_out(caller.user_id, &off).await?;
    Ok(())
}

/// What an unsubscribe link stops: the topic, and the address it stops it
/// for. A link that was not made by this installation is not found.
pub async fn unsubscribe_target(ctx: &Context, token: &str) -> Result<(Topic, String), Error> {
    let signer = Signer::load(ctx).await?;
    let (user, topic) = signer
        .check_unsubscribe(token)
        .ok_or_else(Error::not_found)?;
    let user = ctx.store.user(user).await?;
    Ok((topic, user.email.as_str().to_owned()))
}

/// Stops the mail an unsubscribe link names; doing it twice is harmless.
pub async fn unsubscribe(ctx: &Context, token: &str) -> Result<Topic, Error> {
    let signer = Signer::load(ctx).await?;
    let (user, topic) = signer
        .check_unsubscribe(token)
        .ok_or_else(Error::not_found)?;
    let mut off = ctx.store.opted_out(user).await?;
    if !off.contains(&topic) {
        off.push(topic);
        ctx.store.set_opted_out(user, &off).await?;
    }
    tracing::info!(%user, %topic, "unsubscribed by link");
    Ok(topic)
}
