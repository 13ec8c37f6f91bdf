//! The service form's part on ordering: the largest line, whole units, a
//! unit's size (so the order question can say how big a delivery is) and
//! the quantity check's thresholds, in the words a provider's manager uses
//! (litres, kilograms, "three times the usual") rather than the API's
//! stored units (cm³, grams, percent).

use kept_domain::order::{CheckSettings, Milli, Ordering, parse_quantity};
use kept_domain::{FieldError, ValidationErrors, WholeRange};
use serde::Deserialize;

/// The ordering fields as text, for the form.
pub struct OrderingValues {
    pub max_quantity: String,
    pub whole_units: bool,
    pub unit_volume_l: String,
    pub unit_weight_kg: String,
    pub units_per_pallet: String,
    pub check_enabled: bool,
    pub ratio: String,
    pub spread: String,
    pub min_history: String,
}

impl Default for OrderingValues {
    fn default() -> Self {
        Self::of(&Ordering::default())
    }
}

impl OrderingValues {
    /// The fields of `o`.
    pub fn of(o: &Ordering) -> Self {
        let text = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
        let thousandths = |v: Option<u32>| {
            v.map(|v| Milli(u64::from(v)).to_string())
                .unwrap_or_default()
        };
        Self {
            max_quantity: text(o.max_quantity),
            whole_units: o.whole_units,
            unit_volume_l: thousandths(o.unit_volume_cm3),
            unit_weight_kg: thousandths(o.unit_weight_g),
            units_per_pallet: text(o.units_per_pallet),
            check_enabled: o.check.enabled,
            ratio: Milli(u64::from(o.check.ratio_percent) * 10).to_string(),
            spread: Milli(u64::from(o.check.spread_tenths) * 100).to_string(),
            min_history: o.check.min_history.to_string(),
        }
    }
}

/// The ordering fields as posted. A checkbox left clear is not sent, so
/// `ordering_shown` tells a form that showed them (and a clear box means
/// "no") from a post without them (which leaves ordering as it is).
#[derive(Debug, Default, Deserialize)]
pub struct OrderingForm {
    #[serde(default)]
    ordering_shown: String,
    #[serde(default)]
    max_quantity: String,
    #[serde(default)]
    whole_units: Option<String>,
    #[serde(default)]
    unit_volume_l: String,
    #[serde(default)]
    unit_weight_kg: String,
    #[serde(default)]
    units_per_pallet: String,
    #[serde(default)]
    check_enabled: Option<String>,
    #[serde(default)]
    ratio: String,
    #[serde(default)]
    spread: String,
    #[serde(default)]
    min_history: String,
}

const LIMIT: u32 = 1_000_000_000;

fn whole(
    errors: &mut ValidationErrors,
    field: &'static str,
    raw: &str,
    min: u32,
    max: u32,
) -> Option<u32> {
    match raw.trim() {
        "" => None,
        raw => errors.check(WholeRange { field, min, max }.parse(raw)),
    }
}

/// A decimal with at most three places, in thousandths, within `max`.
fn thousandths(
    errors: &mut ValidationErrors,
    field: &'static str,
    raw: &str,
    max: u64,
) -> Option<u32> {
    if raw.trim().is_empty() {
        return None;
    }
    let milli = errors.check(parse_quantity(field, raw))?;
    match u32::try_from(milli).ok().filter(|m| u64::from(*m) <= max) {
        Some(m) => Some(m),
        None => {
            errors.push(FieldError::new(
                field,
                format!("must be at most {}", Milli(max)),
            ));
            None
        }
    }
}

impl OrderingForm {
    /// The ordering the fields describe, or `None` where the post did not
    /// show them; a problem with a field goes into `errors`.
    pub fn read(&self, errors: &mut ValidationErrors) -> Option<Ordering> {
        if self.ordering_shown.is_empty() {
            return None;
        }
        let defaults = CheckSettings::default();
        let ratio = thousandths(errors, "ratio", &self.ratio, 1_000_000)
            .map(|m| m / 10)
            .unwrap_or(defaults.ratio_percent);
        if ratio < 110 {
            errors.push(FieldError::new("ratio", "must be at least 1.1 times"));
        }
        let spread = match self.spread.trim() {
            "0" => Some(0),
            raw => thousandths(errors, "spread", raw, 100_000),
        };
        let min_history = whole(errors, "min_history", &self.min_history, 1, 100)
            .and_then(|m| u8::try_from(m).ok())
            .unwrap_or(defaults.min_history);
        Some(Ordering {
            max_quantity: whole(errors, "max_quantity", &self.max_quantity, 1, LIMIT),
            whole_units: self.whole_units.is_some(),
            unit_volume_cm3: thousandths(
                errors,
                "unit_volume_l",
                &self.unit_volume_l,
                u64::from(LIMIT),
            ),
            unit_weight_g: thousandths(
                errors,
                "unit_weight_kg",
                &self.unit_weight_kg,
                u64::from(LIMIT),
            ),
            units_per_pallet: whole(errors, "units_per_pallet", &self.units_per_pallet, 1, LIMIT),
            check: CheckSettings {
                enabled: self.check_enabled.is_some(),
                min_history,
                ratio_percent: ratio,
                spread_tenths: spread
                    .map(|m| u16::try_from(m / 100).unwrap_or(u16::MAX))
                    .unwrap_or(defaults.spread_tenths),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> OrderingForm {
        let body = serde_urlencoded::to_string(pairs).expect("encoded");
        serde_urlencoded::from_str(&body).expect("form")
    }

    #[test]
    fn a_post_without_the_fields_leaves_ordering_alone() {
        let mut errors = ValidationErrors::new();
        assert_eq!(form(&[]).read(&mut errors), None);
        assert!(errors.is_empty());
    }

    #[test]
    fn the_fields_read_in_a_managers_units() {
        let mut errors = ValidationErrors::new();
        let read = form(&[
            ("ordering_shown", "1"),
            ("max_quantity", "5000"),
            ("whole_units", "on"),
            ("unit_volume_l", "4.2"),
            ("unit_weight_kg", "1.1"),
            ("units_per_pallet", "100"),
            ("ratio", "2.5"),
            ("spread", "0"),
            ("min_history", "5"),
        ])
        .read(&mut errors)
        .expect("shown");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(read.max_quantity, Some(5000));
        assert!(read.whole_units);
        assert_eq!(read.unit_volume_cm3, Some(4200));
        assert_eq!(read.unit_weight_g, Some(1100));
        assert_eq!(read.units_per_pallet, Some(100));
        assert!(!read.check.enabled, "a clear box turns the check off");
        assert_eq!(read.check.ratio_percent, 250);
        assert_eq!(read.check.spread_tenths, 0);
        assert_eq!(read.check.min_history, 5);
        // The values shown read back as the same settings.
        let shown = OrderingValues::of(&read);
        assert_eq!(
            (shown.unit_volume_l.as_str(), shown.ratio.as_str()),
            ("4.2", "2.5")
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut errors = ValidationErrors::new();
        form(&[
            ("ordering_shown", "1"),
            ("max_quantity", "0"),
            ("unit_volume_l", "lots"),
            ("ratio", "1"),
            ("min_history", "101"),
        ])
        .read(&mut errors);
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        for field in ["max_quantity", "unit_volume_l", "ratio", "min_history"] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
    }
}
