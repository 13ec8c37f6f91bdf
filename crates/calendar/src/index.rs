//! The precomputed index behind a [`crate::Calendar`]: the rules resolved to
//! instants, and chunks of about 13 months of open intervals with running
//! totals, built on first use.
//!
//! Time is split on a fixed grid of 2^45 microseconds (about 407 days) from
//! the Unix epoch, so the chunk of an instant is one shift away. Each chunk
//! holds the sorted, merged open intervals inside it and the open time before
//! each one; a table of 512 buckets of 2^36 µs (about 19 hours) gives the
//! first interval of any instant in one step, so `add` and `elapsed` never
//! walk day by day.

use std::collections::HashMap;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::interval::Interval;
use crate::spec::{CalendarSpec, ExceptionKind};

/// log2 of a chunk's span in microseconds.
pub(crate) const SHIFT: u32 = 45;
/// log2 of a bucket's span in microseconds.
const BUCKET_SHIFT: u32 = 36;
const BUCKETS: usize = 1 << (SHIFT - BUCKET_SHIFT);
/// The validity range of a calendar that gives none.
pub(crate) const FIRST_DAY: Date = jiff::civil::date(1900, 1, 1);
/// See [`FIRST_DAY`].
pub(crate) const LAST_DAY: Date = jiff::civil::date(2199, 12, 31);

/// An open interval `[start, end)` in microseconds since the epoch, with the
/// open time of its chunk before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Iv {
    pub start: i64,
    pub end: i64,
    pub cum: i64,
}

impl Iv {
    /// Open time of the chunk up to this interval's end.
    #[inline]
    pub fn cum_end(&self) -> i64 {
        self.cum + (self.end - self.start)
    }
}

/// The open intervals of one chunk of the time grid.
#[derive(Debug)]
pub(crate) struct Chunk {
    lo: i64,
    pub ivs: Box<[Iv]>,
    pub total: i64,
    /// For each bucket, the first interval ending after the bucket starts.
    buckets: Box<[u32]>,
}

impl Chunk {
    /// Index of the first interval ending after `t` (`t` within the chunk,
    /// or exactly at its end).
    #[inline]
    pub fn first_ending_after(&self, t: i64) -> usize {
        let b = ((t - self.lo) >> BUCKET_SHIFT) as usize;
        let mut i = self.buckets.get(b).map_or(self.ivs.len(), |&i| i as usize);
        while let Some(iv) = self.ivs.get(i) {
            if iv.end > t {
                break;
            }
            i += 1;
        }
        i
    }

    /// Open time of the chunk before `t`.
    #[inline]
    pub fn cum_at(&self, t: i64) -> i64 {
        let i = self.first_ending_after(t);
        match self.ivs.get(i) {
            Some(iv) => iv.cum + (t - iv.start).max(0),
            None => self.total,
        }
    }

    /// The earliest instant at which the chunk's open time reaches `target`,
    /// searching from interval `i` (`0 < target <= total`).
    #[inline]
    pub fn locate_forward(&self, i: usize, target: i64) -> i64 {
        // Most targets land in the same interval or the next few.
        let mut j = i;
        for _ in 0..4 {
            match self.ivs.get(j) {
                Some(iv) if iv.cum_end() >= target => return iv.start + (target - iv.cum),
                Some(_) => j += 1,
                None => return self.lo,
            }
        }
        let rest = self.ivs.get(j..).unwrap_or_default();
        j += rest.partition_point(|iv| iv.cum_end() < target);
        self.ivs
            .get(j)
            .map_or(self.lo, |iv| iv.start + (target - iv.cum))
    }

    /// The latest instant at which the chunk's open time is `target`
    /// (`0 <= target < total`).
    #[inline]
    pub fn locate_backward(&self, target: i64) -> i64 {
        let j = self.ivs.partition_point(|iv| iv.cum <= target);
        self.ivs
            .get(j.saturating_sub(1))
            .map_or(self.lo, |iv| iv.start + (target - iv.cum))
    }
}

/// The calendar's rules, resolved as far as they can be without a date range.
#[derive(Debug)]
pub(crate) struct Rules {
    tz: TimeZone,
    /// Monday first: (open, close) seconds after local midnight by the clock.
    week: [Vec<(i64, i64)>; 7],
    /// Dates whose hours are replaced (empty = closed all day).
    holidays: HashMap<Date, Vec<(i64, i64)>>,
    open_windows: Vec<(i64, i64)>,
    closed_windows: Vec<(i64, i64)>,
    first_day: Option<Date>,
    last_day: Option<Date>,
}

fn spans(intervals: &[Interval]) -> Vec<(i64, i64)> {
    let mut v: Vec<_> = intervals
        .iter()
        .map(|i| (i64::from(i.start_seconds()), i64::from(i.end_seconds())))
        .collect();
    v.sort_unstable();
    v
}

impl Rules {
    /// The rules of a validated spec in zone `tz`.
    pub fn new(spec: &CalendarSpec, tz: TimeZone) -> Self {
        let days = spec.week.days();
        let week = std::array::from_fn(|d| spans(days[d]));
        let holidays = spec
            .holidays
            .iter()
            .map(|h| (h.date, spans(&h.open)))
            .collect();
        let mut open_windows = Vec::new();
        let mut closed_windows = Vec::new();
        for x in &spec.exceptions {
            if let (Some(a), Some(b)) = (resolve(&tz, x.from), resolve(&tz, x.to))
                && a < b
            {
                match x.kind {
                    ExceptionKind::Open => open_windows.push((a, b)),
                    ExceptionKind::Closed => closed_windows.push((a, b)),
                }
            }
        }
        Self {
            tz,
            week,
            holidays,
            open_windows,
            closed_windows,
            first_day: Some(spec.valid_from.unwrap_or(FIRST_DAY)),
            last_day: Some(spec.valid_until.unwrap_or(LAST_DAY)),
        }
    }

    /// Whether no rule ever opens.
    pub fn never_open(&self) -> bool {
        self.week.iter().all(Vec::is_empty)
            && self.holidays.values().all(Vec::is_empty)
            && self.open_windows.is_empty()
    }

    /// The time zone.
    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    /// Builds chunk `k` of the grid: `[k << SHIFT, (k + 1) << SHIFT)`.
    pub fn chunk(&self, k: i64) -> Chunk {
        let lo = k << SHIFT;
        let hi = (k + 1) << SHIFT;
        let mut raw = Vec::new();
        let local_date = |t: i64| {
            Timestamp::from_microsecond(t)
                .ok()
                .map(|ts| self.tz.to_datetime(ts).date())
        };
        if let (Some(first), Some(last)) = (local_date(lo), local_date(hi - 1)) {
            let mut day = first.checked_sub(2.days()).unwrap_or(first);
            let last = last.checked_add(1.days()).unwrap_or(last);
            while day <= last {
                self.push_day(day, &mut raw);
                match day.tomorrow() {
                    Ok(next) => day = next,
                    Err(_) => break,
                }
            }
        }
        raw.extend(self.open_windows.iter().filter(|&&(a, b)| a < hi && b > lo));
        raw.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(raw.len());
        for (a, b) in raw {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let closed: Vec<_> = self
            .closed_windows
            .iter()
            .filter(|&&(a, b)| a < hi && b > lo)
            .collect();
        let mut ivs = Vec::with_capacity(merged.len());
        let mut cum = 0;
        for (a, b) in merged {
            for (a, b) in subtract(a.max(lo), b.min(hi), &closed) {
                ivs.push(Iv {
                    start: a,
                    end: b,
                    cum,
                });
                cum += b - a;
            }
        }
        let mut buckets = Vec::with_capacity(BUCKETS + 1);
        let mut i = 0usize;
        for b in 0..=BUCKETS as i64 {
            let t = lo + (b << BUCKET_SHIFT);
            while ivs.get(i).is_some_and(|iv: &Iv| iv.end <= t) {
                i += 1;
            }
            buckets.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        Chunk {
            lo,
            ivs: ivs.into_boxed_slice(),
            total: cum,
            buckets: buckets.into_boxed_slice(),
        }
    }

    /// Appends the open intervals that start on local date `day`.
    fn push_day(&self, day: Date, out: &mut Vec<(i64, i64)>) {
        if self.first_day.is_some_and(|f| day < f) || self.last_day.is_some_and(|l| day > l) {
            return;
        }
        let hours = match self.holidays.get(&day) {
            Some(hours) => hours,
            None => &self.week[day.weekday().to_monday_zero_offset() as usize],
        };
        if hours.is_empty() {
            return;
        }
        let midnight = day.to_datetime(Time::midnight());
        let at = |secs: i64| {
            midnight
                .checked_add(SignedDuration::from_secs(secs))
                .ok()
                .and_then(|dt| resolve(&self.tz, dt))
        };
        for &(open, close) in hours {
            if let (Some(a), Some(b)) = (at(open), at(close))
                && a < b
            {
                out.push((a, b));
            }
        }
    }
}

/// `[a, b)` less the closed windows, as zero or more pieces.
fn subtract(a: i64, b: i64, closed: &[&(i64, i64)]) -> Vec<(i64, i64)> {
    let mut pieces = vec![(a, b)];
    for &&(ca, cb) in closed {
        pieces = pieces
            .into_iter()
            .flat_map(|(x, y)| {
                if cb <= x || ca >= y {
                    vec![(x, y)]
                } else {
                    [(x, ca.min(y)), (cb.max(x), y)]
                        .into_iter()
                        .filter(|(p, q)| p < q)
                        .collect()
                }
            })
            .collect();
    }
    pieces.retain(|(p, q)| p < q);
    pieces
}

/// The instant a wall-clock boundary stands for: the first instant at which
/// the local clock reads `dt` or later. In a spring-forward gap that is the
/// end of the gap; when the clock reads `dt` twice it is the first time.
pub(crate) fn resolve(tz: &TimeZone, dt: DateTime) -> Option<i64> {
    let ts = match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt).ok()?,
        AmbiguousOffset::Fold { before, .. } => before.to_timestamp(dt).ok()?,
        AmbiguousOffset::Gap { after, .. } => {
            // Read with the later offset, `dt` falls before the gap; the
            // next transition is where the clock jumps past it.
            let probe = after.to_timestamp(dt).ok()?;
            tz.following(probe).next()?.timestamp()
        }
    };
    Some(ts.as_microsecond())
}
