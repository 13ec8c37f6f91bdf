//! Durations of business time, written the way people write SLA targets.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative span of business (open) time, to the second.
///
/// Written as hours, minutes and seconds in that order, each at most once:
/// `4h`, `90m`, `2h30m`, `40h`, `1h0m30s`. Formatting gives the shortest
/// canonical form (`150m` prints as `2h30m`; zero prints as `0m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct BusinessDuration {
    seconds: u64,
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseDurationError {
    /// The text was empty or only whitespace.
    #[error("a duration is needed, such as 4h, 90m or 2h30m")]
    Empty,
    /// A number was not followed by one of the units `h`, `m`, `s`.
    #[error("`{0}` is not a duration: write hours, minutes and seconds such as 4h, 90m or 2h30m")]
    Malformed(String),
    /// Units were repeated or out of order (`30m2h`, `1h1h`).
    #[error("`{0}` has units out of order: write hours, then minutes, then seconds")]
    Order(String),
    /// The value does not fit in the range Kept stores.
    #[error("`{0}` is too long a duration")]
    Overflow(String),
}

impl BusinessDuration {
    /// No time at all.
    pub const ZERO: Self = Self { seconds: 0 };
    /// The largest duration Kept stores (i64 seconds, as the database keeps them).
    pub const MAX: Self = Self {
        seconds: i64::MAX as u64,
    };

    /// A duration of `seconds` seconds.
    pub const fn from_seconds(seconds: u64) -> Self {
        Self { seconds }
    }

    /// A duration of `minutes` minutes.
    pub const fn from_minutes(minutes: u64) -> Self {
        Self {
            seconds: minutes * 60,
        }
    }

    /// A duration of `hours` hours.
    pub const fn from_hours(hours: u64) -> Self {
        Self {
            seconds: hours * 3600,
        }
    }

    /// The whole length in seconds.
    pub const fn as_seconds(self) -> u64 {
        self.seconds
    }

    /// The sum, or `None` if it would pass [`BusinessDuration::MAX`].
    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.seconds
            .checked_add(other.seconds)
            .filter(|s| *s <= Self::MAX.seconds)
            .map(Self::from_seconds)
    }

    /// The difference, floored at zero.
    pub fn saturating_sub(self, other: Self) -> Self {
        Self::from_seconds(self.seconds.saturating_sub(other.seconds))
    }
}

impl FromStr for BusinessDuration {
    type Err = ParseDurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let s = text.trim();
        if s.is_empty() {
            return Err(ParseDurationError::Empty);
        }
        let malformed = || ParseDurationError::Malformed(s.to_owned());
        let overflow = || ParseDurationError::Overflow(s.to_owned());

        let mut total: u64 = 0;
        // Index into "hms" of the last unit seen; units must strictly increase.
        let mut last_unit: Option<usize> = None;
        let mut rest = s;
        while !rest.is_empty() {
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits == 0 {
                return Err(malformed());
            }
            let number: u64 = rest[..digits].parse().map_err(|_| overflow())?;
            let unit_char = rest[digits..].chars().next().ok_or_else(malformed)?;
            let unit = "hms".find(unit_char).ok_or_else(malformed)?;
            if last_unit.is_some_and(|last| unit <= last) {
                return Err(ParseDurationError::Order(s.to_owned()));
            }
            last_unit = Some(unit);
            let scale = [3600, 60, 1][unit];
            total = number
                .checked_mul(scale)
                .and_then(|part| total.checked_add(part))
                .ok_or_else(overflow)?;
            rest = &rest[digits + 1..];
        }
        if total > Self::MAX.seconds {
            return Err(overflow());
        }
        Ok(Self::from_seconds(total))
    }
}

impl fmt::Display for BusinessDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (
            self.seconds / 3600,
            self.seconds % 3600 / 60,
            self.seconds % 60,
        );
        if h == 0 && m == 0 && s == 0 {
            return f.write_str("0m");
        }
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if s > 0 {
            write!(f, "{s}s")?;
        }
        Ok(())
    }
}

impl Serialize for BusinessDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BusinessDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> Result<BusinessDuration, ParseDurationError> {
        s.parse()
    }

    #[test]
    fn parses_the_forms_people_write_for_sla_targets() {
        assert_eq!(parse("4h"), Ok(BusinessDuration::from_hours(4)));
        assert_eq!(parse("90m"), Ok(BusinessDuration::from_minutes(90)));
        assert_eq!(parse("2h30m"), Ok(BusinessDuration::from_minutes(150)));
        assert_eq!(parse("40h"), Ok(BusinessDuration::from_hours(40)));
        assert_eq!(parse(" 1h0m30s "), Ok(BusinessDuration::from_seconds(3630)));
        assert_eq!(parse("0m"), Ok(BusinessDuration::ZERO));
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        assert_eq!(parse(""), Err(ParseDurationError::Empty));
        assert!(matches!(parse("4"), Err(ParseDurationError::Malformed(_))));
        assert!(matches!(parse("h"), Err(ParseDurationError::Malformed(_))));
        assert!(matches!(parse("4d"), Err(ParseDurationError::Malformed(_))));
        assert!(matches!(
            parse("-4h"),
            Err(ParseDurationError::Malformed(_))
        ));
        assert!(matches!(
            parse("4h 30m"),
            Err(ParseDurationError::Malformed(_))
        ));
        assert!(matches!(parse("30m2h"), Err(ParseDurationError::Order(_))));
        assert!(matches!(parse("1h1h"), Err(ParseDurationError::Order(_))));
        assert!(matches!(
            parse("99999999999999999999h"),
            Err(ParseDurationError::Overflow(_))
        ));
    }

    #[test]
    fn prints_the_shortest_canonical_form() {
        assert_eq!(BusinessDuration::from_minutes(150).to_string(), "2h30m");
        assert_eq!(BusinessDuration::from_seconds(59).to_string(), "59s");
        assert_eq!(BusinessDuration::ZERO.to_string(), "0m");
    }

    #[test]
    fn serializes_as_its_text_form() {
        let d = BusinessDuration::from_minutes(90);
        assert_eq!(serde_json::to_string(&d).ok(), Some("\"1h30m\"".into()));
        let back: Result<BusinessDuration, _> = serde_json::from_str("\"1h30m\"");
        assert_eq!(back.ok(), Some(d));
        assert!(serde_json::from_str::<BusinessDuration>("\"soon\"").is_err());
    }

    proptest! {
        #[test]
        fn display_then_parse_is_identity(seconds in 0u64..=BusinessDuration::MAX.as_seconds()) {
            let d = BusinessDuration::from_seconds(seconds);
            prop_assert_eq!(parse(&d.to_string()), Ok(d));
        }
    }
}
