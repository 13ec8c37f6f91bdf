//! The form posts behind a contract page's change-request buttons: raise
//! (and submit), edit a draft (and submit), submit, redraft, withdraw,
//! approve or reject, apply. A refused raise or edit shows the contract page
//! again with what was typed and why; the other buttons return to the page
//! with a message.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use kept_domain::{
    ChangeDraft, ChangeRequestId, ContractChanges, ContractId, Coverage, PartyId, Principal,
    ServiceId, Terms, Verdict,
};
use serde::Deserialize;

use super::change_requests::{DraftForm, Echo};
use super::contracts::detail_page;
use super::{
    Labels, NoFields, WebError, WebPath, after_post, describe_as, see_other, shown_on_form,
};

use super::session::{CsrfForm, WebCaller};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::changes::{
    apply_change, coverage_of_version, decide, edit_change, raise_change, readable_change,
    redraft_change, submit_change, withdraw_change,
};

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
    to: String,
    action: F,
) -> Result<Response, WebError>
where
    F: FnOnce(AppState, Principal) -> Fut,
    Fut: std::future::Future<Output = Result<(), kept_app::Error>>,
{
    let result = async {
        let (cr, _) = readable_change(&state.app, &caller.principal, id).await?;
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
    /// `home` when decided from the home page, to return there.
    #[serde(default)]
    back: String,
}

/// `POST /contracts/{id}/change-requests/{cr}/approve`.
pub async fn approve(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((contract, id)): WebPath<(ContractId, ChangeRequestId)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, WebError> {
    decide_on(&state, &caller, contract, id, Verdict::Approve, form).await
}

/// `POST /contracts/{id}/change-requests/{cr}/reject`.
pub async fn reject(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((contract, id)): WebPath<(ContractId, ChangeRequestId)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, WebError> {
    decide_on(&state, &caller, contract, id, Verdict::Reject, form).await
}

/// Records the caller's decision from the page.
async fn decide_on(
    state: &AppState,
    caller: &WebCaller,
    contract: ContractId,
    id: ChangeRequestId,
    verdict: Verdict,
    form: DecisionForm,
) -> Result<Response, WebError> {
    let done = match verdict {
        Verdict::Approve => "Approved.",
        Verdict::Reject => "Rejected.",
    };
    let to = if form.back == "home" {
        "/".to_owned()
    } else {
        back(contract)
    };
    act(state, caller, contract, id, done, to, |s, p| async move {
        decide(&s.app, &p, id, verdict, &form.comment)
            .await
            .map(drop)
    })
    .await
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

    async fn press(
        self,
        s: &AppState,
        p: &Principal,
        id: ChangeRequestId,
    ) -> Result<(), kept_app::Error> {
        match self {
            Self::Submit => drop(submit_change(&s.app, p, id).await?),
            Self::Withdraw => drop(withdraw_change(&s.app, p, id).await?),
            Self::Redraft => drop(redraft_change(&s.app, p, id).await?),
            Self::Apply => drop(apply_change(&s.app, p, id, None).await?),
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
        back(contract),
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

/// What the contract covers as of the version a form names.
async fn coverage_at(
    state: &AppState,
    caller: &Principal,
    contract: ContractId,
    version: &str,
) -> Result<Coverage, ApiError> {
    let version: Option<u32> = optional_id("base_version", version)?;
    Ok(coverage_of_version(&state.app, caller, contract, version).await?)
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
        let base = coverage_at(&state, principal, contract_id, &form.base_version).await?;
        let draft = form.draft(&base, ContractChanges::default())?;
        let cr = raise_change(&state.app, principal, contract_id, draft).await?;
        submit_change(&state.app, principal, cr.id).await?;
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
        let (cr, _) = readable_change(&state.app, principal, id).await?;
        if cr.contract_id != contract_id {
            return Err(ApiError::not_found());
        }
        let base = coverage_at(&state, principal, contract_id, &form.base_version).await?;
        // The customers, services and calendar it changes are kept, less
        // what the version its terms are now written against already has.
        let draft = form.draft(&base, kept_domain::still_to_change(&cr.changes, &base))?;
        edit_change(&state.app, principal, id, draft).await?;
        submit_change(&state.app, principal, id).await?;
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

/// The change-request forms on a contract's page.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contracts/{id}/change-requests", post(raise))
        .route(
            "/contracts/{id}/change-requests/{cr}/approve",
            post(approve),
        )
        .route("/contracts/{id}/change-requests/{cr}/reject", post(reject))
        .route("/contracts/{id}/change-requests/{cr}/edit", post(edit))
        .route("/contracts/{id}/change-requests/{cr}/{button}", post(press))
}
