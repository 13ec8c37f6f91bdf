//! The check's scenario (chain 3: a café that orders 8 to 12 boxes of 100)
//! and its invariants.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;

use super::*;

fn boxes() -> Words {
    Words {
        one: "box".into(),
        many: "boxes".into(),
    }
}

fn units(n: &[u64]) -> Vec<u64> {
    n.iter().map(|q| q * MILLI).collect()
}

fn ask(q: u64, history: &[u64]) -> Option<Question> {
    let usual = usual(&units(history), true).unwrap();
    check_line(
        &Quantity::of_units(q * MILLI),
        &usual,
        Some(100),
        &boxes(),
        &CheckSettings::default(),
    )
}

const CAFE: [u64; 12] = [8, 10, 12, 9, 11, 10, 8, 12, 10, 9, 11, 10];

#[test]
fn the_cafe_s_thousand_boxes_are_questioned() {
    let q = ask(1000, &CAFE).unwrap();
    assert_eq!(q.question, "1000 boxes, or 10 packs of 100?");
    assert_eq!(q.finding.slip, Slip::TimesPack);
    assert_eq!(
        q.finding.why,
        "1000 boxes is 100 times the 9 to 11 boxes you usually order: perhaps it counts the pieces in them"
    );
    assert_eq!(q.finding.alternatives[0].quantity, "10");
    assert_eq!(q.finding.alternatives[0].label, "10 boxes of 100");
}

#[test]
fn usual_quantities_pass() {
    for q in [8, 10, 12, 15, 20] {
        assert_eq!(ask(q, &CAFE), None, "{q}");
    }
}

#[test]
fn a_slipped_zero_and_the_wrong_unit_are_named() {
    let q = ask(100, &CAFE).unwrap();
    assert_eq!(q.finding.slip, Slip::PowerOfTen);
    assert_eq!(q.question, "100 boxes, or 10 boxes?");
    let usual = usual(&units(&CAFE), true).unwrap();
    let pieces = Quantity {
        typed_milli: 10 * MILLI,
        unit: LineUnit::Piece,
        milli: 100,
    };
    let q = check_line(
        &pieces,
        &usual,
        Some(100),
        &boxes(),
        &CheckSettings::default(),
    )
    .unwrap();
    assert_eq!(q.finding.slip, Slip::WrongUnit);
    assert_eq!(q.question, "10 pieces (0.1 boxes), or 10 boxes?");
    let q = ask(400, &CAFE).unwrap();
    assert_eq!(q.finding.slip, Slip::Unusual);
    assert_eq!(q.question, "400 boxes, or 10 boxes?");
}

#[test]
fn a_check_turned_off_asks_nothing() {
    let usual = usual(&units(&CAFE), true).unwrap();
    let off = CheckSettings {
        enabled: false,
        ..CheckSettings::default()
    };
    let line = Quantity::of_units(1_000 * MILLI);
    assert_eq!(check_line(&line, &usual, Some(100), &boxes(), &off), None);
}

fn settings() -> impl Strategy<Value = CheckSettings> {
    (110u32..2_000, 0u16..100).prop_map(|(ratio_percent, spread_tenths)| CheckSettings {
        enabled: true,
        min_history: 3,
        ratio_percent,
        spread_tenths,
    })
}

fn history() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(1u64..100_000, 1..40)
}

proptest! {
    #[test]
    fn a_history_of_one_value_never_flags_that_value(
        value in 1u64..10_000_000, n in 1usize..30, settings in settings(), pack in prop::option::of(2u32..500)
    ) {
        let usual = usual(&vec![value; n], true).unwrap();
        let line = Quantity::of_units(value);
        prop_assert_eq!(check_line(&line, &usual, pack, &boxes(), &settings), None);
    }

    #[test]
    fn scaling_history_and_order_alike_changes_no_answer(
        history in history(), q in 1u64..10_000_000, factor in 2u64..50,
        settings in settings(), pack in prop::option::of(2u32..500),
    ) {
        let slip = |h: &[u64], q: u64| {
            let usual = usual(h, true).unwrap();
            check_line(&Quantity::of_units(q), &usual, pack, &boxes(), &settings)
                .map(|found| found.finding.slip)
        };
        let scaled: Vec<u64> = history.iter().map(|h| h * factor).collect();
        prop_assert_eq!(slip(&history, q), slip(&scaled, q * factor));
    }

    #[test]
    fn nothing_inside_the_interquartile_range_is_flagged(
        history in history(), pick in any::<prop::sample::Index>(),
        settings in settings(), pack in prop::option::of(2u32..500),
    ) {
        let usual = usual(&history, true).unwrap();
        let mut sorted = history.clone();
        sorted.sort_unstable();
        let inside: Vec<u64> = sorted.iter().copied()
            .filter(|h| *h >= usual.q1 && *h <= usual.q3).collect();
        prop_assume!(!inside.is_empty());
        let q = *pick.get(&inside);
        prop_assert_eq!(check_line(&Quantity::of_units(q), &usual, pack, &boxes(), &settings), None);
    }
}
