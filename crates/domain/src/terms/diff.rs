//! Comparing two versions of a contract's terms: what changed between them
//! (`Difference`), found by `diff_versions` and read out by `describe`.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{KpiKind, KpiPeriod, KpiTarget, Priority, SlaTarget, Terms, TermsVersion};
use crate::calendar::BusinessDuration;
use crate::ids::{CalendarId, PartyId, ServiceId};

/// One of the three targets of an SLA entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaField {
    /// Until the first public reply.
    FirstResponse,
    /// Until fulfilled.
    Resolution,
    /// Until delivered.
    Delivery,
}

impl SlaField {
    /// Every target, in the order terms list them.
    pub const ALL: [SlaField; 3] = [Self::FirstResponse, Self::Resolution, Self::Delivery];

    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstResponse => "first_response",
            Self::Resolution => "resolution",
            Self::Delivery => "delivery",
        }
    }

    /// Reads this target of an SLA entry.
    pub fn of(self, t: &SlaTarget) -> Option<BusinessDuration> {
        match self {
            Self::FirstResponse => t.first_response,
            Self::Resolution => t.resolution,
            Self::Delivery => t.delivery,
        }
    }

    /// Sets this target of an SLA entry.
    pub fn set(self, t: &mut SlaTarget, value: Option<BusinessDuration>) {
        match self {
            Self::FirstResponse => t.first_response = value,
            Self::Resolution => t.resolution = value,
            Self::Delivery => t.delivery = value,
        }
    }
}

impl fmt::Display for SlaField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// One of the contract's own scope lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeList {
    /// What the contract covers beyond the catalog.
    InScope,
    /// What the contract excludes beyond the catalog.
    OutOfScope,
}

impl ScopeList {
    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InScope => "in_scope",
            Self::OutOfScope => "out_of_scope",
        }
    }

    /// The list in `terms`.
    pub fn of(self, terms: &Terms) -> &Vec<String> {
        match self {
            Self::InScope => &terms.in_scope,
            Self::OutOfScope => &terms.out_of_scope,
        }
    }

    /// The list in `terms`, to change.
    pub fn of_mut(self, terms: &mut Terms) -> &mut Vec<String> {
        match self {
            Self::InScope => &mut terms.in_scope,
            Self::OutOfScope => &mut terms.out_of_scope,
        }
    }
}

impl fmt::Display for ScopeList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// One difference between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Difference {
    /// A target of a service at a priority changed (or was set, or dropped).
    Sla {
        /// The service.
        service_id: ServiceId,
        /// The priority.
        priority: Priority,
        /// `first_response`, `resolution` or `delivery`.
        target: SlaField,
        /// Before.
        from: Option<BusinessDuration>,
        /// After.
        to: Option<BusinessDuration>,
    },
    /// A KPI target changed (or was set, or dropped).
    Kpi {
        /// Before.
        from: Option<KpiTarget>,
        /// After.
        to: Option<KpiTarget>,
    },
    /// A customer was added (`added` true) or removed.
    Customer {
        /// The party.
        party_id: PartyId,
        /// Added rather than removed.
        added: bool,
    },
    /// A service was added or removed.
    Service {
        /// The service.
        service_id: ServiceId,
        /// Added rather than removed.
        added: bool,
    },
    /// The calendar changed.
    Calendar {
        /// Before.
        from: Option<CalendarId>,
        /// After.
        to: Option<CalendarId>,
    },
    /// An item of the contract's own scope lists was added or removed.
    Scope {
        /// `in_scope` or `out_of_scope`.
        list: ScopeList,
        /// The item.
        item: String,
        /// Added rather than removed.
        added: bool,
    },
}

/// What a version covers, enough to compare two of them.
#[derive(Debug, Clone, Copy)]
pub struct Covered<'a> {
    /// The terms.
    pub terms: &'a Terms,
    /// The customers.
    pub customer_ids: &'a [PartyId],
    /// The services.
    pub service_ids: &'a [ServiceId],
    /// The calendar.
    pub calendar_id: Option<CalendarId>,
}

impl<'a> From<&'a TermsVersion> for Covered<'a> {
    fn from(v: &'a TermsVersion) -> Self {
        Self {
            terms: &v.terms,
            customer_ids: &v.customer_ids,
            service_ids: &v.service_ids,
            calendar_id: v.calendar_id,
        }
    }
}

fn set_diff<T: Ord + Copy>(old: &[T], new: &[T], mut out: impl FnMut(T, bool)) {
    let (a, b): (BTreeSet<T>, BTreeSet<T>) =
        (old.iter().copied().collect(), new.iter().copied().collect());
    for x in b.difference(&a) {
        out(*x, true);
    }
    for x in a.difference(&b) {
        out(*x, false);
    }
}

/// What changed from `old` to `new`, in a stable order: services and
/// customers, calendar, SLA targets, KPIs, scope.
pub fn diff_versions(old: Covered<'_>, new: Covered<'_>) -> Vec<Difference> {
    let mut out = Vec::new();
    set_diff(old.service_ids, new.service_ids, |service_id, added| {
        out.push(Difference::Service { service_id, added });
    });
    set_diff(old.customer_ids, new.customer_ids, |party_id, added| {
        out.push(Difference::Customer { party_id, added });
    });
    if old.calendar_id != new.calendar_id {
        out.push(Difference::Calendar {
            from: old.calendar_id,
            to: new.calendar_id,
        });
    }
    let keys: BTreeSet<(ServiceId, Priority)> = old
        .terms
        .sla
        .iter()
        .chain(&new.terms.sla)
        .map(|t| (t.service_id, t.priority))
        .collect();
    for (service_id, priority) in keys {
        let before = old.terms.sla_for(service_id, priority);
        let after = new.terms.sla_for(service_id, priority);
        for target in SlaField::ALL {
            let (from, to) = (
                before.and_then(|t| target.of(t)),
                after.and_then(|t| target.of(t)),
            );
            if from != to {
                out.push(Difference::Sla {
                    service_id,
                    priority,
                    target,
                    from,
                    to,
                });
            }
        }
    }
    let kpis: BTreeSet<(KpiKind, KpiPeriod)> = old
        .terms
        .kpis
        .iter()
        .chain(&new.terms.kpis)
        .map(|k| (k.kpi, k.period))
        .collect();
    for (kpi, period) in kpis {
        let find = |t: &Terms| {
            t.kpis
                .iter()
                .find(|k| k.kpi == kpi && k.period == period)
                .copied()
        };
        let (from, to) = (find(old.terms), find(new.terms));
        if from != to {
            out.push(Difference::Kpi { from, to });
        }
    }
    for list in [ScopeList::InScope, ScopeList::OutOfScope] {
        let (a, b) = (list.of(old.terms), list.of(new.terms));
        for item in b.iter().filter(|i| !a.contains(i)) {
            out.push(Difference::Scope {
                list,
                item: item.clone(),
                added: true,
            });
        }
        for item in a.iter().filter(|i| !b.contains(i)) {
            out.push(Difference::Scope {
                list,
                item: item.clone(),
                added: false,
            });
        }
    }
    out
}

/// Names for the ids a difference mentions, so it can be read.
pub trait Names {
    /// A party's name.
    fn party(&self, id: PartyId) -> String;
    /// A service's name.
    fn service(&self, id: ServiceId) -> String;
    /// A calendar's name.
    fn calendar(&self, id: CalendarId) -> String;
}

fn or_none(d: Option<BusinessDuration>) -> String {
    d.map_or_else(|| "none".to_owned(), |d| d.to_string())
}

impl Difference {
    /// The difference in a sentence.
    pub fn describe(&self, names: &dyn Names) -> String {
        match self {
            Self::Sla {
                service_id,
                priority,
                target,
                from,
                to,
            } => format!(
                "{} ({priority}): {target} {} → {}",
                names.service(*service_id),
                or_none(*from),
                or_none(*to)
            ),
            Self::Kpi { from, to } => match (from, to) {
                (Some(a), Some(b)) => format!("KPI {a} → {b}"),
                (None, Some(b)) => format!("KPI added: {b}"),
                (Some(a), None) => format!("KPI dropped: {a}"),
                (None, None) => String::new(),
            },
            Self::Customer { party_id, added } => format!(
                "{} customer: {}",
                if *added { "Added" } else { "Removed" },
                names.party(*party_id)
            ),
            Self::Service { service_id, added } => format!(
                "{} service: {}",
                if *added { "Added" } else { "Removed" },
                names.service(*service_id)
            ),
            Self::Calendar { from, to } => format!(
                "Calendar: {} → {}",
                from.map_or_else(|| "none".to_owned(), |c| names.calendar(c)),
                to.map_or_else(|| "none".to_owned(), |c| names.calendar(c))
            ),
            Self::Scope { list, item, added } => format!(
                "{} {list}: {item}",
                if *added { "Added to" } else { "Removed from" },
            ),
        }
    }

    /// Whether it concerns a customer other than those in `visible` (to be
    /// left out for a customer's people).
    pub fn is_about_other_customer(&self, visible: &[PartyId]) -> bool {
        matches!(self, Self::Customer { party_id, .. } if !visible.contains(party_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u64) -> Option<BusinessDuration> {
        Some(BusinessDuration::from_hours(n))
    }

    #[test]
    fn a_diff_reads_as_what_changed() {
        struct N;
        impl Names for N {
            fn party(&self, _: PartyId) -> String {
                "Store 13".into()
            }
            fn service(&self, _: ServiceId) -> String {
                "Reactive maintenance".into()
            }
            fn calendar(&self, _: CalendarId) -> String {
                "UK office hours".into()
            }
        }
        let s = ServiceId::new();
        let store = PartyId::new();
        let sla = |first| SlaTarget {
            service_id: s,
            priority: Priority::Urgent,
            first_response: first,
            resolution: h(24),
            delivery: None,
        };
        let on_time = |at_least| KpiTarget {
            kpi: KpiKind::OnTimeRate,
            at_least,
            within: None,
            period: KpiPeriod::Quarter,
        };
        let old = Terms {
            sla: vec![sla(h(4))],
            kpis: vec![on_time(95.0)],
            ..Terms::default()
        };
        let new = Terms {
            sla: vec![sla(h(2))],
            kpis: vec![on_time(97.5)],
            out_of_scope: vec!["Roof repairs".into()],
            ..Terms::default()
        };
        let services = [s];
        let before = Covered {
            terms: &old,
            customer_ids: &[],
            service_ids: &services,
            calendar_id: None,
        };
        let after = Covered {
            terms: &new,
            customer_ids: &[store],
            ..before
        };
        let lines: Vec<String> = diff_versions(before, after)
            .iter()
            .map(|d| d.describe(&N))
            .collect();
        assert_eq!(
            lines,
            [
                "Added customer: Store 13",
                "Reactive maintenance (urgent): first response 4h → 2h",
                "KPI on-time rate ≥ 95% per quarter → on-time rate ≥ 97.5% per quarter",
                "Added to out of scope: Roof repairs",
            ]
        );
        assert!(diff_versions(before, before).is_empty());
    }
}
