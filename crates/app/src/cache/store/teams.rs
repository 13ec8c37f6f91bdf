//! Teams through [`CachedStore`]: members, absences and assignments are
//! not reference data, so every call goes straight to the store underneath.

use async_trait::async_trait;
use kept_domain::{
    Absence, AbsenceId, Actor, MemberPlace, NewAbsence, OpenWork, PartyId, Request, RequestEvent,
    RequestId, TeamMember, UserId,
};
use kept_store::{Result, TeamStore};

use super::CachedStore;

#[async_trait]
impl TeamStore for CachedStore {
    async fn team_members(&self, team: PartyId) -> Result<Vec<TeamMember>> {
        self.inner.team_members(team).await
    }
    async fn team_sizes(&self, teams: &[PartyId]) -> Result<Vec<(PartyId, u32)>> {
        self.inner.team_sizes(teams).await
    }
    async fn set_team_member(
        &self,
        actor: &Actor,
        team: PartyId,
        user: UserId,
        place: MemberPlace,
    ) -> Result<TeamMember> {
        self.inner.set_team_member(actor, team, user, place).await
    }
    async fn remove_team_member(
        &self,
        actor: &Actor,
        team: PartyId,
        user: UserId,
    ) -> Result<TeamMember> {
        self.inner.remove_team_member(actor, team, user).await
    }
    async fn add_absence(&self, actor: &Actor, new: NewAbsence) -> Result<Absence> {
        self.inner.add_absence(actor, new).await
    }
    async fn remove_absence(&self, actor: &Actor, team: PartyId, id: AbsenceId) -> Result<Absence> {
        self.inner.remove_absence(actor, team, id).await
    }
    async fn assign_request(
        &self,
        actor: &Actor,
        id: RequestId,
        team: PartyId,
        assignee: Option<UserId>,
    ) -> Result<(Request, RequestEvent)> {
        self.inner.assign_request(actor, id, team, assignee).await
    }
    async fn team_work(&self, team: PartyId) -> Result<Vec<OpenWork>> {
        self.inner.team_work(team).await
    }
}
