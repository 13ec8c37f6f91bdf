//! An import's CSV file as `kept import` reads it: the text into rows (the
//! CLI's own reading), then each row's cells through the parsers the import
//! applies before it looks anything up in the database. Names, references
//! and emails resolve in the database, which is not fuzzed: here the same
//! text always stands for the same made-up id, as it would for one party.

use std::collections::HashMap;
use std::path::Path;

use kept_app::import::{self, Problems, Row};
use kept_domain::calendar::jiff::civil::Date;
use kept_domain::{
    CalendarId, NewContract, NewLink, PartyId, PartyKind, PartyName, PartyReference, Quorum,
    ServiceId, UserId,
};

/// What a file holds, and its required and known columns.
const KINDS: [(&[&str], &[&str]); 3] = [
    (import::PARTY_REQUIRED, import::PARTY_COLUMNS),
    (import::LINK_REQUIRED, import::LINK_COLUMNS),
    (import::CONTRACT_REQUIRED, import::CONTRACT_COLUMNS),
];

/// Reads `text` as a file of the kind `which` picks, then checks each row.
pub fn check(which: u8, text: &[u8]) {
    let (required, known) = KINDS[usize::from(which) % KINDS.len()];
    let Ok((rows, mut problems)) =
        crate::csv_read::rows(Path::new("fuzz.csv"), text, required, known)
    else {
        return;
    };
    let mut last = 1;
    for row in &rows {
        assert!(
            row.line > last,
            "row on line {} after line {last}",
            row.line
        );
        last = row.line;
    }
    let mut ids = Ids::default();
    for row in &rows {
        match usize::from(which) % KINDS.len() {
            0 => party(row, &mut problems),
            1 => link(row, &mut ids, &mut problems),
            _ => contract(row, &mut ids, &mut problems),
        }
    }
    for (line, message) in problems.into_sorted() {
        // The header is line 1: every problem is on a row after it.
        assert!(line > 1, "a problem on line {line}: {message}");
    }
}

/// Made-up ids, one for each distinct text.
#[derive(Default)]
struct Ids(HashMap<String, (PartyId, ServiceId, UserId)>);

impl Ids {
    fn get(&mut self, raw: &str) -> (PartyId, ServiceId, UserId) {
        *self
            .0
            .entry(raw.to_owned())
            .or_insert_with(|| (PartyId::new(), ServiceId::new(), UserId::new()))
    }

    /// The party a cell names: an id written out, else a made-up one.
    fn party(&mut self, raw: &str) -> PartyId {
        raw.parse().unwrap_or_else(|_| self.get(raw).0)
    }
}

/// The import's list cells: entries separated by `;`.
fn list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty())
}

fn party(row: &Row, problems: &mut Problems) {
    problems.check(row.line, "kind", row.get("kind").parse::<PartyKind>());
    let name = PartyName::parse("name", row.get("name")).map_err(|e| e.message);
    problems.check(row.line, "name", name);
    if let Some(raw) = row.optional("reference") {
        let reference = PartyReference::parse("reference", raw).map_err(|e| e.message);
        if let Some(r) = problems.check(row.line, "reference", reference) {
            assert_eq!(r.as_str(), raw.trim(), "a reference is its cell, trimmed");
        }
    }
    if let Some(raw) = row.optional("parent") {
        let _ = raw.parse::<PartyId>();
    }
}

fn link(row: &Row, ids: &mut Ids, problems: &mut Problems) {
    let supplier = ids.party(row.get("supplier"));
    let customer = ids.party(row.get("customer"));
    if let Err(e) = NewLink::new(supplier, customer, row.optional("label")) {
        problems.add(row.line, "customer", e.message);
    }
}

fn contract(row: &Row, ids: &mut Ids, problems: &mut Problems) {
    let line = row.line;
    let name = PartyName::parse("name", row.get("name")).map_err(|e| e.message);
    let name = problems.check(line, "name", name);
    let provider = ids.party(row.get("provider"));
    let client = ids.party(row.get("client"));
    let customers = list(row.get("customers")).map(|c| ids.party(c)).collect();
    let services = list(row.get("services"))
        .map(|s| s.parse().unwrap_or_else(|_| ids.get(&s.to_lowercase()).1))
        .collect();
    let calendar = row
        .optional("calendar")
        .map(|c| c.parse().unwrap_or_else(|_| CalendarId::new()));
    let probation = row.optional("probation_ends_on").and_then(|raw| {
        problems.check(
            line,
            "probation_ends_on",
            raw.parse::<Date>().map_err(|_| raw),
        )
    });
    let approvers = list(row.get("steering_group"))
        .map(|e| ids.get(&e.to_lowercase()).2)
        .collect();
    let quorum = problems.check(line, "quorum", row.get("quorum").parse::<Quorum>());
    let (Some(name), Some(quorum)) = (name, quorum) else {
        return;
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
    if let Err(errors) = new.checked() {
        for e in errors.0 {
            problems.add(line, &e.field, e.message);
        }
    }
}
