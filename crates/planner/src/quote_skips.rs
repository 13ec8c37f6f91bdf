//! The quote's search passes the places where the prospect cannot finish
//! by the date there: it must stop where trying every place stops.
#![allow(clippy::unwrap_used)]

use kept_calendar::jiff::Timestamp;
use kept_calendar::{BusinessDuration, CalendarSpec};
use proptest::prelude::*;

use crate::{Member, Prospect, TeamPlan, Work};

fn members(shares: &[u8]) -> Vec<Member> {
    let spec = CalendarSpec::from_toml(
        "zone = \"Europe/London\"\n[week]\nmon = [\"09:00-17:30\"]\ntue = [\"09:00-17:30\"]\n\
         wed = [\"09:00-12:00\"]\nthu = [\"09:00-17:30\"]\nfri = [\"09:00-17:30\"]\n",
    )
    .unwrap();
    let calendar = spec.compile().unwrap();
    shares
        .iter()
        .map(|share| Member {
            calendar: calendar.clone(),
            share_percent: *share,
        })
        .collect()
}

/// Monday 2026-03-02, 08:00 UTC.
const MONDAY: i64 = 1_772_438_400;

/// Team work; with `tight`, each promised exactly when the plan finishes
/// it, as when every request is promised its realistic date in turn.
fn plan(
    now: Timestamp,
    shares: &[u8],
    work: &[(u64, Option<i64>, u8)],
    tight: bool,
) -> TeamPlan<u32> {
    let mut work: Vec<Work<u32>> = work
        .iter()
        .zip(0u32..)
        .map(|(&(effort, due, priority), key)| Work {
            key,
            due: due.map(|d| Timestamp::from_second(MONDAY + d).unwrap()),
            priority,
            seq: i64::from(key),
            effort: BusinessDuration::from_seconds(effort),
            assignee: (key % 7 == 6).then_some(0),
        })
        .collect();
    let planned = TeamPlan::new(now, members(shares), work.clone());
    if tight {
        let done: std::collections::HashMap<u32, Option<Timestamp>> =
            planned.projections().map(|(w, c)| (w.key, c)).collect();
        for w in &mut work {
            w.due = done.get(&w.key).copied().flatten().or(w.due);
        }
        return TeamPlan::new(now, members(shares), work);
    }
    planned
}

proptest! {
    #[test]
    fn passing_places_that_cannot_fit_changes_no_quote(
        offset in 0i64..7 * 86_400,
        shares in prop::collection::vec(1u8..=100, 1..5),
        work in prop::collection::vec(
            (prop_oneof![Just(0u64), 900u64..12 * 3600],
             prop::option::weighted(0.9, 0i64..20 * 86_400),
             0u8..3),
            0..80),
        tight in any::<bool>(),
        effort in prop_oneof![Just(0u64), 900u64..8 * 3600],
        sla in prop::option::weighted(0.8, 0i64..10 * 86_400),
        priority in 0u8..3,
    ) {
        let now = Timestamp::from_second(MONDAY + offset).unwrap();
        let prospect = Prospect {
            effort: BusinessDuration::from_seconds(effort),
            priority,
            sla_due: sla.map(|s| Timestamp::from_second(MONDAY + s).unwrap()),
            assignee: None,
        };
        let mut skipping = plan(now, &shares, &work, tight);
        let mut trying_all = skipping.clone();
        // Every place a candidate: the search tries them all.
        trying_all.team_free.iter_mut().for_each(|f| *f = u64::MAX);
        prop_assert_eq!(
            skipping.quote(prospect, u32::MAX),
            trying_all.quote(prospect, u32::MAX)
        );
    }
}
