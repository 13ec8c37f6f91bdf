//! Charts drawn on the server as inline SVG, no script: pure functions
//! from numbers to markup, so a page reads the same with or without
//! JavaScript and a test can check the drawing without a browser.
//!
//! Every chart is `role="img"` with a `<title>` that sums it up, writes
//! its numbers as text beside the bars (colour is never the only way to
//! tell them apart; the broken part is also hatched) and scales to its
//! container through its `viewBox`: drawn 360 units wide, it is about
//! life-size on a 390 px phone.

use std::fmt::{self, Display, Write};

use kept_domain::promise::{Integrity, PromiseOutcome};

/// Markup built by this module from numbers and escaped text: a page may
/// include it as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svg(String);

impl Display for Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Every text in it went through `escape`.
impl askama::filters::HtmlSafe for Svg {}

/// One bar: what it is for and the outcomes it stacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// Its label ("Feb 2026", "Internal customers").
    pub label: String,
    /// Its counts.
    pub counts: Integrity,
}

/// The outcomes in the order bars stack them, with their words beside a
/// bar and in the legend, and their fills (contrast 4:1 or more on white).
const PARTS: [(PromiseOutcome, &str, &str, &str); 3] = [
    (PromiseOutcome::Kept, "kept", "Kept", "#1c6b3a"),
    (
        PromiseOutcome::KeptRenegotiated,
        "renegotiated",
        "Kept after renegotiation",
        "#a86f00",
    ),
    (
        PromiseOutcome::Broken,
        "broken",
        "Broken",
        "url(#{id}-hatch)",
    ),
];

/// The fill of the broken part under its hatching.
const BROKEN: &str = "#a32020";
/// Text and outlines.
const INK: &str = "#1d2430";
/// The outline of a month with nothing to show.
const MUTED: &str = "#5b6575";

/// The width of the drawing, in its own units.
const WIDTH: f64 = 360.0;
/// The height of the legend above the bars.
const LEGEND: f64 = 28.0;
/// The height of one bar with its label above and its words below.
const ROW: f64 = 64.0;
/// The height of a bar of nothing settled: its label says so, no words.
const EMPTY_ROW: f64 = 44.0;
/// About how wide a letter of the words under a bar is drawn.
const LETTER: f64 = 6.5;
/// The height of a bar.
const BAR: f64 = 16.0;

impl Bar {
    /// The count of `outcome`.
    pub fn count(&self, outcome: PromiseOutcome) -> u64 {
        match outcome {
            PromiseOutcome::Kept => self.counts.kept,
            PromiseOutcome::KeptRenegotiated => self.counts.kept_renegotiated,
            PromiseOutcome::Broken => self.counts.broken,
        }
    }

    /// The share of `outcome` in whole percent (0 when none are settled).
    pub fn percent(&self, outcome: PromiseOutcome) -> u64 {
        match self.counts.total() {
            0 => 0,
            total => (self.count(outcome) * 100 + total / 2) / total,
        }
    }

    /// The counts in words: "3 kept (60%) · 1 renegotiated (20%) · 1
    /// broken (20%)", or "none settled".
    pub fn words(&self) -> String {
        if self.counts.total() == 0 {
            return "none settled".to_owned();
        }
        PARTS
            .iter()
            .map(|(outcome, word, _, _)| {
                let (n, pc) = (self.count(*outcome), self.percent(*outcome));
                format!("{n} {word} ({pc}%)")
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// `text` safe inside an element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One horizontal bar per entry of `bars`, each split into kept, kept
/// after renegotiation and broken in proportion to its counts, labelled
/// with its total and each part's count and share; a legend above.
/// `id` keeps the chart's ids apart from others in the page (letters,
/// digits and dashes); `title` sums the chart up for screen readers.
pub fn stacked_bars(id: &str, title: &str, bars: &[Bar]) -> Svg {
    let id: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let rows = |bars: &[Bar]| -> f64 { bars.iter().map(row_height).sum() };
    let height = LEGEND + rows(bars);
    let mut svg = String::new();
    // Writing to a String cannot fail.
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{id}\" \
         viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\" \
         aria-labelledby=\"{id}-title\" font-family=\"system-ui, sans-serif\" fill=\"{INK}\">\
         <title id=\"{id}-title\">{}</title>\
         <defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"{BROKEN}\"/>\
         <rect width=\"2\" height=\"6\" fill=\"#ffffff\" fill-opacity=\"0.55\"/></pattern></defs>",
        escape(title)
    );
    legend(&mut svg, &id);
    for (i, bar) in bars.iter().enumerate() {
        row(&mut svg, &id, LEGEND + rows(&bars[..i]), bar);
    }
    svg.push_str("</svg>");
    Svg(svg)
}

/// The fill of a part of the chart `id`.
fn fill(id: &str, pattern: &str) -> String {
    pattern.replace("{id}", id)
}

/// A swatch and a word per outcome, in one line.
fn legend(svg: &mut String, id: &str) {
    let mut x = 0.0;
    svg.push_str("<g class=\"legend\" font-size=\"12\">");
    for (_, _, word, pattern) in PARTS {
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"16\">{}</text>",
            fill(id, pattern),
            x + 16.0,
            escape(word)
        );
        // The words are short; leave room for 7 px a letter.
        x += 16.0 + 7.0 * word.len() as f64 + 18.0;
    }
    svg.push_str("</g>");
}

/// The height of the row of `bar`.
fn row_height(bar: &Bar) -> f64 {
    if bar.counts.total() == 0 {
        EMPTY_ROW
    } else {
        ROW
    }
}

/// One bar from `top`: its label and total, the bar, and its words.
fn row(svg: &mut String, id: &str, top: f64, bar: &Bar) {
    let total = bar.counts.total();
    let settled = match total {
        0 => "none settled".to_owned(),
        n => format!("{n} settled"),
    };
    let _ = write!(
        svg,
        "<g class=\"bar\"><text x=\"0\" y=\"{}\" font-size=\"13\" font-weight=\"600\">{}</text>\
         <text x=\"{WIDTH}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
        top + 13.0,
        escape(&bar.label),
        top + 13.0,
        escape(&settled)
    );
    let y = top + 19.0;
    if total == 0 {
        let _ = write!(
            svg,
            "<rect x=\"0.5\" y=\"{y}\" width=\"{}\" height=\"{BAR}\" fill=\"none\" \
             stroke=\"{MUTED}\" stroke-dasharray=\"4 3\"/></g>",
            WIDTH - 1.0
        );
        return;
    }
    let mut x = 0.0;
    for (outcome, word, _, pattern) in PARTS {
        let n = bar.count(outcome);
        if n == 0 {
            continue;
        }
        let width = WIDTH * n as f64 / total as f64;
        let _ = write!(
            svg,
            "<rect class=\"part-{word}\" x=\"{x:.1}\" y=\"{y}\" width=\"{width:.1}\" \
             height=\"{BAR}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1\">\
             <title>{}: {n} {word} ({}%)</title></rect>",
            fill(id, pattern),
            escape(&bar.label),
            bar.percent(outcome)
        );
        x += width;
    }
    let words = bar.words();
    // Words too long for the width (counts in the thousands) are squeezed
    // to fit rather than cut off.
    let fit = if words.chars().count() as f64 * LETTER > WIDTH {
        format!(" textLength=\"{WIDTH}\" lengthAdjust=\"spacingAndGlyphs\"")
    } else {
        String::new()
    };
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"{}\" font-size=\"11.5\"{fit}>{}</text></g>",
        y + BAR + 15.0,
        escape(&words)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, kept: u64, kept_renegotiated: u64, broken: u64) -> Bar {
        Bar {
            label: label.to_owned(),
            counts: Integrity {
                kept,
                kept_renegotiated,
                broken,
            },
        }
    }

    /// The widths of the rects of class `part-{word}`, in order.
    fn widths(svg: &str, word: &str) -> Vec<f64> {
        svg.split(&format!("class=\"part-{word}\""))
            .skip(1)
            .map(|rest| {
                let at = rest.find("width=\"").expect("a width") + 7;
                let end = rest[at..].find('"').expect("a closing quote");
                rest[at..at + end].parse().expect("a number")
            })
            .collect()
    }

    #[test]
    fn parts_of_a_bar_are_proportional_to_their_counts_and_fill_it() {
        let svg = stacked_bars("m", "Promises", &[bar("May 2026", 3, 1, 1)]).0;
        let (kept, reneg, broken) = (
            widths(&svg, "kept"),
            widths(&svg, "renegotiated"),
            widths(&svg, "broken"),
        );
        assert_eq!((kept.len(), reneg.len(), broken.len()), (1, 1, 1));
        assert!((kept[0] - 3.0 * reneg[0]).abs() < 0.2, "{svg}");
        assert!((broken[0] - reneg[0]).abs() < 0.2, "{svg}");
        assert!(
            (kept[0] + reneg[0] + broken[0] - WIDTH).abs() < 0.2,
            "{svg}"
        );
    }

    #[test]
    fn each_bar_is_labelled_with_its_month_counts_and_shares_in_words() {
        let svg = stacked_bars(
            "m",
            "Promises kept",
            &[bar("Apr 2026", 1, 0, 0), bar("May 2026", 3, 1, 1)],
        )
        .0;
        let svg = svg.as_str();
        for words in [
            "Apr 2026",
            "1 settled",
            "1 kept (100%) · 0 renegotiated (0%) · 0 broken (0%)",
            "May 2026",
            "5 settled",
            "3 kept (60%) · 1 renegotiated (20%) · 1 broken (20%)",
        ] {
            assert!(svg.contains(words), "{words} in {svg}");
        }
        // A legend, a summary for screen readers, and no part of nothing.
        for key in [">Kept<", ">Kept after renegotiation<", ">Broken<"] {
            assert!(svg.contains(key), "{key} in {svg}");
        }
        assert!(svg.contains("role=\"img\" aria-labelledby=\"m-title\""));
        assert!(svg.contains("<title id=\"m-title\">Promises kept</title>"));
        assert_eq!(widths(svg, "renegotiated").len(), 1);
        assert!(svg.contains("viewBox=\"0 0 360 156\" width=\"100%\""));
    }

    #[test]
    fn a_month_with_nothing_settled_says_so_and_draws_no_part() {
        let empty = bar("Mar 2026", 0, 0, 0);
        assert_eq!(empty.words(), "none settled");
        assert_eq!(empty.percent(PromiseOutcome::Kept), 0);
        let svg = stacked_bars("m", "Promises", &[empty]).0;
        assert!(svg.contains(">none settled</text>"), "{svg}");
        assert!(!svg.contains("part-"), "{svg}");
        assert!(svg.contains("stroke-dasharray"));
    }

    #[test]
    fn labels_and_titles_are_escaped_and_ids_kept_to_safe_letters() {
        let svg = stacked_bars(
            "x\"><script>",
            "<b>Tom & Jerry's</b>",
            &[bar("<i>\"May\"</i>", 1, 0, 0)],
        )
        .0;
        let svg = svg.as_str();
        assert!(!svg.contains("<script") && !svg.contains("<b>") && !svg.contains("<i>"));
        assert!(svg.contains("&lt;b&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;"));
        assert!(svg.contains("&lt;i&gt;&quot;May&quot;&lt;/i&gt;"));
        assert!(svg.contains("id=\"xscript\""));
    }

    #[test]
    fn rows_of_nothing_settled_are_shorter_and_long_words_are_fitted() {
        let svg = stacked_bars("m", "P", &[bar("a", 0, 0, 0), bar("b", 1, 0, 0)]).0;
        assert!(svg.contains("viewBox=\"0 0 360 136\""), "{svg}");
        assert!(!svg.contains("textLength"));
        let svg = stacked_bars("m", "P", &[bar("b", 12_345, 6_789, 10_111)]).0;
        assert!(svg.contains("textLength=\"360\""), "{svg}");
    }

    #[test]
    fn shares_round_to_whole_percent() {
        let third = bar("x", 1, 1, 1);
        assert_eq!(third.percent(PromiseOutcome::Kept), 33);
        let two_thirds = bar("x", 2, 0, 1);
        assert_eq!(two_thirds.percent(PromiseOutcome::Kept), 67);
    }
}
