//! Quantities as customers type them, read into thousandths of the
//! service's unit at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{MILLI, Ordering};
use crate::error::FieldError;
use crate::service::plural;

/// The unit a line's quantity was typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineUnit {
    /// The service's own unit ("box").
    Unit,
    /// The pieces one unit holds (a box of 100 holds 100).
    Piece,
}

impl LineUnit {
    /// Its name in storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::Piece => "piece",
        }
    }

    /// Reads a stored name.
    pub fn from_stored(raw: &str) -> Option<Self> {
        match raw {
            "unit" => Some(Self::Unit),
            "piece" => Some(Self::Piece),
            _ => None,
        }
    }
}

/// A line's quantity: as typed, and in thousandths of the service's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quantity {
    /// Thousandths of what was typed, in `unit`.
    pub typed_milli: u64,
    /// The unit it was typed in.
    pub unit: LineUnit,
    /// Thousandths of the service's unit (rounded down where pieces do
    /// not make whole thousandths).
    pub milli: u64,
}

impl Quantity {
    /// A quantity typed in the service's unit.
    pub fn of_units(milli: u64) -> Self {
        Self {
            typed_milli: milli,
            unit: LineUnit::Unit,
            milli,
        }
    }
}

/// Thousandths written as a person reads them: "1000", "2.5", "0.125".
pub struct Milli(pub u64);

impl fmt::Display for Milli {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, part) = (self.0 / MILLI, self.0 % MILLI);
        if part == 0 {
            write!(f, "{whole}")
        } else {
            let part = format!("{part:03}");
            write!(f, "{whole}.{}", part.trim_end_matches('0'))
        }
    }
}

/// The largest quantity any line may hold, in units, whatever the service
/// says.
pub const MAX_UNITS: u64 = 1_000_000_000;

/// Reads a quantity typed into a form or sent as JSON text: a positive
/// number with at most three decimals, into thousandths.
pub fn parse_quantity(field: &str, raw: &str) -> Result<u64, FieldError> {
    let text = raw.trim();
    if text.starts_with('-') {
        return Err(FieldError::new(field, "must be more than 0"));
    }
    let text = text.strip_prefix('+').unwrap_or(text);
    let (whole, part) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && part.is_empty()) || !digits(whole) || !digits(part) {
        return Err(FieldError::new(
            field,
            "must be a number, such as 10 or 2.5",
        ));
    }
    if part.len() > 3 {
        return Err(FieldError::new(field, "must have at most 3 decimals"));
    }
    let too_large = || FieldError::new(field, format!("must be at most {MAX_UNITS}"));
    let whole: u64 = match whole.trim_start_matches('0') {
        "" => 0,
        w if w.len() > 12 => return Err(too_large()),
        w => w.parse().map_err(|_| too_large())?,
    };
    let part: u64 = format!("{part:0<3}").parse().unwrap_or(0);
    let milli = whole
        .checked_mul(MILLI)
        .and_then(|w| w.checked_add(part))
        .ok_or_else(too_large)?;
    if milli == 0 {
        return Err(FieldError::new(field, "must be more than 0"));
    }
    if milli > MAX_UNITS * MILLI {
        return Err(too_large());
    }
    Ok(milli)
}

/// Reads the unit a line names against the service's: its own unit
/// (singular or plural, any case; or none), or the pieces a unit holds
/// ("piece", "item") where it has a pack size.
fn parse_unit(
    field: &str,
    raw: Option<&str>,
    unit: Option<&str>,
    pack_size: Option<u32>,
) -> Result<LineUnit, FieldError> {
    let Some(said) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(LineUnit::Unit);
    };
    let said = said.to_lowercase();
    let own = unit.map(str::trim).filter(|u| !u.is_empty());
    if let Some(own) = own
        && (said == own.to_lowercase() || said == plural(own).to_lowercase())
    {
        return Ok(LineUnit::Unit);
    }
    if said == "unit" || said == "units" {
        return Ok(LineUnit::Unit);
    }
    if pack_size.is_some() && matches!(said.as_str(), "piece" | "pieces" | "item" | "items") {
        return Ok(LineUnit::Piece);
    }
    let sold = match (own, pack_size) {
        (Some(u), Some(_)) => format!("{} or pieces", plural(u)),
        (Some(u), None) => plural(u),
        (None, Some(_)) => "units or pieces".to_owned(),
        (None, None) => "units".to_owned(),
    };
    Err(FieldError::new(
        field,
        format!("is not a unit this service sells: it sells {sold}"),
    ))
}

/// Reads one order line's quantity and unit against its service: positive,
/// whole where the service sells whole units only (and always whole
/// pieces), and within the service's maximum.
pub fn parse_line(
    field: &str,
    raw_quantity: &str,
    raw_unit: Option<&str>,
    unit: Option<&str>,
    pack_size: Option<u32>,
    ordering: &Ordering,
) -> Result<Quantity, FieldError> {
    let unit_field = format!("{field}.unit");
    let quantity_field = format!("{field}.quantity");
    let line_unit = parse_unit(&unit_field, raw_unit, unit, pack_size)?;
    let typed = parse_quantity(&quantity_field, raw_quantity)?;
    let units = unit.map_or_else(|| "units".to_owned(), plural);
    let milli = match (line_unit, pack_size) {
        (LineUnit::Piece, Some(pack)) => {
            if typed % MILLI != 0 {
                return Err(FieldError::new(quantity_field, "must be whole pieces"));
            }
            let pieces = typed / MILLI;
            let pack = u64::from(pack.max(1));
            if ordering.whole_units && !pieces.is_multiple_of(pack) {
                let below = pieces / pack * pack;
                let options = if below == 0 {
                    format!("{pack}")
                } else {
                    format!("{below} or {}", below + pack)
                };
                return Err(FieldError::new(
                    quantity_field,
                    format!("must be whole {units} of {pack}: {options} pieces"),
                ));
            }
            pieces * MILLI / pack
        }
        _ => {
            if ordering.whole_units && typed % MILLI != 0 {
                return Err(FieldError::new(
                    quantity_field,
                    format!("must be whole {units}"),
                ));
            }
            typed
        }
    };
    if milli == 0 {
        return Err(FieldError::new(quantity_field, "must be more than 0"));
    }
    let max = ordering.max_quantity.map_or(MAX_UNITS, u64::from);
    if milli > max * MILLI {
        return Err(FieldError::new(
            quantity_field,
            format!("must be at most {max} {units}"),
        ));
    }
    Ok(Quantity {
        typed_milli: typed,
        unit: line_unit,
        milli,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn boxes(q: &str, unit: Option<&str>, whole: bool) -> Result<Quantity, FieldError> {
        let ordering = Ordering {
            max_quantity: Some(5_000),
            whole_units: whole,
            ..Ordering::default()
        };
        parse_line("lines[0]", q, unit, Some("box"), Some(100), &ordering)
    }

    #[test]
    fn quantities_are_read_into_thousandths() {
        assert_eq!(parse_quantity("q", "10"), Ok(10_000));
        assert_eq!(parse_quantity("q", " 2.5 "), Ok(2_500));
        assert_eq!(parse_quantity("q", "0.125"), Ok(125));
        assert_eq!(parse_quantity("q", "007"), Ok(7_000));
        for (bad, says) in [
            ("0", "must be more than 0"),
            ("-3", "must be more than 0"),
            ("1.2345", "must have at most 3 decimals"),
            ("ten", "must be a number, such as 10 or 2.5"),
            ("", "must be a number, such as 10 or 2.5"),
            (".", "must be a number, such as 10 or 2.5"),
            ("1e3", "must be a number, such as 10 or 2.5"),
            ("99999999999999999999999", "must be at most 1000000000"),
        ] {
            assert_eq!(
                parse_quantity("q", bad).map_err(|e| e.message),
                Err(says.into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_line_is_read_against_its_service() {
        let q = boxes("10", None, true).unwrap();
        assert_eq!((q.milli, q.unit), (10_000, LineUnit::Unit));
        assert_eq!(boxes("10", Some("Boxes"), true).unwrap().milli, 10_000);
        let q = boxes("1000", Some("pieces"), true).unwrap();
        assert_eq!(
            (q.milli, q.typed_milli, q.unit),
            (10_000, 1_000_000, LineUnit::Piece)
        );
        assert_eq!(boxes("250", Some("pieces"), false).unwrap().milli, 2_500);
        assert_eq!(boxes("2.5", None, false).unwrap().milli, 2_500);
        let said = |r: Result<Quantity, FieldError>| r.map_err(|e| (e.field, e.message));
        assert_eq!(
            said(boxes("2.5", None, true)),
            Err(("lines[0].quantity".into(), "must be whole boxes".into()))
        );
        assert_eq!(
            said(boxes("250", Some("piece"), true)),
            Err((
                "lines[0].quantity".into(),
                "must be whole boxes of 100: 200 or 300 pieces".into()
            ))
        );
        assert_eq!(
            said(boxes("5001", None, true)),
            Err((
                "lines[0].quantity".into(),
                "must be at most 5000 boxes".into()
            ))
        );
        assert_eq!(
            said(boxes("3", Some("pallet"), true)),
            Err((
                "lines[0].unit".into(),
                "is not a unit this service sells: it sells boxes or pieces".into()
            ))
        );
        assert_eq!(
            said(boxes("1.5", Some("piece"), false)),
            Err(("lines[0].quantity".into(), "must be whole pieces".into()))
        );
    }
}
