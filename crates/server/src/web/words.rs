//! What customers and clients read instead of clock names and durations:
//! the next step of a request in a sentence, and instants in the time
//! zone of the calendar the request runs on, with the weekday.

use jiff::tz::TimeZone;
use kept_domain::calendar::ClockState;
use kept_domain::{ClockKind, ClockView, NextStep, Timestamp};

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

/// A sentence that may name an instant: the words before it, the instant
/// (with its words), and the words after, so a page can mark the instant
/// up as a `<time>` and still read as one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// The words up to the instant (the whole sentence when it names none).
    pub before: String,
    /// The instant it names, if any.
    pub at: Option<Timestamp>,
    /// The instant in words ("Monday 7 Dec, 11:00 GMT"); empty without one.
    pub when: String,
    /// The words after the instant.
    pub after: String,
}

impl Sentence {
    /// A sentence naming no instant.
    fn plain(text: &str) -> Self {
        Self {
            before: text.to_owned(),
            at: None,
            when: String::new(),
            after: String::new(),
        }
    }

    /// `before`, the instant `at` in words, then `after`.
    fn naming(before: &str, at: Timestamp, zone: &TimeZone, now: Timestamp, after: &str) -> Self {
        Self {
            before: before.to_owned(),
            at: Some(at),
            when: day_and_time(at, zone, now),
            after: after.to_owned(),
        }
    }
}

impl std::fmt::Display for Sentence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.before, self.when, self.after)
    }
}

/// The sentence that tells a customer what happens next on a request.
pub fn next_step(step: NextStep, zone: &TimeZone, now: Timestamp) -> String {
    next_step_sentence(step, zone, now).to_string()
}

/// [`next_step`], with the instant it names apart.
pub fn next_step_sentence(step: NextStep, zone: &TimeZone, now: Timestamp) -> Sentence {
    let naming =
        |before: &str, at: Timestamp, after: &str| Sentence::naming(before, at, zone, now, after);
    match step {
        NextStep::Reply {
            by: Some(at),
            late: false,
        } => naming("We will reply by ", at, "."),
        NextStep::Reply {
            by: Some(at),
            late: true,
        } => naming("We meant to reply by ", at, " and are late: it is with us."),
        NextStep::Reply { by: None, .. } => Sentence::plain("We will reply as soon as we can."),
        NextStep::Finish {
            by: Some(at),
            late: false,
        } => naming("We are on it and aim to have it done by ", at, "."),
        NextStep::Finish {
            by: Some(at),
            late: true,
        } => naming(
            "We meant to have it done by ",
            at,
            " and are late: it is still with us.",
        ),
        NextStep::Finish { by: None, .. } => Sentence::plain("We are on it."),
        NextStep::YourAnswer => {
            Sentence::plain("Waiting for you: please answer the question below.")
        }
        NextStep::Confirm => {
            Sentence::plain("Done: please confirm it is finished, or reopen it if it is not.")
        }
        NextStep::Closed => Sentence::plain("Finished."),
        NextStep::Cancelled => Sentence::plain("Cancelled."),
    }
}

/// What follows a reply still owed: the work to be done by the earliest
/// due of the request's running resolution or delivery clocks, so the
/// customer hears both when they will hear back and when it will be done.
/// `None` after any other step, or when no such clock runs to a due.
pub fn after_reply(step: NextStep, clocks: &[ClockView], now: Timestamp) -> Option<NextStep> {
    if !matches!(step, NextStep::Reply { .. }) {
        return None;
    }
    let by = clocks
        .iter()
        .filter(|c| c.kind != ClockKind::FirstResponse && c.state == ClockState::Running)
        .filter_map(|c| c.due_at)
        .min()?;
    Some(NextStep::Finish {
        by: Some(by),
        late: by < now,
    })
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

    #[test]
    fn a_sentence_keeps_its_instant_apart_and_reads_the_same_whole() {
        let now = at("2026-12-06T10:00:00Z");
        let due = at("2026-12-07T11:00:00Z");

        let said = next_step_sentence(
            NextStep::Finish {
                by: Some(due),
                late: true,
            },
            &london(),
            now,
        );
        let plain = next_step_sentence(NextStep::YourAnswer, &london(), now);

        assert_eq!(said.before, "We meant to have it done by ");
        assert_eq!(said.at, Some(due));
        assert_eq!(said.when, "Monday 7 Dec, 11:00 GMT");
        assert_eq!(said.after, " and are late: it is still with us.");
        assert_eq!(
            said.to_string(),
            next_step(
                NextStep::Finish {
                    by: Some(due),
                    late: true
                },
                &london(),
                now
            )
        );
        assert_eq!((plain.at, plain.when.as_str()), (None, ""));
        assert_eq!(
            plain.to_string(),
            "Waiting for you: please answer the question below."
        );
    }

    fn clock(kind: ClockKind, state: ClockState, due: Option<&str>) -> ClockView {
        let zero = kept_domain::calendar::BusinessDuration::from_hours(0);
        ClockView {
            kind,
            state,
            target: kept_domain::calendar::BusinessDuration::from_hours(8),
            started_at: at("2026-12-04T09:00:00Z"),
            due_at: due.map(at),
            stopped_at: None,
            elapsed: zero,
            remaining: zero,
            at_risk: false,
            breached: false,
        }
    }

    #[test]
    fn after_the_reply_owed_comes_the_earliest_running_work_due() {
        let now = at("2026-12-06T10:00:00Z");
        let reply = NextStep::Reply {
            by: Some(at("2026-12-06T12:00:00Z")),
            late: false,
        };
        let clocks = [
            clock(
                ClockKind::FirstResponse,
                ClockState::Running,
                Some("2026-12-06T12:00:00Z"),
            ),
            clock(
                ClockKind::Resolution,
                ClockState::Running,
                Some("2026-12-08T17:00:00Z"),
            ),
            clock(
                ClockKind::Delivery,
                ClockState::Running,
                Some("2026-12-07T17:00:00Z"),
            ),
        ];

        assert_eq!(
            after_reply(reply, &clocks, now),
            Some(NextStep::Finish {
                by: Some(at("2026-12-07T17:00:00Z")),
                late: false
            })
        );
        assert_eq!(after_reply(reply, &clocks[..1], now), None, "no work clock");
        let paused = [clock(ClockKind::Resolution, ClockState::Paused, None)];
        assert_eq!(after_reply(reply, &paused, now), None);
        let finish = NextStep::Finish {
            by: None,
            late: false,
        };
        assert_eq!(
            after_reply(finish, &clocks, now),
            None,
            "only after a reply"
        );
    }
}
