//! Scenario 4 of DESIGN.md, at the point where it needs acting on: paying
//! work crowds out the internal client's promise. Marketing's business plan
//! was promised as it was accepted, by the date Operations' plan finished
//! it (see `requests.rs`); then Larkfield Hotels, a paying client, asks
//! Operations for two analyses and Omar promises them their SLA dates,
//! which are earlier. Operations' plan now works them first and finishes
//! the business plan after its promised date: once the promise watch has
//! run, it is at risk, with "renegotiate now" as the suggested action
//! (Omar is the team's only member, so nobody else can take it over).

use std::collections::HashMap;

use anyhow::Context;
use kept_app::promises;
use kept_app::requests::intake::{Intake, raise};
use kept_domain::calendar::BusinessDuration;
use kept_domain::promise::Choice;
use kept_domain::{Contract, Priority, RequestKind, UserId};

/// The paying client's contract, as in `contracts.rs`.
pub const PAYING: &str = "Larkfield Hotels financial analysis";

const OMAR: &str = "omar.haddad@northwind.example";

/// The paying client's requests: (subject, description, priority, effort
/// in hours). Together they take more of Omar's half-time than the
/// business plan's date leaves to spare.
const PAYING_WORK: &[(&str, &str, Priority, u64)] = &[
    (
        "Cash-flow forecast for the lenders",
        "The bank wants a 13-week cash-flow forecast for the four hotels before it renews the overdraft.",
        Priority::High,
        6,
    ),
    (
        "Room-rate analysis for the spring season",
        "Occupancy and competitors' rates for each hotel, with the rates we should charge from March.",
        Priority::Normal,
        8,
    ),
];

/// Raises the paying client's requests as Omar (taken on the phone) and
/// promises each by its SLA date.
pub async fn seed(
    app: &kept_app::Context,
    contracts: &HashMap<&'static str, Contract>,
    users: &HashMap<&str, UserId>,
) -> anyhow::Result<()> {
    let contract = contracts
        .get(PAYING)
        .context("the paying client's contract")?;
    let omar = app.store.principal(users[OMAR]).await?;
    let service_id = *contract
        .service_ids
        .first()
        .context("the paying client's service")?;
    for &(subject, description, priority, hours) in PAYING_WORK {
        let request = raise(
            app,
            &omar,
            Intake {
                lines: Vec::new(),
                confirm_quantity: false,
                contract_id: contract.id,
                customer_id: Some(contract.client_id),
                service_id,
                kind: RequestKind::ServiceRequest,
                priority: Some(priority),
                quantity: Some(1),
                effort: Some(BusinessDuration::from_hours(hours)),
                subject: subject.to_owned(),
                description: description.to_owned(),
                requester_id: None,
                override_reason: None,
            },
        )
        .await
        .map_err(failed)
        .with_context(|| format!("raising “{subject}”"))?;
        // The plan would put it after the business plan; the paying
        // client gets its SLA date instead.
        promises::make(app, &omar, request.id, Some(Choice::Sla))
            .await
            .map_err(failed)
            .with_context(|| format!("promising “{subject}” by its SLA date"))?;
    }
    Ok(())
}

fn failed(e: kept_app::Error) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}
