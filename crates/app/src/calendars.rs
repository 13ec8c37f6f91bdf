//! Calendars: who may read one (its keeper's people, and the people of a
//! contract that runs on it) and who may change it, the writes (store,
//! change, archive, restore) that the API and the pages both run, the
//! views of the list and of a calendar's page, and reading an instant
//! typed at the edge.

use crate::Context;
use crate::error::Error;
use kept_domain::business_calendar::{problems, validate_spec};
use kept_domain::calendar::CalendarSpec;
use kept_domain::{
    Actor, CalendarId, CalendarPatch, Limit, NewCalendar, Page, PartyId, PartyKind, PartyName,
    Principal, StoredCalendar, Timestamp,
};
use kept_store::{ArchivedFilter, CalendarQuery};

/// Fails unless the caller may manage a calendar kept by `owner`.
pub async fn check_manage_calendar(
    ctx: &Context,
    caller: &Principal,
    owner: PartyId,
) -> Result<(), Error> {
    let lineage = match ctx.store.lineage(owner).await {
        Err(kept_store::StoreError::NotFound) => {
            return Err(Error::field("owner_id", "no such party"));
        }
        other => other?,
    };
    match caller.manage_party(&lineage) {
        kept_domain::Access::Hidden => Err(Error::field("owner_id", "no such party")),
        other => Error::check(other),
    }
}

/// Loads a calendar the caller may read (they see its owner, or a
/// contract that runs on it), or answers not found.
pub async fn readable_calendar(
    ctx: &Context,
    caller: &Principal,
    id: CalendarId,
) -> Result<StoredCalendar, Error> {
    let calendar = ctx.store.calendar(id).await?;
    let keeper = ctx.store.lineage(calendar.owner_id).await?;
    // The contracts are asked only of those who do not see the owner.
    let covered = !caller.read_party(&keeper).is_allowed()
        && super::contracts::on_a_contract_seen(ctx, caller, None, Some(id)).await?;
    Error::check(caller.read_catalog_entry(&keeper, covered))?;
    Ok(calendar)
}

/// Loads a calendar the caller may change.
pub async fn managed_calendar(
    ctx: &Context,
    caller: &Principal,
    id: CalendarId,
) -> Result<StoredCalendar, Error> {
    let calendar = readable_calendar(ctx, caller, id).await?;
    let lineage = ctx.store.lineage(calendar.owner_id).await?;
    Error::check(caller.manage_party(&lineage))?;
    Ok(calendar)
}

/// An instant given in a query: RFC 3339 with an offset.
pub fn instant(field: &str, raw: &str) -> Result<Timestamp, Error> {
    raw.trim().parse().map_err(|_| {
        Error::field(
            field,
            "must be an instant in RFC 3339, such as 2026-03-27T16:30:00Z",
        )
    })
}

/// A calendar's rules as given: in the calendar format (JSON), or the same
/// written as TOML text. Either is checked by [`Rules::read`], every
/// problem named by its place (`spec.week.mon[1]`, `toml` for the text).
#[derive(Debug, Clone)]
pub enum Rules {
    /// The calendar format, already deserialised (boxed: it is large).
    Spec(Box<CalendarSpec>),
    /// The same written as TOML.
    Toml(String),
}

impl Rules {
    /// The rules given in one of the two notations, if any: both is an
    /// error, since they could disagree.
    pub fn either(spec: Option<CalendarSpec>, toml: Option<String>) -> Result<Option<Self>, Error> {
        match (spec, toml) {
            (Some(_), Some(_)) => Err(Error::field("toml", "give either spec or toml, not both")),
            (Some(spec), None) => Ok(Some(Self::Spec(Box::new(spec)))),
            (None, Some(text)) => Ok(Some(Self::Toml(text))),
            (None, None) => Ok(None),
        }
    }

    /// The calendar these rules describe, checked: TOML that does not
    /// parse is named under `toml`, a calendar that does not hold together
    /// under `spec`.
    pub fn read(self) -> Result<CalendarSpec, Error> {
        let spec = match self {
            Self::Spec(spec) => *spec,
            Self::Toml(text) => CalendarSpec::from_toml(&text).map_err(|e| problems("toml", &e))?,
        };
        validate_spec("spec", &spec)?;
        Ok(spec)
    }
}

/// A calendar to store.
#[derive(Debug, Clone)]
pub struct CalendarInput {
    /// Its name.
    pub name: PartyName,
    /// The party that keeps it (the caller must manage it).
    pub owner_id: PartyId,
    /// Its rules.
    pub rules: Rules,
}

/// Stores a calendar kept by a party the caller manages, once its rules
/// hold together. A keeper the caller cannot see is named as "no such
/// party", as if it did not exist.
pub async fn create(
    ctx: &Context,
    caller: &Principal,
    input: CalendarInput,
) -> Result<StoredCalendar, Error> {
    let spec = input.rules.read()?;
    check_manage_calendar(ctx, caller, input.owner_id).await?;
    let new = NewCalendar {
        name: input.name,
        owner_id: input.owner_id,
        spec,
    };
    Ok(ctx.store.create_calendar(&Actor::user(caller), new).await?)
}

/// A change to a calendar; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct CalendarChange {
    /// A new name.
    pub name: Option<PartyName>,
    /// New rules, replacing the old ones whole.
    pub rules: Option<Rules>,
}

/// Renames a calendar the caller manages or replaces its rules, checked as
/// on creation (after the access check: the rules of a calendar the
/// caller may not change are not theirs to hear about).
pub async fn update(
    ctx: &Context,
    caller: &Principal,
    id: CalendarId,
    change: CalendarChange,
) -> Result<StoredCalendar, Error> {
    managed_calendar(ctx, caller, id).await?;
    let patch = CalendarPatch {
        name: change.name,
        spec: change.rules.map(Rules::read).transpose()?,
    };
    Ok(ctx
        .store
        .update_calendar(&Actor::user(caller), id, patch)
        .await?)
}

/// Archives a calendar the caller manages.
pub async fn archive(
    ctx: &Context,
    caller: &Principal,
    id: CalendarId,
) -> Result<StoredCalendar, Error> {
    set_archived(ctx, caller, id, true).await
}

/// Restores an archived calendar the caller manages.
pub async fn restore(
    ctx: &Context,
    caller: &Principal,
    id: CalendarId,
) -> Result<StoredCalendar, Error> {
    set_archived(ctx, caller, id, false).await
}

async fn set_archived(
    ctx: &Context,
    caller: &Principal,
    id: CalendarId,
    archived: bool,
) -> Result<StoredCalendar, Error> {
    managed_calendar(ctx, caller, id).await?;
    Ok(ctx
        .store
        .set_calendar_archived(&Actor::user(caller), id, archived)
        .await?)
}

/// Which calendars to list: a [`CalendarQuery`] without its scope, which
/// is always the caller's.
#[derive(Debug, Clone, Default)]
pub struct CalendarFilter {
    /// Active, archived or both.
    pub archived: ArchivedFilter,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

/// A page of the calendars of parties the caller may see, by name.
pub async fn list(
    ctx: &Context,
    caller: &Principal,
    filter: CalendarFilter,
) -> Result<Page<StoredCalendar>, Error> {
    let query = CalendarQuery {
        scope: caller.party_scope(),
        archived: filter.archived,
        cursor: filter.cursor,
        limit: filter.limit,
    };
    Ok(ctx.store.list_calendars(&query).await?)
}

/// The calendars as their list page shows them.
#[derive(Debug, Clone)]
pub struct CalendarListing {
    /// The active calendars the caller sees, by name, each with its
    /// keeper's name.
    pub rows: Vec<(StoredCalendar, String)>,
    /// The parties the caller may keep a calendar for (organisations they
    /// manage), by name.
    pub owners: Vec<(PartyId, String)>,
}

/// The calendars the caller sees (one page of the largest size), and who
/// they may keep a new one for.
pub async fn listing(ctx: &Context, caller: &Principal) -> Result<CalendarListing, Error> {
    let filter = CalendarFilter {
        limit: Limit::MAX_PAGE,
        ..CalendarFilter::default()
    };
    let calendars = list(ctx, caller, filter).await?.items;
    let ids: Vec<PartyId> = calendars.iter().map(|c| c.owner_id).collect();
    let names = super::parties::names(ctx, &ids).await?;
    let rows = calendars
        .into_iter()
        .map(|c| {
            let owner = names.get(&c.owner_id).cloned().unwrap_or_default();
            (c, owner)
        })
        .collect();
    let owners = super::parties::managed(ctx, caller, Some(PartyKind::Organisation)).await?;
    Ok(CalendarListing { rows, owners })
}

/// A calendar as its page shows it.
#[derive(Debug, Clone)]
pub struct CalendarView {
    /// The calendar.
    pub calendar: StoredCalendar,
    /// Its keeper's name.
    pub owner: String,
    /// Whether the caller sees the keeper (else they read the calendar
    /// through a contract that runs on it).
    pub sees_owner: bool,
    /// Whether the caller may change it.
    pub can_manage: bool,
}

/// The calendar `id` as the caller may see it.
pub async fn view(
    ctx: &Context,
    caller: &Principal,
    id: CalendarId,
) -> Result<CalendarView, Error> {
    let calendar = readable_calendar(ctx, caller, id).await?;
    let lineage = ctx.store.lineage(calendar.owner_id).await?;
    let owner = ctx.store.party(calendar.owner_id).await?.name;
    Ok(CalendarView {
        owner: owner.as_str().to_owned(),
        sees_owner: caller.read_party(&lineage).is_allowed(),
        can_manage: caller.manage_party(&lineage).is_allowed(),
        calendar,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: &Error) -> Vec<&str> {
        e.errors.iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn rules_come_in_one_notation_at_a_time() {
        let spec = CalendarSpec::from_toml("zone = \"UTC\"\n").expect("parses");
        let both = Rules::either(Some(spec), Some("zone = \"UTC\"\n".into()));
        assert_eq!(
            both.map(|_| ()).map_err(|e| fields(&e).join(",")),
            Err("toml".into())
        );
        assert!(matches!(Rules::either(None, None), Ok(None)));
    }

    #[test]
    fn text_that_does_not_parse_is_named_toml_and_a_bad_calendar_spec() {
        let unparsed = Rules::Toml("zone = \"UTC\"\n[week\n".into())
            .read()
            .expect_err("not TOML");
        assert!(fields(&unparsed).iter().all(|f| f.starts_with("toml")));
        let invalid = Rules::Toml(
            "zone = \"Nowhere/City\"\n[week]\nmon = [\"09:00-13:00\", \"12:00-17:00\"]\n".into(),
        )
        .read()
        .expect_err("not a calendar");
        assert_eq!(fields(&invalid), ["spec.zone", "spec.week.mon[1]"]);
    }
}
