//! The store's API for who may act and what they did: logins and their
//! grants, sessions, tokens and sign-in throttling, and the audit log.

use async_trait::async_trait;
use kept_domain::{
    Actor, ApiToken, AuditEvent, Grant, GrantId, NewUser, Page, PartyId, Principal, Role,
    Timestamp, TokenId, User, UserId,
};

use crate::{
    AuditQuery, Credentials, IdempotencyStart, LoginFailures, NewToken, Result, SessionRecord,
    StoredResponse, TokenOwner, UserPatch, UserQuery,
};

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
    /// Failed sign-ins on an account from an address since `pair_since`,
    /// and from the address for any account since `address_since`.
    async fn login_failures(
        &self,
        email: &str,
        address: &str,
        pair_since: Timestamp,
        address_since: Timestamp,
    ) -> Result<LoginFailures>;
    /// Forgets the failed sign-ins on an account from an address (after a
    /// successful one from there); failures from elsewhere stay counted.
    async fn clear_login_failures(&self, email: &str, address: &str) -> Result<()>;

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
