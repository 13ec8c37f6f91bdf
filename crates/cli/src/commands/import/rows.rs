//! Reading each kind of row into what the store records, resolving
//! references, names and emails, and noting every problem with its line.

use std::collections::{HashMap, HashSet};

use kept_domain::{
    CalendarId, Limit, NewContract, NewLink, NewParty, PartyId, PartyKind, PartyName,
    PartyReference, PartyScope, Quorum, ServiceId, UserId,
};
use kept_store::{CalendarQuery, ImportParty, ServiceQuery, Store, StoreError};

use super::{Problems, Row};

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
async fn find_party(store: &dyn Store, raw: &str) -> anyhow::Result<Option<PartyId>> {
    if let Ok(id) = raw.parse::<PartyId>() {
        return match store.party(id).await {
            Ok(p) => Ok(Some(p.id)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        };
    }
    Ok(store.party_by_reference(raw).await?)
}

/// Resolves a party cell, noting a problem when it names nothing.
async fn party_cell(
    store: &dyn Store,
    problems: &mut Problems,
    row: &Row,
    column: &str,
    raw: &str,
) -> anyhow::Result<Option<PartyId>> {
    if raw.is_empty() {
        problems.add(row.line, column, "is required");
        return Ok(None);
    }
    let found = find_party(store, raw).await?;
    if found.is_none() {
        problems.add(
            row.line,
            column,
            format!("no party has the reference or id `{raw}`"),
        );
    }
    Ok(found)
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

/// Reads a parties file.
pub async fn parties(
    store: &dyn Store,
    rows: &[Row],
    problems: &mut Problems,
) -> anyhow::Result<Vec<ImportParty>> {
    let mut out = Vec::new();
    let mut references: HashMap<String, u64> = HashMap::new();
    for row in rows {
        let line = row.line;
        let kind = problems.check(line, "kind", row.get("kind").parse::<PartyKind>());
        let name = problems.check(line, "name", PartyName::parse("name", row.get("name")));
        let internal = problems.check(line, "internal", flag(row.get("internal")));
        let reference = match row.optional("reference") {
            None => Some(None),
            Some(raw) => match PartyReference::parse("reference", raw) {
                Err(e) => {
                    problems.add(line, "reference", e);
                    None
                }
                Ok(r) => {
                    if let Some(first) = references.get(r.as_str()) {
                        problems.add(line, "reference", format!("repeats line {first}"));
                    } else if store.party_by_reference(r.as_str()).await?.is_some() {
                        problems.add(line, "reference", "is already used by a recorded party");
                    }
                    references.entry(r.as_str().to_owned()).or_insert(line);
                    Some(Some(r))
                }
            },
        };
        let (parent_id, parent_reference) = match row.optional("parent") {
            None => (None, None),
            Some(raw) if references.get(raw).is_some_and(|l| *l < line) => {
                (None, Some(raw.to_owned()))
            }
            Some(raw) => match find_party(store, raw).await? {
                Some(id) => (Some(id), None),
                None => {
                    problems.add(
                        line,
                        "parent",
                        format!("no recorded party or earlier row has the reference or id `{raw}`"),
                    );
                    (None, None)
                }
            },
        };
        if let (Some(kind), Some(name), Some(internal), Some(reference)) =
            (kind, name, internal, reference)
        {
            out.push(ImportParty {
                party: NewParty {
                    kind,
                    name,
                    parent_id,
                    internal,
                    reference,
                },
                parent_reference,
            });
        }
    }
    Ok(out)
}

/// Reads a links file.
pub async fn links(
    store: &dyn Store,
    rows: &[Row],
    problems: &mut Problems,
) -> anyhow::Result<Vec<NewLink>> {
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
        match NewLink::new(supplier, customer, row.optional("label")) {
            Ok(link) => out.push(link),
            Err(e) => problems.add(
                row.line,
                if e.field == "label" {
                    "label"
                } else {
                    "customer"
                },
                e.message,
            ),
        }
    }
    Ok(out)
}

/// The provider's offered services by lower-case name.
async fn catalog(
    store: &dyn Store,
    provider: PartyId,
) -> anyhow::Result<HashMap<String, ServiceId>> {
    let page = store
        .list_services(&ServiceQuery {
            provider_id: Some(provider),
            limit: Limit::MAX_PAGE,
            ..ServiceQuery::new(PartyScope::All)
        })
        .await?;
    Ok(page
        .items
        .into_iter()
        .map(|s| (s.name.as_str().to_lowercase(), s.id))
        .collect())
}

/// Reads a contracts file.
pub async fn contracts(
    store: &dyn Store,
    rows: &[Row],
    problems: &mut Problems,
) -> anyhow::Result<Vec<NewContract>> {
    let calendars: HashMap<String, CalendarId> = store
        .list_calendars(&CalendarQuery {
            limit: Limit::MAX_PAGE,
            ..CalendarQuery::new(PartyScope::All)
        })
        .await?
        .items
        .into_iter()
        .map(|c| (c.name.as_str().to_lowercase(), c.id))
        .collect();
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for row in rows {
        let line = row.line;
        let before = problems.0.len();
        let name = problems.check(line, "name", PartyName::parse("name", row.get("name")));
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
        let mut services = Vec::new();
        if let Some(provider) = provider {
            let offered = catalog(store, provider).await?;
            for raw in list(row.get("services")) {
                match raw
                    .parse::<ServiceId>()
                    .ok()
                    .or_else(|| offered.get(&raw.to_lowercase()).copied())
                {
                    Some(id) => services.push(id),
                    None => problems.add(
                        line,
                        "services",
                        format!("the provider offers no service `{raw}`"),
                    ),
                }
            }
        }
        let calendar = match row.optional("calendar") {
            None => None,
            Some(raw) => match raw
                .parse::<CalendarId>()
                .ok()
                .or_else(|| calendars.get(&raw.to_lowercase()).copied())
            {
                Some(id) => Some(id),
                None => {
                    problems.add(line, "calendar", format!("no calendar `{raw}`"));
                    None
                }
            },
        };
        let probation = match row.optional("probation_ends_on") {
            None => None,
            Some(raw) => problems.check(
                line,
                "probation_ends_on",
                raw.parse::<jiff_date::Date>()
                    .map_err(|_| format!("`{raw}` is not a date (YYYY-MM-DD)")),
            ),
        };
        let mut approvers: Vec<UserId> = Vec::new();
        for email in list(row.get("steering_group")) {
            match store.user_by_email(&email.to_lowercase()).await {
                Ok(u) => approvers.push(u.id),
                Err(StoreError::NotFound) => {
                    problems.add(
                        line,
                        "steering_group",
                        format!("no user has the email {email}"),
                    );
                }
                Err(e) => return Err(e.into()),
            }
        }
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
