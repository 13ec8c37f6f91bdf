//! Terms versions and change requests: in force by instant, never edited
//! once in force, decided by the steering group under the quorum, applied
//! as a new version, race-safe.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use kept_domain::{
    Actor, AuditAction, ChangeDraft, ChangeRequest, ChangeStatus, Contract, ContractChanges,
    NewChangeRequest, NewContract, NewService, PartyKind, Priority, Quorum, ServiceDetails,
    ServiceId, Side, SlaTarget, Terms, User, Verdict,
};
use kept_store::{AuditQuery, ChangeRequestQuery, Conflict, Store, StoreError};

use crate::support::{actor, name, org, party, user};

pub(crate) struct World {
    pub(crate) contract: Contract,
    pub(crate) service: ServiceId,
    pub(crate) approvers: Vec<User>,
    pub(crate) raiser: User,
    pub(crate) leeds: kept_domain::PartyId,
    pub(crate) york: kept_domain::PartyId,
}

pub(crate) async fn world(store: &Arc<dyn Store>, quorum: Quorum, approvers: usize) -> World {
    let provider = org(store, "Brightwell").await;
    let client = org(store, "Harbour").await;
    let leeds = party(store, PartyKind::Site, "Leeds", Some(client.id)).await;
    let york = party(store, PartyKind::Site, "York", Some(client.id)).await;
    let service = store
        .create_service(
            &actor(),
            NewService {
                provider_id: provider.id,
                name: name("Reactive maintenance"),
                details: ServiceDetails::default(),
            },
        )
        .await
        .expect("service");
    // Several worlds may share a database: keep the emails apart.
    let tag = client.id.to_string();
    let mut group = Vec::new();
    for n in 0..approvers {
        group.push(
            user(
                store,
                &format!("approver{n}.{tag}@harbour.example"),
                Some(client.id),
            )
            .await,
        );
    }
    let raiser = user(
        store,
        &format!("maya.{tag}@brightwell.example"),
        Some(provider.id),
    )
    .await;
    let contract = store
        .create_contract(
            &actor(),
            NewContract {
                name: name("Harbour FM"),
                provider_id: provider.id,
                client_id: client.id,
                customer_ids: vec![leeds.id],
                service_ids: vec![service.id],
                calendar_id: None,
                probation_ends_on: None,
                steering_group: group.iter().map(|u| u.id).collect(),
                quorum,
            },
        )
        .await
        .expect("contract");
    World {
        contract,
        service: service.id,
        approvers: group,
        raiser,
        leeds: leeds.id,
        york: york.id,
    }
}

pub(crate) fn as_user(u: &User) -> Actor {
    Actor {
        user_id: Some(u.id),
        label: u.email.to_string(),
    }
}

fn terms(service: ServiceId, first_response_hours: u64) -> Terms {
    Terms {
        sla: vec![SlaTarget {
            service_id: service,
            priority: Priority::High,
            first_response: Some(kept_domain::calendar::BusinessDuration::from_hours(
                first_response_hours,
            )),
            resolution: None,
            delivery: None,
        }],
        ..Terms::default()
    }
}

fn ago(hours: i64) -> Timestamp {
    Timestamp::now() - SignedDuration::from_hours(hours)
}

pub(crate) async fn raise(
    store: &Arc<dyn Store>,
    w: &World,
    changes: ContractChanges,
) -> ChangeRequest {
    store
        .create_change_request(
            &as_user(&w.raiser),
            NewChangeRequest {
                contract_id: w.contract.id,
                side: Side::Provider,
                raised_by: w.raiser.id,
                draft: ChangeDraft {
                    title: "Faster first response".into(),
                    rationale: "Stores asked for it at the quarterly review.".into(),
                    changes,
                    effective_from: None,
                    base_version: None,
                },
            },
        )
        .await
        .expect("raised")
}

pub(crate) async fn submitted(
    store: &Arc<dyn Store>,
    w: &World,
    changes: ContractChanges,
) -> ChangeRequest {
    let cr = raise(store, w, changes).await;
    store
        .submit_change_request(&as_user(&w.raiser), cr.id)
        .await
        .expect("submitted")
}

pub(crate) fn faster(w: &World) -> ContractChanges {
    ContractChanges {
        terms: Some(terms(w.service, 2)),
        ..ContractChanges::default()
    }
}

pub async fn the_terms_in_force_are_those_of_the_latest_version_to_have_started(
    store: Arc<dyn Store>,
) {
    let w = world(&store, Quorum::All, 1).await;
    let id = w.contract.id;
    assert_eq!(
        store.terms_at(id, Timestamp::now()).await.expect("read"),
        None
    );

    let v1 = store
        .create_terms_version(&actor(), id, ago(48), terms(w.service, 4))
        .await
        .expect("v1");

    assert_eq!(v1.version, 1);
    assert_eq!(v1.customer_ids, [w.leeds]);
    assert_eq!(
        store.terms_at(id, Timestamp::now()).await.expect("read"),
        Some(v1.clone())
    );
    assert_eq!(store.terms_at(id, ago(49)).await.expect("read"), None);
    assert_eq!(store.terms_versions(id).await.expect("list"), [v1]);
}

pub async fn a_version_in_force_is_never_edited_and_later_terms_need_a_change_request(
    store: Arc<dyn Store>,
) {
    let w = world(&store, Quorum::All, 1).await;
    let id = w.contract.id;
    let later = Timestamp::now() + SignedDuration::from_hours(24 * 30);
    let scheduled = store
        .create_terms_version(&actor(), id, later, terms(w.service, 4))
        .await
        .expect("scheduled");
    // Not yet in force: it may still be corrected.
    let corrected = store
        .update_terms_version(&actor(), id, scheduled.version, ago(1), terms(w.service, 3))
        .await
        .expect("edited before it takes effect");
    assert_eq!(corrected.terms, terms(w.service, 3));

    let edit = store
        .update_terms_version(&actor(), id, 1, later, terms(w.service, 8))
        .await;
    let direct = store
        .create_terms_version(&actor(), id, later, terms(w.service, 8))
        .await;

    assert!(
        matches!(edit, Err(StoreError::Conflict(Conflict::TermsInForce))),
        "{edit:?}"
    );
    assert!(
        matches!(
            direct,
            Err(StoreError::Conflict(Conflict::TermsUnderChangeControl))
        ),
        "{direct:?}"
    );
    assert_eq!(
        store.terms_versions(id).await.expect("list")[0].terms,
        terms(w.service, 3),
        "nothing changed"
    );
}

pub async fn terms_naming_services_off_the_contract_are_refused(store: Arc<dyn Store>) {
    let w = world(&store, Quorum::All, 1).await;
    let result = store
        .create_terms_version(&actor(), w.contract.id, ago(1), terms(ServiceId::new(), 4))
        .await;
    match result {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "terms.sla[0].service_id"),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

pub async fn a_change_runs_from_draft_to_applied_under_a_majority(store: Arc<dyn Store>) {
    let w = world(&store, Quorum::Majority, 3).await;
    store
        .create_terms_version(&actor(), w.contract.id, ago(48), terms(w.service, 4))
        .await
        .expect("v1");
    let cr = submitted(&store, &w, faster(&w)).await;
    assert_eq!(cr.status, ChangeStatus::Submitted);

    let one = store
        .decide_change_request(
            &as_user(&w.approvers[0]),
            cr.id,
            Verdict::Approve,
            "ok".into(),
        )
        .await
        .expect("first approval");
    assert_eq!(one.status, ChangeStatus::Submitted, "1 of 3 is no majority");
    let two = store
        .decide_change_request(
            &as_user(&w.approvers[1]),
            cr.id,
            Verdict::Approve,
            String::new(),
        )
        .await
        .expect("second approval");
    assert_eq!(two.status, ChangeStatus::Approved);
    let approved_at = two.decided_at.expect("decided");

    let (applied, version) = store
        .apply_change_request(&actor(), cr.id, None)
        .await
        .expect("applied");

    assert_eq!(applied.status, ChangeStatus::Applied);
    assert_eq!(applied.applied_version, Some(2));
    assert_eq!(version.version, 2);
    assert_eq!(version.change_request_id, Some(cr.id));
    assert!(version.effective_from >= approved_at);
    assert_eq!(version.terms, terms(w.service, 2));
    assert_eq!(
        store
            .terms_at(w.contract.id, Timestamp::now())
            .await
            .expect("read")
            .map(|v| v.version),
        Some(2)
    );
    assert_eq!(
        store
            .terms_at(w.contract.id, ago(1))
            .await
            .expect("read")
            .map(|v| v.version),
        Some(1),
        "history keeps what was in force before"
    );
    let actions: Vec<AuditAction> = store
        .audit_events(&AuditQuery {
            subject_id: Some(cr.id.to_string()),
            ..AuditQuery::default()
        })
        .await
        .expect("audit")
        .items
        .into_iter()
        .filter(|e| e.subject_id == cr.id.to_string())
        .map(|e| e.action)
        .collect();
    for step in [
        AuditAction::ChangeRequestRaised,
        AuditAction::ChangeRequestSubmitted,
        AuditAction::ChangeRequestApprovedBy,
        AuditAction::ChangeRequestApproved,
        AuditAction::ChangeRequestApplied,
    ] {
        assert!(actions.contains(&step), "{step} missing from {actions:?}");
    }
}

pub async fn only_members_decide_each_once_and_only_approved_changes_apply(store: Arc<dyn Store>) {
    let w = world(&store, Quorum::All, 2).await;
    let draft = raise(&store, &w, faster(&w)).await;
    let early = store
        .decide_change_request(
            &as_user(&w.approvers[0]),
            draft.id,
            Verdict::Approve,
            String::new(),
        )
        .await;
    assert!(matches!(early, Err(StoreError::Transition(_))), "{early:?}");
    store
        .submit_change_request(&as_user(&w.raiser), draft.id)
        .await
        .expect("submitted");

    let stranger = store
        .decide_change_request(
            &as_user(&w.raiser),
            draft.id,
            Verdict::Approve,
            String::new(),
        )
        .await;
    store
        .decide_change_request(
            &as_user(&w.approvers[0]),
            draft.id,
            Verdict::Approve,
            String::new(),
        )
        .await
        .expect("approval");
    let twice = store
        .decide_change_request(
            &as_user(&w.approvers[0]),
            draft.id,
            Verdict::Approve,
            String::new(),
        )
        .await;
    let unapproved = store.apply_change_request(&actor(), draft.id, None).await;

    assert!(
        matches!(stranger, Err(StoreError::NotAnApprover)),
        "{stranger:?}"
    );
    assert!(
        matches!(twice, Err(StoreError::Conflict(Conflict::AlreadyDecided))),
        "{twice:?}"
    );
    assert!(
        matches!(unapproved, Err(StoreError::Transition(_))),
        "{unapproved:?}"
    );
    let read = store.change_request(draft.id).await.expect("read");
    assert_eq!(read.decisions.len(), 1);
    assert_eq!(read.status, ChangeStatus::Submitted);
}

pub async fn one_rejection_under_all_rejects_and_withdrawn_changes_stay_withdrawn(
    store: Arc<dyn Store>,
) {
    let w = world(&store, Quorum::All, 2).await;
    let cr = submitted(&store, &w, faster(&w)).await;
    let rejected = store
        .decide_change_request(
            &as_user(&w.approvers[1]),
            cr.id,
            Verdict::Reject,
            "too costly".into(),
        )
        .await
        .expect("rejection");
    assert_eq!(rejected.status, ChangeStatus::Rejected);
    assert_eq!(rejected.decisions[0].comment, "too costly");

    let other = submitted(&store, &w, faster(&w)).await;
    let withdrawn = store
        .withdraw_change_request(&as_user(&w.raiser), other.id)
        .await
        .expect("withdrawn");
    assert_eq!(withdrawn.status, ChangeStatus::Withdrawn);
    assert!(matches!(
        store
            .submit_change_request(&as_user(&w.raiser), other.id)
            .await,
        Err(StoreError::Transition(_))
    ));
    assert!(matches!(
        store
            .withdraw_change_request(&as_user(&w.raiser), cr.id)
            .await,
        Err(StoreError::Transition(_))
    ));
}

pub async fn applying_adds_customers_at_once_and_refuses_a_start_before_approval(
    store: Arc<dyn Store>,
) {
    let w = world(&store, Quorum::AtLeast(1), 2).await;
    let grow = ContractChanges {
        add_customers: vec![w.york],
        ..ContractChanges::default()
    };
    let cr = submitted(&store, &w, grow).await;
    store
        .decide_change_request(
            &as_user(&w.approvers[0]),
            cr.id,
            Verdict::Approve,
            String::new(),
        )
        .await
        .expect("approved");

    let backdated = store
        .apply_change_request(&actor(), cr.id, Some(ago(24)))
        .await;
    assert!(
        matches!(&backdated, Err(StoreError::Invalid(e)) if e.0[0].field == "effective_from"),
        "{backdated:?}"
    );
    let (_, version) = store
        .apply_change_request(&actor(), cr.id, None)
        .await
        .expect("applied");

    let mut both = vec![w.leeds, w.york];
    both.sort();
    let mut covered = version.customer_ids.clone();
    covered.sort();
    assert_eq!(covered, both);
    let contract = store.contract(w.contract.id).await.expect("read");
    assert_eq!(contract.customer_ids, both);
    assert!(matches!(
        store.apply_change_request(&actor(), cr.id, None).await,
        Err(StoreError::Transition(_))
    ));
}

pub async fn concurrent_approvals_reach_the_quorum_exactly_once(store: Arc<dyn Store>) {
    for round in 0..5 {
        let w = world(&store, Quorum::All, 2).await;
        let cr = submitted(&store, &w, faster(&w)).await;
        let (a, b) = (as_user(&w.approvers[0]), as_user(&w.approvers[1]));
        let (s1, s2) = (Arc::clone(&store), Arc::clone(&store));
        let (r1, r2) = tokio::join!(
            tokio::spawn(async move {
                s1.decide_change_request(&a, cr.id, Verdict::Approve, String::new())
                    .await
            }),
            tokio::spawn(async move {
                s2.decide_change_request(&b, cr.id, Verdict::Approve, String::new())
                    .await
            }),
        );
        r1.expect("task").expect("first approval");
        r2.expect("task").expect("second approval");
        let read = store.change_request(cr.id).await.expect("read");
        assert_eq!(read.status, ChangeStatus::Approved, "round {round}");
        assert_eq!(read.decisions.len(), 2);
        let approvals = store
            .audit_events(&AuditQuery {
                subject_id: Some(cr.id.to_string()),
                ..AuditQuery::default()
            })
            .await
            .expect("audit")
            .items
            .into_iter()
            .filter(|e| {
                e.subject_id == cr.id.to_string() && e.action == AuditAction::ChangeRequestApproved
            })
            .count();
        assert_eq!(approvals, 1, "round {round}: approved exactly once");
        // Two applies at once make one version.
        let (s1, s2) = (Arc::clone(&store), Arc::clone(&store));
        let (x, y) = tokio::join!(
            tokio::spawn(async move { s1.apply_change_request(&actor(), cr.id, None).await }),
            tokio::spawn(async move { s2.apply_change_request(&actor(), cr.id, None).await }),
        );
        let ok = [x.expect("task"), y.expect("task")]
            .into_iter()
            .filter(Result::is_ok)
            .count();
        assert_eq!(ok, 1, "round {round}: applied once");
        assert_eq!(
            store
                .terms_versions(w.contract.id)
                .await
                .expect("list")
                .len(),
            1
        );
    }
}

pub async fn change_requests_list_for_those_who_see_them(store: Arc<dyn Store>) {
    let w = world(&store, Quorum::All, 2).await;
    let cr = submitted(&store, &w, faster(&w)).await;
    let scope = |roots: Vec<kept_domain::PartyId>| kept_domain::PartyScope::Within {
        roots,
        context: Vec::new(),
    };
    let seen = |q: ChangeRequestQuery| {
        let store = Arc::clone(&store);
        async move {
            store
                .list_change_requests(&q)
                .await
                .expect("list")
                .items
                .into_iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    let approver = &w.approvers[0];
    let stranger = org(&store, "Elsewhere").await;

    let by_provider = seen(ChangeRequestQuery::new(
        scope(vec![w.contract.provider_id]),
        Some(w.raiser.id),
    ))
    .await;
    let by_site = seen(ChangeRequestQuery::new(scope(vec![w.leeds]), None)).await;
    let by_approver = seen(ChangeRequestQuery::new(
        scope(vec![stranger.id]),
        Some(approver.id),
    ))
    .await;
    let awaiting = ChangeRequestQuery {
        awaiting_decision_of: Some(approver.id),
        ..ChangeRequestQuery::new(scope(vec![stranger.id]), Some(approver.id))
    };
    let before = seen(awaiting.clone()).await;
    store
        .decide_change_request(&as_user(approver), cr.id, Verdict::Approve, String::new())
        .await
        .expect("approval");
    let after = seen(awaiting).await;

    assert_eq!(by_provider, [cr.id]);
    assert!(
        by_site.is_empty(),
        "a customer's people do not see change requests"
    );
    assert_eq!(
        by_approver,
        [cr.id],
        "the steering group sees what it steers"
    );
    assert_eq!(before, [cr.id]);
    assert!(after.is_empty(), "decided: no longer awaiting");
}
