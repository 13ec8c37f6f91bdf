//! The shapes of store queries and of the records the auth tables hold.

use kept_domain::{
    AuditAction, CalendarId, ChangeStatus, ContractId, Email, Limit, PartyId, PartyKind, PartyName,
    PartyScope, Role, ServiceId, Timestamp, User, UserId,
};

/// Whether lists include archived things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchivedFilter {
    /// Only things not archived.
    #[default]
    Active,
    /// Only archived things.
    Archived,
    /// Both.
    All,
}

/// The order of a party list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartyOrder {
    /// Oldest first.
    #[default]
    Created,
    /// By name, case-insensitively.
    Name,
}

/// A filtered, scoped page of parties.
#[derive(Debug, Clone)]
pub struct PartyQuery {
    /// Which parties the caller may see.
    pub scope: PartyScope,
    /// Only parties of this kind.
    pub kind: Option<PartyKind>,
    /// Only the direct children of this party.
    pub parent_id: Option<PartyId>,
    /// Only parties nested (at any depth) under this one.
    pub under: Option<PartyId>,
    /// Only internal (or only external) parties.
    pub internal: Option<bool>,
    /// Only parties whose name contains this text, ignoring case.
    pub search: Option<String>,
    /// Archived parties too, or only them.
    pub archived: ArchivedFilter,
    /// The order.
    pub order: PartyOrder,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

impl PartyQuery {
    /// Every active party in `scope`, oldest first, one default page.
    pub fn new(scope: PartyScope) -> Self {
        Self {
            scope,
            kind: None,
            parent_id: None,
            under: None,
            internal: None,
            search: None,
            archived: ArchivedFilter::Active,
            order: PartyOrder::Created,
            cursor: None,
            limit: Limit::DEFAULT,
        }
    }
}

/// A filtered, scoped page of users, ordered by email.
#[derive(Debug, Clone)]
pub struct UserQuery {
    /// Users whose person party lies in this scope.
    pub scope: PartyScope,
    /// Only users whose email or name contains this text, ignoring case.
    pub search: Option<String>,
    /// Only users holding this role somewhere.
    pub role: Option<Role>,
    /// Archived users too, or only them.
    pub archived: ArchivedFilter,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

impl UserQuery {
    /// Every active user in `scope`, one default page.
    pub fn new(scope: PartyScope) -> Self {
        Self {
            scope,
            search: None,
            role: None,
            archived: ArchivedFilter::Active,
            cursor: None,
            limit: Limit::DEFAULT,
        }
    }
}

/// A change to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    /// A new login.
    pub email: Option<Email>,
    /// A new name (of the person party).
    pub name: Option<PartyName>,
}

/// A login's stored password hash.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// The Argon2id hash, if a password is set.
    pub password_hash: Option<String>,
}

/// A new API token, as stored.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// Whose token.
    pub user: UserId,
    /// Its label.
    pub name: String,
    /// The first characters of the secret.
    pub prefix: String,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    /// When it stops working.
    pub expires_at: Option<Timestamp>,
}

/// A browser session as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// The signed-in user, if any (a session exists before sign-in for CSRF).
    pub user_id: Option<UserId>,
    /// The session's data, JSON.
    pub data: String,
    /// When it expires.
    pub expires_at: Timestamp,
}

/// Counts of recent failed sign-ins, for throttling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    /// For this account from this address.
    pub by_pair: u32,
    /// The latest of those.
    pub last_on_pair: Option<Timestamp>,
    /// From this address, for any account.
    pub by_address: u32,
}

/// A remembered response to a POST with an idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    /// The HTTP status.
    pub status: u16,
    /// The Content-Type header.
    pub content_type: Option<String>,
    /// The Location header (of a 201).
    pub location: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// What [`crate::AuthStore::start_idempotent`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum IdempotencyStart {
    /// The key is new and now claimed by this request: go ahead.
    Claimed,
    /// The same request was completed before: send this response again.
    Replay(StoredResponse),
    /// The key was used with a different request.
    Mismatch,
    /// The first request with this key has not finished yet.
    InProgress,
}

/// A filtered page of the audit log, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only events about this subject type (`party`, `user`, …).
    pub subject_type: Option<String>,
    /// Only events about this subject id.
    pub subject_id: Option<String>,
    /// Only events by this user.
    pub actor: Option<UserId>,
    /// Only events of this action.
    pub action: Option<AuditAction>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

/// A scoped page of links.
#[derive(Debug, Clone)]
pub struct LinkQuery {
    /// Links with either party in this scope.
    pub scope: PartyScope,
    /// Only links touching this party.
    pub party_id: Option<PartyId>,
    /// Active, ended or both.
    pub archived: ArchivedFilter,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

impl LinkQuery {
    /// Every active link in `scope`, one default page.
    pub fn new(scope: PartyScope) -> Self {
        Self {
            scope,
            party_id: None,
            archived: ArchivedFilter::Active,
            cursor: None,
            limit: Limit::default(),
        }
    }
}

/// A scoped page of calendars, by name.
#[derive(Debug, Clone)]
pub struct CalendarQuery {
    /// Calendars whose owner is in this scope.
    pub scope: PartyScope,
    /// Active, archived or both.
    pub archived: ArchivedFilter,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

impl CalendarQuery {
    /// Every active calendar in `scope`, one default page.
    pub fn new(scope: PartyScope) -> Self {
        Self {
            scope,
            archived: ArchivedFilter::Active,
            cursor: None,
            limit: Limit::default(),
        }
    }
}

/// A scoped page of services, by name.
#[derive(Debug, Clone)]
pub struct ServiceQuery {
    /// Services whose provider is in this scope.
    pub scope: PartyScope,
    /// Only this provider's services.
    pub provider_id: Option<PartyId>,
    /// Offered, withdrawn or both.
    pub archived: ArchivedFilter,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

impl ServiceQuery {
    /// Every offered service in `scope`, one default page.
    pub fn new(scope: PartyScope) -> Self {
        Self {
            scope,
            provider_id: None,
            archived: ArchivedFilter::Active,
            cursor: None,
            limit: Limit::default(),
        }
    }
}

/// A page of the contracts a caller may see, by name.
#[derive(Debug, Clone)]
pub struct ContractQuery {
    /// The caller's parties: contracts whose provider, client or a customer
    /// they reach.
    pub scope: PartyScope,
    /// The caller, who also sees the contracts they steer.
    pub user: Option<UserId>,
    /// Only contracts where this party is provider, client or a customer.
    pub party_id: Option<PartyId>,
    /// Only contracts whose catalog lists this service.
    pub service_id: Option<ServiceId>,
    /// Only contracts kept on this calendar.
    pub calendar_id: Option<CalendarId>,
    /// Active, ended or both.
    pub archived: ArchivedFilter,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

impl ContractQuery {
    /// Every active contract visible in `scope` (and to `user`), one page.
    pub fn new(scope: PartyScope, user: Option<UserId>) -> Self {
        Self {
            scope,
            user,
            party_id: None,
            service_id: None,
            calendar_id: None,
            archived: ArchivedFilter::Active,
            cursor: None,
            limit: Limit::default(),
        }
    }
}

/// A page of change requests the caller may see, newest first.
#[derive(Debug, Clone)]
pub struct ChangeRequestQuery {
    /// Which parties the caller reaches.
    pub scope: PartyScope,
    /// The caller, who also sees the change requests of contracts they steer.
    pub user: Option<UserId>,
    /// Only those against this contract.
    pub contract_id: Option<ContractId>,
    /// Only those in these statuses (all when empty).
    pub statuses: Vec<ChangeStatus>,
    /// Only those submitted to a steering group this user sits on and has
    /// not yet decided.
    pub awaiting_decision_of: Option<UserId>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

impl ChangeRequestQuery {
    /// Every change request the caller sees, one default page.
    pub fn new(scope: PartyScope, user: Option<UserId>) -> Self {
        Self {
            scope,
            user,
            contract_id: None,
            statuses: Vec::new(),
            awaiting_decision_of: None,
            cursor: None,
            limit: Limit::DEFAULT,
        }
    }
}

/// A request to record, with what the intake resolved for it.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    /// The request.
    pub new: kept_domain::NewRequest,
    /// The terms version in force (none: the service's default targets).
    pub terms_version: Option<u32>,
    /// The calendar its clocks run on (none: around the clock, UTC).
    pub calendar_id: Option<kept_domain::CalendarId>,
    /// The team it is assigned to from the start (its service's default
    /// team), if any.
    pub team_id: Option<kept_domain::PartyId>,
    /// That calendar compiled, when the caller has it at hand (it saves a
    /// read); the store compiles it otherwise.
    pub calendar: Option<std::sync::Arc<kept_domain::calendar::Calendar>>,
    /// The targets its clocks start with.
    pub targets: kept_domain::Targets,
    /// The at-risk share of a target, in percent.
    pub at_risk_percent: u8,
    /// When it was raised, if before now (a request seeded or imported with
    /// its history): its clocks start then. Never later than now.
    pub raised_at: Option<kept_domain::Timestamp>,
    /// The promise Kept makes for it as it is accepted, if any: recorded
    /// with it, in the same transaction.
    pub promise: Option<crate::promises::PromiseRecord>,
    /// An order's lines, recorded with it (and, where a line was
    /// questioned, a `quantity_answered` event for each).
    pub lines: Vec<kept_domain::order::NewOrderLine>,
    /// An order's lines to settle by the quantity check in the
    /// transaction that records it (none for other requests, and for
    /// lines settled before, in `lines`): the lines it lets through are
    /// recorded as `lines` are; else nothing is, and the store answers
    /// [`crate::StoreError::Questioned`].
    pub check: Option<kept_domain::order::OrderToSettle>,
}

/// How a list of requests is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestOrder {
    /// Breached first, then the soonest due (on each request's own
    /// calendar), then open requests with no clock running, closed ones
    /// last; the oldest first among equals ([`kept_domain::queue`]).
    #[default]
    Urgency,
    /// Newest first.
    Newest,
}

/// A page of requests the caller may see.
#[derive(Debug, Clone)]
pub struct RequestQuery {
    /// The parties the caller reaches (roots only; admins: all). A request
    /// is visible when the caller reaches its contract's provider or client,
    /// or its customer, or asked it.
    pub scope: PartyScope,
    /// The caller, who also sees what they asked.
    pub user: Option<UserId>,
    /// Only on this contract.
    pub contract_id: Option<ContractId>,
    /// Only for this customer party or parties under it.
    pub customer_id: Option<kept_domain::PartyId>,
    /// Only asked by this user.
    pub requester_id: Option<UserId>,
    /// Only in these statuses (all when empty).
    pub statuses: Vec<kept_domain::RequestStatus>,
    /// Only of this kind.
    pub kind: Option<kept_domain::RequestKind>,
    /// Only in these SLA states (all when empty).
    pub sla: Vec<kept_domain::SlaState>,
    /// Only those due before this instant.
    pub due_before: Option<Timestamp>,
    /// Only those escalated from this request (its upstream requests).
    pub escalated_from: Option<kept_domain::RequestId>,
    /// Only those that came from down the chain: escalations and questions
    /// routed up from a customer's customer.
    pub from_downstream: bool,
    /// The order.
    pub order: RequestOrder,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size.
    pub limit: Limit,
}

/// How many open requests one customer has, and how many of them breached
/// a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenCount {
    /// The customer.
    pub customer_id: kept_domain::PartyId,
    /// Its open requests.
    pub open: u64,
    /// Those of them past a target.
    pub breached: u64,
}

impl RequestQuery {
    /// Every request the caller sees, most urgent first, one default page.
    pub fn new(scope: PartyScope, user: Option<UserId>) -> Self {
        Self {
            scope,
            user,
            contract_id: None,
            customer_id: None,
            requester_id: None,
            statuses: Vec::new(),
            kind: None,
            sla: Vec::new(),
            due_before: None,
            escalated_from: None,
            from_downstream: false,
            order: RequestOrder::default(),
            cursor: None,
            limit: Limit::DEFAULT,
        }
    }
}

/// A live API token's owner, as authentication needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenOwner {
    /// The user.
    pub user_id: UserId,
    /// The token (not its secret).
    pub token_id: kept_domain::TokenId,
    /// When it stops working, if it does.
    pub expires_at: Option<Timestamp>,
    /// The database's generation when it was read.
    pub generation: i64,
}
