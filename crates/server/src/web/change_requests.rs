//! The terms and change-control parts of a contract page: the terms in
//! force, the version history with what each version changed, and the
//! change requests with what each changes (against the version it was
//! drafted from and against the latest), any conflict with versions made
//! since, and the buttons the viewer may press (approve or reject for the
//! steering group, submit, edit, redraft or withdraw for the raiser's side,
//! apply for the provider's managers). The form posts are in
//! `change_request_forms`.

use std::collections::HashMap;

use kept_domain::{
    ChangeRequest, ChangeRequestId, ChangeStatus, Contract, Covered, Principal, Quorum, ServiceId,
    Terms, TermsVersion, Timestamp, UserId, Verdict,
};
use kept_store::ChangeRequestQuery;

use super::WebError;

use crate::state::AppState;
use kept_app::changes::{preview_change, side_of};
use kept_app::contracts::sees_all;
use kept_app::terms::{readable_diff, version_as_seen};

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
    /// What it changes against the version it was drafted from, in
    /// sentences (for open ones).
    pub proposed: Vec<String>,
    /// The latest version, when newer than the one it was drafted from.
    pub newer_version: Option<u32>,
    /// What applying it now changes against that newer version.
    pub against_latest: Vec<String>,
    /// What the newer version changed differently, in sentences: while any
    /// is listed it cannot go ahead and must be redrafted.
    pub conflicts: Vec<String>,
    /// Why it no longer fits the contract, if it does not.
    pub unfit: Option<String>,
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
    /// The viewer may send it back to draft.
    pub can_redraft: bool,
    /// The form to edit and resubmit it, for a draft of the viewer's side.
    pub edit: Option<DraftForm>,
}

/// The fields of a change-request form, as shown (or as typed, when the
/// form comes back refused).
#[derive(Debug, Clone, Default)]
pub struct DraftForm {
    /// The title.
    pub title: String,
    /// The rationale.
    pub rationale: String,
    /// The proposed terms, as TOML.
    pub terms: String,
    /// The version the terms are written against.
    pub base_version: Option<u32>,
    /// A customer to add (raise form only).
    pub add_customer: String,
    /// A service to add (raise form only).
    pub add_service: String,
    /// Why the form was refused, when it comes back.
    pub error: Option<String>,
}

/// A refused form to show again with what was typed.
#[derive(Debug, Clone, Default)]
pub enum Echo {
    /// Nothing to show again.
    #[default]
    None,
    /// The raise form.
    Raise(DraftForm),
    /// The edit form of a draft.
    Edit(ChangeRequestId, DraftForm),
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
    /// The raise form: the latest terms to start from, or what was typed.
    pub raise: DraftForm,
    /// Whether the raise form opens (it came back refused).
    pub raise_open: bool,
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

/// Builds the terms and change-control parts of a contract page for
/// `caller`, with a refused form shown again as typed.
pub async fn governance(
    state: &AppState,
    caller: &Principal,
    contract: &Contract,
    echo: Echo,
) -> Result<Governance, WebError> {
    let all = sees_all(&state.app, caller, contract).await?;
    let now = Timestamp::now();
    let mut versions = Vec::new();
    for v in state.store.terms_versions(contract.id).await? {
        versions.push(version_as_seen(&state.app, caller, all, v).await?);
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
        let lines = readable_diff(&state.app, visible.as_deref(), old, Covered::from(v)).await?;
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
    let side = side_of(&state.app, caller, contract).await?;
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
            let raiser_side = caller.is_admin() || side == Some(cr.side);
            let mut view = ChangeView {
                raised_by: user_name(state, &mut users, cr.raised_by).await?,
                proposed: Vec::new(),
                newer_version: None,
                against_latest: Vec::new(),
                conflicts: Vec::new(),
                unfit: None,
                decisions: decisions(state, &mut users, &cr).await?,
                needs: needs(contract.quorum, contract.steering_group.len()),
                can_decide: cr.status == ChangeStatus::Submitted
                    && contract.is_steered_by(caller.user_id)
                    && cr.decided_by(caller.user_id).is_none(),
                can_submit: cr.status == ChangeStatus::Draft && raiser_side,
                can_withdraw: matches!(cr.status, ChangeStatus::Draft | ChangeStatus::Submitted)
                    && raiser_side,
                can_apply: cr.status == ChangeStatus::Approved && manages,
                can_redraft: matches!(cr.status, ChangeStatus::Submitted | ChangeStatus::Approved)
                    && raiser_side,
                edit: None,
                cr,
            };
            if view.cr.status.is_open() {
                preview_into(state, contract, &mut view, &echo).await?;
                open.push(view);
            } else {
                closed.push(view);
            }
        }
    }
    let (raise, raise_open) = match echo {
        Echo::Raise(typed) => (typed, true),
        _ => {
            let latest = versions.last();
            let terms = latest.map(|v| v.terms.clone()).unwrap_or_default();
            let form = DraftForm {
                terms: toml::to_string(&terms).unwrap_or_default(),
                base_version: latest.map(|v| v.version),
                ..DraftForm::default()
            };
            (form, false)
        }
    };
    Ok(Governance {
        terms,
        history,
        sees_changes: all,
        open,
        closed,
        can_raise: side.is_some() && !contract.is_archived(),
        raise,
        raise_open,
    })
}

/// Each decision as (who, verdict, comment).
async fn decisions(
    state: &AppState,
    users: &mut HashMap<UserId, String>,
    cr: &ChangeRequest,
) -> Result<Vec<(String, &'static str, String)>, WebError> {
    let mut out = Vec::new();
    for d in &cr.decisions {
        let verdict = match d.verdict {
            Verdict::Approve => "approved",
            Verdict::Reject => "rejected",
        };
        out.push((
            user_name(state, users, d.user_id).await?,
            verdict,
            d.comment.clone(),
        ));
    }
    Ok(out)
}

/// Fills in what an open change request changes, how it lays over the
/// latest version, and (for a draft the viewer may edit) its edit form:
/// the latest terms with every part of it that does not conflict, written
/// against the latest version, or what was typed when the form came back.
async fn preview_into(
    state: &AppState,
    contract: &Contract,
    view: &mut ChangeView,
    echo: &Echo,
) -> Result<(), WebError> {
    let cr = &view.cr;
    let preview = match preview_change(&state.app, contract, cr).await {
        Ok(p) => Some(p),
        Err(e) if e.kind == kept_app::Kind::Invalid => {
            view.unfit = Some(e.detail.unwrap_or_default());
            None
        }
        Err(e) => return Err(e.into()),
    };
    let Some(p) = preview else {
        return Ok(());
    };
    view.proposed = p.changes.into_iter().map(|l| l.description).collect();
    if p.latest_version != p.base_version {
        view.newer_version = p.latest_version;
        view.against_latest = p
            .against_latest
            .into_iter()
            .map(|l| l.description)
            .collect();
    }
    view.conflicts = p.conflicts.into_iter().map(|l| l.description).collect();
    // Applying would be refused: the way on is to redraft.
    view.can_apply &= view.conflicts.is_empty();
    if view.can_submit {
        view.edit = Some(match echo {
            Echo::Edit(id, typed) if *id == cr.id => typed.clone(),
            _ => DraftForm {
                title: cr.title.clone(),
                rationale: cr.rationale.clone(),
                terms: toml::to_string(&p.rebased.terms).unwrap_or_default(),
                base_version: p.latest_version,
                ..DraftForm::default()
            },
        });
    }
    Ok(())
}
