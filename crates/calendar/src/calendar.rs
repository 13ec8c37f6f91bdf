//! A compiled calendar and its business-time operations.

use std::fmt;
use std::sync::{Arc, OnceLock};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::duration::BusinessDuration;
use crate::error::{BusinessTimeError, InvalidCalendar};
use crate::index::{Chunk, Rules, SHIFT};
use crate::spec::CalendarSpec;

const MICROS: i64 = 1_000_000;
/// The index of a calendar without a validity range covers 1900 to 2200.
const DEFAULT_FROM: i64 = -2_208_988_800 * MICROS;
const DEFAULT_UNTIL: i64 = 7_258_118_400 * MICROS;
/// The dates a calendar without a validity range is valid for.
const DEFAULT_FIRST_DATE: Date = jiff::civil::date(1900, 1, 1);
const DEFAULT_LAST_DATE: Date = jiff::civil::date(2199, 12, 31);
/// Margin around a validity range, covering any zone offset and a night
/// shift that starts on its last day.
const MARGIN: i64 = 3 * 86_400 * MICROS;

/// A validated calendar, ready for business-time arithmetic.
///
/// Cheap to clone (the index is shared) and safe to use from many threads.
/// Its index is built a chunk of about 13 months at a time, on first use.
#[derive(Clone)]
pub struct Calendar {
    inner: Arc<Inner>,
}

struct Inner {
    spec: CalendarSpec,
    rules: Rules,
    k_first: i64,
    k_last: i64,
    chunks: Box<[OnceLock<Chunk>]>,
    never_open: bool,
}

impl fmt::Debug for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calendar")
            .field("zone", &self.inner.spec.zone)
            .finish_non_exhaustive()
    }
}

impl CalendarSpec {
    /// Validates the calendar and builds its index.
    pub fn compile(&self) -> Result<Calendar, InvalidCalendar> {
        Calendar::new(self.clone())
    }
}

fn day_start_utc(d: Date) -> Option<i64> {
    jiff::tz::Offset::UTC
        .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .ok()
        .map(|ts| ts.as_microsecond())
}

impl Calendar {
    /// Validates `spec` and builds its index.
    pub fn new(spec: CalendarSpec) -> Result<Self, InvalidCalendar> {
        let tz = spec.checked()?;
        let rules = Rules::new(&spec, tz);
        let from = spec
            .valid_from
            .and_then(day_start_utc)
            .map_or(DEFAULT_FROM - MARGIN, |t| t - MARGIN);
        let until = spec
            .valid_until
            .and_then(day_start_utc)
            .map_or(DEFAULT_UNTIL + MARGIN, |t| t + MARGIN);
        let (k_first, k_last) = (from >> SHIFT, (until - 1) >> SHIFT);
        let count = usize::try_from(k_last - k_first + 1).unwrap_or(0);
        Ok(Self {
            inner: Arc::new(Inner {
                never_open: rules.never_open(),
                spec,
                rules,
                k_first,
                k_last,
                chunks: (0..count).map(|_| OnceLock::new()).collect(),
            }),
        })
    }

    /// The calendar as written.
    pub fn spec(&self) -> &CalendarSpec {
        &self.inner.spec
    }

    /// The calendar's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        self.inner.rules.tz()
    }

    /// The dates the calendar is valid for: `valid_from` to `valid_until`,
    /// 1900-01-01 and 2199-12-31 where they are not given.
    pub fn valid_dates(&self) -> (Date, Date) {
        let spec = &self.inner.spec;
        (
            spec.valid_from.unwrap_or(DEFAULT_FIRST_DATE),
            spec.valid_until.unwrap_or(DEFAULT_LAST_DATE),
        )
    }

    /// Refuses an instant asked about (the start of a due instant, either
    /// end of an elapsed span) before the first valid date begins or after
    /// the last one ends, in the calendar's zone: the calendar cannot say
    /// whether it is open then. [`Calendar::add`] itself, which the SLA
    /// clocks use, treats such instants as closed instead.
    pub fn check_in_range(&self, at: Timestamp) -> Result<(), BusinessTimeError> {
        let (first, last) = self.valid_dates();
        let day_start = |d: Date| {
            d.to_zoned_datetime(self.time_zone().clone())
                .map(|z| z.timestamp())
        };
        let lo = day_start(first).unwrap_or(Timestamp::MIN);
        let hi = last
            .tomorrow()
            .and_then(day_start)
            .unwrap_or(Timestamp::MAX);
        if (lo..=hi).contains(&at) {
            Ok(())
        } else {
            Err(BusinessTimeError::OutOfRange { at, first, last })
        }
    }

    /// The first and last instants the index covers.
    fn window(&self) -> (i64, i64) {
        (
            self.inner.k_first << SHIFT,
            (self.inner.k_last + 1) << SHIFT,
        )
    }

    #[inline]
    fn chunk(&self, k: i64) -> &Chunk {
        let inner = &*self.inner;
        let slot = &inner.chunks[(k - inner.k_first) as usize];
        slot.get_or_init(|| inner.rules.chunk(k))
    }

    /// Whether the calendar is open at `t` (open intervals include their
    /// start and exclude their end).
    pub fn is_open(&self, t: Timestamp) -> bool {
        let t = t.as_microsecond();
        let (lo, hi) = self.window();
        if t < lo || t >= hi {
            return false;
        }
        let c = self.chunk(t >> SHIFT);
        c.ivs
            .get(c.first_ending_after(t))
            .is_some_and(|iv| iv.start <= t)
    }

    /// `t` itself if the calendar is open then, else the next opening;
    /// `None` if it never opens again within its range.
    pub fn next_open(&self, t: Timestamp) -> Option<Timestamp> {
        let (lo, hi) = self.window();
        let t0 = t.as_microsecond();
        let mut at = t0.max(lo);
        while at < hi {
            let k = at >> SHIFT;
            let c = self.chunk(k);
            if let Some(iv) = c.ivs.get(c.first_ending_after(at)) {
                if iv.start <= at {
                    return Some(if at == t0 { t } else { from_micros(at) });
                }
                return Some(from_micros(iv.start));
            }
            at = (k + 1) << SHIFT;
        }
        None
    }

    /// The end of the open period that contains `t`, or of the next one if
    /// the calendar is closed at `t`; `None` if there is none in range.
    pub fn next_close(&self, t: Timestamp) -> Option<Timestamp> {
        let (lo, hi) = self.window();
        let mut at = t.as_microsecond().max(lo);
        let mut end = None;
        while at < hi {
            let k = at >> SHIFT;
            let c = self.chunk(k);
            let i = c.first_ending_after(at);
            match (end, c.ivs.get(i)) {
                // A period split by the chunk grid continues in the next chunk.
                (Some(e), Some(iv)) if iv.start == e => end = Some(iv.end),
                (Some(_), _) => break,
                (None, Some(iv)) => end = Some(iv.end),
                (None, None) => {}
            }
            match end {
                Some(e) if e < (k + 1) << SHIFT => break,
                _ => at = (k + 1) << SHIFT,
            }
        }
        end.map(from_micros)
    }

    /// `t` itself if the calendar was open just before `t` (so a closing
    /// instant is its own answer), else the last closing before it; `None`
    /// if it was never open before `t` within its range. The mirror of
    /// [`Calendar::next_open`].
    fn previous_close(&self, t: Timestamp) -> Option<Timestamp> {
        let (lo, hi) = self.window();
        let t0 = t.as_microsecond();
        let mut at = t0.min(hi);
        while at > lo {
            let k = (at - 1) >> SHIFT;
            let c = self.chunk(k);
            let before = c.ivs.partition_point(|iv| iv.start < at);
            if let Some(iv) = before.checked_sub(1).and_then(|j| c.ivs.get(j)) {
                if iv.end >= at {
                    return Some(if at == t0 { t } else { from_micros(at) });
                }
                return Some(from_micros(iv.end));
            }
            at = k << SHIFT;
        }
        None
    }

    /// The due instant: the earliest instant by which `duration` of open
    /// time has passed since `start`.
    ///
    /// A start outside open hours counts from the next opening, whatever
    /// the duration: zero gives `start` itself when the calendar is open
    /// then, else the next opening (as [`Calendar::next_open`]). A due
    /// instant that falls on a closing instant stays there.
    pub fn add(
        &self,
        start: Timestamp,
        duration: BusinessDuration,
    ) -> Result<Timestamp, BusinessTimeError> {
        let none = || BusinessTimeError::NoOpenTime {
            direction: "after",
            from: start,
        };
        if duration == BusinessDuration::ZERO {
            return self.next_open(start).ok_or_else(none);
        }
        let d = micros_of(duration).ok_or_else(none)?;
        self.add_micros(start.as_microsecond(), d)
            .map(from_micros)
            .ok_or_else(none)
    }

    fn add_micros(&self, t: i64, d: i64) -> Option<i64> {
        if self.inner.never_open {
            return None;
        }
        let (lo, hi) = self.window();
        let mut t = t.max(lo);
        let mut rem = d;
        while t < hi {
            let k = t >> SHIFT;
            let c = self.chunk(k);
            let i = c.first_ending_after(t);
            if let Some(iv) = c.ivs.get(i) {
                let target = (iv.cum + (t - iv.start).max(0)).saturating_add(rem);
                if target <= c.total {
                    return Some(c.locate_forward(i, target));
                }
                rem = target - c.total;
            }
            t = (k + 1) << SHIFT;
        }
        None
    }

    /// The latest start: the latest instant from which `duration` of open
    /// time has passed by `due`. The mirror of [`Calendar::add`]: a due
    /// instant outside open hours counts back from the previous closing, so
    /// zero gives `due` itself when the calendar was open just before it
    /// (a closing instant included), else the previous closing.
    pub fn sub(
        &self,
        due: Timestamp,
        duration: BusinessDuration,
    ) -> Result<Timestamp, BusinessTimeError> {
        let none = || BusinessTimeError::NoOpenTime {
            direction: "before",
            from: due,
        };
        if duration == BusinessDuration::ZERO {
            return self.previous_close(due).ok_or_else(none);
        }
        let d = micros_of(duration).ok_or_else(none)?;
        if self.inner.never_open {
            return Err(none());
        }
        let (lo, hi) = self.window();
        let mut t = due.as_microsecond().min(hi);
        let mut rem = d;
        while t > lo {
            let k = (t - 1) >> SHIFT;
            let c = self.chunk(k);
            let cum = c.cum_at(t);
            if cum >= rem {
                return Ok(from_micros(c.locate_backward(cum - rem)));
            }
            rem -= cum;
            t = k << SHIFT;
        }
        Err(none())
    }

    /// Open time between `from` and `to`; zero if `to` is not after `from`.
    /// Sub-second remainders are dropped.
    pub fn elapsed(&self, from: Timestamp, to: Timestamp) -> BusinessDuration {
        let micros = self.elapsed_micros(from.as_microsecond(), to.as_microsecond());
        BusinessDuration::from_seconds(u64::try_from(micros / MICROS).unwrap_or(0))
    }

    fn elapsed_micros(&self, from: i64, to: i64) -> i64 {
        let (lo, hi) = self.window();
        let (from, to) = (from.clamp(lo, hi), to.clamp(lo, hi));
        if to <= from {
            return 0;
        }
        let kf = from >> SHIFT;
        let kt = (to - 1) >> SHIFT;
        if kf == kt {
            let c = self.chunk(kf);
            return c.cum_at(to) - c.cum_at(from);
        }
        let first = self.chunk(kf);
        let mut sum = first.total - first.cum_at(from);
        for k in kf + 1..kt {
            sum += self.chunk(k).total;
        }
        sum + self.chunk(kt).cum_at(to)
    }
}

fn micros_of(d: BusinessDuration) -> Option<i64> {
    i64::try_from(d.as_seconds()).ok()?.checked_mul(MICROS)
}

fn from_micros(t: i64) -> Timestamp {
    Timestamp::from_microsecond(t).unwrap_or(if t < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}
