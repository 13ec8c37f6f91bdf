//! The scope check: whether a contract covers a request for a customer
//! and a service (and subject), and when not, the change request that
//! would make it cover it.

use kept_domain::{
    ContractChanges, ContractId, PartyId, Principal, ScopeCheck, ServiceId, Timestamp, check_scope,
    covering_change, single_line,
};
use kept_store::StoreError;
use serde::{Deserialize, Serialize};

use crate::Context;
use crate::error::Error;

/// What to check against a contract.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScopeQuestion {
    /// The party the request is for (a site, or a person at one).
    pub customer_id: PartyId,
    /// The service asked for.
    pub service_id: ServiceId,
    /// What the request is about, in free text (matched against the
    /// service's out-of-scope list).
    pub subject: Option<String>,
}

/// How the contract could come to cover a request: a change request to
/// raise, with a proposal to start from.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    /// What to do, in a sentence.
    pub message: String,
    /// Where to raise it: `POST` a change request here.
    pub raise_change_request: String,
    /// The `changes` of a change request that would cover it.
    pub proposal: ContractChanges,
}

/// The answer, and what to do when the contract does not cover it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScopeAnswer {
    /// Covered, not covered or out of scope, with the reason.
    #[serde(flatten)]
    pub check: ScopeCheck,
    /// The terms version the answer used, if terms are in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms_version: Option<u32>,
    /// When not covered: how the contract could come to cover it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer: Option<Offer>,
}

/// Whether the contract `id` (which the caller must see) covers the
/// request asked about, under the terms in force now. A customer the
/// caller may not read is answered as one that does not exist.
pub async fn scope_check(
    ctx: &Context,
    caller: &Principal,
    id: ContractId,
    question: ScopeQuestion,
) -> Result<ScopeAnswer, Error> {
    let contract = ctx
        .store
        .visible_contract(id, &caller.party_scope(), Some(caller.user_id))
        .await?;
    let subject = question
        .subject
        .map(|s| single_line("subject", &s, 500))
        .transpose()?;
    let lineage = match ctx.store.lineage(question.customer_id).await {
        Ok(lineage) if caller.read_party(&lineage).is_allowed() => lineage,
        Ok(_) | Err(StoreError::NotFound) => {
            return Err(Error::field("customer_id", "no such party"));
        }
        Err(e) => return Err(e.into()),
    };
    let customer = ctx.store.party(question.customer_id).await?;
    let service = match ctx.store.service(question.service_id).await {
        Err(StoreError::NotFound) => return Err(Error::field("service_id", "no such service")),
        other => other?,
    };
    let terms = ctx.store.terms_at(id, Timestamp::now()).await?;
    let check = check_scope(
        &contract,
        &lineage,
        customer.name.as_str(),
        &service,
        terms.as_ref().map(|v| &v.terms),
        subject.as_deref(),
    );
    let proposal = covering_change(
        &check,
        &contract,
        question.customer_id,
        &lineage,
        service.id,
        terms.as_ref().map(|v| &v.terms),
    );
    let offer = proposal.map(|proposal| Offer {
        message: format!(
            "Raise a change request on {} to cover it; its steering group decides.",
            contract.name
        ),
        raise_change_request: format!("/api/v1/contracts/{id}/change-requests"),
        proposal,
    });
    Ok(ScopeAnswer {
        check,
        terms_version: terms.map(|v| v.version),
        offer,
    })
}
