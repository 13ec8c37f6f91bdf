//! Who may make and end supplier → customer links.
//!
//! A link joins two parties, so the decision looks at both: the caller must
//! manage one of them (admins manage every party) and be able to see the
//! other. A party the caller cannot see is answered exactly as one that does
//! not exist, so the answer never tells them it is there.

use super::{Access, Principal};
use crate::party::Lineage;
use crate::role::Role;

/// One end of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkEnd {
    /// The party that provides.
    Supplier,
    /// The party that is served.
    Customer,
}

impl LinkEnd {
    /// The field that names this end in a link's input.
    pub fn field(self) -> &'static str {
        match self {
            Self::Supplier => "supplier_id",
            Self::Customer => "customer_id",
        }
    }
}

/// May the caller make a link between two parties?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAccess {
    /// Go ahead.
    Allowed,
    /// The caller sees a party of the link but manages neither (HTTP 403).
    Forbidden,
    /// The caller may not know this end's party exists: answered as "no
    /// such party" on its field, the same as for an unknown id.
    Hidden(LinkEnd),
}

impl Principal {
    /// May the user link `supplier` → `customer` (their lineages; `None`
    /// for a party that does not exist)? Admins, and managers of either
    /// party who can see the other. A manager who cannot see the other party
    /// hears that it does not exist, never that they are forbidden; someone
    /// who sees a party but manages neither is forbidden; someone who sees
    /// neither hears that the supplier does not exist.
    pub fn make_link(&self, supplier: Option<&Lineage>, customer: Option<&Lineage>) -> LinkAccess {
        let ends = [(LinkEnd::Supplier, supplier), (LinkEnd::Customer, customer)];
        let sees =
            |lineage: Option<&Lineage>| lineage.is_some_and(|l| self.read_party(l).is_allowed());
        let manages = ends
            .iter()
            .any(|(_, l)| l.is_some_and(|l| self.manage_party(l).is_allowed()));
        let unseen = ends.iter().find(|(_, l)| !sees(*l)).map(|(end, _)| *end);
        match unseen {
            None if manages => LinkAccess::Allowed,
            Some(end) if manages => LinkAccess::Hidden(end),
            _ if ends.iter().any(|(_, l)| sees(*l)) => LinkAccess::Forbidden,
            _ => LinkAccess::Hidden(LinkEnd::Supplier),
        }
    }

    /// May the user end or restore a link between parties with these
    /// lineages? Admins, and managers of either party, even one whose other
    /// party they cannot see (they may stop supplying someone). Never
    /// [`Access::Hidden`]: whether the link is visible at all is the store's
    /// to say (its `visible_link`), before this is asked.
    pub fn change_link(&self, supplier: &Lineage, customer: &Lineage) -> Access {
        if self.manage_party(supplier).is_allowed() || self.manage_party(customer).is_allowed() {
            Access::Allowed
        } else {
            Access::Forbidden
        }
    }

    /// Whether the user may make some link at all, so that a page offers
    /// the form to link two parties (and a column for ending links): admins
    /// and managers of any party, since every link they may make or end has
    /// a party they manage at one end. It says nothing about a given pair;
    /// [`Principal::make_link`] decides that when the form is sent.
    pub fn may_make_links(&self) -> bool {
        self.is_admin() || self.has_role(Role::Manager)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;
    use crate::ids::PartyId;
    use crate::policy::tests::principal;

    /// A provider with a team, and a client with two sites:
    ///
    /// ```text
    /// Brightwell FM ── Helpdesk        Harbour Retail ── Leeds
    ///                                                 └─ York
    /// ```
    struct World {
        provider: Lineage,
        helpdesk: Lineage,
        head_office: Lineage,
        leeds: Lineage,
        york: Lineage,
    }

    fn world() -> World {
        let [provider, helpdesk, head_office, leeds, york] =
            std::array::from_fn(|_| PartyId::new());
        World {
            provider: Lineage(vec![provider]),
            helpdesk: Lineage(vec![provider, helpdesk]),
            head_office: Lineage(vec![head_office]),
            leeds: Lineage(vec![head_office, leeds]),
            york: Lineage(vec![head_office, york]),
        }
    }

    fn top(l: &Lineage) -> PartyId {
        l.0[0]
    }

    fn end(l: &Lineage) -> PartyId {
        l.party().unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn an_admin_links_any_two_parties_that_exist() {
        let w = world();
        let admin = principal(PartyId::new(), &[(Role::Admin, top(&w.provider))], &[]);

        assert_eq!(
            admin.make_link(Some(&w.helpdesk), Some(&w.york)),
            LinkAccess::Allowed
        );
        assert_eq!(
            admin.make_link(Some(&w.helpdesk), None),
            LinkAccess::Hidden(LinkEnd::Customer),
            "an unknown party is no such party, for admins too"
        );
        assert_eq!(admin.change_link(&w.leeds, &w.york), Access::Allowed);
        assert!(admin.may_make_links());
    }

    #[test]
    fn a_manager_of_one_side_who_sees_the_other_links_them() {
        let w = world();
        let maya = principal(
            PartyId::new(),
            &[
                (Role::Manager, top(&w.provider)),
                (Role::Agent, top(&w.head_office)),
            ],
            &[],
        );

        assert_eq!(
            maya.make_link(Some(&w.helpdesk), Some(&w.leeds)),
            LinkAccess::Allowed
        );
        assert_eq!(
            maya.make_link(Some(&w.leeds), Some(&w.provider)),
            LinkAccess::Allowed
        );
        assert_eq!(maya.change_link(&w.provider, &w.york), Access::Allowed);
        assert!(maya.may_make_links());
    }

    #[test]
    fn a_manager_who_cannot_see_the_other_party_hears_it_does_not_exist() {
        let w = world();
        let maya = principal(PartyId::new(), &[(Role::Manager, top(&w.provider))], &[]);

        assert_eq!(
            maya.make_link(Some(&w.provider), Some(&w.york)),
            LinkAccess::Hidden(LinkEnd::Customer)
        );
        assert_eq!(
            maya.make_link(Some(&w.york), Some(&w.helpdesk)),
            LinkAccess::Hidden(LinkEnd::Supplier)
        );
        assert_eq!(
            maya.change_link(&w.provider, &w.york),
            Access::Allowed,
            "but may end a link of their own party to it"
        );
    }

    #[test]
    fn a_reader_of_both_parties_who_manages_neither_is_forbidden() {
        let w = world();
        let lee = principal(
            end(&w.leeds),
            &[(Role::Customer, end(&w.leeds))],
            &[top(&w.head_office)],
        );
        let sam = principal(PartyId::new(), &[(Role::Agent, top(&w.provider))], &[]);

        assert_eq!(
            lee.make_link(Some(&w.head_office), Some(&w.leeds)),
            LinkAccess::Forbidden,
            "the head office is context: seen by name"
        );
        assert_eq!(
            sam.make_link(Some(&w.provider), Some(&w.york)),
            LinkAccess::Forbidden,
            "seeing one end is enough to be told no, without learning of the other"
        );
        assert_eq!(lee.change_link(&w.head_office, &w.leeds), Access::Forbidden);
        assert!(!lee.may_make_links() && !sam.may_make_links());
    }

    #[test]
    fn someone_who_sees_neither_party_hears_the_supplier_does_not_exist() {
        let w = world();
        let lee = principal(end(&w.leeds), &[(Role::Customer, end(&w.leeds))], &[]);

        assert_eq!(
            lee.make_link(Some(&w.provider), Some(&w.york)),
            LinkAccess::Hidden(LinkEnd::Supplier)
        );
        assert_eq!(
            lee.make_link(None, None),
            LinkAccess::Hidden(LinkEnd::Supplier)
        );
        assert_eq!(LinkEnd::Customer.field(), "customer_id");
    }

    /// A forest of up to eight parties, each under an earlier one or at the
    /// top, as lineages.
    fn forest() -> impl Strategy<Value = Vec<Lineage>> {
        prop::collection::vec(prop::option::of(any::<prop::sample::Index>()), 1..8).prop_map(
            |parents| {
                let mut lineages: Vec<Lineage> = Vec::new();
                for (n, parent) in parents.into_iter().enumerate() {
                    let mut lineage = match parent {
                        Some(i) if n > 0 => lineages[i.index(n)].clone(),
                        _ => Lineage(Vec::new()),
                    };
                    lineage.0.push(PartyId::new());
                    lineages.push(lineage);
                }
                lineages
            },
        )
    }

    /// A user somewhere in the forest with a few grants on its parties,
    /// their context being the ancestors of what they reach (as the store
    /// loads it).
    fn someone(
        parties: &[Lineage],
        grants: &[(usize, prop::sample::Index)],
        person: prop::sample::Index,
    ) -> Principal {
        let grants: Vec<(Role, PartyId)> = grants
            .iter()
            .map(|(role, at)| (Role::ALL[*role], end(&parties[at.index(parties.len())])))
            .collect();
        let person = end(&parties[person.index(parties.len())]);
        let mut who = principal(person, &grants, &[]);
        let roots: BTreeSet<PartyId> = who.roots().collect();
        who.context = parties
            .iter()
            .filter(|l| roots.contains(&end(l)))
            .flat_map(|l| l.0[..l.0.len() - 1].to_vec())
            .collect();
        who
    }

    fn case() -> impl Strategy<Value = (Vec<Lineage>, Principal, Option<Lineage>, Option<Lineage>)>
    {
        forest().prop_flat_map(|parties| {
            let grants =
                prop::collection::vec((0..Role::ALL.len(), any::<prop::sample::Index>()), 0..3);
            let pick = prop::option::weighted(0.9, any::<prop::sample::Index>());
            (
                Just(parties),
                grants,
                any::<prop::sample::Index>(),
                pick.clone(),
                pick,
            )
                .prop_map(|(parties, grants, person, s, c)| {
                    let who = someone(&parties, &grants, person);
                    let at = |i: Option<prop::sample::Index>| {
                        i.map(|i| parties[i.index(parties.len())].clone())
                    };
                    let (s, c) = (at(s), at(c));
                    (parties, who, s, c)
                })
        })
    }

    proptest! {
        #[test]
        fn an_unseen_party_is_answered_exactly_as_a_missing_one((_, who, s, c) in case()) {
            let blind = |l: &Option<Lineage>| l.clone().filter(|l| who.read_party(l).is_allowed());

            prop_assert_eq!(
                who.make_link(s.as_ref(), c.as_ref()),
                who.make_link(blind(&s).as_ref(), blind(&c).as_ref())
            );
        }

        #[test]
        fn whoever_may_make_a_link_sees_both_parties_manages_one_and_may_end_it((_, who, s, c) in case()) {
            if who.make_link(s.as_ref(), c.as_ref()) == LinkAccess::Allowed {
                let (s, c) = (s.unwrap_or_else(|| unreachable!()), c.unwrap_or_else(|| unreachable!()));
                prop_assert!(who.read_party(&s).is_allowed() && who.read_party(&c).is_allowed());
                prop_assert!(who.manage_party(&s).is_allowed() || who.manage_party(&c).is_allowed());
                prop_assert_eq!(who.change_link(&s, &c), Access::Allowed);
                prop_assert!(who.may_make_links());
            }
        }

        #[test]
        fn whoever_may_end_a_link_between_parties_they_see_may_make_it((_, who, s, c) in case()) {
            if let (Some(s), Some(c)) = (&s, &c) {
                let sees_both = who.read_party(s).is_allowed() && who.read_party(c).is_allowed();
                if who.change_link(s, c).is_allowed() {
                    prop_assert!(who.may_make_links(), "the page offers the End column to them");
                    if sees_both {
                        prop_assert_eq!(who.make_link(Some(s), Some(c)), LinkAccess::Allowed);
                    }
                }
            }
        }

        #[test]
        fn forbidden_only_to_one_who_sees_a_party_and_manages_neither((_, who, s, c) in case()) {
            let outcome = who.make_link(s.as_ref(), c.as_ref());
            let ends = [&s, &c];
            let sees_any = ends.iter().any(|l| l.as_ref().is_some_and(|l| who.read_party(l).is_allowed()));
            let manages_any = ends.iter().any(|l| l.as_ref().is_some_and(|l| who.manage_party(l).is_allowed()));
            prop_assert_eq!(outcome == LinkAccess::Forbidden, sees_any && !manages_any);
            if let LinkAccess::Hidden(end) = outcome {
                let named = match end { LinkEnd::Supplier => &s, LinkEnd::Customer => &c };
                prop_assert!(named.as_ref().is_none_or(|l| !who.read_party(l).is_allowed()));
            }
            if who.is_admin() {
                prop_assert_eq!(outcome == LinkAccess::Allowed, s.is_some() && c.is_some());
            }
        }
    }
}
