//! A team's promise integrity month by month, for its page: the outcomes
//! of the team's promises settled in each of the last few calendar months,
//! and the whole period's split between internal and external customers.
//!
//! Only a team the caller may read has a history (any other is not
//! found), and its counts hold only the requests the caller sees, as in
//! the integrity report.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use kept_domain::promise::{Integrity, IntegrityBy, PromiseOutcome};
use kept_domain::{PartyId, Principal};
use kept_store::promises::{IntegrityKey, IntegrityQuery};

use crate::Context;
use crate::error::Error;
use crate::teams::readable_team;

/// The most months one history covers.
pub const MAX_MONTHS: u8 = 24;

/// One calendar month in a time zone, as the instants it spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    /// Its first day.
    pub first_day: Date,
    /// Its first instant.
    pub from: Timestamp,
    /// The first instant of the month after (excluded).
    pub to: Timestamp,
}

/// The outcomes of the promises settled in one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthIntegrity {
    /// The month.
    pub month: Month,
    /// Its counts (all zero: none settled).
    pub counts: Integrity,
}

/// A team's promise integrity month by month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamHistory {
    /// One entry per month, oldest first, the current month last.
    pub months: Vec<MonthIntegrity>,
    /// The whole period's promises to internal customers.
    pub internal: Integrity,
    /// The whole period's promises to external customers.
    pub external: Integrity,
}

/// The `count` calendar months in `zone` up to and including the one
/// `now` falls in, oldest first.
pub fn months_to(now: Timestamp, zone: &TimeZone, count: u8) -> Result<Vec<Month>, Error> {
    if !(1..=MAX_MONTHS).contains(&count) {
        return Err(Error::field(
            "months",
            format!("must be from 1 to {MAX_MONTHS}"),
        ));
    }
    let too_early = |_| Error::field("months", "reach too far back");
    let this_month = now.to_zoned_datetime(zone.clone()).date().first_of_month();
    let start = |first: Date| {
        first
            .to_zoned_datetime(zone.clone())
            .map(|z| z.timestamp())
            .map_err(too_early)
    };
    let mut months = Vec::with_capacity(usize::from(count));
    for back in (0..i64::from(count)).rev() {
        let first_day = this_month.checked_sub(back.months()).map_err(too_early)?;
        let next = first_day.checked_add(1.month()).map_err(too_early)?;
        months.push(Month {
            first_day,
            from: start(first_day)?,
            to: start(next)?,
        });
    }
    Ok(months)
}

/// Team `team`'s promise integrity in each of the `count` calendar months
/// in `zone` up to now, of the requests `caller` sees.
pub async fn team_history(
    ctx: &Context,
    caller: &Principal,
    team: PartyId,
    count: u8,
    zone: &TimeZone,
) -> Result<TeamHistory, Error> {
    readable_team(ctx, caller, team).await?;
    let mut history = TeamHistory {
        months: Vec::with_capacity(usize::from(count)),
        internal: Integrity::default(),
        external: Integrity::default(),
    };
    // One grouped count per month: split by the internal flag, it gives
    // the month's outcomes and the period's split at once.
    for month in months_to(Timestamp::now(), zone, count)? {
        let query = IntegrityQuery {
            scope: caller.party_scope(),
            user: Some(caller.user_id),
            by: IntegrityBy::Internal,
            from: month.from,
            to: month.to,
            team: Some(team),
        };
        let mut counts = Integrity::default();
        for group in ctx.store.promise_integrity(&query).await? {
            merge(&mut counts, &group.counts);
            match group.key {
                IntegrityKey::Internal(true) => merge(&mut history.internal, &group.counts),
                _ => merge(&mut history.external, &group.counts),
            }
        }
        history.months.push(MonthIntegrity { month, counts });
    }
    Ok(history)
}

/// Adds the counts of `more` to `sum`.
fn merge(sum: &mut Integrity, more: &Integrity) {
    sum.add(PromiseOutcome::Kept, more.kept);
    sum.add(PromiseOutcome::KeptRenegotiated, more.kept_renegotiated);
    sum.add(PromiseOutcome::Broken, more.broken);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("instant")
    }

    #[test]
    fn six_months_end_with_the_current_one_and_cross_the_year() {
        let months = months_to(at("2026-02-10T08:00:00Z"), &TimeZone::UTC, 6).expect("months");
        let firsts: Vec<String> = months.iter().map(|m| m.first_day.to_string()).collect();
        assert_eq!(
            firsts,
            [
                "2025-09-01",
                "2025-10-01",
                "2025-11-01",
                "2025-12-01",
                "2026-01-01",
                "2026-02-01"
            ]
        );
        assert_eq!(months[5].from, at("2026-02-01T00:00:00Z"));
        assert_eq!(months[5].to, at("2026-03-01T00:00:00Z"));
        // Each month starts where the one before ended.
        assert!(months.windows(2).all(|w| w[0].to == w[1].from));
    }

    #[test]
    fn months_begin_at_local_midnight_in_the_zone() {
        let zone = TimeZone::get("Europe/London").expect("zone");
        // 23:30 UTC on 31 May is already June in London (BST).
        let months = months_to(at("2026-05-31T23:30:00Z"), &zone, 1).expect("months");
        assert_eq!(months[0].first_day.to_string(), "2026-06-01");
        assert_eq!(months[0].from, at("2026-05-31T23:00:00Z"));
        assert_eq!(months[0].to, at("2026-06-30T23:00:00Z"));
    }

    #[test]
    fn a_count_out_of_range_names_months() {
        for count in [0, MAX_MONTHS + 1] {
            let e =
                months_to(at("2026-02-10T08:00:00Z"), &TimeZone::UTC, count).expect_err("refused");
            assert_eq!(e.errors[0].field, "months");
        }
    }
}
