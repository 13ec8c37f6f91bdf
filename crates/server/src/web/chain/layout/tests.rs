//! The chain diagram's layout: placement, edges and whole names.

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

/// A node's lines, as the drawing shows them.
fn texts(n: &Node) -> Vec<&str> {
    n.lines.iter().map(|l| l.text.as_str()).collect()
}

#[test]
fn long_names_wrap_whole_over_lines_in_taller_boxes() {
    let ([a, b], names) = named(["Leadership Essentials participants", "Cafe"]);

    let drawing = layout(&[link(a, b, None)], &names, &Highlight::default());

    let (a, b) = (node(&drawing, a), node(&drawing, b));
    assert_eq!(texts(a), ["Leadership Essentials", "participants"]);
    assert!(!a.cut && drawing.legend.is_empty());
    assert_eq!((a.w, a.h), (NODE_W, NODE_H + LINE_H), "one line taller");
    assert_eq!((b.w, b.h), (a.w, a.h), "every box alike, so rows align");
    assert_eq!(texts(b), ["Cafe"]);
    let ys: Vec<i64> = a.lines.iter().map(|l| l.y).collect();
    assert_eq!(ys, [a.y + 11 + BASELINE, a.y + 11 + LINE_H + BASELINE]);
    assert_eq!(b.lines[0].y, b.y + 20 + BASELINE, "one line in the middle");
    assert!(a.lines.iter().all(|l| l.x == a.x + TEXT_PAD));
}

#[test]
fn a_name_too_long_for_three_lines_widens_every_box() {
    let long = "The Harbour Retail Group facilities and property management \
                partnership for the north";
    let ([a, b], names) = named([long, "B"]);

    let drawing = layout(&[link(a, b, None)], &names, &Highlight::default());

    let a = node(&drawing, a);
    assert!(a.w > NODE_W && a.w <= MAX_W, "{}", a.w);
    assert_eq!(texts(a).join(" "), long, "whole, at spaces");
    assert!(texts(a).len() <= MAX_LINES);
    assert!(!a.cut);
    assert_eq!(node(&drawing, b).x, PAD + a.w + GAP_X);
    assert_eq!(drawing.width, PAD * 3 + 2 * a.w + GAP_X);
}

#[test]
fn a_name_too_long_for_the_widest_box_is_cut_and_given_in_the_legend() {
    let long = "word ".repeat(40).trim_end().to_owned();
    let ([a], names) = named([long.as_str()]);
    let stranger = PartyId::new();

    let drawing = layout(&[link(a, stranger, None)], &names, &Highlight::default());

    let a = node(&drawing, a);
    assert_eq!(a.w, MAX_W);
    assert_eq!(a.lines.len(), MAX_LINES);
    assert!(a.cut);
    assert!(a.lines[2].text.ends_with('…'));
    assert!(
        a.lines
            .iter()
            .all(|l| l.text.chars().count() <= columns_in(MAX_W))
    );
    assert_eq!(drawing.legend, [long]);
    assert_eq!(
        texts(node(&drawing, stranger)).concat(),
        stranger.to_string(),
        "an unknown party by its id, broken where it must be"
    );
}

#[test]
fn wrapping_keeps_every_word_and_breaks_only_words_longer_than_a_line() {
    assert_eq!(wrap("", 10), [""]);
    assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
    assert_eq!(wrap("abcdefghij k", 4), ["abcd", "efgh", "ij k"]);
    assert_eq!(wrap("  spaced   out  ", 20), ["spaced out"]);
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
    fn wrapped_lines_fit_and_keep_the_words_in_order(
        words in prop::collection::vec("[a-zA-Z&.]{1,30}", 0..12),
        cols in 4..50usize,
    ) {
        let text = words.join(" ");

        let lines = wrap(&text, cols);

        for l in &lines {
            prop_assert!(l.chars().count() <= cols, "{:?}", l);
        }
        let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
        prop_assert_eq!(joined, words.concat());
        if words.iter().all(|w| w.chars().count() <= cols) {
            prop_assert_eq!(lines.join(" "), text);
        }
    }

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
            prop_assert!(n.x >= PAD && n.x + n.w + PAD <= drawing.width);
            prop_assert!(n.y >= PAD && n.y + n.h + PAD <= drawing.height);
        }
    }
}
