//! What change requests refuse: changes naming parties or services that
//! do not fit the contract, and any step on a contract that has ended.

use std::sync::Arc;

use kept_domain::{
    ChangeDraft, ChangeRequest, ChangeStatus, ContractChanges, NewChangeRequest, Quorum, ServiceId,
    Side, Verdict,
};
use kept_store::{Store, StoreError};

use crate::changes::{as_user, faster, raise, submitted, world};
use crate::support::actor;

pub async fn changes_naming_unknown_parties_or_services_are_refused(store: Arc<dyn Store>) {
    let w = world(&store, Quorum::All, 1).await;
    let field = |r: Result<ChangeRequest, StoreError>| match r {
        Err(StoreError::Invalid(e)) => e.0[0].field.clone(),
        other => panic!("expected invalid input, got {other:?}"),
    };
    let try_raise = |changes: ContractChanges| {
        let store = Arc::clone(&store);
        let w_raiser = w.raiser.clone();
        let contract = w.contract.id;
        async move {
            store
                .create_change_request(
                    &as_user(&w_raiser),
                    NewChangeRequest {
                        contract_id: contract,
                        side: Side::Client,
                        raised_by: w_raiser.id,
                        draft: ChangeDraft {
                            title: "t".into(),
                            rationale: "r".into(),
                            changes,
                            effective_from: None,
                            base_version: None,
                        },
                    },
                )
                .await
        }
    };
    assert_eq!(
        field(
            try_raise(ContractChanges {
                add_customers: vec![kept_domain::PartyId::new()],
                ..ContractChanges::default()
            })
            .await
        ),
        "changes.add_customers[0]"
    );
    assert_eq!(
        field(
            try_raise(ContractChanges {
                add_services: vec![ServiceId::new()],
                ..ContractChanges::default()
            })
            .await
        ),
        "changes.add_services[0]"
    );
    assert_eq!(
        field(
            try_raise(ContractChanges {
                remove_customers: vec![w.leeds],
                ..ContractChanges::default()
            })
            .await
        ),
        "changes.remove_customers",
        "a contract keeps at least one customer"
    );
    assert_eq!(
        field(try_raise(ContractChanges::default()).await),
        "changes"
    );
}

pub async fn an_ended_contract_takes_no_more_changes(store: Arc<dyn Store>) {
    let w = world(&store, Quorum::All, 2).await;
    let draft = raise(&store, &w, faster(&w)).await;
    let abandoned = raise(&store, &w, faster(&w)).await;
    let pending = submitted(&store, &w, faster(&w)).await;
    let approved = submitted(&store, &w, faster(&w)).await;
    for approver in &w.approvers {
        store
            .decide_change_request(
                &as_user(approver),
                approved.id,
                Verdict::Approve,
                String::new(),
            )
            .await
            .expect("approval");
    }
    store
        .set_contract_archived(&actor(), w.contract.id, true)
        .await
        .expect("ended");
    let raiser = as_user(&w.raiser);

    let raised = store
        .create_change_request(
            &raiser,
            NewChangeRequest {
                contract_id: w.contract.id,
                side: Side::Provider,
                raised_by: w.raiser.id,
                draft: ChangeDraft {
                    title: "Too late".into(),
                    rationale: "The contract has ended.".into(),
                    changes: faster(&w),
                    effective_from: None,
                    base_version: None,
                },
            },
        )
        .await
        .map(|_| ());
    let edited = store
        .edit_change_request(
            &raiser,
            draft.id,
            ChangeDraft {
                title: "Even faster".into(),
                rationale: "Because.".into(),
                changes: faster(&w),
                effective_from: None,
                base_version: None,
            },
        )
        .await
        .map(|_| ());
    let sent = store
        .submit_change_request(&raiser, draft.id)
        .await
        .map(|_| ());
    let decided = store
        .decide_change_request(
            &as_user(&w.approvers[0]),
            pending.id,
            Verdict::Approve,
            String::new(),
        )
        .await
        .map(|_| ());
    let applied = store
        .apply_change_request(&actor(), approved.id, None)
        .await
        .map(|_| ());
    let withdrawn = store
        .withdraw_change_request(&raiser, abandoned.id)
        .await
        .expect("what is left open can still be taken back");

    for (step, result) in [
        ("raise", raised),
        ("edit", edited),
        ("submit", sent),
        ("decide", decided),
        ("apply", applied),
    ] {
        match result {
            Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "contract_id", "{step}"),
            other => panic!("{step}: expected invalid input, got {other:?}"),
        }
    }
    assert_eq!(withdrawn.status, ChangeStatus::Withdrawn);
    let status = |id| {
        let store = Arc::clone(&store);
        async move { store.change_request(id).await.expect("read").status }
    };
    assert_eq!(status(draft.id).await, ChangeStatus::Draft);
    assert_eq!(status(pending.id).await, ChangeStatus::Submitted);
    assert_eq!(status(approved.id).await, ChangeStatus::Approved);
    assert!(
        store
            .change_request(pending.id)
            .await
            .expect("read")
            .decisions
            .is_empty()
    );
    assert!(
        store
            .terms_versions(w.contract.id)
            .await
            .expect("list")
            .is_empty(),
        "no version of an ended contract"
    );
}
