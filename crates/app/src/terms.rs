//! Terms versions as the caller may see them, and differences between
//! versions in sentences, with the names of what they mention.

use crate::Context;
use crate::contracts::{managed_contract, readable_contract, readable_parties, sees_all};
use crate::error::Error;
use kept_domain::{
    Actor, CalendarId, ContractId, Covered, Difference, Names, PartyId, Principal, ServiceId,
    Terms, TermsVersion, Timestamp, diff_versions,
};
use serde::Serialize;
use std::collections::HashMap;

/// A version as the caller may see it: customers they may not see left out.
pub async fn version_as_seen(
    ctx: &Context,
    caller: &Principal,
    all: bool,
    mut v: TermsVersion,
) -> Result<TermsVersion, Error> {
    if !all {
        v.customer_ids = readable_parties(ctx, caller, v.customer_ids).await?;
    }
    Ok(v)
}

/// Names for the parties, services and calendars differences mention.
pub struct NameBook {
    parties: HashMap<PartyId, String>,
    services: HashMap<ServiceId, String>,
    calendars: HashMap<CalendarId, String>,
}

impl Names for NameBook {
    fn party(&self, id: PartyId) -> String {
        self.parties
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
    fn service(&self, id: ServiceId) -> String {
        self.services
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
    fn calendar(&self, id: CalendarId) -> String {
        self.calendars
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

impl NameBook {
    /// Looks up every name the differences mention.
    pub async fn for_differences(ctx: &Context, differences: &[Difference]) -> Result<Self, Error> {
        let mut book = Self {
            parties: HashMap::new(),
            services: HashMap::new(),
            calendars: HashMap::new(),
        };
        let mut parties = Vec::new();
        for d in differences {
            match d {
                Difference::Customer { party_id, .. } => parties.push(*party_id),
                Difference::Service { service_id, .. } | Difference::Sla { service_id, .. } => {
                    if !book.services.contains_key(service_id) {
                        let s = ctx.store.service(*service_id).await?;
                        book.services
                            .insert(*service_id, s.name.as_str().to_owned());
                    }
                }
                Difference::Calendar { from, to } => {
                    for id in from.iter().chain(to) {
                        let c = ctx.store.calendar(*id).await?;
                        book.calendars.insert(*id, c.name.as_str().to_owned());
                    }
                }
                Difference::Kpi { .. } | Difference::Scope { .. } => {}
            }
        }
        book.parties = ctx
            .store
            .party_names(&parties)
            .await?
            .into_iter()
            .map(|(id, n)| (id, n.as_str().to_owned()))
            .collect();
        Ok(book)
    }
}

/// One difference between versions, with its reading.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffLine {
    /// What kind of change: `sla`, `kpi`, `customer`, `service`,
    /// `calendar` or `scope`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    #[serde(flatten)]
    pub difference: serde_json::Value,
    /// The change in a sentence.
    pub description: String,
}

/// The differences from `old` to `new` that the caller may see, readable.
pub async fn readable_diff(
    ctx: &Context,
    visible_customers: Option<&[PartyId]>,
    old: Covered<'_>,
    new: Covered<'_>,
) -> Result<Vec<DiffLine>, Error> {
    let differences: Vec<Difference> = diff_versions(old, new)
        .into_iter()
        .filter(|d| visible_customers.is_none_or(|v| !d.is_about_other_customer(v)))
        .collect();
    diff_lines(ctx, differences).await
}

/// Differences in sentences.
pub async fn diff_lines(
    ctx: &Context,
    differences: Vec<Difference>,
) -> Result<Vec<DiffLine>, Error> {
    let names = NameBook::for_differences(ctx, &differences).await?;
    differences
        .into_iter()
        .map(|d| {
            Ok(DiffLine {
                description: d.describe(&names),
                difference: serde_json::to_value(&d).map_err(Error::internal)?,
            })
        })
        .collect()
}

/// Sets a version of a contract's terms before any is in force (the
/// provider's managers); once terms are in force they change only through
/// change requests, which the store refuses here.
pub async fn create_version(
    ctx: &Context,
    caller: &Principal,
    contract: ContractId,
    effective_from: Timestamp,
    terms: Terms,
) -> Result<TermsVersion, Error> {
    managed_contract(ctx, caller, contract).await?;
    Ok(ctx
        .store
        .create_terms_version(&Actor::user(caller), contract, effective_from, terms)
        .await?)
}

/// Edits the latest version while it is not in force and did not come from
/// a change request (the provider's managers).
pub async fn update_version(
    ctx: &Context,
    caller: &Principal,
    contract: ContractId,
    version: u32,
    effective_from: Timestamp,
    terms: Terms,
) -> Result<TermsVersion, Error> {
    managed_contract(ctx, caller, contract).await?;
    Ok(ctx
        .store
        .update_terms_version(
            &Actor::user(caller),
            contract,
            version,
            effective_from,
            terms,
        )
        .await?)
}

/// The terms of a contract the caller sees in force at `at`, as they may
/// see them (a customer sees only their own customers listed).
pub async fn in_force(
    ctx: &Context,
    caller: &Principal,
    contract: ContractId,
    at: Timestamp,
) -> Result<TermsVersion, Error> {
    let found = readable_contract(ctx, caller, contract).await?;
    let version = ctx
        .store
        .terms_at(contract, at)
        .await?
        .ok_or_else(|| Error::not_found().detail(format!("no terms were in force at {at}")))?;
    let all = sees_all(ctx, caller, &found).await?;
    version_as_seen(ctx, caller, all, version).await
}

/// Every version of a contract's terms, oldest first, as the caller may
/// see them.
pub async fn versions(
    ctx: &Context,
    caller: &Principal,
    contract: ContractId,
) -> Result<Vec<TermsVersion>, Error> {
    let found = readable_contract(ctx, caller, contract).await?;
    let all = sees_all(ctx, caller, &found).await?;
    let mut items = Vec::new();
    for v in ctx.store.terms_versions(contract).await? {
        items.push(version_as_seen(ctx, caller, all, v).await?);
    }
    Ok(items)
}

/// What version `version` of a contract's terms changed from the one
/// before it (none for the first), in sentences the caller may read.
pub async fn version_diff(
    ctx: &Context,
    caller: &Principal,
    contract: ContractId,
    version: u32,
) -> Result<(Option<u32>, Vec<DiffLine>), Error> {
    let found = readable_contract(ctx, caller, contract).await?;
    let all = sees_all(ctx, caller, &found).await?;
    let versions = ctx.store.terms_versions(contract).await?;
    let at = versions
        .iter()
        .position(|v| v.version == version)
        .ok_or_else(Error::not_found)?;
    let empty = Terms::default();
    let before = at.checked_sub(1).and_then(|i| versions.get(i));
    let old = match before {
        Some(v) => Covered::from(v),
        None => Covered {
            terms: &empty,
            customer_ids: &[],
            service_ids: &[],
            calendar_id: None,
        },
    };
    let visible = (!all).then(|| found.customer_ids.clone());
    let lines = readable_diff(ctx, visible.as_deref(), old, Covered::from(&versions[at])).await?;
    Ok((before.map(|v| v.version), lines))
}
