//! Reading each kind of row into what the store records, resolving
//! references, names and emails, and noting every problem with its line.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use kept_domain::{
    CalendarId, ChainGraph, Limit, Link, LinkId, NewContract, NewLink, NewParty, Party, PartyId,
    PartyKind, PartyName, PartyReference, PartyScope, Quorum, ServiceId, Timestamp, UserId,
};
use kept_store::{CalendarQuery, ImportParty, ServiceQuery, Store, StoreError};

use super::{Problems, Row};
use crate::Context;
use crate::error::Result;

/// Columns of a parties file.
pub const PARTY_COLUMNS: &[&str] = &["kind", "name", "parent", "internal", "reference"];
/// Columns a parties file must have.
pub const PARTY_REQUIRED: &[&str] = &["kind", "name"];
/// Columns of a links file.
pub const LINK_COLUMNS: &[&str] = &["supplier", "customer", "label"];
/// Columns a links file must have.
pub const LINK_REQUIRED: &[&str] = &["supplier", "customer"];
/// Columns of a contracts file.
pub const CONTRACT_COLUMNS: &[&str] = &[
    "name",
    "provider",
    "client",
    "customers",
    "services",
    "calendar",
    "probation_ends_on",
    "steering_group",
    "quorum",
];
/// Columns a contracts file must have.
pub const CONTRACT_REQUIRED: &[&str] = &[
    "name",
    "provider",
    "client",
    "customers",
    "steering_group",
    "quorum",
];

/// A party named by id or by reference, if it is recorded.
pub(super) async fn find_party(store: &dyn Store, raw: &str) -> Result<Option<Party>> {
    let id = match raw.parse::<PartyId>() {
        Ok(id) => id,
        Err(_) => match store.party_by_reference(raw).await? {
            Some(id) => id,
            None => return Ok(None),
        },
    };
    match store.party(id).await {
        Ok(p) => Ok(Some(p)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Resolves a party cell, noting a problem when it names nothing usable.
pub(super) async fn party_cell(
    store: &dyn Store,
    problems: &mut Problems,
    row: &Row,
    column: &str,
    raw: &str,
) -> Result<Option<PartyId>> {
    if raw.is_empty() {
        problems.add(row.line, column, "is required");
        return Ok(None);
    }
    match find_party(store, raw).await? {
        None => {
            problems.add(
                row.line,
                column,
                format!("no party has the reference or id `{raw}`"),
            );
            Ok(None)
        }
        Some(p) if p.is_archived() => {
            problems.add(row.line, column, format!("the party `{raw}` is archived"));
            Ok(None)
        }
        Some(p) => Ok(Some(p.id)),
    }
}

fn list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty())
}

fn flag(raw: &str) -> Result<Option<bool>, String> {
    match raw.to_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "1" => Ok(Some(true)),
        "false" | "no" | "0" => Ok(Some(false)),
        other => Err(format!("`{other}` is not true or false")),
    }
}

/// Reads a parties file. A parent may be a recorded party or an earlier
/// row; either way the row's kind must be allowed to sit under it.
pub async fn parties(
    ctx: &Context,
    rows: &[Row],
    problems: &mut Problems,
) -> Result<Vec<ImportParty>> {
    let store = ctx.store.as_ref();
    let mut out = Vec::new();
    // Each reference in the file: its first line and that row's kind.
    let mut references: HashMap<String, (u64, Option<PartyKind>)> = HashMap::new();
    for row in rows {
        let line = row.line;
        let kind = problems.check(line, "kind", row.get("kind").parse::<PartyKind>());
        let name = problems.check(
            line,
            "name",
            PartyName::parse("name", row.get("name")).map_err(|e| e.message),
        );
        let internal = problems.check(line, "internal", flag(row.get("internal")));
        let reference = match row.optional("reference") {
            None => Some(None),
            Some(raw) => match PartyReference::parse("reference", raw) {
                Err(e) => {
                    problems.add(line, "reference", e.message);
                    None
                }
                Ok(r) => {
                    if let Some((first, _)) = references.get(r.as_str()) {
                        problems.add(line, "reference", format!("repeats line {first}"));
                    } else if store.party_by_reference(r.as_str()).await?.is_some() {
                        problems.add(line, "reference", "is already used by a recorded party");
                    }
                    references
                        .entry(r.as_str().to_owned())
                        .or_insert((line, kind));
                    Some(Some(r))
                }
            },
        };
        // The parent (by id, or by an earlier row's reference) and its kind when
        // known; `None` once a problem with it is noted.
        let parent = match row.optional("parent") {
            None => Some((None, None, None)),
            Some(raw) => match references.get(raw) {
                Some((first, parent_kind)) if *first < line => {
                    Some((None, Some(raw.to_owned()), *parent_kind))
                }
                _ => match find_party(store, raw).await? {
                    Some(p) if p.is_archived() => {
                        problems.add(line, "parent", format!("the party `{raw}` is archived"));
                        None
                    }
                    Some(p) => Some((Some(p.id), None, Some(p.kind))),
                    None => {
                        problems.add(
                            line,
                            "parent",
                            format!(
                                "no recorded party or earlier row has the reference or id `{raw}`"
                            ),
                        );
                        None
                    }
                },
            },
        };
        if let (Some(kind), Some((parent_id, parent_reference, parent_kind))) = (kind, &parent) {
            let named = parent_id.is_some() || parent_reference.is_some();
            // An earlier row whose kind was unreadable has its own problem noted.
            if (!named || parent_kind.is_some())
                && let Err(message) = kind.may_sit_under(*parent_kind)
            {
                problems.add(line, "parent", message);
            }
        }
        if let (Some(kind), Some(name), Some(internal), Some(reference), Some(parent)) =
            (kind, name, internal, reference, parent)
        {
            out.push(ImportParty {
                party: NewParty {
                    kind,
                    name,
                    parent_id: parent.0,
                    internal,
                    reference,
                },
                parent_reference: parent.1,
            });
        }
    }
    Ok(out)
}

/// Reads a links file, refusing a row that repeats a link or would close a
/// loop with the recorded links and the rows before it.
pub async fn links(ctx: &Context, rows: &[Row], problems: &mut Problems) -> Result<Vec<NewLink>> {
    let store = ctx.store.as_ref();
    let mut chain = store.chain_links(&PartyScope::All).await?;
    let recorded: HashSet<(PartyId, PartyId)> = chain
        .iter()
        .map(|l| (l.supplier_id, l.customer_id))
        .collect();
    let mut out = Vec::new();
    let mut seen: HashMap<(PartyId, PartyId), u64> = HashMap::new();
    for row in rows {
        let supplier = party_cell(store, problems, row, "supplier", row.get("supplier")).await?;
        let customer = party_cell(store, problems, row, "customer", row.get("customer")).await?;
        let (Some(supplier), Some(customer)) = (supplier, customer) else {
            continue;
        };
        if let Some(first) = seen.insert((supplier, customer), row.line) {
            problems.add(
                row.line,
                "customer",
                format!("repeats the link of line {first}"),
            );
            continue;
        }
        if recorded.contains(&(supplier, customer)) {
            problems.add(row.line, "customer", "is already linked to this supplier");
            continue;
        }
        let link = match NewLink::new(supplier, customer, row.optional("label")) {
            Ok(link) => link,
            Err(e) => {
                let column = if e.field == "label" {
                    "label"
                } else {
                    "customer"
                };
                problems.add(row.line, column, e.message);
                continue;
            }
        };
        if let Some(path) = ChainGraph::new(&chain).cycle_with(supplier, customer) {
            let mut names = Vec::with_capacity(path.len());
            for id in path {
                names.push(party_label(store, id).await?);
            }
            problems.add(
                row.line,
                "customer",
                format!(
                    "would close a loop in the service chain: {}",
                    names.join(" → ")
                ),
            );
            continue;
        }
        chain.push(Link {
            id: LinkId::new(),
            supplier_id: link.supplier_id,
            customer_id: link.customer_id,
            label: link.label.clone(),
            archived_at: None,
            created_at: Timestamp::now(),
        });
        out.push(link);
    }
    Ok(out)
}

/// A party as a reader knows it: its reference, else its name.
async fn party_label(store: &dyn Store, id: PartyId) -> Result<String> {
    let party = store.party(id).await?;
    Ok(match &party.reference {
        Some(r) => r.as_str().to_owned(),
        None => party.name.as_str().to_owned(),
    })
}

/// The provider's offered services by lower-case name, every page of them.
async fn catalog(store: &dyn Store, provider: PartyId) -> Result<HashMap<String, ServiceId>> {
    let mut offered = HashMap::new();
    let mut query = ServiceQuery {
        provider_id: Some(provider),
        limit: Limit::MAX_PAGE,
        ..ServiceQuery::new(PartyScope::All)
    };
    loop {
        let page = store.list_services(&query).await?;
        offered.extend(
            page.items
                .into_iter()
                .map(|s| (s.name.as_str().to_lowercase(), s.id)),
        );
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor.as_str().to_owned()),
            None => return Ok(offered),
        }
    }
}

/// Every active calendar by lower-case name, every page of them.
async fn calendars(store: &dyn Store) -> Result<HashMap<String, CalendarId>> {
    let mut all = HashMap::new();
    let mut query = CalendarQuery {
        limit: Limit::MAX_PAGE,
        ..CalendarQuery::new(PartyScope::All)
    };
    loop {
        let page = store.list_calendars(&query).await?;
        all.extend(
            page.items
                .into_iter()
                .map(|c| (c.name.as_str().to_lowercase(), c.id)),
        );
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor.as_str().to_owned()),
            None => return Ok(all),
        }
    }
}

/// The services a contracts row names, by id or name among those its
/// provider offers (`offered`, by lower-case name).
fn services_cell(
    offered: &HashMap<String, ServiceId>,
    row: &Row,
    problems: &mut Problems,
) -> Vec<ServiceId> {
    let mut services = Vec::new();
    for raw in list(row.get("services")) {
        match raw
            .parse::<ServiceId>()
            .ok()
            .filter(|id| offered.values().any(|s| s == id))
            .or_else(|| offered.get(&raw.to_lowercase()).copied())
        {
            Some(id) => services.push(id),
            None => problems.add(
                row.line,
                "services",
                format!("the provider offers no service `{raw}`"),
            ),
        }
    }
    services
}

/// The calendar a contracts row names (by id or name), if any.
fn calendar_cell(
    calendars: &HashMap<String, CalendarId>,
    row: &Row,
    problems: &mut Problems,
) -> Option<CalendarId> {
    let raw = row.optional("calendar")?;
    let found = raw
        .parse::<CalendarId>()
        .ok()
        .filter(|id| calendars.values().any(|c| c == id))
        .or_else(|| calendars.get(&raw.to_lowercase()).copied());
    if found.is_none() {
        problems.add(row.line, "calendar", format!("no calendar `{raw}`"));
    }
    found
}

/// The steering group a contracts row names, by active users' emails.
async fn steering_cell(
    store: &dyn Store,
    row: &Row,
    problems: &mut Problems,
) -> Result<Vec<UserId>> {
    let mut approvers = Vec::new();
    for email in list(row.get("steering_group")) {
        match store.user_by_email(&email.to_lowercase()).await {
            Ok(u) if u.archived_at.is_some() => problems.add(
                row.line,
                "steering_group",
                format!("the user {email} is archived"),
            ),
            Ok(u) => approvers.push(u.id),
            Err(StoreError::NotFound) => problems.add(
                row.line,
                "steering_group",
                format!("no user has the email {email}"),
            ),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(approvers)
}

/// Reads a contracts file.
pub async fn contracts(
    ctx: &Context,
    rows: &[Row],
    problems: &mut Problems,
) -> Result<Vec<NewContract>> {
    let store = ctx.store.as_ref();
    let calendars = calendars(store).await?;
    let mut catalogs: HashMap<PartyId, HashMap<String, ServiceId>> = HashMap::new();
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for row in rows {
        let line = row.line;
        let before = problems.0.len();
        let name = problems.check(
            line,
            "name",
            PartyName::parse("name", row.get("name")).map_err(|e| e.message),
        );
        if let Some(n) = &name
            && !names.insert(n.as_str().to_lowercase())
        {
            problems.add(line, "name", "repeats an earlier row");
        }
        let provider = party_cell(store, problems, row, "provider", row.get("provider")).await?;
        let client = party_cell(store, problems, row, "client", row.get("client")).await?;
        let mut customers = Vec::new();
        for raw in list(row.get("customers")) {
            if let Some(id) = party_cell(store, problems, row, "customers", raw).await? {
                customers.push(id);
            }
        }
        let services = match provider {
            Some(provider) => {
                let offered = match catalogs.entry(provider) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(slot) => slot.insert(catalog(store, provider).await?),
                };
                services_cell(offered, row, problems)
            }
            None => Vec::new(),
        };
        let calendar = calendar_cell(&calendars, row, problems);
        let probation = match row.optional("probation_ends_on") {
            None => None,
            Some(raw) => problems.check(
                line,
                "probation_ends_on",
                raw.parse::<jiff_date::Date>()
                    .map_err(|_| format!("`{raw}` is not a date (YYYY-MM-DD)")),
            ),
        };
        let approvers = steering_cell(store, row, problems).await?;
        let quorum = problems.check(line, "quorum", row.get("quorum").parse::<Quorum>());
        if problems.0.len() != before {
            continue;
        }
        let (Some(name), Some(provider), Some(client), Some(quorum)) =
            (name, provider, client, quorum)
        else {
            continue;
        };
        let new = NewContract {
            name,
            provider_id: provider,
            client_id: client,
            customer_ids: customers,
            service_ids: services,
            calendar_id: calendar,
            probation_ends_on: probation,
            steering_group: approvers,
            quorum,
        };
        match new.checked() {
            Ok(c) => out.push(c),
            Err(errors) => {
                for e in errors.0 {
                    let column = match e.field.as_str() {
                        "client_id" => "client",
                        "customer_ids" => "customers",
                        "service_ids" => "services",
                        other => other,
                    };
                    problems.add(line, column, e.message);
                }
            }
        }
    }
    Ok(out)
}

/// The civil date type contracts use.
mod jiff_date {
    pub use kept_domain::calendar::jiff::civil::Date;
}
