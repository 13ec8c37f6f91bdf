//! The terms and change-control parts of a contract page: the terms in
//! force, the version history with what each version changed, and the
//! change requests with the buttons the viewer may press (approve or reject
//! for the steering group, submit or withdraw for the raiser's side, apply
//! for the provider's managers). Also the form posts behind those buttons.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use kept_domain::{
    Actor, ChangeDraft, ChangeRequest, ChangeRequestId, ChangeStatus, Contract, ContractChanges,
    ContractId, Covered, NewChangeRequest, PartyId, Principal, Quorum, ServiceId, Terms,
    TermsVersion, Timestamp, UserId, Verdict,
};
use kept_store::ChangeRequestQuery;
use serde::Deserialize;

use super::{NoFields, WebError, WebPath, after_post};
use crate::api::{
    apply_change, check_named_parties, decide, proposed_differences, readable_change,
    readable_contract, readable_diff, sees_all, side_of, version_as_seen,
};
use crate::auth::WebCaller;
use crate::auth::csrf::CsrfForm;
use crate::error::{ApiError, ProblemKind};
use crate::state::AppState;

/// One row of the SLA table.
pub struct SlaRow {
    /// The service's name.
    pub service: String,
    /// The priority.
    pub priority: String,
    /// First response target, or a dash.
    pub first_response: String,
    /// Resolution target, or a dash.
    pub resolution: String,
    /// Delivery target, or a dash.
    pub delivery: String,
}

/// The terms in force, ready to show.
pub struct TermsView {
    /// The version number.
    pub version: u32,
    /// When it took effect.
    pub effective_from: Timestamp,
    /// SLA targets by service and priority.
    pub sla: Vec<SlaRow>,
    /// KPI targets in sentences.
    pub kpis: Vec<String>,
    /// What the contract adds to the catalog's scope.
    pub in_scope: Vec<String>,
    /// What it excludes beyond the catalog.
    pub out_of_scope: Vec<String>,
}

/// One version in the history.
pub struct VersionView {
    /// The version number.
    pub version: u32,
    /// When it takes or took effect.
    pub effective_from: Timestamp,
    /// `in force`, `superseded` or `scheduled`.
    pub state: &'static str,
    /// The change request it applied, with its title.
    pub source: Option<(ChangeRequestId, String)>,
    /// What it changed from the version before, in sentences.
    pub changes: Vec<String>,
}

/// A change request, ready to show with the viewer's buttons.
pub struct ChangeView {
    /// The change request.
    pub cr: ChangeRequest,
    /// Who raised it.
    pub raised_by: String,
    /// What it would change (or changed), in sentences.
    pub proposed: Vec<String>,
    /// Each decision: who, approve/reject, comment.
    pub decisions: Vec<(String, &'static str, String)>,
    /// The approvals it needs, in words.
    pub needs: String,
    /// The viewer may approve or reject it.
    pub can_decide: bool,
    /// The viewer may submit or withdraw it.
    pub can_submit: bool,
    /// The viewer may withdraw it.
    pub can_withdraw: bool,
    /// The viewer may apply it.
    pub can_apply: bool,
}

/// The terms and change-control parts of a contract page.
pub struct Governance {
    /// The terms in force now.
    pub terms: Option<TermsView>,
    /// Every version, newest first.
    pub history: Vec<VersionView>,
    /// Whether the viewer sees change requests at all.
    pub sees_changes: bool,
    /// Open change requests (draft, submitted, approved), newest first.
    pub open: Vec<ChangeView>,
    /// Decided, applied or withdrawn ones, newest first.
    pub closed: Vec<ChangeView>,
    /// The viewer may raise a change request.
    pub can_raise: bool,
    /// The latest terms as TOML, to start a proposal from.
    pub terms_toml: String,
}

fn or_dash(d: Option<kept_domain::calendar::BusinessDuration>) -> String {
    d.map_or_else(|| "—".to_owned(), |d| d.to_string())
}

async fn service_names(
    state: &AppState,
    ids: impl Iterator<Item = ServiceId>,
) -> Result<HashMap<ServiceId, String>, WebError> {
    let mut names = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(id) {
            e.insert(state.store.service(id).await?.name.as_str().to_owned());
        }
    }
    Ok(names)
}

async fn terms_view(state: &AppState, v: &TermsVersion) -> Result<TermsView, WebError> {
    let names = service_names(state, v.terms.sla.iter().map(|t| t.service_id)).await?;
    let mut sla: Vec<(String, kept_domain::Priority, SlaRow)> = v
        .terms
        .sla
        .iter()
        .map(|t| {
            let service = names.get(&t.service_id).cloned().unwrap_or_default();
            (
                service.clone(),
                t.priority,
                SlaRow {
                    service,
                    priority: t.priority.to_string(),
                    first_response: or_dash(t.first_response),
                    resolution: or_dash(t.resolution),
                    delivery: or_dash(t.delivery),
                },
            )
        })
        .collect();
    sla.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    Ok(TermsView {
        version: v.version,
        effective_from: v.effective_from,
        sla: sla.into_iter().map(|(_, _, row)| row).collect(),
        kpis: v.terms.kpis.iter().map(ToString::to_string).collect(),
        in_scope: v.terms.in_scope.clone(),
        out_of_scope: v.terms.out_of_scope.clone(),
    })
}

fn needs(quorum: Quorum, members: usize) -> String {
    match quorum {
        Quorum::All => format!("all {members} approvers"),
        Quorum::Majority => format!("a majority: {} of {members}", quorum.required(members)),
        Quorum::AtLeast(n) => format!("{n} of {members} approvers"),
    }
}

async fn user_name(
    state: &AppState,
    cache: &mut HashMap<UserId, String>,
    id: UserId,
) -> Result<String, WebError> {
    if let Some(n) = cache.get(&id) {
        return Ok(n.clone());
    }
    let name = state.store.user(id).await?.name.as_str().to_owned();
    cache.insert(id, name.clone());
    Ok(name)
}

/// Builds the terms and change-control parts of a contract page for `caller`.
pub async fn governance(
    state: &AppState,
    caller: &Principal,
    contract: &Contract,
) -> Result<Governance, WebError> {
    let all = sees_all(state, caller, contract).await?;
    let now = Timestamp::now();
    let mut versions = Vec::new();
    for v in state.store.terms_versions(contract.id).await? {
        versions.push(version_as_seen(state, caller, all, v).await?);
    }
    let in_force = kept_domain::terms_at(&versions, now).map(|v| v.version);
    let terms = match versions.iter().find(|v| Some(v.version) == in_force) {
        Some(v) => Some(terms_view(state, v).await?),
        None => None,
    };
    let visible = (!all).then(|| contract.customer_ids.clone());
    let empty = Terms::default();
    let mut history = Vec::new();
    let mut titles: HashMap<ChangeRequestId, String> = HashMap::new();
    for (n, v) in versions.iter().enumerate() {
        let old = match n.checked_sub(1).and_then(|i| versions.get(i)) {
            Some(prev) => Covered::from(prev),
            None => Covered {
                terms: &empty,
                customer_ids: &[],
                service_ids: &[],
                calendar_id: None,
            },
        };
        let lines = readable_diff(state, visible.as_deref(), old, Covered::from(v)).await?;
        let source = match v.change_request_id {
            Some(id) if all => {
                let title = match titles.get(&id) {
                    Some(t) => t.clone(),
                    None => state.store.change_request(id).await?.title,
                };
                titles.insert(id, title.clone());
                Some((id, title))
            }
            _ => None,
        };
        history.push(VersionView {
            version: v.version,
            effective_from: v.effective_from,
            state: if Some(v.version) == in_force {
                "in force"
            } else if v.effective_from > now {
                "scheduled"
            } else {
                "superseded"
            },
            source,
            changes: lines.into_iter().map(|l| l.description).collect(),
        });
    }
    history.reverse();
    let side = side_of(state, caller, contract).await?;
    let manages = caller
        .manage_party(&state.store.lineage(contract.provider_id).await?)
        .is_allowed();
    let (mut open, mut closed) = (Vec::new(), Vec::new());
    if all {
        let page = state
            .store
            .list_change_requests(&ChangeRequestQuery {
                contract_id: Some(contract.id),
                limit: kept_domain::Limit::MAX_PAGE,
                ..ChangeRequestQuery::new(caller.party_scope(), Some(caller.user_id))
            })
            .await?;
        let mut users = HashMap::new();
        for cr in page.items {
            let proposed = if cr.status.is_open() {
                match proposed_differences(state, contract, &cr).await {
                    Ok((_, lines)) => lines.into_iter().map(|l| l.description).collect(),
                    Err(e) if e.kind == ProblemKind::ValidationFailed => {
                        vec![format!(
                            "No longer fits the contract: {}",
                            e.detail.unwrap_or_default()
                        )]
                    }
                    Err(e) => return Err(e.into()),
                }
            } else {
                Vec::new()
            };
            let mut decisions = Vec::new();
            for d in &cr.decisions {
                let verdict = match d.verdict {
                    Verdict::Approve => "approved",
                    Verdict::Reject => "rejected",
                };
                decisions.push((
                    user_name(state, &mut users, d.user_id).await?,
                    verdict,
                    d.comment.clone(),
                ));
            }
            let raiser_side = caller.is_admin() || side == Some(cr.side);
            let view = ChangeView {
                raised_by: user_name(state, &mut users, cr.raised_by).await?,
                proposed,
                decisions,
                needs: needs(contract.quorum, contract.steering_group.len()),
                can_decide: cr.status == ChangeStatus::Submitted
                    && contract.is_steered_by(caller.user_id)
                    && cr.decided_by(caller.user_id).is_none(),
                can_submit: cr.status == ChangeStatus::Draft && raiser_side,
                can_withdraw: matches!(cr.status, ChangeStatus::Draft | ChangeStatus::Submitted)
                    && raiser_side,
                can_apply: cr.status == ChangeStatus::Approved && manages,
                cr,
            };
            if view.cr.status.is_open() {
                open.push(view);
            } else {
                closed.push(view);
            }
        }
    }
    let latest = versions.last().map(|v| v.terms.clone()).unwrap_or_default();
    Ok(Governance {
        terms,
        history,
        sees_changes: all,
        open,
        closed,
        can_raise: side.is_some() && !contract.is_archived(),
        terms_toml: toml::to_string(&latest).unwrap_or_default(),
    })
}

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

/// `POST /contracts/{id}/change-requests/{cr}/submit`.
pub async fn submit(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((contract, id)): WebPath<(ContractId, ChangeRequestId)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    act(
        &state,
        &caller,
        contract,
        id,
        "Submitted to the steering group.",
        |s, p| async move {
            raiser_side(&s, &p, id).await?;
            s.store.submit_change_request(&Actor::user(&p), id).await?;
            Ok(())
        },
    )
    .await
}

/// `POST /contracts/{id}/change-requests/{cr}/withdraw`.
pub async fn withdraw(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((contract, id)): WebPath<(ContractId, ChangeRequestId)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    act(
        &state,
        &caller,
        contract,
        id,
        "Withdrawn.",
        |s, p| async move {
            raiser_side(&s, &p, id).await?;
            s.store
                .withdraw_change_request(&Actor::user(&p), id)
                .await?;
            Ok(())
        },
    )
    .await
}

/// `POST /contracts/{id}/change-requests/{cr}/apply`.
pub async fn apply(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((contract, id)): WebPath<(ContractId, ChangeRequestId)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    act(
        &state,
        &caller,
        contract,
        id,
        "Applied: a new terms version is in force.",
        |s, p| async move {
            apply_change(&s, &p, id, None).await?;
            Ok(())
        },
    )
    .await
}

/// A change request raised from the contract page.
#[derive(Debug, Deserialize)]
pub struct RaiseForm {
    title: String,
    rationale: String,
    /// The proposed terms as TOML; left as they are when unchanged.
    #[serde(default)]
    terms: String,
    /// A customer to add (a party id), or empty.
    #[serde(default)]
    add_customer: String,
    /// A service to add (a service id), or empty.
    #[serde(default)]
    add_service: String,
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

/// `POST /contracts/{id}/change-requests`: raises and submits a change
/// request from the page.
pub async fn raise(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(contract_id): WebPath<ContractId>,
    CsrfForm(form): CsrfForm<RaiseForm>,
) -> Result<Response, WebError> {
    let to = back(contract_id);
    let principal = &caller.principal;
    let result = async {
        let contract = readable_contract(&state, principal, contract_id).await?;
        let side = side_of(&state, principal, &contract)
            .await?
            .ok_or_else(|| {
                ApiError::new(ProblemKind::Forbidden)
                    .detail("change requests are raised by the provider's managers or the client")
            })?;
        let latest = state
            .store
            .terms_versions(contract_id)
            .await?
            .pop()
            .map(|v| v.terms)
            .unwrap_or_default();
        let proposed: Terms = toml::from_str(&form.terms).map_err(|e| {
            ApiError::field("terms", format!("is not valid terms: {}", e.message()))
        })?;
        let add_customer: Option<PartyId> = optional_id("add_customer", &form.add_customer)?;
        let add_service: Option<ServiceId> = optional_id("add_service", &form.add_service)?;
        let changes = ContractChanges {
            terms: (proposed != latest).then_some(proposed),
            add_customers: add_customer.into_iter().collect(),
            add_services: add_service.into_iter().collect(),
            ..ContractChanges::default()
        };
        let draft = ChangeDraft {
            title: form.title,
            rationale: form.rationale,
            changes,
            effective_from: None,
        }
        .checked()?;
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
        state.store.submit_change_request(&actor, cr.id).await?;
        Ok((
            "Raised and submitted to the steering group.".to_owned(),
            to.clone(),
        ))
    }
    .await;
    after_post(&caller.session, result, &to).await
}
