//! Teams and their capacity: a team is an internal party of kind team whose
//! members each work on a calendar, give a share of their hours to planned
//! work, and are away on the days of their absences.
//!
//! A member without a calendar of their own works around the clock in UTC,
//! the same rule as a request whose contract names no calendar: nothing is
//! guessed, and the team's page says so, so that a manager gives them one.

use jiff::civil::Date;
use kept_calendar::{
    Calendar, CalendarSpec, Exception, ExceptionKind, Holiday, InvalidCalendar, Week,
};
use serde::Serialize;

use crate::Timestamp;
use crate::error::{FieldError, ValidationErrors, single_line};
use crate::ids::{AbsenceId, CalendarId, PartyId, UserId};
use crate::party::Lineage;

/// Longest absence, in days (both ends counted).
pub const MAX_ABSENCE_DAYS: i32 = 366;
/// Longest reason of an absence, in characters.
pub const MAX_ABSENCE_REASON: usize = 200;
/// The range of a member's share of their hours for planned work, in percent.
pub const SHARE_PERCENT: crate::WholeRange = crate::WholeRange {
    field: "share_percent",
    min: 1,
    max: 100,
};

/// One person's place in a team.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamMember {
    /// The team (a party of kind team).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub team_id: PartyId,
    /// The member's login.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub user_id: UserId,
    /// The calendar they work on (none: around the clock, UTC).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub calendar_id: Option<CalendarId>,
    /// The share of their hours available for planned work, 1 to 100.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub share_percent: u8,
    /// Their absences, earliest first.
    pub absences: Vec<Absence>,
    /// When they joined the team.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When their place last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

impl TeamMember {
    /// Their compiled calendar with the days of their absences closed;
    /// `spec` is their calendar's (see [`around_the_clock`] for none).
    pub fn calendar(&self, spec: &CalendarSpec) -> Result<Calendar, InvalidCalendar> {
        with_absences(spec, &self.absences).compile()
    }
}

/// A member's place as set: calendar and share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberPlace {
    /// Their calendar (none: around the clock, UTC).
    pub calendar_id: Option<CalendarId>,
    /// Their share of hours for planned work, checked by [`share_percent`].
    pub share_percent: u8,
}

/// A share of hours for planned work: a whole percent from 1 to 100.
pub fn share_percent(raw: u32) -> Result<u8, FieldError> {
    let percent = SHARE_PERCENT.check(raw.into())?;
    u8::try_from(percent).map_err(|_| FieldError::new("share_percent", "must be at most 100"))
}

/// Days a member is away, both ends included, in their calendar's zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Absence {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: AbsenceId,
    /// The team it was recorded in.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub team_id: PartyId,
    /// The member who is away.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub user_id: UserId,
    /// The first day away.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub starts_on: Date,
    /// The last day away (inclusive).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub ends_on: Date,
    /// Why, in one line (may be empty).
    pub reason: String,
    /// When it was recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

impl Absence {
    /// Whether the member is away on `day`.
    pub fn covers(&self, day: Date) -> bool {
        (self.starts_on..=self.ends_on).contains(&day)
    }

    /// Every day away, in order.
    pub fn days(&self) -> impl Iterator<Item = Date> + '_ {
        self.starts_on
            .series(jiff::Span::new().days(1))
            .take_while(|d| *d <= self.ends_on)
    }
}

/// An absence to record, once checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAbsence {
    /// The team.
    pub team_id: PartyId,
    /// The member who is away.
    pub user_id: UserId,
    /// The first day away.
    pub starts_on: Date,
    /// The last day away (inclusive).
    pub ends_on: Date,
    /// Why, in one line.
    pub reason: String,
}

impl NewAbsence {
    /// Checks the dates (in order, at most [`MAX_ABSENCE_DAYS`] days, inside
    /// the dates a calendar can cover) and tidies the reason.
    pub fn checked(mut self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let range = kept_calendar::EARLIEST_DATE..=kept_calendar::LATEST_DATE;
        for (field, day) in [("starts_on", self.starts_on), ("ends_on", self.ends_on)] {
            if !range.contains(&day) {
                errors.push(FieldError::new(
                    field,
                    format!("must be a date from {} to {}", range.start(), range.end()),
                ));
            }
        }
        if self.ends_on < self.starts_on {
            errors.push(FieldError::new("ends_on", "must not be before starts_on"));
        } else if days_between(self.starts_on, self.ends_on) >= MAX_ABSENCE_DAYS {
            errors.push(FieldError::new(
                "ends_on",
                format!(
                    "an absence lasts at most {MAX_ABSENCE_DAYS} days: record a longer one in parts"
                ),
            ));
        }
        if let Some(reason) = errors.check(single_line("reason", &self.reason, MAX_ABSENCE_REASON))
        {
            self.reason = reason;
        }
        errors.into_result(self)
    }
}

/// Whole days from `a` to `b` (negative when `b` is earlier).
fn days_between(a: Date, b: Date) -> i32 {
    a.until((jiff::Unit::Day, b))
        .map_or(i32::MAX, |span| span.get_days())
}

/// `spec` with each day of `absences` closed: a whole-day holiday (which
/// closes the hours that start that day, a night shift included, and
/// replaces a partial holiday), and each one-off opening on that day
/// closed again. Days outside the calendar's valid range are closed
/// already and left out.
pub fn with_absences(spec: &CalendarSpec, absences: &[Absence]) -> CalendarSpec {
    let mut out = spec.clone();
    let in_range =
        |d: Date| spec.valid_from.is_none_or(|f| d >= f) && spec.valid_until.is_none_or(|u| d <= u);
    let mut days: Vec<(Date, &str)> = absences
        .iter()
        .flat_map(|a| a.days().map(move |d| (d, a.reason.as_str())))
        .filter(|(d, _)| in_range(*d))
        .collect();
    days.sort_by_key(|(d, _)| *d);
    days.dedup_by_key(|(d, _)| *d);
    for &(day, reason) in &days {
        let name = if reason.is_empty() { "Away" } else { reason };
        match out.holidays.iter_mut().find(|h| h.date == day) {
            Some(h) => h.open.clear(),
            None => out.holidays.push(Holiday {
                date: day,
                name: name.to_owned(),
                open: Vec::new(),
            }),
        }
        let (start, end) = (
            day.to_datetime(jiff::civil::Time::midnight()),
            next_midnight(day),
        );
        let closings: Vec<Exception> = spec
            .exceptions
            .iter()
            .filter(|x| x.kind == ExceptionKind::Open && x.from < end && x.to > start)
            .map(|x| Exception {
                kind: ExceptionKind::Closed,
                from: x.from.max(start),
                to: x.to.min(end),
                name: name.to_owned(),
            })
            .collect();
        out.exceptions.extend(closings);
    }
    out.holidays.sort_by_key(|h| h.date);
    out
}

/// Midnight at the end of `day`; the calendar's last date where it has no
/// next one.
fn next_midnight(day: Date) -> jiff::civil::DateTime {
    day.tomorrow()
        .unwrap_or(day)
        .to_datetime(jiff::civil::Time::midnight())
}

/// The calendar of a member who has none: open around the clock, in UTC.
pub fn around_the_clock() -> CalendarSpec {
    let day = || vec!["00:00-24:00".parse().unwrap_or_else(|_| unreachable!())];
    CalendarSpec {
        zone: "UTC".into(),
        week: Week {
            mon: day(),
            tue: day(),
            wed: day(),
            thu: day(),
            fri: day(),
            sat: day(),
            sun: day(),
        },
        holidays: Vec::new(),
        exceptions: Vec::new(),
        valid_from: None,
        valid_until: None,
    }
}

/// One open request assigned to a team, as the planner reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenWork {
    /// The request.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: crate::ids::RequestId,
    /// Its number.
    pub number: i64,
    /// Its subject.
    pub subject: String,
    /// The customer it is for.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub customer_id: PartyId,
    /// The contract it is worked under.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub contract_id: crate::ids::ContractId,
    /// How urgent.
    pub priority: crate::terms::Priority,
    /// Business time it takes: its own estimate, else its service's
    /// typical effort; none when neither is known.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2h"))]
    pub effort: Option<kept_calendar::BusinessDuration>,
    /// The earliest due instant of a clock still counting.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub due_at: Option<Timestamp>,
    /// The date promised for it, once a promise is made.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub promised: Option<Timestamp>,
    /// The member it is assigned to, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub assignee_id: Option<UserId>,
    /// Where it stands (always an open status).
    pub status: crate::request::RequestStatus,
    /// When it was raised.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// Whether a team whose lineage is `team` works for the provider `provider`:
/// it sits under it (a team serves the organisation it belongs to).
pub fn serves(team: &Lineage, provider: PartyId) -> bool {
    team.contains(provider)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn absence(from: Date, to: Date) -> Absence {
        Absence {
            id: AbsenceId::new(),
            team_id: PartyId::new(),
            user_id: UserId::new(),
            starts_on: from,
            ends_on: to,
            reason: "Annual leave".into(),
            created_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn new(from: Date, to: Date, reason: &str) -> NewAbsence {
        NewAbsence {
            team_id: PartyId::new(),
            user_id: UserId::new(),
            starts_on: from,
            ends_on: to,
            reason: reason.into(),
        }
    }

    fn office() -> CalendarSpec {
        CalendarSpec::from_toml(
            "zone = \"Europe/London\"\n[week]\nmon = [\"09:00-17:00\"]\ntue = [\"09:00-17:00\"]\n\
             wed = [\"09:00-17:00\"]\nthu = [\"09:00-17:00\"]\nfri = [\"09:00-17:00\", \"22:00-02:00\"]\n\
             [[holidays]]\ndate = \"2026-06-03\"\nname = \"Half day\"\nopen = [\"09:00-12:00\"]\n\
             [[exceptions]]\nkind = \"open\"\nfrom = \"2026-06-06T10:00\"\nto = \"2026-06-06T14:00\"\nname = \"Stock-take\"\n",
        )
        .expect("a valid calendar")
    }

    fn at(text: &str) -> jiff::Timestamp {
        text.parse().expect("an instant")
    }

    #[test]
    fn an_absence_runs_in_order_for_at_most_a_year_with_a_one_line_reason() {
        let ok = new(date(2026, 6, 1), date(2026, 6, 5), "  Leave ")
            .checked()
            .expect("valid");
        assert_eq!(ok.reason, "Leave");
        assert!(
            new(date(2026, 6, 1), date(2026, 6, 1), "")
                .checked()
                .is_ok()
        );
        let fields = |n: NewAbsence| -> Vec<String> {
            n.checked()
                .map(|_| Vec::new())
                .unwrap_or_else(|e| e.0.into_iter().map(|f| f.field).collect())
        };
        assert_eq!(
            fields(new(date(2026, 6, 5), date(2026, 6, 1), "")),
            ["ends_on"]
        );
        assert!(
            new(date(2026, 1, 1), date(2026, 12, 31), "")
                .checked()
                .is_ok()
        );
        assert_eq!(
            fields(new(date(2026, 1, 1), date(2027, 1, 2), "")),
            ["ends_on"]
        );
        assert_eq!(
            fields(new(date(2026, 6, 1), date(2026, 6, 2), "two\nlines")),
            ["reason"]
        );
        assert_eq!(
            fields(new(date(1800, 6, 1), date(1800, 6, 2), "")),
            ["starts_on", "ends_on"]
        );
    }

    #[test]
    fn shares_are_whole_percents_from_one_to_a_hundred() {
        assert_eq!(share_percent(1), Ok(1));
        assert_eq!(share_percent(100), Ok(100));
        assert!(share_percent(0).is_err());
        assert!(share_percent(101).is_err());
    }

    #[test]
    fn absence_days_are_closed_on_the_members_calendar() {
        let spec = office();
        // Away Tuesday 2 to Wednesday 3 June 2026.
        let away = [absence(date(2026, 6, 2), date(2026, 6, 3))];
        let calendar = with_absences(&spec, &away).compile().expect("compiles");
        assert!(calendar.is_open(at("2026-06-01T10:00:00+01:00")));
        assert!(!calendar.is_open(at("2026-06-02T10:00:00+01:00")));
        // The partial holiday on the 3rd is closed whole.
        assert!(!calendar.is_open(at("2026-06-03T10:00:00+01:00")));
        assert!(calendar.is_open(at("2026-06-04T10:00:00+01:00")));
    }

    #[test]
    fn an_absence_closes_a_night_shift_that_starts_that_day_and_one_off_openings() {
        let spec = office();
        // Away Friday 5 and Saturday 6 June 2026.
        let away = [absence(date(2026, 6, 5), date(2026, 6, 6))];
        let calendar = with_absences(&spec, &away).compile().expect("compiles");
        assert!(!calendar.is_open(at("2026-06-05T23:00:00+01:00")));
        assert!(!calendar.is_open(at("2026-06-06T01:00:00+01:00")));
        assert!(!calendar.is_open(at("2026-06-06T11:00:00+01:00")));
        let present = spec.compile().expect("compiles");
        assert!(present.is_open(at("2026-06-05T23:00:00+01:00")));
        assert!(present.is_open(at("2026-06-06T11:00:00+01:00")));
    }

    #[test]
    fn overlapping_absences_and_days_outside_the_calendar_still_compile() {
        let mut spec = office();
        spec.valid_until = Some(date(2026, 6, 30));
        let away = [
            absence(date(2026, 6, 29), date(2026, 7, 3)),
            absence(date(2026, 6, 30), date(2026, 6, 30)),
        ];
        let closed = with_absences(&spec, &away);
        assert_eq!(
            closed
                .holidays
                .iter()
                .filter(|h| h.date >= date(2026, 6, 29))
                .count(),
            2
        );
        closed.validate().expect("still a valid calendar");
    }

    #[test]
    fn a_member_without_a_calendar_works_around_the_clock_except_when_away() {
        let member = TeamMember {
            team_id: PartyId::new(),
            user_id: UserId::new(),
            calendar_id: None,
            share_percent: 50,
            absences: vec![absence(date(2026, 6, 2), date(2026, 6, 2))],
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        };
        let calendar = member.calendar(&around_the_clock()).expect("compiles");
        assert!(calendar.is_open(at("2026-06-01T03:00:00Z")));
        assert!(!calendar.is_open(at("2026-06-02T12:00:00Z")));
    }

    #[test]
    fn a_team_serves_the_organisations_it_sits_under() {
        let (provider, team, other) = (PartyId::new(), PartyId::new(), PartyId::new());
        let lineage = Lineage(vec![provider, team]);
        assert!(serves(&lineage, provider));
        assert!(!serves(&lineage, other));
    }
}
