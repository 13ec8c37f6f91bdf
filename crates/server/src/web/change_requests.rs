//! The terms and change-control parts of a contract page: the terms in
//! force, the version history with what each version changed, and the
//! change requests with what each changes (against the version it was
//! drafted from and against the latest), any conflict with versions made
//! since, and the buttons the viewer may press (approve or reject for the
//! steering group, submit, edit, redraft or withdraw for the raiser's side,
//! apply for the provider's managers). The form posts are in
//! `change_request_forms`.

use std::collections::HashMap;

use kept_app::governance::{ChangeEntry, GovernanceView};
use kept_domain::{
    ChangeRequest, ChangeRequestId, Contract, Quorum, ServiceId, TermsVersion, Timestamp, Verdict,
};

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
    /// The viewer may edit and resubmit it (a draft of their side that
    /// still fits the contract), on the change-request form's page.
    pub can_edit: bool,
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
}

fn or_dash(d: Option<kept_domain::calendar::BusinessDuration>) -> String {
    d.map_or_else(|| "—".to_owned(), |d| d.to_string())
}

/// The terms in force as a table of targets, by service name then priority.
fn terms_view(v: &TermsVersion, names: &HashMap<ServiceId, String>) -> TermsView {
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
    TermsView {
        version: v.version,
        effective_from: v.effective_from,
        sla: sla.into_iter().map(|(_, _, row)| row).collect(),
        kpis: v.terms.kpis.iter().map(ToString::to_string).collect(),
        in_scope: v.terms.in_scope.clone(),
        out_of_scope: v.terms.out_of_scope.clone(),
    }
}

fn needs(quorum: Quorum, members: usize) -> String {
    match quorum {
        Quorum::All => format!("all {members} approvers"),
        Quorum::Majority => format!("a majority: {} of {members}", quorum.required(members)),
        Quorum::AtLeast(n) => format!("{n} of {members} approvers"),
    }
}

/// The terms and change-control parts of a contract page, from what
/// [`contract_governance`](kept_app::governance::contract_governance)
/// found.
pub fn governance(view: GovernanceView, contract: &Contract) -> Governance {
    let terms = view
        .in_force
        .as_ref()
        .map(|v| terms_view(v, &view.service_names));
    let history = view
        .history
        .into_iter()
        .map(|e| VersionView {
            version: e.version.version,
            effective_from: e.version.effective_from,
            state: e.state.as_str(),
            source: e.source,
            changes: e.changes.into_iter().map(|l| l.description).collect(),
        })
        .collect();
    let (mut open, mut closed) = (Vec::new(), Vec::new());
    for entry in view.changes {
        let change = change_view(entry, contract);
        if change.cr.status.is_open() {
            open.push(change);
        } else {
            closed.push(change);
        }
    }
    Governance {
        terms,
        history,
        sees_changes: view.sees_changes,
        open,
        closed,
        can_raise: view.may_raise,
    }
}

/// A change request with its buttons, what it changes and how it lays over
/// the latest version.
fn change_view(entry: ChangeEntry, contract: &Contract) -> ChangeView {
    let ChangeEntry {
        change: cr,
        raised_by,
        decisions,
        preview,
        unfit,
        steps,
    } = entry;
    let mut view = ChangeView {
        raised_by,
        proposed: Vec::new(),
        newer_version: None,
        against_latest: Vec::new(),
        conflicts: Vec::new(),
        unfit,
        decisions: decisions
            .into_iter()
            .map(|(who, verdict, comment)| (who, verdict_word(verdict), comment))
            .collect(),
        needs: needs(contract.quorum, contract.steering_group.len()),
        can_decide: steps.decide,
        can_submit: steps.submit,
        can_withdraw: steps.withdraw,
        can_apply: steps.apply,
        can_redraft: steps.redraft,
        can_edit: false,
        cr,
    };
    let Some(p) = preview else {
        return view;
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
    // The form's page starts from the latest terms with every part of it
    // that does not conflict, so a conflicting draft is edited there too.
    view.can_edit = view.can_submit;
    view
}

fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approve => "approved",
        Verdict::Reject => "rejected",
    }
}
