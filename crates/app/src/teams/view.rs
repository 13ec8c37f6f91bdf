//! Teams as the API and the pages show them: the list of the teams the
//! caller may see, a team with its members (names, calendars, shares and
//! absences), and the teams a request may be assigned to.

use std::collections::HashMap;

use kept_domain::{
    CalendarId, Limit, Party, PartyId, PartyKind, PartyName, PartyScope, Principal, Role,
    TeamMember, UserId,
};
use kept_store::{PartyQuery, UserQuery};
use serde::Serialize;

use super::readable_team;
use crate::Context;
use crate::error::Error;

/// A team in the list: its name, where it sits and how many members it has.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamSummary {
    /// The team's party id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: PartyId,
    /// Its name.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name: PartyName,
    /// The party it belongs to.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub parent_id: Option<PartyId>,
    /// That party's name.
    pub parent_name: Option<String>,
    /// How many members it has.
    pub members: u32,
}

/// A member as a team's page and the API show them.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberView {
    /// Their place in the team, with their absences.
    #[serde(flatten)]
    pub member: TeamMember,
    /// Their name.
    pub name: String,
    /// Their login.
    pub email: String,
    /// The name of the calendar they work on (none: around the clock, UTC).
    pub calendar_name: Option<String>,
}

/// A team with its members.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamView {
    /// The team's party id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: PartyId,
    /// Its name.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name: PartyName,
    /// The party it belongs to.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub parent_id: Option<PartyId>,
    /// Its members, in the order they joined.
    pub members: Vec<MemberView>,
    /// Whether the caller may change its members and absences.
    pub can_manage: bool,
}

/// The scope of the teams the caller may read: everything for admins,
/// else what lies under the parties where they are a manager or an agent.
fn team_scope(caller: &Principal) -> Option<PartyScope> {
    if caller.is_admin() {
        return Some(PartyScope::All);
    }
    let roots: Vec<PartyId> = caller
        .grants
        .iter()
        .filter(|g| matches!(g.role, Role::Manager | Role::Agent))
        .map(|g| g.party_id)
        .collect();
    (!roots.is_empty()).then_some(PartyScope::Within {
        roots,
        context: Vec::new(),
    })
}

/// The active teams in `scope` (under `under`, if given), by name.
async fn teams_in(
    ctx: &Context,
    scope: PartyScope,
    under: Option<PartyId>,
) -> Result<Vec<Party>, Error> {
    let mut query = PartyQuery::new(scope);
    query.kind = Some(PartyKind::Team);
    query.under = under;
    query.order = kept_store::PartyOrder::Name;
    query.limit = Limit::MAX_PAGE;
    Ok(ctx.store.list_parties(&query).await?.items)
}

/// The teams the caller may see (the provider's managers and agents see
/// those under the parties they work for), by name; none for anyone else.
pub async fn list(ctx: &Context, caller: &Principal) -> Result<Vec<TeamSummary>, Error> {
    let Some(scope) = team_scope(caller) else {
        return Ok(Vec::new());
    };
    let teams = teams_in(ctx, scope, None).await?;
    let ids: Vec<PartyId> = teams.iter().map(|t| t.id).collect();
    let sizes: HashMap<PartyId, u32> = ctx.store.team_sizes(&ids).await?.into_iter().collect();
    let parents: Vec<PartyId> = teams.iter().filter_map(|t| t.parent_id).collect();
    let names = crate::parties::names(ctx, &parents).await?;
    Ok(teams
        .into_iter()
        .map(|t| TeamSummary {
            members: sizes.get(&t.id).copied().unwrap_or(0),
            parent_name: t.parent_id.and_then(|p| names.get(&p).cloned()),
            id: t.id,
            name: t.name,
            parent_id: t.parent_id,
        })
        .collect())
}

/// `member` with their name, login and calendar's name.
pub(crate) async fn member_view(ctx: &Context, member: TeamMember) -> Result<MemberView, Error> {
    let mut names = HashMap::new();
    member_with(ctx, &mut names, member).await
}

async fn member_with(
    ctx: &Context,
    calendars: &mut HashMap<CalendarId, String>,
    member: TeamMember,
) -> Result<MemberView, Error> {
    let user = ctx.store.user(member.user_id).await?;
    let calendar_name = match member.calendar_id {
        Some(id) => match calendars.get(&id) {
            Some(name) => Some(name.clone()),
            None => {
                let name = ctx.store.calendar(id).await?.name.as_str().to_owned();
                calendars.insert(id, name.clone());
                Some(name)
            }
        },
        None => None,
    };
    Ok(MemberView {
        member,
        name: user.name.as_str().to_owned(),
        email: user.email.to_string(),
        calendar_name,
    })
}

/// The team `id` as the caller may see it.
pub async fn view(ctx: &Context, caller: &Principal, id: PartyId) -> Result<TeamView, Error> {
    let (team, lineage) = readable_team(ctx, caller, id).await?;
    let mut calendars = HashMap::new();
    let mut members = Vec::new();
    for member in ctx.store.team_members(id).await? {
        members.push(member_with(ctx, &mut calendars, member).await?);
    }
    Ok(TeamView {
        id: team.id,
        name: team.name,
        parent_id: team.parent_id,
        members,
        can_manage: caller.manage_team(&lineage).is_allowed(),
    })
}

/// What a team's managers choose from on its page: the people of the
/// team's organisation, and the calendars they may read, by name.
#[derive(Debug, Clone, Default)]
pub struct MemberChoices {
    /// People who may join, as (login, name, email).
    pub people: Vec<(UserId, String, String)>,
    /// Calendars, as (id, name).
    pub calendars: Vec<(CalendarId, String)>,
}

/// The choices of the member form of team `id` (empty unless the caller
/// manages it).
pub async fn member_choices(
    ctx: &Context,
    caller: &Principal,
    id: PartyId,
) -> Result<MemberChoices, Error> {
    let (_, lineage) = readable_team(ctx, caller, id).await?;
    if !caller.manage_team(&lineage).is_allowed() {
        return Ok(MemberChoices::default());
    }
    let top = lineage.0.first().copied().unwrap_or(id);
    let mut query = UserQuery::new(PartyScope::Within {
        roots: vec![top],
        context: Vec::new(),
    });
    query.limit = Limit::MAX_PAGE;
    let people = ctx
        .store
        .list_users(&query)
        .await?
        .items
        .into_iter()
        .map(|u| (u.id, u.name.as_str().to_owned(), u.email.to_string()))
        .collect();
    let filter = crate::calendars::CalendarFilter {
        limit: Limit::MAX_PAGE,
        ..Default::default()
    };
    let calendars = crate::calendars::list(ctx, caller, filter)
        .await?
        .items
        .into_iter()
        .map(|c| (c.id, c.name.as_str().to_owned()))
        .collect();
    Ok(MemberChoices { people, calendars })
}

/// A team a request may be assigned to, with its members as (login, name).
#[derive(Debug, Clone)]
pub struct AssignChoice {
    /// The team's id.
    pub id: PartyId,
    /// Its name.
    pub name: String,
    /// Its members.
    pub members: Vec<(UserId, String)>,
}

/// The teams of `provider` the caller may assign work to, by name, each
/// with its members; none unless they may assign the provider's work.
pub async fn assign_choices(
    ctx: &Context,
    caller: &Principal,
    provider: PartyId,
) -> Result<Vec<AssignChoice>, Error> {
    let lineage = ctx.store.lineage(provider).await?;
    let Some(scope) = team_scope(caller) else {
        return Ok(Vec::new());
    };
    if !caller.assign_work(&lineage).is_allowed() {
        return Ok(Vec::new());
    }
    let mut choices = Vec::new();
    for team in teams_in(ctx, scope, Some(provider)).await? {
        let mut members = Vec::new();
        for m in ctx.store.team_members(team.id).await? {
            let user = ctx.store.user(m.user_id).await?;
            members.push((m.user_id, user.name.as_str().to_owned()));
        }
        choices.push(AssignChoice {
            id: team.id,
            name: team.name.as_str().to_owned(),
            members,
        });
    }
    Ok(choices)
}
