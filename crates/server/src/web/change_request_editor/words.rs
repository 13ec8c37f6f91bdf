//! A refused change-request form's fields named as the person saw them:
//! the row of the terms table, the KPI or the scope item, in words.

use std::collections::HashMap;

use kept_domain::{KpiKind, KpiPeriod, ServiceId, Terms};

use super::{DraftInput, KPI_KINDS, KPI_PERIODS, KpiInput};
use crate::error::ApiError;

/// A KPI as a row heading: "CSAT per quarter".
fn kpi_words(kind: KpiKind, period: KpiPeriod) -> String {
    let what = match kind {
        KpiKind::OnTimeRate => "On-time rate",
        KpiKind::Csat => "CSAT",
        KpiKind::Nps => "NPS",
        KpiKind::ComplaintAcknowledgement => "Complaints acknowledged",
    };
    format!("{what} per {period}")
}

/// Names a refused form's fields as the person saw them: an input's name
/// (`sla.{id}.urgent.resolution`, `kpi.2.at_least`) or a path into the
/// terms it proposed (`changes.terms.kpis[1].at_least`) becomes its row in
/// words ("Reactive maintenance, urgent, resolution"; "CSAT per quarter,
/// at least"). Other fields are left for the form's labels. Returns the
/// names of the inputs that were refused, to mark them.
pub fn word_fields(
    error: &mut ApiError,
    input: &DraftInput,
    services: &HashMap<ServiceId, String>,
) -> Vec<String> {
    let service = |id: &ServiceId| {
        services
            .get(id)
            .cloned()
            .unwrap_or_else(|| "A service not on the contract".to_owned())
    };
    let proposed = input.terms().ok();
    let mut inputs = Vec::new();
    for f in &mut error.errors {
        let parts: Vec<&str> = f.field.split('.').collect();
        let words = match parts.as_slice() {
            ["sla", id, priority, target] => {
                inputs.push(f.field.clone());
                id.parse::<ServiceId>()
                    .ok()
                    .map(|id| format!("{}, {priority}, {}", service(&id), target.replace('_', " ")))
            }
            ["kpi", n, part] => {
                inputs.push(f.field.clone());
                let row = n.parse::<usize>().ok().and_then(|n| input.kpis.get(n));
                Some(format!("{}, {}", kpi_row_words(row), kpi_part_words(part)))
            }
            ["changes", "terms", rest @ ..] => proposed
                .as_ref()
                .and_then(|t| terms_words(t, rest, &service)),
            _ => None,
        };
        if let Some(words) = words {
            f.field = words;
        }
    }
    inputs
}

fn kpi_row_words(row: Option<&KpiInput>) -> String {
    let kind = row.and_then(|r| KPI_KINDS.iter().find(|(_, v, _)| *v == r.kind));
    let period = row.and_then(|r| KPI_PERIODS.iter().find(|(_, v, _)| *v == r.period));
    match (kind, period) {
        (Some((k, _, _)), Some((p, _, _))) => kpi_words(*k, *p),
        _ => "The KPI to add".to_owned(),
    }
}

fn kpi_part_words(part: &str) -> &'static str {
    match part {
        "kind" => "what it measures",
        "within" => "within",
        "period" => "period",
        "kpi" => "KPI",
        _ => "at least",
    }
}

/// `sla[3].priority`, `kpis[1].at_least`, `in_scope[0]` of `terms` in words.
fn terms_words(
    terms: &Terms,
    path: &[&str],
    service: &dyn Fn(&ServiceId) -> String,
) -> Option<String> {
    let (head, part) = match path {
        [head] => (*head, None),
        [head, part] => (*head, Some(*part)),
        _ => return None,
    };
    let (list, n) = head.strip_suffix(']')?.split_once('[')?;
    let n: usize = n.parse().ok()?;
    match list {
        "sla" => terms
            .sla
            .get(n)
            .map(|t| format!("{}, {}", service(&t.service_id), t.priority)),
        "kpis" => terms.kpis.get(n).map(|k| {
            format!(
                "{}, {}",
                kpi_words(k.kpi, k.period),
                kpi_part_words(part.unwrap_or("kpi"))
            )
        }),
        "in_scope" => terms
            .in_scope
            .get(n)
            .map(|i| format!("Also in scope, “{i}”")),
        "out_of_scope" => terms
            .out_of_scope
            .get(n)
            .map(|i| format!("Also not in scope, “{i}”")),
        _ => None,
    }
}
