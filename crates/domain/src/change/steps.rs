//! Which steps a viewer may take on a change request now: what a page
//! offers. Each step needs the status to allow it ([`ChangeAction::check`])
//! and the right person: the raiser's side (or an admin) submits, edits,
//! withdraws and redrafts; a member of the steering group who has not yet
//! decided this round decides; the provider's managers apply, unless a
//! newer version conflicts, when the way on is to redraft.

use super::{ChangeAction, ChangeRequest};
use crate::ids::UserId;

/// How a viewer stands towards a change request's contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeViewer {
    /// Who is looking.
    pub user_id: UserId,
    /// An admin, or someone who speaks for the side that raised it.
    pub raiser_side: bool,
    /// A member of the contract's steering group.
    pub steers: bool,
    /// A manager of the contract's provider (admins included).
    pub manages_provider: bool,
}

/// The steps a viewer may take on a change request now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChangeSteps {
    /// Approve or reject it.
    pub decide: bool,
    /// Edit and submit the draft.
    pub submit: bool,
    /// Take it back.
    pub withdraw: bool,
    /// Make it a new terms version.
    pub apply: bool,
    /// Send it back to draft.
    pub redraft: bool,
}

impl ChangeRequest {
    /// The steps `viewer` may take on it now; `conflicted` when a newer
    /// terms version changed what it changes, which bars applying it.
    pub fn steps_for(&self, viewer: &ChangeViewer, conflicted: bool) -> ChangeSteps {
        let can = |action: ChangeAction| action.check(self.status).is_ok();
        ChangeSteps {
            decide: can(ChangeAction::Decide)
                && viewer.steers
                && self.decided_by(viewer.user_id).is_none(),
            submit: can(ChangeAction::Submit) && viewer.raiser_side,
            withdraw: can(ChangeAction::Withdraw) && viewer.raiser_side,
            apply: can(ChangeAction::Apply) && viewer.manages_provider && !conflicted,
            redraft: can(ChangeAction::Redraft) && viewer.raiser_side,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;
    use crate::change::{ChangeStatus, ContractChanges, Decision, Side, Verdict};
    use crate::ids::{ChangeRequestId, ContractId};

    fn change(status: ChangeStatus, decided: &[UserId]) -> ChangeRequest {
        ChangeRequest {
            id: ChangeRequestId::new(),
            contract_id: ContractId::new(),
            title: "More hours".into(),
            rationale: String::new(),
            changes: ContractChanges::default(),
            base_version: None,
            proposal: Vec::new(),
            effective_from: None,
            side: Side::Client,
            raised_by: UserId::new(),
            status,
            decisions: decided
                .iter()
                .map(|u| Decision {
                    user_id: *u,
                    verdict: Verdict::Approve,
                    comment: String::new(),
                    decided_at: Timestamp::UNIX_EPOCH,
                })
                .collect(),
            submitted_at: None,
            decided_at: None,
            applied_at: None,
            applied_version: None,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn viewer(raiser_side: bool, steers: bool, manages_provider: bool) -> ChangeViewer {
        ChangeViewer {
            user_id: UserId::new(),
            raiser_side,
            steers,
            manages_provider,
        }
    }

    fn steps(
        decide: bool,
        submit: bool,
        withdraw: bool,
        apply: bool,
        redraft: bool,
    ) -> ChangeSteps {
        ChangeSteps {
            decide,
            submit,
            withdraw,
            apply,
            redraft,
        }
    }

    #[test]
    fn the_raisers_side_moves_its_change_through_the_lifecycle() {
        use ChangeStatus::*;
        let raiser = viewer(true, false, false);
        let offered = |status| change(status, &[]).steps_for(&raiser, false);

        assert_eq!(offered(Draft), steps(false, true, true, false, false));
        assert_eq!(offered(Submitted), steps(false, false, true, false, true));
        assert_eq!(offered(Approved), steps(false, false, false, false, true));
        for done in [Rejected, Applied, Withdrawn] {
            assert_eq!(offered(done), ChangeSteps::default(), "{done:?}");
        }
    }

    #[test]
    fn a_steering_member_decides_once_a_round_and_only_when_submitted() {
        let member = viewer(false, true, false);
        let submitted = change(ChangeStatus::Submitted, &[]);
        let decided = change(ChangeStatus::Submitted, &[member.user_id]);
        let by_another = change(ChangeStatus::Submitted, &[UserId::new()]);

        assert_eq!(
            submitted.steps_for(&member, false),
            steps(true, false, false, false, false)
        );
        assert_eq!(decided.steps_for(&member, false), ChangeSteps::default());
        assert!(by_another.steps_for(&member, false).decide);
        assert!(
            !change(ChangeStatus::Draft, &[])
                .steps_for(&member, false)
                .decide
        );
        assert!(
            !submitted
                .steps_for(&viewer(true, false, true), false)
                .decide,
            "not a member"
        );
    }

    #[test]
    fn the_providers_managers_apply_an_approved_change_unless_it_conflicts() {
        let manager = viewer(false, false, true);
        let approved = change(ChangeStatus::Approved, &[]);

        assert_eq!(
            approved.steps_for(&manager, false),
            steps(false, false, false, true, false)
        );
        assert!(!approved.steps_for(&manager, true).apply);
        assert!(!approved.steps_for(&viewer(true, true, false), false).apply);
        assert!(
            !change(ChangeStatus::Submitted, &[])
                .steps_for(&manager, false)
                .apply
        );
    }

    #[test]
    fn every_step_offered_is_one_the_status_allows() {
        let everyone = viewer(true, true, true);
        for status in ChangeStatus::ALL {
            let s = change(status, &[]).steps_for(&everyone, false);
            for (offered, action) in [
                (s.decide, ChangeAction::Decide),
                (s.submit, ChangeAction::Submit),
                (s.withdraw, ChangeAction::Withdraw),
                (s.apply, ChangeAction::Apply),
                (s.redraft, ChangeAction::Redraft),
            ] {
                assert_eq!(
                    offered,
                    action.check(status).is_ok(),
                    "{action:?} on {status:?}"
                );
            }
        }
    }
}
