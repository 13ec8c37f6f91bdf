//! Who sees a team and who changes it: the provider's own people, and
//! nobody else (a customer, client or supplier is told it does not exist).

use super::{Access, Principal};
use crate::party::Lineage;
use crate::role::Role;

impl Principal {
    /// Whether the user holds one of `roles` on the party whose lineage
    /// is given, or on a party above it.
    fn holds_over(&self, lineage: &Lineage, roles: &[Role]) -> bool {
        self.grants
            .iter()
            .any(|g| roles.contains(&g.role) && lineage.contains(g.party_id))
    }

    /// May the user read the team whose lineage is given (its members,
    /// their calendars, shares and absences)? Admins, and the managers and
    /// agents of the team or of a party above it; hidden from anyone else.
    pub fn read_team(&self, team: &Lineage) -> Access {
        if self.is_admin() || self.holds_over(team, &[Role::Manager, Role::Agent]) {
            Access::Allowed
        } else {
            Access::Hidden
        }
    }

    /// May the user change the team's members and absences? Admins and
    /// the managers of the team or of a party above it; agents read only.
    pub fn manage_team(&self, team: &Lineage) -> Access {
        if self.is_admin() || self.holds_over(team, &[Role::Manager]) {
            Access::Allowed
        } else {
            self.read_team(team).and_forbidden()
        }
    }

    /// May the user assign work of the provider whose lineage is given to
    /// a team? Admins, and the provider's managers and agents.
    pub fn assign_work(&self, provider: &Lineage) -> Access {
        if self.is_admin() || self.holds_over(provider, &[Role::Manager, Role::Agent]) {
            Access::Allowed
        } else {
            Access::Forbidden
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::principal;
    use super::*;
    use crate::ids::PartyId;

    #[test]
    fn managers_above_a_team_manage_it_agents_read_it_and_others_never_see_it() {
        let (provider, team, client, site) = (
            PartyId::new(),
            PartyId::new(),
            PartyId::new(),
            PartyId::new(),
        );
        let lineage = Lineage(vec![provider, team]);
        let manager = principal(PartyId::new(), &[(Role::Manager, provider)], &[]);
        let agent = principal(PartyId::new(), &[(Role::Agent, provider)], &[]);
        let customer = principal(PartyId::new(), &[(Role::Customer, site)], &[client]);
        let client_contact = principal(PartyId::new(), &[(Role::Client, client)], &[]);
        let admin = principal(PartyId::new(), &[(Role::Admin, client)], &[]);
        assert_eq!(manager.manage_team(&lineage), Access::Allowed);
        assert_eq!(agent.read_team(&lineage), Access::Allowed);
        assert_eq!(agent.manage_team(&lineage), Access::Forbidden);
        assert_eq!(customer.read_team(&lineage), Access::Hidden);
        assert_eq!(customer.manage_team(&lineage), Access::Hidden);
        assert_eq!(client_contact.manage_team(&lineage), Access::Hidden);
        assert_eq!(admin.manage_team(&lineage), Access::Allowed);
        // A customer granted on the provider itself is still not its staff.
        let odd = principal(PartyId::new(), &[(Role::Customer, provider)], &[]);
        assert_eq!(odd.read_team(&lineage), Access::Hidden);
    }

    #[test]
    fn the_providers_agents_and_managers_assign_its_work() {
        let provider = PartyId::new();
        let lineage = Lineage(vec![provider]);
        let agent = principal(PartyId::new(), &[(Role::Agent, provider)], &[]);
        let client = principal(PartyId::new(), &[(Role::Client, provider)], &[]);
        assert_eq!(agent.assign_work(&lineage), Access::Allowed);
        assert_eq!(client.assign_work(&lineage), Access::Forbidden);
    }
}
