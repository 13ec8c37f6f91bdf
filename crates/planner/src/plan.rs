//! A team's plan: its open commitments in the order they are worked
//! (earliest date first, priority breaking ties), each with the quarter
//! hour by which the simulation finishes it, re-planned from the first
//! commitment a change touches.

use std::collections::HashMap;
use std::hash::Hash;

use kept_calendar::BusinessDuration;
use kept_calendar::jiff::Timestamp;

use crate::capacity::{Capacity, HORIZON_SLOTS, Member, units};
use crate::simulate::{Entry, OrderKey, Ptr, State};

/// Commitments between two saved states: a re-plan starts at the saved
/// state at or before the first commitment a change touches.
pub(crate) const CHECKPOINT_EVERY: usize = 16;

/// A completion slot meaning "not within the horizon".
pub(crate) const NEVER: u32 = u32::MAX;

/// One open commitment of a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work<K> {
    /// The caller's key for it (a request id).
    pub key: K,
    /// The date it is promised for (or, before a promise, its SLA due
    /// instant); none sorts it after all dated work.
    pub due: Option<Timestamp>,
    /// 0 is most urgent; breaks ties between equal dates.
    pub priority: u8,
    /// Breaks remaining ties (the request's number: first come first).
    pub seq: i64,
    /// Business time it takes (the remaining estimate).
    pub effort: BusinessDuration,
    /// The member doing it (an index into the team's members); none: the
    /// whole team's, worked by whoever is free.
    pub assignee: Option<usize>,
}

/// A team's plan.
#[derive(Debug, Clone)]
pub struct TeamPlan<K> {
    pub(crate) cap: Capacity,
    /// Commitments in working order.
    pub(crate) entries: Vec<Entry<K>>,
    /// The slot each entry finishes in, or [`NEVER`].
    pub(crate) done: Vec<u32>,
    /// How much more work could go ahead of each entry before it would
    /// finish after its date (`u64::MAX` when late already or undated):
    /// what quotes read to skip the work they cannot push out.
    pub(crate) slack: Vec<u64>,
    /// For each place, the least slack from there on (one more than the
    /// entries, the last `u64::MAX`): what a quote reads.
    pub(crate) room: Vec<u64>,
    /// For each team entry, the team's capacity free by its date from the
    /// state before it (`u64::MAX` when not known exactly: member work,
    /// undated, or dated past the capacity built): work larger than that
    /// cannot finish by its date there, so a quote's search passes it.
    pub(crate) team_free: Vec<u64>,
    /// The state before entry `c * CHECKPOINT_EVERY`, for each `c`.
    pub(crate) checkpoints: Vec<State>,
    /// The place after the last member's own work: from there on only the
    /// team's own work follows.
    pub(crate) team_only_from: usize,
    /// Each key's place in the order.
    order: HashMap<K, OrderKey<K>>,
    /// The earliest a lone member could finish a given number of units:
    /// one piece of work is not finished faster than one person can.
    solo: HashMap<u64, Option<Timestamp>>,
}

impl<K: Copy + Ord + Hash> TeamPlan<K> {
    /// Plans `work` from scratch for `members`, from `now`. Keys are
    /// expected to be unique; a repeated key keeps its last entry.
    pub fn new(now: Timestamp, members: Vec<Member>, work: Vec<Work<K>>) -> Self {
        let mut plan = Self {
            cap: Capacity::new(now, members),
            entries: Vec::with_capacity(work.len()),
            done: Vec::new(),
            slack: Vec::new(),
            room: Vec::new(),
            team_free: Vec::new(),
            checkpoints: Vec::new(),
            team_only_from: 0,
            order: HashMap::with_capacity(work.len()),
            solo: HashMap::new(),
        };
        // A repeated key keeps its last entry.
        let mut latest: HashMap<K, Work<K>> = HashMap::with_capacity(work.len());
        for w in work {
            latest.insert(w.key, w);
        }
        for w in latest.into_values() {
            plan.order.insert(w.key, OrderKey::of(&w));
            let entry = plan.entry(w);
            plan.entries.push(entry);
        }
        plan.entries.sort_unstable_by_key(|e| e.order);
        plan.replan_from(0);
        plan
    }

    /// How many open commitments.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the team has no open commitments.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The team's members.
    pub fn members(&self) -> &[Member] {
        self.cap.member_list()
    }

    /// The instant the plan starts from.
    pub fn now(&self) -> Timestamp {
        self.cap.now()
    }

    /// Work arrives or changes (its date, priority, effort or assignee):
    /// the plan is redone from the first commitment whose place moved.
    pub fn upsert(&mut self, work: Work<K>) {
        let from_old = self.take(work.key);
        let key = OrderKey::of(&work);
        let at = self.entries.partition_point(|e| e.order < key);
        self.order.insert(work.key, key);
        let entry = self.entry(work);
        self.entries.insert(at, entry);
        self.done.insert(at, NEVER);
        self.slack.insert(at, 0);
        self.team_free.insert(at, u64::MAX);
        self.replan_from(from_old.map_or(at, |old| old.min(at)));
    }

    /// Work is finished, cancelled or moved to another team. False if the
    /// plan did not hold it.
    pub fn remove(&mut self, key: K) -> bool {
        match self.take(key) {
            Some(at) => {
                self.replan_from(at);
                true
            }
            None => false,
        }
    }

    /// The projected completion of `key`: `None` if the plan does not hold
    /// it, `Some(None)` if it cannot be finished within the horizon.
    pub fn completion(&self, key: K) -> Option<Option<Timestamp>> {
        let at = self.position(key)?;
        Some(self.completion_at(at))
    }

    /// Every commitment in working order with its projected completion.
    pub fn projections(&self) -> impl Iterator<Item = (&Work<K>, Option<Timestamp>)> {
        (0..self.entries.len()).map(|i| (&self.entries[i].work, self.completion_at(i)))
    }

    /// The place of `key` in the working order.
    pub fn position(&self, key: K) -> Option<usize> {
        let order = self.order.get(&key)?;
        let at = self.entries.partition_point(|e| e.order < *order);
        (self.entries.get(at)?.work.key == key).then_some(at)
    }

    /// The business time of the work ahead of place `at` and how many
    /// commitments it is.
    pub fn ahead_of(&self, at: usize) -> (usize, BusinessDuration) {
        let upto = at.min(self.entries.len());
        let seconds = self.entries[..upto]
            .iter()
            .map(|e| e.work.effort.as_seconds())
            .fold(0u64, u64::saturating_add);
        (upto, BusinessDuration::from_seconds(seconds))
    }

    pub(crate) fn completion_at(&self, at: usize) -> Option<Timestamp> {
        let slot = *self.done.get(at)?;
        let entry = self.entries.get(at)?;
        self.instant(slot, entry.solo)
    }

    /// The instant a finish in `slot` stands for, never before `solo`.
    pub(crate) fn instant(&self, slot: u32, solo: Option<Timestamp>) -> Option<Timestamp> {
        if slot == NEVER {
            return None;
        }
        let end = self.cap.slot_end(slot);
        Some(solo.map_or(end, |s| s.max(end)))
    }

    /// Removes `key`'s entry; its former place.
    fn take(&mut self, key: K) -> Option<usize> {
        let at = self.position(key)?;
        self.entries.remove(at);
        self.done.remove(at);
        self.slack.remove(at);
        self.team_free.remove(at);
        self.order.remove(&key);
        Some(at)
    }

    /// The entry for `work`: its units and, when the whole team works it,
    /// the earliest one member alone could finish it.
    pub(crate) fn entry(&mut self, work: Work<K>) -> Entry<K> {
        let units = units(work.effort);
        let members = self.cap.members();
        let assignee = work.assignee.filter(|m| *m < members);
        let solo = match assignee {
            Some(_) => None,
            None => *self
                .solo
                .entry(units)
                .or_insert_with(|| solo_finish(self.cap.now(), self.cap.member_list(), units)),
        };
        Entry {
            order: OrderKey::of(&work),
            work,
            units,
            assignee,
            solo,
        }
    }

    /// Re-simulates from the saved state at or before entry `from`.
    fn replan_from(&mut self, from: usize) {
        let n = self.entries.len();
        self.done.resize(n, NEVER);
        self.slack.resize(n, 0);
        self.team_free.resize(n, u64::MAX);
        let c = (from / CHECKPOINT_EVERY).min(self.checkpoints.len().saturating_sub(1));
        let mut state = self
            .checkpoints
            .get(c)
            .cloned()
            .unwrap_or_else(|| State::start(self.cap.members()));
        self.checkpoints.truncate(c);
        if let Some(latest) = self.entries.iter().rev().find_map(|e| e.work.due) {
            self.cap.reach(latest);
        }
        for i in c * CHECKPOINT_EVERY..n {
            if i % CHECKPOINT_EVERY == 0 {
                self.checkpoints.push(state.clone());
            }
            let entry = self.entries[i];
            // Free capacity to its date, before it takes its share.
            let free = entry
                .work
                .due
                .and_then(|due| self.cap.last_slot_by(due))
                .map(|last| state.free_through(&self.cap, &entry, last));
            self.team_free[i] = match (entry.assignee, entry.work.due) {
                (None, Some(due)) if self.cap.built_by(due) => free.unwrap_or(0),
                _ => u64::MAX,
            };
            let done = state.step(&mut self.cap, &entry).unwrap_or(NEVER);
            self.done[i] = done;
            let on_time = entry
                .work
                .due
                .is_some_and(|due| self.instant(done, entry.solo).is_some_and(|c| c <= due));
            // Nothing to do still needs a free moment. Capacity not built
            // yet counts as none: the room is never overstated.
            self.slack[i] = match (on_time, free) {
                (false, _) => u64::MAX,
                (true, free) => free.unwrap_or(0).saturating_sub(entry.units.max(1)),
            };
        }
        self.team_only_from = self
            .entries
            .iter()
            .rposition(|e| e.assignee.is_some())
            .map_or(0, |last| last + 1);
        self.room.clear();
        self.room.resize(n + 1, u64::MAX);
        for i in (0..n).rev() {
            self.room[i] = self.room[i + 1].min(self.slack[i]);
        }
    }

    /// The state before entry `at`, from the nearest saved state.
    pub(crate) fn state_before(&mut self, at: usize) -> State {
        let c = (at / CHECKPOINT_EVERY).min(self.checkpoints.len().saturating_sub(1));
        let mut state = self
            .checkpoints
            .get(c)
            .cloned()
            .unwrap_or_else(|| State::start(self.cap.members()));
        for i in c * CHECKPOINT_EVERY..at.min(self.entries.len()) {
            state.step(&mut self.cap, &self.entries[i]);
        }
        state
    }
}

/// The earliest instant one member alone, from `now`, could have spent
/// `units` of their share: the floor under a piece of work the whole team
/// shares.
fn solo_finish(now: Timestamp, members: &[Member], units: u64) -> Option<Timestamp> {
    members
        .iter()
        .filter_map(|m| {
            let seconds = units.div_ceil(u64::from(m.share_percent.max(1)));
            m.calendar
                .add(now, BusinessDuration::from_seconds(seconds))
                .ok()
        })
        .min()
}

impl Ptr {
    /// A pointer past the horizon.
    pub(crate) const END: Ptr = Ptr {
        slot: HORIZON_SLOTS,
        used: 0,
    };
}
