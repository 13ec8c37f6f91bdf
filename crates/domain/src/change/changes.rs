//! What a change request proposes (`ContractChanges`), and applying it to
//! what a contract covers (`Coverage`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, ValidationErrors};
use crate::ids::{CalendarId, PartyId, ServiceId};
use crate::terms::Terms;

/// What a change request proposes. Fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContractChanges {
    /// New terms, replacing the current ones whole (SLA targets, KPIs and
    /// the contract's own scope lists).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::calendar::strict::option_object"
    )]
    pub terms: Option<Terms>,
    /// Customers to start serving.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_customers: Vec<PartyId>,
    /// Customers to stop serving.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_customers: Vec<PartyId>,
    /// Services to add from the provider's catalog.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_services: Vec<ServiceId>,
    /// Services to drop.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_services: Vec<ServiceId>,
    /// A new calendar.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar_id: Option<CalendarId>,
}

/// What a contract covers at one moment: the input and output of applying
/// a change.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// The terms.
    pub terms: Terms,
    /// The customers.
    pub customer_ids: Vec<PartyId>,
    /// The services.
    pub service_ids: Vec<ServiceId>,
    /// The calendar.
    pub calendar_id: Option<CalendarId>,
}

fn no_repeats<T: Ord + Copy>(
    errors: &mut ValidationErrors,
    field: &str,
    items: &[T],
    other: (&str, &[T]),
) {
    let mut seen = BTreeSet::new();
    for (n, x) in items.iter().enumerate() {
        if !seen.insert(*x) {
            errors.push(FieldError::new(
                format!("{field}[{n}]"),
                "lists an entry twice",
            ));
        } else if other.1.contains(x) {
            errors.push(FieldError::new(
                format!("{field}[{n}]"),
                format!("is also in {}", other.0),
            ));
        }
    }
}

impl ContractChanges {
    /// Whether it proposes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether it changes who or what the contract covers (customers,
    /// services or calendar), which take effect when applied.
    pub fn changes_coverage(&self) -> bool {
        !(self.add_customers.is_empty()
            && self.remove_customers.is_empty()
            && self.add_services.is_empty()
            && self.remove_services.is_empty()
            && self.calendar_id.is_none())
    }

    /// Checks it on its own: something to change, no entry twice, nothing
    /// both added and removed.
    pub fn checked(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.is_empty() {
            errors.push(FieldError::new(
                "changes",
                "propose at least one change: terms, customers, services or calendar",
            ));
        }
        no_repeats(
            &mut errors,
            "changes.add_customers",
            &self.add_customers,
            ("remove_customers", &self.remove_customers),
        );
        no_repeats(
            &mut errors,
            "changes.remove_customers",
            &self.remove_customers,
            ("add_customers", &[]),
        );
        no_repeats(
            &mut errors,
            "changes.add_services",
            &self.add_services,
            ("remove_services", &self.remove_services),
        );
        no_repeats(
            &mut errors,
            "changes.remove_services",
            &self.remove_services,
            ("add_services", &[]),
        );
        errors.into_result(self)
    }

    /// What the contract covers once this change is applied to `current`;
    /// refuses what no longer fits (removing a customer it does not serve,
    /// SLA targets for a service it will not cover…).
    pub fn apply_to(&self, current: &Coverage) -> Result<Coverage, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut customers = current.customer_ids.clone();
        for (n, id) in self.add_customers.iter().enumerate() {
            if customers.contains(id) {
                errors.push(FieldError::new(
                    format!("changes.add_customers[{n}]"),
                    "is already a customer of the contract",
                ));
            } else {
                customers.push(*id);
            }
        }
        for (n, id) in self.remove_customers.iter().enumerate() {
            if !customers.contains(id) {
                errors.push(FieldError::new(
                    format!("changes.remove_customers[{n}]"),
                    "is not a customer of the contract",
                ));
            }
        }
        customers.retain(|c| !self.remove_customers.contains(c));
        if customers.is_empty() {
            errors.push(FieldError::new(
                "changes.remove_customers",
                "a contract serves at least one customer",
            ));
        }
        let mut services = current.service_ids.clone();
        for (n, id) in self.add_services.iter().enumerate() {
            if services.contains(id) {
                errors.push(FieldError::new(
                    format!("changes.add_services[{n}]"),
                    "is already a service of the contract",
                ));
            } else {
                services.push(*id);
            }
        }
        for (n, id) in self.remove_services.iter().enumerate() {
            if !services.contains(id) {
                errors.push(FieldError::new(
                    format!("changes.remove_services[{n}]"),
                    "is not a service of the contract",
                ));
            }
        }
        services.retain(|s| !self.remove_services.contains(s));
        let mut terms = self.terms.clone().unwrap_or_else(|| current.terms.clone());
        if self.terms.is_some() {
            match terms.checked(&services) {
                Ok(t) => terms = t,
                Err(e) => {
                    for mut f in e.0 {
                        f.field = format!("changes.terms.{}", f.field);
                        errors.push(f);
                    }
                    terms = Terms::default();
                }
            }
        } else {
            // Targets of dropped services go with them.
            terms.sla.retain(|t| services.contains(&t.service_id));
        }
        errors.into_result(Coverage {
            terms,
            customer_ids: customers,
            service_ids: services,
            calendar_id: self.calendar_id.or(current.calendar_id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applying_changes_refuses_what_does_not_fit() {
        let (a, b) = (PartyId::new(), PartyId::new());
        let s = ServiceId::new();
        let current = Coverage {
            terms: Terms::default(),
            customer_ids: vec![a],
            service_ids: vec![s],
            calendar_id: None,
        };
        let grow = ContractChanges {
            add_customers: vec![b],
            ..ContractChanges::default()
        };
        let next = grow.apply_to(&current).expect("applies");
        assert_eq!(next.customer_ids, [a, b]);
        let bad = ContractChanges {
            add_customers: vec![a],
            remove_customers: vec![b],
            remove_services: vec![ServiceId::new()],
            ..ContractChanges::default()
        };
        let fields: Vec<String> = bad
            .apply_to(&current)
            .expect_err("refused")
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "changes.add_customers[0]",
                "changes.remove_customers[0]",
                "changes.remove_services[0]"
            ]
        );
        assert!(ContractChanges::default().checked().is_err());
    }
}
