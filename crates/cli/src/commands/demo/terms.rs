//! The demo's terms and change control: a first terms version on every
//! contract, and on the central FM contract one change request already
//! applied and one waiting for the provider's approver.

use std::collections::HashMap;

use anyhow::Context;
use kept_app::changes;
use kept_domain::Timestamp;
use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    Actor, ChangeDraft, Contract, ContractChanges, KpiKind, KpiPeriod, KpiTarget, Principal,
    Priority, ServiceId, SlaTarget, Terms, UserId, Verdict,
};

/// The FM contract's name, as in `contracts.rs`.
pub const FM: &str = "Harbour Retail facilities management";

fn hours(h: u64) -> Option<BusinessDuration> {
    Some(BusinessDuration::from_hours(h))
}

fn minutes(m: u64) -> Option<BusinessDuration> {
    Some(BusinessDuration::from_minutes(m))
}

/// Targets for one service: (priority, first response, resolution, delivery).
type Levels = [(
    Priority,
    Option<BusinessDuration>,
    Option<BusinessDuration>,
    Option<BusinessDuration>,
)];

fn sla(service: ServiceId, levels: &Levels) -> Vec<SlaTarget> {
    levels
        .iter()
        .map(
            |&(priority, first_response, resolution, delivery)| SlaTarget {
                service_id: service,
                priority,
                first_response,
                resolution,
                delivery,
            },
        )
        .collect()
}

fn kpi(kpi: KpiKind, at_least: f64, within: Option<BusinessDuration>) -> KpiTarget {
    KpiTarget {
        kpi,
        at_least,
        within,
        period: KpiPeriod::Quarter,
    }
}

/// The usual KPIs of DESIGN.md's central FM contract.
fn fm_kpis() -> Vec<KpiTarget> {
    vec![
        kpi(KpiKind::OnTimeRate, 95.0, None),
        kpi(KpiKind::Csat, 4.2, None),
        kpi(KpiKind::Nps, 30.0, None),
        kpi(KpiKind::ComplaintAcknowledgement, 100.0, hours(1)),
    ]
}

/// The FM contract's first terms: first response 4 business hours and
/// resolution 3 business days (24 h of an 8-hour day) at normal priority.
fn fm_terms(maintenance: ServiceId, cleaning: ServiceId) -> Terms {
    use Priority::*;
    let mut targets = sla(
        maintenance,
        &[
            (Urgent, hours(1), hours(8), None),
            (High, hours(2), hours(16), None),
            (Normal, hours(4), hours(24), None),
            (Low, hours(8), hours(40), None),
        ],
    );
    targets.extend(sla(cleaning, &[(Normal, hours(4), hours(24), None)]));
    Terms {
        sla: targets,
        kpis: fm_kpis(),
        in_scope: vec![],
        out_of_scope: vec!["Works needing landlord consent".into()],
    }
}

fn service_of(
    contract: &Contract,
    names: &HashMap<ServiceId, String>,
    name: &str,
) -> anyhow::Result<ServiceId> {
    contract
        .service_ids
        .iter()
        .copied()
        .find(|id| names.get(id).is_some_and(|n| n == name))
        .with_context(|| format!("no service {name} on {}", contract.name))
}

/// Sets the first terms of every contract and tells the FM contract's
/// change-control story.
pub async fn seed(
    app: &kept_app::Context,
    actor: &Actor,
    contracts: &HashMap<&'static str, Contract>,
    users: &HashMap<&str, UserId>,
) -> anyhow::Result<()> {
    let store = app.store.as_ref();
    let mut names = HashMap::new();
    for c in contracts.values() {
        for id in &c.service_ids {
            names.insert(*id, store.service(*id).await?.name.as_str().to_owned());
        }
    }
    let start: Timestamp = "2026-01-01T00:00:00Z".parse()?;
    for (name, c) in contracts {
        let terms = match *name {
            FM => fm_terms(
                service_of(c, &names, "Reactive maintenance")?,
                service_of(c, &names, "Cleaning")?,
            ),
            _ => Terms {
                sla: c
                    .service_ids
                    .iter()
                    .flat_map(|s| {
                        sla(
                            *s,
                            &[
                                (Priority::High, hours(2), hours(16), hours(16)),
                                (Priority::Normal, hours(4), hours(40), hours(24)),
                            ],
                        )
                    })
                    .collect(),
                kpis: vec![
                    kpi(KpiKind::OnTimeRate, 90.0, None),
                    kpi(KpiKind::Csat, 4.0, None),
                ],
                ..Terms::default()
            },
        };
        store
            .create_terms_version(actor, c.id, start, terms)
            .await
            .with_context(|| format!("setting the terms of {name}"))?;
    }
    let fm = contracts.get(FM).context("the FM contract")?;
    change_story(app, fm, &names, users).await
}

/// One change applied (out-of-hours call-outs for urgent leaks, raised by
/// the provider) and one waiting for the provider's approver (faster
/// resolution of urgent requests, raised by the client), each step taken
/// through the change-request use cases as the people named.
async fn change_story(
    app: &kept_app::Context,
    fm: &Contract,
    names: &HashMap<ServiceId, String>,
    users: &HashMap<&str, UserId>,
) -> anyhow::Result<()> {
    let maya = person(app, users, "maya.patel@brightwell.example").await?;
    let claire = person(app, users, "claire.dubois@harbour-retail.example").await?;
    let maintenance = service_of(fm, names, "Reactive maintenance")?;
    let cleaning = service_of(fm, names, "Cleaning")?;

    let mut v2 = fm_terms(maintenance, cleaning);
    for t in &mut v2.sla {
        if t.service_id == maintenance && t.priority == Priority::Urgent {
            t.first_response = minutes(30);
        }
    }
    v2.in_scope
        .push("Out-of-hours call-outs for urgent leaks".into());
    let applied = changes::raise_change(
        app,
        &maya,
        fm.id,
        draft(
            "Out-of-hours call-outs for urgent leaks",
            "Three stores flooded overnight in the spring; we propose covering urgent leaks out of hours with a 30-minute first response.",
            v2.clone(),
        ),
    )
    .await
    .map_err(failed)?;
    changes::submit_change(app, &maya, applied.id)
        .await
        .map_err(failed)?;
    for who in [&maya, &claire] {
        changes::decide(
            app,
            who,
            applied.id,
            Verdict::Approve,
            "Agreed at the steering group.",
        )
        .await
        .map_err(failed)?;
    }
    changes::apply_change(app, &maya, applied.id, None)
        .await
        .map_err(failed)?;

    let mut v3 = v2;
    for t in &mut v3.sla {
        if t.service_id == maintenance && t.priority == Priority::Urgent {
            t.resolution = hours(4);
        }
    }
    let pending = changes::raise_change(
        app,
        &claire,
        fm.id,
        draft(
            "Resolve urgent requests within 4 business hours",
            "Store managers report urgent faults open for a full day; trading suffers. We ask for urgent resolution in 4 business hours instead of 8.",
            v3,
        ),
    )
    .await
    .map_err(failed)?;
    changes::submit_change(app, &claire, pending.id)
        .await
        .map_err(failed)?;
    changes::decide(
        app,
        &claire,
        pending.id,
        Verdict::Approve,
        "Raised on behalf of the store managers.",
    )
    .await
    .map_err(failed)?;
    Ok(())
}

/// A change request's draft that proposes `terms`.
fn draft(title: &str, rationale: &str, terms: Terms) -> ChangeDraft {
    ChangeDraft {
        title: title.into(),
        rationale: rationale.into(),
        changes: ContractChanges {
            terms: Some(terms),
            ..ContractChanges::default()
        },
        effective_from: None,
        base_version: None,
    }
}

/// The demo user `email`, as the policy sees them.
async fn person(
    app: &kept_app::Context,
    users: &HashMap<&str, UserId>,
    email: &str,
) -> anyhow::Result<Principal> {
    let id = users
        .get(email)
        .with_context(|| format!("no demo user {email}"))?;
    Ok(app.store.principal(*id).await?)
}

/// A refused step of the demo's story, as an error.
fn failed(e: kept_app::Error) -> anyhow::Error {
    anyhow::anyhow!("seeding the change requests: {e}")
}
