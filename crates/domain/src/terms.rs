//! A contract's terms: SLA targets per service and priority, KPI targets
//! per period, and what the contract adds to or takes from the catalog's
//! scope. Terms are versioned; each version has an effective-from instant
//! and is never edited once it is in force.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::calendar::BusinessDuration;
use crate::error::{FieldError, ValidationErrors, single_line};
use crate::ids::{CalendarId, ChangeRequestId, ContractId, PartyId, ServiceId, UserId};
use crate::service::{MAX_SCOPE_ITEM, MAX_SCOPE_ITEMS};

mod diff;

pub use diff::{Covered, Difference, Names, ScopeList, SlaField, diff_versions};

/// How urgent a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Stops the customer's business; worked first.
    Urgent,
    /// Hurts the customer's business.
    High,
    /// The usual.
    Normal,
    /// Whenever there is room.
    Low,
}

impl Priority {
    /// Every priority, most urgent first.
    pub const ALL: [Priority; 4] = [Self::Urgent, Self::High, Self::Normal, Self::Low];

    /// The name used in the API and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urgent => "urgent",
            Self::High => "high",
            Self::Normal => "normal",
            Self::Low => "low",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The service levels of one service at one priority, as business time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    /// The service.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub service_id: ServiceId,
    /// The priority.
    pub priority: Priority,
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

/// What a KPI measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KpiKind {
    /// Share of requests fulfilled within their resolution target, in percent.
    OnTimeRate,
    /// Mean customer satisfaction score, 1 to 5.
    Csat,
    /// Net promoter score, -100 to 100.
    Nps,
    /// Share of complaints acknowledged within `within`, in percent.
    ComplaintAcknowledgement,
}

impl KpiKind {
    /// The lowest and highest threshold that make sense.
    fn range(self) -> (f64, f64) {
        match self {
            Self::OnTimeRate | Self::ComplaintAcknowledgement => (0.0, 100.0),
            Self::Csat => (1.0, 5.0),
            Self::Nps => (-100.0, 100.0),
        }
    }
}

/// The period a KPI is measured over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KpiPeriod {
    /// A calendar month.
    Month,
    /// A calendar quarter (the QoS review's period).
    Quarter,
    /// A calendar year.
    Year,
}

impl fmt::Display for KpiPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Month => "month",
            Self::Quarter => "quarter",
            Self::Year => "year",
        })
    }
}

/// A KPI target: the measure must be at least `at_least` over each period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KpiTarget {
    /// What is measured.
    pub kpi: KpiKind,
    /// The threshold: percent for `on_time_rate` and
    /// `complaint_acknowledgement`, a mean score for `csat` (1–5), a score
    /// for `nps` (-100–100).
    pub at_least: f64,
    /// For `complaint_acknowledgement`: the business time within which a
    /// complaint counts as acknowledged.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "1h"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<BusinessDuration>,
    /// The period it is measured over.
    pub period: KpiPeriod,
}

fn number(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl fmt::Display for KpiTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = number(self.at_least);
        match self.kpi {
            KpiKind::OnTimeRate => write!(f, "on-time rate ≥ {n}%"),
            KpiKind::Csat => write!(f, "CSAT ≥ {n}"),
            KpiKind::Nps => write!(f, "NPS ≥ {n}"),
            KpiKind::ComplaintAcknowledgement => write!(
                f,
                "≥ {n}% of complaints acknowledged within {} business time",
                self.within.unwrap_or_default()
            ),
        }?;
        write!(f, " per {}", self.period)
    }
}

/// The terms of one version: service levels, KPIs, and the scope agreed on
/// top of the catalog.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// SLA targets, at most one per service and priority.
    #[serde(default, deserialize_with = "crate::calendar::strict::objects")]
    pub sla: Vec<SlaTarget>,
    /// KPI targets, at most one per KPI and period.
    #[serde(default, deserialize_with = "crate::calendar::strict::objects")]
    pub kpis: Vec<KpiTarget>,
    /// What this contract covers beyond its services' catalog lists (it
    /// wins over a catalog out-of-scope item it matches).
    #[serde(default)]
    pub in_scope: Vec<String>,
    /// What this contract excludes beyond its services' catalog lists.
    #[serde(default)]
    pub out_of_scope: Vec<String>,
}

fn scope_list(errors: &mut ValidationErrors, field: &str, items: &[String]) -> Vec<String> {
    if items.len() > MAX_SCOPE_ITEMS {
        errors.push(FieldError::new(
            field,
            format!("at most {MAX_SCOPE_ITEMS} items"),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let path = format!("{field}[{n}]");
        if let Some(item) = errors.check(single_line(&path, item, MAX_SCOPE_ITEM)) {
            if seen.insert(item.to_lowercase()) {
                out.push(item);
            } else {
                errors.push(FieldError::new(path, "lists an item twice"));
            }
        }
    }
    out
}

impl Terms {
    /// Checks the terms against the services of the contract: targets only
    /// for its services, one per service and priority, at least one
    /// duration each, KPIs once per period with thresholds in range.
    pub fn checked(self, services: &[ServiceId]) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut pairs = BTreeSet::new();
        for (n, t) in self.sla.iter().enumerate() {
            let at = format!("sla[{n}]");
            if !services.contains(&t.service_id) {
                errors.push(FieldError::new(
                    format!("{at}.service_id"),
                    "is not a service of this contract",
                ));
            }
            if !pairs.insert((t.service_id, t.priority)) {
                errors.push(FieldError::new(
                    format!("{at}.priority"),
                    format!(
                        "a target for this service at {} is already given",
                        t.priority
                    ),
                ));
            }
            if t.first_response.is_none() && t.resolution.is_none() && t.delivery.is_none() {
                errors.push(FieldError::new(
                    at,
                    "give at least one of first_response, resolution and delivery",
                ));
            }
        }
        let mut kpis = BTreeSet::new();
        for (n, k) in self.kpis.iter().enumerate() {
            let at = format!("kpis[{n}]");
            let (low, high) = k.kpi.range();
            if !(low..=high).contains(&k.at_least) {
                errors.push(FieldError::new(
                    format!("{at}.at_least"),
                    format!("must be from {} to {}", number(low), number(high)),
                ));
            }
            match (k.kpi, k.within) {
                (KpiKind::ComplaintAcknowledgement, None) => errors.push(FieldError::new(
                    format!("{at}.within"),
                    "say within how much business time a complaint is acknowledged",
                )),
                (KpiKind::ComplaintAcknowledgement, Some(_)) | (_, None) => {}
                (_, Some(_)) => errors.push(FieldError::new(
                    format!("{at}.within"),
                    "only complaint_acknowledgement takes a duration",
                )),
            }
            if !kpis.insert((k.kpi, k.period)) {
                errors.push(FieldError::new(
                    format!("{at}.kpi"),
                    format!("this KPI per {} is already given", k.period),
                ));
            }
        }
        let in_scope = scope_list(&mut errors, "in_scope", &self.in_scope);
        let out_of_scope = scope_list(&mut errors, "out_of_scope", &self.out_of_scope);
        errors.into_result(Self {
            in_scope,
            out_of_scope,
            ..self
        })
    }

    /// The SLA target of a service at a priority, if the terms set one.
    pub fn sla_for(&self, service: ServiceId, priority: Priority) -> Option<&SlaTarget> {
        self.sla
            .iter()
            .find(|t| t.service_id == service && t.priority == priority)
    }
}

/// One version of a contract's terms, with a snapshot of what the contract
/// covered when it was made (so versions can be compared).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermsVersion {
    /// The contract.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub contract_id: ContractId,
    /// 1, 2, 3…: the order versions were made in.
    pub version: u32,
    /// When it takes (or took) effect.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub effective_from: Timestamp,
    /// The terms.
    pub terms: Terms,
    /// The customers covered.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub customer_ids: Vec<PartyId>,
    /// The services covered.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub service_ids: Vec<ServiceId>,
    /// The calendar.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub calendar_id: Option<CalendarId>,
    /// The change request it applies, if it came from one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub change_request_id: Option<ChangeRequestId>,
    /// Who made it.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub created_by: Option<UserId>,
    /// When it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

impl TermsVersion {
    /// What it covers.
    pub fn coverage(&self) -> crate::change::Coverage {
        crate::change::Coverage {
            terms: self.terms.clone(),
            customer_ids: self.customer_ids.clone(),
            service_ids: self.service_ids.clone(),
            calendar_id: self.calendar_id,
        }
    }

    /// Whether it has taken effect by `at`.
    pub fn in_force_by(&self, at: Timestamp) -> bool {
        self.effective_from <= at
    }
}

/// The version in force at `at`: the latest to have taken effect, the
/// higher version winning a tie.
pub fn terms_at(versions: &[TermsVersion], at: Timestamp) -> Option<&TermsVersion> {
    versions
        .iter()
        .filter(|v| v.in_force_by(at))
        .max_by_key(|v| (v.effective_from, v.version))
}

/// Where a version stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionState {
    /// The version in force ([`terms_at`]).
    InForce,
    /// Not yet in effect.
    Scheduled,
    /// In effect once, replaced since by a later one.
    Superseded,
}

impl VersionState {
    /// In words, for the history.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InForce => "in force",
            Self::Scheduled => "scheduled",
            Self::Superseded => "superseded",
        }
    }
}

/// Each version's state at `at`, in the order given.
pub fn version_states(versions: &[TermsVersion], at: Timestamp) -> Vec<VersionState> {
    let in_force = terms_at(versions, at).map(|v| v.version);
    versions
        .iter()
        .map(|v| {
            if Some(v.version) == in_force {
                VersionState::InForce
            } else if v.in_force_by(at) {
                VersionState::Superseded
            } else {
                VersionState::Scheduled
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u64) -> Option<BusinessDuration> {
        Some(BusinessDuration::from_hours(n))
    }

    fn version(n: u32, from: i64, terms: Terms) -> TermsVersion {
        TermsVersion {
            contract_id: ContractId::new(),
            version: n,
            effective_from: Timestamp::from_second(from).expect("instant"),
            terms,
            customer_ids: vec![],
            service_ids: vec![],
            calendar_id: None,
            change_request_id: None,
            created_by: None,
            created_at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_version_in_force_is_the_latest_to_have_started() {
        let vs = [
            version(1, 100, Terms::default()),
            version(2, 200, Terms::default()),
            version(3, 300, Terms::default()),
        ];
        let at = |s| Timestamp::from_second(s).expect("instant");
        assert_eq!(terms_at(&vs, at(99)), None);
        assert_eq!(terms_at(&vs, at(100)).map(|v| v.version), Some(1));
        assert_eq!(terms_at(&vs, at(299)).map(|v| v.version), Some(2));
        assert_eq!(terms_at(&vs, at(1000)).map(|v| v.version), Some(3));
    }

    #[test]
    fn a_history_is_superseded_up_to_the_version_in_force_and_scheduled_after() {
        use VersionState::*;
        let vs = [
            version(1, 100, Terms::default()),
            version(2, 200, Terms::default()),
            version(3, 300, Terms::default()),
        ];
        let at = |s| Timestamp::from_second(s).expect("instant");

        assert_eq!(
            version_states(&vs, at(99)),
            [Scheduled, Scheduled, Scheduled]
        );
        assert_eq!(
            version_states(&vs, at(250)),
            [Superseded, InForce, Scheduled]
        );
        assert_eq!(
            version_states(&vs, at(300)),
            [Superseded, Superseded, InForce]
        );
        assert_eq!(InForce.as_str(), "in force");
    }

    #[test]
    fn terms_refuse_foreign_services_repeats_and_thresholds_out_of_range() {
        let (s, other) = (ServiceId::new(), ServiceId::new());
        let target = |service_id, priority| SlaTarget {
            service_id,
            priority,
            first_response: h(4),
            resolution: None,
            delivery: None,
        };
        let terms = Terms {
            sla: vec![
                target(s, Priority::High),
                target(s, Priority::High),
                target(other, Priority::Low),
            ],
            kpis: vec![
                KpiTarget {
                    kpi: KpiKind::Csat,
                    at_least: 6.0,
                    within: None,
                    period: KpiPeriod::Quarter,
                },
                KpiTarget {
                    kpi: KpiKind::ComplaintAcknowledgement,
                    at_least: 100.0,
                    within: None,
                    period: KpiPeriod::Quarter,
                },
            ],
            in_scope: vec![],
            out_of_scope: vec!["Roofs".into(), "roofs".into()],
        };
        let errors = terms.checked(&[s]).expect_err("invalid");
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "sla[1].priority",
                "sla[2].service_id",
                "kpis[0].at_least",
                "kpis[1].within",
                "out_of_scope[1]"
            ]
        );
    }
}
