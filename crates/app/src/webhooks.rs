//! Webhook subscriptions: managers and admins point an endpoint at the
//! events of chosen topics, through the API and the webhooks page alike.
//!
//! A manager's subscription is scoped to a party they hold the Manager
//! role on, and hears of the contracts that party (or a party above it)
//! provides or placed; an admin's may be scoped to any party or to none
//! (every contract). A manager sees and deletes the subscriptions they
//! made and those scoped to a party they manage; an admin, every one;
//! anyone else's answer is not found.

use kept_domain::webhook::{SECRET_BYTES, parse_topics, parse_url, secret_from};
use kept_domain::{
    Actor, FieldError, NewWebhook, PartyId, Principal, Role, ValidationErrors, Webhook, WebhookId,
};
use kept_store::webhooks::WebhookQuery;

use crate::Context;
use crate::error::Error;

/// A subscription to make, as the caller gave it.
#[derive(Debug, Clone, Default)]
pub struct NewSubscription {
    /// The endpoint.
    pub url: String,
    /// The topics' names.
    pub topics: Vec<String>,
    /// The party it is scoped to; absent: the one party a manager
    /// manages, or every contract for an admin.
    pub party_id: Option<PartyId>,
}

/// A new subscription with its signing secret, which is shown this once.
#[derive(Debug, Clone)]
pub struct Created {
    /// The subscription as listed later.
    pub webhook: Webhook,
    /// The signing secret (`whsec_…`).
    pub secret: String,
}

/// Whether `caller` may subscribe webhooks at all (pages show the link).
pub fn may_subscribe(caller: &Principal) -> bool {
    caller.is_admin() || caller.has_role(Role::Manager)
}

/// The parties `caller` holds the Manager role on.
fn managed(caller: &Principal) -> Vec<PartyId> {
    let mut parties: Vec<PartyId> = caller
        .grants
        .iter()
        .filter(|g| g.role == Role::Manager)
        .map(|g| g.party_id)
        .collect();
    parties.sort();
    parties.dedup();
    parties
}

/// Makes a subscription for the caller, with a fresh signing secret.
pub async fn create(
    ctx: &Context,
    caller: &Principal,
    input: NewSubscription,
) -> Result<Created, Error> {
    if !may_subscribe(caller) {
        return Err(Error::forbidden(
            "only managers and admins subscribe webhooks",
        ));
    }
    let mut errors = ValidationErrors::new();
    let url = errors.check(parse_url(
        "url",
        &input.url,
        ctx.settings.webhook_allow_http,
    ));
    let topics = match parse_topics("topics", &input.topics) {
        Ok(topics) => Some(topics),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    let party_id = errors.check(scope(caller, input.party_id));
    let (Some(url), Some(topics), Some(party_id)) = (url, topics, party_id) else {
        return Err(errors.into());
    };
    let secret = new_secret()?;
    let new = NewWebhook {
        owner_id: caller.user_id,
        party_id,
        url,
        topics,
        secret: secret.clone(),
    };
    let webhook = ctx.store.create_webhook(&Actor::user(caller), new).await?;
    Ok(Created { webhook, secret })
}

/// The party a new subscription of `caller` is scoped to.
fn scope(caller: &Principal, asked: Option<PartyId>) -> Result<Option<PartyId>, FieldError> {
    if caller.is_admin() {
        return Ok(asked);
    }
    let managed = managed(caller);
    match asked {
        Some(party) if managed.contains(&party) => Ok(Some(party)),
        Some(_) => Err(FieldError::new(
            "party_id",
            "must be a party you hold the Manager role on",
        )),
        None => match managed.as_slice() {
            [one] => Ok(Some(*one)),
            _ => Err(FieldError::new(
                "party_id",
                "is required: you manage several parties, name the one to hear of",
            )),
        },
    }
}

/// 32 random bytes as a signing secret.
fn new_secret() -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    debug_assert!((SECRET_BYTES.0..=SECRET_BYTES.1).contains(&bytes.len()));
    getrandom::fill(&mut bytes).map_err(Error::internal)?;
    Ok(secret_from(&bytes))
}

/// What `caller`'s lists show.
fn visible(caller: &Principal) -> WebhookQuery {
    WebhookQuery {
        all: caller.is_admin(),
        owner: Some(caller.user_id),
        parties: managed(caller),
    }
}

/// The active subscriptions the caller sees, oldest first.
pub async fn list(ctx: &Context, caller: &Principal) -> Result<Vec<Webhook>, Error> {
    Ok(ctx.store.list_webhooks(&visible(caller)).await?)
}

/// Deletes a subscription the caller sees; any other is not found.
pub async fn delete(ctx: &Context, caller: &Principal, id: WebhookId) -> Result<Webhook, Error> {
    let hook = ctx.store.webhook(id).await?;
    let query = visible(caller);
    let sees = query.all
        || Some(hook.owner_id) == query.owner
        || hook.party_id.is_some_and(|p| query.parties.contains(&p));
    if !sees || hook.archived_at.is_some() {
        return Err(Error::not_found());
    }
    Ok(ctx.store.delete_webhook(&Actor::user(caller), id).await?)
}

/// Whether `owner` may still hear of what `hook` is scoped to: an admin
/// of everything, a manager of their party. A subscription whose owner
/// lost the role (or the login) falls silent rather than leak.
pub fn owner_may_hear(owner: &Principal, hook: &Webhook) -> bool {
    owner.is_admin() || hook.party_id.is_some_and(|p| managed(owner).contains(&p))
}

/// A subscription as the webhooks page lists it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The subscription.
    pub webhook: Webhook,
    /// What it is scoped to, in words: a party's name, or every contract.
    pub scope: String,
}

/// A party a new subscription may be scoped to, as the page offers it
/// (`None`: every contract).
#[derive(Debug, Clone)]
pub struct Scope {
    /// The party.
    pub party_id: Option<PartyId>,
    /// Its name.
    pub name: String,
}

/// What the webhooks page shows the caller: their subscriptions, and the
/// scopes a new one may take (for an admin, every contract and the first
/// organisations by name; for a manager, the parties they manage).
pub async fn page(ctx: &Context, caller: &Principal) -> Result<(Vec<Row>, Vec<Scope>), Error> {
    let hooks = list(ctx, caller).await?;
    let mut scopes = Vec::new();
    let mut parties: Vec<PartyId> = hooks.iter().filter_map(|h| h.party_id).collect();
    if caller.is_admin() {
        scopes.push(Scope {
            party_id: None,
            name: EVERY_CONTRACT.to_owned(),
        });
        let mut query = kept_store::PartyQuery::new(kept_domain::PartyScope::All);
        query.kind = Some(kept_domain::PartyKind::Organisation);
        query.order = kept_store::PartyOrder::Name;
        query.limit = kept_domain::Limit::MAX_PAGE;
        for party in ctx.store.list_parties(&query).await?.items {
            scopes.push(Scope {
                party_id: Some(party.id),
                name: party.name.as_str().to_owned(),
            });
        }
    } else {
        let managed = managed(caller);
        parties.extend(&managed);
        scopes.extend(managed.into_iter().map(|p| Scope {
            party_id: Some(p),
            name: String::new(),
        }));
    }
    let names = ctx.party_names(&parties).await?;
    let name = |p: Option<PartyId>| match p {
        None => EVERY_CONTRACT.to_owned(),
        Some(p) => names.get(&p).cloned().unwrap_or_else(|| p.to_string()),
    };
    for scope in scopes.iter_mut().filter(|s| s.name.is_empty()) {
        scope.name = name(scope.party_id);
    }
    let rows = hooks
        .into_iter()
        .map(|webhook| Row {
            scope: name(webhook.party_id),
            webhook,
        })
        .collect();
    Ok((rows, scopes))
}

/// How an admin-wide subscription's scope reads.
const EVERY_CONTRACT: &str = "every contract";
