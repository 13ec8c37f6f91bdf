//! Promises: made once per request with its event; a proposal withdraws
//! the one before and takes one answer; an agreement in time keeps the
//! promise whole and a late one breaks it; fulfilment settles it. A
//! promise Kept makes at intake is recorded with the request and gives way
//! to the provider's own choice until a new date is proposed.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use kept_domain::promise::{Decision, Promise, PromiseBasis, PromiseOutcome, ProposalStatus};
use kept_domain::{EventKind, RequestAction, RequestChange, RequestKind};
use kept_store::promises::{Answer, PromiseRecord};
use kept_store::{Store, StoreError};
use serde_json::json;

use crate::requests::{as_user, kinds, record, standard, world};

/// Whole seconds: the store keeps microseconds.
pub fn in_days(days: i64) -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second() + 86_400 * days).expect("instant")
}

/// `days` after `base`: dates a test compares are made from one instant,
/// so that a second ticking over between two calls cannot part them.
pub fn later(base: Timestamp, days: i64) -> Timestamp {
    base + SignedDuration::from_hours(24 * days)
}

pub fn record_for(date: Timestamp) -> PromiseRecord {
    PromiseRecord {
        decision: Decision {
            date,
            basis: PromiseBasis::Sla,
            beyond_sla: false,
            starts_at_risk: false,
        },
        sla_due: Some(date),
        realistic: None,
        internal: true,
    }
}

pub const LINK: Answer = Answer {
    accept: true,
    via: "link",
};

pub async fn a_promise_is_renegotiated_in_time_and_settled_at_fulfilment(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let agent = as_user(&w.agent);
    let customer = as_user(&w.requester);
    let request = store
        .create_request(
            &customer,
            record(&w, w.leeds, RequestKind::Incident, standard()),
        )
        .await
        .expect("raised");
    let first = in_days(3);
    let (promise, event) = store
        .make_promise(&agent, request.id, record_for(first))
        .await
        .expect("promised");
    assert_eq!(event.kind, EventKind::PromiseMade);
    assert_eq!((promise.date, promise.original_date), (first, first));
    let again = store
        .make_promise(&agent, request.id, record_for(first))
        .await;
    assert!(matches!(again, Err(StoreError::Invalid(_))), "{again:?}");

    // A second proposal withdraws the first, which then takes no answer.
    let (old, _) = store
        .propose_date(&agent, request.id, in_days(5), "Stock is late")
        .await
        .expect("proposed");
    let (new, event) = store
        .propose_date(&agent, request.id, in_days(6), "Stock is later still")
        .await
        .expect("proposed again");
    assert_eq!(event.kind, EventKind::DateProposed);
    assert_eq!(event.body.as_deref(), Some("Stock is later still"));
    let stale = store.answer_date(&customer, old.id, LINK).await;
    assert!(matches!(stale, Err(StoreError::Invalid(_))), "{stale:?}");

    let (answered, promise, event) = store
        .answer_date(&customer, new.id, LINK)
        .await
        .expect("answered");
    assert_eq!(answered.status, ProposalStatus::Accepted);
    assert_eq!(answered.in_time, Some(true));
    assert_eq!(answered.answered_via.as_deref(), Some("link"));
    assert_eq!(event.kind, EventKind::DateAnswered);
    assert_eq!((promise.date, promise.original_date), (new.date, first));
    assert_eq!(promise.renegotiations, 1);
    // The link works once.
    let twice = store.answer_date(&customer, new.id, LINK).await;
    assert!(matches!(twice, Err(StoreError::Invalid(_))), "{twice:?}");

    let proposals = store.date_proposals(request.id).await.expect("history");
    let statuses: Vec<_> = proposals.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses,
        [ProposalStatus::Withdrawn, ProposalStatus::Accepted]
    );

    for action in [
        RequestAction::Acknowledge,
        RequestAction::Start,
        RequestAction::Fulfil,
    ] {
        store
            .act_on_request(
                &agent,
                request.id,
                RequestChange::Act {
                    action,
                    reason: None,
                },
                75,
            )
            .await
            .expect("step");
    }
    let settled = store.promise(request.id).await.expect("promise");
    assert_eq!(settled.outcome, Some(PromiseOutcome::KeptRenegotiated));
    assert!(settled.settled_at.is_some());
    let late = store
        .propose_date(&agent, request.id, in_days(9), "Too late")
        .await;
    assert!(matches!(late, Err(StoreError::Invalid(_))), "{late:?}");
}

pub async fn an_agreement_after_the_date_breaks_the_promise(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let agent = as_user(&w.agent);
    let customer = as_user(&w.requester);
    let request = store
        .create_request(
            &customer,
            record(&w, w.leeds, RequestKind::Incident, standard()),
        )
        .await
        .expect("raised");
    // Promised for a moment ago: any agreement now comes after the date.
    let past = Timestamp::now() - SignedDuration::from_mins(5);
    store
        .make_promise(&agent, request.id, record_for(past))
        .await
        .expect("promised");
    let (proposal, _) = store
        .propose_date(&agent, request.id, in_days(2), "Missed it, sorry")
        .await
        .expect("proposed");
    let (answered, promise, _) = store
        .answer_date(&customer, proposal.id, LINK)
        .await
        .expect("answered");
    assert_eq!(answered.in_time, Some(false));
    assert!(promise.renegotiated_late);
    assert_eq!(promise.outcome_at(Timestamp::now()), PromiseOutcome::Broken);
    assert_eq!(
        store.promises(&[request.id]).await.expect("listed").len(),
        1
    );
}

/// The promise of request `id`, if it has one.
async fn intake(store: &Arc<dyn Store>, id: kept_domain::RequestId) -> Option<Promise> {
    match store.promise(id).await {
        Ok(p) => Some(p),
        Err(StoreError::NotFound) => None,
        Err(e) => panic!("reading the promise: {e}"),
    }
}

pub async fn a_request_recorded_with_its_promise_gets_the_row_and_a_second_event(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let now = in_days(0);
    // Recorded at once, so that group commits hold requests with and
    // without a promise together.
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            let mut new = record(&w, w.leeds, RequestKind::Incident, standard());
            new.promise = (n % 2 == 0).then(|| record_for(later(now, 2 + n)));
            let customer = as_user(&w.requester);
            tokio::spawn(async move { store.create_request(&customer, new).await })
        })
        .collect();
    let mut requests = Vec::new();
    for task in tasks {
        requests.push(task.await.expect("task").expect("raised"));
    }
    for (n, request) in (0_i64..).zip(&requests) {
        let events = store
            .request_events(request.id, true)
            .await
            .expect("events");
        let promise = intake(&store, request.id).await;
        if n % 2 == 1 {
            assert!(promise.is_none(), "request {n}: no promise was asked for");
            assert_eq!(kinds(&events), [EventKind::Created]);
            assert!(
                events[0].data.get("promise").is_none(),
                "{:?}",
                events[0].data
            );
            continue;
        }
        let date = later(now, 2 + n);
        let promise = promise.expect("the promise made at intake");
        assert_eq!((promise.date, promise.original_date), (date, date));
        assert_eq!(promise.basis, PromiseBasis::Sla);
        assert_eq!(promise.made_by, None, "Kept made it, not a person");
        assert_eq!(promise.renegotiations, 0);
        assert_eq!(promise.outcome, None);
        assert_eq!(kinds(&events), [EventKind::Created, EventKind::PromiseMade]);
        assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(events[0].data["promise"]["date"], json!(date));
        assert_eq!(events[1].data["date"], json!(date));
        assert_eq!(events[1].data["at_intake"], true);
        assert!(events[1].public, "the customer is told the date");
    }
    // The next event follows the promise's.
    let first = &requests[0];
    let (_, events) = store
        .act_on_request(
            &as_user(&w.agent),
            first.id,
            RequestChange::Act {
                action: RequestAction::Acknowledge,
                reason: None,
            },
            75,
        )
        .await
        .expect("acknowledged");
    assert_eq!(events[0].seq, 3);
}

pub async fn a_promise_made_at_intake_is_replaced_once_and_not_after_a_proposal(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let agent = as_user(&w.agent);
    let customer = as_user(&w.requester);
    let intake_date = in_days(2);
    let mut new = record(&w, w.leeds, RequestKind::Incident, standard());
    new.promise = Some(record_for(intake_date));
    let first = store
        .create_request(&customer, new.clone())
        .await
        .expect("raised");
    let second = store.create_request(&customer, new).await.expect("raised");

    // The provider's choice replaces Kept's, once.
    let chosen = in_days(4);
    let (promise, event) = store
        .make_promise(&agent, first.id, record_for(chosen))
        .await
        .expect("replaced");
    assert_eq!((promise.date, promise.original_date), (chosen, chosen));
    assert_eq!(promise.made_by, Some(w.agent.id));
    assert_eq!((event.kind, event.seq), (EventKind::PromiseMade, 3));
    assert_eq!(event.data["replaces"], json!(intake_date));
    let again = store
        .make_promise(&agent, first.id, record_for(in_days(5)))
        .await;
    assert!(matches!(again, Err(StoreError::Invalid(_))), "{again:?}");
    assert_eq!(store.promise(first.id).await.expect("kept").date, chosen);

    // Once anyone has proposed a date, the intake promise stays.
    store
        .propose_date(&agent, second.id, in_days(6), "The parts come later")
        .await
        .expect("proposed");
    let refused = store
        .make_promise(&agent, second.id, record_for(in_days(3)))
        .await;
    match refused {
        Err(StoreError::Invalid(v)) => assert_eq!(v.0[0].field, "promise"),
        other => panic!("expected a refusal: {other:?}"),
    }
    let kept = store.promise(second.id).await.expect("kept");
    assert_eq!((kept.date, kept.made_by), (intake_date, None));
    let events = store.request_events(second.id, true).await.expect("events");
    assert_eq!(
        kinds(&events),
        [
            EventKind::Created,
            EventKind::PromiseMade,
            EventKind::DateProposed
        ]
    );
}
