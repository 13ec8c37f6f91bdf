//! The planner's invariants, over random teams and workloads: no
//! commitment completes before its effort has been spent in its team's
//! business time; adding work never makes another commitment finish
//! earlier; removing work never makes one finish later; the incremental
//! re-plan equals a plan from scratch.
#![allow(missing_docs, clippy::unwrap_used)]

use std::collections::BTreeMap;

use kept_calendar::jiff::Timestamp;
use kept_calendar::{BusinessDuration, Calendar, CalendarSpec};
use kept_planner::{Member, Prospect, TeamPlan, Work};
use proptest::prelude::*;

/// Calendars members work on: office hours with a holiday, a split shift
/// across midnight in New York, around the clock, weekends only.
fn calendar(kind: u8) -> Calendar {
    let toml = match kind % 4 {
        0 => {
            r#"
zone = "Europe/London"
[week]
mon = ["09:00-12:30", "13:30-17:30"]
tue = ["09:00-17:30"]
wed = ["09:00-17:30"]
thu = ["09:00-17:30"]
fri = ["09:00-17:30"]
[[holidays]]
date = "2026-03-04"
name = "Away"
"#
        }
        1 => {
            r#"
zone = "America/New_York"
[week]
mon = ["07:10-11:50", "22:00-02:00"]
wed = ["07:10-11:50", "22:00-02:00"]
sat = ["10:00-14:00"]
"#
        }
        2 => {
            "zone = \"UTC\"\n[week]\nmon = [\"00:00-24:00\"]\ntue = [\"00:00-24:00\"]\nwed = [\"00:00-24:00\"]\nthu = [\"00:00-24:00\"]\nfri = [\"00:00-24:00\"]\nsat = [\"00:00-24:00\"]\nsun = [\"00:00-24:00\"]\n"
        }
        _ => "zone = \"Asia/Kolkata\"\n[week]\nsat = [\"09:30-18:00\"]\nsun = [\"09:30-18:00\"]\n",
    };
    CalendarSpec::from_toml(toml).unwrap().compile().unwrap()
}

#[derive(Debug, Clone)]
struct Case {
    now: Timestamp,
    members: Vec<(u8, u8)>,
    work: Vec<Work<u32>>,
}

impl Case {
    fn members(&self) -> Vec<Member> {
        self.members
            .iter()
            .map(|&(kind, share)| Member {
                calendar: calendar(kind),
                share_percent: share,
            })
            .collect()
    }

    fn plan(&self, work: Vec<Work<u32>>) -> TeamPlan<u32> {
        TeamPlan::new(self.now, self.members(), work)
    }
}

fn work(key: u32) -> impl Strategy<Value = Work<u32>> {
    (
        prop::option::weighted(0.8, 0i64..30 * 86_400),
        0u8..4,
        0i64..5,
        prop_oneof![Just(0u64), 1u64..40 * 3600],
        prop::option::weighted(0.4, 0usize..5),
    )
        .prop_map(move |(due, priority, seq, effort, assignee)| Work {
            key,
            due: due.map(|d| Timestamp::from_second(1_772_400_000 + d).unwrap()),
            priority,
            seq,
            effort: BusinessDuration::from_seconds(effort),
            assignee,
        })
}

fn case() -> impl Strategy<Value = Case> {
    (
        0i64..14 * 86_400,
        prop::collection::vec((0u8..4, 1u8..=100), 0..5),
        0usize..40,
    )
        .prop_flat_map(|(offset, members, n)| {
            let work: Vec<_> = (0..n as u32).map(work).collect();
            (Just(offset), Just(members), work)
        })
        .prop_map(|(offset, members, work)| Case {
            // From Sunday 2026-03-01 onwards.
            now: Timestamp::from_second(1_772_323_200 + offset).unwrap(),
            members,
            work,
        })
}

fn completions(plan: &TeamPlan<u32>) -> BTreeMap<u32, Option<Timestamp>> {
    plan.projections().map(|(w, c)| (w.key, c)).collect()
}

/// `a` is no later than `b` (none is never).
fn no_later(a: Option<Timestamp>, b: Option<Timestamp>) -> bool {
    match (a, b) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(a), Some(b)) => a <= b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn nothing_finishes_before_its_effort_is_spent(case in case()) {
        let plan = case.plan(case.work.clone());
        let members = case.members();
        for (w, done) in plan.projections() {
            let Some(done) = done else { continue };
            let spent = |m: &Member| {
                u64::from(m.share_percent) * m.calendar.elapsed(case.now, done).as_seconds()
            };
            let capacity: u64 = match w.assignee.filter(|a| *a < members.len()) {
                Some(a) => spent(&members[a]),
                None => members.iter().map(spent).sum(),
            };
            prop_assert!(
                capacity >= w.effort.as_seconds() * 100,
                "{} done at {done} with {capacity} of {} units", w.key, w.effort.as_seconds() * 100
            );
        }
    }

    #[test]
    fn adding_work_never_makes_other_work_finish_earlier(case in case(), extra in work(1_000)) {
        let before = completions(&case.plan(case.work.clone()));
        let mut more = case.work.clone();
        more.push(extra);
        let after = completions(&case.plan(more));
        for (key, done) in before {
            prop_assert!(no_later(done, after[&key]), "{key}: {done:?} became {:?}", after[&key]);
        }
    }

    #[test]
    fn removing_work_never_makes_other_work_finish_later(case in case(), drop in any::<prop::sample::Index>()) {
        prop_assume!(!case.work.is_empty());
        let before = completions(&case.plan(case.work.clone()));
        let mut fewer = case.work.clone();
        fewer.remove(drop.index(fewer.len()));
        for (key, done) in completions(&case.plan(fewer)) {
            prop_assert!(no_later(done, before[&key]), "{key}: {:?} became {done:?}", before[&key]);
        }
    }

    #[test]
    fn the_incremental_replan_equals_a_plan_from_scratch(
        case in case(),
        changes in prop::collection::vec((any::<bool>(), 0u32..60, work(0)), 1..30),
    ) {
        let mut plan = case.plan(case.work.clone());
        let mut current: BTreeMap<u32, Work<u32>> = case.work.iter().map(|w| (w.key, *w)).collect();
        for (finish, key, w) in changes {
            if finish {
                prop_assert_eq!(plan.remove(key), current.remove(&key).is_some());
            } else {
                let w = Work { key, ..w };
                plan.upsert(w);
                current.insert(key, w);
            }
        }
        let scratch = case.plan(current.values().copied().collect());
        let incremental: Vec<_> = plan.projections().map(|(w, c)| (*w, c)).collect();
        let expected: Vec<_> = scratch.projections().map(|(w, c)| (*w, c)).collect();
        prop_assert_eq!(incremental, expected);
    }

    #[test]
    fn a_quote_at_its_realistic_date_pushes_nothing_late(case in case(), w in work(1_000)) {
        let mut plan = case.plan(case.work.clone());
        let quote = plan.quote(
            Prospect { effort: w.effort, priority: w.priority, sla_due: w.due, assignee: w.assignee },
            u32::MAX,
        );
        let Some(realistic) = quote.realistic else { return Ok(()) };
        let before = completions(&plan);
        let mut more = case.work.clone();
        more.push(Work { key: 1_000, due: Some(realistic), seq: i64::MAX, ..w });
        let promised = case.plan(more);
        prop_assert!(no_later(promised.completion(1_000).unwrap(), Some(realistic)));
        for (key, done) in completions(&promised) {
            if key == 1_000 { continue; }
            let due = case.work.iter().find(|x| x.key == key).and_then(|x| x.due);
            if let (Some(due), Some(Some(was))) = (due, before.get(&key)) && *was <= due {
                prop_assert!(no_later(done, Some(due)), "{key} pushed past {due}: {done:?}");
            }
        }
    }
}

/// The quote of `w` by its SLA date names exactly the commitments on time
/// now that the plan with `w` in it finishes after their dates, with the
/// completions that plan shows.
fn squeezing_in_costs_what_the_plan_with_it_shows(
    case: &Case,
    w: Work<u32>,
) -> Result<(), TestCaseError> {
    let mut plan = case.plan(case.work.clone());
    let quote = plan.quote(
        Prospect {
            effort: w.effort,
            priority: w.priority,
            sla_due: w.due,
            assignee: w.assignee,
        },
        u32::MAX,
    );
    let before = completions(&plan);
    let mut more = case.work.clone();
    more.push(Work { seq: i64::MAX, ..w });
    let squeezed = case.plan(more);
    prop_assert_eq!(quote.at_sla, squeezed.completion(1_000).unwrap());
    let expected: Vec<(u32, Option<Timestamp>)> = squeezed
        .projections()
        .filter(|(x, after)| {
            let Some(due) = x.due else { return false };
            x.key != 1_000
                && before[&x.key].is_some_and(|b| b <= due)
                && after.is_none_or(|a| a > due)
        })
        .map(|(x, after)| (x.key, after))
        .collect();
    let listed: Vec<(u32, Option<Timestamp>)> =
        quote.squeezed.iter().map(|s| (s.key, s.after)).collect();
    prop_assert_eq!(listed, expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn what_squeezing_in_costs_is_what_the_plan_with_it_shows(case in case(), w in work(1_000)) {
        prop_assume!(w.due.is_some());
        squeezing_in_costs_what_the_plan_with_it_shows(&case, w)?;
    }

    /// The same when only the team's own work is planned, where the quote
    /// reads completions from the team's capacity instead of stepping.
    #[test]
    fn what_squeezing_in_the_team_s_work_costs_is_what_the_plan_with_it_shows(
        case in case(),
        w in work(1_000),
    ) {
        prop_assume!(w.due.is_some());
        let case = Case {
            work: case.work.iter().map(|x| Work { assignee: None, ..*x }).collect(),
            ..case
        };
        squeezing_in_costs_what_the_plan_with_it_shows(&case, Work { assignee: None, ..w })?;
    }
}
