//! The quantity check: is a line far from what this customer usually
//! orders of the item, and if so, which of the usual mistakes would
//! explain it.
//!
//! Every comparison is linear in the quantities and made on whole numbers
//! (cross-multiplied), so scaling a history and an order by the same
//! factor never changes the answer.

use serde::Serialize;

use super::MILLI;
use super::quantity::{LineUnit, Milli, Quantity};
use super::settings::CheckSettings;

/// What a customer usually orders of an item, from the last orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Usual {
    /// Twice the median, in thousandths of the unit (twice, so that the
    /// mean of two middle orders stays whole).
    #[serde(skip)]
    pub median2: u64,
    /// The lower quartile (nearest rank), in thousandths.
    #[serde(skip)]
    pub q1: u64,
    /// The upper quartile (nearest rank), in thousandths.
    #[serde(skip)]
    pub q3: u64,
    /// Twice the median absolute deviation (lower median), in thousandths.
    #[serde(skip)]
    pub mad2: u64,
    /// How many orders it rests on.
    pub orders: usize,
    /// Whether they are the customer's own (else the item's, across
    /// customers).
    pub own: bool,
}

impl Usual {
    /// The median, in thousandths (rounded down).
    pub fn median(&self) -> u64 {
        self.median2 / 2
    }
}

/// The middle of sorted `values`, twice over: the sum of the two middles.
fn median2(sorted: &[u64]) -> u64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2] * 2
    } else {
        sorted[n / 2 - 1] + sorted[n / 2]
    }
}

/// The value at nearest rank `p` percent of sorted `values`.
fn rank(sorted: &[u64], percent: usize) -> u64 {
    let n = sorted.len();
    let at = (percent * n).div_ceil(100).clamp(1, n) - 1;
    sorted[at]
}

/// The usual quantity from `history` (thousandths of the unit); none from
/// no orders.
pub fn usual(history: &[u64], own: bool) -> Option<Usual> {
    if history.is_empty() {
        return None;
    }
    let mut sorted = history.to_vec();
    sorted.sort_unstable();
    let m2 = median2(&sorted);
    let mut deviations: Vec<u64> = sorted.iter().map(|x| (2 * x).abs_diff(m2)).collect();
    deviations.sort_unstable();
    let mad2 = deviations[(deviations.len() - 1) / 2];
    Some(Usual {
        median2: m2,
        q1: rank(&sorted, 25),
        q3: rank(&sorted, 75),
        mad2,
        orders: sorted.len(),
        own,
    })
}

/// Which mistake a finding suspects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Slip {
    /// Typed in pieces what is usually ordered in units.
    WrongUnit,
    /// The usual number of units times the pieces in one (1000 boxes for
    /// 10 boxes of 100).
    TimesPack,
    /// The usual number divided by the pieces in one.
    PerPack,
    /// A zero too many or too few.
    PowerOfTen,
    /// Far from the usual, with no mistake in sight.
    Unusual,
}

/// A quantity the customer may have meant instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alternative {
    /// The quantity, in the service's unit, as a decimal ("10").
    pub quantity: String,
    /// Thousandths of the unit.
    #[serde(skip)]
    pub milli: u64,
    /// In words: "10 boxes (packs of 100)".
    pub label: String,
}

/// A questioned line: why, in words, and what the customer may have meant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    /// The mistake suspected.
    pub slip: Slip,
    /// Why the line is questioned: "1000 boxes is 100 times the 8 to 12
    /// boxes you usually order".
    pub why: String,
    /// The quantities suggested instead.
    pub alternatives: Vec<Alternative>,
}

/// The question a line raises, before it is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// The question: "1000 boxes, or 10 packs of 100?"
    pub question: String,
    /// The finding behind it.
    #[serde(flatten)]
    pub finding: Finding,
    /// What the customer usually orders.
    pub usual: Usual,
}

/// How a unit is written in the check's words.
#[derive(Debug, Clone)]
pub struct Words {
    /// One ("box").
    pub one: String,
    /// Many ("boxes").
    pub many: String,
}

impl Words {
    /// `milli` thousandths of the unit in words: "10 boxes", "1 box".
    pub fn of(&self, milli: u64) -> String {
        let unit = if milli == MILLI {
            &self.one
        } else {
            &self.many
        };
        format!("{} {unit}", Milli(milli))
    }
}

/// The line's quantity scaled by `num / den`, compared with the usual.
struct Scaled<'a> {
    x: u128,
    num: u128,
    den: u128,
    usual: &'a Usual,
}

impl Scaled<'_> {
    /// Twice the scaled value times `by`, and twice the median times `of`,
    /// on one denominator.
    fn pair(&self, by: u128, of: u128) -> (u128, u128) {
        (
            2 * self.x * self.num * by,
            u128::from(self.usual.median2) * self.den * of,
        )
    }

    fn inside_quartiles(&self) -> bool {
        let v = self.x * self.num;
        v >= u128::from(self.usual.q1) * self.den && v <= u128::from(self.usual.q3) * self.den
    }

    /// Farther than `percent` of the median either way.
    fn beyond_ratio(&self, percent: u128) -> bool {
        let (up_v, up_m) = self.pair(100, percent);
        let (down_v, down_m) = self.pair(percent, 100);
        up_v > up_m || down_v < down_m
    }

    /// Farther from the median than `tenths` tenths of its absolute
    /// deviation.
    fn beyond_spread(&self, tenths: u16) -> bool {
        let (v, m) = self.pair(1, 1);
        v.abs_diff(m) * 10 > u128::from(self.usual.mad2) * self.den * u128::from(tenths)
    }

    /// Far from the usual: outside the quartiles, and beyond both the
    /// ratio and the spread.
    fn unusual(&self, settings: &CheckSettings) -> bool {
        !self.inside_quartiles()
            && self.beyond_ratio(u128::from(settings.ratio_percent))
            && self.beyond_spread(settings.spread_tenths)
    }

    /// Close enough to the usual to be what was meant: inside the
    /// quartiles, within half as much again of the median, or within the
    /// spread of a history that varies.
    fn close(&self, settings: &CheckSettings) -> bool {
        self.inside_quartiles()
            || !self.beyond_ratio(150)
            || (self.usual.mad2 > 0 && !self.beyond_spread(settings.spread_tenths))
    }

    fn milli(&self) -> u64 {
        u64::try_from(self.x * self.num / self.den).unwrap_or(u64::MAX)
    }
}

/// Checks a line of `quantity` against `usual` (the customer's own, or
/// the item's across customers), for a service whose unit holds `pack`
/// pieces: none when it is usual, else the finding and its question.
pub fn check_line(
    quantity: &Quantity,
    usual: &Usual,
    pack: Option<u32>,
    words: &Words,
    settings: &CheckSettings,
) -> Option<Question> {
    let x = u128::from(quantity.milli);
    let at = |num: u64, den: u64| Scaled {
        x,
        num: u128::from(num),
        den: u128::from(den.max(1)),
        usual,
    };
    if !settings.enabled || x == 0 || !at(1, 1).unusual(settings) {
        return None;
    }
    let typed = words.of(quantity.milli);
    let range = usual_range(usual, words);
    let whose = if usual.own {
        "you usually order"
    } else {
        "customers usually order"
    };
    let pack = pack.map(u64::from).filter(|p| *p > 1);
    let alternative = |milli: u64, label: String| Alternative {
        quantity: Milli(milli).to_string(),
        milli,
        label,
    };
    // Typed in pieces: the number typed, read as units.
    if quantity.unit == LineUnit::Piece
        && let Some(p) = pack
    {
        let s = at(p, 1);
        if s.close(settings) {
            let pieces = format!("{} pieces", Milli(quantity.typed_milli));
            let meant = words.of(s.milli());
            return Some(question(
                format!("{pieces} ({typed}), or {meant}?"),
                Slip::WrongUnit,
                format!("{pieces} is {typed}, far from the {range} {whose}"),
                vec![alternative(s.milli(), format!("{meant} of {p}"))],
                usual,
            ));
        }
    }
    if let Some(p) = pack {
        let s = at(1, p);
        if s.close(settings) {
            let n = Milli(s.milli());
            return Some(question(
                format!("{typed}, or {n} packs of {p}?"),
                Slip::TimesPack,
                format!(
                    "{typed} is {p} times the {range} {whose}: perhaps it counts the pieces in them"
                ),
                vec![alternative(
                    s.milli(),
                    format!("{} of {p}", words.of(s.milli())),
                )],
                usual,
            ));
        }
        let s = at(p, 1);
        if s.close(settings) {
            let meant = words.of(s.milli());
            return Some(question(
                format!("{typed}, or {meant}?"),
                Slip::PerPack,
                format!("{typed} is a {p}th of the {range} {whose}"),
                vec![alternative(s.milli(), meant)],
                usual,
            ));
        }
    }
    for k in 1..=3u32 {
        let ten = 10u64.pow(k);
        for (num, den, many) in [(1, ten, "too many"), (ten, 1, "missing")] {
            let s = at(num, den);
            if s.close(settings) {
                let meant = words.of(s.milli());
                let zeros = if k == 1 { "a zero" } else { "zeros" };
                return Some(question(
                    format!("{typed}, or {meant}?"),
                    Slip::PowerOfTen,
                    format!("{typed} is far from the {range} {whose}: {zeros} {many}?"),
                    vec![alternative(s.milli(), meant)],
                    usual,
                ));
            }
        }
    }
    let more = at(1, 1).pair(1, 1);
    let (side, median) = (
        if more.0 > more.1 { "more" } else { "less" },
        round_to_unit(usual.median()),
    );
    Some(question(
        format!("{typed}, or {}?", words.of(median)),
        Slip::Unusual,
        format!("{typed} is far {side} than the {range} {whose}"),
        vec![alternative(median, words.of(median))],
        usual,
    ))
}

/// A median rounded to a whole unit (never to nothing).
fn round_to_unit(milli: u64) -> u64 {
    ((milli + MILLI / 2) / MILLI).max(1) * MILLI
}

/// The usual range in words: "8 to 12 boxes", or "10 boxes" when the
/// quartiles agree.
pub fn usual_range(usual: &Usual, words: &Words) -> String {
    if usual.q1 == usual.q3 {
        words.of(usual.q1)
    } else {
        format!("{} to {}", Milli(usual.q1), words.of(usual.q3))
    }
}

fn question(
    question: String,
    slip: Slip,
    why: String,
    alternatives: Vec<Alternative>,
    usual: &Usual,
) -> Question {
    Question {
        question,
        finding: Finding {
            slip,
            why,
            alternatives,
        },
        usual: *usual,
    }
}

#[cfg(test)]
mod tests;
