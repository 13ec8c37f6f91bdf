//! One rule for who sees a contract, kept in two places: the domain's
//! `Principal::sees_contract` and the store's SQL (`visible_contract` and
//! `list_contracts`, through `push_visible`). A property test builds small
//! random worlds of parties, users with grants and contracts, and checks
//! that every caller gets the same answer from both for every contract.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use kept_domain::{
    ContractId, Limit, Lineage, NewContract, PartyId, PartyKind, PartyPatch, Principal, Quorum,
    Role, UserId,
};
use kept_store::{ArchivedFilter, ContractQuery, Store, StoreError};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

use crate::support::{actor, name, party, user};

/// Worlds per run, and so per backend: each costs a few dozen writes.
const CASES: u32 = 20;

/// Why a caller sees (or does not see) a contract, by the first clause of
/// the rule that lets them; every one must come up in a run, or the run
/// proved less than it claims.
const REASONS: [&str; 7] = [
    "an admin",
    "the provider's or the client's",
    "a customer's",
    "a part of a customer's",
    "the steering group's",
    "hidden from a part of the client",
    "hidden",
];

/// A world as plain data. Indexes pick among what exists when they are
/// used, so every plan builds.
#[derive(Debug, Clone)]
struct Plan {
    /// Organisations at the top.
    tops: usize,
    /// Further parties: a kind, and a parent among the non-people before it.
    parties: Vec<(PartyKind, Index)>,
    users: Vec<UserPlan>,
    contracts: Vec<ContractPlan>,
    /// Moves made last: a party and its new parent (or the top). Moves the
    /// nesting rules refuse, or that would make a cycle, are left out.
    moves: Vec<(Index, Option<Index>)>,
}

#[derive(Debug, Clone)]
struct UserPlan {
    /// Where the user's person party sits (among non-people), or the top.
    home: Option<Index>,
    /// Roles on any party of the world, people included.
    grants: Vec<(Role, Index)>,
}

#[derive(Debug, Clone)]
struct ContractPlan {
    name: &'static str,
    provider: Index,
    client: Index,
    customers: Vec<Index>,
    steering: Vec<Index>,
    archived: bool,
}

fn kind() -> impl Strategy<Value = PartyKind> {
    prop::sample::select(PartyKind::ALL.to_vec())
}

/// Every role; admins rare, so most callers see only part of the world.
fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        1 => Just(Role::Admin),
        2 => Just(Role::Manager),
        2 => Just(Role::Agent),
        2 => Just(Role::Client),
        3 => Just(Role::Customer),
        1 => Just(Role::Supplier),
        1 => Just(Role::Approver),
    ]
}

fn plan() -> impl Strategy<Value = Plan> {
    let user = (
        option::weighted(0.8, any::<Index>()),
        vec((role(), any::<Index>()), 0..=2),
    )
        .prop_map(|(home, grants)| UserPlan { home, grants });
    // Few names, so that pages break between contracts of the same name.
    let contract = (
        prop::sample::select(vec!["Alpha", "beta", "Gamma"]),
        (any::<Index>(), any::<Index>()),
        vec(any::<Index>(), 1..=3),
        vec(any::<Index>(), 1..=2),
        prop::bool::weighted(0.25),
    )
        .prop_map(
            |(name, (provider, client), customers, steering, archived)| ContractPlan {
                name,
                provider,
                client,
                customers,
                steering,
                archived,
            },
        );
    (
        2..=3usize,
        vec((kind(), any::<Index>()), 3..=9),
        vec(user, 2..=4),
        vec(contract, 1..=3),
        vec((any::<Index>(), option::of(any::<Index>())), 0..=2),
    )
        .prop_map(|(tops, parties, users, contracts, moves)| Plan {
            tops,
            parties,
            users,
            contracts,
            moves,
        })
}

/// The world as made: the tree as the plan says it should now be.
#[derive(Default)]
struct World {
    parties: Vec<Node>,
    users: Vec<Caller>,
    contracts: Vec<ContractId>,
}

struct Node {
    id: PartyId,
    kind: PartyKind,
    parent: Option<usize>,
}

struct Caller {
    id: UserId,
    person: usize,
    granted: Vec<usize>,
}

impl World {
    /// The chain from the top down to party `i`, as `Lineage` runs.
    fn lineage(&self, mut i: usize) -> Lineage {
        let mut ids = vec![self.parties[i].id];
        while let Some(parent) = self.parties[i].parent {
            ids.push(self.parties[parent].id);
            i = parent;
        }
        ids.reverse();
        Lineage(ids)
    }

    /// The strict ancestors of the caller's person and granted parties.
    fn context(&self, caller: &Caller) -> BTreeSet<PartyId> {
        std::iter::once(caller.person)
            .chain(caller.granted.iter().copied())
            .flat_map(|i| {
                let mut above = self.lineage(i).0;
                above.pop();
                above
            })
            .collect()
    }

    /// The parties that may hold others (every kind but a person).
    fn holders(&self) -> Vec<usize> {
        (0..self.parties.len())
            .filter(|&i| self.parties[i].kind != PartyKind::Person)
            .collect()
    }

    fn add(&mut self, id: PartyId, kind: PartyKind, parent: Option<usize>) -> usize {
        self.parties.push(Node { id, kind, parent });
        self.parties.len() - 1
    }
}

fn distinct<T: Ord + Copy>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = BTreeSet::new();
    items.filter(|item| seen.insert(*item)).collect()
}

/// Makes in the store everything `plan` describes; `made` hears of each
/// contract as soon as it exists, so a failed case leaves none unknown.
async fn build(
    store: &Arc<dyn Store>,
    plan: &Plan,
    serial: usize,
    made: &RefCell<Vec<ContractId>>,
) -> World {
    let mut w = World::default();
    for n in 0..plan.tops {
        let top = party(
            store,
            PartyKind::Organisation,
            &format!("World {serial}.{n}"),
            None,
        )
        .await;
        w.add(top.id, PartyKind::Organisation, None);
    }
    for (kind, pick) in &plan.parties {
        let parent = *pick.get(&w.holders());
        // An organisation sits only under another: elsewhere it becomes a department.
        let kind = match (*kind, w.parties[parent].kind) {
            (PartyKind::Organisation, PartyKind::Organisation) => PartyKind::Organisation,
            (PartyKind::Organisation, _) => PartyKind::Department,
            (kind, _) => kind,
        };
        let made_party = party(store, kind, "Part", Some(w.parties[parent].id)).await;
        w.add(made_party.id, kind, Some(parent));
    }
    for (n, planned) in plan.users.iter().enumerate() {
        let home = planned.home.map(|pick| *pick.get(&w.holders()));
        let email = format!("w{serial}u{n}@example.com");
        let made_user = user(store, &email, home.map(|h| w.parties[h].id)).await;
        let person = w.add(made_user.party_id, PartyKind::Person, home);
        w.users.push(Caller {
            id: made_user.id,
            person,
            granted: Vec::new(),
        });
    }
    for (n, planned) in plan.users.iter().enumerate() {
        let picks = planned.grants.iter();
        for (role, target) in
            distinct(picks.map(|(role, pick)| (*role, pick.index(w.parties.len()))))
        {
            store
                .add_grant(&actor(), w.users[n].id, role, w.parties[target].id)
                .await
                .expect("granting a role");
            w.users[n].granted.push(target);
        }
    }
    for planned in &plan.contracts {
        let id = contract(store, &w, planned).await;
        made.borrow_mut().push(id);
        w.contracts.push(id);
        if planned.archived {
            store
                .set_contract_archived(&actor(), id, true)
                .await
                .expect("ending a contract");
        }
    }
    for (subject, parent) in &plan.moves {
        let subject = subject.index(w.parties.len());
        let parent = parent.map(|pick| pick.index(w.parties.len()));
        let fits = w.parties[subject]
            .kind
            .may_sit_under(parent.map(|p| w.parties[p].kind))
            .is_ok();
        let cycle = parent.is_some_and(|p| w.lineage(p).contains(w.parties[subject].id));
        if fits && !cycle {
            let patch = PartyPatch {
                parent_id: Some(parent.map(|p| w.parties[p].id)),
                ..PartyPatch::default()
            };
            store
                .update_party(&actor(), w.parties[subject].id, patch)
                .await
                .expect("moving a party");
            w.parties[subject].parent = parent;
        }
    }
    w
}

async fn contract(store: &Arc<dyn Store>, w: &World, planned: &ContractPlan) -> ContractId {
    let count = w.parties.len();
    let provider = planned.provider.index(count);
    let mut client = planned.client.index(count);
    if client == provider {
        client = (client + 1) % count;
    }
    let customers = planned.customers.iter().map(|pick| pick.index(count));
    let steering = planned.steering.iter().map(|pick| pick.get(&w.users).id);
    store
        .create_contract(
            &actor(),
            NewContract {
                name: name(planned.name),
                provider_id: w.parties[provider].id,
                client_id: w.parties[client].id,
                customer_ids: distinct(customers)
                    .into_iter()
                    .map(|i| w.parties[i].id)
                    .collect(),
                service_ids: Vec::new(),
                calendar_id: None,
                probation_ends_on: None,
                steering_group: distinct(steering),
                quorum: Quorum::All,
            },
        )
        .await
        .expect("making a contract")
        .id
}

/// What the domain rule is fed about one contract, read from the store.
#[derive(Debug, Clone)]
struct Facts {
    provider: Lineage,
    client: Lineage,
    customers: Vec<Lineage>,
    steering: Vec<UserId>,
    archived: bool,
}

impl Facts {
    async fn read(store: &Arc<dyn Store>, id: ContractId) -> Facts {
        let c = store.contract(id).await.expect("reading a contract");
        let lineage = |p: PartyId| async move { store.lineage(p).await.expect("a lineage") };
        let mut customers = Vec::new();
        for p in &c.customer_ids {
            customers.push(lineage(*p).await);
        }
        Facts {
            provider: lineage(c.provider_id).await,
            client: lineage(c.client_id).await,
            customers,
            steering: c.steering_group.clone(),
            archived: c.is_archived(),
        }
    }

    fn seen_by(&self, p: &Principal) -> bool {
        p.sees_contract(
            &self.provider,
            &self.client,
            &self.customers,
            &self.steering,
        )
    }

    /// The first clause of the rule that lets `p` see the contract (see
    /// `REASONS`); it tallies coverage and never decides an assertion.
    fn reason(&self, p: &Principal) -> &'static str {
        let in_context = |l: &Lineage| l.party().is_some_and(|x| p.context.contains(&x));
        if p.is_admin() {
            REASONS[0]
        } else if p.reaches(&self.provider) || p.reaches(&self.client) {
            REASONS[1]
        } else if self.customers.iter().any(|c| p.reaches(c)) {
            REASONS[2]
        } else if self.customers.iter().any(in_context) {
            REASONS[3]
        } else if self.steering.contains(&p.user_id) {
            REASONS[4]
        } else if in_context(&self.client) {
            REASONS[5]
        } else {
            REASONS[6]
        }
    }
}

/// What lives across the cases of one run (all in the one store).
#[derive(Default)]
struct Run {
    serial: Cell<usize>,
    /// Every contract made so far, in this world or an earlier one.
    made: RefCell<Vec<ContractId>>,
    /// Facts read once a world is finished: its parties never move again.
    facts: RefCell<BTreeMap<ContractId, Facts>>,
    tally: RefCell<BTreeMap<&'static str, usize>>,
}

impl Run {
    async fn every_contract(&self, store: &Arc<dyn Store>) -> Vec<(ContractId, Facts)> {
        let ids = self.made.borrow().clone();
        let mut every = Vec::with_capacity(ids.len());
        for id in ids {
            let known = self.facts.borrow().get(&id).cloned();
            let facts = match known {
                Some(facts) => facts,
                None => Facts::read(store, id).await,
            };
            self.facts.borrow_mut().insert(id, facts.clone());
            every.push((id, facts));
        }
        every
    }
}

/// Every contract `list_contracts` gives the caller, page by small page.
async fn listed(
    store: &Arc<dyn Store>,
    p: &Principal,
    archived: ArchivedFilter,
) -> BTreeSet<ContractId> {
    let mut q = ContractQuery::new(p.party_scope(), Some(p.user_id));
    q.archived = archived;
    q.limit = Limit::parse("limit", 7).expect("a valid limit");
    let mut ids = BTreeSet::new();
    loop {
        let page = store.list_contracts(&q).await.expect("listing contracts");
        ids.extend(page.items.iter().map(|c| c.id));
        match page.next_cursor {
            Some(cursor) => q.cursor = Some(cursor.as_str().to_owned()),
            None => return ids,
        }
    }
}

async fn one_world(store: &Arc<dyn Store>, plan: Plan, run: &Run) -> Result<(), TestCaseError> {
    let serial = run.serial.get() + 1;
    run.serial.set(serial);
    let world = build(store, &plan, serial, &run.made).await;
    for (i, node) in world.parties.iter().enumerate() {
        let stored = store.lineage(node.id).await.expect("a lineage");
        prop_assert_eq!(
            stored,
            world.lineage(i),
            "the store's tree is the planned one"
        );
    }
    let every = run.every_contract(store).await;
    for caller in &world.users {
        let p = store.principal(caller.id).await.expect("a principal");
        prop_assert_eq!(
            &p.context,
            &world.context(caller),
            "the principal's context"
        );
        let scope = p.party_scope();
        for (id, facts) in every.iter().filter(|(id, _)| world.contracts.contains(id)) {
            let store_says = match store.visible_contract(*id, &scope, Some(p.user_id)).await {
                Ok(seen) => seen.id == *id,
                Err(StoreError::NotFound) => false,
                Err(e) => return Err(TestCaseError::fail(format!("visible_contract: {e}"))),
            };
            prop_assert_eq!(
                store_says,
                facts.seen_by(&p),
                "visible_contract (left) and sees_contract (right) differ for {:?} on {:?}",
                p,
                facts
            );
            *run.tally.borrow_mut().entry(facts.reason(&p)).or_default() += 1;
        }
        for filter in [ArchivedFilter::All, ArchivedFilter::Active] {
            let expected: BTreeSet<ContractId> = every
                .iter()
                .filter(|(_, f)| f.seen_by(&p) && (filter == ArchivedFilter::All || !f.archived))
                .map(|(id, _)| *id)
                .collect();
            prop_assert_eq!(
                listed(store, &p, filter).await,
                expected,
                "list_contracts ({:?}, left) and sees_contract (right) differ for {:?}",
                filter,
                p
            );
        }
    }
    Ok(())
}

pub async fn the_domain_rule_and_the_store_agree_on_who_sees_each_contract(store: Arc<dyn Store>) {
    // A fixed seed and no persistence file: every run, here or in CI, tries
    // the same worlds.
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        max_shrink_iters: 256,
        ..Config::default()
    };
    let rng = TestRng::deterministic_rng(config.rng_algorithm);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let run = Run::default();
    // Proptest calls a plain closure; each case blocks on the store here,
    // off the runtime's worker threads.
    let handle = tokio::runtime::Handle::current();
    let outcome = tokio::task::block_in_place(|| {
        runner
            .run(&plan(), |plan| {
                handle.block_on(one_world(&store, plan, &run))
            })
            .map_err(|e| e.to_string())
    });
    if let Err(e) = outcome {
        panic!("the domain's rule and the store's SQL disagree: {e}");
    }
    let tally = run.tally.into_inner();
    for reason in REASONS {
        assert!(
            tally.get(reason).is_some_and(|n| *n > 0),
            "no caller and contract came out as `{reason}`: {tally:?}"
        );
    }
}
