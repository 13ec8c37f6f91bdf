//! Reading the form back: untouched terms read back exactly, and every
//! refusal names its row.

use std::collections::HashMap;

use super::*;
use crate::error::ApiError;
use kept_domain::{FieldError, KpiTarget, SlaTarget, ValidationErrors};

fn h(n: u64) -> Option<BusinessDuration> {
    Some(BusinessDuration::from_hours(n))
}

fn terms(repairs: ServiceId, cleaning: ServiceId) -> Terms {
    Terms {
        sla: vec![
            SlaTarget {
                service_id: cleaning,
                priority: Priority::Normal,
                first_response: h(4),
                resolution: h(24),
                delivery: None,
            },
            SlaTarget {
                service_id: repairs,
                priority: Priority::Urgent,
                first_response: Some(BusinessDuration::from_minutes(30)),
                resolution: h(8),
                delivery: h(40),
            },
        ],
        kpis: vec![
            KpiTarget {
                kpi: KpiKind::Csat,
                at_least: 4.2,
                within: None,
                period: KpiPeriod::Quarter,
            },
            KpiTarget {
                kpi: KpiKind::ComplaintAcknowledgement,
                at_least: 99.5,
                within: h(1),
                period: KpiPeriod::Month,
            },
        ],
        in_scope: vec!["Out-of-hours call-outs".into()],
        out_of_scope: vec!["Roof repairs".into(), "Works needing consent".into()],
    }
}

/// The pairs a browser posts for the prefilled form, with the blank
/// rows to add.
fn posted(input: &DraftInput) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("csrf_token".to_owned(), "t".to_owned()),
        ("title".to_owned(), input.title.clone()),
    ];
    for ((service, priority), cells) in &input.sla {
        for field in SlaField::ALL {
            pairs.push((
                sla_name(*service, *priority, field),
                cells[target_index(field)].clone(),
            ));
        }
    }
    let blank = KpiInput::default();
    for (n, k) in input.kpis.iter().chain([&blank]).enumerate() {
        pairs.push((format!("kpi.{n}.kind"), k.kind.clone()));
        pairs.push((format!("kpi.{n}.at_least"), k.at_least.clone()));
        pairs.push((format!("kpi.{n}.within"), k.within.clone()));
        let period = if k.period.is_empty() {
            "quarter"
        } else {
            &k.period
        };
        pairs.push((format!("kpi.{n}.period"), period.to_owned()));
    }
    for (name, list) in [
        ("in_scope", &input.in_scope),
        ("out_of_scope", &input.out_of_scope),
    ] {
        for item in list.iter().cloned().chain([String::new(), String::new()]) {
            pairs.push((name.to_owned(), item));
        }
    }
    pairs
}

#[test]
fn terms_prefilled_and_posted_untouched_read_back_exactly() {
    let original = terms(ServiceId::new(), ServiceId::new());
    let input = DraftInput::prefilled("Title", "Why", &original, Some(2));

    let read = DraftInput::from_pairs(&posted(&input));

    assert_eq!(read.terms().expect("parses"), original);
    assert!(!changes_terms(&original, &read.terms().expect("parses")));
}

#[test]
fn a_blanked_target_and_an_emptied_item_are_dropped_and_a_typed_one_added() {
    let (repairs, cleaning) = (ServiceId::new(), ServiceId::new());
    let original = terms(repairs, cleaning);
    let mut pairs = posted(&DraftInput::prefilled("T", "W", &original, None));
    for (name, value) in &mut pairs {
        if *name == sla_name(cleaning, Priority::Normal, SlaField::FirstResponse)
            || *name == sla_name(cleaning, Priority::Normal, SlaField::Resolution)
            || (name == "in_scope" && value == "Out-of-hours call-outs")
        {
            value.clear();
        }
    }
    pairs.push((
        sla_name(repairs, Priority::Low, SlaField::Resolution),
        " 40h ".into(),
    ));
    pairs.push(("out_of_scope".into(), "Gritting".into()));

    let read = DraftInput::from_pairs(&pairs).terms().expect("parses");

    assert_eq!(read.sla.len(), 2, "{:?}", read.sla);
    assert!(read.sla_for(cleaning, Priority::Normal).is_none());
    assert_eq!(
        read.sla_for(repairs, Priority::Low)
            .and_then(|t| t.resolution),
        h(40)
    );
    assert!(read.in_scope.is_empty());
    assert_eq!(
        read.out_of_scope.last().map(String::as_str),
        Some("Gritting")
    );
}

#[test]
fn a_kpi_is_removed_by_its_box_and_added_from_the_blank_row() {
    let original = terms(ServiceId::new(), ServiceId::new());
    let mut pairs = posted(&DraftInput::prefilled("T", "W", &original, None));
    pairs.push(("kpi.0.remove".into(), "on".into()));
    for (name, value) in &mut pairs {
        match name.as_str() {
            "kpi.2.kind" => *value = "on_time_rate".into(),
            "kpi.2.at_least" => *value = "95 %".into(),
            _ => {}
        }
    }

    let read = DraftInput::from_pairs(&pairs).terms().expect("parses");

    let kinds: Vec<KpiKind> = read.kpis.iter().map(|k| k.kpi).collect();
    assert_eq!(
        kinds,
        [KpiKind::ComplaintAcknowledgement, KpiKind::OnTimeRate]
    );
    assert_eq!(read.kpis[1].at_least, 95.0);
}

#[test]
fn every_value_that_does_not_parse_is_named_by_its_row_in_words() {
    let (repairs, cleaning) = (ServiceId::new(), ServiceId::new());
    let original = terms(repairs, cleaning);
    let mut pairs = posted(&DraftInput::prefilled("T", "W", &original, None));
    for (name, value) in &mut pairs {
        if *name == sla_name(repairs, Priority::Urgent, SlaField::Resolution) {
            *value = "soon".into();
        } else if name == "kpi.0.at_least" {
            *value = "lots".into();
        } else if name == "kpi.2.at_least" {
            *value = "90".into();
        }
    }
    let input = DraftInput::from_pairs(&pairs);
    let mut error: ApiError = input.terms().expect_err("refused").into();
    let names = HashMap::from([(repairs, "Reactive maintenance".to_owned())]);

    let marked = word_fields(&mut error, &input, &names);

    let fields: Vec<(&str, &str)> = error
        .errors
        .iter()
        .map(|f| (f.field.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            (
                "Reactive maintenance, urgent, resolution",
                "`soon` is not a duration: write hours, minutes and seconds such as 4h, 90m or 2h30m"
            ),
            ("CSAT per quarter, at least", "`lots` is not a number"),
            (
                "The KPI to add, what it measures",
                "choose what it measures"
            ),
        ]
    );
    assert_eq!(marked.len(), 3);
    assert!(marked[0].starts_with("sla."), "{marked:?}");
}

#[test]
fn the_proposed_terms_domain_errors_are_named_by_their_row() {
    let (repairs, cleaning) = (ServiceId::new(), ServiceId::new());
    let input = DraftInput::prefilled("T", "W", &terms(repairs, cleaning), None);
    let mut error = ApiError::from(ValidationErrors::from(FieldError::new(
        "changes.terms.kpis[0].at_least",
        "must be from 1 to 5",
    )));

    word_fields(&mut error, &input, &HashMap::new());

    assert_eq!(error.errors[0].field, "CSAT per quarter, at least");
}
