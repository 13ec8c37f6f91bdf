use super::*;
use proptest::prelude::*;

fn at(s: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + s).expect("instant")
}

fn promise(date: i64) -> Promise {
    Promise {
        request_id: RequestId::new(),
        date: at(date),
        original_date: at(date),
        basis: PromiseBasis::Sla,
        sla_due: Some(at(date)),
        realistic: None,
        beyond_sla: false,
        started_at_risk: false,
        made_by: None,
        made_at: at(0),
        renegotiations: 0,
        renegotiated_late: false,
        outcome: None,
        settled_at: None,
    }
}

#[test]
fn the_later_date_is_promised_unless_the_plan_is_later_than_the_sla() {
    assert_eq!(
        decide(Some(at(100)), Some(at(50)), None).map(|d| (d.date, d.basis, d.beyond_sla)),
        Ok((at(100), PromiseBasis::Sla, false))
    );
    assert_eq!(
        decide(Some(at(100)), Some(at(150)), None),
        Err(Undecided::ChoiceNeeded {
            sla_due: at(100),
            realistic: at(150)
        })
    );
    assert_eq!(decide(None, None, None), Err(Undecided::NoDate));
    let none = decide(None, Some(at(70)), None).expect("realistic");
    assert_eq!((none.date, none.basis), (at(70), PromiseBasis::Realistic));
}

#[test]
fn choosing_the_sla_date_starts_at_risk_and_the_realistic_one_beyond_the_sla() {
    let sla = decide(Some(at(100)), Some(at(150)), Some(Choice::Sla)).expect("sla");
    assert!(sla.starts_at_risk && !sla.beyond_sla);
    let realistic = decide(Some(at(100)), Some(at(150)), Some(Choice::Realistic)).expect("r");
    assert!(!realistic.starts_at_risk && realistic.beyond_sla);
    assert_eq!(realistic.date, at(150));
    let set = decide(Some(at(100)), Some(at(150)), Some(Choice::Date(at(120)))).expect("set");
    assert!(set.starts_at_risk && set.beyond_sla && set.basis == PromiseBasis::Set);
}

#[test]
fn a_proposal_must_be_future_new_and_give_a_reason() {
    let p = promise(100);
    assert!(check_proposal(&p, at(5), "Stock late", at(10)).is_err());
    assert!(check_proposal(&p, at(100), "Stock late", at(10)).is_err());
    assert!(check_proposal(&p, at(200), "  ", at(10)).is_err());
    assert_eq!(
        check_proposal(&p, at(200), " Stock late ", at(10)),
        Ok("Stock late".to_owned())
    );
    let settled = Promise {
        outcome: Some(PromiseOutcome::Kept),
        ..p
    };
    assert!(check_proposal(&settled, at(200), "Stock late", at(10)).is_err());
}

#[test]
fn integrity_counts_and_shares() {
    use PromiseOutcome::*;
    let i = Integrity::of([Kept, Kept, KeptRenegotiated, Broken]);
    assert_eq!(
        (i.kept, i.kept_renegotiated, i.broken, i.total()),
        (2, 1, 1, 4)
    );
    assert!((i.share(Kept) - 0.5).abs() < 1e-9);
    assert!(Integrity::default().share(Broken).abs() < 1e-9);
}

#[test]
fn suggestions() {
    assert_eq!(suggest(true, true), Suggestion::Reassign);
    assert_eq!(suggest(false, true), Suggestion::Split);
    assert_eq!(suggest(false, false), Suggestion::Renegotiate);
    use RiskReason::{Plan, Time};
    assert_eq!(risk_of(at(10), Some(Some(at(11))), None, 0.8), Some(Plan));
    assert_eq!(
        risk_of(at(10), Some(None), None, 0.8),
        Some(Plan),
        "beyond the plan's reach"
    );
    assert_eq!(
        risk_of(at(10), Some(Some(at(9))), Some(0.85), 0.8),
        Some(Time)
    );
    assert_eq!(risk_of(at(10), Some(Some(at(10))), Some(0.5), 0.8), None);
    assert_eq!(
        risk_of(at(10), None, Some(0.5), 0.8),
        None,
        "in no plan: time alone"
    );
    assert_eq!(risk_of(at(10), None, Some(0.8), 0.8), Some(Time));
}

proptest! {
    /// With no renegotiation, a promise is kept exactly when fulfilled by
    /// its date.
    #[test]
    fn unrenegotiated_promises_are_kept_by_their_date(date in 0i64..1000, done in 0i64..1000) {
        let outcome = promise(date).outcome_at(at(done));
        prop_assert_eq!(outcome == PromiseOutcome::Kept, done <= date);
        prop_assert!(outcome != PromiseOutcome::KeptRenegotiated);
    }

    /// Any agreement after the date it replaced had passed breaks the
    /// promise, whatever follows; agreements all in time keep it whole
    /// when the last date is met.
    #[test]
    fn a_late_agreement_breaks_the_promise_for_good(
        first in 0i64..1000,
        steps in prop::collection::vec((0i64..2000, 0i64..2000), 1..6),
        done in 0i64..3000,
    ) {
        let mut p = promise(first);
        let mut all_in_time = true;
        for (agreed_at, date) in steps {
            let (next, in_time) = p.agree(at(date), at(agreed_at));
            prop_assert_eq!(in_time, agreed_at <= p.date.as_second() - 1_790_000_000);
            all_in_time &= in_time;
            prop_assert_eq!(next.original_date, p.original_date);
            p = next;
        }
        let outcome = p.outcome_at(at(done));
        let expected = if !all_in_time || at(done) > p.date {
            PromiseOutcome::Broken
        } else {
            PromiseOutcome::KeptRenegotiated
        };
        prop_assert_eq!(outcome, expected);
    }
}
