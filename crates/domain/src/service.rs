//! The service catalog: what a provider offers, in which units, and — as
//! plainly as possible — what is in scope and what is not.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::calendar::BusinessDuration;
use crate::error::{FieldError, ValidationErrors, single_line};
use crate::ids::{PartyId, ServiceId};
use crate::order::Ordering;
use crate::party::PartyName;

/// Longest description, in characters.
pub const MAX_DESCRIPTION: usize = 4000;
/// The range of a pack size: at least 1.
pub const PACK_SIZE: crate::WholeRange = crate::WholeRange {
    field: "pack_size",
    min: 1,
    max: u32::MAX,
};
/// Longest scope item, in characters.
pub const MAX_SCOPE_ITEM: usize = 200;
/// Most items in a scope list.
pub const MAX_SCOPE_ITEMS: usize = 100;
/// Longest unit of measure, in characters.
pub const MAX_UNIT: usize = 40;

/// Default service levels of a service, as business durations; a contract's
/// terms set the ones that count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Until the provider's first public reply or acknowledgement.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "4h"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<BusinessDuration>,
    /// Until the request is fulfilled.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "24h"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<BusinessDuration>,
    /// Until an order is delivered.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "40h"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<BusinessDuration>,
}

/// A catalog entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Service {
    /// The service's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: ServiceId,
    /// The party that offers it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub provider_id: PartyId,
    /// Its name ("Reactive maintenance").
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name: PartyName,
    /// What it is, for the people who order it.
    pub description: String,
    /// Unit of measure of a quantity ("box", "visit", "hour"), if it has one.
    pub unit: Option<String>,
    /// Units in a pack, for goods sold in packs (a box of 100).
    pub pack_size: Option<u32>,
    /// What the service covers.
    pub in_scope: Vec<String>,
    /// What it explicitly does not cover.
    pub out_of_scope: Vec<String>,
    /// Typical effort for one request.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2h"))]
    pub default_effort: Option<BusinessDuration>,
    /// Default service levels.
    pub default_targets: Targets,
    /// The team new requests for it are assigned to, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub default_team_id: Option<PartyId>,
    /// How it is ordered: limits, a unit's size, and the quantity check.
    pub ordering: Ordering,
    /// When it was withdrawn, if it was.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub archived_at: Option<Timestamp>,
    /// When it was added.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

impl Service {
    /// Whether it has been withdrawn.
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }

    /// What a quantity of it counts, for a form's label: "boxes, packs of
    /// 100", "visits", "packs of 10"; `None` when it names no unit.
    pub fn quantity_unit(&self) -> Option<String> {
        quantity_unit(self.unit.as_deref(), self.pack_size)
    }
}

/// What a quantity counts, from a unit ("box") and a pack size: the unit
/// in the plural, then the pack ("boxes, packs of 100").
pub fn quantity_unit(unit: Option<&str>, pack_size: Option<u32>) -> Option<String> {
    let unit = unit.map(str::trim).filter(|u| !u.is_empty()).map(plural);
    match (unit, pack_size) {
        (Some(u), Some(p)) => Some(format!("{u}, packs of {p}")),
        (Some(u), None) => Some(u),
        (None, Some(p)) => Some(format!("packs of {p}")),
        (None, None) => None,
    }
}

/// A unit in the plural by the regular English rules ("box" → "boxes",
/// "delivery" → "deliveries"). Units are typed freely, so anything that
/// does not look like a singular English word ("kg", "m²", "hours",
/// "Pallet (EU)") is left as typed rather than mangled.
pub(crate) fn plural(unit: &str) -> String {
    let (head, last) = match unit.rsplit_once(' ') {
        Some((head, last)) => (format!("{head} "), last),
        None => (String::new(), unit),
    };
    let word =
        last.len() >= 3 && last.chars().all(|c| c.is_ascii_lowercase()) && !last.ends_with('s');
    if !word {
        return unit.to_owned();
    }
    let stem = &last[..last.len() - 1];
    let plural = if last == "person" {
        "people".to_owned()
    } else if ["x", "z", "ch", "sh"].iter().any(|e| last.ends_with(e)) {
        format!("{last}es")
    } else if last.ends_with('y') && !stem.ends_with(['a', 'e', 'i', 'o', 'u']) {
        format!("{stem}ies")
    } else {
        format!("{last}s")
    };
    format!("{head}{plural}")
}

/// The describable fields of a service, validated together.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceDetails {
    /// What it is.
    pub description: String,
    /// Unit of measure.
    pub unit: Option<String>,
    /// Units in a pack.
    pub pack_size: Option<u32>,
    /// What it covers.
    pub in_scope: Vec<String>,
    /// What it does not.
    pub out_of_scope: Vec<String>,
    /// Typical effort.
    pub default_effort: Option<BusinessDuration>,
    /// Default service levels.
    pub default_targets: Targets,
    /// The team new requests are assigned to.
    pub default_team_id: Option<PartyId>,
    /// How it is ordered.
    pub ordering: Ordering,
}

impl ServiceDetails {
    /// Checks and tidies the fields: trims text, drops blank scope items,
    /// refuses control characters, over-long text and a pack of zero.
    pub fn checked(mut self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let description = self.description.trim();
        if description.chars().count() > MAX_DESCRIPTION {
            errors.push(FieldError::new(
                "description",
                format!("must be at most {MAX_DESCRIPTION} characters"),
            ));
        }
        if description
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            errors.push(FieldError::new(
                "description",
                "must not contain control characters",
            ));
        }
        self.description = description.replace("\r\n", "\n");
        self.unit = match self
            .unit
            .as_deref()
            .map(|u| single_line("unit", u, MAX_UNIT))
        {
            Some(Ok(u)) if u.is_empty() => None,
            Some(Ok(u)) => Some(u),
            Some(Err(e)) => {
                errors.push(e);
                None
            }
            None => None,
        };
        if self.pack_size == Some(0) {
            errors.push(FieldError::new("pack_size", "must be at least 1"));
        }
        if let Err(e) = self.ordering.checked() {
            for error in e.0 {
                errors.push(error);
            }
        }
        self.in_scope = scope_list("in_scope", &self.in_scope, &mut errors);
        self.out_of_scope = scope_list("out_of_scope", &self.out_of_scope, &mut errors);
        errors.into_result(self)
    }
}

fn scope_list(field: &str, items: &[String], errors: &mut ValidationErrors) -> Vec<String> {
    let mut out = Vec::new();
    for (n, item) in items.iter().enumerate() {
        match single_line(&format!("{field}[{n}]"), item, MAX_SCOPE_ITEM) {
            Ok(text) if text.is_empty() => {}
            Ok(text) => out.push(text),
            Err(e) => errors.push(e),
        }
    }
    if out.len() > MAX_SCOPE_ITEMS {
        errors.push(FieldError::new(
            field,
            format!("must list at most {MAX_SCOPE_ITEMS} items"),
        ));
    }
    out
}

/// A service to add to the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct NewService {
    /// The party that offers it.
    pub provider_id: PartyId,
    /// Its name.
    pub name: PartyName,
    /// Everything else, checked.
    pub details: ServiceDetails,
}

/// A change to a service; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServicePatch {
    /// A new name.
    pub name: Option<PartyName>,
    /// New details, replacing the old ones whole.
    pub details: Option<ServiceDetails>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quantity_counts_the_unit_in_the_plural_and_names_the_pack() {
        let words = |u: Option<&str>, p| quantity_unit(u, p);

        assert_eq!(
            words(Some("box"), Some(100)).as_deref(),
            Some("boxes, packs of 100")
        );
        assert_eq!(words(Some("visit"), None).as_deref(), Some("visits"));
        assert_eq!(words(None, Some(10)).as_deref(), Some("packs of 10"));
        assert_eq!(words(None, None), None);
        assert_eq!(words(Some("  "), None), None, "a blank unit is none");
    }

    #[test]
    fn regular_units_are_pluralised_and_anything_else_is_left_as_typed() {
        let cases = [
            ("box", "boxes"),
            ("batch", "batches"),
            ("delivery", "deliveries"),
            ("day", "days"),
            ("workbook", "workbooks"),
            ("person", "people"),
            ("square metre", "square metres"),
            ("kg", "kg"),
            ("hours", "hours"),
            ("m²", "m²"),
            ("Pallet", "Pallet"),
        ];

        for (unit, expected) in cases {
            assert_eq!(plural(unit), expected, "{unit}");
        }
    }

    #[test]
    fn details_are_tidied_and_checked() {
        let details = ServiceDetails {
            description: "  Boxed goods.\r\nDelivered weekly.  ".into(),
            unit: Some("  box ".into()),
            pack_size: Some(100),
            in_scope: vec!["Delivery to the door".into(), "  ".into()],
            out_of_scope: vec!["Unpacking".into()],
            ..ServiceDetails::default()
        }
        .checked()
        .expect("valid");
        assert_eq!(details.description, "Boxed goods.\nDelivered weekly.");
        assert_eq!(details.unit.as_deref(), Some("box"));
        assert_eq!(details.in_scope, ["Delivery to the door"]);

        let bad = ServiceDetails {
            pack_size: Some(0),
            in_scope: vec!["two\nlines".into()],
            unit: Some("x".repeat(41)),
            ..ServiceDetails::default()
        }
        .checked()
        .expect_err("invalid");
        let fields: Vec<&str> = bad.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["unit", "pack_size", "in_scope[0]"]);
    }
}
