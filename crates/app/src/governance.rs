//! The terms and change control of a contract as the caller sees them: the
//! version history with what each version changed, and the change requests
//! with what each changes, how it lays over the latest version and the
//! steps the caller may take on it. The contract page shows it.

use std::collections::HashMap;

use kept_domain::{
    ChangeRequest, ChangeRequestId, ChangeSteps, ChangeViewer, Contract, Covered, Principal,
    ServiceId, Terms, TermsVersion, Timestamp, UserId, Verdict, VersionState, version_states,
};
use kept_store::ChangeRequestQuery;

use crate::Context;
use crate::changes::{Preview, preview_change, side_of};
use crate::contracts::sees_all;
use crate::error::{Error, Kind};
use crate::terms::{DiffLine, readable_diff, version_as_seen};

/// A terms version in the history.
pub struct VersionEntry {
    /// The version, as the caller may see it (other customers left out for
    /// a customer's people).
    pub version: TermsVersion,
    /// In force, superseded or scheduled, now.
    pub state: VersionState,
    /// The change request it applied, with its title (for those who see
    /// change requests).
    pub source: Option<(ChangeRequestId, String)>,
    /// What it changed from the version before, as far as the caller may see.
    pub changes: Vec<DiffLine>,
}

/// A change request with what the caller needs to weigh and act on it.
pub struct ChangeEntry {
    /// The change request.
    pub change: ChangeRequest,
    /// Who raised it, by name.
    pub raised_by: String,
    /// Each decision: who, their verdict, their comment.
    pub decisions: Vec<(String, Verdict, String)>,
    /// For an open one that still fits the contract: what it changes,
    /// against its base and the latest version, and any conflict.
    pub preview: Option<Preview>,
    /// For an open one that no longer fits: why.
    pub unfit: Option<String>,
    /// The steps the caller may take on it now.
    pub steps: ChangeSteps,
}

/// The terms and change control of a contract for one caller.
pub struct GovernanceView {
    /// The version in force now.
    pub in_force: Option<TermsVersion>,
    /// The names of the services the terms in force set targets for.
    pub service_names: HashMap<ServiceId, String>,
    /// Every version, newest first.
    pub history: Vec<VersionEntry>,
    /// Whether the caller sees change requests at all (not a customer's
    /// people).
    pub sees_changes: bool,
    /// The change requests, newest first (empty unless `sees_changes`).
    pub changes: Vec<ChangeEntry>,
    /// Whether the caller may raise a change request: they speak for a side
    /// and the contract runs.
    pub may_raise: bool,
}

impl GovernanceView {
    /// The latest version, which a new change request is drafted against.
    pub fn latest(&self) -> Option<&TermsVersion> {
        self.history.first().map(|e| &e.version)
    }
}

/// The terms and change control of `contract` (one the caller may read)
/// as the caller sees them.
pub async fn contract_governance(
    ctx: &Context,
    caller: &Principal,
    contract: &Contract,
) -> Result<GovernanceView, Error> {
    let all = sees_all(ctx, caller, contract).await?;
    let mut versions = Vec::new();
    for v in ctx.store.terms_versions(contract.id).await? {
        versions.push(version_as_seen(ctx, caller, all, v).await?);
    }
    let now = Timestamp::now();
    let states = version_states(&versions, now);
    let in_force = versions
        .iter()
        .zip(&states)
        .find(|(_, s)| **s == VersionState::InForce)
        .map(|(v, _)| v.clone());
    let service_names = match &in_force {
        Some(v) => service_names(ctx, v.terms.sla.iter().map(|t| t.service_id)).await?,
        None => HashMap::new(),
    };
    let visible = (!all).then(|| contract.customer_ids.clone());
    let history = history(ctx, versions, states, all, visible.as_deref()).await?;
    let side = side_of(ctx, caller, contract).await?;
    let changes = if all {
        change_entries(ctx, caller, contract, side).await?
    } else {
        Vec::new()
    };
    Ok(GovernanceView {
        in_force,
        service_names,
        history,
        sees_changes: all,
        changes,
        may_raise: side.is_some() && !contract.is_archived(),
    })
}

/// The versions, newest first, each with what it changed from the one
/// before (leaving out customers not in `visible`, when given) and, for
/// those who see change requests (`all`), the one it applied.
async fn history(
    ctx: &Context,
    versions: Vec<TermsVersion>,
    states: Vec<VersionState>,
    all: bool,
    visible: Option<&[kept_domain::PartyId]>,
) -> Result<Vec<VersionEntry>, Error> {
    let empty = Terms::default();
    let mut titles: HashMap<ChangeRequestId, String> = HashMap::new();
    let mut history = Vec::with_capacity(versions.len());
    for (n, (v, state)) in versions.iter().zip(states).enumerate() {
        let old = match n.checked_sub(1).and_then(|i| versions.get(i)) {
            Some(prev) => Covered::from(prev),
            None => Covered {
                terms: &empty,
                customer_ids: &[],
                service_ids: &[],
                calendar_id: None,
            },
        };
        let changes = readable_diff(ctx, visible, old, Covered::from(v)).await?;
        let source = match v.change_request_id {
            Some(id) if all => {
                let title = match titles.get(&id) {
                    Some(t) => t.clone(),
                    None => ctx.store.change_request(id).await?.title,
                };
                titles.insert(id, title.clone());
                Some((id, title))
            }
            _ => None,
        };
        history.push((state, source, changes));
    }
    Ok(versions
        .into_iter()
        .zip(history)
        .map(|(version, (state, source, changes))| VersionEntry {
            version,
            state,
            source,
            changes,
        })
        .rev()
        .collect())
}

/// The contract's change requests, newest first, with the caller's steps.
async fn change_entries(
    ctx: &Context,
    caller: &Principal,
    contract: &Contract,
    side: Option<kept_domain::Side>,
) -> Result<Vec<ChangeEntry>, Error> {
    let manages_provider = caller
        .manage_party(&ctx.store.lineage(contract.provider_id).await?)
        .is_allowed();
    let page = ctx
        .store
        .list_change_requests(&ChangeRequestQuery {
            contract_id: Some(contract.id),
            limit: kept_domain::Limit::MAX_PAGE,
            ..ChangeRequestQuery::new(caller.party_scope(), Some(caller.user_id))
        })
        .await?;
    let mut users = UserNames::default();
    let mut entries = Vec::with_capacity(page.items.len());
    for change in page.items {
        let viewer = ChangeViewer {
            user_id: caller.user_id,
            raiser_side: caller.is_admin() || side == Some(change.side),
            steers: contract.is_steered_by(caller.user_id),
            manages_provider,
        };
        let (preview, unfit) = if change.status.is_open() {
            match preview_change(ctx, contract, &change).await {
                Ok(p) => (Some(p), None),
                Err(e) if e.kind == Kind::Invalid => (None, Some(e.detail.unwrap_or_default())),
                Err(e) => return Err(e),
            }
        } else {
            (None, None)
        };
        let conflicted = preview.as_ref().is_some_and(|p| !p.conflicts.is_empty());
        let mut decisions = Vec::with_capacity(change.decisions.len());
        for d in &change.decisions {
            let who = users.name(ctx, d.user_id).await?;
            decisions.push((who, d.verdict, d.comment.clone()));
        }
        entries.push(ChangeEntry {
            raised_by: users.name(ctx, change.raised_by).await?,
            decisions,
            preview,
            unfit,
            steps: change.steps_for(&viewer, conflicted),
            change,
        });
    }
    Ok(entries)
}

/// Users' names, each looked up once.
#[derive(Default)]
struct UserNames(HashMap<UserId, String>);

impl UserNames {
    async fn name(&mut self, ctx: &Context, id: UserId) -> Result<String, Error> {
        if let Some(n) = self.0.get(&id) {
            return Ok(n.clone());
        }
        let name = ctx.store.user(id).await?.name.as_str().to_owned();
        self.0.insert(id, name.clone());
        Ok(name)
    }
}

/// The names of these services, each looked up once.
async fn service_names(
    ctx: &Context,
    ids: impl Iterator<Item = ServiceId>,
) -> Result<HashMap<ServiceId, String>, Error> {
    let mut names = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(id) {
            e.insert(ctx.store.service(id).await?.name.as_str().to_owned());
        }
    }
    Ok(names)
}
