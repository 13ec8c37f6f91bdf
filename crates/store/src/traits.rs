//! The store's API, split into narrow traits by subject; [`Store`] is all
//! of them. Logins, sessions and the audit log are in [`access`].

use std::sync::Arc;

use async_trait::async_trait;
use kept_domain::{
    Actor, CalendarId, CalendarPatch, ChangeDraft, ChangeRequest, ChangeRequestId, Contract,
    ContractId, Email, Lineage, Link, LinkId, NewCalendar, NewChangeRequest, NewContract, NewLink,
    NewParty, NewService, Page, Party, PartyId, PartyName, PartyPatch, PartyScope, Request,
    RequestChange, RequestEvent, RequestId, Service, ServiceId, ServicePatch, StoredCalendar,
    Terms, TermsVersion, Timestamp, UserId, Verdict,
};

use crate::{
    Backend, CalendarQuery, ChangeRequestQuery, ContractQuery, ImportParty, LinkQuery, PartyQuery,
    Progress, RequestQuery, RequestRecord, Result, RowError, SavedFilter, ServiceQuery,
};

// Named only by doc links.
#[cfg(doc)]
use crate::StoreError;

mod access;
mod inbound;
mod notify;
mod orders;
mod promises;
mod teams;
mod webhooks;

pub use access::{AuditStore, AuthStore, UserStore};
pub use inbound::InboundStore;
pub use notify::NotifyStore;
pub use orders::{ImportedOrder, OrderStore, QuestionStats};
pub use promises::PromiseStore;
pub use teams::TeamStore;
pub use webhooks::WebhookStore;

/// Everything Kept stores, behind one object.
#[async_trait]
pub trait Store:
    PartyStore
    + LinkStore
    + CalendarStore
    + ServiceStore
    + ContractStore
    + TermsStore
    + ChangeStore
    + UserStore
    + AuthStore
    + AuditStore
    + ImportStore
    + RequestStore
    + SavedFilterStore
    + NotifyStore
    + WebhookStore
    + InboundStore
    + PromiseStore
    + OrderStore
    + TeamStore
    + Send
    + Sync
    + 'static
{
    /// Which engine this store runs on.
    fn backend(&self) -> Backend;
    /// Applies any migrations not yet applied. Safe to run from several
    /// processes at once (PostgreSQL takes an advisory lock).
    async fn migrate(&self) -> Result<()>;
    /// Checks that the database answers.
    async fn ping(&self) -> Result<()>;
    /// Closes every connection.
    async fn close(&self);
    /// How many audited writes this process has committed through this
    /// store: a cache that saw a smaller count may hold data its own
    /// process has since changed.
    fn local_writes(&self) -> u64;
}

/// Parties and their nesting.
#[async_trait]
pub trait PartyStore: Send + Sync {
    /// Creates a party under its parent (checked for existence and nesting rules).
    async fn create_party(&self, actor: &Actor, new: NewParty) -> Result<Party>;
    /// The party with this id.
    async fn party(&self, id: PartyId) -> Result<Party>;
    /// The chain from the top of the tree down to this party.
    async fn lineage(&self, id: PartyId) -> Result<Lineage>;
    /// Names of the given parties (missing ids are left out).
    async fn party_names(&self, ids: &[PartyId]) -> Result<Vec<(PartyId, PartyName)>>;
    /// A page of parties matching the query, within its scope.
    async fn list_parties(&self, query: &PartyQuery) -> Result<Page<Party>>;
    /// Changes a party; moving it re-checks nesting and refuses cycles.
    async fn update_party(&self, actor: &Actor, id: PartyId, patch: PartyPatch) -> Result<Party>;
    /// Archives or restores a party. Archiving refuses while active parties
    /// or an active login sit under it.
    async fn set_party_archived(&self, actor: &Actor, id: PartyId, archived: bool)
    -> Result<Party>;
}

/// Supplier -> customer links: the service chain.
#[async_trait]
pub trait LinkStore: Send + Sync {
    /// Links two active parties, refusing a duplicate or a loop
    /// ([`StoreError::ChainCycle`] names the path).
    async fn create_link(&self, actor: &Actor, new: NewLink) -> Result<Link>;
    /// The link with this id.
    async fn link(&self, id: LinkId) -> Result<Link>;
    /// The link with this id if the scope sees it (the rule of
    /// [`LinkStore::list_links`]); `NotFound` otherwise.
    async fn visible_link(&self, id: LinkId, scope: &PartyScope) -> Result<Link>;
    /// A page of links with either party in scope, oldest first.
    async fn list_links(&self, query: &LinkQuery) -> Result<Page<Link>>;
    /// Every active link with either party in scope, to walk the chain.
    async fn chain_links(&self, scope: &PartyScope) -> Result<Vec<Link>>;
    /// Ends or restores a link; restoring re-checks for loops.
    async fn set_link_archived(&self, actor: &Actor, id: LinkId, archived: bool) -> Result<Link>;
}

/// Stored business calendars.
#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Stores a calendar (validated again here) owned by an active party.
    async fn create_calendar(&self, actor: &Actor, new: NewCalendar) -> Result<StoredCalendar>;
    /// The calendar with this id.
    async fn calendar(&self, id: CalendarId) -> Result<StoredCalendar>;
    /// A page of calendars whose owner is in scope, by name.
    async fn list_calendars(&self, query: &CalendarQuery) -> Result<Page<StoredCalendar>>;
    /// Renames a calendar or replaces its rules (validated again here).
    async fn update_calendar(
        &self,
        actor: &Actor,
        id: CalendarId,
        patch: CalendarPatch,
    ) -> Result<StoredCalendar>;
    /// Archives or restores a calendar.
    async fn set_calendar_archived(
        &self,
        actor: &Actor,
        id: CalendarId,
        archived: bool,
    ) -> Result<StoredCalendar>;
}

/// The service catalog.
#[async_trait]
pub trait ServiceStore: Send + Sync {
    /// Adds a service (details checked again here) offered by an active party.
    async fn create_service(&self, actor: &Actor, new: NewService) -> Result<Service>;
    /// The service with this id.
    async fn service(&self, id: ServiceId) -> Result<Service>;
    /// A page of services whose provider is in scope, by name.
    async fn list_services(&self, query: &ServiceQuery) -> Result<Page<Service>>;
    /// Renames a service or replaces its details.
    async fn update_service(
        &self,
        actor: &Actor,
        id: ServiceId,
        patch: ServicePatch,
    ) -> Result<Service>;
    /// Withdraws or offers again a service.
    async fn set_service_archived(
        &self,
        actor: &Actor,
        id: ServiceId,
        archived: bool,
    ) -> Result<Service>;
}

/// Contracts.
#[async_trait]
pub trait ContractStore: Send + Sync {
    /// Records a contract after checking every party, service (the
    /// provider's, offered), the calendar and the approvers it names.
    async fn create_contract(&self, actor: &Actor, new: NewContract) -> Result<Contract>;
    /// The contract with this id.
    async fn contract(&self, id: ContractId) -> Result<Contract>;
    /// The contract if the caller sees it: they reach its provider, client
    /// or a customer, or steer it; `NotFound` otherwise.
    async fn visible_contract(
        &self,
        id: ContractId,
        scope: &PartyScope,
        user: Option<UserId>,
    ) -> Result<Contract>;
    /// A page of the contracts the caller sees, by name.
    async fn list_contracts(&self, query: &ContractQuery) -> Result<Page<Contract>>;
    /// Renames a contract (its terms change only through change requests).
    async fn rename_contract(
        &self,
        actor: &Actor,
        id: ContractId,
        name: PartyName,
    ) -> Result<Contract>;
    /// Ends or restores a contract.
    async fn set_contract_archived(
        &self,
        actor: &Actor,
        id: ContractId,
        archived: bool,
    ) -> Result<Contract>;
    /// Sets (or, with `None`, clears) the address a contract takes new
    /// requests at by email; another contract's address is refused
    /// ([`Conflict::IntakeAddressTaken`](crate::Conflict::IntakeAddressTaken)).
    async fn set_intake_address(
        &self,
        actor: &Actor,
        id: ContractId,
        address: Option<Email>,
    ) -> Result<Contract>;
    /// The contract that takes new requests at `address`.
    async fn contract_by_intake_address(&self, address: &Email) -> Result<Contract>;
}

/// Versions of a contract's terms.
#[async_trait]
pub trait TermsStore: Send + Sync {
    /// Sets a new version directly. Refused once a version is in force
    /// (`TermsUnderChangeControl`): from then on only change requests make
    /// versions. `effective_from` must come after the latest version's.
    async fn create_terms_version(
        &self,
        actor: &Actor,
        contract: ContractId,
        effective_from: Timestamp,
        terms: Terms,
    ) -> Result<TermsVersion>;
    /// Edits the latest version while it is not yet in force and did not
    /// come from a change request (`TermsInForce`, `TermsUnderChangeControl`).
    async fn update_terms_version(
        &self,
        actor: &Actor,
        contract: ContractId,
        version: u32,
        effective_from: Timestamp,
        terms: Terms,
    ) -> Result<TermsVersion>;
    /// Every version, oldest first.
    async fn terms_versions(&self, contract: ContractId) -> Result<Vec<TermsVersion>>;
    /// The version in force at `at`, if any.
    async fn terms_at(&self, contract: ContractId, at: Timestamp) -> Result<Option<TermsVersion>>;
}

/// Change requests against contracts.
#[async_trait]
pub trait ChangeStore: Send + Sync {
    /// Raises a change request as a draft, after checking what it names.
    async fn create_change_request(
        &self,
        actor: &Actor,
        new: NewChangeRequest,
    ) -> Result<ChangeRequest>;
    /// The change request with this id.
    async fn change_request(&self, id: ChangeRequestId) -> Result<ChangeRequest>;
    /// A page of the change requests the caller sees, newest first.
    async fn list_change_requests(&self, query: &ChangeRequestQuery)
    -> Result<Page<ChangeRequest>>;
    /// Rewrites a draft.
    async fn edit_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
        draft: ChangeDraft,
    ) -> Result<ChangeRequest>;
    /// Sends a draft to the steering group.
    async fn submit_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
    ) -> Result<ChangeRequest>;
    /// Takes back a draft or submitted change request.
    async fn withdraw_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
    ) -> Result<ChangeRequest>;
    /// Sends a submitted or approved change request back to draft, setting
    /// its decisions aside, so its raiser can redraft it.
    async fn redraft_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
    ) -> Result<ChangeRequest>;
    /// Records the acting user's decision (they must sit on the steering
    /// group and not have decided yet) and, when the quorum is reached or
    /// out of reach, approves or rejects it.
    async fn decide_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
        verdict: Verdict,
        comment: String,
    ) -> Result<ChangeRequest>;
    /// Applies an approved change request as a new terms version effective
    /// from `effective_from` (or the one it asked for, or now), never before
    /// the approval; customers, services and calendar change at once. Only
    /// its proposal (its diff of the version it was drafted against) is
    /// applied to the latest version; a field changed differently since
    /// refuses it with [`StoreError::ChangeConflicts`].
    async fn apply_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
        effective_from: Option<Timestamp>,
    ) -> Result<(ChangeRequest, TermsVersion)>;
}

/// Requests, their histories and their SLA clocks.
#[async_trait]
pub trait RequestStore: Send + Sync {
    /// Records a request with its first event and its clocks, in one
    /// transaction (and, when it escalates one, an event on that one).
    async fn create_request(&self, actor: &Actor, record: RequestRecord) -> Result<Request>;
    /// One request, whoever may see it.
    async fn request(&self, id: RequestId) -> Result<Request>;
    /// One request by its number, whoever may see it.
    async fn request_by_number(&self, number: i64) -> Result<Request>;
    /// One request, if the caller (reaching `scope`) may see it.
    async fn visible_request(
        &self,
        id: RequestId,
        scope: &PartyScope,
        user: Option<UserId>,
    ) -> Result<Request>;
    /// A page of requests.
    async fn list_requests(&self, query: &RequestQuery) -> Result<Page<Request>>;
    /// The open requests `query` finds (its statuses, order and page
    /// aside), counted by customer.
    async fn open_request_counts(&self, query: &RequestQuery) -> Result<Vec<crate::OpenCount>>;
    /// A request's history, oldest first; internal events only when asked.
    async fn request_events(
        &self,
        id: RequestId,
        include_internal: bool,
    ) -> Result<Vec<RequestEvent>>;
    /// Applies a lifecycle step, reply or note under the request's row
    /// lock; returns the request after it and the events appended. Public
    /// events of an escalated request are relayed to the one downstream.
    async fn act_on_request(
        &self,
        actor: &Actor,
        id: RequestId,
        change: RequestChange,
        at_risk_percent: u8,
    ) -> Result<(Request, Vec<RequestEvent>)>;
    /// Raises the SLA alarms due by `now` on at most `limit` requests;
    /// each alarm exactly once, however many servers call this.
    async fn raise_due_alarms(
        &self,
        now: Timestamp,
        limit: u32,
        at_risk_percent: u8,
    ) -> Result<Vec<(RequestId, RequestEvent)>>;
    /// A compiled calendar (around the clock, UTC, for none).
    async fn compiled_calendar(
        &self,
        id: Option<CalendarId>,
    ) -> Result<Arc<kept_domain::calendar::Calendar>>;
}

/// Queue filters users saved by name.
#[async_trait]
pub trait SavedFilterStore: Send + Sync {
    /// Saves `query` as `name` for `user`, replacing a filter of that name.
    async fn save_filter(&self, user: UserId, name: &str, query: &str) -> Result<SavedFilter>;
    /// The user's saved filters, by name.
    async fn saved_filters(&self, user: UserId) -> Result<Vec<SavedFilter>>;
    /// Deletes one of the user's saved filters.
    async fn delete_saved_filter(&self, user: UserId, id: kept_domain::SavedFilterId)
    -> Result<()>;
}

/// Bulk imports, each in one transaction: all rows land or none do.
#[async_trait]
pub trait ImportStore: Send + Sync {
    /// The party with this reference, if any.
    async fn party_by_reference(&self, reference: &str) -> Result<Option<PartyId>>;
    /// Records parties in order (a parent may be an earlier row).
    async fn import_parties(
        &self,
        actor: &Actor,
        rows: Vec<ImportParty>,
        progress: Progress<'_>,
    ) -> Result<Vec<Party>, RowError>;
    /// Records links in order, refusing loops as single links do.
    async fn import_links(
        &self,
        actor: &Actor,
        rows: Vec<NewLink>,
        progress: Progress<'_>,
    ) -> Result<Vec<Link>, RowError>;
    /// Records contracts in order.
    async fn import_contracts(
        &self,
        actor: &Actor,
        rows: Vec<NewContract>,
        progress: Progress<'_>,
    ) -> Result<Vec<ContractId>, RowError>;
}
