//! Where the chain page draws each party and link: a pure function from the
//! links, the parties' names and the highlighted walk to boxes and lines in
//! SVG coordinates.
//!
//! Parties stand in columns by layer, suppliers on the left, so every arrow
//! points right. The first column is sorted by name; each later one by the
//! mean row of its suppliers (then name), which keeps most arrows from
//! crossing.
//!
//! Names are shown whole: wrapped at spaces over up to three lines, with
//! every box widened and heightened alike until the longest name fits (so
//! columns and rows stay aligned). A name too long even for the widest box
//! is cut on its third line and listed in full in the drawing's legend.

use std::collections::{BTreeMap, BTreeSet};

use kept_domain::{ChainGraph, Link, PartyId};

/// A party's box width, at the least.
pub const NODE_W: i64 = 200;
/// The widest a box grows to fit a long name.
const MAX_W: i64 = 360;
/// How much wider each try at fitting the names makes the boxes.
const STEP_W: i64 = 40;
/// A party's box height, for a name on one line.
pub const NODE_H: i64 = 40;
/// Each further line of a name makes its box this much taller.
const LINE_H: i64 = 17;
/// The most lines a name is wrapped over.
const MAX_LINES: usize = 3;
/// The space between a box's left edge and its text.
const TEXT_PAD: i64 = 10;
/// Where a line's baseline sits below the top of its line.
const BASELINE: i64 = 13;
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
    /// Its name wrapped to fit the box, a line each.
    pub lines: Vec<Line>,
    /// Whether the name was too long for the box, so its last line is cut
    /// (and the legend gives it in full).
    pub cut: bool,
    /// The box's left edge.
    pub x: i64,
    /// The box's top edge.
    pub y: i64,
    /// The box's width.
    pub w: i64,
    /// The box's height.
    pub h: i64,
    /// `node`, with `selected`, `upstream` or `downstream` when on the walk.
    pub class: &'static str,
}

/// A line of a party's name, where its text starts.
#[derive(Debug)]
pub struct Line {
    /// Where it starts, across.
    pub x: i64,
    /// Its baseline, down.
    pub y: i64,
    /// The words on it.
    pub text: String,
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
    /// The full names of the parties whose boxes could not hold them, in
    /// the order drawn.
    pub legend: Vec<String>,
}

/// Lays out `links` (active and acyclic, as the store keeps them), naming
/// parties by `names` (their id when missing) and highlighting `walk`.
pub fn layout(links: &[Link], names: &BTreeMap<PartyId, String>, walk: &Highlight) -> Drawing {
    let name = |id: &PartyId| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let mut columns: BTreeMap<u32, Vec<PartyId>> = BTreeMap::new();
    for (id, layer) in ChainGraph::new(links).layers() {
        columns.entry(layer).or_default().push(id);
    }
    let (node_w, cols) = box_width(columns.values().flatten().map(&name));
    let lines_needed = columns
        .values()
        .flatten()
        .map(|id| wrap(&name(id), cols).len().min(MAX_LINES))
        .max()
        .unwrap_or(1) as i64;
    let node_h = NODE_H + (lines_needed - 1) * LINE_H;
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
                PAD + i64::from(layer) * (node_w + GAP_X),
                PAD + row as i64 * (node_h + GAP_Y),
            );
            at.insert(id, (x, y));
            let full = name(&id);
            let (texts, cut) = fitted(&full, cols);
            // The lines sit in the middle of the box, however many it has.
            let top = y + (node_h - texts.len() as i64 * LINE_H) / 2;
            nodes.push(Node {
                id,
                lines: texts
                    .into_iter()
                    .enumerate()
                    .map(|(n, text)| Line {
                        x: x + TEXT_PAD,
                        y: top + n as i64 * LINE_H + BASELINE,
                        text,
                    })
                    .collect(),
                cut,
                name: full,
                x,
                y,
                w: node_w,
                h: node_h,
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
                x1: sx + node_w,
                y1: sy + node_h / 2,
                x2: *cx,
                y2: cy + node_h / 2,
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
    let width = PAD * 2 + (nodes.iter().map(|n| n.x).max().unwrap_or(0) + node_w).max(node_w);
    let height = PAD * 2 + rows.max(1) * (node_h + GAP_Y);
    let legend = nodes
        .iter()
        .filter(|n| n.cut)
        .map(|n| n.name.clone())
        .collect();
    Drawing {
        nodes,
        edges,
        width,
        height,
        legend,
    }
}

/// How many characters fit on a line of a box `w` wide: at 14px, an
/// average character of a name is under 7.5px wide.
fn columns_in(w: i64) -> usize {
    usize::try_from((w - 2 * TEXT_PAD) * 2 / 15)
        .unwrap_or(1)
        .max(1)
}

/// The narrowest box width (in steps from [`NODE_W`] to [`MAX_W`]) whose
/// lines hold every one of `names` in [`MAX_LINES`] lines, and its
/// characters a line; the widest when none does.
fn box_width(names: impl Iterator<Item = String> + Clone) -> (i64, usize) {
    let mut w = NODE_W;
    while w < MAX_W
        && names
            .clone()
            .any(|n| wrap(&n, columns_in(w)).len() > MAX_LINES)
    {
        w += STEP_W;
    }
    (w, columns_in(w))
}

/// `name`'s lines in a box of `cols` characters a line, and whether it
/// had to be cut: at most [`MAX_LINES`], the last ending in "…" when more
/// were needed.
fn fitted(name: &str, cols: usize) -> (Vec<String>, bool) {
    let mut lines = wrap(name, cols);
    if lines.len() <= MAX_LINES {
        return (lines, false);
    }
    lines.truncate(MAX_LINES);
    if let Some(last) = lines.last_mut() {
        let kept: String = last.chars().take(cols.saturating_sub(1)).collect();
        *last = format!("{kept}…");
    }
    (lines, true)
}

/// `text` wrapped at spaces into lines of at most `cols` characters; a
/// word longer than a line is broken across lines. Never empty.
fn wrap(text: &str, cols: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() <= cols {
            line.push(' ');
            line.extend(&word);
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > cols {
            lines.push(word.drain(..cols).collect());
        }
        line = word.into_iter().collect();
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
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

#[cfg(test)]
mod tests;
