//! The promise watch in the store: what it writes of each promise, the
//! internal `promise_at_risk` event raised once per promised date however
//! many callers race, and the at-risk list for the provider's people.

use std::sync::Arc;

use jiff::Timestamp;
use kept_domain::promise::{RiskReason, Suggestion};
use kept_domain::{
    Actor, EventKind, MemberPlace, PartyId, PartyKind, PartyScope, Request, RequestAction,
    RequestKind, UserId,
};
use kept_store::Store;
use kept_store::promises::{AtRiskQuery, RiskUpdate};
use serde_json::json;

use crate::promises::{LINK, in_days, later, record_for};
use crate::requests::{World, as_user, kinds, record, standard, step, world};
use crate::support::{actor, org, party};

/// What the plan says of every promise here: long after all of them.
fn projected() -> Timestamp {
    Timestamp::from_second(4_102_444_800).expect("2100")
}

fn watch() -> Actor {
    Actor::system("promise watch")
}

/// An open request of Leeds promised for `date` at intake, in `team`.
async fn promised(
    store: &Arc<dyn Store>,
    w: &World,
    date: Timestamp,
    team: Option<PartyId>,
) -> Request {
    let mut new = record(w, w.leeds, RequestKind::Incident, standard());
    new.promise = Some(record_for(date));
    new.team_id = team;
    store
        .create_request(&as_user(&w.requester), new)
        .await
        .expect("raised with its promise")
}

fn at_risk(r: &Request, date: Timestamp) -> RiskUpdate {
    RiskUpdate {
        request_id: r.id,
        date,
        risk: Some((RiskReason::Plan, Suggestion::Renegotiate)),
        projected: Some(projected()),
    }
}

fn query(scope: PartyScope) -> AtRiskQuery {
    AtRiskQuery {
        scope,
        team: None,
        assignee: None,
        limit: 50,
    }
}

async fn listed(store: &Arc<dyn Store>, q: AtRiskQuery) -> Vec<i64> {
    let list = store.promises_at_risk(&q).await.expect("the list");
    list.iter().map(|p| p.number).collect()
}

async fn count_raised(store: &Arc<dyn Store>, r: &Request) -> usize {
    let events = store.request_events(r.id, true).await.expect("events");
    kinds(&events)
        .into_iter()
        .filter(|k| *k == EventKind::PromiseAtRisk)
        .count()
}

pub async fn the_watch_raises_promise_at_risk_once_per_date_and_clears_the_mark(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let date = in_days(3);
    let r = promised(&store, &w, date, None).await;

    let raised = store
        .watch_promises(&watch(), &[at_risk(&r, date)])
        .await
        .expect("watched");
    assert_eq!(raised.len(), 1);
    let event = &raised[0];
    assert_eq!((event.kind, event.seq), (EventKind::PromiseAtRisk, 3));
    assert!(!event.public, "the provider's business");
    assert_eq!(event.data["date"], json!(date));
    assert_eq!(
        (&event.data["reason"], &event.data["suggestion"]),
        (&json!("plan"), &json!("renegotiate"))
    );
    let list = store
        .promises_at_risk(&query(PartyScope::All))
        .await
        .expect("listed");
    assert_eq!(list.len(), 1);
    let shown = &list[0];
    assert_eq!((shown.request_id, shown.date), (r.id, date));
    assert_eq!(
        (shown.reason, shown.suggestion),
        (RiskReason::Plan, Suggestion::Renegotiate)
    );
    assert_eq!(shown.projected, Some(projected()));
    assert_eq!(
        (shown.customer_id, shown.customer.as_str()),
        (w.leeds, "Leeds")
    );
    let since = shown.at_risk_since;
    let watched = store.watched_promises(None).await.expect("watched");
    assert_eq!(watched.len(), 1);
    assert_eq!(
        watched[0].last,
        Some((RiskReason::Plan, Suggestion::Renegotiate))
    );
    assert_eq!(watched[0].raised_for, Some(date));

    // The same date again raises nothing and keeps when it began.
    let mut later = at_risk(&r, date);
    later.risk = Some((RiskReason::Time, Suggestion::Renegotiate));
    let again = store
        .watch_promises(&watch(), &[later])
        .await
        .expect("again");
    assert!(again.is_empty(), "{again:?}");
    let list = store
        .promises_at_risk(&query(PartyScope::All))
        .await
        .expect("listed");
    assert_eq!(
        (list[0].reason, list[0].at_risk_since),
        (RiskReason::Time, since)
    );
    // Not at risk: off the list, and no event.
    let clear = RiskUpdate {
        risk: None,
        ..at_risk(&r, date)
    };
    let cleared = store
        .watch_promises(&watch(), &[clear])
        .await
        .expect("cleared");
    assert!(cleared.is_empty());
    assert!(listed(&store, query(PartyScope::All)).await.is_empty());
    assert_eq!(
        store.watched_promises(None).await.expect("watched")[0].last,
        None
    );
    // At risk again for the same date: listed, still raised only once.
    let back = store
        .watch_promises(&watch(), &[at_risk(&r, date)])
        .await
        .expect("back");
    assert!(back.is_empty(), "{back:?}");
    assert_eq!(listed(&store, query(PartyScope::All)).await, [r.number]);
    assert_eq!(count_raised(&store, &r).await, 1);

    // An accepted new date clears the mark, and is watched afresh.
    let agent = as_user(&w.agent);
    let new_date = in_days(8);
    let (proposal, _) = store
        .propose_date(&agent, r.id, new_date, "The parts come later")
        .await
        .expect("proposed");
    store
        .answer_date(&as_user(&w.requester), proposal.id, LINK)
        .await
        .expect("accepted");
    assert!(listed(&store, query(PartyScope::All)).await.is_empty());
    // A write weighed against the old date (a sweep that read it before
    // the answer) leaves the new one alone.
    let stale = store
        .watch_promises(&watch(), &[at_risk(&r, date)])
        .await
        .expect("stale");
    assert!(stale.is_empty(), "{stale:?}");
    assert!(listed(&store, query(PartyScope::All)).await.is_empty());
    let raised = store
        .watch_promises(&watch(), &[at_risk(&r, new_date)])
        .await
        .expect("the new date");
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].data["date"], json!(new_date));
    // The customer's side never sees it.
    let public = store.request_events(r.id, false).await.expect("public");
    assert!(
        kinds(&public)
            .iter()
            .all(|k| *k != EventKind::PromiseAtRisk)
    );
    assert_eq!(count_raised(&store, &r).await, 2);
}

pub async fn concurrent_watchers_raise_promise_at_risk_once(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let now = in_days(0);
    let mut requests = Vec::new();
    for n in 0..5 {
        requests.push(promised(&store, &w, later(now, 2 + n), None).await);
    }
    let updates: Vec<RiskUpdate> = (0_i64..)
        .zip(&requests)
        .map(|(n, r)| at_risk(r, later(now, 2 + n)))
        .collect();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            let updates = updates.clone();
            tokio::spawn(async move { store.watch_promises(&watch(), &updates).await })
        })
        .collect();
    let mut raised = Vec::new();
    for task in tasks {
        raised.extend(task.await.expect("task").expect("watched"));
    }
    assert_eq!(raised.len(), requests.len(), "{raised:?}");
    for r in &requests {
        assert_eq!(count_raised(&store, r).await, 1, "request {}", r.number);
        let events = store.request_events(r.id, true).await.expect("events");
        assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    }
}

pub async fn a_watch_racing_new_promises_for_the_same_requests_never_deadlocks(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let agent = as_user(&w.agent);
    for round in 0..6 {
        let now = in_days(0);
        let mut requests = Vec::new();
        for n in 0..6 {
            requests.push(promised(&store, &w, later(now, 2 + n), None).await);
        }
        let updates: Vec<RiskUpdate> = (0_i64..)
            .zip(&requests)
            .map(|(n, r)| at_risk(r, later(now, 2 + n)))
            .collect();
        // The watch writes promises and events while the provider chooses
        // other dates for the same requests, each under its own row locks.
        let watcher = {
            let store = store.clone();
            tokio::spawn(async move { store.watch_promises(&watch(), &updates).await })
        };
        let choices: Vec<_> = requests
            .iter()
            .map(|r| {
                let (store, agent, id) = (store.clone(), agent.clone(), r.id);
                tokio::spawn(async move {
                    store
                        .make_promise(&agent, id, record_for(in_days(20)))
                        .await
                })
            })
            .collect();
        watcher
            .await
            .expect("task")
            .unwrap_or_else(|e| panic!("round {round}: the watch failed: {e}"));
        for choice in choices {
            choice
                .await
                .expect("task")
                .unwrap_or_else(|e| panic!("round {round}: a promise failed: {e}"));
        }
        for r in &requests {
            let events = store.request_events(r.id, true).await.expect("events");
            let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
            assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
        }
    }
}

pub async fn the_at_risk_list_is_by_date_for_the_providers_people_and_drops_settled_promises(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let ops = party(&store, PartyKind::Team, "Operations", Some(w.provider)).await;
    let place = MemberPlace {
        calendar_id: None,
        share_percent: 100,
    };
    store
        .set_team_member(&actor(), ops.id, w.agent.id, place)
        .await
        .expect("member");
    let now = in_days(0);
    let late = promised(&store, &w, later(now, 5), Some(ops.id)).await;
    let soon = promised(&store, &w, later(now, 2), Some(ops.id)).await;
    let teamless = promised(&store, &w, later(now, 3), None).await;
    store
        .assign_request(&actor(), late.id, ops.id, Some(w.agent.id))
        .await
        .expect("assigned");
    let quiet = promised(&store, &w, later(now, 1), Some(ops.id)).await;
    let teams = store.promised_teams().await.expect("teams");
    assert_eq!(teams.len(), 2);
    assert!(teams.contains(&None) && teams.contains(&Some(ops.id)));
    let in_ops = store.watched_promises(Some(ops.id)).await.expect("watched");
    assert_eq!(in_ops.len(), 3);
    let mine = in_ops
        .iter()
        .find(|p| p.request_id == late.id)
        .expect("late");
    assert_eq!(mine.assignee_id, Some(w.agent.id));
    let updates = [
        at_risk(&late, later(now, 5)),
        at_risk(&soon, later(now, 2)),
        at_risk(&teamless, later(now, 3)),
    ];
    store
        .watch_promises(&watch(), &updates)
        .await
        .expect("watched");
    assert!(
        !listed(&store, query(PartyScope::All))
            .await
            .contains(&quiet.number)
    );

    let all = [soon.number, teamless.number, late.number];
    assert_eq!(listed(&store, query(PartyScope::All)).await, all);
    let of = |team: Option<PartyId>, assignee: Option<UserId>| AtRiskQuery {
        team,
        assignee,
        ..query(PartyScope::All)
    };
    assert_eq!(
        listed(&store, of(Some(ops.id), None)).await,
        [soon.number, late.number]
    );
    assert_eq!(
        listed(&store, of(None, Some(w.agent.id))).await,
        [late.number]
    );
    assert!(listed(&store, of(Some(w.leeds), None)).await.is_empty());
    let first = AtRiskQuery {
        limit: 1,
        ..query(PartyScope::All)
    };
    assert_eq!(listed(&store, first).await, [soon.number]);
    let list = store
        .promises_at_risk(&of(Some(ops.id), None))
        .await
        .expect("list");
    assert_eq!(list[1].team.as_deref(), Some("Operations"));
    assert_eq!(list[1].assignee.as_deref(), Some("agent"));

    // Only the provider's people: the client and its customers see none,
    // even with the provider in their context; another provider neither.
    let within = |roots: Vec<PartyId>, context: Vec<PartyId>| PartyScope::Within { roots, context };
    let provider = within(vec![w.provider], vec![]);
    assert_eq!(listed(&store, query(provider)).await, all);
    let elsewhere = org(&store, "Elsewhere").await;
    for scope in [
        within(vec![w.client], vec![w.provider]),
        within(vec![w.leeds], vec![w.client, w.provider]),
        within(vec![elsewhere.id], vec![]),
    ] {
        assert!(
            listed(&store, query(scope.clone())).await.is_empty(),
            "{scope:?}"
        );
    }

    // A settled promise drops off, and off the watch.
    for action in [
        RequestAction::Acknowledge,
        RequestAction::Start,
        RequestAction::Fulfil,
    ] {
        step(&store, &w, &soon, action).await;
    }
    let settled = store.promise(soon.id).await.expect("promise");
    assert!(settled.outcome.is_some());
    assert_eq!(
        listed(&store, query(PartyScope::All)).await,
        [teamless.number, late.number]
    );
    let in_ops = store.watched_promises(Some(ops.id)).await.expect("watched");
    assert!(in_ops.iter().all(|p| p.request_id != soon.id));
    // A late write for it changes nothing.
    let raised = store
        .watch_promises(&watch(), &[at_risk(&soon, later(now, 2))])
        .await
        .expect("ignored");
    assert!(raised.is_empty());
    assert_eq!(count_raised(&store, &soon).await, 1);
}
