//! The form posts behind a contract page's change-request buttons: raise
//! (and submit), edit a draft (and submit), submit, redraft, withdraw,
//! approve or reject, apply. A refused raise or edit shows the contract page
//! again with what was typed and why; the other buttons return to the page
//! with a message.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kept_domain::{
    Actor, ChangeDraft, ChangeRequestId, ContractChanges, ContractId, Coverage, NewChangeRequest,
    PartyId, Principal, ServiceId, Terms, Verdict,
};
use serde::Deserialize;

use super::change_requests::{DraftForm, Echo};
use super::contracts::detail_page;
use super::{
    Labels, NoFields, WebError, WebPath, after_post, describe_as, see_other, shown_on_form,
};
use crate::api::{
    apply_change, change_problem, check_named_parties, decide, readable_change, readable_contract,
    redraft_change, side_of,
};
use crate::auth::WebCaller;
use crate::auth::csrf::CsrfForm;
use crate::error::{ApiError, ProblemKind};
use crate::state::AppState;

fn back(contract: ContractId) -> String {
    format!("/contracts/{contract}#change-requests")
}

/// Runs a change-request action from a form and returns to the contract.
async fn act<F, Fut>(
    state: &AppState,
    caller: &WebCaller,
    contract: ContractId,
    id: ChangeRequestId,
    done: &str,
    action: F,
) -> Result<Response, WebError>
where
    F: FnOnce(AppState, Principal) -> Fut,
    Fut: std::future::Future<Output = Result<(), ApiError>>,
{
    let to = back(contract);
    let result = async {
        let (cr, _) = readable_change(state, &caller.principal, id).await?;
        if cr.contract_id != contract {
            return Err(ApiError::not_found());
        }
        action(state.clone(), caller.principal.clone()).await?;
        Ok((done.to_owned(), to.clone()))
    }
    .await;
    after_post(&caller.session, result, &to).await
}

/// A decision from the page.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    comment: String,
}

/// `POST /contracts/{id}/change-requests/{cr}/approve`.
pub async fn approve(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((contract, id)): WebPath<(ContractId, ChangeRequestId)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, WebError> {
    act(
        &state,
        &caller,
        contract,
        id,
        "Approved.",
        |s, p| async move {
            decide(&s, &p, id, Verdict::Approve, &form.comment).await?;
            Ok(())
        },
    )
    .await
}

/// `POST /contracts/{id}/change-requests/{cr}/reject`.
pub async fn reject(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((contract, id)): WebPath<(ContractId, ChangeRequestId)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, WebError> {
    act(
        &state,
        &caller,
        contract,
        id,
        "Rejected.",
        |s, p| async move {
            decide(&s, &p, id, Verdict::Reject, &form.comment).await?;
            Ok(())
        },
    )
    .await
}

/// Fails unless the caller acts for the side that raised the change.
async fn raiser_side(
    state: &AppState,
    caller: &Principal,
    id: ChangeRequestId,
) -> Result<(), ApiError> {
    let (cr, contract) = readable_change(state, caller, id).await?;
    if caller.is_admin() || side_of(state, caller, &contract).await? == Some(cr.side) {
        Ok(())
    } else {
        Err(ApiError::new(ProblemKind::Forbidden)
            .detail("only the side that raised it may do this"))
    }
}

/// A button on a change request that sends nothing but itself.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Button {
    /// Send a draft to the steering group.
    Submit,
    /// Take it back.
    Withdraw,
    /// Send it back to draft.
    Redraft,
    /// Make it a new terms version.
    Apply,
}

impl Button {
    /// What the page says once it is done.
    fn done(self) -> &'static str {
        match self {
            Self::Submit => "Submitted to the steering group.",
            Self::Withdraw => "Withdrawn.",
            Self::Redraft => {
                "Back to draft: edit it below and submit it again; the steering group decides afresh."
            }
            Self::Apply => "Applied: a new terms version is in force.",
        }
    }

    async fn press(self, s: &AppState, p: &Principal, id: ChangeRequestId) -> Result<(), ApiError> {
        let actor = Actor::user(p);
        match self {
            Self::Submit => {
                raiser_side(s, p, id).await?;
                if let Err(e) = s.store.submit_change_request(&actor, id).await {
                    return Err(change_problem(s, e).await);
                }
            }
            Self::Withdraw => {
                raiser_side(s, p, id).await?;
                s.store.withdraw_change_request(&actor, id).await?;
            }
            Self::Redraft => {
                redraft_change(s, p, id).await?;
            }
            Self::Apply => {
                apply_change(s, p, id, None).await?;
            }
        }
        Ok(())
    }
}

/// `POST /contracts/{id}/change-requests/{cr}/{submit|withdraw|redraft|apply}`.
pub async fn press(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((contract, id, button)): WebPath<(ContractId, ChangeRequestId, Button)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    act(
        &state,
        &caller,
        contract,
        id,
        button.done(),
        |s, p| async move { button.press(&s, &p, id).await },
    )
    .await
}

/// The labels of the raise and edit forms.
const DRAFT_LABELS: Labels = &[
    ("title", "Title"),
    ("rationale", "Rationale"),
    ("terms", "Proposed terms"),
    ("changes", "Proposed terms"),
    ("base_version", "Terms version"),
    ("add_customer", "Add a customer"),
    ("add_service", "Add a service"),
    ("add_customers", "Add a customer"),
    ("add_services", "Add a service"),
];

/// A change request raised or edited from the contract page.
#[derive(Debug, Deserialize)]
pub struct DraftFields {
    title: String,
    rationale: String,
    /// The proposed terms as TOML; left as they are when unchanged.
    #[serde(default)]
    terms: String,
    /// The version the terms shown were written against.
    #[serde(default)]
    base_version: String,
    /// A customer to add (a party id), or empty.
    #[serde(default)]
    add_customer: String,
    /// A service to add (a service id), or empty.
    #[serde(default)]
    add_service: String,
}

impl DraftFields {
    /// The form as typed, with why it was refused.
    fn echo(self, error: &ApiError) -> DraftForm {
        DraftForm {
            title: self.title,
            rationale: self.rationale,
            terms: self.terms,
            base_version: self.base_version.trim().parse().ok(),
            add_customer: self.add_customer,
            add_service: self.add_service,
            error: Some(describe_as(error, "Not saved.", DRAFT_LABELS)),
        }
    }

    /// The draft it makes, its terms compared with the version they were
    /// written against (`base`), and `keep` carried over from an earlier
    /// draft (customers, services, calendar).
    fn draft(&self, base: &Coverage, keep: ContractChanges) -> Result<ChangeDraft, ApiError> {
        let base_version: Option<u32> = optional_id("base_version", &self.base_version)?;
        let proposed: Terms = toml::from_str(&self.terms).map_err(|e| {
            ApiError::field("terms", format!("is not valid terms: {}", e.message()))
        })?;
        let add_customer: Option<PartyId> = optional_id("add_customer", &self.add_customer)?;
        let add_service: Option<ServiceId> = optional_id("add_service", &self.add_service)?;
        let mut changes = ContractChanges {
            terms: (proposed != base.terms).then_some(proposed),
            ..keep
        };
        changes.add_customers.extend(add_customer);
        changes.add_services.extend(add_service);
        Ok(ChangeDraft {
            title: self.title.clone(),
            rationale: self.rationale.clone(),
            changes,
            effective_from: None,
            base_version,
        }
        .checked()?)
    }
}

fn optional_id<T: std::str::FromStr>(field: &str, raw: &str) -> Result<Option<T>, ApiError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| ApiError::field(field, "is not an id"))
}

/// What the contract covers as of `version` (as it stands, with empty
/// terms, before any).
async fn coverage_at(
    state: &AppState,
    contract: ContractId,
    version: &str,
) -> Result<Coverage, ApiError> {
    let version: Option<u32> = optional_id("base_version", version)?;
    let versions = state.store.terms_versions(contract).await?;
    match version {
        Some(n) => versions
            .iter()
            .find(|v| v.version == n)
            .map(kept_domain::TermsVersion::coverage)
            .ok_or_else(|| ApiError::field("base_version", "is not a version of this contract")),
        None => {
            let c = state.store.contract(contract).await?;
            Ok(Coverage {
                terms: Terms::default(),
                customer_ids: c.customer_ids,
                service_ids: c.service_ids,
                calendar_id: c.calendar_id,
            })
        }
    }
}

/// The contract page again with the refused form as typed, or the error.
async fn refused(
    state: &AppState,
    caller: &WebCaller,
    contract: ContractId,
    error: ApiError,
    echo: impl FnOnce(&ApiError) -> Echo,
) -> Result<Response, WebError> {
    if !shown_on_form(&error) {
        return Err(WebError(error));
    }
    let status = error.kind.status();
    let page = detail_page(state, caller, contract, echo(&error)).await?;
    Ok((status, page).into_response())
}

/// `POST /contracts/{id}/change-requests`: raises and submits a change
/// request from the page.
pub async fn raise(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(contract_id): WebPath<ContractId>,
    CsrfForm(form): CsrfForm<DraftFields>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let result = async {
        let contract = readable_contract(&state, principal, contract_id).await?;
        let side = side_of(&state, principal, &contract)
            .await?
            .ok_or_else(|| {
                ApiError::new(ProblemKind::Forbidden)
                    .detail("change requests are raised by the provider's managers or the client")
            })?;
        let base = coverage_at(&state, contract_id, &form.base_version).await?;
        let draft = form.draft(&base, ContractChanges::default())?;
        check_named_parties(&state, principal, &draft.changes).await?;
        let actor = Actor::user(principal);
        let cr = state
            .store
            .create_change_request(
                &actor,
                NewChangeRequest {
                    contract_id,
                    side,
                    raised_by: principal.user_id,
                    draft,
                },
            )
            .await?;
        if let Err(e) = state.store.submit_change_request(&actor, cr.id).await {
            return Err(change_problem(&state, e).await);
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            super::Flash::ok(
                &caller.session,
                "Raised and submitted to the steering group.",
            )
            .await?;
            Ok(see_other(&back(contract_id)))
        }
        Err(e) => {
            refused(&state, &caller, contract_id, e, |e| {
                Echo::Raise(form.echo(e))
            })
            .await
        }
    }
}

/// `POST /contracts/{id}/change-requests/{cr}/edit`: rewrites a draft of
/// the caller's side against the version its form showed, and submits it.
pub async fn edit(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((contract_id, id)): WebPath<(ContractId, ChangeRequestId)>,
    CsrfForm(form): CsrfForm<DraftFields>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let result = async {
        let (cr, _) = readable_change(&state, principal, id).await?;
        if cr.contract_id != contract_id {
            return Err(ApiError::not_found());
        }
        raiser_side(&state, principal, id).await?;
        let base = coverage_at(&state, contract_id, &form.base_version).await?;
        // The customers, services and calendar it changes are kept, less
        // what the version its terms are now written against already has.
        let c = cr.changes;
        let keep = ContractChanges {
            terms: None,
            add_customers: not_in(c.add_customers, &base.customer_ids, false),
            remove_customers: not_in(c.remove_customers, &base.customer_ids, true),
            add_services: not_in(c.add_services, &base.service_ids, false),
            remove_services: not_in(c.remove_services, &base.service_ids, true),
            calendar_id: c.calendar_id.filter(|cal| Some(*cal) != base.calendar_id),
        };
        let draft = form.draft(&base, keep)?;
        check_named_parties(&state, principal, &draft.changes).await?;
        let actor = Actor::user(principal);
        state.store.edit_change_request(&actor, id, draft).await?;
        if let Err(e) = state.store.submit_change_request(&actor, id).await {
            return Err(change_problem(&state, e).await);
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            super::Flash::ok(
                &caller.session,
                "Saved and submitted to the steering group.",
            )
            .await?;
            Ok(see_other(&back(contract_id)))
        }
        Err(e) => {
            refused(&state, &caller, contract_id, e, |e| {
                Echo::Edit(id, form.echo(e))
            })
            .await
        }
    }
}

/// The entries of `ids` that `base` has (`present`) or lacks.
fn not_in<T: PartialEq>(ids: Vec<T>, base: &[T], present: bool) -> Vec<T> {
    ids.into_iter()
        .filter(|x| base.contains(x) == present)
        .collect()
}
