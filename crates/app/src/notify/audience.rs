//! Who an audience is, for one request or change request: contacts found
//! through the parties' lineages (whoever holds the role on the party or
//! on a party above it), and the steering group by name.

use std::collections::HashMap;

use kept_domain::{Audience, Contract, PartyId, Request, Role, UserId};
use kept_store::notify::Contact;

use crate::Context;
use crate::error::Error;

/// How far down the chain an escalation's waiting customers are named.
const MAX_DEPTH: usize = 32;

/// The people of `audience` on `contract`; `requester` is who raised the
/// request, when there is one.
pub async fn people(
    ctx: &Context,
    audience: Audience,
    requester: Option<UserId>,
    contract: &Contract,
) -> Result<Vec<Contact>, Error> {
    let on = |party: PartyId, roles: &'static [Role]| async move {
        let lineage = ctx.store.lineage(party).await?;
        Ok::<_, Error>(ctx.store.contacts(&lineage.0, roles).await?)
    };
    match audience {
        Audience::Requester => users(ctx, requester.as_slice()).await,
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
        // A message's sender is named by its outbox row, not found here
        // (see `super::answer`).
        Audience::Sender => Ok(Vec::new()),
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

/// The customers of the requests down the chain that `request` was
/// escalated from, nearest first.
pub async fn waiting_downstream(ctx: &Context, request: &Request) -> Result<Vec<String>, Error> {
    let mut parties: Vec<PartyId> = Vec::new();
    let mut next = request.escalated_from;
    let mut depth = 0;
    while let Some(id) = next {
        depth += 1;
        if depth > MAX_DEPTH {
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
