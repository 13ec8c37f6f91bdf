//! Differential test: the engine against an independent, brute-force
//! reference that walks minute by minute.
//!
//! The reference knows nothing of the engine's index. For a window of about
//! eight weeks around a date of interest (a change of offset, or an ordinary
//! date), it reads the local clock at every minute with jiff, resolves each
//! schedule boundary as "the first minute at which the local clock reads
//! that time or later" by scanning forward, marks the open minutes one by
//! one, and answers `add`, `sub`, `elapsed`, `is_open`, `next_open`,
//! `next_close` and the SLA clock's `due` and `elapsed` by walking those
//! minutes. Everything is on whole minutes: calendars, starts, durations.
//!
//! A walk that would leave the window is skipped, unless the calendar's
//! validity range ends (or starts) well inside the window, in which case the
//! engine must answer `NoOpenTime` (or `None`). An SLA clock paused short
//! of its target has no due instant yet (`Ok(None)`), whatever the calendar
//! holds after the pause.
//!
//! Set `DIFFERENTIAL_STATS=1` to print the number of checks per zone, and
//! `DIFFERENTIAL_SCALE=10` (say) for ten times as many calendars, with
//! other seeds, for a longer soak.
#![allow(clippy::unwrap_used)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;

use kept_calendar::jiff::Timestamp;
use kept_calendar::jiff::civil::{self, DateTime};
use kept_calendar::jiff::tz::TimeZone;
use kept_calendar::{
    BusinessDuration, Calendar, CalendarSpec, Exception, ExceptionKind, Holiday, Interval,
    SlaClock, Week,
};
use proptest::prelude::Rng;
use proptest::test_runner::{RngAlgorithm, TestRng};

/// Minutes in a day.
const DAY: i64 = 1440;
/// Days of the window's minute array before its date of interest `d0`.
const BEFORE: i64 = 8;
/// Days of the window's minute array from `d0` on.
const AFTER: i64 = 47;
/// Schedule dates the reference lays out, relative to `d0`.
const FIRST_DATE: i64 = -5;
const LAST_DATE: i64 = 44;
/// Instants the reference answers for (its walks stay inside), relative to `d0`:
/// every open minute in here is fully determined by the dates laid out.
const LO_DAY: i64 = -3;
const HI_DAY: i64 = 41;
/// Starts, dues and clock events are drawn from these days around `d0`;
/// holidays and exceptions fall on them too.
const Q_FIRST: i64 = -2;
const Q_LAST: i64 = 6;

const CALENDARS_PER_WINDOW: usize = 14;
const CASES_PER_CALENDAR: usize = 30;
const CLOCKS_PER_CALENDAR: usize = 3;

// ---------------------------------------------------------------------------
// Civil arithmetic of the reference (proleptic Gregorian, days since 1970-01-01).

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
fn weekday(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

fn to_date(day: i64) -> civil::Date {
    let (y, m, d) = civil_from_days(day);
    civil::date(y as i16, m as i8, d as i8)
}

/// A local civil minute (minutes since civil 1970-01-01T00:00) as a jiff DateTime.
fn to_datetime(minute: i64) -> DateTime {
    let m = minute.rem_euclid(DAY);
    to_date(minute.div_euclid(DAY)).at((m / 60) as i8, (m % 60) as i8, 0, 0)
}

/// What the local clock reads, as civil minutes since 1970-01-01T00:00.
fn civil_minute(dt: DateTime) -> i64 {
    assert_eq!(dt.second(), 0, "offsets in these zones are whole minutes");
    days_from_civil(dt.year().into(), dt.month().into(), dt.day().into()) * DAY
        + i64::from(dt.hour()) * 60
        + i64::from(dt.minute())
}

fn hhmm(minute_of_day: i64) -> String {
    format!("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60)
}

// ---------------------------------------------------------------------------
// Seeded dice (proptest's ChaCha generator with a fixed seed).

struct Dice {
    rng: TestRng,
    /// Local civil minutes at and around the window's changes of offset,
    /// which the generators favour.
    hot: Vec<i64>,
}

impl Dice {
    fn new(seed: u64, hot: Vec<i64>) -> Self {
        let mut bytes = [7u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        Self {
            rng: TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
            hot,
        }
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: i64) -> i64 {
        assert!(n > 0);
        (self.rng.next_u64() % n as u64) as i64
    }

    /// A civil minute at or around a change of offset, if the window has one.
    fn hot(&mut self) -> Option<i64> {
        if self.hot.is_empty() {
            return None;
        }
        let k = self.below(self.hot.len() as i64) as usize;
        Some(self.hot[k])
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: i64) -> bool {
        self.below(100) < percent
    }
}

// ---------------------------------------------------------------------------
// A window of minutes and what the local clock reads at each.

struct Window {
    zone: &'static str,
    tz: TimeZone,
    /// Day number of the date of interest.
    d0: i64,
    /// UTC minute (since the epoch) of index 0.
    base: i64,
    /// Local civil minute at each index.
    civil: Vec<i64>,
    /// Resolved boundaries, by local civil minute.
    memo: RefCell<HashMap<i64, usize>>,
}

impl Window {
    fn new(zone: &'static str, (y, m, d): (i64, i64, i64)) -> Self {
        let tz = TimeZone::get(zone).expect("zone");
        let d0 = days_from_civil(y, m, d);
        let base = (d0 - BEFORE) * DAY;
        let civil = (0..(BEFORE + AFTER) * DAY)
            .map(|i| civil_minute(tz.to_datetime(Timestamp::from_second((base + i) * 60).unwrap())))
            .collect();
        Self {
            zone,
            tz,
            d0,
            base,
            civil,
            memo: RefCell::default(),
        }
    }

    /// The first minute at which the local clock reads `key` or later,
    /// scanning forward from well before it.
    fn resolve(&self, key: i64) -> usize {
        if let Some(&i) = self.memo.borrow().get(&key) {
            return i;
        }
        // No zone is more than 14 hours ahead of UTC: start two days earlier still.
        let from = key - 14 * 60 - 2 * DAY - self.base;
        assert!(from >= 0, "boundary {key} too early for the window");
        let mut i = from as usize;
        assert!(self.civil[i] < key, "scan for {key} started too late");
        while self.civil[i] < key {
            i += 1;
            assert!(i < self.civil.len(), "boundary {key} beyond the window");
        }
        self.memo.borrow_mut().insert(key, i);
        i
    }

    fn ts(&self, i: usize) -> Timestamp {
        Timestamp::from_second((self.base + i as i64) * 60).unwrap()
    }

    fn index(&self, day: i64) -> usize {
        usize::try_from(day * DAY - self.base).unwrap()
    }

    fn lo(&self) -> usize {
        self.index(self.d0 + LO_DAY)
    }

    fn hi(&self) -> usize {
        self.index(self.d0 + HI_DAY)
    }

    /// Civil minutes at and around each change of offset in the window: the
    /// last minute before, the first in a gap or fold, the middle, the last
    /// in it and the first after.
    fn hot_minutes(&self) -> Vec<i64> {
        let mut hot = Vec::new();
        for i in 1..self.civil.len() {
            let (before, after) = (self.civil[i - 1], self.civil[i]);
            if after != before + 1 {
                let (a, b) = (before.min(after), before.max(after));
                hot.extend([a - 1, a, a + 1, (a + b) / 2, b - 1, b, b + 1]);
            }
        }
        hot.sort_unstable();
        hot.dedup();
        hot
    }

    fn show(&self, t: Timestamp) -> String {
        format!("{t} ({})", t.to_zoned_datetime(self.tz.clone()))
    }

    fn show_opt(&self, t: Option<Timestamp>, none: &str) -> String {
        t.map_or_else(|| none.to_owned(), |t| self.show(t))
    }
}

// ---------------------------------------------------------------------------
// Random calendars, as the reference sees them (and as a spec for the engine).

/// An open interval: start minute of the day and length in minutes; `text`
/// is how it is written in the spec.
#[derive(Clone, Debug)]
struct Piece {
    start: i64,
    len: i64,
    text: String,
}

impl Piece {
    fn new(start: i64, len: i64, midnight_as_zero: bool) -> Self {
        assert!((0..DAY).contains(&start) && (1..=DAY).contains(&len));
        assert!(len < DAY || start == 0, "a whole day is 00:00-24:00 only");
        let end = start + len;
        let end_text = if end == DAY && start > 0 && midnight_as_zero {
            "00:00".to_owned()
        } else if end > DAY {
            hhmm(end - DAY)
        } else {
            hhmm(end)
        };
        Self {
            start,
            len,
            text: format!("{}-{end_text}", hhmm(start)),
        }
    }

    fn interval(&self) -> Interval {
        self.text.parse().expect("generated interval parses")
    }
}

#[derive(Clone, Debug)]
struct Model {
    week: [Vec<Piece>; 7],
    /// Day number and the hours open that day (empty: closed).
    holidays: Vec<(i64, Vec<Piece>)>,
    /// Open or not, from and to as local civil minutes.
    exceptions: Vec<(bool, i64, i64)>,
    valid_from: Option<i64>,
    valid_until: Option<i64>,
}

/// A time of day, favouring half hours and the small hours when clocks change.
fn clock_time(dice: &mut Dice) -> i64 {
    if dice.chance(20)
        && let Some(hot) = dice.hot()
    {
        return hot.rem_euclid(DAY);
    }
    match dice.below(100) {
        0..55 => dice.below(48) * 30,
        55..80 => (dice.range(-4, 7) * 30).rem_euclid(DAY),
        _ => dice.below(DAY),
    }
}

fn length(dice: &mut Dice) -> i64 {
    match dice.below(100) {
        0..50 => dice.range(1, 20) * 30,
        50..75 => dice.range(1, 600),
        75..90 => dice.range(12, 28) * 30,
        _ => dice.range(1, DAY - 1),
    }
}

fn random_piece(dice: &mut Dice) -> Piece {
    let start = clock_time(dice);
    let mut len = length(dice);
    if dice.chance(15)
        && let Some(hot) = dice.hot()
    {
        // Ending at or around a change of offset.
        len = (hot - start).rem_euclid(DAY);
        if len == 0 {
            len = if start == 0 { DAY } else { 30 };
        }
    }
    Piece::new(start, len, dice.chance(50))
}

fn overlaps(taken: &[(i64, i64)], (a, b): (i64, i64), period: Option<i64>) -> bool {
    taken.iter().any(|&(c, d)| match period {
        Some(p) => [-p, 0, p].iter().any(|s| c + s < b && a < d + s),
        None => c < b && a < d,
    })
}

fn random_week(dice: &mut Dice) -> [Vec<Piece>; 7] {
    let mut week: [Vec<Piece>; 7] = Default::default();
    match dice.below(100) {
        // Never open by the week: only holidays' hours and exceptions.
        0..4 => return week,
        // Open round the clock.
        4..8 => return week.map(|_| vec![Piece::new(0, DAY, false)]),
        _ => {}
    }
    let mut taken = Vec::new();
    let mut order: Vec<usize> = (0..7).collect();
    // Lay days out in a random order, so that no weekday is favoured.
    for k in (1..7).rev() {
        order.swap(k, dice.below(k as i64 + 1) as usize);
    }
    for day in order {
        let candidates: Vec<Piece> = match dice.below(100) {
            0..15 => Vec::new(),
            15..25 => vec![Piece::new(0, DAY, false)],
            25..45 => {
                let mut v = Vec::new();
                if dice.chance(50) {
                    v.push(random_piece(dice));
                }
                let start = dice.range(36, 47) * 30;
                let len = dice.range(8, 24) * 30;
                v.push(Piece::new(start, len, dice.chance(50)));
                v
            }
            _ => (0..dice.range(1, 3)).map(|_| random_piece(dice)).collect(),
        };
        for piece in candidates {
            let at = day as i64 * DAY + piece.start;
            let span = (at, at + piece.len);
            if !overlaps(&taken, span, Some(7 * DAY)) {
                taken.push(span);
                week[day].push(piece);
            }
        }
    }
    week
}

impl Model {
    fn random(dice: &mut Dice, d0: i64) -> Self {
        let week = random_week(dice);
        let (mut valid_from, mut valid_until) = (None, None);
        if dice.chance(25) {
            if dice.chance(60) {
                valid_from = Some(d0 + dice.range(-3, 3));
            }
            if valid_from.is_none() || dice.chance(60) {
                let earliest = valid_from.unwrap_or(d0 - 3).max(d0 - 1);
                valid_until = Some(earliest + dice.range(0, 9));
            }
        }
        let in_range =
            |d: i64| valid_from.is_none_or(|f| d >= f) && valid_until.is_none_or(|u| d <= u);

        let mut holidays: Vec<(i64, Vec<Piece>)> = Vec::new();
        if dice.chance(60) {
            for _ in 0..dice.range(1, 3) {
                let day = match dice.hot() {
                    Some(hot) if dice.chance(40) => (hot + dice.range(-DAY, DAY))
                        .div_euclid(DAY)
                        .clamp(d0 + Q_FIRST, d0 + Q_LAST),
                    _ => d0 + dice.range(Q_FIRST, Q_LAST),
                };
                if !in_range(day) || holidays.iter().any(|(d, _)| *d == day) {
                    continue;
                }
                let mut open = Vec::new();
                let mut taken = Vec::new();
                if dice.chance(50) {
                    for _ in 0..dice.range(1, 2) {
                        let p = random_piece(dice);
                        let span = (p.start, p.start + p.len);
                        if !overlaps(&taken, span, None) {
                            taken.push(span);
                            open.push(p);
                        }
                    }
                }
                holidays.push((day, open));
            }
        }

        let mut exceptions = Vec::new();
        if dice.chance(50) {
            for _ in 0..dice.range(1, 3) {
                let hot = dice.hot();
                let from = match hot {
                    Some(hot) if dice.chance(30) => hot,
                    _ => (d0 + dice.range(Q_FIRST, Q_LAST)) * DAY + clock_time(dice),
                };
                let len = match dice.hot() {
                    Some(to) if to > from && dice.chance(30) => to - from,
                    _ if dice.chance(70) => dice.range(1, 96) * 30,
                    _ => dice.range(1, 3 * DAY),
                };
                let to = from + len;
                if in_range(from.div_euclid(DAY)) && in_range(to.div_euclid(DAY)) {
                    exceptions.push((dice.chance(50), from, to));
                }
            }
        }
        Self {
            week,
            holidays,
            exceptions,
            valid_from,
            valid_until,
        }
    }

    fn spec(&self, zone: &str) -> CalendarSpec {
        let day = |k: usize| self.week[k].iter().map(Piece::interval).collect::<Vec<_>>();
        CalendarSpec {
            zone: zone.to_owned(),
            week: Week {
                mon: day(0),
                tue: day(1),
                wed: day(2),
                thu: day(3),
                fri: day(4),
                sat: day(5),
                sun: day(6),
            },
            holidays: self
                .holidays
                .iter()
                .map(|(d, open)| Holiday {
                    date: to_date(*d),
                    name: "holiday".into(),
                    open: open.iter().map(Piece::interval).collect(),
                })
                .collect(),
            exceptions: self
                .exceptions
                .iter()
                .map(|&(open, from, to)| Exception {
                    kind: if open {
                        ExceptionKind::Open
                    } else {
                        ExceptionKind::Closed
                    },
                    from: to_datetime(from),
                    to: to_datetime(to),
                    name: "exception".into(),
                })
                .collect(),
            valid_from: self.valid_from.map(to_date),
            valid_until: self.valid_until.map(to_date),
        }
    }
}

// ---------------------------------------------------------------------------
// The reference: open minutes, and walks over them.

struct Reference<'w> {
    w: &'w Window,
    open: Vec<bool>,
    lo: usize,
    hi: usize,
    /// No open minute at or after `hi`, ever (validity ends inside the window).
    nothing_after: bool,
    /// No open minute before `lo`, ever (validity starts inside the window).
    nothing_before: bool,
}

/// `None`: the walk left the window, the reference cannot tell.
type Known<T> = Option<T>;

impl<'w> Reference<'w> {
    fn new(w: &'w Window, m: &Model) -> Self {
        let mut open = vec![false; w.civil.len()];
        let mut mark = |from: usize, to: usize, value: bool| {
            for flag in &mut open[from..to.max(from)] {
                *flag = value;
            }
        };
        let in_range =
            |d: i64| m.valid_from.is_none_or(|f| d >= f) && m.valid_until.is_none_or(|u| d <= u);
        for day in w.d0 + FIRST_DATE..=w.d0 + LAST_DATE {
            if !in_range(day) {
                continue;
            }
            let pieces = match m.holidays.iter().find(|(d, _)| *d == day) {
                Some((_, open)) => open,
                None => &m.week[weekday(day)],
            };
            for p in pieces {
                let start = w.resolve(day * DAY + p.start);
                let end = w.resolve(day * DAY + p.start + p.len);
                mark(start, end, true);
            }
        }
        for &(kind_open, from, to) in m.exceptions.iter().filter(|x| x.0) {
            mark(w.resolve(from), w.resolve(to), kind_open);
        }
        for &(kind_open, from, to) in m.exceptions.iter().filter(|x| !x.0) {
            mark(w.resolve(from), w.resolve(to), kind_open);
        }
        let (lo, hi) = (w.lo(), w.hi());
        // Validity ending well inside the window: nothing opens afterwards.
        // A week without hours: only holidays and exceptions, all well
        // inside the window, open anything.
        let no_week = m.week.iter().all(Vec::is_empty);
        let nothing_after = no_week
            || m.valid_until
                .is_some_and(|u| (u + 3) * DAY <= w.base + hi as i64);
        let nothing_before = no_week
            || m.valid_from
                .is_some_and(|f| (f - 1) * DAY >= w.base + lo as i64);
        if nothing_after {
            assert!(open[hi..].iter().all(|o| !o));
        }
        if nothing_before {
            assert!(open[..lo].iter().all(|o| !o));
        }
        Self {
            w,
            open,
            lo,
            hi,
            nothing_after,
            nothing_before,
        }
    }

    fn add(&self, s: usize, d: i64) -> Known<Option<usize>> {
        if d == 0 {
            // Zero from a closed minute is the next opening.
            return self.next_open(s);
        }
        let (mut j, mut n) = (s, 0);
        while n < d {
            if j >= self.hi {
                return self.nothing_after.then_some(None);
            }
            n += i64::from(self.open[j]);
            j += 1;
        }
        Some(Some(j))
    }

    fn sub(&self, due: usize, d: i64) -> Known<Option<usize>> {
        if d == 0 {
            // Zero back from a closed minute is the previous closing.
            return self.previous_close(due);
        }
        let (mut j, mut n) = (due, 0);
        while n < d {
            if j <= self.lo {
                return self.nothing_before.then_some(None);
            }
            j -= 1;
            n += i64::from(self.open[j]);
        }
        Some(Some(j))
    }

    fn elapsed(&self, a: usize, b: usize) -> i64 {
        (a..b).filter(|&i| self.open[i]).count() as i64
    }

    fn next_open(&self, t: usize) -> Known<Option<usize>> {
        match (t..self.hi).find(|&i| self.open[i]) {
            Some(i) => Some(Some(i)),
            None => self.nothing_after.then_some(None),
        }
    }

    /// The latest minute boundary at or before `t` with an open minute just
    /// before it.
    fn previous_close(&self, t: usize) -> Known<Option<usize>> {
        match (self.lo + 1..=t).rev().find(|&i| self.open[i - 1]) {
            Some(i) => Some(Some(i)),
            None => self.nothing_before.then_some(None),
        }
    }

    fn next_close(&self, t: usize) -> Known<Option<usize>> {
        let opening = self.next_open(t)?;
        let Some(opening) = opening else {
            return Some(None);
        };
        (opening..self.hi).find(|&i| !self.open[i]).map(Some)
    }

    /// The instant `micros` microseconds into minute `i`.
    fn at(&self, i: usize, micros: i64) -> Timestamp {
        Timestamp::from_microsecond(self.w.ts(i).as_microsecond() + micros).unwrap()
    }

    /// `add` from `delta` microseconds into minute `s` (0 < `delta` < 60 s),
    /// from the whole-minute walk: minute `s` (if open) gives 60 s − `delta`,
    /// then `d` − 1 whole open minutes, then `delta` into the next open minute.
    fn add_within(&self, s: usize, delta: i64, d: i64) -> Known<Option<Timestamp>> {
        if d == 0 && self.open[s] {
            return Some(Some(self.at(s, delta)));
        }
        if !self.open[s] {
            return self.add(s + 1, d).map(|due| due.map(|i| self.w.ts(i)));
        }
        let Some(after) = self.add(s + 1, d - 1)? else {
            return Some(None);
        };
        Some(self.next_open(after)?.map(|k| self.at(k, delta)))
    }

    /// The mirror of `add_within`, for a due instant `delta` into minute `due`.
    fn sub_within(&self, due: usize, delta: i64, d: i64) -> Known<Option<Timestamp>> {
        if d == 0 && self.open[due] {
            return Some(Some(self.at(due, delta)));
        }
        if !self.open[due] {
            return self.sub(due, d).map(|start| start.map(|i| self.w.ts(i)));
        }
        let Some(before) = self.sub(due, d - 1)? else {
            return Some(None);
        };
        match (self.lo..before).rev().find(|&k| self.open[k]) {
            Some(k) => Some(Some(self.at(k, delta))),
            None => self.nothing_before.then_some(None),
        }
    }

    /// Open microseconds from `delta_a` into minute `a` to `delta_b` into minute `b`.
    fn elapsed_within(&self, a: usize, delta_a: i64, b: usize, delta_b: i64) -> i64 {
        const MINUTE: i64 = 60_000_000;
        let open = |i: usize| i64::from(self.open[i]);
        match a.cmp(&b) {
            std::cmp::Ordering::Greater => 0,
            std::cmp::Ordering::Equal => open(a) * (delta_b - delta_a).max(0),
            std::cmp::Ordering::Less => {
                self.elapsed(a + 1, b) * MINUTE + open(a) * (MINUTE - delta_a) + open(b) * delta_b
            }
        }
    }

    /// The `k`-th minute after `s` at which the calendar opens or closes.
    fn change_after(&self, s: usize, k: usize) -> Option<usize> {
        (s + 1..self.hi)
            .filter(|&i| self.open[i] != self.open[i - 1])
            .nth(k)
    }

    fn pick_instant(&self, dice: &mut Dice) -> usize {
        let q0 = self.w.index(self.w.d0 + Q_FIRST) as i64;
        let q1 = self.w.index(self.w.d0 + Q_LAST + 1) as i64;
        let p = dice.range(q0, q1 - 1);
        let i = match dice.below(100) {
            0..35 => self
                .change_after(p as usize, 0)
                .map_or(p, |c| c as i64 + dice.range(-1, 1)),
            35..55 => p - p.rem_euclid(30),
            _ => p,
        };
        i.clamp(q0, q1) as usize
    }

    fn pick_duration(&self, dice: &mut Dice, s: usize) -> i64 {
        match dice.below(100) {
            0..5 => 0,
            5..35 => dice.range(1, 120),
            35..55 => dice.range(121, 480),
            55..75 => dice.range(481, 4 * DAY),
            // Exactly up to an opening or closing ahead.
            _ => match self.change_after(s, dice.below(6) as usize) {
                Some(c) => self.elapsed(s, c),
                None => dice.range(1, 600),
            },
        }
    }
}

// ---------------------------------------------------------------------------
// Comparing.

#[derive(Default)]
struct Tally {
    calendars: usize,
    cases: usize,
    checks: usize,
    skipped: usize,
    failures: Vec<String>,
}

struct Case<'a> {
    w: &'a Window,
    spec: &'a CalendarSpec,
}

impl Case<'_> {
    fn fail(&self, tally: &mut Tally, what: &str, details: String) {
        if tally.failures.len() < 12 {
            tally.failures.push(format!(
                "{what} disagrees in {}\n{details}\ncalendar:\n{}",
                self.w.zone,
                self.spec.to_toml()
            ));
        } else {
            tally.failures.push(String::new());
        }
    }
}

fn check_calendar(r: &Reference, cal: &Calendar, case: &Case, dice: &mut Dice, tally: &mut Tally) {
    let w = r.w;
    let opt_ts = |i: Option<usize>| i.map(|i| w.ts(i));
    for _ in 0..CASES_PER_CALENDAR {
        tally.cases += 1;
        let s = r.pick_instant(dice);
        let d = r.pick_duration(dice, s);
        let duration = BusinessDuration::from_minutes(d as u64);

        // add
        let added = r.add(s, d);
        match added {
            None => tally.skipped += 1,
            Some(want) => {
                tally.checks += 1;
                let got = cal.add(w.ts(s), duration).ok();
                if got != opt_ts(want) {
                    case.fail(
                        tally,
                        "add",
                        format!(
                            "start: {}\nduration: {d}m ({duration})\nengine: {}\nreference: {}",
                            w.show(w.ts(s)),
                            w.show_opt(got, "NoOpenTime"),
                            w.show_opt(opt_ts(want), "NoOpenTime"),
                        ),
                    );
                }
            }
        }

        // sub, from the due instant found above or from a random instant
        let due = match added {
            Some(Some(due)) if due < r.hi && dice.chance(50) => due,
            _ => r.pick_instant(dice),
        };
        match r.sub(due, d) {
            None => tally.skipped += 1,
            Some(want) => {
                tally.checks += 1;
                let got = cal.sub(w.ts(due), duration).ok();
                if got != opt_ts(want) {
                    case.fail(
                        tally,
                        "sub",
                        format!(
                            "due: {}\nduration: {d}m ({duration})\nengine: {}\nreference: {}",
                            w.show(w.ts(due)),
                            w.show_opt(got, "NoOpenTime"),
                            w.show_opt(opt_ts(want), "NoOpenTime"),
                        ),
                    );
                }
            }
        }

        // elapsed, forwards and (sometimes) backwards
        let to = match dice.below(100) {
            0..10 => s.saturating_sub(dice.range(0, DAY) as usize).max(r.lo),
            10..40 => match added {
                Some(Some(due)) => due.min(r.hi),
                _ => s,
            },
            _ => (s + dice.range(0, 10 * DAY) as usize).min(r.hi),
        };
        tally.checks += 1;
        let want = r.elapsed(s, to) * 60;
        let got = cal.elapsed(w.ts(s), w.ts(to)).as_seconds() as i64;
        if got != want {
            case.fail(
                tally,
                "elapsed",
                format!(
                    "from: {}\nto: {}\nengine: {got}s\nreference: {want}s",
                    w.show(w.ts(s)),
                    w.show(w.ts(to)),
                ),
            );
        }

        if dice.chance(30) {
            check_within_a_minute(r, cal, case, dice, tally, s, d);
        }

        // is_open, next_open, next_close
        tally.checks += 1;
        if cal.is_open(w.ts(s)) != r.open[s] {
            case.fail(
                tally,
                "is_open",
                format!(
                    "at: {}\nengine: {}\nreference: {}",
                    w.show(w.ts(s)),
                    !r.open[s],
                    r.open[s]
                ),
            );
        }
        type Edge = fn(&Calendar, Timestamp) -> Option<Timestamp>;
        let engine: [(&str, Edge); 2] = [
            ("next_open", Calendar::next_open),
            ("next_close", Calendar::next_close),
        ];
        for ((what, ask), want) in engine.into_iter().zip([r.next_open(s), r.next_close(s)]) {
            match want {
                None => tally.skipped += 1,
                Some(want) => {
                    tally.checks += 1;
                    let got = ask(cal, w.ts(s));
                    if got != opt_ts(want) {
                        case.fail(
                            tally,
                            what,
                            format!(
                                "at: {}\nengine: {}\nreference: {}",
                                w.show(w.ts(s)),
                                w.show_opt(got, "None"),
                                w.show_opt(opt_ts(want), "None"),
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// `add`, `sub` and `elapsed` from instants inside a minute (to the
/// microsecond), derived from the whole-minute walks.
fn check_within_a_minute(
    r: &Reference,
    cal: &Calendar,
    case: &Case,
    dice: &mut Dice,
    tally: &mut Tally,
    s: usize,
    d: i64,
) {
    let w = r.w;
    let delta = if dice.chance(50) {
        dice.range(1, 59) * 1_000_000
    } else {
        dice.range(1, 59_999_999)
    };
    let start = r.at(s, delta);
    let duration = BusinessDuration::from_minutes(d as u64);
    for (what, want, got) in [
        (
            "add",
            r.add_within(s, delta, d),
            cal.add(start, duration).ok(),
        ),
        (
            "sub",
            r.sub_within(s, delta, d),
            cal.sub(start, duration).ok(),
        ),
    ] {
        match want {
            None => tally.skipped += 1,
            Some(want) => {
                tally.checks += 1;
                if got != want {
                    case.fail(
                        tally,
                        what,
                        format!(
                            "from: {}\nduration: {d}m ({duration})\nengine: {}\nreference: {}",
                            w.show(start),
                            w.show_opt(got, "NoOpenTime"),
                            w.show_opt(want, "NoOpenTime"),
                        ),
                    );
                }
            }
        }
    }
    let to = (s + dice.range(0, 3 * DAY) as usize).min(r.hi);
    let delta_to = dice.range(0, 59_999_999);
    tally.checks += 1;
    let want = r.elapsed_within(s, delta, to, delta_to) / 1_000_000;
    let got = cal.elapsed(start, r.at(to, delta_to)).as_seconds() as i64;
    if got != want {
        case.fail(
            tally,
            "elapsed",
            format!(
                "from: {}\nto: {}\nengine: {got}s\nreference: {want}s",
                w.show(start),
                w.show(r.at(to, delta_to)),
            ),
        );
    }
}

// ---------------------------------------------------------------------------
// SLA clocks.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    At(Timestamp),
    /// Paused short of the target.
    Paused,
    NoOpenTime,
}

#[derive(Clone)]
struct ClockModel {
    start: usize,
    /// Finished pauses, `[from, to)`.
    pauses: Vec<(usize, usize)>,
    /// The pause still going on, from this minute.
    paused_since: Option<usize>,
    stopped: Option<usize>,
}

impl ClockModel {
    fn counts(&self, r: &Reference, i: usize, with_current_pause: bool) -> bool {
        r.open[i]
            && i >= self.start
            && !self.pauses.iter().any(|&(a, b)| a <= i && i < b)
            && !(with_current_pause && self.paused_since.is_some_and(|p| i >= p))
    }

    fn elapsed(&self, r: &Reference, at: usize) -> i64 {
        let end = self.stopped.map_or(at, |s| s.min(at));
        (self.start..end.max(self.start))
            .filter(|&i| self.counts(r, i, true))
            .count() as i64
    }

    /// The earliest minute by which `target` minutes were counted (for a
    /// zero target, the first minute counted); the current pause stops the
    /// count unless `with_current_pause` is false.
    fn due(&self, r: &Reference, target: i64, with_current_pause: bool) -> Known<Due> {
        let (mut j, mut n) = (self.start, 0);
        loop {
            if n >= target && (target > 0 || self.counts(r, j, with_current_pause)) {
                return Some(Due::At(r.w.ts(j)));
            }
            if with_current_pause && self.paused_since == Some(j) {
                return Some(Due::Paused);
            }
            if j >= r.hi {
                return r.nothing_after.then_some(Due::NoOpenTime);
            }
            n += i64::from(self.counts(r, j, with_current_pause));
            j += 1;
        }
    }
}

fn check_clocks(r: &Reference, cal: &Calendar, case: &Case, dice: &mut Dice, tally: &mut Tally) {
    let w = r.w;
    for _ in 0..CLOCKS_PER_CALENDAR {
        let start = r.pick_instant(dice);
        let mut clock = SlaClock::start(w.ts(start));
        let mut model = ClockModel {
            start,
            pauses: Vec::new(),
            paused_since: None,
            stopped: None,
        };
        let mut story = format!("start {}", w.show(w.ts(start)));
        let mut t = start;
        let limit = r.hi - 2 * DAY as usize;
        let gap = |dice: &mut Dice| -> usize {
            (match dice.below(100) {
                0..10 => 0,
                10..50 => dice.range(1, 240),
                _ => dice.range(241, 2 * DAY),
            }) as usize
        };
        for _ in 0..dice.below(5) {
            let next = t + gap(dice);
            if next >= limit {
                break;
            }
            t = next;
            let outcome = match model.paused_since {
                Some(p) => {
                    model.pauses.push((p, t));
                    model.paused_since = None;
                    let _ = write!(story, ", resume {}", w.show(w.ts(t)));
                    clock.resume(w.ts(t))
                }
                None => {
                    model.paused_since = Some(t);
                    let _ = write!(story, ", pause {}", w.show(w.ts(t)));
                    clock.pause(w.ts(t))
                }
            };
            outcome.expect("the clock takes events in order");
        }
        if model.paused_since.is_none() && dice.chance(25) {
            let next = t + gap(dice);
            if next < limit {
                model.stopped = Some(next);
                let _ = write!(story, ", stop {}", w.show(w.ts(next)));
                clock.stop(w.ts(next)).expect("a running clock stops");
            }
        }

        for _ in 0..3 {
            tally.cases += 1;
            let target = if dice.chance(40) {
                // Exactly what the clock counted by some instant.
                let at = (start + dice.range(0, 6 * DAY) as usize).min(r.hi);
                let unstopped = ClockModel {
                    stopped: None,
                    ..model.clone()
                };
                unstopped.elapsed(r, at)
            } else {
                r.pick_duration(dice, start)
            };
            let Some(want) = model.due(r, target, true) else {
                tally.skipped += 1;
                continue;
            };
            tally.checks += 1;
            let got = match clock.due(cal, BusinessDuration::from_minutes(target as u64)) {
                Ok(Some(t)) => Due::At(t),
                Ok(None) => Due::Paused,
                Err(_) => Due::NoOpenTime,
            };
            if got != want {
                let show = |d: Due| match d {
                    Due::At(t) => w.show(t),
                    other => format!("{other:?}"),
                };
                case.fail(
                    tally,
                    "SlaClock::due",
                    format!(
                        "clock: {story}\ntarget: {target}m\nengine: {}\nreference: {}",
                        show(got),
                        show(want)
                    ),
                );
            }
        }

        for _ in 0..3 {
            let at = if dice.chance(10) {
                start.saturating_sub(dice.range(0, 120) as usize)
            } else {
                (start + dice.range(0, 8 * DAY) as usize).min(r.hi)
            };
            tally.checks += 1;
            let want = model.elapsed(r, at) * 60;
            let got = clock.elapsed(cal, w.ts(at)).as_seconds() as i64;
            if got != want {
                case.fail(
                    tally,
                    "SlaClock::elapsed",
                    format!(
                        "clock: {story}\nat: {}\nengine: {got}s\nreference: {want}s",
                        w.show(w.ts(at))
                    ),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------

fn run_zone(zone: &'static str, dates: &[(i64, i64, i64)], seed: u64) {
    let scale: usize = std::env::var("DIFFERENTIAL_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let seed = seed + 100 * (scale as u64 - 1);
    let mut tally = Tally::default();
    for (k, &date) in dates.iter().enumerate() {
        let w = Window::new(zone, date);
        let mut dice = Dice::new(
            seed.wrapping_mul(1_000).wrapping_add(k as u64),
            w.hot_minutes(),
        );
        for _ in 0..CALENDARS_PER_WINDOW * scale {
            let model = Model::random(&mut dice, w.d0);
            let spec = model.spec(zone);
            let case = Case { w: &w, spec: &spec };
            let cal = match spec.compile() {
                Ok(cal) => cal,
                Err(e) => {
                    case.fail(
                        &mut tally,
                        "compile",
                        format!("engine refused a valid calendar: {e}"),
                    );
                    continue;
                }
            };
            tally.calendars += 1;
            let r = Reference::new(&w, &model);
            check_calendar(&r, &cal, &case, &mut dice, &mut tally);
            check_clocks(&r, &cal, &case, &mut dice, &mut tally);
        }
    }
    if std::env::var_os("DIFFERENTIAL_STATS").is_some() {
        eprintln!(
            "{zone}: {} calendars, {} cases, {} checks, {} skipped, {} disagreements",
            tally.calendars,
            tally.cases,
            tally.checks,
            tally.skipped,
            tally.failures.len()
        );
    }
    let shown: Vec<&String> = tally.failures.iter().filter(|f| !f.is_empty()).collect();
    assert!(
        tally.failures.is_empty(),
        "{} of {} checks disagree with the reference in {zone}; the first {}:\n\n{}",
        tally.failures.len(),
        tally.checks,
        shown.len(),
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n----------------\n")
    );
    assert!(
        tally.skipped * 5 < tally.checks,
        "too many inconclusive walks in {zone}: {} skipped for {} checks",
        tally.skipped,
        tally.checks
    );
}

#[test]
fn engine_agrees_with_a_minute_by_minute_reference_in_london() {
    run_zone(
        "Europe/London",
        &[(2026, 3, 29), (2026, 10, 25), (2026, 6, 17), (2027, 1, 4)],
        1,
    );
}

#[test]
fn engine_agrees_with_a_minute_by_minute_reference_in_new_york() {
    run_zone(
        "America/New_York",
        &[(2026, 3, 8), (2026, 11, 1), (2026, 7, 1), (2025, 12, 24)],
        2,
    );
}

#[test]
fn engine_agrees_with_a_minute_by_minute_reference_on_lord_howe_with_its_half_hour_change() {
    run_zone(
        "Australia/Lord_Howe",
        &[(2026, 4, 5), (2026, 10, 4), (2026, 7, 15), (2027, 1, 10)],
        3,
    );
}

#[test]
fn engine_agrees_with_a_minute_by_minute_reference_in_kolkata_at_half_past_five() {
    run_zone(
        "Asia/Kolkata",
        &[(2026, 3, 29), (2026, 8, 15), (2026, 12, 30)],
        4,
    );
}

#[test]
fn engine_agrees_with_a_minute_by_minute_reference_in_sao_paulo_before_and_after_dst_ended() {
    run_zone(
        "America/Sao_Paulo",
        &[(2018, 11, 4), (2019, 2, 16), (2019, 11, 3), (2018, 6, 1)],
        5,
    );
}

#[test]
fn engine_agrees_with_a_minute_by_minute_reference_in_apia_across_its_skipped_day() {
    run_zone(
        "Pacific/Apia",
        &[(2011, 12, 29), (2011, 12, 31), (2011, 9, 24), (2012, 4, 1)],
        6,
    );
}

// ---------------------------------------------------------------------------
// The reference itself, on cases worked out by hand from the documentation.

fn hand_model(week: [&[&str]; 7]) -> Model {
    let parse = |text: &str| {
        let (a, b) = text.split_once('-').unwrap();
        let min = |t: &str| {
            let (h, m) = t.split_once(':').unwrap();
            h.parse::<i64>().unwrap() * 60 + m.parse::<i64>().unwrap()
        };
        let (start, end) = (min(a), min(b));
        let len = if end > start {
            end - start
        } else {
            end + DAY - start
        };
        let p = Piece::new(start, len, end == 0);
        assert_eq!(p.text, text);
        p
    };
    Model {
        week: week.map(|d| d.iter().map(|t| parse(t)).collect()),
        holidays: Vec::new(),
        exceptions: Vec::new(),
        valid_from: None,
        valid_until: None,
    }
}

#[test]
fn the_reference_reproduces_the_documented_examples() {
    // Its civil arithmetic agrees with jiff's.
    for day in days_from_civil(1999, 12, 20)..days_from_civil(2030, 1, 10) {
        let date = to_date(day);
        assert_eq!(
            weekday(day),
            date.weekday().to_monday_zero_offset() as usize
        );
        assert_eq!(
            days_from_civil(date.year().into(), date.month().into(), date.day().into()),
            day
        );
    }
    let at = |s: &str| s.parse::<Timestamp>().unwrap();

    // The crate's example: Friday 16:30 GMT + 4h is Saturday 01:00.
    let w = Window::new("Europe/London", (2026, 3, 29));
    let m = hand_model([
        &["09:00-12:30", "13:30-17:30"],
        &["09:00-17:30"],
        &["09:00-17:30"],
        &["09:00-17:30"],
        &["09:00-17:30", "22:00-06:00"],
        &[],
        &[],
    ]);
    let r = Reference::new(&w, &m);
    let idx = |t: Timestamp| ((t.as_second() / 60) - w.base) as usize;
    let due = r
        .add(idx(at("2026-03-27T16:30:00Z")), 240)
        .unwrap()
        .unwrap();
    assert_eq!(w.ts(due), at("2026-03-28T01:00:00Z"));
    // Landing on a closing instant stays there: Monday 13:30 BST + 4h.
    let due = r
        .add(idx(at("2026-03-30T12:30:00Z")), 240)
        .unwrap()
        .unwrap();
    assert_eq!(w.ts(due), at("2026-03-30T16:30:00Z"));
    assert_eq!(
        r.sub(due, 240).unwrap().unwrap(),
        idx(at("2026-03-30T12:30:00Z"))
    );

    // A boundary in the spring-forward gap is the end of the gap.
    let m = hand_model([&[], &[], &[], &[], &[], &[], &["01:30-03:00"]]);
    let r = Reference::new(&w, &m);
    let sunday = idx(at("2026-03-29T00:00:00Z"));
    assert_eq!(
        r.next_open(sunday),
        Some(Some(idx(at("2026-03-29T01:00:00Z"))))
    );
    assert_eq!(
        r.next_close(sunday),
        Some(Some(idx(at("2026-03-29T02:00:00Z"))))
    );
    // A night shift across the change is seven hours.
    let m = hand_model([&[], &[], &[], &[], &[], &["22:00-06:00"], &[]]);
    let r = Reference::new(&w, &m);
    let saturday = idx(at("2026-03-28T12:00:00Z"));
    assert_eq!(r.elapsed(saturday, saturday + DAY as usize), 7 * 60);
    assert_eq!(
        r.next_close(saturday),
        Some(Some(idx(at("2026-03-29T05:00:00Z"))))
    );

    // At fall-back a boundary the clock shows twice is its first occurrence.
    let w = Window::new("Europe/London", (2026, 10, 25));
    let m = hand_model([&[], &[], &[], &[], &[], &[], &["01:30-02:00"]]);
    let r = Reference::new(&w, &m);
    let idx = |t: Timestamp| ((t.as_second() / 60) - w.base) as usize;
    let sunday = idx(at("2026-10-25T00:00:00Z"));
    let open: Vec<usize> = (sunday - 600..sunday + 600)
        .filter(|&i| r.open[i])
        .collect();
    assert_eq!(open.len(), 90, "01:30 BST to 02:00 GMT");
    assert_eq!(w.ts(open[0]), at("2026-10-25T00:30:00Z"));

    // Samoa skipped 30 December 2011: a day interval that day is closed, the
    // night shift of the 29th runs to 00:00 on the 31st.
    let w = Window::new("Pacific/Apia", (2011, 12, 29));
    let m = hand_model([&[], &[], &[], &["22:00-06:00"], &["09:00-17:00"], &[], &[]]);
    let r = Reference::new(&w, &m);
    let idx = |t: Timestamp| ((t.as_second() / 60) - w.base) as usize;
    let thursday = idx(at("2011-12-29T00:00:00Z"));
    let first = r.next_open(thursday).unwrap().unwrap();
    assert_eq!(w.ts(first), at("2011-12-30T08:00:00Z"), "22:00 at -10:00");
    assert_eq!(
        w.ts(r.next_close(first).unwrap().unwrap()),
        at("2011-12-30T10:00:00Z")
    );
    assert_eq!(r.elapsed(thursday, thursday + 3 * DAY as usize), 120);
}

// ---------------------------------------------------------------------------
// The ends of the default range, beyond the windows above.

#[test]
fn an_unbounded_calendar_is_open_from_1900_to_2200_and_closes_on_a_schedule_boundary() {
    // "A calendar without them is open from 1900 to 2200": whichever day of
    // 2200 is meant, the last open period ends where an interval ends (a
    // local midnight on this round-the-clock calendar), and nothing is open
    // in 1899.
    let whole_day = || vec![Piece::new(0, DAY, false).interval()];
    let spec = CalendarSpec {
        zone: "Europe/London".into(),
        week: Week {
            mon: whole_day(),
            tue: whole_day(),
            wed: whole_day(),
            thu: whole_day(),
            fri: whole_day(),
            sat: whole_day(),
            sun: whole_day(),
        },
        holidays: Vec::new(),
        exceptions: Vec::new(),
        valid_from: None,
        valid_until: None,
    };
    let cal = spec.compile().expect("valid");
    let tz = TimeZone::get("Europe/London").expect("zone");
    let at = |s: &str| s.parse::<Timestamp>().unwrap();

    let t = at("2199-12-25T00:00:00Z");
    let close = cal.next_close(t);
    let local = close.map(|c| tz.to_datetime(c));
    assert!(
        local.is_some_and(|l| l.time() == civil::Time::midnight()),
        "next_close({t}) is {close:?} ({local:?}), not the end of a day's interval\ncalendar:\n{}",
        spec.to_toml()
    );

    let t = at("1899-12-25T12:00:00Z");
    assert!(
        !cal.is_open(t),
        "open at {t}, before 1900\ncalendar:\n{}",
        spec.to_toml()
    );
}
