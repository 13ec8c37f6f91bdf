//! Persistence for Kept: one [`Store`] API, SQLite and PostgreSQL behind it.
//!
//! The server holds an `Arc<dyn Store>`. The API is split into narrow traits
//! by subject ([`PartyStore`], [`LinkStore`], [`CalendarStore`], [`ServiceStore`], [`ContractStore`], [`TermsStore`], [`ChangeStore`], [`UserStore`], [`AuthStore`], [`AuditStore`]);
//! [`Store`] is all of them. There is one implementation, [`SqlStore`], which
//! runs the same SQL on both backends through sqlx's `Any` driver and keeps
//! dialect-specific SQL to the migrations.
//!
//! Every write that changes what users see appends to the audit log in the
//! same transaction, so the log and the data cannot disagree.

mod audit;
mod auth;
mod calendars;
mod changes;
mod compiled;
mod contracts;
mod db;
mod error;
mod import;
mod links;
mod migrations;
mod parties;
mod query;
mod requests;
mod saved_filters;
mod services;
mod sql;
mod terms;
mod users;

#[cfg(feature = "testing")]
pub mod testing;

use std::sync::Arc;

use async_trait::async_trait;
use kept_domain::{
    Actor, ApiToken, AuditEvent, CalendarId, CalendarPatch, ChangeDraft, ChangeRequest,
    ChangeRequestId, Contract, ContractId, Grant, GrantId, Lineage, Link, LinkId, NewCalendar,
    NewChangeRequest, NewContract, NewLink, NewParty, NewService, NewUser, Page, Party, PartyId,
    PartyName, PartyPatch, PartyScope, Principal, Request, RequestChange, RequestEvent, RequestId,
    Role, Service, ServiceId, ServicePatch, StoredCalendar, Terms, TermsVersion, Timestamp,
    TokenId, User, UserId, Verdict,
};

pub use compiled::around_the_clock;
pub use db::{Backend, StoreOptions, Synchronous, sqlite_file};
pub use error::{Conflict, Result, StoreError};
pub use import::{ImportParty, Progress, RowError};
pub use query::{
    ArchivedFilter, AuditQuery, CalendarQuery, ChangeRequestQuery, ContractQuery, Credentials,
    IdempotencyStart, LinkQuery, LoginFailures, NewToken, PartyOrder, PartyQuery, RequestOrder,
    RequestQuery, RequestRecord, ServiceQuery, SessionRecord, StoredResponse, TokenOwner,
    UserPatch, UserQuery,
};
pub use saved_filters::SavedFilter;

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
    /// One request, if the caller (reaching `scope`) may see it.
    async fn visible_request(
        &self,
        id: RequestId,
        scope: &PartyScope,
        user: Option<UserId>,
    ) -> Result<Request>;
    /// A page of requests.
    async fn list_requests(&self, query: &RequestQuery) -> Result<Page<Request>>;
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

/// Logins, their roles and credentials.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a login, with a new person party unless one is given.
    async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User>;
    /// The user with this id.
    async fn user(&self, id: UserId) -> Result<User>;
    /// The user with this login.
    async fn user_by_email(&self, email: &str) -> Result<User>;
    /// A page of users matching the query, within its scope.
    async fn list_users(&self, query: &UserQuery) -> Result<Page<User>>;
    /// Changes a user's email or name.
    async fn update_user(&self, actor: &Actor, id: UserId, patch: UserPatch) -> Result<User>;
    /// Archives or restores a login; archiving ends its sessions and revokes its tokens.
    async fn set_user_archived(&self, actor: &Actor, id: UserId, archived: bool) -> Result<User>;
    /// The stored password hash for a login, for signing in.
    async fn credentials(&self, email: &str) -> Result<Option<Credentials>>;
    /// Sets a user's password hash (and ends their other sessions' reason to exist: callers decide).
    async fn set_password_hash(&self, actor: &Actor, id: UserId, hash: &str) -> Result<()>;
    /// Notes a successful sign-in.
    async fn record_login(&self, id: UserId) -> Result<()>;
    /// The user as a caller: grants and the context parties the policy needs.
    /// Fails with `NotFound` for unknown or archived users.
    async fn principal(&self, id: UserId) -> Result<Principal>;
    /// Grants a role on a party.
    async fn add_grant(
        &self,
        actor: &Actor,
        user: UserId,
        role: Role,
        party: PartyId,
    ) -> Result<Grant>;
    /// Takes a grant away.
    async fn revoke_grant(&self, actor: &Actor, id: GrantId) -> Result<Grant>;
    /// One grant.
    async fn grant(&self, id: GrantId) -> Result<Grant>;
    /// Every grant a user holds.
    async fn grants_of(&self, user: UserId) -> Result<Vec<Grant>>;
}

/// Sessions, API tokens, invitations, sign-in throttling and idempotency keys.
#[async_trait]
pub trait AuthStore: Send + Sync {
    /// Stores a new API token (its hash only).
    async fn create_token(&self, actor: &Actor, new: NewToken) -> Result<ApiToken>;
    /// A user's tokens, newest first, revoked ones included.
    async fn tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>>;
    /// Revokes one of a user's tokens.
    async fn revoke_token(&self, actor: &Actor, user: UserId, id: TokenId) -> Result<ApiToken>;
    /// The owner of a live token (not revoked, not expired, user not archived).
    async fn token_owner(&self, hash: &str, now: Timestamp) -> Result<Option<UserId>> {
        Ok(self.token_owner_at(hash, now).await?.map(|o| o.user_id))
    }
    /// The owner of a live token with the current [`generation`], read
    /// together in one query (and the token's last use noted, at most once
    /// a minute).
    ///
    /// [`generation`]: AuthStore::generation
    async fn token_owner_at(&self, hash: &str, now: Timestamp) -> Result<Option<TokenOwner>>;
    /// Notes that a token was used at `at`.
    async fn touch_token(&self, id: TokenId, at: Timestamp) -> Result<()>;
    /// The counter every audited write moves on: cached reference data
    /// (parties, contracts, terms, services, calendars, users and roles)
    /// read under an older value may be stale.
    async fn generation(&self) -> Result<i64>;

    /// A session by the hash of its id, if it has not expired.
    async fn session(&self, id_hash: &str, now: Timestamp) -> Result<Option<SessionRecord>>;
    /// Stores a new session; `false` if the id is already taken.
    async fn insert_session(&self, id_hash: &str, record: &SessionRecord) -> Result<bool>;
    /// Stores a session, replacing any with the same id.
    async fn save_session(&self, id_hash: &str, record: &SessionRecord) -> Result<()>;
    /// Deletes a session.
    async fn delete_session(&self, id_hash: &str) -> Result<()>;
    /// Deletes every session of a user (signs them out everywhere).
    async fn delete_sessions_of(&self, user: UserId) -> Result<u64>;

    /// Stores an invitation to set a password, valid until `expires_at`.
    async fn create_invitation(
        &self,
        actor: &Actor,
        user: UserId,
        token_hash: &str,
        expires_at: Timestamp,
    ) -> Result<()>;
    /// The user a live invitation is for.
    async fn invitation_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>>;
    /// Uses an invitation: sets the password and marks it used, atomically.
    async fn accept_invitation(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<User>;

    /// Records a failed sign-in.
    async fn record_login_failure(&self, email: &str, address: &str, at: Timestamp) -> Result<()>;
    /// Failed sign-ins since an instant, per account and per address.
    async fn login_failures(
        &self,
        email: &str,
        address: &str,
        since: Timestamp,
    ) -> Result<LoginFailures>;
    /// Forgets an account's failed sign-ins (after a successful one).
    async fn clear_login_failures(&self, email: &str) -> Result<()>;

    /// Claims an idempotency key for a request, or finds its earlier response.
    async fn start_idempotent(
        &self,
        user: UserId,
        key: &str,
        fingerprint: &str,
    ) -> Result<IdempotencyStart>;
    /// Remembers the response to a request that claimed a key.
    async fn finish_idempotent(
        &self,
        user: UserId,
        key: &str,
        response: &StoredResponse,
    ) -> Result<()>;
    /// Releases a claimed key without a response (the request failed), so it may be retried.
    async fn abandon_idempotent(&self, user: UserId, key: &str) -> Result<()>;

    /// Deletes expired sessions, invitations, old sign-in failures and old
    /// idempotency keys. Returns how many rows went.
    async fn purge_expired(&self, now: Timestamp) -> Result<u64>;
}

/// Reading the audit log (writing happens inside each change).
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// A page of audit events, newest first.
    async fn audit_events(&self, query: &AuditQuery) -> Result<Page<AuditEvent>>;
}

/// The SQL implementation of [`Store`] for SQLite and PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: db::Db,
    calendars: Arc<compiled::CalendarCache>,
    group_commit: Arc<requests::GroupCommit>,
    /// Audited writes committed through this store, for caches to notice
    /// this process's own changes at once.
    local_writes: Arc<std::sync::atomic::AtomicU64>,
}

impl SqlStore {
    /// Opens the database at `url` (`sqlite://PATH` or `postgres://…`). Does
    /// not migrate; call [`Store::migrate`].
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        Ok(Self {
            db: db::Db::connect(url, options).await?,
            calendars: Arc::default(),
            group_commit: Arc::default(),
            local_writes: Arc::default(),
        })
    }
}

impl SqlStore {
    /// Commits a transaction that appended to the audit log (and so moved
    /// the generation on), then counts it in [`Store::local_writes`].
    async fn commit_audited(&self, tx: sqlx::Transaction<'static, sqlx::Any>) -> Result<()> {
        tx.commit().await?;
        self.local_writes
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Ok(())
    }
}

/// Opens and migrates the database at `url`, ready to share.
pub async fn open(url: &str, options: &StoreOptions) -> Result<Arc<dyn Store>> {
    let store = SqlStore::connect(url, options).await?;
    store.migrate().await?;
    Ok(Arc::new(store))
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.db.backend
    }

    async fn migrate(&self) -> Result<()> {
        migrations::migrator(self.db.backend)
            .run(&self.db.write)
            .await?;
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.db.read).await?;
        Ok(())
    }

    async fn close(&self) {
        self.db.close().await;
    }

    fn local_writes(&self) -> u64 {
        self.local_writes.load(std::sync::atomic::Ordering::Acquire)
    }
}
