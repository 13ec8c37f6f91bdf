//! Open intervals of a day as people write them: `09:00-17:30`, `22:00-06:00`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const DAY: u32 = 86_400;

/// One open interval of a day, written `HH:MM-HH:MM` (seconds optional).
///
/// An interval whose end is not after its start runs past midnight into the
/// next day: `22:00-06:00` is a night shift of eight hours. `24:00` may end
/// an interval, so `00:00-24:00` is a whole day. An interval whose start and
/// end are the same time is refused: it would be either empty or a whole day,
/// and nobody can tell which was meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interval {
    start: u32,
    end: u32,
}

/// Why an interval's text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an open interval: {reason}")]
pub struct ParseIntervalError {
    text: String,
    reason: &'static str,
}

impl Interval {
    /// The interval from `start` to `end`, both seconds after midnight
    /// (`end` up to 86,400); an end not after the start runs into the next day.
    pub fn from_seconds(start: u32, end: u32) -> Option<Self> {
        (start < DAY && end <= DAY && start != end).then_some(Self { start, end })
    }

    /// Seconds after the day's midnight (by the clock) at which it opens.
    pub fn start_seconds(self) -> u32 {
        self.start
    }

    /// Seconds after the day's midnight (by the clock) at which it closes:
    /// more than 86,400 when it runs into the next day.
    pub fn end_seconds(self) -> u32 {
        if self.end > self.start {
            self.end
        } else {
            self.end + DAY
        }
    }

    /// Whether it runs past midnight into the next day.
    pub fn crosses_midnight(self) -> bool {
        self.end_seconds() > DAY
    }

    /// Its length by the clock, ignoring any change of offset that day.
    pub fn clock_seconds(self) -> u32 {
        self.end_seconds() - self.start
    }
}

fn parse_time(text: &str, allow_24: bool) -> Result<u32, &'static str> {
    let mut parts = text.split(':');
    let mut field = |max: u32| -> Result<Option<u32>, &'static str> {
        match parts.next() {
            None => Ok(None),
            Some(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                let v: u32 = p.parse().map_err(|_| "times are written HH:MM")?;
                if v > max {
                    Err("hours run 00 to 24, minutes and seconds 00 to 59")
                } else {
                    Ok(Some(v))
                }
            }
            Some(_) => Err("times are written HH:MM or HH:MM:SS with two digits each"),
        }
    };
    let h = field(24)?.ok_or("times are written HH:MM")?;
    let m = field(59)?.ok_or("times are written HH:MM")?;
    let s = field(59)?.unwrap_or(0);
    if parts.next().is_some() {
        return Err("times are written HH:MM or HH:MM:SS");
    }
    let seconds = h * 3600 + m * 60 + s;
    if h == 24 && (m != 0 || s != 0 || !allow_24) {
        return Err("24:00 may only end an interval");
    }
    Ok(seconds)
}

impl FromStr for Interval {
    type Err = ParseIntervalError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| ParseIntervalError {
            text: text.to_owned(),
            reason,
        };
        let (a, b) = text
            .trim()
            .split_once('-')
            .ok_or_else(|| fail("write it as start-end, such as 09:00-17:30"))?;
        let start = parse_time(a.trim(), false).map_err(fail)?;
        let end = parse_time(b.trim(), true).map_err(fail)?;
        if start == end {
            return Err(fail(
                "start and end are the same time; write 00:00-24:00 for a whole day",
            ));
        }
        Ok(Self { start, end })
    }
}

fn write_time(f: &mut fmt::Formatter<'_>, seconds: u32) -> fmt::Result {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if s == 0 {
        write!(f, "{h:02}:{m:02}")
    } else {
        write!(f, "{h:02}:{m:02}:{s:02}")
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_time(f, self.start)?;
        f.write_str("-")?;
        write_time(f, self.end)
    }
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Interval, ParseIntervalError> {
        s.parse()
    }

    #[test]
    fn reads_day_night_and_whole_day_intervals() {
        let day = parse("09:00-17:30").expect("day");
        assert_eq!((day.start_seconds(), day.end_seconds()), (32_400, 63_000));
        let night = parse("22:00-06:00").expect("night");
        assert!(night.crosses_midnight());
        assert_eq!(night.clock_seconds(), 8 * 3600);
        let whole = parse("00:00-24:00").expect("whole day");
        assert_eq!(whole.clock_seconds(), DAY);
        assert!(!whole.crosses_midnight());
        let to_midnight = parse("18:00-24:00").expect("to midnight");
        assert_eq!(to_midnight.end_seconds(), DAY);
        let with_seconds = parse("09:00:30-10:00").expect("seconds");
        assert_eq!(with_seconds.start_seconds(), 32_430);
    }

    #[test]
    fn refuses_malformed_and_empty_intervals() {
        for bad in [
            "09:00",
            "9:00-17:00",
            "09:00-17:60",
            "25:00-26:00",
            "24:00-06:00",
            "09:00-24:30",
            "09:00-09:00",
            "00:00-00:00",
            "x-y",
            "09:00-17:00:00:00",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
        let e = parse("09:00-09:00").expect_err("same");
        assert!(e.to_string().contains("same time"), "{e}");
    }

    #[test]
    fn prints_what_it_read() {
        for text in [
            "09:00-17:30",
            "22:00-06:00",
            "00:00-24:00",
            "09:00:30-10:00",
        ] {
            assert_eq!(parse(text).map(|i| i.to_string()).as_deref(), Ok(text));
        }
    }
}
