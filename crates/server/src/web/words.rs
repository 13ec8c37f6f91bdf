//! What customers and clients read instead of clock names and durations:
//! the next step of a request in a sentence, and instants in the time
//! zone of the calendar the request runs on, with the weekday.

use jiff::tz::TimeZone;
use kept_domain::{NextStep, Timestamp};

/// `at` in `zone` as people say it: "Monday 7 Dec, 11:00 GMT", with the
/// year when it is not `now`'s.
pub fn day_and_time(at: Timestamp, zone: &TimeZone, now: Timestamp) -> String {
    let local = at.to_zoned_datetime(zone.clone());
    let this_year = now.to_zoned_datetime(zone.clone()).year() == local.year();
    let pattern = if this_year {
        "%A %-d %b, %H:%M %Z"
    } else {
        "%A %-d %b %Y, %H:%M %Z"
    };
    local.strftime(pattern).to_string()
}

/// The sentence that tells a customer what happens next on a request.
pub fn next_step(step: NextStep, zone: &TimeZone, now: Timestamp) -> String {
    let when = |at: Timestamp| day_and_time(at, zone, now);
    match step {
        NextStep::Reply {
            by: Some(at),
            late: false,
        } => format!("We will reply by {}.", when(at)),
        NextStep::Reply {
            by: Some(at),
            late: true,
        } => format!(
            "We meant to reply by {} and are late: it is with us.",
            when(at)
        ),
        NextStep::Reply { by: None, .. } => "We will reply as soon as we can.".to_owned(),
        NextStep::Finish {
            by: Some(at),
            late: false,
        } => format!("We are on it and aim to have it done by {}.", when(at)),
        NextStep::Finish {
            by: Some(at),
            late: true,
        } => format!(
            "We meant to have it done by {} and are late: it is still with us.",
            when(at)
        ),
        NextStep::Finish { by: None, .. } => "We are on it.".to_owned(),
        NextStep::YourAnswer => "Waiting for you: please answer the question below.".to_owned(),
        NextStep::Confirm => {
            "Done: please confirm it is finished, or reopen it if it is not.".to_owned()
        }
        NextStep::Closed => "Finished.".to_owned(),
        NextStep::Cancelled => "Cancelled.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("an instant")
    }

    fn london() -> TimeZone {
        TimeZone::get("Europe/London").expect("the zone database has London")
    }

    #[test]
    fn an_instant_reads_with_its_weekday_in_the_calendars_zone() {
        let now = at("2026-12-06T10:00:00Z");
        assert_eq!(
            day_and_time(at("2026-12-07T11:00:00Z"), &london(), now),
            "Monday 7 Dec, 11:00 GMT"
        );
        assert_eq!(
            day_and_time(at("2027-06-07T11:00:00Z"), &london(), now),
            "Monday 7 Jun 2027, 12:00 BST"
        );
    }

    #[test]
    fn the_next_step_is_a_sentence_without_clock_names_or_seconds() {
        let now = at("2026-12-06T10:00:00Z");
        let due = Some(at("2026-12-07T11:00:00Z"));
        let said = next_step(
            NextStep::Reply {
                by: due,
                late: false,
            },
            &london(),
            now,
        );
        assert_eq!(said, "We will reply by Monday 7 Dec, 11:00 GMT.");
        for step in [
            NextStep::Reply {
                by: due,
                late: true,
            },
            NextStep::Finish {
                by: due,
                late: false,
            },
            NextStep::Finish {
                by: due,
                late: true,
            },
            NextStep::Finish {
                by: None,
                late: false,
            },
            NextStep::YourAnswer,
            NextStep::Confirm,
        ] {
            let said = next_step(step, &london(), now);
            assert!(!said.contains("response"), "{said}");
            assert!(!said.contains("resolution"), "{said}");
            assert!(!said.contains(":00:"), "{said}");
        }
    }
}
