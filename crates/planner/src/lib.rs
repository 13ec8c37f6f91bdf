//! Kept's capacity planner: when will each of a team's open commitments be
//! done, given all of them, internal work included?
//!
//! Pure: no I/O. A [`TeamPlan`] holds a team's members (each a working
//! [`kept_calendar::Calendar`] with absences closed on it, and the share of
//! their open time available for planned work) and its open commitments.
//! It simulates the work in order of date (earliest first, priority, then
//! first come, breaking ties) over the members' business time, in quarter
//! hours, and gives each commitment a projected completion.
//!
//! - Work assigned to a member follows that member's earlier work.
//! - Work of the whole team is shared by everyone free before it finishes,
//!   and never finishes sooner than one member alone could do it.
//! - Projections are rounded up to the quarter hour and look about three
//!   years ahead ([`HORIZON_SLOTS`]); beyond that there is none.
//!
//! A change ([`TeamPlan::upsert`], [`TeamPlan::remove`]) re-plans from a
//! state saved at most 16 commitments before the first one it touches; the
//! result is the plan from scratch (a property test holds it to that).
//! [`TeamPlan::quote`] answers for a prospective request: the realistic
//! date and what squeezing it in by its SLA date would push out.
//!
//! ```
//! use kept_calendar::{BusinessDuration, CalendarSpec};
//! use kept_planner::{Member, TeamPlan, Work};
//! let calendar = CalendarSpec::from_toml(r#"
//!     zone = "UTC"
//!     [week]
//!     mon = ["09:00-17:00"]
//!     tue = ["09:00-17:00"]
//! "#)?.compile()?;
//! let now = "2026-03-02T09:00:00Z".parse()?; // a Monday
//! let priya = Member { calendar, share_percent: 50 };
//! let work = |key, hours| Work {
//!     key, due: None, priority: 2, seq: key as i64,
//!     effort: BusinessDuration::from_hours(hours), assignee: None,
//! };
//! // Half of an eight-hour day is four hours: the second job ends Tuesday.
//! let plan = TeamPlan::new(now, vec![priya], vec![work(1, 3), work(2, 3)]);
//! assert_eq!(plan.completion(1), Some(Some("2026-03-02T15:00:00Z".parse()?)));
//! assert_eq!(plan.completion(2), Some(Some("2026-03-03T13:00:00Z".parse()?)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod capacity;
mod plan;
mod quote;
mod simulate;

pub use capacity::{HORIZON_SLOTS, Member, SLOT_SECONDS};
pub use plan::{TeamPlan, Work};
pub use quote::{Prospect, Quote, Slip};
