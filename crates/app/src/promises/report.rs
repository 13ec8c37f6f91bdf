//! Promise integrity as a report: the share of promises kept as first made,
//! kept after a timely renegotiation and broken, per team, contract,
//! customer, or internal against external, over a period, with a total.
//!
//! Anyone signed in may ask; each counts the promises of the requests they
//! see, as in their request list (provider staff their contracts', clients
//! their contracts', customers their own parties', admins all), so nobody's
//! counts include what they could not read. Teams are the provider's
//! business: teams the caller may not read are counted in one row that
//! names none of them.

use jiff::{SignedDuration, Timestamp};
use kept_domain::promise::{Integrity, IntegrityBy, PromiseOutcome};
use kept_domain::{PartyId, PartyScope, Principal};
use kept_store::promises::{IntegrityGroup, IntegrityKey, IntegrityQuery};
use serde::Serialize;

use crate::Context;
use crate::error::Error;

/// The period a report covers when none is given: the last 90 days.
pub const DEFAULT_DAYS: i64 = 90;

/// The name of the row of requests assigned to no team.
pub const NO_TEAM: &str = "No team";

/// The name of the row of teams the caller may not see.
pub const HIDDEN_TEAMS: &str = "Teams not shown";

/// What to report: promises settled in `[from, to)`, grouped by `by`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportInput {
    /// From this instant (default: `DEFAULT_DAYS` before `to`).
    pub from: Option<Timestamp>,
    /// Until this instant, excluded (default: now).
    pub to: Option<Timestamp>,
    /// The grouping (default: team).
    pub by: Option<IntegrityBy>,
}

/// One row: the outcomes of one group's promises and their shares.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntegrityRow {
    /// The team's, contract's or customer's id, or `internal` or
    /// `external`; none for the total, for requests of no team and for
    /// teams not shown.
    pub key: Option<String>,
    /// Its name, `Internal` or `External`, `No team`, `Teams not shown`,
    /// or `Total`.
    pub name: String,
    /// Kept as first made.
    pub kept: u64,
    /// Kept after a timely renegotiation.
    pub kept_renegotiated: u64,
    /// Broken.
    pub broken: u64,
    /// All settled.
    pub total: u64,
    /// The share kept as first made, 0 to 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1))]
    pub kept_share: f64,
    /// The share kept after renegotiation, 0 to 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1))]
    pub kept_renegotiated_share: f64,
    /// The share broken, 0 to 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1))]
    pub broken_share: f64,
}

impl IntegrityRow {
    /// The row of `counts`.
    pub fn new(key: Option<String>, name: impl Into<String>, counts: Integrity) -> Self {
        Self {
            key,
            name: name.into(),
            kept: counts.kept,
            kept_renegotiated: counts.kept_renegotiated,
            broken: counts.broken,
            total: counts.total(),
            kept_share: counts.share(PromiseOutcome::Kept),
            kept_renegotiated_share: counts.share(PromiseOutcome::KeptRenegotiated),
            broken_share: counts.share(PromiseOutcome::Broken),
        }
    }
}

/// Promise integrity over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntegrityReport {
    /// Promises settled from this instant.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub from: Timestamp,
    /// Until this instant, excluded.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub to: Timestamp,
    /// The grouping.
    pub by: IntegrityBy,
    /// One row per group, by name.
    pub rows: Vec<IntegrityRow>,
    /// All the rows together.
    pub total: IntegrityRow,
}

/// The period of `input`, checked: `from` must come before `to`.
pub fn period(input: &ReportInput, now: Timestamp) -> Result<(Timestamp, Timestamp), Error> {
    let to = input.to.unwrap_or(now);
    let from = match input.from {
        Some(from) => from,
        None => to
            .checked_sub(SignedDuration::from_hours(24 * DEFAULT_DAYS))
            .map_err(|_| Error::field("to", "is too early to report on"))?,
    };
    if from >= to {
        return Err(Error::field("from", "must be before `to`"));
    }
    Ok((from, to))
}

/// Promise integrity of what `caller` sees, per `input`.
pub async fn report(
    ctx: &Context,
    caller: &Principal,
    input: ReportInput,
) -> Result<IntegrityReport, Error> {
    build(ctx, Some(caller), input).await
}

/// Promise integrity of every promise, per `input`, for the operator of
/// the installation (`kept report promises` on the server's machine, which
/// holds the whole database already): what an admin sees.
pub async fn report_all(ctx: &Context, input: ReportInput) -> Result<IntegrityReport, Error> {
    build(ctx, None, input).await
}

/// The report for `caller`, or for the operator when `None`.
async fn build(
    ctx: &Context,
    caller: Option<&Principal>,
    input: ReportInput,
) -> Result<IntegrityReport, Error> {
    let (from, to) = period(&input, Timestamp::now())?;
    let by = input.by.unwrap_or(IntegrityBy::Team);
    let query = IntegrityQuery {
        scope: caller.map_or(PartyScope::All, Principal::party_scope),
        user: caller.map(|c| c.user_id),
        by,
        from,
        to,
        team: None,
    };
    let groups = ctx.store.promise_integrity(&query).await?;
    let mut total = Integrity::default();
    for g in &groups {
        merge(&mut total, &g.counts);
    }
    let mut rows = rows(ctx, caller, groups).await?;
    rows.sort_by(|a, b| {
        let name = |r: &IntegrityRow| r.name.to_lowercase();
        name(a).cmp(&name(b)).then_with(|| a.key.cmp(&b.key))
    });
    Ok(IntegrityReport {
        from,
        to,
        by,
        rows,
        total: IntegrityRow::new(None, "Total", total),
    })
}

/// Adds the counts of `more` to `sum`.
fn merge(sum: &mut Integrity, more: &Integrity) {
    sum.add(PromiseOutcome::Kept, more.kept);
    sum.add(PromiseOutcome::KeptRenegotiated, more.kept_renegotiated);
    sum.add(PromiseOutcome::Broken, more.broken);
}

/// The groups as rows, named: parties and contracts through the store;
/// teams the caller may not read folded into one unnamed row.
async fn rows(
    ctx: &Context,
    caller: Option<&Principal>,
    groups: Vec<IntegrityGroup>,
) -> Result<Vec<IntegrityRow>, Error> {
    let parties: Vec<PartyId> = groups
        .iter()
        .filter_map(|g| match g.key {
            IntegrityKey::Team(team) => team,
            IntegrityKey::Customer(customer) => Some(customer),
            _ => None,
        })
        .collect();
    let names = ctx.party_names(&parties).await?;
    let name_of = |id: PartyId| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let mut rows = Vec::with_capacity(groups.len());
    let mut hidden: Option<Integrity> = None;
    for g in groups {
        let row = match g.key {
            IntegrityKey::Team(None) => IntegrityRow::new(None, NO_TEAM, g.counts),
            IntegrityKey::Team(Some(team)) => {
                let readable = match caller {
                    None => true,
                    Some(caller) => caller
                        .read_team(&ctx.store.lineage(team).await?)
                        .is_allowed(),
                };
                if !readable {
                    merge(hidden.get_or_insert_with(Integrity::default), &g.counts);
                    continue;
                }
                IntegrityRow::new(Some(team.to_string()), name_of(team), g.counts)
            }
            IntegrityKey::Customer(customer) => {
                IntegrityRow::new(Some(customer.to_string()), name_of(customer), g.counts)
            }
            IntegrityKey::Contract(contract) => {
                let name = ctx.store.contract(contract).await?.name;
                IntegrityRow::new(Some(contract.to_string()), name.as_str(), g.counts)
            }
            IntegrityKey::Internal(internal) => {
                let (key, name) = if internal {
                    ("internal", "Internal")
                } else {
                    ("external", "External")
                };
                IntegrityRow::new(Some(key.to_owned()), name, g.counts)
            }
        };
        rows.push(row);
    }
    if let Some(counts) = hidden {
        rows.push(IntegrityRow::new(None, HIDDEN_TEAMS, counts));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("instant")
    }

    #[test]
    fn the_default_period_is_the_90_days_before_now() {
        let now = at("2026-06-01T00:00:00Z");
        let (from, to) = period(&ReportInput::default(), now).expect("period");
        assert_eq!((from, to), (at("2026-03-03T00:00:00Z"), now));
    }

    #[test]
    fn a_period_that_ends_before_it_starts_names_from() {
        let input = ReportInput {
            from: Some(at("2026-06-02T00:00:00Z")),
            to: Some(at("2026-06-01T00:00:00Z")),
            by: None,
        };
        let e = period(&input, at("2026-07-01T00:00:00Z")).expect_err("refused");
        assert_eq!(e.errors[0].field, "from");
    }

    #[test]
    fn a_row_of_no_promises_has_zero_shares() {
        let row = IntegrityRow::new(None, "Total", Integrity::default());
        assert_eq!((row.total, row.kept_share, row.broken_share), (0, 0.0, 0.0));
    }
}
