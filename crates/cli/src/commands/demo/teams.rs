//! The demo's teams: the Brightwell Helpdesk (Sam most of his hours, Maya
//! a fifth of hers, away two days next week) and Northwind's Operations
//! team, which takes Marketing's business plans (scenario 4 of DESIGN.md)
//! as its service's default team; the Harbour requests go to the Helpdesk.

use std::collections::HashMap;

use anyhow::Context;
use kept_domain::calendar::jiff::{self, ToSpan};
use kept_domain::{
    Actor, CalendarId, Limit, MemberPlace, NewAbsence, PartyId, PartyScope, Request,
    ServiceDetails, ServicePatch, UserId,
};
use kept_store::{CalendarQuery, ServiceQuery, Store};

/// A member of a demo team: (team key, email, calendar name, share).
const MEMBERS: &[(&str, &str, Option<&str>, u8)] = &[
    (
        "helpdesk",
        "sam.okafor@brightwell.example",
        Some("UK office hours"),
        80,
    ),
    (
        "helpdesk",
        "maya.patel@brightwell.example",
        Some("UK office hours"),
        20,
    ),
    (
        "ops-team",
        "omar.haddad@northwind.example",
        Some("Northwind working hours"),
        50,
    ),
];

/// The calendar named `name`.
async fn calendar_named(store: &dyn Store, name: &str) -> anyhow::Result<CalendarId> {
    let mut query = CalendarQuery::new(PartyScope::All);
    query.limit = Limit::MAX_PAGE;
    store
        .list_calendars(&query)
        .await?
        .items
        .into_iter()
        .find(|c| c.name.as_str() == name)
        .map(|c| c.id)
        .with_context(|| format!("no demo calendar named {name}"))
}

/// Seeds the teams' members, an absence, and the business plan's default
/// team; returns the teams by key.
pub async fn seed(
    store: &dyn Store,
    actor: &Actor,
    ids: &HashMap<&str, PartyId>,
    users: &HashMap<&'static str, UserId>,
) -> anyhow::Result<HashMap<&'static str, PartyId>> {
    let teams: HashMap<&'static str, PartyId> = ["helpdesk", "ops-team"]
        .into_iter()
        .map(|key| (key, ids[key]))
        .collect();
    for &(team, email, calendar, share) in MEMBERS {
        let calendar_id = match calendar {
            Some(name) => Some(calendar_named(store, name).await?),
            None => None,
        };
        let place = MemberPlace {
            calendar_id,
            share_percent: share,
        };
        store
            .set_team_member(actor, teams[team], users[email], place)
            .await
            .with_context(|| format!("adding {email} to a demo team"))?;
    }
    // Maya is away Thursday and Friday next week.
    let today = jiff::tz::Offset::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    let to_monday = 7 - i64::from(today.weekday().to_monday_zero_offset());
    let thursday = today.checked_add((to_monday + 3).days())?;
    store
        .add_absence(
            actor,
            NewAbsence {
                team_id: teams["helpdesk"],
                user_id: users["maya.patel@brightwell.example"],
                starts_on: thursday,
                ends_on: thursday.checked_add(1.days())?,
                reason: "Training course".into(),
            },
        )
        .await
        .context("recording the demo absence")?;
    let mut query = ServiceQuery::new(PartyScope::All);
    query.provider_id = Some(ids["operations"]);
    for service in store.list_services(&query).await?.items {
        let details = ServiceDetails {
            description: service.description,
            unit: service.unit,
            pack_size: service.pack_size,
            in_scope: service.in_scope,
            out_of_scope: service.out_of_scope,
            default_effort: service.default_effort,
            default_targets: service.default_targets,
            default_team_id: Some(teams["ops-team"]),
            ordering: service.ordering,
        };
        let patch = ServicePatch {
            name: None,
            details: Some(details),
        };
        store.update_service(actor, service.id, patch).await?;
    }
    Ok(teams)
}

/// Assigns the open requests of Brightwell's contracts to the Helpdesk,
/// the first of them to Sam.
pub async fn assign(
    app: &kept_app::Context,
    teams: &HashMap<&'static str, PartyId>,
    users: &HashMap<&'static str, UserId>,
    requests: &[Request],
) -> anyhow::Result<()> {
    let actor = Actor::system("kept demo");
    let helpdesk = teams["helpdesk"];
    let provider = app.store.lineage(helpdesk).await?;
    let sam = users["sam.okafor@brightwell.example"];
    let mut first = true;
    for request in requests {
        let current = app.store.request(request.id).await?;
        let contract = app.store.contract(current.contract_id).await?;
        if !current.status.is_open() || !provider.0.contains(&contract.provider_id) {
            continue;
        }
        let assignee = first.then_some(sam);
        first = false;
        app.store
            .assign_request(&actor, request.id, helpdesk, assignee)
            .await
            .with_context(|| format!("assigning request #{}", request.number))?;
    }
    Ok(())
}
