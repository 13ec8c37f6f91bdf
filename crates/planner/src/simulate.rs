//! The simulation's one step: a piece of work consumes capacity from where
//! its worker (or the whole team) is free.
//!
//! Work assigned to a member goes on after that member's earlier work.
//! Team work is shared like water: every member free before it finishes
//! works on it from the moment they are free, so it finishes at the first
//! quarter hour by which the team's free capacity covers it. The final
//! quarter hour is shared out in member order.
//!
//! Each member's position only ever moves forward, and a step from a state
//! that is nowhere ahead of another's ends nowhere ahead of it either. So
//! more work ahead never finishes anything sooner, and less never later.

use kept_calendar::jiff::Timestamp;

use crate::capacity::{Capacity, HORIZON_SLOTS};
use crate::plan::Work;

/// Where work goes in the order: date (none last), priority, sequence,
/// then the key, so the order is total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct OrderKey<K> {
    due: i64,
    priority: u8,
    seq: i64,
    key: K,
}

impl<K: Copy> OrderKey<K> {
    pub(crate) fn of(work: &Work<K>) -> Self {
        Self {
            due: work.due.map_or(i64::MAX, Timestamp::as_second),
            priority: work.priority,
            seq: work.seq,
            key: work.key,
        }
    }
}

/// A commitment as the simulation holds it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry<K> {
    pub(crate) order: OrderKey<K>,
    pub(crate) work: Work<K>,
    /// Its effort in capacity units.
    pub(crate) units: u64,
    /// The member doing it, when that member is in the team.
    pub(crate) assignee: Option<usize>,
    /// The earliest one member alone could finish it (team work only).
    pub(crate) solo: Option<Timestamp>,
}

/// Where a member is free from: a slot and the units already used in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ptr {
    pub(crate) slot: u32,
    pub(crate) used: u32,
}

/// Every member's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct State {
    ptrs: Vec<Ptr>,
}

impl State {
    /// Everyone free from the start.
    pub(crate) fn start(members: usize) -> Self {
        Self {
            ptrs: vec![Ptr { slot: 0, used: 0 }; members],
        }
    }

    /// The capacity free through slot `last` (a built slot) to the worker
    /// of `entry` (its member, or the whole team) from where they are now.
    pub(crate) fn free_through<K>(&self, cap: &Capacity, entry: &Entry<K>, last: u32) -> u64 {
        let free = |i: usize| {
            let p = self.ptrs[i];
            if p.slot > last {
                0
            } else {
                cap.through(last, i)
                    .saturating_sub(cap.before(p.slot, i) + u64::from(p.used))
            }
        };
        match entry.assignee {
            Some(m) if m < self.ptrs.len() => free(m),
            Some(_) => 0,
            None => (0..self.ptrs.len()).map(free).sum(),
        }
    }

    /// Where the team stands when every member is free from the same slot
    /// (as after the team's own work): the team's capacity before that
    /// slot plus what is used of it. From such a state team work steps
    /// like water in one vessel, so only that sum matters. `None` when the
    /// members stand apart (or past the horizon, or there are none).
    pub(crate) fn merged(&self, cap: &Capacity) -> Option<u64> {
        let first = self.ptrs.first()?;
        if first.slot >= HORIZON_SLOTS || self.ptrs.iter().any(|p| p.slot != first.slot) {
            return None;
        }
        let used: u64 = self.ptrs.iter().map(|p| u64::from(p.used)).sum();
        Some(cap.team_before(first.slot) + used)
    }

    /// Works `entry`; the slot it finishes in, `None` past the horizon.
    #[inline]
    pub(crate) fn step<K>(&mut self, cap: &mut Capacity, entry: &Entry<K>) -> Option<u32> {
        match entry.assignee {
            Some(m) => self.member_step(cap, m, entry.units),
            None => self.team_step(cap, entry.units),
        }
    }

    fn member_step(&mut self, cap: &mut Capacity, member: usize, units: u64) -> Option<u32> {
        let ptr = self.ptrs.get_mut(member)?;
        let (mut slot, mut used, mut need) = (ptr.slot, ptr.used, units);
        while slot < HORIZON_SLOTS {
            let free = u64::from(cap.at(slot, member).saturating_sub(used));
            // Nothing to do still waits for the member to be free, so the
            // answer does not depend on how a full slot is written.
            if free > 0 && free >= need {
                // `need` fits in the slot's u32 capacity.
                ptr.slot = slot;
                ptr.used = used + u32::try_from(need).unwrap_or(u32::MAX);
                return Some(slot);
            }
            need -= free;
            slot += 1;
            used = 0;
        }
        *ptr = Ptr::END;
        None
    }

    fn team_step(&mut self, cap: &mut Capacity, units: u64) -> Option<u32> {
        let mut slot = self.ptrs.iter().map(|p| p.slot).min()?;
        let mut need = units;
        while slot < HORIZON_SLOTS {
            let row = cap.row(slot);
            let free: u64 = self
                .ptrs
                .iter()
                .zip(row)
                .map(|(p, &c)| free_in(*p, slot, c))
                .sum();
            if free > 0 && free >= need {
                for (p, &c) in self.ptrs.iter_mut().zip(row) {
                    if p.slot > slot {
                        continue;
                    }
                    let base = if p.slot == slot { p.used } else { 0 };
                    let take = u64::from(c.saturating_sub(base)).min(need);
                    need -= take;
                    p.slot = slot;
                    p.used = base + u32::try_from(take).unwrap_or(0);
                }
                return Some(slot);
            }
            need -= free;
            slot += 1;
        }
        for p in &mut self.ptrs {
            *p = Ptr::END;
        }
        None
    }
}

/// What a member at `p` has free in `slot` of capacity `cap`.
#[inline]
fn free_in(p: Ptr, slot: u32, cap: u32) -> u64 {
    use std::cmp::Ordering::*;
    match p.slot.cmp(&slot) {
        Less => u64::from(cap),
        Equal => u64::from(cap.saturating_sub(p.used)),
        Greater => 0,
    }
}
