//! The demo's service chains: links between the parties of DESIGN.md's four
//! example chains, the providers' business calendars and their catalogs.

use std::collections::HashMap;

use anyhow::Context;
use kept_domain::calendar::{BusinessDuration, CalendarSpec, holidays_from_ics};
use kept_domain::order::{CheckSettings, Ordering};
use kept_domain::{
    Actor, NewCalendar, NewLink, NewService, PartyId, PartyName, ServiceDetails, Targets,
};
use kept_store::Store;

/// The supplier -> customer links of the four chains: (supplier, customer, what).
const LINKS: &[(&str, &str, &str)] = &[
    (
        "brightwell",
        "harbour",
        "facilities management for 12 stores",
    ),
    ("folio", "skillbridge", "course materials"),
    (
        "skillbridge",
        "rossi",
        "course bookings, materials and facilities",
    ),
    ("rossi", "participants", "Leadership Essentials course"),
    ("crateco", "cornercafe", "boxed goods, packs of 100"),
    ("operations", "marketing", "business plans and analysis"),
    ("operations", "larkfield", "forecasts and pricing analysis"),
];

/// The England and Wales bank holidays, as published (`.ics`), shared with
/// the calendar benchmarks.
const BANK_HOLIDAYS: &str = include_str!("../../../../../bench/data/england-and-wales.ics");

/// Business calendars: (owner, name, rules as TOML, with bank holidays).
const CALENDARS: &[(&str, &str, &str, bool)] = &[
    (
        "brightwell",
        "UK office hours",
        "zone = \"Europe/London\"\n[week]\nmon = [\"09:00-17:30\"]\ntue = [\"09:00-17:30\"]\nwed = [\"09:00-17:30\"]\nthu = [\"09:00-17:30\"]\nfri = [\"09:00-17:30\"]\n",
        true,
    ),
    (
        "crateco",
        "Warehouse shifts",
        "zone = \"Europe/London\"\n[week]\nmon = [\"06:00-14:00\", \"14:00-22:00\"]\ntue = [\"06:00-14:00\", \"14:00-22:00\"]\nwed = [\"06:00-14:00\", \"14:00-22:00\"]\nthu = [\"06:00-14:00\", \"14:00-22:00\"]\nfri = [\"06:00-14:00\", \"14:00-22:00\"]\nsat = [\"08:00-12:00\"]\n",
        true,
    ),
    (
        "northwind",
        "Northwind working hours",
        "zone = \"Europe/London\"\n[week]\nmon = [\"08:30-17:00\"]\ntue = [\"08:30-17:00\"]\nwed = [\"08:30-17:00\"]\nthu = [\"08:30-17:00\"]\nfri = [\"08:30-16:00\"]\n",
        true,
    ),
];

/// A catalog entry of the demo.
/// How Crate & Co's boxes are ordered: up to 5,000 boxes a line, whole
/// boxes only; a box of 100 is 4.2 litres and 1.1 kg, 100 to a pallet.
const BOXES: Ordering = Ordering {
    max_quantity: Some(5_000),
    whole_units: true,
    unit_volume_cm3: Some(4_200),
    unit_weight_g: Some(1_100),
    units_per_pallet: Some(100),
    check: CheckSettings {
        enabled: true,
        min_history: 3,
        ratio_percent: 300,
        spread_tenths: 30,
    },
};

struct DemoService {
    provider: &'static str,
    name: &'static str,
    description: &'static str,
    unit: Option<&'static str>,
    pack_size: Option<u32>,
    in_scope: &'static [&'static str],
    out_of_scope: &'static [&'static str],
    effort: Option<&'static str>,
    /// First response, resolution, delivery.
    targets: [Option<&'static str>; 3],
}

/// The services of the four chains.
const SERVICES: &[DemoService] = &[
    DemoService {
        provider: "brightwell",
        name: "Reactive maintenance",
        description: "Repairs to the building and its services when something breaks.",
        unit: Some("job"),
        pack_size: None,
        in_scope: &[
            "Plumbing, heating and electrical faults",
            "Doors, locks and shutters",
            "Lighting in sales areas and stock rooms",
        ],
        out_of_scope: &[
            "Refrigeration and freezer cabinets (manufacturer's contract)",
            "Shop-fitting and refits",
            "Damage caused by building work of others",
        ],
        effort: Some("2h"),
        targets: [Some("4h"), Some("25h30m"), None],
    },
    DemoService {
        provider: "brightwell",
        name: "Cleaning",
        description: "Daily cleaning of the store before opening.",
        unit: Some("visit"),
        pack_size: None,
        in_scope: &["Floors, entrances and customer toilets", "Staff areas"],
        out_of_scope: &[
            "Window cleaning above ground floor",
            "Deep cleaning after floods or fire",
        ],
        effort: Some("1h30m"),
        targets: [Some("4h"), Some("8h30m"), None],
    },
    DemoService {
        provider: "folio",
        name: "Course materials",
        description: "Printed and digital workbooks for licensed courses.",
        unit: Some("workbook"),
        pack_size: Some(10),
        in_scope: &[
            "Workbooks for Leadership Essentials",
            "Answers to questions about the material",
        ],
        out_of_scope: &["Changes to course content for one client"],
        effort: None,
        targets: [Some("8h"), Some("40h"), Some("40h")],
    },
    DemoService {
        provider: "skillbridge",
        name: "Leadership Essentials course",
        description: "A two-day course at the Skillbridge centre, with a trainer, materials and room.",
        unit: Some("participant"),
        pack_size: None,
        in_scope: &[
            "Trainer, room and refreshments",
            "Course materials for each participant",
        ],
        out_of_scope: &[
            "Travel and accommodation of participants",
            "One-to-one coaching after the course",
        ],
        effort: Some("16h"),
        targets: [Some("4h"), Some("16h"), None],
    },
    DemoService {
        provider: "crateco",
        name: "Boxed goods",
        description: "Catering consumables, delivered in boxes.",
        unit: Some("box"),
        pack_size: Some(100),
        in_scope: &[
            "Delivery to the door on weekdays",
            "Replacement of damaged boxes",
        ],
        out_of_scope: &["Unpacking and shelving", "Same-day delivery"],
        effort: Some("15m"),
        targets: [Some("2h"), None, Some("24h")],
    },
    DemoService {
        provider: "operations",
        name: "Business plan",
        description: "A business plan or financial analysis for an internal team.",
        unit: Some("deliverable"),
        pack_size: None,
        in_scope: &["Market sizing, forecasts and a written plan"],
        out_of_scope: &["Legal review", "Board presentation design"],
        effort: Some("24h"),
        targets: [Some("8h"), Some("80h"), None],
    },
    DemoService {
        provider: "operations",
        name: "Financial analysis",
        description: "Forecasts and pricing analysis for a paying client.",
        unit: Some("analysis"),
        pack_size: None,
        in_scope: &["Cash-flow forecasts", "Pricing and occupancy analysis"],
        out_of_scope: &["Audited accounts", "Tax advice"],
        effort: Some("8h"),
        targets: [Some("4h"), Some("40h"), None],
    },
];

/// Links the parties (keys of `ids`), stores the calendars and the catalog.
pub async fn seed(
    store: &dyn Store,
    actor: &Actor,
    ids: &HashMap<&str, PartyId>,
) -> anyhow::Result<()> {
    for &(supplier, customer, what) in LINKS {
        store
            .create_link(
                actor,
                NewLink::new(ids[supplier], ids[customer], Some(what))?,
            )
            .await
            .with_context(|| format!("linking {supplier} to {customer}"))?;
    }
    let holidays = holidays_from_ics(BANK_HOLIDAYS)?;
    for &(owner, name, toml, bank_holidays) in CALENDARS {
        let mut spec = CalendarSpec::from_toml(toml)?;
        if bank_holidays {
            spec.holidays = holidays.clone();
        }
        store
            .create_calendar(
                actor,
                NewCalendar {
                    name: PartyName::parse("name", name)?,
                    owner_id: ids[owner],
                    spec,
                },
            )
            .await
            .with_context(|| format!("creating the calendar {name}"))?;
    }
    for service in SERVICES {
        let duration = |d: Option<&str>| d.map(str::parse::<BusinessDuration>).transpose();
        let [first_response, resolution, delivery] = service.targets;
        let details = ServiceDetails {
            description: service.description.to_owned(),
            unit: service.unit.map(str::to_owned),
            pack_size: service.pack_size,
            in_scope: service.in_scope.iter().map(|s| (*s).to_owned()).collect(),
            out_of_scope: service
                .out_of_scope
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            default_effort: duration(service.effort)?,
            default_targets: Targets {
                first_response: duration(first_response)?,
                resolution: duration(resolution)?,
                delivery: duration(delivery)?,
            },
            default_team_id: None,
            ordering: if service.provider == "crateco" {
                BOXES
            } else {
                Ordering::default()
            },
        };
        store
            .create_service(
                actor,
                NewService {
                    provider_id: ids[service.provider],
                    name: PartyName::parse("name", service.name)?,
                    details,
                },
            )
            .await
            .with_context(|| format!("creating the service {}", service.name))?;
    }
    Ok(())
}
