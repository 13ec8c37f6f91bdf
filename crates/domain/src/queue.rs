//! The queue's order as one integer per request, so that a database index
//! can serve it and a page costs the same however many requests are open.
//!
//! The order is: breached requests first, then the soonest due, then open
//! requests with no clock running (paused, or without targets), then closed
//! ones; the store breaks ties by number (oldest first). "Due" is the
//! instant a request's next target falls due on its contract's calendar, so
//! two requests on different calendars are ordered by when they fall due,
//! not by how much business time each has left: a request with 15 business
//! hours left on a 24-hour calendar falls due before one with 3 hours left on
//! office hours late on a Friday, and comes first.
//!
//! The key is stored with the request and rewritten whenever its status or
//! clocks change. Business time left cannot be stored: it changes as time
//! passes, at a different rate on each calendar.

use crate::{RequestStatus, Timestamp};

/// The key of a closed request: after every open one.
pub const CLOSED: i64 = i64::MAX;

/// The key of an open request with no clock running: after every due one.
const OPEN_UNCLOCKED: i64 = i64::MAX - 1;

/// The key of a breached request with no clock running (a breached clock
/// paused while the request awaits the customer): after the breached ones
/// that are due, before every request that is not breached.
pub const BREACHED_LAST: i64 = -(1 << 61);

/// Where breached due instants start. Instants are microseconds since 1970
/// within ±4 × 10^17 (jiff's range, years −9999 to 9999), so the bands
/// `BREACHED_BASE + due`, [`BREACHED_LAST`], `due` and the two above never
/// meet or overflow.
const BREACHED_BASE: i64 = -(1 << 62);

/// The last key an open request can have.
pub const OPEN_LAST: i64 = OPEN_UNCLOCKED;

/// A request's place in the queue: lower comes first.
///
/// `breached` is whether a clock that still counts raised its breach alarm
/// and `due_at` the earliest due instant of its running clocks, as
/// [`crate::progress::summarise`] gives them.
pub fn key(status: RequestStatus, breached: bool, due_at: Option<Timestamp>) -> i64 {
    if !status.is_open() {
        return CLOSED;
    }
    match (breached, due_at) {
        (true, Some(due)) => BREACHED_BASE + due.as_microsecond(),
        (true, None) => BREACHED_LAST,
        (false, Some(due)) => due.as_microsecond(),
        (false, None) => OPEN_UNCLOCKED,
    }
}

/// The highest key a request due before `instant` can have (it has a due
/// instant, so it is open; breached ones sort lower still).
pub fn due_before_last(instant: Timestamp) -> i64 {
    instant.as_microsecond() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Ordering;

    /// The order as described, compared field by field.
    fn described(
        a: (RequestStatus, bool, Option<Timestamp>),
        b: (RequestStatus, bool, Option<Timestamp>),
    ) -> Ordering {
        let rank = |(status, breached, due): (RequestStatus, bool, Option<Timestamp>)| {
            let band = match (status.is_open(), breached, due.is_some()) {
                (false, _, _) => 4,
                (true, true, true) => 0,
                (true, true, false) => 1,
                (true, false, true) => 2,
                (true, false, false) => 3,
            };
            (band, if band == 0 || band == 2 { due } else { None })
        };
        rank(a).cmp(&rank(b))
    }

    fn instant() -> impl Strategy<Value = Timestamp> {
        (
            Timestamp::MIN.as_microsecond()..=Timestamp::MAX.as_microsecond(),
            any::<bool>(),
        )
            .prop_map(|(micros, near)| {
                // Half of them near one another, where ties and close calls are.
                let micros = if near { micros % 10_000 } else { micros };
                Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
            })
    }

    fn entry() -> impl Strategy<Value = (RequestStatus, bool, Option<Timestamp>)> {
        (
            0..RequestStatus::ALL.len(),
            any::<bool>(),
            proptest::option::of(instant()),
        )
            .prop_map(|(s, breached, due)| (RequestStatus::ALL[s], breached, due))
    }

    proptest! {
        #[test]
        fn keys_sort_exactly_as_the_order_is_described(a in entry(), b in entry()) {
            let by_key = key(a.0, a.1, a.2).cmp(&key(b.0, b.1, b.2));

            prop_assert_eq!(by_key, described(a, b));
        }
    }

    #[test]
    fn the_bands_bound_what_a_filter_can_match() {
        let now: Timestamp = "2026-12-04T17:00:00Z".parse().expect("instant");
        let later: Timestamp = "2026-12-05T09:00:00Z".parse().expect("instant");

        let breached_paused = key(RequestStatus::AwaitingCustomer, true, None);
        let breached_due = key(RequestStatus::New, true, Some(later));
        let due_now = key(RequestStatus::InProgress, false, Some(now));
        let unclocked = key(RequestStatus::New, false, None);
        let closed = key(RequestStatus::Closed, true, Some(now));

        assert!(breached_due < breached_paused && breached_paused == BREACHED_LAST);
        assert!(BREACHED_LAST < due_now && due_now <= due_before_last(later));
        assert!(due_now > due_before_last(now));
        assert!(unclocked == OPEN_LAST && OPEN_LAST < closed && closed == CLOSED);
    }
}
