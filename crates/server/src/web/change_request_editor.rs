//! The structured change-request form's fields, read and written: the
//! terms as a table of targets by service and priority, the KPIs one row
//! each, the contract's own scope lists one item each. A form body (its
//! name/value pairs) is read into [`DraftInput`], every value as typed, so
//! a refused or reviewed form shows it again unchanged; [`DraftInput::terms`]
//! then parses it into [`Terms`], and [`word_fields`] names every refused
//! field as the person saw it ("Reactive maintenance, urgent, resolution").
//!
//! Field names carry the structure and never show: `sla.{service id}.{priority}.{target}`,
//! `kpi.{n}.{kind|at_least|within|period|remove}`, `in_scope` and
//! `out_of_scope` (repeated), `title`, `rationale`, `base_version`,
//! `add_customer`, `add_service`.

use std::collections::BTreeMap;

use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    ChangeDraft, ContractChanges, Coverage, Covered, FieldError, KpiKind, KpiPeriod, KpiTarget,
    PartyId, Priority, ServiceId, SlaField, SlaTarget, Terms, ValidationErrors, diff_versions,
};

use crate::error::ApiError;

mod words;

pub use words::word_fields;

/// What each KPI measures: its form value and how the form names it.
pub const KPI_KINDS: [(KpiKind, &str, &str); 4] = [
    (KpiKind::OnTimeRate, "on_time_rate", "On-time rate (%)"),
    (KpiKind::Csat, "csat", "CSAT (1 to 5)"),
    (KpiKind::Nps, "nps", "NPS (−100 to 100)"),
    (
        KpiKind::ComplaintAcknowledgement,
        "complaint_acknowledgement",
        "Complaints acknowledged (%)",
    ),
];

/// The periods a KPI is measured over: form value and name.
pub const KPI_PERIODS: [(KpiPeriod, &str, &str); 3] = [
    (KpiPeriod::Month, "month", "Month"),
    (KpiPeriod::Quarter, "quarter", "Quarter"),
    (KpiPeriod::Year, "year", "Year"),
];

/// How many blank scope items the form offers to add.
pub const BLANK_ITEMS: usize = 2;

/// The three targets of an SLA row as typed: first response, resolution,
/// delivery (blank for none).
pub type SlaCells = [String; 3];

/// One KPI row as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KpiInput {
    /// What it measures (a [`KPI_KINDS`] value), blank on the row to add.
    pub kind: String,
    /// The threshold.
    pub at_least: String,
    /// Within how much business time (complaint acknowledgement only).
    pub within: String,
    /// The period (a [`KPI_PERIODS`] value).
    pub period: String,
    /// Ticked to drop it.
    pub remove: bool,
}

/// The change-request form, every value as typed (or as prefilled).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DraftInput {
    /// The title.
    pub title: String,
    /// The rationale.
    pub rationale: String,
    /// The terms version the form was filled from.
    pub base_version: String,
    /// A customer to add (a party id), or blank.
    pub add_customer: String,
    /// A service to add (a service id), or blank.
    pub add_service: String,
    /// SLA rows by service and priority, in the order the form sent them.
    pub sla: Vec<((ServiceId, Priority), SlaCells)>,
    /// KPI rows, in the form's order.
    pub kpis: Vec<KpiInput>,
    /// The in-scope items, blanks left out.
    pub in_scope: Vec<String>,
    /// The out-of-scope items, blanks left out.
    pub out_of_scope: Vec<String>,
}

fn priority_named(text: &str) -> Option<Priority> {
    Priority::ALL.into_iter().find(|p| p.as_str() == text)
}

fn target_named(text: &str) -> Option<SlaField> {
    SlaField::ALL.into_iter().find(|t| t.as_str() == text)
}

fn target_index(target: SlaField) -> usize {
    match target {
        SlaField::FirstResponse => 0,
        SlaField::Resolution => 1,
        SlaField::Delivery => 2,
    }
}

fn kind_value(kind: KpiKind) -> &'static str {
    KPI_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or("", |(_, v, _)| v)
}

fn period_value(period: KpiPeriod) -> &'static str {
    KPI_PERIODS
        .iter()
        .find(|(p, _, _)| *p == period)
        .map_or("", |(_, v, _)| v)
}

/// The name of the input of an SLA cell.
pub fn sla_name(service: ServiceId, priority: Priority, target: SlaField) -> String {
    format!("sla.{service}.{priority}.{}", target.as_str())
}

/// A number as typed back: Rust's shortest form that parses to the same
/// value, so an untouched threshold reads back exactly.
fn threshold_text(x: f64) -> String {
    format!("{x}")
}

impl DraftInput {
    /// The form prefilled from `terms` (as of `base_version`).
    pub fn prefilled(
        title: &str,
        rationale: &str,
        terms: &Terms,
        base_version: Option<u32>,
    ) -> Self {
        let text = |d: Option<BusinessDuration>| d.map(|d| d.to_string()).unwrap_or_default();
        Self {
            title: title.to_owned(),
            rationale: rationale.to_owned(),
            base_version: base_version.map(|n| n.to_string()).unwrap_or_default(),
            sla: terms
                .sla
                .iter()
                .map(|t| {
                    (
                        (t.service_id, t.priority),
                        [text(t.first_response), text(t.resolution), text(t.delivery)],
                    )
                })
                .collect(),
            kpis: terms
                .kpis
                .iter()
                .map(|k| KpiInput {
                    kind: kind_value(k.kpi).to_owned(),
                    at_least: threshold_text(k.at_least),
                    within: text(k.within),
                    period: period_value(k.period).to_owned(),
                    remove: false,
                })
                .collect(),
            in_scope: terms.in_scope.clone(),
            out_of_scope: terms.out_of_scope.clone(),
            ..Self::default()
        }
    }

    /// Reads a posted form. Names it does not know are left out: they are
    /// no field of this form.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut input = Self::default();
        let mut kpis: BTreeMap<usize, KpiInput> = BTreeMap::new();
        for (name, value) in pairs {
            match name.as_str() {
                "title" => input.title.clone_from(value),
                "rationale" => input.rationale.clone_from(value),
                "base_version" => input.base_version.clone_from(value),
                "add_customer" => input.add_customer.clone_from(value),
                "add_service" => input.add_service.clone_from(value),
                "in_scope" | "out_of_scope" => {
                    let item = value.trim();
                    if !item.is_empty() {
                        let list = if name == "in_scope" {
                            &mut input.in_scope
                        } else {
                            &mut input.out_of_scope
                        };
                        list.push(item.to_owned());
                    }
                }
                _ => {
                    let parts: Vec<&str> = name.split('.').collect();
                    match parts.as_slice() {
                        ["sla", service, priority, target] => {
                            if let (Ok(service), Some(priority), Some(target)) = (
                                service.parse::<ServiceId>(),
                                priority_named(priority),
                                target_named(target),
                            ) {
                                let cells = input.cells_mut(service, priority);
                                cells[target_index(target)].clone_from(value);
                            }
                        }
                        ["kpi", n, field] => {
                            if let Ok(n) = n.parse::<usize>() {
                                let row = kpis.entry(n).or_default();
                                match *field {
                                    "kind" => row.kind.clone_from(value),
                                    "at_least" => row.at_least.clone_from(value),
                                    "within" => row.within.clone_from(value),
                                    "period" => row.period.clone_from(value),
                                    "remove" => row.remove = !value.is_empty(),
                                    _ => {}
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        // The row to add stays blank unless something was typed in it.
        input.kpis = kpis
            .into_values()
            .filter(|k| !(k.kind.is_empty() && k.at_least.trim().is_empty()))
            .collect();
        input
    }

    fn cells_mut(&mut self, service: ServiceId, priority: Priority) -> &mut SlaCells {
        let key = (service, priority);
        let at = match self.sla.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                self.sla.push((key, SlaCells::default()));
                self.sla.len() - 1
            }
        };
        &mut self.sla[at].1
    }

    /// The typed targets of a service at a priority (blank when none).
    pub fn cells(&self, service: ServiceId, priority: Priority) -> SlaCells {
        self.sla
            .iter()
            .find(|(k, _)| *k == (service, priority))
            .map(|(_, cells)| cells.clone())
            .unwrap_or_default()
    }

    /// The terms the form says, in the form's order; every value that does
    /// not parse is a field error under its input's name.
    pub fn terms(&self) -> Result<Terms, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut sla = Vec::new();
        for ((service_id, priority), cells) in &self.sla {
            let mut target = SlaTarget {
                service_id: *service_id,
                priority: *priority,
                first_response: None,
                resolution: None,
                delivery: None,
            };
            for field in SlaField::ALL {
                let name = sla_name(*service_id, *priority, field);
                let value = duration(&name, &cells[target_index(field)], &mut errors);
                field.set(&mut target, value);
            }
            if SlaField::ALL.iter().any(|f| f.of(&target).is_some()) {
                sla.push(target);
            }
        }
        let mut kpis = Vec::new();
        for (n, row) in self.kpis.iter().enumerate() {
            if row.remove {
                continue;
            }
            if let Some(kpi) = kpi(n, row, &mut errors) {
                kpis.push(kpi);
            }
        }
        errors.into_result(Terms {
            sla,
            kpis,
            in_scope: self.in_scope.clone(),
            out_of_scope: self.out_of_scope.clone(),
        })
    }

    /// The draft the form makes against `base` (what the contract covered
    /// as of the version it was filled from), with `keep` carried over from
    /// an earlier draft. Terms that differ in nothing from the base's are no
    /// change to propose.
    pub fn draft(&self, base: &Coverage, keep: ContractChanges) -> Result<ChangeDraft, ApiError> {
        let mut errors = ValidationErrors::new();
        let base_version = optional("base_version", &self.base_version, &mut errors);
        let add_customer: Option<PartyId> =
            optional("add_customer", &self.add_customer, &mut errors);
        let add_service: Option<ServiceId> =
            optional("add_service", &self.add_service, &mut errors);
        let terms = match self.terms() {
            Ok(terms) => Some(terms),
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let proposed = terms.filter(|t| changes_terms(&base.terms, t));
        let mut changes = ContractChanges {
            terms: proposed,
            ..keep
        };
        changes.add_customers.extend(add_customer);
        changes.add_services.extend(add_service);
        Ok(ChangeDraft {
            title: self.title.clone(),
            rationale: self.rationale.clone(),
            changes,
            effective_from: None,
            base_version,
        }
        .checked()?)
    }
}

/// Whether `proposed` differs from `base` in anything a diff shows (the
/// order of rows is no change).
fn changes_terms(base: &Terms, proposed: &Terms) -> bool {
    let covered = |terms| Covered {
        terms,
        customer_ids: &[],
        service_ids: &[],
        calendar_id: None,
    };
    !diff_versions(covered(base), covered(proposed)).is_empty()
}

fn optional<T: std::str::FromStr>(
    field: &str,
    raw: &str,
    errors: &mut ValidationErrors,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    errors.check(
        raw.parse()
            .map_err(|_| FieldError::new(field, "is not one of the choices")),
    )
}

fn duration(name: &str, raw: &str, errors: &mut ValidationErrors) -> Option<BusinessDuration> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    errors.check(
        raw.parse::<BusinessDuration>()
            .map_err(|e| FieldError::new(name, e.to_string())),
    )
}

/// A KPI row as a target, or its errors under its inputs' names.
fn kpi(n: usize, row: &KpiInput, errors: &mut ValidationErrors) -> Option<KpiTarget> {
    let field = |f: &str| format!("kpi.{n}.{f}");
    let kind = KPI_KINDS
        .iter()
        .find(|(_, v, _)| *v == row.kind)
        .map(|(k, _, _)| *k);
    if kind.is_none() {
        errors.push(FieldError::new(field("kind"), "choose what it measures"));
    }
    let period = KPI_PERIODS
        .iter()
        .find(|(_, v, _)| *v == row.period)
        .map(|(p, _, _)| *p);
    if period.is_none() {
        errors.push(FieldError::new(field("period"), "choose a period"));
    }
    let typed = row.at_least.trim();
    let at_least = match typed.trim_end_matches('%').trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Some(x),
        _ if typed.is_empty() => {
            errors.push(FieldError::new(field("at_least"), "give a threshold"));
            None
        }
        _ => {
            errors.push(FieldError::new(
                field("at_least"),
                format!("`{typed}` is not a number"),
            ));
            None
        }
    };
    let within = duration(&field("within"), &row.within, errors);
    Some(KpiTarget {
        kpi: kind?,
        at_least: at_least?,
        within,
        period: period?,
    })
}

#[cfg(test)]
mod tests;
