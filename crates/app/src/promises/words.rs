//! A quote's reason in plain words: the work ahead, and who is away
//! before the date.

use kept_domain::Timestamp;
use kept_domain::team::Absence;

use super::quote::Load;

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

/// Who of `people` (first name and absences) is away between `now` and
/// `until` (a fortnight when there is no date), each as "Maya is away Thu
/// 10 Dec to Fri 11 Dec".
pub fn away(
    people: &[(String, Vec<Absence>)],
    now: Timestamp,
    until: Option<Timestamp>,
) -> Vec<String> {
    let day = |t: Timestamp| jiff::tz::TimeZone::UTC.to_datetime(t).date();
    let from = day(now);
    let until = day(until.unwrap_or(now + jiff::SignedDuration::from_hours(14 * 24)));
    let show = |d: jiff::civil::Date| d.strftime("%a %-d %b").to_string();
    people
        .iter()
        .flat_map(|(name, absences)| absences.iter().map(move |a| (name, a)))
        .filter(|(_, a)| a.ends_on >= from && a.starts_on <= until)
        .map(|(name, a)| {
            if a.starts_on == a.ends_on {
                format!("{name} is away {}", show(a.starts_on))
            } else {
                format!(
                    "{name} is away {} to {}",
                    show(a.starts_on),
                    show(a.ends_on)
                )
            }
        })
        .collect()
}
