//! Reading an orders file: past orders of a customer for an item, the
//! history the quantity check reads from the first day.

use std::collections::HashMap;

use kept_domain::order::parse_line;
use kept_domain::{Limit, PartyScope, Service, ServiceId, Timestamp};
use kept_store::{ImportedOrder, ServiceQuery, Store};

use super::rows::party_cell;
use super::{Problems, Row};
use crate::Context;
use crate::error::Result;

/// The columns an orders file may have.
pub const ORDER_COLUMNS: &[&str] = &[
    "customer",
    "service",
    "quantity",
    "unit",
    "ordered_at",
    "reference",
];
/// The columns an orders file must have.
pub const ORDER_REQUIRED: &[&str] = &["customer", "service", "quantity", "ordered_at"];

/// Every service of the catalog (offered or withdrawn: history may name a
/// withdrawn item), every page of them.
async fn every_service(store: &dyn Store) -> Result<Vec<Service>> {
    let mut all = Vec::new();
    let mut query = ServiceQuery {
        limit: Limit::MAX_PAGE,
        archived: kept_store::ArchivedFilter::All,
        ..ServiceQuery::new(PartyScope::All)
    };
    loop {
        let page = store.list_services(&query).await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor.as_str().to_owned()),
            None => return Ok(all),
        }
    }
}

/// The service a cell names, by id or by its name when only one has it.
fn service_cell<'a>(
    catalog: &'a [Service],
    row: &Row,
    problems: &mut Problems,
) -> Option<&'a Service> {
    let raw = row.get("service");
    if raw.is_empty() {
        problems.add(row.line, "service", "is required");
        return None;
    }
    if let Ok(id) = raw.parse::<ServiceId>() {
        let found = catalog.iter().find(|s| s.id == id);
        if found.is_none() {
            problems.add(
                row.line,
                "service",
                format!("no service has the id `{raw}`"),
            );
        }
        return found;
    }
    let named: Vec<&Service> = catalog
        .iter()
        .filter(|s| s.name.as_str().eq_ignore_ascii_case(raw))
        .collect();
    match named.as_slice() {
        [one] => Some(one),
        [] => {
            problems.add(row.line, "service", format!("no service is named `{raw}`"));
            None
        }
        _ => {
            problems.add(
                row.line,
                "service",
                format!("several services are named `{raw}`: use the one's id"),
            );
            None
        }
    }
}

/// When an order was placed: a date (`2026-03-02`, midnight UTC) or an
/// instant (`2026-03-02T09:30:00Z`), not in the future.
fn ordered_at(raw: &str, now: Timestamp) -> std::result::Result<Timestamp, String> {
    let at = raw
        .parse::<Timestamp>()
        .or_else(|_| {
            raw.parse::<jiff::civil::Date>()
                .map_err(|e| e.to_string())
                .and_then(|d| {
                    jiff::tz::TimeZone::UTC
                        .to_timestamp(d.at(0, 0, 0, 0))
                        .map_err(|e| e.to_string())
                })
        })
        .map_err(|_| format!("`{raw}` is not a date (YYYY-MM-DD) or an instant (RFC 3339)"))?;
    if at > now {
        return Err("must not be in the future".to_owned());
    }
    Ok(at)
}

/// Reads an orders file: each row's customer (reference or id), service
/// (id or name), quantity in its unit (read as an order line is) and date.
pub async fn orders(
    ctx: &Context,
    rows: &[Row],
    problems: &mut Problems,
) -> Result<Vec<ImportedOrder>> {
    let store = ctx.store.as_ref();
    let catalog = every_service(store).await?;
    let now = Timestamp::now();
    let mut references: HashMap<&str, u64> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let customer = party_cell(store, problems, row, "customer", row.get("customer")).await?;
        let service = service_cell(&catalog, row, problems);
        let at = problems.check(
            row.line,
            "ordered_at",
            ordered_at(row.get("ordered_at"), now),
        );
        let quantity = service.and_then(|s| {
            let read = parse_line(
                "quantity",
                row.get("quantity"),
                row.optional("unit"),
                s.unit.as_deref(),
                s.pack_size,
                &s.ordering,
            );
            match read {
                Ok(q) => Some(q),
                Err(e) => {
                    let column = if e.field.ends_with("unit") {
                        "unit"
                    } else {
                        "quantity"
                    };
                    problems.add(row.line, column, e.message);
                    None
                }
            }
        });
        let reference = row.optional("reference");
        if let Some(r) = reference
            && let Some(first) = references.insert(r, row.line)
        {
            problems.add(
                row.line,
                "reference",
                format!("repeats the reference of line {first}"),
            );
            continue;
        }
        if let (Some(customer_id), Some(service), Some(quantity), Some(ordered_at)) =
            (customer, service, quantity, at)
        {
            out.push(ImportedOrder {
                customer_id,
                service_id: service.id,
                quantity,
                ordered_at,
                reference: reference.map(str::to_owned),
            });
        }
    }
    Ok(out)
}
