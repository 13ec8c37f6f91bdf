//! How much planned work each member can do in each quarter hour ahead:
//! their calendar's open seconds in the slot, times their share. Built from
//! the calendars once and grown on demand, so a re-plan never reads a
//! calendar.

use kept_calendar::jiff::Timestamp;
use kept_calendar::{BusinessDuration, Calendar};

/// Seconds in a slot: plans are projected to the quarter hour.
pub const SLOT_SECONDS: i64 = 900;

/// The furthest a plan looks ahead: about three years of slots. Work that
/// cannot be finished by then has no projected completion.
pub const HORIZON_SLOTS: u32 = 3 * 366 * 96;

/// How far ahead the tables are built for commitments' dates alone (a
/// year): the room a quote reads is known up to here.
pub const DUE_SLOTS: u32 = 366 * 96;

/// Slots added at a time when the tables grow (four weeks).
const GROW_SLOTS: u32 = 28 * 96;

/// One member's hours: their working calendar and the share of their open
/// time available for planned work.
#[derive(Debug, Clone)]
pub struct Member {
    /// Their working calendar, absences already closed on it.
    pub calendar: Calendar,
    /// Percent of their open time available for planned work (1 to 100).
    pub share_percent: u8,
}

/// Work as the planner counts it: seconds of business time times percent,
/// so a member at 50% does 50 units in a second of open time.
pub fn units(effort: BusinessDuration) -> u64 {
    effort.as_seconds().saturating_mul(100)
}

/// The capacity of every member in every slot from the plan's start,
/// slot-major (`cap[slot * members + member]`).
#[derive(Debug, Clone)]
pub struct Capacity {
    members: Vec<Member>,
    /// The index of the slot that holds `now`.
    first_slot: i64,
    /// `now`, in seconds: the first slot counts only from here.
    now: i64,
    cap: Vec<u32>,
    /// Each member's capacity from the start through each slot, laid out
    /// as `cap`.
    cum: Vec<u64>,
    /// The whole team's capacity from the start through each slot.
    team_cum: Vec<u64>,
    /// Slots built so far.
    built: u32,
}

impl Capacity {
    /// Empty tables for `members` from `now`; slots are built on demand.
    pub fn new(now: Timestamp, members: Vec<Member>) -> Self {
        let now = now.as_second();
        Self {
            members,
            first_slot: now.div_euclid(SLOT_SECONDS),
            now,
            cap: Vec::new(),
            cum: Vec::new(),
            team_cum: Vec::new(),
            built: 0,
        }
    }

    /// How many members.
    pub fn members(&self) -> usize {
        self.members.len()
    }

    /// The members, in the order given.
    pub fn member_list(&self) -> &[Member] {
        &self.members
    }

    /// The plan's start.
    pub fn now(&self) -> Timestamp {
        Timestamp::from_second(self.now).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The instant at which slot `slot` ends.
    pub fn slot_end(&self, slot: u32) -> Timestamp {
        let end = (self.first_slot + i64::from(slot) + 1) * SLOT_SECONDS;
        Timestamp::from_second(end).unwrap_or(Timestamp::MAX)
    }

    /// Member `member`'s capacity in `slot`, building slots as needed;
    /// zero past the horizon.
    #[inline]
    pub fn at(&mut self, slot: u32, member: usize) -> u32 {
        if slot >= self.built && !self.grow_to(slot) {
            return 0;
        }
        self.cap[slot as usize * self.members.len() + member]
    }

    /// The capacities of all members in `slot` (empty past the horizon).
    #[inline]
    pub fn row(&mut self, slot: u32) -> &[u32] {
        if slot >= self.built && !self.grow_to(slot) {
            return &[];
        }
        let m = self.members.len();
        let from = slot as usize * m;
        &self.cap[from..from + m]
    }

    /// The last built slot that ends by `due`: work finished in it or
    /// before is on time.
    pub fn last_slot_by(&self, due: Timestamp) -> Option<u32> {
        let last = due.as_second().div_euclid(SLOT_SECONDS) - self.first_slot - 1;
        u32::try_from(last)
            .ok()
            .map(|s| s.min(self.built.saturating_sub(1)))
            .filter(|_| self.built > 0)
    }

    /// Whether every slot that ends by `due` is built, so that
    /// [`Self::last_slot_by`] is not cut short.
    pub fn built_by(&self, due: Timestamp) -> bool {
        let last = due.as_second().div_euclid(SLOT_SECONDS) - self.first_slot - 1;
        last < i64::from(self.built)
    }

    /// Member `member`'s capacity from the start through `slot` (a built
    /// slot).
    #[inline]
    pub fn through(&self, slot: u32, member: usize) -> u64 {
        self.cum
            .get(slot as usize * self.members.len() + member)
            .copied()
            .unwrap_or(0)
    }

    /// Member `member`'s capacity before `slot` (a built slot).
    #[inline]
    pub fn before(&self, slot: u32, member: usize) -> u64 {
        slot.checked_sub(1)
            .map_or(0, |previous| self.through(previous, member))
    }

    /// The whole team's capacity before `slot` (a built slot, or the
    /// first past them).
    #[inline]
    pub fn team_before(&self, slot: u32) -> u64 {
        slot.checked_sub(1)
            .and_then(|previous| self.team_cum.get(previous as usize))
            .copied()
            .unwrap_or(0)
    }

    /// The first slot by whose end the whole team's capacity from the
    /// start reaches `target`, building slots as needed; none within the
    /// horizon.
    pub fn team_slot_reaching(&mut self, target: u64) -> Option<u32> {
        while self.team_cum.last().is_none_or(|c| *c < target) {
            if !self.grow_to(self.built) {
                return None;
            }
        }
        u32::try_from(self.team_cum.partition_point(|c| *c < target)).ok()
    }

    /// Builds the slots up to `due` (no further than [`DUE_SLOTS`]), so the
    /// room to a commitment's date is known.
    pub fn reach(&mut self, due: Timestamp) {
        let last = due.as_second().div_euclid(SLOT_SECONDS) - self.first_slot;
        if let Ok(last) = u32::try_from(last.min(i64::from(DUE_SLOTS)))
            && last >= self.built
        {
            self.grow_to(last);
        }
    }

    /// Builds slots up to and including `slot`; false past the horizon.
    #[cold]
    fn grow_to(&mut self, slot: u32) -> bool {
        if slot >= HORIZON_SLOTS {
            return false;
        }
        while self.built <= slot {
            let to = (self.built + GROW_SLOTS).min(HORIZON_SLOTS);
            self.build(self.built, to);
            self.built = to;
        }
        true
    }

    /// Fills slots `from..to` for every member from their calendars.
    fn build(&mut self, from: u32, to: u32) {
        let m = self.members.len();
        self.cap.resize(to as usize * m, 0);
        for (i, member) in self.members.iter().enumerate() {
            let start = self.slot_start(from).max(self.now);
            let end = self.slot_start(to);
            for (open, close) in open_periods(&member.calendar, start, end) {
                let mut t = open;
                while t < close {
                    let slot = t.div_euclid(SLOT_SECONDS) - self.first_slot;
                    let slot_end = (self.first_slot + slot + 1) * SLOT_SECONDS;
                    let seconds = close.min(slot_end) - t;
                    let idx = usize::try_from(slot).unwrap_or(0) * m + i;
                    let add = seconds * i64::from(member.share_percent);
                    self.cap[idx] += u32::try_from(add).unwrap_or(u32::MAX);
                    t = slot_end;
                }
            }
        }
        self.cum.resize(to as usize * m, 0);
        self.team_cum.resize(to as usize, 0);
        for slot in from as usize..to as usize {
            let mut team = 0;
            for i in 0..m {
                let previous = match slot.checked_sub(1) {
                    Some(p) => self.cum[p * m + i],
                    None => 0,
                };
                self.cum[slot * m + i] = previous + u64::from(self.cap[slot * m + i]);
                team += u64::from(self.cap[slot * m + i]);
            }
            let previous = slot.checked_sub(1).map_or(0, |p| self.team_cum[p]);
            self.team_cum[slot] = previous + team;
        }
    }

    fn slot_start(&self, slot: u32) -> i64 {
        (self.first_slot + i64::from(slot)) * SLOT_SECONDS
    }
}

/// The calendar's open periods that overlap `[from, to)`, clipped to it,
/// in seconds.
fn open_periods(calendar: &Calendar, from: i64, to: i64) -> Vec<(i64, i64)> {
    let mut periods = Vec::new();
    let mut at = from;
    while at < to {
        let Some(open) = Timestamp::from_second(at)
            .ok()
            .and_then(|t| calendar.next_open(t))
        else {
            break;
        };
        let open = open.as_second().max(at);
        if open >= to {
            break;
        }
        let close = Timestamp::from_second(open)
            .ok()
            .and_then(|t| calendar.next_close(t))
            .map_or(to, |c| c.as_second().min(to));
        if close <= open {
            // A sub-second period: step past it rather than loop.
            at = open + 1;
            continue;
        }
        periods.push((open, close));
        at = close;
    }
    periods
}

#[cfg(test)]
mod tests {
    use super::*;
    use kept_calendar::CalendarSpec;

    fn weekdays() -> Calendar {
        CalendarSpec::from_toml(
            r#"
zone = "UTC"
[week]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
"#,
        )
        .expect("spec")
        .compile()
        .expect("calendar")
    }

    #[test]
    fn a_day_holds_eight_hours_times_the_share() {
        // Monday 2026-03-02 10:10: the first slot counts from then.
        let now: Timestamp = "2026-03-02T10:10:00Z".parse().expect("instant");
        let mut cap = Capacity::new(
            now,
            vec![Member {
                calendar: weekdays(),
                share_percent: 50,
            }],
        );
        assert_eq!(cap.at(0, 0), 5 * 60 * 50);
        let day: u64 = (0..96).map(|s| u64::from(cap.at(s, 0))).sum();
        // A day of slots from 10:00: 10:10 to 17:00 on Monday, then 09:00
        // to 10:00 on Tuesday.
        assert_eq!(day, (6 * 3600 + 50 * 60 + 3600) * 50);
        assert_eq!(
            cap.slot_end(0),
            "2026-03-02T10:15:00Z".parse().expect("end")
        );
        assert_eq!(cap.at(HORIZON_SLOTS, 0), 0);
    }
}
