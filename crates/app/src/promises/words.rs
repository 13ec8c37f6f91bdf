//! A quote's reason in plain words: the work ahead, and who is away
//! before the date.

use kept_domain::{PartyId, Timestamp};

use super::quote::Load;
use crate::Context;
use crate::error::Error;

/// "18 hours of work ahead of it in Operations (6 requests, 2 people);
/// Maya is away Thu 10 Dec to Fri 11 Dec".
pub fn reason(load: &Load, away: &[String]) -> String {
    let hours = load.work_ahead.as_seconds().div_ceil(3600);
    let people = match load.members {
        0 => "nobody in it has hours for planned work".to_owned(),
        1 => "1 person".to_owned(),
        n => format!("{n} people"),
    };
    let ahead = match (load.ahead, hours) {
        (0, _) => format!("Nothing ahead of it in {} ({people})", load.team),
        (n, h) => format!(
            "{h} hour{} of work ahead of it in {} ({n} request{}, {people})",
            if h == 1 { "" } else { "s" },
            load.team,
            if n == 1 { "" } else { "s" },
        ),
    };
    std::iter::once(ahead)
        .chain(away.iter().cloned())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Who in `team` is away between `now` and `until` (a fortnight when
/// there is no date), each as "Maya is away Thu 10 Dec to Fri 11 Dec".
pub async fn away(
    ctx: &Context,
    team: PartyId,
    now: Timestamp,
    until: Option<Timestamp>,
) -> Result<Vec<String>, Error> {
    let day = |t: Timestamp| jiff::tz::TimeZone::UTC.to_datetime(t).date();
    let from = day(now);
    let until = day(until.unwrap_or(now + jiff::SignedDuration::from_hours(14 * 24)));
    let mut out = Vec::new();
    for member in ctx.store.team_members(team).await? {
        for absence in member.absences.iter() {
            if absence.ends_on < from || absence.starts_on > until {
                continue;
            }
            let user = ctx.store.user(member.user_id).await?;
            let first = user
                .name
                .as_str()
                .split_whitespace()
                .next()
                .unwrap_or("Someone");
            let show = |d: jiff::civil::Date| d.strftime("%a %-d %b").to_string();
            out.push(if absence.starts_on == absence.ends_on {
                format!("{first} is away {}", show(absence.starts_on))
            } else {
                format!(
                    "{first} is away {} to {}",
                    show(absence.starts_on),
                    show(absence.ends_on)
                )
            });
        }
    }
    Ok(out)
}
