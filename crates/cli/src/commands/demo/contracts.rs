//! The demo's contracts: the four example chains of DESIGN.md.

use std::collections::HashMap;

use anyhow::Context;
use kept_domain::{Actor, Contract, Email, NewContract, PartyId, PartyName, Quorum, UserId};
use kept_store::{CalendarQuery, ServiceQuery, Store};

/// A contract of the demo, by the keys of its parties, services (by name),
/// calendar (by name) and approvers (by email).
struct DemoContract {
    name: &'static str,
    provider: &'static str,
    client: &'static str,
    customers: &'static [&'static str],
    services: &'static [&'static str],
    calendar: Option<&'static str>,
    probation_ends_on: Option<&'static str>,
    approvers: &'static [&'static str],
    quorum: Quorum,
    /// The address it takes new requests at by email.
    intake: Option<&'static str>,
}

const STORES: &[&str] = &[
    "leeds",
    "bristol",
    "manchester",
    "glasgow",
    "cardiff",
    "norwich",
    "york",
    "brighton",
    "exeter",
    "leicester",
    "newcastle",
    "oxford",
];

const CONTRACTS: &[DemoContract] = &[
    DemoContract {
        name: "Harbour Retail facilities management",
        provider: "brightwell",
        client: "harbour",
        customers: STORES,
        services: &["Reactive maintenance", "Cleaning"],
        calendar: Some("UK office hours"),
        probation_ends_on: Some("2026-03-31"),
        approvers: &[
            "maya.patel@brightwell.example",
            "claire.dubois@harbour-retail.example",
        ],
        quorum: Quorum::All,
        intake: Some("facilities@harbour.kept.demo"),
    },
    DemoContract {
        name: "Leadership Essentials, November 2026",
        provider: "skillbridge",
        client: "participants",
        customers: &["cohort"],
        services: &["Leadership Essentials course"],
        calendar: None,
        probation_ends_on: None,
        approvers: &["jonas.berg@skillbridge.example"],
        quorum: Quorum::All,
        intake: None,
    },
    DemoContract {
        name: "Trainer engagement: Elena Rossi",
        provider: "skillbridge",
        client: "rossi",
        customers: &["rossi"],
        services: &["Leadership Essentials course"],
        calendar: None,
        probation_ends_on: None,
        approvers: &[
            "jonas.berg@skillbridge.example",
            "elena.rossi@trainer.example",
        ],
        quorum: Quorum::All,
        intake: None,
    },
    DemoContract {
        name: "Folio course materials supply",
        provider: "folio",
        client: "skillbridge",
        customers: &["skillbridge"],
        services: &["Course materials"],
        calendar: None,
        probation_ends_on: None,
        approvers: &[
            "priya.nair@foliopress.example",
            "jonas.berg@skillbridge.example",
        ],
        quorum: Quorum::Majority,
        intake: None,
    },
    DemoContract {
        name: "Corner Café direct orders",
        provider: "crateco",
        client: "cornercafe",
        customers: &["riverside", "market"],
        services: &["Boxed goods"],
        calendar: Some("Warehouse shifts"),
        probation_ends_on: None,
        approvers: &["dan.wu@cornercafe.example"],
        quorum: Quorum::All,
        intake: None,
    },
    DemoContract {
        name: "Northwind business planning (internal)",
        provider: "operations",
        client: "marketing",
        customers: &["marketing"],
        services: &["Business plan"],
        calendar: Some("Northwind working hours"),
        probation_ends_on: None,
        approvers: &[
            "omar.haddad@northwind.example",
            "hannah.lee@northwind.example",
        ],
        quorum: Quorum::AtLeast(1),
        intake: None,
    },
    DemoContract {
        name: "Larkfield Hotels financial analysis",
        provider: "operations",
        client: "larkfield",
        customers: &["larkfield"],
        services: &["Financial analysis"],
        calendar: Some("Northwind working hours"),
        probation_ends_on: None,
        approvers: &["omar.haddad@northwind.example"],
        quorum: Quorum::All,
        intake: None,
    },
];

/// Records the demo's contracts; returns them by name.
pub async fn seed(
    store: &dyn Store,
    actor: &Actor,
    ids: &HashMap<&str, PartyId>,
    users: &HashMap<&str, UserId>,
) -> anyhow::Result<HashMap<&'static str, Contract>> {
    let mut made = HashMap::new();
    let services = store
        .list_services(&ServiceQuery {
            limit: kept_domain::Limit::MAX_PAGE,
            ..ServiceQuery::new(kept_domain::PartyScope::All)
        })
        .await?
        .items;
    let calendars = store
        .list_calendars(&CalendarQuery::new(kept_domain::PartyScope::All))
        .await?
        .items;
    for c in CONTRACTS {
        let service_ids = c
            .services
            .iter()
            .map(|name| {
                services
                    .iter()
                    .find(|s| s.name.as_str() == *name)
                    .map(|s| s.id)
                    .with_context(|| format!("no demo service {name}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let calendar_id = c
            .calendar
            .map(|name| {
                calendars
                    .iter()
                    .find(|k| k.name.as_str() == name)
                    .map(|k| k.id)
                    .with_context(|| format!("no demo calendar {name}"))
            })
            .transpose()?;
        let new = NewContract {
            name: PartyName::parse("name", c.name)?,
            provider_id: ids[c.provider],
            client_id: ids[c.client],
            customer_ids: c.customers.iter().map(|k| ids[k]).collect(),
            service_ids,
            calendar_id,
            probation_ends_on: c.probation_ends_on.map(str::parse).transpose()?,
            steering_group: c.approvers.iter().map(|e| users[e]).collect(),
            quorum: c.quorum,
        };
        let mut contract = store
            .create_contract(actor, new)
            .await
            .with_context(|| format!("recording the contract {}", c.name))?;
        if let Some(address) = c.intake {
            contract = store
                .set_intake_address(actor, contract.id, Some(Email::parse("intake", address)?))
                .await
                .with_context(|| format!("giving {} its intake address", c.name))?;
        }
        made.insert(c.name, contract);
    }
    Ok(made)
}
