//! The service chain: directed supplier → customer links between parties,
//! and walks along them.
//!
//! Links form a directed acyclic graph: a party may supply several customers
//! and be served by several suppliers, but no party is ever its own supplier,
//! directly or through others. A party nested under a linked party (a store
//! of a client, a participant of a cohort) is served through its ancestors'
//! links, so walks upstream start from the party's whole lineage.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::error::{FieldError, single_line};
use crate::ids::{LinkId, PartyId};

/// The longest label a link may carry.
pub const MAX_LABEL: usize = 200;
/// The deepest walk a query may ask for.
pub const MAX_DEPTH: u32 = 32;

/// A directed supplier → customer relationship between two parties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Link {
    /// The link's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: LinkId,
    /// The party that provides.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub supplier_id: PartyId,
    /// The party that is served.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub customer_id: PartyId,
    /// What flows along the link ("course materials", "facilities services").
    pub label: Option<String>,
    /// When the link was ended, if it was.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub archived_at: Option<Timestamp>,
    /// When it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

impl Link {
    /// Whether the link has been ended.
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// A link to be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    /// The party that provides.
    pub supplier_id: PartyId,
    /// The party that is served.
    pub customer_id: PartyId,
    /// What flows along it.
    pub label: Option<String>,
}

impl NewLink {
    /// A link, checking the label and refusing a party linked to itself.
    pub fn new(
        supplier_id: PartyId,
        customer_id: PartyId,
        label: Option<&str>,
    ) -> Result<Self, FieldError> {
        if supplier_id == customer_id {
            return Err(FieldError::new(
                "customer_id",
                "a party cannot be its own supplier",
            ));
        }
        let label = label
            .map(|l| single_line("label", l, MAX_LABEL))
            .transpose()?
            .filter(|l| !l.is_empty());
        Ok(Self {
            supplier_id,
            customer_id,
            label,
        })
    }
}

/// Which way a walk goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Towards suppliers.
    Upstream,
    /// Towards customers.
    Downstream,
}

/// A party reached by a walk, at its distance in links, through `link_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reached {
    /// The party reached.
    pub party_id: PartyId,
    /// How many links away it is (1 for a direct supplier or customer).
    pub depth: u32,
    /// The link by which it was first reached.
    pub link_id: LinkId,
    /// The party on the near side of that link.
    pub from_id: PartyId,
}

/// The links among some parties, ready to walk.
#[derive(Debug, Clone, Default)]
pub struct ChainGraph {
    /// supplier → (customer, link)
    down: BTreeMap<PartyId, Vec<(PartyId, LinkId)>>,
    /// customer → (supplier, link)
    up: BTreeMap<PartyId, Vec<(PartyId, LinkId)>>,
}

impl ChainGraph {
    /// The graph of the given (active) links.
    pub fn new<'a>(links: impl IntoIterator<Item = &'a Link>) -> Self {
        let mut graph = Self::default();
        for l in links {
            graph.add(l.supplier_id, l.customer_id, l.id);
        }
        graph
    }

    fn add(&mut self, supplier: PartyId, customer: PartyId, link: LinkId) {
        self.down
            .entry(supplier)
            .or_default()
            .push((customer, link));
        self.up.entry(customer).or_default().push((supplier, link));
    }

    fn edges(&self, direction: Direction) -> &BTreeMap<PartyId, Vec<(PartyId, LinkId)>> {
        match direction {
            Direction::Upstream => &self.up,
            Direction::Downstream => &self.down,
        }
    }

    /// Every party reachable from `start` (a party and, for upstream walks,
    /// its ancestors) within `depth` links, nearest first, each once.
    pub fn walk(&self, start: &[PartyId], direction: Direction, depth: u32) -> Vec<Reached> {
        let edges = self.edges(direction);
        let mut seen: BTreeSet<PartyId> = start.iter().copied().collect();
        let mut queue: VecDeque<(PartyId, u32)> = start.iter().map(|p| (*p, 0)).collect();
        let mut out = Vec::new();
        while let Some((party, d)) = queue.pop_front() {
            if d >= depth {
                continue;
            }
            for &(next, link) in edges.get(&party).into_iter().flatten() {
                if seen.insert(next) {
                    out.push(Reached {
                        party_id: next,
                        depth: d + 1,
                        link_id: link,
                        from_id: party,
                    });
                    queue.push_back((next, d + 1));
                }
            }
        }
        out
    }

    /// The shortest supplier → customer path from `from` to `to`, both ends
    /// included, if there is one.
    pub fn path(&self, from: PartyId, to: PartyId) -> Option<Vec<PartyId>> {
        if from == to {
            return Some(vec![from]);
        }
        let mut previous: BTreeMap<PartyId, PartyId> = BTreeMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(party) = queue.pop_front() {
            for &(next, _) in self.down.get(&party).into_iter().flatten() {
                if next == from || previous.contains_key(&next) {
                    continue;
                }
                previous.insert(next, party);
                if next == to {
                    let mut path = vec![to];
                    let mut at = to;
                    while let Some(&p) = previous.get(&at) {
                        path.push(p);
                        at = p;
                    }
                    path.reverse();
                    return Some(path);
                }
                queue.push_back(next);
            }
        }
        None
    }

    /// Every party in the graph with its layer: 0 for parties with no
    /// supplier, otherwise one more than the deepest of its suppliers, so
    /// each link points to a later layer.
    pub fn layers(&self) -> BTreeMap<PartyId, u32> {
        let mut layer: BTreeMap<PartyId, u32> = BTreeMap::new();
        let mut waiting: BTreeMap<PartyId, usize> = BTreeMap::new();
        for (&p, customers) in &self.down {
            waiting.entry(p).or_insert(0);
            for &(c, _) in customers {
                *waiting.entry(c).or_insert(0) += 1;
            }
        }
        let mut ready: VecDeque<PartyId> = waiting
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(p, _)| *p)
            .collect();
        while let Some(p) = ready.pop_front() {
            let here = *layer.entry(p).or_insert(0);
            for &(c, _) in self.down.get(&p).into_iter().flatten() {
                let l = layer.entry(c).or_insert(0);
                *l = (*l).max(here + 1);
                if let Some(n) = waiting.get_mut(&c) {
                    *n -= 1;
                    if *n == 0 {
                        ready.push_back(c);
                    }
                }
            }
        }
        layer
    }

    /// The loop that linking `supplier` → `customer` would close, as the path
    /// `supplier, customer, …, supplier`; `None` if the link is safe.
    pub fn cycle_with(&self, supplier: PartyId, customer: PartyId) -> Option<Vec<PartyId>> {
        let mut path = self.path(customer, supplier)?;
        path.insert(0, supplier);
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(graph: &mut ChainGraph, a: PartyId, b: PartyId) {
        graph.add(a, b, LinkId::new());
    }

    #[test]
    fn walks_up_and_down_the_training_chain_to_a_depth() {
        let [publisher, company, trainer, cohort] = std::array::from_fn(|_| PartyId::new());
        let mut g = ChainGraph::default();
        link(&mut g, publisher, company);
        link(&mut g, company, trainer);
        link(&mut g, trainer, cohort);

        let up: Vec<_> = g
            .walk(&[cohort], Direction::Upstream, MAX_DEPTH)
            .iter()
            .map(|r| (r.party_id, r.depth))
            .collect();
        assert_eq!(up, [(trainer, 1), (company, 2), (publisher, 3)]);
        let down: Vec<_> = g
            .walk(&[publisher], Direction::Downstream, 2)
            .iter()
            .map(|r| r.party_id)
            .collect();
        assert_eq!(down, [company, trainer]);
        assert_eq!(
            g.path(publisher, cohort),
            Some(vec![publisher, company, trainer, cohort])
        );
        assert_eq!(g.path(cohort, publisher), None);
    }

    #[test]
    fn layers_put_every_customer_after_its_suppliers() {
        let [a, b, c, d] = std::array::from_fn(|_| PartyId::new());
        let mut g = ChainGraph::default();
        link(&mut g, a, b);
        link(&mut g, b, c);
        link(&mut g, a, c);
        link(&mut g, d, c);
        let layers = g.layers();
        assert_eq!(layers[&a], 0);
        assert_eq!(layers[&d], 0);
        assert_eq!(layers[&b], 1);
        assert_eq!(layers[&c], 2);
    }

    #[test]
    fn names_the_loop_a_new_link_would_close() {
        let [a, b, c] = std::array::from_fn(|_| PartyId::new());
        let mut g = ChainGraph::default();
        link(&mut g, a, b);
        link(&mut g, b, c);
        assert_eq!(g.cycle_with(c, a), Some(vec![c, a, b, c]));
        assert_eq!(g.cycle_with(a, c), None);
    }

    #[test]
    fn refuses_a_party_as_its_own_supplier() {
        let a = PartyId::new();
        assert!(NewLink::new(a, a, None).is_err());
        assert!(NewLink::new(a, PartyId::new(), Some("line\nbreak")).is_err());
    }
}
