//! Change requests: which side the caller speaks for, who may see and act
//! on one, what it changes (against its base and the latest version), and
//! the steps: decide, apply, redraft, with conflicts named in sentences.

use crate::Context;
use crate::contracts::{check_manage_contract, readable_contract, readable_parties, sees_all};
use crate::error::{Error, Kind};
use crate::terms::{DiffLine, NameBook, diff_lines, readable_diff};
use kept_domain::{
    Actor, ChangeDraft, ChangeRequest, ChangeRequestId, ChangeStatus, Contract, ContractChanges,
    ContractId, Difference, Limit, NewChangeRequest, Page, Principal, Role, Side, TermsVersion,
    Timestamp, Verdict,
};
use kept_store::{ChangeRequestQuery, StoreError};
use serde::Serialize;

/// The side the caller acts for on this contract, if any: admins and the
/// provider's managers for the provider; managers and client contacts of
/// the client for the client.
pub async fn side_of(
    ctx: &Context,
    caller: &Principal,
    contract: &Contract,
) -> Result<Option<Side>, Error> {
    if caller
        .manage_party(&ctx.store.lineage(contract.provider_id).await?)
        .is_allowed()
    {
        return Ok(Some(Side::Provider));
    }
    let client = ctx.store.lineage(contract.client_id).await?;
    let speaks_for_client = caller
        .grants
        .iter()
        .any(|g| matches!(g.role, Role::Client | Role::Manager) && client.contains(g.party_id));
    Ok(speaks_for_client.then_some(Side::Client))
}

/// The change request and its contract, if the caller may see them; 404
/// otherwise (customers' people included).
pub async fn readable_change(
    ctx: &Context,
    caller: &Principal,
    id: ChangeRequestId,
) -> Result<(ChangeRequest, Contract), Error> {
    let change = ctx.store.change_request(id).await?;
    let contract = readable_contract(ctx, caller, change.contract_id).await?;
    if !sees_all(ctx, caller, &contract).await? {
        return Err(Error::not_found());
    }
    Ok((change, contract))
}

/// Fails unless the caller acts for the side that raised the change.
pub async fn check_raiser_side(
    ctx: &Context,
    caller: &Principal,
    contract: &Contract,
    change: &ChangeRequest,
) -> Result<(), Error> {
    if caller.is_admin() || side_of(ctx, caller, contract).await? == Some(change.side) {
        Ok(())
    } else {
        Err(Error::new(Kind::Forbidden).detail(format!(
            "only the {} side, which raised it, may do this",
            change.side.as_str()
        )))
    }
}

/// Refuses customers to add that the caller cannot see, as if they did not
/// exist.
///
/// Customers to remove are not filtered by what the caller may see: whoever
/// sees the contract sees its customer list, so the provider's managers may
/// propose to stop serving a customer they cannot otherwise read. The store
/// refuses any that the contract does not list
/// (`changes.remove_customers[n]`: "is not a customer of the contract"),
/// which says nothing about whether such a party exists.
pub async fn check_named_parties(
    ctx: &Context,
    caller: &Principal,
    changes: &ContractChanges,
) -> Result<(), Error> {
    let ids = &changes.add_customers;
    let seen = readable_parties(ctx, caller, ids.clone()).await?;
    if let Some(n) = ids.iter().position(|id| !seen.contains(id)) {
        return Err(Error::field(
            format!("changes.add_customers[{n}]"),
            "no such party",
        ));
    }
    Ok(())
}

/// One part of a change request that a newer version changed differently.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictLine {
    /// What both touched: `terms.sla.{service}.{priority}.{target}`,
    /// `terms.kpis.{kpi}.{period}` or `calendar_id`.
    pub field: String,
    /// What the change request proposes, from its base version's value.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub proposed: serde_json::Value,
    /// What the newer versions did to the same field since.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub since: serde_json::Value,
    /// The conflict in a sentence.
    pub description: String,
}

/// What a change request changes: against the version it was drafted from,
/// and, if applied now, against the latest version.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preview {
    /// The version it was drafted against (none before any).
    pub base_version: Option<u32>,
    /// What it changes against that version: what the steering group
    /// decides on.
    pub changes: Vec<DiffLine>,
    /// The latest version, which applying it now would follow (none before
    /// any).
    pub latest_version: Option<u32>,
    /// What applying it now would change against the latest version: its
    /// changes less those already made since. Empty while it conflicts.
    pub against_latest: Vec<DiffLine>,
    /// Fields a newer version changed differently since it was drafted;
    /// while any is listed it cannot be submitted or applied and must be
    /// redrafted.
    pub conflicts: Vec<ConflictLine>,
    /// The latest version with every part of the change that does not
    /// conflict laid over it: where a redraft starts from.
    #[serde(skip)]
    pub rebased: kept_domain::Coverage,
}

/// Works out a change request's preview: its proposal in sentences, and
/// how it lays over the latest version.
pub async fn preview_change(
    ctx: &Context,
    contract: &Contract,
    change: &ChangeRequest,
) -> Result<Preview, Error> {
    let versions = ctx.store.terms_versions(contract.id).await?;
    let latest = latest_coverage(ctx, contract.id, &versions).await?;
    let rebased = kept_domain::rebase(&latest, &change.proposal);
    let against_latest = if rebased.conflicts.is_empty() {
        // Refuses (422) what would no longer be valid terms.
        let next =
            kept_domain::apply_proposal(&latest, &change.proposal).map_err(StoreError::from)?;
        readable_diff(ctx, None, (&latest).into(), (&next).into()).await?
    } else {
        Vec::new()
    };
    Ok(Preview {
        base_version: change.base_version,
        changes: diff_lines(ctx, change.proposal.clone()).await?,
        latest_version: versions.last().map(|v| v.version),
        against_latest,
        conflicts: conflict_lines(ctx, &rebased.conflicts).await?,
        rebased: rebased.coverage,
    })
}

/// What the contract covers as of its latest version, or as it stands
/// (with empty terms) before any.
async fn latest_coverage(
    ctx: &Context,
    contract: ContractId,
    versions: &[TermsVersion],
) -> Result<kept_domain::Coverage, Error> {
    Ok(match versions.last() {
        Some(v) => v.coverage(),
        None => {
            // The whole contract, not the caller's view of its customers.
            let full = ctx.store.contract(contract).await?;
            kept_domain::Coverage {
                terms: kept_domain::Terms::default(),
                customer_ids: full.customer_ids,
                service_ids: full.service_ids,
                calendar_id: full.calendar_id,
            }
        }
    })
}

/// Conflicts in sentences.
pub async fn conflict_lines(
    ctx: &Context,
    conflicts: &[kept_domain::ChangeConflict],
) -> Result<Vec<ConflictLine>, Error> {
    let mentioned: Vec<Difference> = conflicts
        .iter()
        .flat_map(|c| [c.proposed.clone(), c.since.clone()])
        .collect();
    let names = NameBook::for_differences(ctx, &mentioned).await?;
    conflicts
        .iter()
        .map(|c| {
            Ok(ConflictLine {
                field: c.field.clone(),
                proposed: serde_json::to_value(&c.proposed).map_err(Error::internal)?,
                since: serde_json::to_value(&c.since).map_err(Error::internal)?,
                description: c.describe(&names),
            })
        })
        .collect()
}

/// A store error as a problem, naming the conflicting fields of a change
/// request in sentences.
pub async fn change_problem(ctx: &Context, error: StoreError) -> Error {
    match error {
        StoreError::ChangeConflicts(conflicts) => match conflict_lines(ctx, &conflicts).await {
            Ok(lines) => conflict_problem(lines),
            Err(e) => e,
        },
        other => other.into(),
    }
}

/// The `change-conflict` refusal, with each conflicting field in words.
pub fn conflict_problem(lines: Vec<ConflictLine>) -> Error {
    let detail = format!(
        "Since it was drafted, a newer terms version changed what it changes: {}. Redraft it \
         against the latest version and have it approved again",
        lines
            .iter()
            .map(|l| l.description.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
    let conflicts = serde_json::to_value(&lines).unwrap_or_default();
    Error::new(Kind::ChangeConflict)
        .detail(detail)
        .with("conflicts", conflicts)
}

/// Sends a change request back to draft, for its raiser's side.
pub async fn redraft_change(
    ctx: &Context,
    caller: &Principal,
    id: ChangeRequestId,
) -> Result<ChangeRequest, Error> {
    check_raiser(ctx, caller, id).await?;
    Ok(ctx
        .store
        .redraft_change_request(&Actor::user(caller), id)
        .await?)
}

/// Records the caller's decision on a change request.
pub async fn decide(
    ctx: &Context,
    caller: &Principal,
    id: ChangeRequestId,
    verdict: Verdict,
    comment: &str,
) -> Result<ChangeRequest, Error> {
    let (_, contract) = readable_change(ctx, caller, id).await?;
    if !contract.is_steered_by(caller.user_id) {
        return Err(Error::from(StoreError::NotAnApprover));
    }
    let comment = kept_domain::change::check_comment(comment)?;
    Ok(ctx
        .store
        .decide_change_request(&Actor::user(caller), id, verdict, comment)
        .await?)
}

/// Applies an approved change request as a new terms version (the
/// provider's managers).
pub async fn apply_change(
    ctx: &Context,
    caller: &Principal,
    id: ChangeRequestId,
    effective_from: Option<Timestamp>,
) -> Result<(ChangeRequest, TermsVersion), Error> {
    let (_, contract) = readable_change(ctx, caller, id).await?;
    check_manage_contract(ctx, caller, &contract).await?;
    match ctx
        .store
        .apply_change_request(&Actor::user(caller), id, effective_from)
        .await
    {
        Ok(done) => Ok(done),
        Err(e) => Err(change_problem(ctx, e).await),
    }
}

/// Raises a change request as a draft against a contract the caller sees,
/// for the side they speak for (the provider's managers, or the client).
pub async fn raise_change(
    ctx: &Context,
    caller: &Principal,
    contract_id: ContractId,
    draft: ChangeDraft,
) -> Result<ChangeRequest, Error> {
    let contract = readable_contract(ctx, caller, contract_id).await?;
    let side = side_of(ctx, caller, &contract).await?.ok_or_else(|| {
        Error::new(Kind::Forbidden)
            .detail("change requests are raised by the provider's managers or the client")
    })?;
    let draft = draft.checked()?;
    check_named_parties(ctx, caller, &draft.changes).await?;
    Ok(ctx
        .store
        .create_change_request(
            &Actor::user(caller),
            NewChangeRequest {
                contract_id,
                side,
                raised_by: caller.user_id,
                draft,
            },
        )
        .await?)
}

/// Rewrites a draft of the caller's side.
pub async fn edit_change(
    ctx: &Context,
    caller: &Principal,
    id: ChangeRequestId,
    draft: ChangeDraft,
) -> Result<ChangeRequest, Error> {
    check_raiser(ctx, caller, id).await?;
    let draft = draft.checked()?;
    check_named_parties(ctx, caller, &draft.changes).await?;
    Ok(ctx
        .store
        .edit_change_request(&Actor::user(caller), id, draft)
        .await?)
}

/// Sends a draft of the caller's side to the steering group; a conflict
/// with a newer version is named in sentences.
pub async fn submit_change(
    ctx: &Context,
    caller: &Principal,
    id: ChangeRequestId,
) -> Result<ChangeRequest, Error> {
    check_raiser(ctx, caller, id).await?;
    match ctx
        .store
        .submit_change_request(&Actor::user(caller), id)
        .await
    {
        Ok(change) => Ok(change),
        Err(e) => Err(change_problem(ctx, e).await),
    }
}

/// Takes back a draft or submitted change request of the caller's side.
pub async fn withdraw_change(
    ctx: &Context,
    caller: &Principal,
    id: ChangeRequestId,
) -> Result<ChangeRequest, Error> {
    check_raiser(ctx, caller, id).await?;
    Ok(ctx
        .store
        .withdraw_change_request(&Actor::user(caller), id)
        .await?)
}

/// What a contract the caller sees covers as of `version` (as it stands,
/// with empty terms, for none): what a change drafted against it starts
/// from.
pub async fn coverage_of_version(
    ctx: &Context,
    caller: &Principal,
    contract: ContractId,
    version: Option<u32>,
) -> Result<kept_domain::Coverage, Error> {
    let c = readable_contract(ctx, caller, contract).await?;
    let versions = ctx.store.terms_versions(contract).await?;
    match version {
        Some(n) => versions
            .iter()
            .find(|v| v.version == n)
            .map(TermsVersion::coverage)
            .ok_or_else(|| Error::field("base_version", "is not a version of this contract")),
        None => Ok(kept_domain::Coverage {
            terms: kept_domain::Terms::default(),
            customer_ids: c.customer_ids,
            service_ids: c.service_ids,
            calendar_id: c.calendar_id,
        }),
    }
}

/// Fails unless the caller sees the change request and acts for the side
/// that raised it.
async fn check_raiser(ctx: &Context, caller: &Principal, id: ChangeRequestId) -> Result<(), Error> {
    let (change, contract) = readable_change(ctx, caller, id).await?;
    check_raiser_side(ctx, caller, &contract, &change).await
}

/// Which change requests a list shows: on one contract, in these statuses
/// (any when empty), only those awaiting the caller's decision.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    /// Only on this contract.
    pub contract_id: Option<ContractId>,
    /// Only in these statuses (any when empty).
    pub statuses: Vec<ChangeStatus>,
    /// Only those waiting for the caller's decision.
    pub awaiting_my_decision: bool,
    /// The cursor of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

/// A page of the change requests the caller may see, newest first.
pub async fn list(
    ctx: &Context,
    caller: &Principal,
    filter: ChangeFilter,
) -> Result<Page<ChangeRequest>, Error> {
    let query = ChangeRequestQuery {
        contract_id: filter.contract_id,
        statuses: filter.statuses,
        awaiting_decision_of: filter.awaiting_my_decision.then_some(caller.user_id),
        cursor: filter.cursor,
        limit: filter.limit,
        ..ChangeRequestQuery::new(caller.party_scope(), Some(caller.user_id))
    };
    Ok(ctx.store.list_change_requests(&query).await?)
}

/// What change request `id`, which the caller must see, would do applied
/// now, against its base version and the latest.
pub async fn preview(
    ctx: &Context,
    caller: &Principal,
    id: ChangeRequestId,
) -> Result<Preview, Error> {
    let (change, contract) = readable_change(ctx, caller, id).await?;
    preview_change(ctx, &contract, &change).await
}

/// What `draft` would change, in the sentences the steering group reads,
/// before anything is stored: checked as raising it on `contract_id` (or,
/// for `editing`, rewriting that change request) would check it, against
/// the version it names (the latest when it names none). A conflict with
/// a version made since is refused as submitting it would be.
pub async fn preview_draft(
    ctx: &Context,
    caller: &Principal,
    contract_id: ContractId,
    editing: Option<ChangeRequestId>,
    draft: ChangeDraft,
) -> Result<Vec<DiffLine>, Error> {
    let contract = readable_contract(ctx, caller, contract_id).await?;
    match editing {
        Some(id) => check_raiser(ctx, caller, id).await?,
        None if side_of(ctx, caller, &contract).await?.is_none() => {
            return Err(Error::new(Kind::Forbidden)
                .detail("change requests are raised by the provider's managers or the client"));
        }
        None => {}
    }
    if contract.is_archived() {
        return Err(Error::field("contract_id", "the contract has ended"));
    }
    let draft = draft.checked()?;
    check_named_parties(ctx, caller, &draft.changes).await?;
    check_added_services(ctx, &contract, &draft.changes).await?;
    let versions = ctx.store.terms_versions(contract_id).await?;
    let latest = latest_coverage(ctx, contract_id, &versions).await?;
    let base = match draft.base_version {
        None => latest.clone(),
        Some(n) => versions
            .iter()
            .find(|v| v.version == n)
            .map(TermsVersion::coverage)
            .ok_or_else(|| {
                Error::field(
                    "base_version",
                    format!("the contract has no terms version {n}"),
                )
            })?,
    };
    let proposal = kept_domain::propose(&base, &draft.changes).map_err(StoreError::from)?;
    let conflicts = kept_domain::rebase(&latest, &proposal).conflicts;
    if !conflicts.is_empty() {
        return Err(conflict_problem(conflict_lines(ctx, &conflicts).await?));
    }
    diff_lines(ctx, proposal).await
}

/// Refuses services to add that are not in the provider's catalog, as the
/// store does when the draft is written.
async fn check_added_services(
    ctx: &Context,
    contract: &Contract,
    changes: &ContractChanges,
) -> Result<(), Error> {
    for (n, id) in changes.add_services.iter().enumerate() {
        let field = format!("changes.add_services[{n}]");
        let service = match ctx.store.service(*id).await {
            Err(StoreError::NotFound) => return Err(Error::field(field, "no such service")),
            other => other?,
        };
        if service.is_archived() {
            return Err(Error::field(field, "is withdrawn from the catalog"));
        }
        if service.provider_id != contract.provider_id {
            return Err(Error::field(field, "is not in the provider's catalog"));
        }
    }
    Ok(())
}
