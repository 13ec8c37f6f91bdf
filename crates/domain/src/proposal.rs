//! What a change request proposes, as a diff of the version it was drafted
//! from, and how that diff is applied to a newer version.
//!
//! A change request's terms are written whole, against one version (its
//! *base*). What the steering group approves is the difference between the
//! base and those terms: applying the whole terms onto a later version would
//! silently undo whatever changed in between. So a change request records
//! its proposal as a list of [`Difference`]s of its base, and applying it
//! onto the latest version is a three-way merge, field by field:
//!
//! - a field the later versions left as the base had it takes the proposed
//!   value;
//! - a field they already set to the proposed value stays (nothing to do);
//! - a field they set to anything else is a [`ChangeConflict`]: the change
//!   is refused, naming each such field, and must be redrafted and approved
//!   again.
//!
//! Set memberships (customers, services, scope items) cannot conflict: an
//! entry is either still to be added (or removed) or already is. Targets of
//! a service the proposal removes go with the service.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::ServiceId;
use crate::change::{ContractChanges, Coverage};
use crate::error::{FieldError, ValidationErrors};
use crate::terms::{
    Covered, Difference, KpiKind, KpiPeriod, KpiTarget, Names, Priority, SlaTarget, Terms,
    diff_versions,
};

impl<'a> From<&'a Coverage> for Covered<'a> {
    fn from(c: &'a Coverage) -> Self {
        Self {
            terms: &c.terms,
            customer_ids: &c.customer_ids,
            service_ids: &c.service_ids,
            calendar_id: c.calendar_id,
        }
    }
}

/// The proposal of `changes` drafted against `base`: what applying them to
/// the base would change. Refuses changes that do not fit the base.
pub fn propose(
    base: &Coverage,
    changes: &ContractChanges,
) -> Result<Vec<Difference>, ValidationErrors> {
    let next = changes.apply_to(base)?;
    Ok(diff_versions(base.into(), (&next).into()))
}

/// A part of a proposal that a later version has changed too, differently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeConflict {
    /// What both touched, as a stable path: `terms.sla.{service}.{priority}.{target}`,
    /// `terms.kpis.{kpi}.{period}` or `calendar_id`.
    pub field: String,
    /// What the change request proposes (from its base's value).
    pub proposed: Difference,
    /// What the later versions did to the same field (from the base's value
    /// to the value now).
    pub since: Difference,
}

impl ChangeConflict {
    /// The conflict in a sentence: "Reactive maintenance (urgent),
    /// resolution: this change makes it 6h (from 8h), but it has since
    /// become 4h".
    pub fn describe(&self, names: &dyn Names) -> String {
        let or_none = |d: &Option<crate::calendar::BusinessDuration>| {
            d.map_or_else(|| "none".to_owned(), |d| d.to_string())
        };
        let kpi = |k: &Option<KpiTarget>| k.map_or_else(|| "none".to_owned(), |k| k.to_string());
        let calendar = |c: &Option<crate::CalendarId>| {
            c.map_or_else(|| "none".to_owned(), |c| names.calendar(c))
        };
        let (what, from, to, now) = match (&self.proposed, &self.since) {
            (
                Difference::Sla {
                    service_id,
                    priority,
                    target,
                    from,
                    to,
                },
                Difference::Sla { to: now, .. },
            ) => (
                format!("{} ({priority}), {target}", names.service(*service_id)),
                or_none(from),
                or_none(to),
                or_none(now),
            ),
            (Difference::Kpi { from, to }, Difference::Kpi { to: now, .. }) => {
                ("KPI".to_owned(), kpi(from), kpi(to), kpi(now))
            }
            (Difference::Calendar { from, to }, Difference::Calendar { to: now, .. }) => (
                "Calendar".to_owned(),
                calendar(from),
                calendar(to),
                calendar(now),
            ),
            (proposed, since) => {
                return format!(
                    "{}, but since: {}",
                    proposed.describe(names),
                    since.describe(names)
                );
            }
        };
        format!("{what}: this change makes it {to} (from {from}), but it has since become {now}")
    }
}

/// A proposal laid over a newer version.
#[derive(Debug, Clone, PartialEq)]
pub struct Rebased {
    /// The newer version with every part of the proposal that does not
    /// conflict applied (and, where one conflicts, the newer value kept).
    pub coverage: Coverage,
    /// The parts that conflict, in the proposal's order.
    pub conflicts: Vec<ChangeConflict>,
}

/// Why a proposal cannot be applied to a version.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApplyRefusal {
    /// Later versions changed fields the proposal changes.
    #[error("{} field(s) changed since the change request was drafted", .0.len())]
    Conflicts(Vec<ChangeConflict>),
    /// The result would not be valid terms (a customer list left empty…).
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

fn sla_field(service: ServiceId, priority: Priority, target: &str) -> String {
    format!("terms.sla.{service}.{priority}.{target}")
}

fn kpi_key(from: Option<&KpiTarget>, to: Option<&KpiTarget>) -> Option<(KpiKind, KpiPeriod)> {
    from.or(to).map(|k| (k.kpi, k.period))
}

fn find_kpi(terms: &Terms, key: (KpiKind, KpiPeriod)) -> Option<KpiTarget> {
    terms
        .kpis
        .iter()
        .find(|k| (k.kpi, k.period) == key)
        .copied()
}

fn set_sla(
    terms: &mut Terms,
    service_id: ServiceId,
    priority: Priority,
    target: crate::terms::SlaField,
    value: Option<crate::calendar::BusinessDuration>,
) {
    let at = terms
        .sla
        .iter()
        .position(|t| t.service_id == service_id && t.priority == priority);
    match at {
        Some(n) => target.set(&mut terms.sla[n], value),
        None if value.is_some() => {
            let mut entry = SlaTarget {
                service_id,
                priority,
                first_response: None,
                resolution: None,
                delivery: None,
            };
            target.set(&mut entry, value);
            terms.sla.push(entry);
        }
        None => {}
    }
}

fn set_kpi(terms: &mut Terms, key: (KpiKind, KpiPeriod), value: Option<KpiTarget>) {
    match (
        terms.kpis.iter().position(|k| (k.kpi, k.period) == key),
        value,
    ) {
        (Some(n), Some(v)) => terms.kpis[n] = v,
        (Some(n), None) => {
            terms.kpis.remove(n);
        }
        (None, Some(v)) => terms.kpis.push(v),
        (None, None) => {}
    }
}

fn toggle<T: PartialEq + Copy>(list: &mut Vec<T>, item: T, added: bool) {
    if added {
        if !list.contains(&item) {
            list.push(item);
        }
    } else {
        list.retain(|x| *x != item);
    }
}

/// How one valued field compares now with the proposal: free to take the
/// proposed value, already there, or changed otherwise since.
enum Field<T> {
    Free,
    Done,
    Changed(T),
}

fn compare<T: PartialEq>(now: T, from: &T, to: &T) -> Field<T> {
    if now == *from {
        Field::Free
    } else if now == *to {
        Field::Done
    } else {
        Field::Changed(now)
    }
}

/// Lays `proposal` over `current`: applies what does not conflict and lists
/// what does. Targets of services the proposal removes go with them.
pub fn rebase(current: &Coverage, proposal: &[Difference]) -> Rebased {
    let mut next = current.clone();
    let mut conflicts = Vec::new();
    let removed: BTreeSet<ServiceId> = proposal
        .iter()
        .filter_map(|d| match d {
            Difference::Service {
                service_id,
                added: false,
            } => Some(*service_id),
            _ => None,
        })
        .collect();
    for d in proposal {
        match d {
            Difference::Sla { service_id, .. } if removed.contains(service_id) => {}
            Difference::Sla { .. } => conflicts.extend(rebase_sla(current, &mut next, d)),
            Difference::Kpi { from, to } => {
                let Some(key) = kpi_key(from.as_ref(), to.as_ref()) else {
                    continue;
                };
                match compare(find_kpi(&current.terms, key), from, to) {
                    Field::Free => set_kpi(&mut next.terms, key, *to),
                    Field::Done => {}
                    Field::Changed(now) => conflicts.push(ChangeConflict {
                        field: format!("terms.kpis.{}.{}", kpi_name(key.0), key.1),
                        proposed: d.clone(),
                        since: Difference::Kpi {
                            from: *from,
                            to: now,
                        },
                    }),
                }
            }
            Difference::Calendar { from, to } => match compare(current.calendar_id, from, to) {
                Field::Free => next.calendar_id = *to,
                Field::Done => {}
                Field::Changed(now) => conflicts.push(ChangeConflict {
                    field: "calendar_id".to_owned(),
                    proposed: d.clone(),
                    since: Difference::Calendar {
                        from: *from,
                        to: now,
                    },
                }),
            },
            Difference::Customer { party_id, added } => {
                toggle(&mut next.customer_ids, *party_id, *added);
            }
            Difference::Service { service_id, added } => {
                toggle(&mut next.service_ids, *service_id, *added);
            }
            Difference::Scope { list, item, added } => {
                toggle_item(list.of_mut(&mut next.terms), item, *added);
            }
        }
    }
    // A target proposed for a service that has left the contract since is
    // kept, so that validation refuses it rather than dropping it unseen.
    next.terms.sla.retain(|t| {
        !removed.contains(&t.service_id)
            && (t.first_response.is_some() || t.resolution.is_some() || t.delivery.is_some())
    });
    Rebased {
        coverage: next,
        conflicts,
    }
}

/// Lays one proposed SLA target over `current` into `next`; the conflict
/// when the target changed since the proposal was drafted.
fn rebase_sla(current: &Coverage, next: &mut Coverage, d: &Difference) -> Option<ChangeConflict> {
    let Difference::Sla {
        service_id,
        priority,
        target,
        from,
        to,
    } = d
    else {
        return None;
    };
    let now = current
        .terms
        .sla_for(*service_id, *priority)
        .and_then(|t| target.of(t));
    match compare(now, from, to) {
        Field::Free => {
            set_sla(&mut next.terms, *service_id, *priority, *target, *to);
            None
        }
        Field::Done => None,
        Field::Changed(now) => Some(ChangeConflict {
            field: sla_field(*service_id, *priority, target.as_str()),
            proposed: d.clone(),
            since: Difference::Sla {
                service_id: *service_id,
                priority: *priority,
                target: *target,
                from: *from,
                to: now,
            },
        }),
    }
}

/// Adds `item` to a scope list (unless there, ignoring case) or removes it.
fn toggle_item(items: &mut Vec<String>, item: &str, added: bool) {
    let lower = item.to_lowercase();
    let present = items.iter().any(|i| i.to_lowercase() == lower);
    if added && !present {
        items.push(item.to_owned());
    } else if !added {
        items.retain(|i| i.to_lowercase() != lower);
    }
}

fn kpi_name(kind: KpiKind) -> &'static str {
    match kind {
        KpiKind::OnTimeRate => "on_time_rate",
        KpiKind::Csat => "csat",
        KpiKind::Nps => "nps",
        KpiKind::ComplaintAcknowledgement => "complaint_acknowledgement",
    }
}

/// What the contract covers once `proposal` is applied to `current`;
/// refuses when later versions changed what it changes, or when the result
/// is not valid (the same checks as drafting).
pub fn apply_proposal(
    current: &Coverage,
    proposal: &[Difference],
) -> Result<Coverage, ApplyRefusal> {
    let Rebased {
        mut coverage,
        conflicts,
    } = rebase(current, proposal);
    if !conflicts.is_empty() {
        return Err(ApplyRefusal::Conflicts(conflicts));
    }
    let mut errors = ValidationErrors::new();
    if coverage.customer_ids.is_empty() {
        errors.push(FieldError::new(
            "changes.remove_customers",
            "a contract serves at least one customer",
        ));
    }
    match coverage.terms.clone().checked(&coverage.service_ids) {
        Ok(t) => coverage.terms = t,
        Err(e) => {
            for mut f in e.0 {
                f.field = format!("changes.terms.{}", f.field);
                errors.push(f);
            }
        }
    }
    Ok(errors.into_result(coverage)?)
}

/// The customers, services and calendar `changes` would still change on
/// top of `base` (what `base` already has left out), and no terms: what a
/// change carries over when it is redrafted against `base`.
pub fn still_to_change(changes: &ContractChanges, base: &Coverage) -> ContractChanges {
    fn keep<T: PartialEq + Copy>(ids: &[T], base: &[T], present: bool) -> Vec<T> {
        ids.iter()
            .filter(|x| base.contains(x) == present)
            .copied()
            .collect()
    }
    ContractChanges {
        terms: None,
        add_customers: keep(&changes.add_customers, &base.customer_ids, false),
        remove_customers: keep(&changes.remove_customers, &base.customer_ids, true),
        add_services: keep(&changes.add_services, &base.service_ids, false),
        remove_services: keep(&changes.remove_services, &base.service_ids, true),
        calendar_id: changes.calendar_id.filter(|c| Some(*c) != base.calendar_id),
    }
}

#[cfg(test)]
mod tests;
