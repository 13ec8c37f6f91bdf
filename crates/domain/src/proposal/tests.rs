use std::collections::BTreeSet;
use std::sync::LazyLock;

use proptest::prelude::*;

use super::*;
use crate::calendar::BusinessDuration;
use crate::terms::{KpiPeriod, SlaField};
use crate::{CalendarId, PartyId};

fn h(n: u64) -> Option<BusinessDuration> {
    Some(BusinessDuration::from_hours(n))
}

/// A small world: three services, four customers, two calendars.
struct World {
    services: [ServiceId; 3],
    customers: [PartyId; 4],
    calendars: [CalendarId; 2],
}

static WORLD: LazyLock<World> = LazyLock::new(|| World {
    services: [ServiceId::new(), ServiceId::new(), ServiceId::new()],
    customers: [
        PartyId::new(),
        PartyId::new(),
        PartyId::new(),
        PartyId::new(),
    ],
    calendars: [CalendarId::new(), CalendarId::new()],
});

fn target(
    service: ServiceId,
    priority: Priority,
    resolution: Option<BusinessDuration>,
) -> SlaTarget {
    SlaTarget {
        service_id: service,
        priority,
        first_response: h(4),
        resolution,
        delivery: None,
    }
}

fn fm() -> Coverage {
    let w = &*WORLD;
    Coverage {
        terms: Terms {
            sla: vec![
                target(w.services[0], Priority::Urgent, h(8)),
                target(w.services[0], Priority::Normal, h(24)),
            ],
            kpis: vec![KpiTarget {
                kpi: KpiKind::OnTimeRate,
                at_least: 95.0,
                within: None,
                period: KpiPeriod::Quarter,
            }],
            in_scope: vec![],
            out_of_scope: vec!["Roof repairs".into()],
        },
        customer_ids: vec![w.customers[0], w.customers[1]],
        service_ids: vec![w.services[0], w.services[1]],
        calendar_id: Some(w.calendars[0]),
    }
}

fn with_terms(base: &Coverage, edit: impl FnOnce(&mut Terms)) -> ContractChanges {
    let mut terms = base.terms.clone();
    edit(&mut terms);
    ContractChanges {
        terms: Some(terms),
        ..ContractChanges::default()
    }
}

fn urgent_resolution(c: &Coverage) -> Option<BusinessDuration> {
    c.terms
        .sla_for(WORLD.services[0], Priority::Urgent)
        .and_then(|t| t.resolution)
}

#[test]
fn a_change_drafted_on_an_older_version_keeps_what_was_approved_since() {
    // Version 2; change A (urgent resolution 8h → 4h) is applied as version 3.
    let v2 = fm();
    let a = propose(&v2, &with_terms(&v2, |t| t.sla[0].resolution = h(4))).expect("fits");
    let v3 = apply_proposal(&v2, &a).expect("applies");
    // Change B, drafted on version 2 with whole terms, only adds a scope item.
    let b = propose(
        &v2,
        &with_terms(&v2, |t| t.out_of_scope.push("Window cleaning".into())),
    )
    .expect("fits");

    let v4 = apply_proposal(&v3, &b).expect("applies");

    assert_eq!(urgent_resolution(&v4), h(4), "B must not undo A");
    assert_eq!(v4.terms.out_of_scope, ["Roof repairs", "Window cleaning"]);
}

#[test]
fn a_change_that_touches_a_field_changed_since_is_refused_naming_it() {
    let v2 = fm();
    let a = propose(&v2, &with_terms(&v2, |t| t.sla[0].resolution = h(4))).expect("fits");
    let v3 = apply_proposal(&v2, &a).expect("applies");
    let b = propose(
        &v2,
        &ContractChanges {
            calendar_id: Some(WORLD.calendars[1]),
            ..with_terms(&v2, |t| t.sla[0].resolution = h(12))
        },
    )
    .expect("fits");

    let Err(ApplyRefusal::Conflicts(conflicts)) = apply_proposal(&v3, &b) else {
        panic!("expected a conflict");
    };

    let fields: Vec<&str> = conflicts.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        fields,
        [format!("terms.sla.{}.urgent.resolution", WORLD.services[0])]
    );
    assert_eq!(
        conflicts[0].since,
        Difference::Sla {
            service_id: WORLD.services[0],
            priority: Priority::Urgent,
            target: SlaField::Resolution,
            from: h(8),
            to: h(4),
        }
    );
    // Rebasing keeps the newer value where they conflict and applies the rest.
    let rebased = rebase(&v3, &b);
    assert_eq!(urgent_resolution(&rebased.coverage), h(4));
    assert_eq!(rebased.coverage.calendar_id, Some(WORLD.calendars[1]));
}

#[test]
fn the_same_change_made_twice_is_not_a_conflict() {
    let v2 = fm();
    let a = propose(&v2, &with_terms(&v2, |t| t.sla[0].resolution = h(4))).expect("fits");
    let v3 = apply_proposal(&v2, &a).expect("applies");
    assert_eq!(apply_proposal(&v3, &a).expect("applies"), v3);
}

#[test]
fn removing_a_service_takes_its_targets_even_if_they_changed_since() {
    let w = &*WORLD;
    let v2 = fm();
    let a = propose(&v2, &with_terms(&v2, |t| t.sla[1].resolution = h(16))).expect("fits");
    let v3 = apply_proposal(&v2, &a).expect("applies");
    let drop = propose(
        &v2,
        &ContractChanges {
            remove_services: vec![w.services[0]],
            ..ContractChanges::default()
        },
    )
    .expect("fits");

    let v4 = apply_proposal(&v3, &drop).expect("applies");

    assert_eq!(v4.service_ids, [w.services[1]]);
    assert!(v4.terms.sla.is_empty());
}

#[test]
fn a_result_that_is_no_longer_valid_is_refused_with_its_fields() {
    let w = &*WORLD;
    let v2 = fm();
    // Drafted on v2: give the second service a target.
    let b = propose(
        &v2,
        &with_terms(&v2, |t| {
            t.sla.push(target(w.services[1], Priority::Low, h(40)))
        }),
    )
    .expect("fits");
    // Since then the second service left the contract.
    let mut v3 = v2.clone();
    v3.service_ids.retain(|s| *s != w.services[1]);

    let refusal = apply_proposal(&v3, &b).expect_err("refused");

    let ApplyRefusal::Invalid(errors) = refusal else {
        panic!("expected invalid terms, got {refusal:?}");
    };
    assert_eq!(errors.0[0].field, "changes.terms.sla[2].service_id");
}

// Property tests over a small world.

fn duration() -> impl Strategy<Value = Option<BusinessDuration>> {
    prop::sample::select(vec![None, h(1), h(4), h(8), h(24)])
}

fn sla_entries() -> impl Strategy<Value = Vec<SlaTarget>> {
    let keys: Vec<(usize, Priority)> = (0..3)
        .flat_map(|s| Priority::ALL.into_iter().map(move |p| (s, p)))
        .collect();
    prop::collection::vec((duration(), duration(), duration()), keys.len()).prop_map(move |ds| {
        keys.iter()
            .zip(ds)
            .filter(|(_, (a, b, c))| a.is_some() || b.is_some() || c.is_some())
            .map(|((s, p), (a, b, c))| SlaTarget {
                service_id: WORLD.services[*s],
                priority: *p,
                first_response: a,
                resolution: b,
                delivery: c,
            })
            .collect()
    })
}

fn kpis() -> impl Strategy<Value = Vec<KpiTarget>> {
    (
        prop::option::of(prop::sample::select(vec![90.0, 95.0, 97.5])),
        prop::option::of(prop::sample::select(vec![3.5, 4.0, 4.5])),
    )
        .prop_map(|(on_time, csat)| {
            let mut out = Vec::new();
            if let Some(at_least) = on_time {
                out.push(KpiTarget {
                    kpi: KpiKind::OnTimeRate,
                    at_least,
                    within: None,
                    period: KpiPeriod::Quarter,
                });
            }
            if let Some(at_least) = csat {
                out.push(KpiTarget {
                    kpi: KpiKind::Csat,
                    at_least,
                    within: None,
                    period: KpiPeriod::Month,
                });
            }
            out
        })
}

fn scope_items() -> impl Strategy<Value = Vec<String>> {
    prop::sample::subsequence(vec!["Roofs", "Lifts", "Windows"], 0..=3)
        .prop_map(|v| v.into_iter().map(str::to_owned).collect())
}

fn terms() -> impl Strategy<Value = Terms> {
    (sla_entries(), kpis(), scope_items(), scope_items()).prop_map(
        |(sla, kpis, in_scope, out_of_scope)| Terms {
            sla,
            kpis,
            in_scope,
            out_of_scope,
        },
    )
}

/// A base that covers every service (so any terms fit) and some customers.
fn base() -> impl Strategy<Value = Coverage> {
    (terms(), 1usize..=4, prop::option::of(0usize..2)).prop_map(|(terms, n, cal)| Coverage {
        terms,
        customer_ids: WORLD.customers[..n].to_vec(),
        service_ids: WORLD.services.to_vec(),
        calendar_id: cal.map(|c| WORLD.calendars[c]),
    })
}

fn changes() -> impl Strategy<Value = ContractChanges> {
    (
        prop::option::of(terms()),
        prop::sample::subsequence(WORLD.customers.to_vec(), 0..=2),
        prop::option::of(0usize..2),
    )
        .prop_map(|(terms, customers, cal)| {
            // Customers at even positions are added, odd ones removed.
            let (add, remove): (Vec<_>, Vec<_>) = customers
                .into_iter()
                .partition(|c| WORLD.customers.iter().position(|x| x == c).unwrap_or(0) % 2 == 0);
            ContractChanges {
                terms,
                add_customers: add,
                remove_customers: remove,
                calendar_id: cal.map(|c| WORLD.calendars[c]),
                ..ContractChanges::default()
            }
        })
}

/// A coverage with its lists in a canonical order, for comparing.
fn canonical(c: &Coverage) -> Coverage {
    let mut c = c.clone();
    c.terms.sla.sort_by_key(|t| (t.service_id, t.priority));
    c.terms.kpis.sort_by_key(|k| (k.kpi, k.period));
    c.terms.in_scope.sort();
    c.terms.out_of_scope.sort();
    c.customer_ids.sort();
    c.service_ids.sort();
    c
}

fn changed_fields(p: &[Difference]) -> BTreeSet<String> {
    p.iter()
        .filter_map(|d| match d {
            Difference::Sla {
                service_id,
                priority,
                target,
                ..
            } => Some(format!("{service_id}{priority}{target}")),
            Difference::Kpi { from, to } => {
                kpi_key(from.as_ref(), to.as_ref()).map(|k| format!("{k:?}"))
            }
            Difference::Calendar { .. } => Some("calendar".to_owned()),
            _ => None,
        })
        .collect()
}

proptest! {
    /// On its own base, a proposal gives exactly what the whole changes give.
    #[test]
    fn a_proposal_applied_to_its_own_base_gives_what_the_changes_give(
        base in base(), changes in changes()
    ) {
        let Ok(expected) = changes.apply_to(&base) else { return Ok(()); };
        let proposal = propose(&base, &changes).expect("fits its base");
        let got = apply_proposal(&base, &proposal).expect("applies to its base");
        prop_assert_eq!(canonical(&got), canonical(&expected));
    }

    /// Two proposals from one base that change different fields both land,
    /// whichever is applied first.
    #[test]
    fn proposals_on_different_fields_both_land_in_either_order(
        base in base(), a in changes(), b in changes()
    ) {
        let (Ok(pa), Ok(pb)) = (propose(&base, &a), propose(&base, &b)) else { return Ok(()); };
        let fa = changed_fields(&pa);
        if !fa.is_disjoint(&changed_fields(&pb)) { return Ok(()); }
        let ab = apply_proposal(&base, &pa).and_then(|v| apply_proposal(&v, &pb));
        let ba = apply_proposal(&base, &pb).and_then(|v| apply_proposal(&v, &pa));
        match (ab, ba) {
            (Ok(ab), Ok(ba)) => {
                prop_assert_eq!(canonical(&ab), canonical(&ba));
                // Nothing either proposed is undone by the other.
                let after_a = apply_proposal(&base, &pa).expect("applied above");
                let a_again = diff_versions((&after_a).into(), (&ab).into());
                prop_assert!(changed_fields(&a_again).is_disjoint(&fa));
            }
            // Both orders may fail validation (customers all removed); a
            // conflict on disjoint fields never happens.
            (Err(ApplyRefusal::Conflicts(c)), _) | (_, Err(ApplyRefusal::Conflicts(c))) => {
                prop_assert!(false, "conflict on disjoint fields: {:?}", c);
            }
            _ => {}
        }
    }

    /// A field both proposals set, to different values, stops the second.
    #[test]
    fn a_field_set_differently_since_is_always_a_conflict(
        base in base(), a in changes(), b in changes()
    ) {
        let (Ok(pa), Ok(pb)) = (propose(&base, &a), propose(&base, &b)) else { return Ok(()); };
        let Ok(after_a) = apply_proposal(&base, &pa) else { return Ok(()); };
        let clash = pb.iter().any(|d| match d {
            Difference::Sla { service_id, priority, target, to, .. } => {
                let now = after_a.terms.sla_for(*service_id, *priority).and_then(|t| target.of(t));
                let was = base.terms.sla_for(*service_id, *priority).and_then(|t| target.of(t));
                now != was && now != *to
            }
            Difference::Calendar { from, to } => {
                after_a.calendar_id != *from && after_a.calendar_id != *to
            }
            _ => false,
        });
        if clash {
            let refused = matches!(apply_proposal(&after_a, &pb), Err(ApplyRefusal::Conflicts(_)));
            prop_assert!(refused);
        }
    }
}
