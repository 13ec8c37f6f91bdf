//! Sessions, API tokens, invitations, sign-in failures and idempotency keys.

use async_trait::async_trait;
use kept_domain::{Actor, ApiToken, AuditAction, Timestamp, TokenId, User, UserId};
use serde_json::json;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::error::{Conflict, Result, StoreError};
use crate::query::{
    IdempotencyStart, LoginFailures, NewToken, SessionRecord, StoredResponse, TokenOwner,
};
use crate::sql::{RowExt, micros, now};
use crate::users::fetch_user;
use crate::{AuthStore, SqlStore};

/// How long sign-in failures and idempotency keys are kept.
const RETENTION_MICROS: i64 = 24 * 3600 * 1_000_000;

/// `last_used_at` is refreshed at most this often, so a busy token does not
/// turn every read into a write.
const TOKEN_TOUCH_MICROS: i64 = 60 * 1_000_000;

fn token_from_row(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.parsed("id")?,
        user_id: row.parsed("user_id")?,
        name: row.text("name")?,
        prefix: row.text("prefix")?,
        created_at: row.instant("created_at")?,
        last_used_at: row.opt_instant("last_used_at")?,
        expires_at: row.opt_instant("expires_at")?,
        revoked_at: row.opt_instant("revoked_at")?,
    })
}

const TOKEN_COLUMNS: &str = "SELECT id, user_id, name, prefix, created_at, last_used_at, expires_at, revoked_at FROM api_tokens";

#[async_trait]
impl AuthStore for SqlStore {
    #[tracing::instrument(skip(self, actor, new), fields(user = %new.user), err(level = "debug"))]
    async fn create_token(&self, actor: &Actor, new: NewToken) -> Result<ApiToken> {
        let mut tx = self.db.begin().await?;
        let user = fetch_user(&mut tx, new.user).await?;
        if user.archived_at.is_some() {
            return Err(StoreError::invalid("user", "is archived"));
        }
        let token = ApiToken {
            id: TokenId::new(),
            user_id: new.user,
            name: new.name,
            prefix: new.prefix,
            created_at: now(),
            last_used_at: None,
            expires_at: new.expires_at,
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token.id.to_string())
        .bind(token.user_id.to_string())
        .bind(token.name.clone())
        .bind(token.prefix.clone())
        .bind(new.hash)
        .bind(micros(token.created_at))
        .bind(token.expires_at.map(micros))
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            actor,
            AuditAction::TokenCreated,
            "token",
            &token.id.to_string(),
            json!({ "user_id": token.user_id, "name": token.name, "prefix": token.prefix }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(token)
    }

    async fn tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>> {
        let sql = format!("{TOKEN_COLUMNS} WHERE user_id = $1 ORDER BY id DESC");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user.to_string())
            .fetch_all(&self.db.read)
            .await?
            .iter()
            .map(token_from_row)
            .collect()
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn revoke_token(&self, actor: &Actor, user: UserId, id: TokenId) -> Result<ApiToken> {
        let mut tx = self.db.begin().await?;
        let sql = format!("{TOKEN_COLUMNS} WHERE id = $1 AND user_id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .bind(user.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut token = token_from_row(&row)?;
        if token.revoked_at.is_some() {
            return Ok(token);
        }
        let at = now();
        sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(micros(at))
            .execute(&mut *tx)
            .await?;
        token.revoked_at = Some(at);
        append(
            &mut tx,
            actor,
            AuditAction::TokenRevoked,
            "token",
            &id.to_string(),
            json!({ "user_id": user, "name": token.name }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(token)
    }

    async fn generation(&self) -> Result<i64> {
        let row = sqlx::query("SELECT value FROM generation WHERE id = 1")
            .fetch_one(&self.db.read)
            .await?;
        row.int("value")
    }

    async fn token_owner_at(&self, hash: &str, now: Timestamp) -> Result<Option<TokenOwner>> {
        let row = sqlx::query(
            "SELECT t.id, t.user_id, t.last_used_at, t.expires_at, \
             (SELECT value FROM generation WHERE id = 1) AS generation \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) \
             AND u.archived_at IS NULL",
        )
        .bind(hash.to_owned())
        .bind(micros(now))
        .fetch_optional(&self.db.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let owner = TokenOwner {
            user_id: row.parsed("user_id")?,
            token_id: row.parsed("id")?,
            expires_at: row.opt_instant("expires_at")?,
            generation: row.int("generation")?,
        };
        let last_used: Option<i64> = row.opt_instant("last_used_at")?.map(micros);
        if last_used.is_none_or(|t| micros(now) - t > TOKEN_TOUCH_MICROS) {
            self.touch_token(owner.token_id, now).await?;
        }
        Ok(Some(owner))
    }

    async fn touch_token(&self, id: TokenId, at: Timestamp) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(micros(at))
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    async fn session(&self, id_hash: &str, now: Timestamp) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT user_id, data, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash.to_owned())
        .bind(micros(now))
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|r| {
            Ok(SessionRecord {
                user_id: r.opt_parsed("user_id")?,
                data: r.text("data")?,
                expires_at: r.instant("expires_at")?,
            })
        })
        .transpose()
    }

    async fn insert_session(&self, id_hash: &str, record: &SessionRecord) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id_hash) DO NOTHING",
        )
        .bind(id_hash.to_owned())
        .bind(record.user_id.map(|u| u.to_string()))
        .bind(record.data.clone())
        .bind(micros(record.expires_at))
        .execute(&self.db.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn save_session(&self, id_hash: &str, record: &SessionRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id_hash) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, \
             expires_at = excluded.expires_at",
        )
        .bind(id_hash.to_owned())
        .bind(record.user_id.map(|u| u.to_string()))
        .bind(record.data.clone())
        .bind(micros(record.expires_at))
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash.to_owned())
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    async fn delete_sessions_of(&self, user: UserId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&self.db.write)
            .await?;
        Ok(done.rows_affected())
    }

    #[tracing::instrument(skip(self, actor, token_hash), err(level = "debug"))]
    async fn create_invitation(
        &self,
        actor: &Actor,
        user: UserId,
        token_hash: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let target = fetch_user(&mut tx, user).await?;
        if target.archived_at.is_some() {
            return Err(Conflict::UserArchived.into());
        }
        // A new invitation replaces any earlier one still outstanding.
        sqlx::query("UPDATE invitations SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
            .bind(user.to_string())
            .bind(micros(now()))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO invitations (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash.to_owned())
            .bind(user.to_string())
            .bind(micros(now()))
            .bind(micros(expires_at))
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            actor,
            AuditAction::InvitationIssued,
            "user",
            &user.to_string(),
            json!({ "email": target.email, "expires_at": expires_at }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(())
    }

    async fn invitation_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT user_id FROM invitations WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash.to_owned())
        .bind(micros(now))
        .fetch_optional(&self.db.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut conn = self.db.read.acquire().await?;
        let user = fetch_user(&mut conn, row.parsed("user_id")?).await?;
        Ok(user.archived_at.is_none().then_some(user))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn accept_invitation(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<User> {
        let mut tx = self.db.begin().await?;
        let row = sqlx::query(
            "UPDATE invitations SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
             RETURNING user_id",
        )
        .bind(token_hash.to_owned())
        .bind(micros(now))
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let user_id: UserId = row.parsed("user_id")?;
        let user = fetch_user(&mut tx, user_id).await?;
        if user.archived_at.is_some() {
            return Err(StoreError::NotFound);
        }
        sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(user_id.to_string())
            .bind(password_hash.to_owned())
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
        let actor = Actor {
            user_id: Some(user_id),
            label: user.email.to_string(),
        };
        append(
            &mut tx,
            &actor,
            AuditAction::PasswordChanged,
            "user",
            &user_id.to_string(),
            json!({ "via": "invitation" }),
        )
        .await?;
        let user = fetch_user(&mut tx, user_id).await?;
        self.commit_audited(tx).await?;
        Ok(user)
    }

    async fn record_login_failure(&self, email: &str, address: &str, at: Timestamp) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (email, address, at) VALUES ($1, $2, $3)")
            .bind(email.trim().to_lowercase())
            .bind(address.to_owned())
            .bind(micros(at))
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    async fn login_failures(
        &self,
        email: &str,
        address: &str,
        pair_since: Timestamp,
        address_since: Timestamp,
    ) -> Result<LoginFailures> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM login_failures \
                     WHERE email = $1 AND address = $2 AND at > $3) AS by_pair, \
                    (SELECT MAX(at) FROM login_failures \
                     WHERE email = $1 AND address = $2 AND at > $3) AS last_on_pair, \
                    (SELECT COUNT(*) FROM login_failures WHERE address = $2 AND at > $4) AS by_address",
        )
        .bind(email.trim().to_lowercase())
        .bind(address.to_owned())
        .bind(micros(pair_since))
        .bind(micros(address_since))
        .fetch_one(&self.db.read)
        .await?;
        let count =
            |col: &str| -> Result<u32> { Ok(u32::try_from(row.int(col)?).unwrap_or(u32::MAX)) };
        Ok(LoginFailures {
            by_pair: count("by_pair")?,
            last_on_pair: row.opt_instant("last_on_pair")?,
            by_address: count("by_address")?,
        })
    }

    async fn clear_login_failures(&self, email: &str, address: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE email = $1 AND address = $2")
            .bind(email.trim().to_lowercase())
            .bind(address.to_owned())
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    async fn start_idempotent(
        &self,
        user: UserId,
        key: &str,
        fingerprint: &str,
    ) -> Result<IdempotencyStart> {
        let mut tx = self.db.begin().await?;
        let claimed = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(user.to_string())
        .bind(key.to_owned())
        .bind(fingerprint.to_owned())
        .bind(micros(now()))
        .execute(&mut *tx)
        .await?;
        let outcome = if claimed.rows_affected() == 1 {
            IdempotencyStart::Claimed
        } else {
            let row = sqlx::query(
                "SELECT fingerprint, status, content_type, location, body FROM idempotency_keys WHERE user_id = $1 AND key = $2",
            )
            .bind(user.to_string())
            .bind(key.to_owned())
            .fetch_one(&mut *tx)
            .await?;
            let status: Option<i64> =
                sqlx::Row::try_get(&row, "status").map_err(StoreError::Database)?;
            if row.text("fingerprint")? != fingerprint {
                IdempotencyStart::Mismatch
            } else if let Some(status) = status {
                IdempotencyStart::Replay(StoredResponse {
                    status: u16::try_from(status)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    content_type: row.opt_text("content_type")?,
                    location: row.opt_text("location")?,
                    body: sqlx::Row::try_get::<Option<Vec<u8>>, _>(&row, "body")
                        .map_err(StoreError::Database)?
                        .unwrap_or_default(),
                })
            } else {
                IdempotencyStart::InProgress
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn finish_idempotent(
        &self,
        user: UserId,
        key: &str,
        response: &StoredResponse,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET status = $3, content_type = $4, location = $5, body = $6 \
             WHERE user_id = $1 AND key = $2",
        )
        .bind(user.to_string())
        .bind(key.to_owned())
        .bind(i64::from(response.status))
        .bind(response.content_type.clone())
        .bind(response.location.clone())
        .bind(response.body.clone())
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    async fn abandon_idempotent(&self, user: UserId, key: &str) -> Result<()> {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status IS NULL",
        )
        .bind(user.to_string())
        .bind(key.to_owned())
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    async fn purge_expired(&self, now: Timestamp) -> Result<u64> {
        let now = micros(now);
        let old = now - RETENTION_MICROS;
        let mut tx = self.db.begin().await?;
        let mut purged = 0;
        for (sql, at) in [
            ("DELETE FROM sessions WHERE expires_at <= $1", now),
            (
                "DELETE FROM invitations WHERE expires_at <= $1 OR used_at IS NOT NULL",
                now,
            ),
            ("DELETE FROM login_failures WHERE at <= $1", old),
            ("DELETE FROM idempotency_keys WHERE created_at <= $1", old),
        ] {
            purged += sqlx::query(sql)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(purged)
    }
}
