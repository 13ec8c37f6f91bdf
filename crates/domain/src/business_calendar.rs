//! Stored business calendars: a name, the party that owns them, and a
//! [`CalendarSpec`] in the `calendar` crate's format, valid on every save.

use kept_calendar::{CalendarSpec, InvalidCalendar};
use serde::Serialize;

use crate::Timestamp;
use crate::error::{FieldError, ValidationErrors};
use crate::ids::{CalendarId, PartyId};
use crate::party::PartyName;

/// A business calendar as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredCalendar {
    /// The calendar's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: CalendarId,
    /// Its name ("UK office hours").
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name: PartyName,
    /// The party that keeps it (usually the provider).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub owner_id: PartyId,
    /// Zone, weekly hours, holidays, exceptions and validity range.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub spec: CalendarSpec,
    /// When it was archived, if it was.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub archived_at: Option<Timestamp>,
    /// When it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

impl StoredCalendar {
    /// Whether it has been archived.
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// A calendar to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCalendar {
    /// Its name.
    pub name: PartyName,
    /// The party that keeps it.
    pub owner_id: PartyId,
    /// The calendar itself, already validated.
    pub spec: CalendarSpec,
}

/// A change to a calendar; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CalendarPatch {
    /// A new name.
    pub name: Option<PartyName>,
    /// New rules, already validated.
    pub spec: Option<CalendarSpec>,
}

/// Checks a calendar, reporting each problem as a field error under
/// `field` (`spec.week.mon[1]`, `spec.zone`).
pub fn validate_spec(field: &str, spec: &CalendarSpec) -> Result<(), ValidationErrors> {
    spec.validate().map_err(|e| problems(field, &e))
}

/// An [`InvalidCalendar`] as field errors under `field`.
pub fn problems(field: &str, e: &InvalidCalendar) -> ValidationErrors {
    ValidationErrors(
        e.problems
            .iter()
            .map(|p| {
                let path = if p.path.is_empty() {
                    field.to_owned()
                } else {
                    format!("{field}.{}", p.path)
                };
                FieldError::new(path, p.message.clone())
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_calendar_problem_becomes_a_field_error() {
        let spec = CalendarSpec::from_toml(
            "zone = \"Nowhere/City\"\n[week]\nmon = [\"09:00-13:00\", \"12:00-17:00\"]\n",
        )
        .expect("parses");
        let errors = validate_spec("spec", &spec).expect_err("invalid");
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["spec.zone", "spec.week.mon[1]"]);
    }
}
