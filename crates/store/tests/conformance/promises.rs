//! Promises: made once per request with its event; a proposal withdraws
//! the one before and takes one answer; an agreement in time keeps the
//! promise whole and a late one breaks it; fulfilment settles it.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use kept_domain::promise::{Decision, PromiseBasis, PromiseOutcome, ProposalStatus};
use kept_domain::{EventKind, RequestAction, RequestChange, RequestKind};
use kept_store::promises::{Answer, PromiseRecord};
use kept_store::{Store, StoreError};

use crate::requests::{as_user, record, standard, world};

/// Whole seconds: the store keeps microseconds.
fn in_days(days: i64) -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second() + 86_400 * days).expect("instant")
}

fn record_for(date: Timestamp) -> PromiseRecord {
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

const LINK: Answer = Answer {
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
