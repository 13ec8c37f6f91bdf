//! Services: who may read one (its provider's people, and the people of a
//! contract that covers it), who may change it, the writes (add, change,
//! withdraw, offer again) that the API and the pages both run, and the
//! views of the catalogue and of a service's page.

use crate::Context;
use crate::error::Error;
use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    Access, Actor, Limit, NewService, Page, PartyId, PartyName, Principal, Service, ServiceDetails,
    ServiceId, ServicePatch, Targets,
};
use kept_store::{ArchivedFilter, ServiceQuery, StoreError};

/// Fails unless the caller manages the provider; an unseen one is missing.
pub async fn check_manage_service(
    ctx: &Context,
    caller: &Principal,
    provider: PartyId,
) -> Result<(), Error> {
    let lineage = match ctx.store.lineage(provider).await {
        Err(StoreError::NotFound) => return Err(Error::field("provider_id", "no such party")),
        other => other?,
    };
    match caller.manage_party(&lineage) {
        Access::Hidden => Err(Error::field("provider_id", "no such party")),
        other => Error::check(other),
    }
}

/// Loads a service the caller may read (they see its provider, or a
/// contract that lists it), or answers not found.
pub async fn readable_service(
    ctx: &Context,
    caller: &Principal,
    id: ServiceId,
) -> Result<Service, Error> {
    let service = ctx.store.service(id).await?;
    let keeper = ctx.store.lineage(service.provider_id).await?;
    // The contracts are asked only of those who do not see the provider.
    let covered = !caller.read_party(&keeper).is_allowed()
        && super::contracts::on_a_contract_seen(ctx, caller, Some(id), None).await?;
    Error::check(caller.read_catalog_entry(&keeper, covered))?;
    Ok(service)
}

/// Loads a service the caller may change.
pub async fn managed_service(
    ctx: &Context,
    caller: &Principal,
    id: ServiceId,
) -> Result<Service, Error> {
    let service = readable_service(ctx, caller, id).await?;
    Error::check(caller.manage_party(&ctx.store.lineage(service.provider_id).await?))?;
    Ok(service)
}

/// Adds a service to the catalog for a provider the caller manages. A
/// provider they cannot see is named as "no such party", as if it did not
/// exist.
pub async fn create(ctx: &Context, caller: &Principal, new: NewService) -> Result<Service, Error> {
    let new = NewService {
        details: new.details.checked()?,
        ..new
    };
    check_manage_service(ctx, caller, new.provider_id).await?;
    Ok(ctx.store.create_service(&Actor::user(caller), new).await?)
}

/// A change to a service; `None` leaves a field as it is, `Some(None)`
/// clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ServiceChange {
    /// A new name.
    pub name: Option<PartyName>,
    /// A new description.
    pub description: Option<String>,
    /// A new unit of measure.
    pub unit: Option<Option<String>>,
    /// A new pack size.
    pub pack_size: Option<Option<u32>>,
    /// A new in-scope list, replacing the old one.
    pub in_scope: Option<Vec<String>>,
    /// A new out-of-scope list, replacing the old one.
    pub out_of_scope: Option<Vec<String>>,
    /// A new typical effort.
    pub default_effort: Option<Option<BusinessDuration>>,
    /// New default service levels, replacing the old ones.
    pub default_targets: Option<Targets>,
    /// A new default team (one of the provider's teams), or none.
    pub default_team_id: Option<Option<PartyId>>,
    /// How it is ordered, replacing the old settings.
    pub ordering: Option<kept_domain::order::Ordering>,
}

impl ServiceChange {
    /// A change that replaces the name and every detail (a whole form).
    pub fn whole(name: PartyName, details: ServiceDetails) -> Self {
        Self {
            name: Some(name),
            description: Some(details.description),
            unit: Some(details.unit),
            pack_size: Some(details.pack_size),
            in_scope: Some(details.in_scope),
            out_of_scope: Some(details.out_of_scope),
            default_effort: Some(details.default_effort),
            default_targets: Some(details.default_targets),
            default_team_id: Some(details.default_team_id),
            ordering: Some(details.ordering),
        }
    }
}

/// Changes a service the caller manages; the details as changed are
/// checked whole.
pub async fn update(
    ctx: &Context,
    caller: &Principal,
    id: ServiceId,
    change: ServiceChange,
) -> Result<Service, Error> {
    let current = managed_service(ctx, caller, id).await?;
    let details = ServiceDetails {
        description: change.description.unwrap_or(current.description),
        unit: change.unit.unwrap_or(current.unit),
        pack_size: change.pack_size.unwrap_or(current.pack_size),
        in_scope: change.in_scope.unwrap_or(current.in_scope),
        out_of_scope: change.out_of_scope.unwrap_or(current.out_of_scope),
        default_effort: change.default_effort.unwrap_or(current.default_effort),
        default_targets: change.default_targets.unwrap_or(current.default_targets),
        default_team_id: change.default_team_id.unwrap_or(current.default_team_id),
        ordering: change.ordering.unwrap_or(current.ordering),
    }
    .checked()?;
    let patch = ServicePatch {
        name: change.name,
        details: Some(details),
    };
    Ok(ctx
        .store
        .update_service(&Actor::user(caller), id, patch)
        .await?)
}

/// Withdraws a service the caller manages from the catalog.
pub async fn archive(ctx: &Context, caller: &Principal, id: ServiceId) -> Result<Service, Error> {
    set_archived(ctx, caller, id, true).await
}

/// Offers a withdrawn service again.
pub async fn restore(ctx: &Context, caller: &Principal, id: ServiceId) -> Result<Service, Error> {
    set_archived(ctx, caller, id, false).await
}

async fn set_archived(
    ctx: &Context,
    caller: &Principal,
    id: ServiceId,
    archived: bool,
) -> Result<Service, Error> {
    managed_service(ctx, caller, id).await?;
    Ok(ctx
        .store
        .set_service_archived(&Actor::user(caller), id, archived)
        .await?)
}

/// Which services to list: a [`ServiceQuery`] without its scope, which is
/// always the caller's.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    /// Only this provider's services.
    pub provider_id: Option<PartyId>,
    /// Offered, withdrawn or both.
    pub archived: ArchivedFilter,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

/// A page of the services of providers the caller may see, by name.
pub async fn list(
    ctx: &Context,
    caller: &Principal,
    filter: ServiceFilter,
) -> Result<Page<Service>, Error> {
    let query = ServiceQuery {
        scope: caller.party_scope(),
        provider_id: filter.provider_id,
        archived: filter.archived,
        cursor: filter.cursor,
        limit: filter.limit,
    };
    Ok(ctx.store.list_services(&query).await?)
}

/// A service with its provider's name, as a row of the catalogue.
#[derive(Debug, Clone)]
pub struct ServiceRow {
    /// The service.
    pub service: Service,
    /// Its provider's name.
    pub provider: String,
}

/// The catalogue as its page shows it.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The offered services of providers the caller sees, by name.
    pub rows: Vec<ServiceRow>,
    /// The providers the caller may add a service for, by name.
    pub providers: Vec<(PartyId, String)>,
    /// The teams the caller sees, a new service's default team, by name.
    pub teams: Vec<(PartyId, String)>,
}

/// The catalogue the caller sees (one page of the largest size), and the
/// providers they may add to it.
pub async fn catalogue(ctx: &Context, caller: &Principal) -> Result<Catalogue, Error> {
    let filter = ServiceFilter {
        limit: Limit::MAX_PAGE,
        ..ServiceFilter::default()
    };
    let services = list(ctx, caller, filter).await?.items;
    let ids: Vec<PartyId> = services.iter().map(|s| s.provider_id).collect();
    let names = super::parties::names(ctx, &ids).await?;
    let rows = services
        .into_iter()
        .map(|service| ServiceRow {
            provider: names.get(&service.provider_id).cloned().unwrap_or_default(),
            service,
        })
        .collect();
    Ok(Catalogue {
        rows,
        providers: providers(ctx, caller).await?,
        teams: team_names(ctx, caller).await?,
    })
}

/// The parties the caller may offer services for (any but people, that
/// they manage), by name.
pub async fn providers(ctx: &Context, caller: &Principal) -> Result<Vec<(PartyId, String)>, Error> {
    super::parties::managed(ctx, caller, None).await
}

/// A service as its page shows it.
#[derive(Debug, Clone)]
pub struct ServiceView {
    /// The service.
    pub service: Service,
    /// Its provider's name.
    pub provider: String,
    /// Whether the caller sees the provider (else they read the service
    /// through a contract that lists it: what it covers, not the
    /// provider's own planning such as its typical effort).
    pub sees_provider: bool,
    /// Whether the caller may change it.
    pub can_manage: bool,
    /// The teams it may assign its new requests to (its default team's
    /// choices), by name: the provider's teams the caller sees.
    pub teams: Vec<(PartyId, String)>,
    /// How often its order lines were questioned, and how each question
    /// was settled (the provider's people only): the check's precision.
    pub questions: Option<kept_store::QuestionStats>,
}

/// The teams the caller sees, by name.
async fn team_names(ctx: &Context, caller: &Principal) -> Result<Vec<(PartyId, String)>, Error> {
    Ok(super::teams::list(ctx, caller)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name.as_str().to_owned()))
        .collect())
}

/// How often the service's order lines were questioned and how each
/// question was settled: the check's precision, for those who see its
/// provider (anyone else is told the service does not exist).
pub async fn question_stats(
    ctx: &Context,
    caller: &Principal,
    id: ServiceId,
) -> Result<kept_store::QuestionStats, Error> {
    let service = readable_service(ctx, caller, id).await?;
    let lineage = ctx.store.lineage(service.provider_id).await?;
    if !caller.read_party(&lineage).is_allowed() {
        return Err(Error::not_found());
    }
    Ok(ctx.store.question_stats(id).await?)
}

/// The service `id` as the caller may see it.
pub async fn view(ctx: &Context, caller: &Principal, id: ServiceId) -> Result<ServiceView, Error> {
    let service = readable_service(ctx, caller, id).await?;
    let lineage = ctx.store.lineage(service.provider_id).await?;
    let provider = ctx.store.party(service.provider_id).await?.name;
    let can_manage = caller.manage_party(&lineage).is_allowed();
    let teams = if can_manage {
        let mut teams = Vec::new();
        for (id, name) in team_names(ctx, caller).await? {
            if kept_domain::team::serves(&ctx.store.lineage(id).await?, service.provider_id) {
                teams.push((id, name));
            }
        }
        teams
    } else {
        Vec::new()
    };
    let sees_provider = caller.read_party(&lineage).is_allowed();
    let questions = if sees_provider {
        Some(ctx.store.question_stats(service.id).await?)
    } else {
        None
    };
    Ok(ServiceView {
        teams,
        questions,
        provider: provider.as_str().to_owned(),
        sees_provider,
        can_manage,
        service,
    })
}
