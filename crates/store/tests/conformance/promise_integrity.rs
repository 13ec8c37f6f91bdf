//! Promise integrity: settled promises counted by outcome per team,
//! contract, customer or internal flag, over a period, for the requests
//! the caller sees and no others.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use kept_domain::promise::{Decision, Integrity, IntegrityBy, PromiseBasis};
use kept_domain::{
    PartyId, PartyKind, PartyScope, RequestAction, RequestChange, RequestKind, Role,
};
use kept_store::Store;
use kept_store::promises::{IntegrityGroup, IntegrityKey, IntegrityQuery, PromiseRecord};

use crate::requests::{World, as_user, record, standard, world};
use crate::support::{actor, party, user};

fn promised(date: Timestamp, internal: bool) -> PromiseRecord {
    PromiseRecord {
        decision: Decision {
            date,
            basis: PromiseBasis::Sla,
            beyond_sla: false,
            starts_at_risk: false,
        },
        sla_due: Some(date),
        realistic: None,
        internal,
    }
}

/// Raises a request for `customer` (in `team`), promises it by `date` and
/// fulfils it now: kept when `date` is ahead, broken when it has passed.
async fn settled(
    store: &Arc<dyn Store>,
    w: &World,
    customer: PartyId,
    team: Option<PartyId>,
    date: Timestamp,
    internal: bool,
) {
    let agent = as_user(&w.agent);
    let mut new = record(w, customer, RequestKind::Incident, standard());
    new.team_id = team;
    let request = store
        .create_request(&as_user(&w.requester), new)
        .await
        .expect("raised");
    store
        .make_promise(&agent, request.id, promised(date, internal))
        .await
        .expect("promised");
    for action in [
        RequestAction::Acknowledge,
        RequestAction::Start,
        RequestAction::Fulfil,
    ] {
        let change = RequestChange::Act {
            action,
            reason: None,
        };
        store
            .act_on_request(&agent, request.id, change, 75)
            .await
            .expect("step");
    }
}

fn counts(kept: u64, broken: u64) -> Integrity {
    Integrity {
        kept,
        kept_renegotiated: 0,
        broken,
    }
}

fn query(scope: PartyScope, by: IntegrityBy) -> IntegrityQuery {
    let now = Timestamp::now();
    IntegrityQuery {
        scope,
        user: None,
        by,
        from: now - SignedDuration::from_hours(1),
        to: now + SignedDuration::from_hours(1),
        team: None,
    }
}

fn group(key: IntegrityKey, counts: Integrity) -> IntegrityGroup {
    IntegrityGroup { key, counts }
}

pub async fn integrity_is_counted_per_group_in_sql_over_the_period(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let ops = party(&store, PartyKind::Team, "Operations", Some(w.provider)).await;
    let ahead = Timestamp::now() + SignedDuration::from_hours(48);
    let passed = Timestamp::now() - SignedDuration::from_mins(5);
    settled(&store, &w, w.leeds, Some(ops.id), ahead, false).await;
    settled(&store, &w, w.leeds, Some(ops.id), passed, false).await;
    settled(&store, &w, w.york, None, ahead, true).await;

    let all = |by| query(PartyScope::All, by);
    let by_customer = store
        .promise_integrity(&all(IntegrityBy::Customer))
        .await
        .expect("by customer");
    let mut expected = vec![
        group(IntegrityKey::Customer(w.leeds), counts(1, 1)),
        group(IntegrityKey::Customer(w.york), counts(1, 0)),
    ];
    expected.sort_by_key(|g| g.key);
    let mut got = by_customer.clone();
    got.sort_by_key(|g| g.key);
    assert_eq!(got, expected);

    let by_team = store
        .promise_integrity(&all(IntegrityBy::Team))
        .await
        .expect("by team");
    assert_eq!(by_team.len(), 2, "{by_team:?}");
    assert!(by_team.contains(&group(IntegrityKey::Team(Some(ops.id)), counts(1, 1))));
    assert!(by_team.contains(&group(IntegrityKey::Team(None), counts(1, 0))));

    let by_flag = store
        .promise_integrity(&all(IntegrityBy::Internal))
        .await
        .expect("by flag");
    assert_eq!(
        by_flag,
        [
            group(IntegrityKey::Internal(false), counts(1, 1)),
            group(IntegrityKey::Internal(true), counts(1, 0)),
        ]
    );
    let by_contract = store
        .promise_integrity(&all(IntegrityBy::Contract))
        .await
        .expect("by contract");
    assert_eq!(
        by_contract,
        [group(IntegrityKey::Contract(w.contract.id), counts(2, 1))]
    );

    // The period is half-open and about when promises were settled.
    let mut before = all(IntegrityBy::Contract);
    before.to = before.from;
    before.from -= SignedDuration::from_hours(24);
    let none = store.promise_integrity(&before).await.expect("before");
    assert!(none.is_empty(), "{none:?}");
}

pub async fn integrity_of_one_team_counts_only_its_requests(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let ops = party(&store, PartyKind::Team, "Operations", Some(w.provider)).await;
    let night = party(&store, PartyKind::Team, "Night shift", Some(w.provider)).await;
    let ahead = Timestamp::now() + SignedDuration::from_hours(48);
    let passed = Timestamp::now() - SignedDuration::from_mins(5);
    settled(&store, &w, w.leeds, Some(ops.id), ahead, false).await;
    settled(&store, &w, w.york, Some(ops.id), passed, true).await;
    settled(&store, &w, w.leeds, Some(night.id), passed, false).await;
    settled(&store, &w, w.leeds, None, ahead, false).await;

    let mut q = query(PartyScope::All, IntegrityBy::Internal);
    q.team = Some(ops.id);
    let ops_only = store.promise_integrity(&q).await.expect("Operations'");
    assert_eq!(
        ops_only,
        [
            group(IntegrityKey::Internal(false), counts(1, 0)),
            group(IntegrityKey::Internal(true), counts(0, 1)),
        ]
    );
    q.team = Some(w.provider);
    let none = store.promise_integrity(&q).await.expect("no team's");
    assert!(none.is_empty(), "{none:?}");
}

pub async fn a_customer_of_one_site_counts_only_its_own_promises(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let ahead = Timestamp::now() + SignedDuration::from_hours(48);
    settled(&store, &w, w.leeds, None, ahead, false).await;
    settled(&store, &w, w.york, None, ahead, false).await;
    let passed = Timestamp::now() - SignedDuration::from_mins(5);
    settled(&store, &w, w.york, None, passed, false).await;

    let site = user(&store, "site@harbour.example", Some(w.york)).await;
    store
        .add_grant(&actor(), site.id, Role::Customer, w.york)
        .await
        .expect("grant");
    let principal = store.principal(site.id).await.expect("principal");
    let mut q = query(principal.party_scope(), IntegrityBy::Contract);
    q.user = Some(site.id);
    let seen = store.promise_integrity(&q).await.expect("York's");
    assert_eq!(
        seen,
        [group(IntegrityKey::Contract(w.contract.id), counts(1, 1))]
    );

    // The provider's agent sees the whole contract.
    store
        .add_grant(&actor(), w.agent.id, Role::Agent, w.provider)
        .await
        .expect("grant");
    let agent = store.principal(w.agent.id).await.expect("principal");
    let q = query(agent.party_scope(), IntegrityBy::Contract);
    let all = store.promise_integrity(&q).await.expect("all");
    assert_eq!(
        all,
        [group(IntegrityKey::Contract(w.contract.id), counts(2, 1))]
    );
}
