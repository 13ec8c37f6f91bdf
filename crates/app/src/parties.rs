//! Parties: reading one, who may manage it or place a party under it, the
//! writes (create, change, archive, restore) that the API and the pages
//! both run, and the views of the list and of a party's page.

use std::collections::HashMap;

use serde::Serialize;

use crate::Context;
use crate::error::Error;
use kept_domain::{
    Access, Actor, AuditEvent, Cursor, Limit, NewParty, Page, Party, PartyId, PartyKind, PartyName,
    PartyPatch, PartyScope, Principal,
};
use kept_store::{ArchivedFilter, AuditQuery, PartyOrder, PartyQuery};

/// Decides whether the caller may place a party under `parent` (or at the
/// top). A parent the caller cannot see is reported as missing.
pub async fn check_may_place_under(
    ctx: &Context,
    caller: &Principal,
    parent: Option<PartyId>,
) -> Result<(), Error> {
    let access = match parent {
        None => caller.create_top_level_party(),
        Some(id) => match ctx.store.lineage(id).await {
            Ok(lineage) => caller.manage_party(&lineage),
            Err(kept_store::StoreError::NotFound) => Access::Hidden,
            Err(e) => return Err(e.into()),
        },
    };
    match access {
        Access::Hidden => Err(Error::field("parent_id", "no such party")),
        other => Error::check(other),
    }
}

/// Loads a party the caller may read, or answers not found.
pub async fn readable_party(
    ctx: &Context,
    caller: &Principal,
    id: PartyId,
) -> Result<Party, Error> {
    let lineage = ctx.store.lineage(id).await?;
    Error::check(caller.read_party(&lineage))?;
    Ok(ctx.store.party(id).await?)
}

/// A party seen by name only: one above what the caller reaches (their
/// head office, say), whose details are not theirs to see.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedParty {
    /// Its identifier.
    pub id: PartyId,
    /// What sort of party it is.
    pub kind: PartyKind,
    /// Its display name.
    pub name: PartyName,
    /// Always `true`: the party is shown by name only.
    pub name_only: bool,
}

/// A party as the caller may see it: in full, or by name only.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ShownParty {
    /// A party the caller reaches (any party, for admins): every detail.
    Full(Party),
    /// A party above what the caller reaches: its id, kind and name.
    NameOnly(NamedParty),
}

impl ShownParty {
    /// Its identifier.
    pub fn id(&self) -> PartyId {
        match self {
            Self::Full(p) => p.id,
            Self::NameOnly(p) => p.id,
        }
    }

    /// Its name.
    pub fn name(&self) -> &PartyName {
        match self {
            Self::Full(p) => &p.name,
            Self::NameOnly(p) => &p.name,
        }
    }

    /// Its kind.
    pub fn kind(&self) -> PartyKind {
        match self {
            Self::Full(p) => p.kind,
            Self::NameOnly(p) => p.kind,
        }
    }

    /// The party in full, when the caller sees its details.
    pub fn full(&self) -> Option<&Party> {
        match self {
            Self::Full(p) => Some(p),
            Self::NameOnly(_) => None,
        }
    }
}

/// A party the caller may read, as they may see it
/// ([`Principal::sees_party_details`]).
async fn shown(ctx: &Context, caller: &Principal, party: Party) -> Result<ShownParty, Error> {
    // A readable party outside the caller's context is one they reach (or
    // they are an admin), so only context parties need their lineage.
    if !caller.context.contains(&party.id)
        || caller.sees_party_details(&ctx.store.lineage(party.id).await?)
    {
        return Ok(ShownParty::Full(party));
    }
    Ok(ShownParty::NameOnly(NamedParty {
        id: party.id,
        kind: party.kind,
        name: party.name,
        name_only: true,
    }))
}

/// A party the caller may read, as they may see it: in full, or (a party
/// above what they reach) by name only; not found otherwise.
pub async fn read(ctx: &Context, caller: &Principal, id: PartyId) -> Result<ShownParty, Error> {
    let party = readable_party(ctx, caller, id).await?;
    shown(ctx, caller, party).await
}

/// Fails unless the caller may manage the party.
pub async fn check_may_manage(ctx: &Context, caller: &Principal, id: PartyId) -> Result<(), Error> {
    let lineage = ctx.store.lineage(id).await?;
    Error::check(caller.manage_party(&lineage))
}

/// Creates a party where the caller may place it: admins anywhere,
/// managers under the parties they manage.
pub async fn create(ctx: &Context, caller: &Principal, new: NewParty) -> Result<Party, Error> {
    check_may_place_under(ctx, caller, new.parent_id).await?;
    Ok(ctx.store.create_party(&Actor::user(caller), new).await?)
}

/// Changes a party the caller manages; a move also needs the right to
/// place it under its new parent.
pub async fn update(
    ctx: &Context,
    caller: &Principal,
    id: PartyId,
    patch: PartyPatch,
) -> Result<Party, Error> {
    check_may_manage(ctx, caller, id).await?;
    // A patch that repeats the current parent is not a move.
    if let Some(parent) = patch.parent_id
        && parent != ctx.store.party(id).await?.parent_id
    {
        check_may_place_under(ctx, caller, parent).await?;
    }
    Ok(ctx
        .store
        .update_party(&Actor::user(caller), id, patch)
        .await?)
}

/// Archives a party the caller manages (refused while active parties or
/// an active login sit under it).
pub async fn archive(ctx: &Context, caller: &Principal, id: PartyId) -> Result<Party, Error> {
    set_archived(ctx, caller, id, true).await
}

/// Restores an archived party the caller manages (its parent must be active).
pub async fn restore(ctx: &Context, caller: &Principal, id: PartyId) -> Result<Party, Error> {
    set_archived(ctx, caller, id, false).await
}

async fn set_archived(
    ctx: &Context,
    caller: &Principal,
    id: PartyId,
    archived: bool,
) -> Result<Party, Error> {
    check_may_manage(ctx, caller, id).await?;
    Ok(ctx
        .store
        .set_party_archived(&Actor::user(caller), id, archived)
        .await?)
}

/// Which parties to list: a [`PartyQuery`] without its scope, which is
/// always the caller's.
#[derive(Debug, Clone, Default)]
pub struct PartyFilter {
    /// Only parties of this kind.
    pub kind: Option<PartyKind>,
    /// Only the direct children of this party.
    pub parent_id: Option<PartyId>,
    /// Only parties nested at any depth under this one.
    pub under: Option<PartyId>,
    /// Only internal (or only external) parties.
    pub internal: Option<bool>,
    /// Only parties whose name contains this text, ignoring case.
    pub search: Option<String>,
    /// Archived parties too, or only them.
    pub archived: ArchivedFilter,
    /// The order.
    pub order: PartyOrder,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

impl PartyFilter {
    fn within(self, scope: PartyScope) -> PartyQuery {
        PartyQuery {
            scope,
            kind: self.kind,
            parent_id: self.parent_id,
            under: self.under,
            internal: self.internal,
            search: self.search,
            archived: self.archived,
            order: self.order,
            cursor: self.cursor,
            limit: self.limit,
        }
    }
}

/// A page of the parties the caller may see, each as they may see it.
pub async fn list_shown(
    ctx: &Context,
    caller: &Principal,
    filter: PartyFilter,
) -> Result<Page<ShownParty>, Error> {
    let page = list(ctx, caller, filter).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for party in page.items {
        items.push(shown(ctx, caller, party).await?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// A page of the parties the caller may see, in full (for use cases that
/// go on to check what the caller may do with each).
pub async fn list(
    ctx: &Context,
    caller: &Principal,
    filter: PartyFilter,
) -> Result<Page<Party>, Error> {
    let query = filter.within(caller.party_scope());
    Ok(ctx.store.list_parties(&query).await?)
}

/// A party with its parent's id and name (when it has one and the caller
/// sees its details), as a row of a list.
#[derive(Debug, Clone)]
pub struct PartyRow {
    /// The party, as the caller may see it.
    pub party: ShownParty,
    /// Its parent, by id and name.
    pub parent: Option<(PartyId, String)>,
}

/// A page of parties as the list page shows it.
#[derive(Debug, Clone)]
pub struct PartyListing {
    /// The parties, with their parents' names.
    pub rows: Vec<PartyRow>,
    /// Where the next page starts, if there is one.
    pub next_cursor: Option<Cursor>,
    /// Whether the caller may create a party at the top (admins).
    pub can_create_top: bool,
}

/// The parties the caller may see, with their parents' names, and whether
/// they may add one at the top.
pub async fn listing(
    ctx: &Context,
    caller: &Principal,
    filter: PartyFilter,
) -> Result<PartyListing, Error> {
    let page = list_shown(ctx, caller, filter).await?;
    Ok(PartyListing {
        rows: rows(ctx, page.items).await?,
        next_cursor: page.next_cursor,
        can_create_top: caller.create_top_level_party().is_allowed(),
    })
}

/// The names of the parties `ids`, for views that show parties by name
/// (parties the caller reaches through what they already read).
pub(crate) async fn names(
    ctx: &Context,
    ids: &[PartyId],
) -> Result<HashMap<PartyId, String>, Error> {
    Ok(ctx
        .store
        .party_names(ids)
        .await?
        .into_iter()
        .map(|(id, n)| (id, n.as_str().to_owned()))
        .collect())
}

/// Rows for parties, with their parents' names.
async fn rows(ctx: &Context, parties: Vec<ShownParty>) -> Result<Vec<PartyRow>, Error> {
    let parent_id = |p: &ShownParty| p.full().and_then(|p| p.parent_id);
    let parent_ids: Vec<PartyId> = parties.iter().filter_map(parent_id).collect();
    let names = names(ctx, &parent_ids).await?;
    Ok(parties
        .into_iter()
        .map(|party| {
            let parent = parent_id(&party).and_then(|id| names.get(&id).map(|n| (id, n.clone())));
            PartyRow { party, parent }
        })
        .collect())
}

/// The parties the caller manages among every party they see of `kind`
/// (any kind but people when `None`), by name: those they may keep
/// services or calendars for.
pub(crate) async fn managed(
    ctx: &Context,
    caller: &Principal,
    kind: Option<PartyKind>,
) -> Result<Vec<(PartyId, String)>, Error> {
    let filter = PartyFilter {
        kind,
        order: PartyOrder::Name,
        limit: Limit::MAX_PAGE,
        ..PartyFilter::default()
    };
    let mut out = Vec::new();
    for p in list(ctx, caller, filter).await?.items {
        if p.kind == PartyKind::Person {
            continue;
        }
        if caller
            .manage_party(&ctx.store.lineage(p.id).await?)
            .is_allowed()
        {
            out.push((p.id, p.name.as_str().to_owned()));
        }
    }
    Ok(out)
}

/// A party as its page shows it.
#[derive(Debug, Clone)]
pub struct PartyView {
    /// The party: in full, or (above what the caller reaches) by name only.
    pub party: ShownParty,
    /// The parties above it, from the top, by id and name.
    pub trail: Vec<(PartyId, String)>,
    /// The parties directly under it (archived ones too) that the caller
    /// sees, by name, one page of the largest size.
    pub children: Vec<PartyRow>,
    /// Whether more children exist than `children` holds.
    pub more_children: bool,
    /// Whether the caller may manage it.
    pub can_manage: bool,
    /// The kinds of party that may sit under it.
    pub child_kinds: Vec<PartyKind>,
    /// Its latest changes, for those who manage it (empty otherwise).
    pub history: Vec<AuditEvent>,
}

/// How many changes a party's page shows.
const HISTORY: u32 = 20;

/// The party `id` as the caller may see it, with its trail, its children
/// and (for its managers) its history.
pub async fn view(ctx: &Context, caller: &Principal, id: PartyId) -> Result<PartyView, Error> {
    let party = readable_party(ctx, caller, id).await?;
    let lineage = ctx.store.lineage(id).await?;
    let names = names(ctx, &lineage.0).await?;
    let trail = lineage.0[..lineage.0.len().saturating_sub(1)]
        .iter()
        .filter_map(|p| names.get(p).map(|n| (*p, n.clone())))
        .collect();
    let can_manage = caller.manage_party(&lineage) == Access::Allowed;
    // Context parties (a customer's head office) show themselves, not what is under them.
    let scope = match caller.party_scope() {
        PartyScope::Within { roots, .. } => PartyScope::Within {
            roots,
            context: Vec::new(),
        },
        all => all,
    };
    let children = ctx
        .store
        .list_parties(&PartyQuery {
            parent_id: Some(id),
            archived: ArchivedFilter::All,
            order: PartyOrder::Name,
            limit: Limit::MAX_PAGE,
            ..PartyQuery::new(scope)
        })
        .await?;
    let history = if can_manage {
        let query = AuditQuery {
            subject_type: Some("party".into()),
            subject_id: Some(id.to_string()),
            limit: Limit::parse("limit", HISTORY).unwrap_or_default(),
            ..AuditQuery::default()
        };
        ctx.store.audit_events(&query).await?.items
    } else {
        Vec::new()
    };
    let child_kinds = PartyKind::ALL
        .into_iter()
        .filter(|k| k.may_sit_under(Some(party.kind)).is_ok())
        .collect();
    // Children come from what the caller reaches (no context): in full.
    let children_rows = children.items.into_iter().map(ShownParty::Full).collect();
    Ok(PartyView {
        more_children: children.next_cursor.is_some(),
        children: rows(ctx, children_rows).await?,
        party: shown(ctx, caller, party).await?,
        trail,
        can_manage,
        child_kinds,
        history,
    })
}
