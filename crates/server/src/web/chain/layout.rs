//! Where the chain page draws each party and link: a pure function from the
//! links, the parties' names and the highlighted walk to boxes and lines in
//! SVG coordinates.
//!
//! Parties stand in columns by layer, suppliers on the left, so every arrow
//! points right. The first column is sorted by name; each later one by the
//! mean row of its suppliers (then name), which keeps most arrows from
//! crossing.

use std::collections::{BTreeMap, BTreeSet};

use kept_domain::{ChainGraph, Link, PartyId};

/// A party's box width.
pub const NODE_W: i64 = 200;
/// A party's box height.
pub const NODE_H: i64 = 40;
/// The space between columns, where the arrows run.
const GAP_X: i64 = 90;
/// The space between rows.
const GAP_Y: i64 = 24;
/// The margin around the drawing.
const PAD: i64 = 16;

/// The walk to highlight: the selected party and what it reaches.
#[derive(Debug, Default)]
pub struct Highlight {
    /// The selected party (drawn only if it has links of its own).
    pub selected: Option<PartyId>,
    /// The parties upstream of it.
    pub upstream: BTreeSet<PartyId>,
    /// The parties downstream of it.
    pub downstream: BTreeSet<PartyId>,
}

/// A party's box.
#[derive(Debug)]
pub struct Node {
    /// The party.
    pub id: PartyId,
    /// Its full name, for the tooltip.
    pub name: String,
    /// Its name cut to fit the box.
    pub label: String,
    /// The box's left edge.
    pub x: i64,
    /// The box's top edge.
    pub y: i64,
    /// `node`, with `selected`, `upstream` or `downstream` when on the walk.
    pub class: &'static str,
}

/// A link's arrow, from the right of the supplier's box to the left of the
/// customer's.
#[derive(Debug)]
pub struct Edge {
    /// Where it starts, across.
    pub x1: i64,
    /// Where it starts, down.
    pub y1: i64,
    /// Where it ends, across.
    pub x2: i64,
    /// Where it ends, down.
    pub y2: i64,
    /// `edge`, with `on-walk` when the link is part of the highlighted walk.
    pub class: &'static str,
    /// "Supplier supplies Customer: label", for the tooltip.
    pub title: String,
}

/// The whole drawing.
#[derive(Debug)]
pub struct Drawing {
    /// Every party with a link, column by column, top to bottom.
    pub nodes: Vec<Node>,
    /// Every link, in the order given.
    pub edges: Vec<Edge>,
    /// The drawing's width.
    pub width: i64,
    /// The drawing's height.
    pub height: i64,
}

/// Lays out `links` (active and acyclic, as the store keeps them), naming
/// parties by `names` (their id when missing) and highlighting `walk`.
pub fn layout(links: &[Link], names: &BTreeMap<PartyId, String>, walk: &Highlight) -> Drawing {
    let name = |id: &PartyId| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let mut columns: BTreeMap<u32, Vec<PartyId>> = BTreeMap::new();
    for (id, layer) in ChainGraph::new(links).layers() {
        columns.entry(layer).or_default().push(id);
    }
    let mut at: BTreeMap<PartyId, (i64, i64)> = BTreeMap::new();
    let mut nodes = Vec::new();
    let mut rows = 0;
    for (layer, mut ids) in columns {
        // Suppliers are in earlier columns, so already placed.
        let mean_supplier_row = |id: &PartyId| {
            let ys: Vec<i64> = links
                .iter()
                .filter(|l| l.customer_id == *id)
                .filter_map(|l| at.get(&l.supplier_id).map(|(_, y)| *y))
                .collect();
            if ys.is_empty() {
                i64::MAX
            } else {
                ys.iter().sum::<i64>() / ys.len() as i64
            }
        };
        ids.sort_by_cached_key(|id| (mean_supplier_row(id), name(id).to_lowercase()));
        rows = rows.max(ids.len() as i64);
        for (row, id) in ids.into_iter().enumerate() {
            let (x, y) = (
                PAD + i64::from(layer) * (NODE_W + GAP_X),
                PAD + row as i64 * (NODE_H + GAP_Y),
            );
            at.insert(id, (x, y));
            let full = name(&id);
            nodes.push(Node {
                id,
                label: shorten(&full),
                name: full,
                x,
                y,
                class: walk.node_class(id),
            });
        }
    }
    let edges = links
        .iter()
        .filter_map(|l| {
            let (sx, sy) = at.get(&l.supplier_id)?;
            let (cx, cy) = at.get(&l.customer_id)?;
            Some(Edge {
                x1: sx + NODE_W,
                y1: sy + NODE_H / 2,
                x2: *cx,
                y2: cy + NODE_H / 2,
                class: if walk.follows(l) {
                    "edge on-walk"
                } else {
                    "edge"
                },
                title: format!(
                    "{} supplies {}{}",
                    name(&l.supplier_id),
                    name(&l.customer_id),
                    l.label
                        .as_ref()
                        .map(|t| format!(": {t}"))
                        .unwrap_or_default()
                ),
            })
        })
        .collect();
    let width = PAD * 2 + (nodes.iter().map(|n| n.x).max().unwrap_or(0) + NODE_W).max(NODE_W);
    let height = PAD * 2 + rows.max(1) * (NODE_H + GAP_Y);
    Drawing {
        nodes,
        edges,
        width,
        height,
    }
}

impl Highlight {
    fn node_class(&self, id: PartyId) -> &'static str {
        if self.selected == Some(id) {
            "node selected"
        } else if self.upstream.contains(&id) {
            "node upstream"
        } else if self.downstream.contains(&id) {
            "node downstream"
        } else {
            "node"
        }
    }

    /// Whether the link is part of the walk: both its ends are on it, and
    /// it does not jump from upstream straight to downstream (a bypass of
    /// the selected party).
    fn follows(&self, l: &Link) -> bool {
        let on = |p: PartyId| {
            Some(p) == self.selected || self.upstream.contains(&p) || self.downstream.contains(&p)
        };
        on(l.supplier_id)
            && on(l.customer_id)
            && !(self.upstream.contains(&l.supplier_id) && self.downstream.contains(&l.customer_id))
    }
}

/// A name cut to fit a box.
fn shorten(name: &str) -> String {
    const MAX: usize = 26;
    if name.chars().count() <= MAX {
        name.to_owned()
    } else {
        let cut: String = name.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use kept_domain::{LinkId, Timestamp};
    use proptest::prelude::*;

    use super::*;

    fn link(supplier: PartyId, customer: PartyId, label: Option<&str>) -> Link {
        Link {
            id: LinkId::new(),
            supplier_id: supplier,
            customer_id: customer,
            label: label.map(str::to_owned),
            archived_at: None,
            created_at: Timestamp::UNIX_EPOCH,
        }
    }

    /// Parties with these names, and the names by id.
    fn named<const N: usize>(names: [&str; N]) -> ([PartyId; N], BTreeMap<PartyId, String>) {
        let ids: [PartyId; N] = std::array::from_fn(|_| PartyId::new());
        let book = ids
            .iter()
            .zip(names)
            .map(|(id, n)| (*id, n.to_owned()))
            .collect();
        (ids, book)
    }

    fn node(d: &Drawing, id: PartyId) -> &Node {
        d.nodes
            .iter()
            .find(|n| n.id == id)
            .unwrap_or_else(|| panic!("no node for {id}"))
    }

    const COLUMN: i64 = NODE_W + GAP_X;
    const ROW: i64 = NODE_H + GAP_Y;

    #[test]
    fn parties_stand_in_columns_by_layer_and_the_drawing_fits_them() {
        let ([a, b, c, d], names) = named(["A", "B", "C", "D"]);
        let links = [
            link(a, b, None),
            link(b, c, None),
            link(a, c, None),
            link(d, c, None),
        ];

        let drawing = layout(&links, &names, &Highlight::default());

        let x = |id| node(&drawing, id).x;
        assert_eq!(
            [x(a), x(d), x(b), x(c)],
            [PAD, PAD, PAD + COLUMN, PAD + 2 * COLUMN]
        );
        assert_eq!(
            drawing.width,
            PAD + 2 * COLUMN + NODE_W + 2 * PAD,
            "the last column and a margin (twice the left one, as it always was)"
        );
        assert_eq!(
            drawing.height,
            PAD * 2 + 2 * ROW,
            "two rows in the first column"
        );
        assert_eq!(drawing.nodes.len(), 4);
        let ab = &drawing.edges[0];
        assert_eq!(
            (ab.x1, ab.y1, ab.x2, ab.y2),
            (
                PAD + NODE_W,
                PAD + NODE_H / 2,
                PAD + COLUMN,
                PAD + NODE_H / 2
            ),
            "from the supplier's right edge to the customer's left, mid-height"
        );
    }

    #[test]
    fn rows_follow_the_mean_supplier_row_then_the_name() {
        let ([beta, alpha, under_beta, under_alpha, under_both, other], names) = named([
            "beta",
            "Alpha",
            "Aardvark Ltd",
            "Zebra Ltd",
            "Middle Ltd",
            "Mango Ltd",
        ]);
        let links = [
            link(beta, under_beta, None),
            link(alpha, under_alpha, None),
            link(alpha, under_both, None),
            link(beta, under_both, None),
            link(alpha, other, None),
        ];

        let drawing = layout(&links, &names, &Highlight::default());

        let row = |id| (node(&drawing, id).y - PAD) / ROW;
        assert_eq!(
            [row(alpha), row(beta)],
            [0, 1],
            "the first column by name, ignoring case"
        );
        assert_eq!(
            [
                row(other),
                row(under_alpha),
                row(under_both),
                row(under_beta)
            ],
            [0, 1, 2, 3],
            "Alpha's customers by name, then the one between both, then beta's"
        );
    }

    #[test]
    fn the_walk_highlights_its_parties_and_links_but_not_a_bypass() {
        let ([a, b, c, d, e], names) = named(["A", "B", "C", "D", "E"]);
        let links = [
            link(a, b, Some("parts")),
            link(b, c, None),
            link(a, c, None),
            link(d, e, None),
        ];
        let walk = Highlight {
            selected: Some(b),
            upstream: BTreeSet::from([a]),
            downstream: BTreeSet::from([c]),
        };

        let drawing = layout(&links, &names, &walk);

        let class = |id| node(&drawing, id).class;
        assert_eq!(
            [class(a), class(b), class(c), class(d), class(e)],
            [
                "node upstream",
                "node selected",
                "node downstream",
                "node",
                "node"
            ]
        );
        let classes: Vec<&str> = drawing.edges.iter().map(|e| e.class).collect();
        assert_eq!(
            classes,
            ["edge on-walk", "edge on-walk", "edge", "edge"],
            "A → C goes round the selected party"
        );
        assert_eq!(drawing.edges[0].title, "A supplies B: parts");
        assert_eq!(drawing.edges[1].title, "B supplies C");
    }

    #[test]
    fn long_or_unknown_names_still_label_their_boxes() {
        let ([a], names) = named(["Leadership Essentials participants"]);
        let stranger = PartyId::new();

        let drawing = layout(&[link(a, stranger, None)], &names, &Highlight::default());

        let a = node(&drawing, a);
        assert_eq!(a.label, "Leadership Essentials par…");
        assert_eq!(a.label.chars().count(), 26);
        assert_eq!(a.name, "Leadership Essentials participants");
        assert_eq!(
            node(&drawing, stranger).label,
            stranger.to_string()[..25].to_owned() + "…"
        );
    }

    #[test]
    fn no_links_draw_nothing_in_a_box_of_one_node() {
        let drawing = layout(&[], &BTreeMap::new(), &Highlight::default());

        assert!(drawing.nodes.is_empty() && drawing.edges.is_empty());
        assert_eq!(
            (drawing.width, drawing.height),
            (PAD * 2 + NODE_W, PAD * 2 + ROW)
        );
    }

    /// Up to ten parties and links between them, each from an earlier party
    /// to a later one, so there is no loop.
    fn chain() -> impl Strategy<Value = (Vec<PartyId>, Vec<Link>)> {
        (2..10usize).prop_flat_map(|n| {
            prop::collection::btree_set((0..n, 0..n), 0..16).prop_map(move |pairs| {
                let parties: Vec<PartyId> = (0..n).map(|_| PartyId::new()).collect();
                let links = pairs
                    .into_iter()
                    .filter(|(s, c)| s < c)
                    .map(|(s, c)| link(parties[s], parties[c], None))
                    .collect();
                (parties, links)
            })
        })
    }

    proptest! {
        #[test]
        fn every_arrow_points_right_and_no_boxes_overlap((parties, links) in chain()) {
            let names = parties.iter().enumerate().map(|(n, id)| (*id, format!("P{n}"))).collect();

            let drawing = layout(&links, &names, &Highlight::default());

            prop_assert_eq!(drawing.edges.len(), links.len());
            for e in &drawing.edges {
                prop_assert!(e.x2 - e.x1 >= GAP_X, "{:?}", e);
            }
            let drawn: BTreeSet<PartyId> = drawing.nodes.iter().map(|n| n.id).collect();
            let linked: BTreeSet<PartyId> = links.iter().flat_map(|l| [l.supplier_id, l.customer_id]).collect();
            prop_assert_eq!(drawn, linked);
            let places: BTreeSet<(i64, i64)> = drawing.nodes.iter().map(|n| (n.x, n.y)).collect();
            prop_assert_eq!(places.len(), drawing.nodes.len());
            for n in &drawing.nodes {
                prop_assert!(n.x >= PAD && n.x + NODE_W + PAD <= drawing.width);
                prop_assert!(n.y >= PAD && n.y + NODE_H + PAD <= drawing.height);
            }
        }
    }
}
