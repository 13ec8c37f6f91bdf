//! The chain view: every supplier → customer link the caller may see, the
//! names of their parties, which of them the caller may open, a selected
//! party's walks upstream and downstream, and what the caller may do (link
//! two parties, end each link). The web page draws it; the rules are the
//! domain's.

use std::collections::{BTreeMap, BTreeSet};

use kept_domain::chain::MAX_DEPTH;
use kept_domain::{
    ChainGraph, Direction, Limit, Lineage, Link, LinkId, PartyId, PartyKind, Principal, Reached,
};
use kept_store::{PartyOrder, PartyQuery};

use crate::Context;
use crate::error::Error;

/// A selected party and what its walks reach.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The party.
    pub id: PartyId,
    /// Its suppliers, theirs and so on, nearest first: walked from the
    /// party and every party it sits under (a store is served through its
    /// head office's suppliers).
    pub upstream: Vec<Reached>,
    /// Its customers, theirs and so on, nearest first.
    pub downstream: Vec<Reached>,
}

/// The chain as the caller may see it.
#[derive(Debug, Clone)]
pub struct ChainView {
    /// The active links the caller may see.
    pub links: Vec<Link>,
    /// The names of the links' parties and of the selected one.
    pub names: BTreeMap<PartyId, String>,
    /// The parties among those whose chain the caller may open; the others
    /// (a supplier above their own party, say) show by name only.
    pub openable: BTreeSet<PartyId>,
    /// The selected party, if any.
    pub selected: Option<Selection>,
    /// Whether to offer the form to link two parties
    /// ([`Principal::may_make_links`]).
    pub may_link: bool,
    /// The parties the form offers, by name: every party the caller sees
    /// (empty unless `may_link`).
    pub choices: Vec<(PartyId, String, PartyKind)>,
    /// The links the caller may end ([`Principal::change_link`]).
    pub may_end: BTreeSet<LinkId>,
}

impl ChainView {
    /// A party's name, or its id when the store has none for it.
    pub fn name(&self, id: PartyId) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// Whether the caller may open the party's chain.
    pub fn opens(&self, id: PartyId) -> bool {
        self.openable.contains(&id)
    }
}

/// The chain the caller may see, with `selected` highlighted: 404 for a
/// party they may not see. One query for the links and one for the names;
/// the lineages, which decide what may be opened and ended, come through
/// the reference cache, one per party rather than one per link.
pub async fn chain_view(
    ctx: &Context,
    caller: &Principal,
    selected: Option<PartyId>,
) -> Result<ChainView, Error> {
    let links = ctx.store.chain_links(&caller.party_scope()).await?;
    let ids: BTreeSet<PartyId> = links
        .iter()
        .flat_map(|l| [l.supplier_id, l.customer_id])
        .chain(selected)
        .collect();
    let mut lineages: BTreeMap<PartyId, Lineage> = BTreeMap::new();
    for id in &ids {
        lineages.insert(*id, ctx.store.lineage(*id).await?);
    }
    let openable: BTreeSet<PartyId> = lineages
        .iter()
        .filter(|(_, l)| caller.read_party(l).is_allowed())
        .map(|(id, _)| *id)
        .collect();
    let selected = match selected.and_then(|id| Some((id, lineages.get(&id)?))) {
        Some((id, lineage)) => {
            Error::check(caller.read_party(lineage))?;
            let graph = ChainGraph::new(&links);
            Some(Selection {
                id,
                upstream: graph.walk(&lineage.0, Direction::Upstream, MAX_DEPTH),
                downstream: graph.walk(&[id], Direction::Downstream, MAX_DEPTH),
            })
        }
        None => None,
    };
    let may_end = links
        .iter()
        .filter(
            |l| match (lineages.get(&l.supplier_id), lineages.get(&l.customer_id)) {
                (Some(s), Some(c)) => caller.change_link(s, c).is_allowed(),
                _ => false,
            },
        )
        .map(|l| l.id)
        .collect();
    let names = ctx
        .store
        .party_names(&ids.iter().copied().collect::<Vec<_>>())
        .await?
        .into_iter()
        .map(|(id, n)| (id, n.as_str().to_owned()))
        .collect();
    let may_link = caller.may_make_links();
    let choices = if may_link {
        link_choices(ctx, caller).await?
    } else {
        Vec::new()
    };
    Ok(ChainView {
        links,
        names,
        openable,
        selected,
        may_link,
        choices,
        may_end,
    })
}

/// Every party the caller sees, by name, for the link form.
async fn link_choices(
    ctx: &Context,
    caller: &Principal,
) -> Result<Vec<(PartyId, String, PartyKind)>, Error> {
    let page = ctx
        .store
        .list_parties(&PartyQuery {
            order: PartyOrder::Name,
            limit: Limit::MAX_PAGE,
            ..PartyQuery::new(caller.party_scope())
        })
        .await?;
    Ok(page
        .items
        .into_iter()
        .map(|p| (p.id, p.name.as_str().to_owned(), p.kind))
        .collect())
}
