//! Who may see and change what: the tenancy rules, decided without I/O.
//!
//! A grant of any role on a party reaches that party and everything nested
//! under it. A user also reaches their own person party. The parties *above*
//! what a user reaches (their head office, say) are visible as context, by
//! name, but nothing beneath them is. Admins reach everything.
//!
//! Each decision is an [`Access`]: allowed; forbidden (the caller may see the
//! thing but not do this to it); or hidden (the caller may not even know it
//! exists, so the HTTP layer answers 404, the same as for a missing id).

use std::collections::BTreeSet;

mod links;
mod raising;
mod teams;

pub use links::{LinkAccess, LinkEnd};
pub use raising::Raiser;

use crate::ids::{PartyId, UserId};
use crate::party::Lineage;
use crate::role::{Grant, Role};
use crate::user::Email;

/// The outcome of a policy decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Go ahead.
    Allowed,
    /// The caller can see the object but may not do this (HTTP 403).
    Forbidden,
    /// The caller may not know the object exists (HTTP 404).
    Hidden,
}

impl Access {
    /// True when allowed.
    pub fn is_allowed(self) -> bool {
        self == Self::Allowed
    }
}

/// Which parties a query may return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartyScope {
    /// Every party (admins).
    All,
    /// The subtrees under `roots`, plus the `context` parties themselves.
    Within {
        /// Parties whose whole subtree is visible.
        roots: Vec<PartyId>,
        /// Parties visible on their own, without what is under them.
        context: Vec<PartyId>,
    },
}

/// The authenticated caller, with everything the policy needs to decide.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// The user's own person party.
    pub party_id: PartyId,
    /// The user's login.
    pub email: Email,
    /// The user's name.
    pub name: String,
    /// Every role the user holds.
    pub grants: Vec<Grant>,
    /// The ancestors of the parties the user reaches (see the module docs).
    pub context: BTreeSet<PartyId>,
}

impl Principal {
    /// Whether the user is an admin of the installation.
    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }

    /// Whether the user holds `role` on any party.
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// The parties whose subtrees the user reaches: granted parties and their own.
    pub fn roots(&self) -> impl Iterator<Item = PartyId> + '_ {
        std::iter::once(self.party_id).chain(self.grants.iter().map(|g| g.party_id))
    }

    /// The scope of party lists for this user.
    pub fn party_scope(&self) -> PartyScope {
        if self.is_admin() {
            return PartyScope::All;
        }
        let roots: BTreeSet<PartyId> = self.roots().collect();
        PartyScope::Within {
            context: self.context.difference(&roots).copied().collect(),
            roots: roots.into_iter().collect(),
        }
    }

    /// The scope of user lists: every login for admins; otherwise the user's
    /// own and those of people under the parties they manage.
    pub fn user_scope(&self) -> PartyScope {
        if self.is_admin() {
            return PartyScope::All;
        }
        let managed = self
            .grants
            .iter()
            .filter(|g| g.role == Role::Manager)
            .map(|g| g.party_id);
        let roots: BTreeSet<PartyId> = std::iter::once(self.party_id).chain(managed).collect();
        PartyScope::Within {
            roots: roots.into_iter().collect(),
            context: Vec::new(),
        }
    }

    /// Whether the user reaches the party whose lineage is given (it or an
    /// ancestor is one of the user's roots).
    pub fn reaches(&self, lineage: &Lineage) -> bool {
        self.roots().any(|root| lineage.contains(root))
    }

    /// May the user read this party?
    pub fn read_party(&self, lineage: &Lineage) -> Access {
        let in_context = lineage.party().is_some_and(|p| self.context.contains(&p));
        if self.is_admin() || self.reaches(lineage) || in_context {
            Access::Allowed
        } else {
            Access::Hidden
        }
    }

    /// Does the user see this party's details (its reference, flags, dates
    /// and parent), or, for a party above what they reach (context), its
    /// name alone? Only meaningful for a party they may read.
    pub fn sees_party_details(&self, lineage: &Lineage) -> bool {
        self.is_admin() || self.reaches(lineage)
    }

    /// May the user change or archive this party, or create parties under it?
    /// Admins anywhere; managers under the party they manage.
    pub fn manage_party(&self, lineage: &Lineage) -> Access {
        let manages = self
            .grants
            .iter()
            .any(|g| g.role == Role::Manager && lineage.contains(g.party_id));
        if self.is_admin() || manages {
            Access::Allowed
        } else {
            self.read_party(lineage).and_forbidden()
        }
    }

    /// May the user create a party at the top of a tree? Admins only.
    pub fn create_top_level_party(&self) -> Access {
        if self.is_admin() {
            Access::Allowed
        } else {
            Access::Forbidden
        }
    }

    /// May the user read the login of `user`, whose person party has `lineage`?
    /// Admins, the user themself, and managers of a party above the person.
    pub fn read_user(&self, user: UserId, lineage: &Lineage) -> Access {
        if user == self.user_id || self.manage_party(lineage).is_allowed() {
            Access::Allowed
        } else {
            Access::Hidden
        }
    }

    /// May the user create, change or archive logins and grant roles? Admins only.
    pub fn administer_users(&self) -> Access {
        if self.is_admin() {
            Access::Allowed
        } else {
            Access::Forbidden
        }
    }
}

/// The caller's part in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestRole {
    /// The provider's people (and admins): they work it, see internal
    /// notes and take every step.
    Provider,
    /// The client's and the customer's people and the requester: they see
    /// its public history, reply, and close, reopen or cancel it.
    Customer,
}

impl Principal {
    /// The caller's part in a request on a contract whose provider, client
    /// and customer have these lineages, asked by `requester`; none when
    /// the request is not theirs to see. Matches the store's visibility.
    pub fn request_role(
        &self,
        provider: &Lineage,
        client: &Lineage,
        customer: &Lineage,
        requester: UserId,
    ) -> Option<RequestRole> {
        if self.is_admin() || self.reaches(provider) {
            Some(RequestRole::Provider)
        } else if self.reaches(client) || self.reaches(customer) || requester == self.user_id {
            Some(RequestRole::Customer)
        } else {
            None
        }
    }

    /// Whether the user sees a contract whose provider, client and
    /// customers have these lineages and which `steering` steers: admins;
    /// whoever reaches its provider, its client or one of its customers;
    /// the people of a customer's parts (a department of a covered site),
    /// for whom that customer is context; its steering group.
    ///
    /// The store's SQL (`push_visible` in kept-store's contracts.rs) says the
    /// same; the property test `the_domain_rule_and_the_store_agree_on_who_sees_each_contract`
    /// in kept-store's conformance suite keeps the two equal, so change them together.
    pub fn sees_contract(
        &self,
        provider: &Lineage,
        client: &Lineage,
        customers: &[Lineage],
        steering: &[UserId],
    ) -> bool {
        self.is_admin()
            || self.reaches(provider)
            || self.reaches(client)
            || customers
                .iter()
                .any(|c| self.reaches(c) || c.party().is_some_and(|p| self.context.contains(&p)))
            || steering.contains(&self.user_id)
    }

    /// May the user read a catalog entry (a service, a calendar) kept by
    /// the party with lineage `keeper`? Whoever may read the keeper; and,
    /// read-only, whoever sees a contract that lists the service or runs
    /// on the calendar (`on_a_contract_they_see`, which the store answers
    /// within the caller's scope): a store's manager reads what their
    /// contract covers and its hours, nothing else of the provider's.
    pub fn read_catalog_entry(&self, keeper: &Lineage, on_a_contract_they_see: bool) -> Access {
        if self.read_party(keeper).is_allowed() || on_a_contract_they_see {
            Access::Allowed
        } else {
            Access::Hidden
        }
    }

    /// May the user accept a request the contract does not cover? Admins
    /// and managers of the provider.
    pub fn override_scope(&self, provider: &Lineage) -> bool {
        self.is_admin()
            || self
                .grants
                .iter()
                .any(|g| g.role == Role::Manager && provider.contains(g.party_id))
    }
}

impl Access {
    /// Turns "allowed to see" into "forbidden to change"; hidden stays hidden.
    fn and_forbidden(self) -> Access {
        match self {
            Access::Allowed | Access::Forbidden => Access::Forbidden,
            Access::Hidden => Access::Hidden,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;
    use crate::ids::GrantId;

    struct Tree {
        provider: PartyId,
        helpdesk: PartyId,
        head_office: PartyId,
        store_a: PartyId,
        store_b: PartyId,
        alice_at_a: PartyId,
    }

    fn tree() -> Tree {
        Tree {
            provider: PartyId::new(),
            helpdesk: PartyId::new(),
            head_office: PartyId::new(),
            store_a: PartyId::new(),
            store_b: PartyId::new(),
            alice_at_a: PartyId::new(),
        }
    }

    /// A principal holding `grants`, with `context` parties (shared with
    /// the tests of the policy's submodules).
    pub(super) fn principal(
        person: PartyId,
        grants: &[(Role, PartyId)],
        context: &[PartyId],
    ) -> Principal {
        let user_id = UserId::new();
        Principal {
            user_id,
            party_id: person,
            email: Email::parse("email", "someone@example.com").unwrap_or_else(|_| unreachable!()),
            name: "Someone".into(),
            grants: grants
                .iter()
                .map(|&(role, party_id)| Grant {
                    id: GrantId::new(),
                    user_id,
                    role,
                    party_id,
                    created_at: Timestamp::UNIX_EPOCH,
                })
                .collect(),
            context: context.iter().copied().collect(),
        }
    }

    #[test]
    fn a_customer_of_one_site_cannot_see_another_site_of_the_same_client() {
        let t = tree();
        let customer = principal(
            t.alice_at_a,
            &[(Role::Customer, t.store_a)],
            &[t.head_office],
        );
        let store_a = Lineage(vec![t.head_office, t.store_a]);
        let store_b = Lineage(vec![t.head_office, t.store_b]);
        let head_office = Lineage(vec![t.head_office]);

        assert_eq!(customer.read_party(&store_a), Access::Allowed);
        assert_eq!(customer.read_party(&store_b), Access::Hidden);
        // The head office is context: its name is visible, nothing under it.
        assert_eq!(customer.read_party(&head_office), Access::Allowed);
        assert!(!customer.sees_party_details(&head_office), "by name only");
        assert!(customer.sees_party_details(&store_a));
        assert_eq!(customer.manage_party(&store_a), Access::Forbidden);
        assert_eq!(customer.manage_party(&store_b), Access::Hidden);
    }

    #[test]
    fn a_client_reaches_every_site_of_their_organisation() {
        let t = tree();
        let client = principal(PartyId::new(), &[(Role::Client, t.head_office)], &[]);
        assert_eq!(
            client.read_party(&Lineage(vec![t.head_office, t.store_b])),
            Access::Allowed
        );
        assert_eq!(
            client.read_party(&Lineage(vec![t.provider])),
            Access::Hidden
        );
    }

    #[test]
    fn managers_manage_under_their_party_and_admins_everywhere() {
        let t = tree();
        let manager = principal(PartyId::new(), &[(Role::Manager, t.provider)], &[]);
        let helpdesk = Lineage(vec![t.provider, t.helpdesk]);
        assert_eq!(manager.manage_party(&helpdesk), Access::Allowed);
        assert_eq!(
            manager.manage_party(&Lineage(vec![t.head_office])),
            Access::Hidden
        );
        assert_eq!(manager.create_top_level_party(), Access::Forbidden);

        let admin = principal(PartyId::new(), &[(Role::Admin, t.provider)], &[]);
        assert_eq!(
            admin.manage_party(&Lineage(vec![t.head_office, t.store_b])),
            Access::Allowed
        );
        assert_eq!(admin.party_scope(), PartyScope::All);
        assert_eq!(admin.administer_users(), Access::Allowed);
        assert_eq!(manager.administer_users(), Access::Forbidden);
    }

    #[test]
    fn users_are_visible_to_themselves_and_their_managers_only() {
        let t = tree();
        let customer = principal(
            t.alice_at_a,
            &[(Role::Customer, t.store_a)],
            &[t.head_office],
        );
        let manager = principal(PartyId::new(), &[(Role::Manager, t.head_office)], &[]);
        let alice = Lineage(vec![t.head_office, t.store_a, t.alice_at_a]);
        let colleague = UserId::new();

        assert_eq!(
            customer.read_user(customer.user_id, &alice),
            Access::Allowed
        );
        assert_eq!(customer.read_user(colleague, &alice), Access::Hidden);
        assert_eq!(manager.read_user(customer.user_id, &alice), Access::Allowed);
    }

    #[test]
    fn scope_lists_roots_and_context_apart() {
        let t = tree();
        let customer = principal(
            t.alice_at_a,
            &[(Role::Customer, t.store_a)],
            &[t.head_office],
        );
        let PartyScope::Within { roots, context } = customer.party_scope() else {
            panic!("a customer is not an admin");
        };
        assert!(roots.contains(&t.store_a) && roots.contains(&t.alice_at_a));
        assert_eq!(context, vec![t.head_office]);
    }

    #[test]
    fn a_store_reads_the_providers_service_on_its_contract_and_manages_none() {
        let t = tree();
        let store_manager = principal(
            t.alice_at_a,
            &[(Role::Customer, t.store_a)],
            &[t.head_office],
        );
        let provider = Lineage(vec![t.provider]);

        assert_eq!(
            store_manager.read_catalog_entry(&provider, true),
            Access::Allowed
        );
        assert_eq!(
            store_manager.read_catalog_entry(&provider, false),
            Access::Hidden
        );
        assert_eq!(store_manager.manage_party(&provider), Access::Hidden);
        let agent = principal(PartyId::new(), &[(Role::Agent, t.provider)], &[]);
        assert_eq!(agent.read_catalog_entry(&provider, false), Access::Allowed);
    }

    #[test]
    fn a_part_of_a_covered_customer_sees_the_contract_but_a_part_of_the_client_does_not() {
        let t = tree();
        let bakery = PartyId::new();
        let finance = PartyId::new();
        let baker = principal(
            PartyId::new(),
            &[(Role::Customer, bakery)],
            &[t.head_office, t.store_a],
        );
        let clerk = principal(
            PartyId::new(),
            &[(Role::Customer, finance)],
            &[t.head_office],
        );
        let provider = Lineage(vec![t.provider]);
        let client = Lineage(vec![t.head_office]);
        let store_a = Lineage(vec![t.head_office, t.store_a]);
        let store_b = Lineage(vec![t.head_office, t.store_b]);

        assert!(baker.sees_contract(&provider, &client, std::slice::from_ref(&store_a), &[]));
        assert!(!baker.sees_contract(&provider, &client, &[store_b], &[]));
        assert!(!clerk.sees_contract(&provider, &client, &[store_a], &[]));
    }
}
