//! Users, sign-in and the audit log through [`CachedStore`]: straight to
//! the store underneath, except the principal behind a session or token,
//! read through the cache.

use async_trait::async_trait;
use kept_domain::{
    Actor, ApiToken, AuditEvent, Grant, GrantId, NewUser, Page, PartyId, Principal, Role,
    Timestamp, TokenId, User, UserId,
};
use kept_store::{
    AuditQuery, AuditStore, AuthStore, Credentials, IdempotencyStart, LoginFailures, NewToken,
    Result, SessionRecord, StoredResponse, TokenOwner, UserPatch, UserQuery, UserStore,
};

use super::CachedStore;

#[async_trait]
impl UserStore for CachedStore {
    async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        self.inner.create_user(actor, new).await
    }
    async fn user(&self, id: UserId) -> Result<User> {
        self.inner.user(id).await
    }
    async fn user_by_email(&self, email: &str) -> Result<User> {
        self.inner.user_by_email(email).await
    }
    async fn list_users(&self, query: &UserQuery) -> Result<Page<User>> {
        self.inner.list_users(query).await
    }
    async fn update_user(&self, actor: &Actor, id: UserId, patch: UserPatch) -> Result<User> {
        self.inner.update_user(actor, id, patch).await
    }
    async fn set_user_archived(&self, actor: &Actor, id: UserId, archived: bool) -> Result<User> {
        self.inner.set_user_archived(actor, id, archived).await
    }
    async fn credentials(&self, email: &str) -> Result<Option<Credentials>> {
        self.inner.credentials(email).await
    }
    async fn set_password_hash(&self, actor: &Actor, id: UserId, hash: &str) -> Result<()> {
        self.inner.set_password_hash(actor, id, hash).await
    }
    async fn record_login(&self, id: UserId) -> Result<()> {
        self.inner.record_login(id).await
    }
    async fn principal(&self, id: UserId) -> Result<Principal> {
        self.fresh().principal(self.inner.as_ref(), id).await
    }
    async fn add_grant(
        &self,
        actor: &Actor,
        user: UserId,
        role: Role,
        party: PartyId,
    ) -> Result<Grant> {
        self.inner.add_grant(actor, user, role, party).await
    }
    async fn revoke_grant(&self, actor: &Actor, id: GrantId) -> Result<Grant> {
        self.inner.revoke_grant(actor, id).await
    }
    async fn grant(&self, id: GrantId) -> Result<Grant> {
        self.inner.grant(id).await
    }
    async fn grants_of(&self, user: UserId) -> Result<Vec<Grant>> {
        self.inner.grants_of(user).await
    }
}

#[async_trait]
impl AuthStore for CachedStore {
    async fn create_token(&self, actor: &Actor, new: NewToken) -> Result<ApiToken> {
        self.inner.create_token(actor, new).await
    }
    async fn tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>> {
        self.inner.tokens_of(user).await
    }
    async fn revoke_token(&self, actor: &Actor, user: UserId, id: TokenId) -> Result<ApiToken> {
        self.inner.revoke_token(actor, user, id).await
    }
    async fn token_owner(&self, hash: &str, now: Timestamp) -> Result<Option<UserId>> {
        self.inner.token_owner(hash, now).await
    }
    async fn token_owner_at(&self, hash: &str, now: Timestamp) -> Result<Option<TokenOwner>> {
        self.inner.token_owner_at(hash, now).await
    }
    async fn touch_token(&self, id: TokenId, at: Timestamp) -> Result<()> {
        self.inner.touch_token(id, at).await
    }
    async fn generation(&self) -> Result<i64> {
        self.inner.generation().await
    }
    async fn session(&self, id_hash: &str, now: Timestamp) -> Result<Option<SessionRecord>> {
        self.inner.session(id_hash, now).await
    }
    async fn insert_session(&self, id_hash: &str, record: &SessionRecord) -> Result<bool> {
        self.inner.insert_session(id_hash, record).await
    }
    async fn save_session(&self, id_hash: &str, record: &SessionRecord) -> Result<()> {
        self.inner.save_session(id_hash, record).await
    }
    async fn delete_session(&self, id_hash: &str) -> Result<()> {
        self.inner.delete_session(id_hash).await
    }
    async fn delete_sessions_of(&self, user: UserId) -> Result<u64> {
        self.inner.delete_sessions_of(user).await
    }
    async fn create_invitation(
        &self,
        actor: &Actor,
        user: UserId,
        token_hash: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        self.inner
            .create_invitation(actor, user, token_hash, expires_at)
            .await
    }
    async fn invitation_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        self.inner.invitation_user(token_hash, now).await
    }
    async fn accept_invitation(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<User> {
        self.inner
            .accept_invitation(token_hash, password_hash, now)
            .await
    }
    async fn record_login_failure(&self, email: &str, address: &str, at: Timestamp) -> Result<()> {
        self.inner.record_login_failure(email, address, at).await
    }
    async fn login_failures(
        &self,
        email: &str,
        address: &str,
        pair_since: Timestamp,
        address_since: Timestamp,
    ) -> Result<LoginFailures> {
        self.inner
            .login_failures(email, address, pair_since, address_since)
            .await
    }
    async fn clear_login_failures(&self, email: &str, address: &str) -> Result<()> {
        self.inner.clear_login_failures(email, address).await
    }
    async fn start_idempotent(
        &self,
        user: UserId,
        key: &str,
        fingerprint: &str,
    ) -> Result<IdempotencyStart> {
        self.inner.start_idempotent(user, key, fingerprint).await
    }
    async fn finish_idempotent(
        &self,
        user: UserId,
        key: &str,
        response: &StoredResponse,
    ) -> Result<()> {
        self.inner.finish_idempotent(user, key, response).await
    }
    async fn abandon_idempotent(&self, user: UserId, key: &str) -> Result<()> {
        self.inner.abandon_idempotent(user, key).await
    }
    async fn purge_expired(&self, now: Timestamp) -> Result<u64> {
        self.inner.purge_expired(now).await
    }
}

#[async_trait]
impl AuditStore for CachedStore {
    async fn audit_events(&self, query: &AuditQuery) -> Result<Page<AuditEvent>> {
        self.inner.audit_events(query).await
    }
}
