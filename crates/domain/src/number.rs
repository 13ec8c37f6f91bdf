//! Whole numbers as people type them into a form and as JSON carries them,
//! read one way for both: a number too large (or too small) for its field
//! is told so ("must be at most 1000000000"), not that it is no number.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

use crate::error::FieldError;

/// The inclusive range a whole-number field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WholeRange {
    /// The field's name, for the error.
    pub field: &'static str,
    /// The smallest value accepted.
    pub min: u32,
    /// The largest value accepted.
    pub max: u32,
}

impl WholeRange {
    /// Checks `value` against the range.
    pub fn check(self, value: i128) -> Result<u32, FieldError> {
        if value < i128::from(self.min) {
            return Err(FieldError::new(
                self.field,
                format!("must be at least {}", self.min),
            ));
        }
        if value > i128::from(self.max) {
            return Err(FieldError::new(
                self.field,
                format!("must be at most {}", self.max),
            ));
        }
        u32::try_from(value).map_err(|_| FieldError::new(self.field, "must be a whole number"))
    }

    /// Reads a whole number typed into a form (surrounding spaces are
    /// ignored) and checks it against the range. Digits beyond what any
    /// integer type holds are still a whole number, only far too large.
    pub fn parse(self, raw: &str) -> Result<u32, FieldError> {
        let text = raw.trim();
        let negative = text.starts_with('-');
        let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(self.field, "must be a whole number"));
        }
        let value = text
            .parse::<i128>()
            .unwrap_or(if negative { i128::MIN } else { i128::MAX });
        self.check(value)
    }

    /// Reads an optional whole number from JSON (`null` or absent is none)
    /// with the range's messages, for `#[serde(deserialize_with)]` helpers.
    pub fn deserialize_optional<'de, D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Option<u32>, D::Error> {
        deserializer.deserialize_option(OptionalWhole(self))
    }
}

struct OptionalWhole(WholeRange);

impl<'de> Visitor<'de> for OptionalWhole {
    type Value = Option<u32>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(Whole(self.0)).map(Some)
    }
}

struct Whole(WholeRange);

impl Whole {
    fn checked<E: de::Error>(&self, value: i128) -> Result<u32, E> {
        self.0.check(value).map_err(|e| E::custom(e.message))
    }
}

impl Visitor<'_> for Whole {
    type Value = u32;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u32, E> {
        self.checked(i128::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u32, E> {
        self.checked(i128::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<u32, E> {
        self.checked(v)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<u32, E> {
        self.checked(i128::try_from(v).unwrap_or(i128::MAX))
    }

    /// JSON integers beyond 64 bits arrive as floating point: a float with
    /// no fraction is a whole number (too large, by then).
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u32, E> {
        if v.is_finite() && v.fract() == 0.0 {
            // `as` saturates at the ends of i128, which is what is meant.
            self.checked(v as i128)
        } else {
            Err(E::custom("must be a whole number"))
        }
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<u32, E> {
        Err(E::custom("must be a whole number"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<u32, E> {
        Err(E::custom("must be a whole number"))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const QUANTITY: WholeRange = WholeRange {
        field: "quantity",
        min: 1,
        max: 1_000_000_000,
    };

    fn message(result: Result<u32, FieldError>) -> String {
        result.err().map(|e| e.message).unwrap_or_default()
    }

    #[test]
    fn a_twenty_digit_number_is_too_large_not_a_non_number() {
        assert_eq!(
            message(QUANTITY.parse("99999999999999999999")),
            "must be at most 1000000000"
        );
        assert_eq!(
            message(QUANTITY.parse(&"9".repeat(60))),
            "must be at most 1000000000"
        );
        assert_eq!(
            message(QUANTITY.parse(&format!("-{}", "9".repeat(60)))),
            "must be at least 1"
        );
        assert_eq!(message(QUANTITY.parse("0")), "must be at least 1");
        assert_eq!(message(QUANTITY.parse("ten")), "must be a whole number");
        assert_eq!(message(QUANTITY.parse("1.5")), "must be a whole number");
        assert_eq!(message(QUANTITY.parse("")), "must be a whole number");
        assert_eq!(QUANTITY.parse(" 12 ").ok(), Some(12));
    }

    #[test]
    fn json_numbers_beyond_any_integer_are_too_large_and_fractions_are_not_whole() {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(default, deserialize_with = "quantity")]
            quantity: Option<u32>,
        }
        fn quantity<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
            QUANTITY.deserialize_optional(d)
        }
        let read = |json: &str| {
            serde_json::from_str::<Body>(json)
                .map(|b| b.quantity)
                .map_err(|e| e.to_string())
        };

        assert_eq!(read(r#"{"quantity": 12}"#), Ok(Some(12)));
        assert_eq!(read(r#"{"quantity": null}"#), Ok(None));
        assert_eq!(read("{}"), Ok(None));
        for big in ["4294967296", "99999999999999999999", "1e300"] {
            let said = read(&format!(r#"{{"quantity": {big}}}"#)).expect_err("refused");
            assert!(
                said.starts_with("must be at most 1000000000"),
                "{big}: {said}"
            );
        }
        let said = read(r#"{"quantity": -1}"#).expect_err("refused");
        assert!(said.starts_with("must be at least 1"), "{said}");
        for bad in ["1.5", r#""ten""#, "true"] {
            let said = read(&format!(r#"{{"quantity": {bad}}}"#)).expect_err("refused");
            assert!(said.starts_with("must be a whole number"), "{bad}: {said}");
        }
    }

    proptest! {
        #[test]
        fn any_run_of_digits_is_accepted_in_range_or_told_its_bound(digits in "[0-9]{1,40}") {
            let said = QUANTITY.parse(&digits);
            let value: u128 = digits.parse().unwrap_or(u128::MAX);
            match said {
                Ok(n) => prop_assert_eq!(u128::from(n), value),
                Err(e) if value == 0 => prop_assert_eq!(e.message, "must be at least 1"),
                Err(e) => prop_assert_eq!(e.message, "must be at most 1000000000"),
            }
        }
    }
}
