//! Who may raise which requests for whom on a contract: the rule the
//! intake enforces and the raise form offers, written once.
//!
//! - The provider's people (and admins) raise on behalf of others, any
//!   kind including internal tasks, for any of the contract's customers.
//! - The client's people raise for any of the contract's customers.
//! - A customer's people raise only for the parties they reach.
//! - Admins and the provider's managers may accept what the contract does
//!   not cover.

use super::Principal;
use crate::ids::PartyId;
use crate::party::Lineage;
use crate::request::RequestKind;

/// The caller's part on a contract when raising requests on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raiser {
    /// The provider's people and admins: they raise for someone else and
    /// raise internal tasks.
    pub on_behalf: bool,
    /// The client's people.
    pub client_side: bool,
    /// Admins and the provider's managers: they accept, with a reason, a
    /// request the contract does not cover.
    pub may_override: bool,
}

impl Raiser {
    /// Whether they may name any of the contract's customers (the
    /// provider's and the client's people), rather than only what they
    /// reach.
    pub fn names_any_customer(self) -> bool {
        self.on_behalf || self.client_side
    }

    /// Whether they may raise a request of `kind`: internal tasks are the
    /// provider's own.
    pub fn may_raise(self, kind: RequestKind) -> bool {
        kind != RequestKind::InternalTask || self.on_behalf
    }

    /// The kinds they may raise, in [`RequestKind::ALL`]'s order.
    pub fn kinds(self) -> impl Iterator<Item = RequestKind> {
        RequestKind::ALL
            .iter()
            .copied()
            .filter(move |k| self.may_raise(*k))
    }
}

impl Principal {
    /// The user's part on a contract whose provider and client have these
    /// lineages.
    pub fn raiser(&self, provider: &Lineage, client: &Lineage) -> Raiser {
        Raiser {
            on_behalf: self.is_admin() || self.reaches(provider),
            client_side: self.reaches(client),
            may_override: self.override_scope(provider),
        }
    }

    /// May the user, as `raiser`, raise a request for the party with
    /// `lineage` on a contract listing `customers`? The provider's and the
    /// client's people: any party under a listed customer, or one they may
    /// read; a customer's people: a party they reach.
    pub fn may_raise_for(&self, raiser: Raiser, customers: &[PartyId], lineage: &Lineage) -> bool {
        if raiser.names_any_customer() {
            // The provider's people do not reach their customers' parties,
            // but the contract names them: they raise requests for them.
            customers.iter().any(|c| lineage.contains(*c)) || self.read_party(lineage).is_allowed()
        } else {
            self.reaches(lineage)
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::role::Role;

    /// A principal holding `grants`, with no context parties.
    fn principal(person: PartyId, grants: &[(Role, PartyId)]) -> Principal {
        crate::policy::tests::principal(person, grants, &[])
    }

    /// Brightwell FM provides to Harbour Retail (the client) for its Leeds
    /// and York sites; Leeds has a bakery.
    struct World {
        provider: Lineage,
        client: Lineage,
        leeds: Lineage,
        york: Lineage,
        bakery: Lineage,
    }

    fn world() -> World {
        let [provider, client, leeds, york, bakery] = std::array::from_fn(|_| PartyId::new());
        World {
            provider: Lineage(vec![provider]),
            client: Lineage(vec![client]),
            leeds: Lineage(vec![client, leeds]),
            york: Lineage(vec![client, york]),
            bakery: Lineage(vec![client, leeds, bakery]),
        }
    }

    fn end(l: &Lineage) -> PartyId {
        l.party().unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn a_providers_agent_raises_internal_tasks_for_any_customer_but_may_not_override() {
        let w = world();
        let agent = principal(PartyId::new(), &[(Role::Agent, end(&w.provider))]);
        let customers = [end(&w.leeds), end(&w.york)];

        let raiser = agent.raiser(&w.provider, &w.client);

        assert!(raiser.on_behalf && !raiser.may_override);
        assert!(raiser.may_raise(RequestKind::InternalTask));
        assert_eq!(raiser.kinds().count(), RequestKind::ALL.len());
        assert!(agent.may_raise_for(raiser, &customers, &w.bakery));
        assert!(agent.may_raise_for(raiser, &customers, &w.york));
        assert!(
            !agent.may_raise_for(raiser, &customers, &w.client),
            "not listed"
        );
    }

    #[test]
    fn a_providers_manager_may_override() {
        let w = world();
        let manager = principal(PartyId::new(), &[(Role::Manager, end(&w.provider))]);

        assert!(manager.raiser(&w.provider, &w.client).may_override);
    }

    #[test]
    fn a_sites_people_raise_only_for_their_site_and_never_internal_tasks() {
        let w = world();
        let lee = principal(PartyId::new(), &[(Role::Customer, end(&w.leeds))]);
        let customers = [end(&w.leeds), end(&w.york)];

        let raiser = lee.raiser(&w.provider, &w.client);

        assert_eq!(
            raiser,
            Raiser {
                on_behalf: false,
                client_side: false,
                may_override: false
            }
        );
        assert!(!raiser.may_raise(RequestKind::InternalTask));
        assert!(raiser.kinds().all(|k| k != RequestKind::InternalTask));
        assert!(lee.may_raise_for(raiser, &customers, &w.leeds));
        assert!(lee.may_raise_for(raiser, &customers, &w.bakery));
        assert!(!lee.may_raise_for(raiser, &customers, &w.york));
    }

    #[test]
    fn the_clients_people_raise_for_every_listed_customer_but_not_on_behalf() {
        let w = world();
        let clerk = principal(PartyId::new(), &[(Role::Customer, end(&w.client))]);
        let customers = [end(&w.leeds)];

        let raiser = clerk.raiser(&w.provider, &w.client);

        assert!(raiser.client_side && !raiser.on_behalf);
        assert!(raiser.names_any_customer());
        assert!(clerk.may_raise_for(raiser, &customers, &w.bakery));
        assert!(!raiser.may_raise(RequestKind::InternalTask));
    }

    /// A chain of up to five parties (each under the one before) as the
    /// contract's world, with the provider at `p`, the client at `c`, the
    /// listed customers and a user's grants picked among them.
    fn case() -> impl Strategy<Value = (Vec<Lineage>, Principal, Lineage, Lineage, Vec<PartyId>)> {
        let pick = || any::<prop::sample::Index>();
        (
            prop::collection::vec(prop::option::of(pick()), 2..7),
            prop::collection::vec((0..Role::ALL.len(), pick()), 0..3),
            (pick(), pick(), pick()),
            prop::collection::vec(pick(), 0..3),
        )
            .prop_map(|(parents, grants, (person, p, c), listed)| {
                let mut parties: Vec<Lineage> = Vec::new();
                for (n, parent) in parents.into_iter().enumerate() {
                    let mut lineage = match parent {
                        Some(i) if n > 0 => parties[i.index(n)].clone(),
                        _ => Lineage(Vec::new()),
                    };
                    lineage.0.push(PartyId::new());
                    parties.push(lineage);
                }
                let at = |i: prop::sample::Index| parties[i.index(parties.len())].clone();
                let grants: Vec<(Role, PartyId)> = grants
                    .iter()
                    .map(|(role, i)| (Role::ALL[*role], end(&at(*i))))
                    .collect();
                let who = principal(end(&at(person)), &grants);
                let listed = listed.into_iter().map(|i| end(&at(i))).collect();
                (parties.clone(), who, at(p), at(c), listed)
            })
    }

    proptest! {
        #[test]
        fn whoever_may_override_raises_on_behalf((_, who, provider, client, _) in case()) {
            let raiser = who.raiser(&provider, &client);
            prop_assert!(!raiser.may_override || raiser.on_behalf);
        }

        #[test]
        fn the_kinds_offered_are_exactly_those_allowed((_, who, provider, client, _) in case()) {
            let raiser = who.raiser(&provider, &client);
            for kind in RequestKind::ALL {
                prop_assert_eq!(raiser.kinds().any(|k| k == *kind), raiser.may_raise(*kind));
            }
            prop_assert!(raiser.may_raise(RequestKind::Incident));
        }

        #[test]
        fn whoever_reaches_a_party_may_raise_for_it(
            (parties, who, provider, client, listed) in case()
        ) {
            let raiser = who.raiser(&provider, &client);
            for party in &parties {
                if who.reaches(party) {
                    prop_assert!(who.may_raise_for(raiser, &listed, party));
                }
                if !raiser.names_any_customer() {
                    prop_assert_eq!(who.may_raise_for(raiser, &listed, party), who.reaches(party));
                }
            }
        }
    }
}
