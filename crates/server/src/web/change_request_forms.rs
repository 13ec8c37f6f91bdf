//! The form posts behind a contract page's change-request buttons: raise
//! (and submit), edit a draft (and submit), submit, redraft, withdraw,
//! approve or reject, apply. Raising and editing post the change-request
//! form (`change_request_page`), and a refused one shows that form again
//! with what was typed and why; the other buttons return to the contract
//! page with a message.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use kept_domain::{ChangeRequestId, ContractId, Principal, Verdict};
use serde::Deserialize;

use super::change_request_editor::DraftInput;
use super::change_request_page::{
    Purpose, draft_of, edit_page, new_page, refused, review_edit, review_raise,
};
use super::{Flash, NoFields, WebError, WebPath, after_post, see_other};

use super::session::{CsrfForm, WebCaller};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::changes::{
    apply_change, decide, edit_change, raise_change, readable_change, redraft_change,
    submit_change, withdraw_change,
};

fn back(contract: ContractId) -> String {
    format!("/contracts/{contract}#change-requests")
}

/// The contract page at a change request.
fn shown(contract: ContractId, id: ChangeRequestId) -> String {
    format!("/contracts/{contract}#cr-{id}")
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
                "Back to draft: press Edit and submit to change it and send it again; the steering group decides afresh."
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

/// `POST /contracts/{id}/change-requests`: raises a change request from
/// its form and submits it to the steering group.
pub async fn raise(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(contract_id): WebPath<ContractId>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let input = DraftInput::from_pairs(&pairs);
    let result = async {
        let draft = draft_of(&state, &caller, contract_id, Purpose::Raise, &input).await?;
        let cr = raise_change(&state.app, principal, contract_id, draft).await?;
        submit_change(&state.app, principal, cr.id).await?;
        Ok(cr.id)
    }
    .await;
    match result {
        Ok(id) => {
            Flash::ok(
                &caller.session,
                "Raised and submitted to the steering group.",
            )
            .await?;
            Ok(see_other(&shown(contract_id, id)))
        }
        Err(e) => {
            refused(
                &state,
                &caller,
                contract_id,
                Purpose::Raise,
                input,
                e,
                "Not saved.",
            )
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
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let input = DraftInput::from_pairs(&pairs);
    let purpose = Purpose::Edit(id);
    let result = async {
        let draft = draft_of(&state, &caller, contract_id, purpose, &input).await?;
        edit_change(&state.app, principal, id, draft).await?;
        submit_change(&state.app, principal, id).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            Flash::ok(
                &caller.session,
                "Saved and submitted to the steering group.",
            )
            .await?;
            Ok(see_other(&shown(contract_id, id)))
        }
        Err(e) => {
            refused(
                &state,
                &caller,
                contract_id,
                purpose,
                input,
                e,
                "Not saved.",
            )
            .await
        }
    }
}

/// The change-request pages and forms of a contract: the form's own
/// page to raise one or edit a draft, its review, and the buttons.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contracts/{id}/change-requests", post(raise))
        .route("/contracts/{id}/change-requests/new", get(new_page))
        .route("/contracts/{id}/change-requests/review", post(review_raise))
        .route(
            "/contracts/{id}/change-requests/{cr}/approve",
            post(approve),
        )
        .route("/contracts/{id}/change-requests/{cr}/reject", post(reject))
        .route(
            "/contracts/{id}/change-requests/{cr}/edit",
            get(edit_page).post(edit),
        )
        .route(
            "/contracts/{id}/change-requests/{cr}/review",
            post(review_edit),
        )
        .route("/contracts/{id}/change-requests/{cr}/{button}", post(press))
}
