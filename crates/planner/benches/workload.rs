//! The benchmark's workload, shared by the criterion bench and the
//! callgrind example: teams of members on office calendars (London,
//! Monday to Friday, with England and Wales bank holidays and a week's
//! absence for every fifth member) at shares from 50% to 100%, and open
//! commitments of 15 minutes to 3 hours, due over the next year, a
//! third of them assigned to a member. A fixed pseudo-random sequence, so
//! every run plans the same work.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use kept_calendar::jiff::{Span, Timestamp};
use kept_calendar::{BusinessDuration, Calendar, CalendarSpec, Holiday, holidays_from_ics};
use kept_planner::{Member, TeamPlan, Work};

const BANK_HOLIDAYS: &str = include_str!("../../../bench/data/england-and-wales.ics");

/// Monday 2026-03-02 08:00 UTC.
pub const NOW: i64 = 1_772_438_400;

/// A fixed pseudo-random sequence (xorshift).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// An office calendar; `away` closes a week from that date.
pub fn calendar(away: Option<&str>) -> Calendar {
    let mut spec = CalendarSpec::from_toml(
        r#"
zone = "Europe/London"
[week]
mon = ["09:00-12:30", "13:30-17:30"]
tue = ["09:00-12:30", "13:30-17:30"]
wed = ["09:00-12:30", "13:30-17:30"]
thu = ["09:00-12:30", "13:30-17:30"]
fri = ["09:00-12:30", "13:30-16:00"]
"#,
    )
    .unwrap();
    spec.holidays = holidays_from_ics(BANK_HOLIDAYS).unwrap();
    if let Some(first) = away {
        let start: kept_calendar::jiff::civil::Date = first.parse().unwrap();
        for d in 0..7 {
            spec.holidays.push(Holiday {
                date: start.checked_add(Span::new().days(d)).unwrap(),
                name: "Away".to_owned(),
                open: Vec::new(),
            });
        }
    }
    spec.compile().unwrap()
}

/// `n` members; every fifth is away a week in April.
pub fn members(n: usize, rng: &mut Rng) -> Vec<Member> {
    let office = calendar(None);
    let away = calendar(Some("2026-04-13"));
    (0..n)
        .map(|i| Member {
            calendar: if i % 5 == 4 {
                away.clone()
            } else {
                office.clone()
            },
            share_percent: 50 + u8::try_from(rng.below(51)).unwrap(),
        })
        .collect()
}

/// One commitment with key `key`.
pub fn work(key: u64, members: usize, rng: &mut Rng) -> Work<u64> {
    let due = NOW + i64::try_from(rng.below(365 * 86_400)).unwrap();
    Work {
        key,
        due: Some(Timestamp::from_second(due).unwrap()),
        priority: u8::try_from(rng.below(4)).unwrap(),
        seq: i64::try_from(key).unwrap(),
        effort: BusinessDuration::from_minutes(15 * (1 + rng.below(12))),
        assignee: (rng.below(3) == 0).then(|| usize::try_from(rng.below(members as u64)).unwrap()),
    }
}

/// A team of `members` with `commitments` open commitments, keys from
/// `first_key`.
pub fn team(members: usize, commitments: usize, first_key: u64, seed: u64) -> Team {
    let mut rng = Rng::new(seed);
    let members_list = self::members(members, &mut rng);
    let work = (0..commitments as u64)
        .map(|k| work(first_key + k, members, &mut rng))
        .collect();
    Team {
        members: members_list,
        work,
        rng,
    }
}

/// A team's inputs, and the sequence its changes come from.
pub struct Team {
    pub members: Vec<Member>,
    pub work: Vec<Work<u64>>,
    pub rng: Rng,
}

impl Team {
    /// Its plan from scratch.
    pub fn plan(&self) -> TeamPlan<u64> {
        TeamPlan::new(now(), self.members.clone(), self.work.clone())
    }

    /// The next change: one of its commitments gets a new date, priority,
    /// effort and assignee (as a renegotiation, a re-estimate or a
    /// reassignment would give it).
    pub fn change(&mut self) -> Work<u64> {
        let i = usize::try_from(self.rng.below(self.work.len() as u64)).unwrap();
        let key = self.work[i].key;
        let changed = work(key, self.members.len(), &mut self.rng);
        self.work[i] = changed;
        changed
    }
}

pub fn now() -> Timestamp {
    Timestamp::from_second(NOW).unwrap()
}
