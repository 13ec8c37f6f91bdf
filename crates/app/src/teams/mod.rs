//! Teams: who may see one (the provider's managers and agents above it)
//! and change it (its managers), the writes on its members and their
//! absences, and assigning a request to a team and one of its members.
//! The views of the list and of a team's page are in [`view`].
//!
//! A team is a party of kind team: anything else, like a team the caller
//! may not see, is not found, so a customer learns nothing of the
//! provider's teams.

pub mod view;

pub use view::{MemberView, TeamSummary, TeamView, list, view};

use jiff::civil::Date;
use kept_domain::{
    Absence, AbsenceId, Access, Actor, Lineage, MemberPlace, NewAbsence, OpenWork, Party, PartyId,
    PartyKind, Principal, RequestEvent, RequestId, RequestRole, UserId,
};
use kept_store::StoreError;

use crate::Context;
use crate::error::Error;
use crate::requests::{RequestView, readable, shown};

/// Loads a team the caller may read, with its lineage; not found otherwise.
pub async fn readable_team(
    ctx: &Context,
    caller: &Principal,
    id: PartyId,
) -> Result<(Party, Lineage), Error> {
    let party = ctx.store.party(id).await?;
    if party.kind != PartyKind::Team {
        return Err(Error::not_found());
    }
    let lineage = ctx.store.lineage(id).await?;
    Error::check(caller.read_team(&lineage))?;
    Ok((party, lineage))
}

/// Loads a team the caller may change: not found if they may not read it,
/// forbidden if they only read it.
pub async fn managed_team(
    ctx: &Context,
    caller: &Principal,
    id: PartyId,
) -> Result<(Party, Lineage), Error> {
    let (party, lineage) = readable_team(ctx, caller, id).await?;
    Error::check(caller.manage_team(&lineage))?;
    Ok((party, lineage))
}

/// Adds a person to a team the caller manages, or changes their calendar
/// and share. The person must be one whose login the caller may read (a
/// stranger is not found); the calendar one they may read.
pub async fn set_member(
    ctx: &Context,
    caller: &Principal,
    team: PartyId,
    user: UserId,
    place: MemberPlace,
) -> Result<MemberView, Error> {
    managed_team(ctx, caller, team).await?;
    crate::users::readable_user(ctx, caller, user).await?;
    if let Some(calendar) = place.calendar_id {
        match crate::calendars::readable_calendar(ctx, caller, calendar).await {
            Err(e) if e.kind == crate::Kind::NotFound => {
                return Err(Error::field("calendar_id", "no such calendar"));
            }
            other => other?,
        };
    }
    let member = ctx
        .store
        .set_team_member(&Actor::user(caller), team, user, place)
        .await?;
    view::member_view(ctx, member).await
}

/// Takes a person out of a team the caller manages, with their absences;
/// answers their place as it was.
pub async fn remove_member(
    ctx: &Context,
    caller: &Principal,
    team: PartyId,
    user: UserId,
) -> Result<MemberView, Error> {
    managed_team(ctx, caller, team).await?;
    let member = ctx
        .store
        .remove_team_member(&Actor::user(caller), team, user)
        .await?;
    view::member_view(ctx, member).await
}

/// An absence as typed: whose, from and to (both included), and why.
#[derive(Debug, Clone)]
pub struct AbsenceInput {
    /// The member who is away.
    pub user_id: UserId,
    /// The first day away.
    pub starts_on: Date,
    /// The last day away.
    pub ends_on: Date,
    /// Why, in one line.
    pub reason: String,
}

/// Records an absence of a member of a team the caller manages.
pub async fn add_absence(
    ctx: &Context,
    caller: &Principal,
    team: PartyId,
    input: AbsenceInput,
) -> Result<Absence, Error> {
    let new = NewAbsence {
        team_id: team,
        user_id: input.user_id,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        reason: input.reason,
    };
    managed_team(ctx, caller, team).await?;
    let new = new.checked()?;
    Ok(ctx.store.add_absence(&Actor::user(caller), new).await?)
}

/// Takes back an absence recorded in a team the caller manages.
pub async fn remove_absence(
    ctx: &Context,
    caller: &Principal,
    team: PartyId,
    id: AbsenceId,
) -> Result<Absence, Error> {
    managed_team(ctx, caller, team).await?;
    Ok(ctx
        .store
        .remove_absence(&Actor::user(caller), team, id)
        .await?)
}

/// A date typed into a form or a query: `YYYY-MM-DD`.
pub fn date(field: &str, raw: &str) -> Result<Date, Error> {
    raw.trim()
        .parse()
        .map_err(|_| Error::field(field, "must be a date such as 2026-06-01"))
}

/// The open work assigned to a team the caller may read: what the
/// planner reads.
pub async fn work(
    ctx: &Context,
    caller: &Principal,
    team: PartyId,
) -> Result<Vec<OpenWork>, Error> {
    readable_team(ctx, caller, team).await?;
    Ok(ctx.store.team_work(team).await?)
}

/// Assigns a request to one of its provider's teams and, optionally, a
/// member of it, as the provider's agents and managers may; the request's
/// history records it. A team the caller may not see is "no such team".
pub async fn assign(
    ctx: &Context,
    caller: &Principal,
    id: RequestId,
    team: PartyId,
    assignee: Option<UserId>,
) -> Result<(RequestView, RequestEvent), Error> {
    let found = readable(ctx, caller, id).await?;
    if found.role != RequestRole::Provider {
        return Err(Error::forbidden(
            "only the provider's people assign its work",
        ));
    }
    let provider = ctx.store.lineage(found.contract.provider_id).await?;
    Error::check(caller.assign_work(&provider))?;
    let no_team = || Error::field("team_id", "no such team");
    let lineage = match ctx.store.lineage(team).await {
        Err(StoreError::NotFound) => return Err(no_team()),
        other => other?,
    };
    if caller.read_team(&lineage) != Access::Allowed {
        return Err(no_team());
    }
    let (request, event) = match ctx
        .store
        .assign_request(&Actor::user(caller), id, team, assignee)
        .await
    {
        Err(StoreError::NotFound) => return Err(Error::not_found()),
        other => other?,
    };
    Ok((shown(ctx, request).await?, event))
}
