//! Quoting a prospective request: the earliest date it can be promised for
//! without pushing any commitment that is on time now past its date, and
//! what promising it by its SLA date instead would cost.

use std::hash::Hash;

use kept_calendar::BusinessDuration;
use kept_calendar::jiff::Timestamp;

use crate::plan::{CHECKPOINT_EVERY, NEVER, TeamPlan, Work};
use crate::simulate::{Entry, OrderKey, State};

/// A request not yet promised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prospect {
    /// Business time it would take.
    pub effort: BusinessDuration,
    /// 0 is most urgent.
    pub priority: u8,
    /// The instant its SLA would fall due, when terms set one.
    pub sla_due: Option<Timestamp>,
    /// The member it would go to; none: the team.
    pub assignee: Option<usize>,
}

/// An existing commitment pushed past its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slip<K> {
    /// Its key.
    pub key: K,
    /// Its date.
    pub due: Timestamp,
    /// Its projected completion now.
    pub before: Timestamp,
    /// Its projected completion with the prospect ahead of it (`None`:
    /// beyond the horizon).
    pub after: Option<Timestamp>,
}

/// The answer to a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote<K> {
    /// The earliest date it can be promised for without pushing anything
    /// on time past its date (`None`: not within the horizon).
    pub realistic: Option<Timestamp>,
    /// Commitments ahead of it at that date.
    pub ahead: usize,
    /// Their business time.
    pub ahead_effort: BusinessDuration,
    /// Its projected completion if promised by its SLA date.
    pub at_sla: Option<Timestamp>,
    /// What promising it by its SLA date would push past their dates.
    pub squeezed: Vec<Slip<K>>,
}

impl<K: Copy + Ord + Hash> TeamPlan<K> {
    /// Quotes `prospect` against the current load. `placeholder` is a key
    /// no commitment uses (it orders the prospect after equal dates).
    pub fn quote(&mut self, prospect: Prospect, placeholder: K) -> Quote<K> {
        let entry = self.entry(Work {
            key: placeholder,
            due: None,
            priority: prospect.priority,
            seq: i64::MAX,
            effort: prospect.effort,
            assignee: prospect.assignee,
        });
        // Taken for the quote and put back: the simulations below borrow
        // the plan mutably.
        let safe = std::mem::take(&mut self.room);
        // The search for the realistic date starts from what promising it
        // by its SLA date would do: nothing pushed out means no later.
        let mut bounds = (0, self.entries.len());
        let (at_sla, squeezed) = match prospect.sla_due {
            Some(due) => {
                let at = self.place(&entry, due);
                let run = self.with_inserted(at, &entry, &safe, false);
                match run.first_slip {
                    Some(i) => bounds.0 = i + 1,
                    None => bounds.1 = at,
                }
                (run.completion, run.slips)
            }
            None => (None, Vec::new()),
        };
        let (at, realistic) = self.realistic(&entry, &safe, bounds);
        self.room = safe;
        let (ahead, ahead_effort) = self.ahead_of(at);
        Quote {
            realistic,
            ahead,
            ahead_effort,
            at_sla,
            squeezed,
        }
    }

    /// The earliest date the prospect can be promised for, and its place
    /// in the order with that date.
    /// `hi` is a place known to push nothing out; `lo` one before which
    /// every place is thought to.
    fn realistic(
        &mut self,
        entry: &Entry<K>,
        safe: &[u64],
        (mut lo, mut hi): (usize, usize),
    ) -> (usize, Option<Timestamp>) {
        let n = self.entries.len();
        // No slips is (all but) monotone in the place: search for its edge.
        // Placed anywhere up to a commitment it pushes out, it would (all
        // but surely) push that one out too, so the search moves past it.
        lo = lo.min(hi);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.pushes_out(mid, entry, safe) {
                None => hi = mid,
                Some(slipped) => lo = (slipped + 1).clamp(mid + 1, hi),
            }
        }
        // Promised its completion, the prospect sorts by that date: move
        // on until it sorts where it was placed. The state before the
        // place moves on with it, a step per commitment passed, rather than
        // being rebuilt from a saved state at each place.
        let mut at = hi;
        let mut ahead = self.state_before(at);
        loop {
            let Some(date) = self.date_at(&ahead, at, entry) else {
                return (n, None);
            };
            let sorted = self.place(entry, date);
            let next = if sorted > at {
                self.next_fit(sorted, entry)
            } else {
                // Checked, since the search assumed monotony; the end of
                // the order always holds.
                let fits = self.pushes_out(sorted, entry, safe).is_none()
                    && self
                        .with_inserted_completion(sorted, entry)
                        .is_some_and(|c| c <= date);
                if at == n || fits {
                    return (sorted, Some(date));
                }
                n
            };
            if next - at > CHECKPOINT_EVERY {
                ahead = self.state_before(next);
            } else {
                for i in at..next {
                    ahead.step(&mut self.cap, &self.entries[i]);
                }
            }
            at = next;
        }
    }

    /// The first place from `from` where the prospect could finish by the
    /// date of the commitment there, so that its date could sort there.
    /// Places before it need not be tried: at each, the prospect would
    /// finish after that commitment's date and so sort after it. Since a
    /// place's date only grows with the place, the search stops at the
    /// same place as when it tried them all.
    fn next_fit(&self, from: usize, entry: &Entry<K>) -> usize {
        if entry.assignee.is_some() {
            return from;
        }
        let n = self.entries.len();
        self.team_free
            .get(from..)
            .and_then(|rest| rest.iter().position(|free| *free >= entry.units))
            .map_or(n, |i| from + i)
    }

    /// The date the prospect could be promised for at place `at`, where
    /// `ahead` is the state before that place: its completion there, and
    /// after the dates ahead of it, so that it sorts behind them.
    fn date_at(&mut self, ahead: &State, at: usize, entry: &Entry<K>) -> Option<Timestamp> {
        let mut state = ahead.clone();
        let slot = state.step(&mut self.cap, entry).unwrap_or(NEVER);
        let done = self.instant(slot, entry.solo)?;
        let after_ahead = self.due_before(at).and_then(|d| {
            d.checked_add(kept_calendar::jiff::SignedDuration::from_secs(1))
                .ok()
        });
        Some(after_ahead.map_or(done, |d| d.max(done)))
    }

    /// Where `entry` sorts if due at `due`.
    fn place(&self, entry: &Entry<K>, due: Timestamp) -> usize {
        let key = OrderKey::of(&Work {
            due: Some(due),
            ..entry.work
        });
        self.entries.partition_point(|e| e.order < key)
    }

    // `room` (see `TeamPlan::room`) holds for each place the least room any
    // commitment from there on has for more work ahead of it before it
    // would finish after its date: work that fits pushes nothing from there
    // on out. Why it holds: work inserted ahead moves each member's
    // position on by no more than its own size in all (a step never moves
    // anyone back, and the total moved is the work done), so a later
    // commitment's free capacity up to its date shrinks by no more than
    // that size either.

    /// The latest date of the commitments before place `at`.
    fn due_before(&self, at: usize) -> Option<Timestamp> {
        self.entries[..at.min(self.entries.len())]
            .iter()
            .rev()
            .find_map(|e| e.work.due)
    }

    /// The prospect's completion if inserted at `at` (only the work ahead
    /// of it matters).
    fn with_inserted_completion(&mut self, at: usize, entry: &Entry<K>) -> Option<Timestamp> {
        let mut state = self.state_before(at);
        let slot = state.step(&mut self.cap, entry).unwrap_or(NEVER);
        self.instant(slot, entry.solo)
    }

    /// The first commitment on time that `entry` inserted at `at` pushes
    /// past its date, if any; without simulating when everything from
    /// there on has room for it.
    fn pushes_out(&mut self, at: usize, entry: &Entry<K>, safe: &[u64]) -> Option<usize> {
        if safe.get(at).is_none_or(|room| *room >= entry.units) {
            return None;
        }
        self.with_inserted(at, entry, safe, true).first_slip
    }

    /// Simulates the plan with `entry` inserted at `at`: its completion and
    /// the commitments on time now that it pushes past their dates
    /// (stopping at the first when `first_only`).
    fn with_inserted(
        &mut self,
        at: usize,
        entry: &Entry<K>,
        safe: &[u64],
        first_only: bool,
    ) -> Run<K> {
        let mut state = self.state_before(at);
        let slot = state.step(&mut self.cap, entry).unwrap_or(NEVER);
        let completion = self.instant(slot, entry.solo);
        let mut run = Run {
            completion,
            slips: Vec::new(),
            first_slip: None,
        };
        // After the last member's own work, the team's work flows as one.
        let team_only_from = self.team_only_from;
        for i in at..self.entries.len() {
            // What follows has room for the prospect's work: done.
            if safe.get(i).is_some_and(|min| *min >= entry.units) {
                break;
            }
            if i >= team_only_from
                && let Some(position) = state.merged(&self.cap)
            {
                self.team_tail(i, position, entry.units, safe, first_only, &mut run);
                break;
            }
            let e = self.entries[i];
            let after = state.step(&mut self.cap, &e).unwrap_or(NEVER);
            let Some(due) = e.work.due else { continue };
            let Some(before) = self.completion_at(i).filter(|b| *b <= due) else {
                continue;
            };
            let after = self.instant(after, e.solo);
            if run.slip(i, &e, due, before, after) && first_only {
                break;
            }
        }
        run
    }

    /// [`Self::with_inserted`] from place `from` on, where only the team's
    /// own work follows and the team, at `position` (see
    /// [`crate::simulate::State::merged`]), works as one: each commitment
    /// finishes where the team's capacity reaches the work before it and
    /// its own, read from the capacity table instead of stepped through.
    /// Only a commitment whose own slack is less than the prospect's work
    /// can be pushed out, so only those are looked up.
    fn team_tail(
        &mut self,
        from: usize,
        mut position: u64,
        units: u64,
        safe: &[u64],
        first_only: bool,
        run: &mut Run<K>,
    ) {
        for i in from..self.entries.len() {
            if safe.get(i).is_some_and(|min| *min >= units) {
                return;
            }
            let e = self.entries[i];
            let start = position;
            position = position.saturating_add(e.units);
            if self.slack.get(i).is_some_and(|slack| *slack >= units) {
                continue;
            }
            let Some(due) = e.work.due else { continue };
            let Some(before) = self.completion_at(i).filter(|b| *b <= due) else {
                continue;
            };
            // Work of no size still waits for a moment of free capacity.
            let target = if e.units == 0 { start + 1 } else { position };
            let slot = self.cap.team_slot_reaching(target).unwrap_or(NEVER);
            let after = self.instant(slot, e.solo);
            if run.slip(i, &e, due, before, after) && first_only {
                return;
            }
        }
    }
}

impl<K: Copy> Run<K> {
    /// Records commitment `i` as pushed out if it now finishes `after`
    /// its date; whether it was.
    fn slip(
        &mut self,
        i: usize,
        e: &Entry<K>,
        due: Timestamp,
        before: Timestamp,
        after: Option<Timestamp>,
    ) -> bool {
        if after.is_some_and(|a| a <= due) {
            return false;
        }
        self.first_slip.get_or_insert(i);
        self.slips.push(Slip {
            key: e.work.key,
            due,
            before,
            after,
        });
        true
    }
}

/// One simulation with a prospect inserted.
struct Run<K> {
    completion: Option<Timestamp>,
    slips: Vec<Slip<K>>,
    /// The place in the order of the first commitment pushed out.
    first_slip: Option<usize>,
}

#[cfg(test)]
#[path = "quote_skips.rs"]
mod skips;
