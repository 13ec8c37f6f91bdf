//! Change requests drafted against an older terms version: applying one
//! applies only its diff of that version, so changes approved and applied
//! in between are kept; a change touching what changed since is refused,
//! naming the fields, and goes ahead only once redrafted and approved again.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    ChangeDraft, ChangeRequest, ChangeStatus, ContractChanges, Difference, Priority, Quorum,
    ServiceId, SlaField, SlaTarget, Terms, Verdict,
};
use kept_store::{Store, StoreError};

use crate::changes::{World, as_user, world};
use crate::support::actor;

pub(crate) fn h(n: u64) -> Option<BusinessDuration> {
    Some(BusinessDuration::from_hours(n))
}

/// Version 1's terms: urgent first response 4 h, resolution 8 h.
fn v1_terms(service: ServiceId) -> Terms {
    Terms {
        sla: vec![SlaTarget {
            service_id: service,
            priority: Priority::Urgent,
            first_response: h(4),
            resolution: h(8),
            delivery: None,
        }],
        ..Terms::default()
    }
}

/// A world with version 1 in force.
pub(crate) async fn with_v1(store: &Arc<dyn Store>) -> World {
    let w = world(store, Quorum::All, 1).await;
    store
        .create_terms_version(
            &actor(),
            w.contract.id,
            Timestamp::now() - SignedDuration::from_hours(48),
            v1_terms(w.service),
        )
        .await
        .expect("version 1");
    w
}

/// Whole terms as written against version 1, with one edit.
pub(crate) fn edited(w: &World, edit: impl FnOnce(&mut Terms)) -> ContractChanges {
    let mut terms = v1_terms(w.service);
    edit(&mut terms);
    ContractChanges {
        terms: Some(terms),
        ..ContractChanges::default()
    }
}

fn draft(title: &str, changes: ContractChanges, base_version: Option<u32>) -> ChangeDraft {
    ChangeDraft {
        title: title.into(),
        rationale: "Agreed at the quarterly review.".into(),
        changes,
        effective_from: None,
        base_version,
    }
}

/// Raises, submits and approves a change request (the single approver).
pub(crate) async fn approved(
    store: &Arc<dyn Store>,
    w: &World,
    title: &str,
    c: ContractChanges,
) -> ChangeRequest {
    let raised = store
        .create_change_request(
            &as_user(&w.raiser),
            kept_domain::NewChangeRequest {
                contract_id: w.contract.id,
                side: kept_domain::Side::Provider,
                raised_by: w.raiser.id,
                draft: draft(title, c, None),
            },
        )
        .await
        .expect("raised");
    assert_eq!(raised.base_version, Some(1), "drafted against the latest");
    approve(store, w, raised).await
}

async fn approve(store: &Arc<dyn Store>, w: &World, cr: ChangeRequest) -> ChangeRequest {
    store
        .submit_change_request(&as_user(&w.raiser), cr.id)
        .await
        .expect("submitted");
    let done = store
        .decide_change_request(
            &as_user(&w.approvers[0]),
            cr.id,
            Verdict::Approve,
            String::new(),
        )
        .await
        .expect("approved");
    assert_eq!(done.status, ChangeStatus::Approved);
    done
}

pub(crate) fn urgent(t: &Terms, service: ServiceId) -> SlaTarget {
    *t.sla_for(service, Priority::Urgent).expect("urgent target")
}

pub async fn a_change_drafted_on_an_older_version_keeps_what_was_applied_since(
    store: Arc<dyn Store>,
) {
    let w = with_v1(&store).await;
    // Both drafted against version 1, with its terms whole.
    let faster = approved(
        &store,
        &w,
        "Faster fixes",
        edited(&w, |t| t.sla[0].resolution = h(4)),
    )
    .await;
    let roofs = approved(
        &store,
        &w,
        "Roofs out of scope",
        edited(&w, |t| t.out_of_scope.push("Roof repairs".into())),
    )
    .await;
    assert_eq!(
        roofs.proposal,
        [Difference::Scope {
            list: kept_domain::ScopeList::OutOfScope,
            item: "Roof repairs".into(),
            added: true,
        }],
        "what was approved is the diff of version 1"
    );

    let (_, v2) = store
        .apply_change_request(&actor(), faster.id, None)
        .await
        .expect("applied as version 2");
    let (_, v3) = store
        .apply_change_request(&actor(), roofs.id, None)
        .await
        .expect("applied as version 3");

    assert_eq!(urgent(&v2.terms, w.service).resolution, h(4));
    assert_eq!(
        urgent(&v3.terms, w.service).resolution,
        h(4),
        "version 3 must keep version 2's approved resolution target"
    );
    assert_eq!(v3.terms.out_of_scope, ["Roof repairs"]);
}

pub async fn a_change_touching_what_changed_since_is_refused_until_redrafted_and_approved_again(
    store: Arc<dyn Store>,
) {
    let w = with_v1(&store).await;
    let faster = approved(
        &store,
        &w,
        "Faster fixes",
        edited(&w, |t| t.sla[0].resolution = h(4)),
    )
    .await;
    let slower = approved(
        &store,
        &w,
        "Slower fixes",
        edited(&w, |t| t.sla[0].resolution = h(12)),
    )
    .await;
    store
        .apply_change_request(&actor(), faster.id, None)
        .await
        .expect("applied as version 2");

    let refused = store.apply_change_request(&actor(), slower.id, None).await;

    let Err(StoreError::ChangeConflicts(conflicts)) = refused else {
        panic!("expected a conflict, got {refused:?}");
    };
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        conflicts[0].field,
        format!("terms.sla.{}.urgent.resolution", w.service)
    );
    assert_eq!(
        conflicts[0].since,
        Difference::Sla {
            service_id: w.service,
            priority: Priority::Urgent,
            target: SlaField::Resolution,
            from: h(8),
            to: h(4),
        }
    );
    let versions = store.terms_versions(w.contract.id).await.expect("list");
    assert_eq!(versions.len(), 2, "nothing applied");
    let still = store.change_request(slower.id).await.expect("read");
    assert_eq!(still.status, ChangeStatus::Approved);

    // Redrafted: back to draft with its decision set aside, rewritten
    // against version 2 and approved again, it applies.
    let back = store
        .redraft_change_request(&as_user(&w.raiser), slower.id)
        .await
        .expect("redrafted");
    assert_eq!(back.status, ChangeStatus::Draft);
    assert!(back.decisions.is_empty());
    let mut v2_terms = versions[1].terms.clone();
    v2_terms.sla[0].resolution = h(12);
    let rewritten = store
        .edit_change_request(
            &as_user(&w.raiser),
            slower.id,
            draft(
                "Slower fixes",
                ContractChanges {
                    terms: Some(v2_terms),
                    ..ContractChanges::default()
                },
                Some(2),
            ),
        )
        .await
        .expect("edited");
    assert_eq!(rewritten.base_version, Some(2));
    approve(&store, &w, rewritten).await;
    let (_, v3) = store
        .apply_change_request(&actor(), slower.id, None)
        .await
        .expect("applied as version 3");
    assert_eq!(urgent(&v3.terms, w.service).resolution, h(12));
}

pub async fn a_draft_written_against_an_unknown_version_is_refused(store: Arc<dyn Store>) {
    let w = with_v1(&store).await;

    let refused = store
        .create_change_request(
            &as_user(&w.raiser),
            kept_domain::NewChangeRequest {
                contract_id: w.contract.id,
                side: kept_domain::Side::Provider,
                raised_by: w.raiser.id,
                draft: draft(
                    "Faster",
                    edited(&w, |t| t.sla[0].resolution = h(4)),
                    Some(7),
                ),
            },
        )
        .await;

    let Err(StoreError::Invalid(errors)) = refused else {
        panic!("expected a field error, got {refused:?}");
    };
    assert_eq!(errors.0[0].field, "base_version");
}

/// Two change requests drafted against version 1 and approved, applied at
/// once as two managers pressing Apply together would.
async fn race(
    store: &Arc<dyn Store>,
    a: fn(&mut Terms),
    b: fn(&mut Terms),
) -> (World, [Result<(), StoreError>; 2]) {
    let w = with_v1(store).await;
    let first = approved(store, &w, "First", edited(&w, a)).await;
    let second = approved(store, &w, "Second", edited(&w, b)).await;
    let (s1, s2) = (Arc::clone(store), Arc::clone(store));
    let (x, y) = tokio::join!(
        tokio::spawn(async move { s1.apply_change_request(&actor(), first.id, None).await }),
        tokio::spawn(async move { s2.apply_change_request(&actor(), second.id, None).await }),
    );
    (w, [x.expect("task").map(drop), y.expect("task").map(drop)])
}

pub async fn two_approved_changes_applied_at_once_keep_both_or_refuse_the_conflicting_one(
    store: Arc<dyn Store>,
) {
    for round in 0..3 {
        // Different fields: both land, in either order.
        let (w, results) = race(
            &store,
            |t| t.sla[0].resolution = h(4),
            |t| t.sla[0].first_response = h(2),
        )
        .await;

        assert!(
            results.iter().all(Result::is_ok),
            "round {round}: {results:?}"
        );
        let versions = store.terms_versions(w.contract.id).await.expect("list");
        assert_eq!(versions.len(), 3, "round {round}");
        let last = urgent(&versions[2].terms, w.service);
        assert_eq!((last.first_response, last.resolution), (h(2), h(4)));

        // The same field, set differently: exactly one lands.
        let (w, results) = race(
            &store,
            |t| t.sla[0].resolution = h(4),
            |t| t.sla[0].resolution = h(12),
        )
        .await;

        let applied = results.iter().filter(|r| r.is_ok()).count();
        let conflicts = results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::ChangeConflicts(_))))
            .count();
        assert_eq!((applied, conflicts), (1, 1), "round {round}: {results:?}");
        assert_eq!(
            store
                .terms_versions(w.contract.id)
                .await
                .expect("list")
                .len(),
            2
        );
    }
}
