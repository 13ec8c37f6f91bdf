//! Teams: members, absences and the work assigned to them.

use async_trait::async_trait;
use kept_domain::{
    Absence, AbsenceId, Actor, MemberPlace, NewAbsence, OpenWork, PartyId, Request, RequestEvent,
    RequestId, TeamMember, UserId,
};

use crate::Result;

// Named only by doc links.
#[cfg(doc)]
use crate::StoreError;

/// Teams' members, their absences, and the requests assigned to teams.
#[async_trait]
pub trait TeamStore: Send + Sync {
    /// The members of `team`, in the order they joined, each with their
    /// absences (earliest first).
    async fn team_members(&self, team: PartyId) -> Result<Vec<TeamMember>>;
    /// How many members each of `teams` has; a team without any is left out.
    async fn team_sizes(&self, teams: &[PartyId]) -> Result<Vec<(PartyId, u32)>>;
    /// Adds `user` to `team`, or changes their calendar and share. The team
    /// must be an active party of kind team, the user an active login, the
    /// calendar an active one ([`StoreError::Invalid`] names the field).
    async fn set_team_member(
        &self,
        actor: &Actor,
        team: PartyId,
        user: UserId,
        place: MemberPlace,
    ) -> Result<TeamMember>;
    /// Takes `user` out of `team`, with their absences there, and returns
    /// their place as it was; [`StoreError::NotFound`] when they are not a
    /// member.
    async fn remove_team_member(
        &self,
        actor: &Actor,
        team: PartyId,
        user: UserId,
    ) -> Result<TeamMember>;
    /// Records an absence (checked again here) of a member of the team.
    async fn add_absence(&self, actor: &Actor, new: NewAbsence) -> Result<Absence>;
    /// Takes back an absence recorded in `team`; [`StoreError::NotFound`]
    /// when it has none with this id.
    async fn remove_absence(&self, actor: &Actor, team: PartyId, id: AbsenceId) -> Result<Absence>;
    /// Assigns an open request to `team` (an active team under the
    /// request's provider) and optionally one of its members, under the
    /// request's row lock, appending an internal `assigned` event.
    async fn assign_request(
        &self,
        actor: &Actor,
        id: RequestId,
        team: PartyId,
        assignee: Option<UserId>,
    ) -> Result<(Request, RequestEvent)>;
    /// The open requests assigned to `team`, by number: what the planner
    /// reads. Each one's effort is its own estimate, else its service's
    /// typical effort.
    async fn team_work(&self, team: PartyId) -> Result<Vec<OpenWork>>;
}
