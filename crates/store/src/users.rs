//! Users, their grants, and the principal the policy decides with.

use std::collections::BTreeSet;

use async_trait::async_trait;
use kept_domain::{
    Actor, AuditAction, Cursor, Email, Grant, GrantId, NewParty, NewUser, Page, PartyId, PartyKind,
    PartyName, Principal, Role, User, UserId,
};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::error::{Conflict, Result, StoreError, on_unique};
use crate::parties::{fetch_party, insert_party, push_archived, push_scope, usable_party};
use crate::query::{Credentials, UserPatch, UserQuery};
use crate::sql::{RowExt, Sql, contains_pattern, micros, now};
use crate::{SqlStore, UserStore};

macro_rules! user_select {
    () => {
        "SELECT u.id, u.party_id, u.email, p.name, u.password_hash, u.archived_at, \
         u.last_login_at, u.created_at FROM users u JOIN parties p ON p.id = u.party_id"
    };
}

fn user_from_row(row: &AnyRow) -> Result<User> {
    let corrupt = |e: kept_domain::FieldError| StoreError::Corrupt(e.to_string());
    let hash: Option<String> = row.opt_text("password_hash")?;
    Ok(User {
        id: row.parsed("id")?,
        party_id: row.parsed("party_id")?,
        email: Email::parse("email", &row.text("email")?).map_err(corrupt)?,
        name: PartyName::parse("name", &row.text("name")?).map_err(corrupt)?,
        has_password: hash.is_some(),
        archived_at: row.opt_instant("archived_at")?,
        last_login_at: row.opt_instant("last_login_at")?,
        created_at: row.instant("created_at")?,
    })
}

fn grant_from_row(row: &AnyRow) -> Result<Grant> {
    Ok(Grant {
        id: row.parsed("id")?,
        user_id: row.parsed("user_id")?,
        role: row.parsed("role")?,
        party_id: row.parsed("party_id")?,
        created_at: row.instant("created_at")?,
    })
}

pub(crate) async fn fetch_user(conn: &mut AnyConnection, id: UserId) -> Result<User> {
    let row = sqlx::query(concat!(user_select!(), " WHERE u.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    user_from_row(&row)
}

async fn fetch_grant(conn: &mut AnyConnection, id: GrantId) -> Result<Grant> {
    let row = sqlx::query(
        "SELECT id, user_id, role, party_id, created_at FROM role_grants WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    grant_from_row(&row)
}

#[async_trait]
impl UserStore for SqlStore {
    #[tracing::instrument(skip(self, actor, new), fields(email = %new.email), err(level = "debug"))]
    async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        let mut tx = self.db.begin().await?;
        let taken = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(new.email.as_str().to_owned())
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(Conflict::EmailTaken.into());
        }
        let party_id = match new.party_id {
            Some(id) => {
                let party = usable_party(&mut tx, id, "party_id").await?;
                if party.kind != PartyKind::Person {
                    return Err(StoreError::invalid(
                        "party_id",
                        "a login belongs to a person party",
                    ));
                }
                id
            }
            None => {
                let person = NewParty {
                    kind: PartyKind::Person,
                    name: new.name.clone(),
                    parent_id: new.parent_id,
                    internal: None,
                    reference: None,
                };
                insert_party(&mut tx, actor, person).await?.id
            }
        };
        let id = UserId::new();
        let at = micros(now());
        sqlx::query(
            "INSERT INTO users (id, party_id, email, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(id.to_string())
        .bind(party_id.to_string())
        .bind(new.email.as_str().to_owned())
        .bind(new.password_hash.clone())
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            // The email was checked above; the other unique column is the party.
            sqlx::Error::Database(db) if db.is_unique_violation() && new.party_id.is_some() => {
                StoreError::Conflict(Conflict::PersonHasLogin)
            }
            _ => on_unique(e, Conflict::EmailTaken),
        })?;
        append(
            &mut tx,
            actor,
            AuditAction::UserCreated,
            "user",
            &id.to_string(),
            json!({ "email": new.email, "party_id": party_id, "has_password": new.password_hash.is_some() }),
        )
        .await?;
        let user = fetch_user(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(user)
    }

    async fn user(&self, id: UserId) -> Result<User> {
        let mut conn = self.db.read.acquire().await?;
        fetch_user(&mut conn, id).await
    }

    async fn user_by_email(&self, email: &str) -> Result<User> {
        let row = sqlx::query(concat!(user_select!(), " WHERE u.email = $1"))
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.db.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    async fn list_users(&self, q: &UserQuery) -> Result<Page<User>> {
        let mut sql = Sql::new(concat!(user_select!(), " WHERE 1 = 1"));
        push_scope(&mut sql, "u.party_id", &q.scope);
        if let Some(search) = q.search.as_deref().filter(|s| !s.trim().is_empty()) {
            let pattern = contains_pattern(search.trim());
            sql.push(" AND (u.email LIKE ")
                .bind(pattern.clone())
                .push(" ESCAPE '\\' OR p.sort_name LIKE ")
                .bind(pattern)
                .push(" ESCAPE '\\')");
        }
        if let Some(role) = q.role {
            sql.push(" AND u.id IN (SELECT user_id FROM role_grants WHERE role = ")
                .bind(role.as_str().to_owned())
                .push(")");
        }
        push_archived(&mut sql, "u", q.archived);
        if let Some(c) = q.cursor.as_deref() {
            let key = Cursor::decode("cursor", c, 1)?;
            sql.push(" AND u.email > ").bind(key[0].clone());
        }
        sql.push(" ORDER BY u.email")
            .limit(u64::from(q.limit.get()) + 1);
        let rows = sql.query().fetch_all(&self.db.read).await?;
        let users = rows.iter().map(user_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(users, q.limit, |u| {
            Cursor::encode(&[u.email.as_str()])
        }))
    }

    #[tracing::instrument(skip(self, actor, patch), err(level = "debug"))]
    async fn update_user(&self, actor: &Actor, id: UserId, patch: UserPatch) -> Result<User> {
        let mut tx = self.db.begin().await?;
        let before = fetch_user(&mut tx, id).await?;
        let mut details = serde_json::Map::new();
        if let Some(email) = patch.email.filter(|e| *e != before.email) {
            sqlx::query("UPDATE users SET email = $2, updated_at = $3 WHERE id = $1")
                .bind(id.to_string())
                .bind(email.as_str().to_owned())
                .bind(micros(now()))
                .execute(&mut *tx)
                .await
                .map_err(|e| on_unique(e, Conflict::EmailTaken))?;
            details.insert("email".into(), json!([before.email, email]));
        }
        if let Some(name) = patch.name.filter(|n| *n != before.name) {
            sqlx::query(
                "UPDATE parties SET name = $2, sort_name = $3, updated_at = $4 WHERE id = $1",
            )
            .bind(before.party_id.to_string())
            .bind(name.as_str())
            .bind(name.as_str().to_lowercase())
            .bind(micros(now()))
            .execute(&mut *tx)
            .await?;
            details.insert("name".into(), json!([before.name, name]));
        }
        if details.is_empty() {
            return Ok(before);
        }
        append(
            &mut tx,
            actor,
            AuditAction::UserUpdated,
            "user",
            &id.to_string(),
            details.into(),
        )
        .await?;
        let user = fetch_user(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(user)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn set_user_archived(&self, actor: &Actor, id: UserId, archived: bool) -> Result<User> {
        let mut tx = self.db.begin().await?;
        let user = fetch_user(&mut tx, id).await?;
        if user.archived_at.is_some() == archived {
            return Ok(user);
        }
        if !archived && fetch_party(&mut tx, user.party_id).await?.is_archived() {
            return Err(Conflict::PersonArchived.into());
        }
        let at = micros(now());
        sqlx::query("UPDATE users SET archived_at = $2, updated_at = $3 WHERE id = $1")
            .bind(id.to_string())
            .bind(archived.then_some(at))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        if archived {
            // An archived login must stop working everywhere at once.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
            )
            .bind(id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        let action = if archived {
            AuditAction::UserArchived
        } else {
            AuditAction::UserRestored
        };
        append(
            &mut tx,
            actor,
            action,
            "user",
            &id.to_string(),
            json!({ "email": user.email }),
        )
        .await?;
        let user = fetch_user(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(user)
    }

    async fn credentials(&self, email: &str) -> Result<Option<Credentials>> {
        let row = sqlx::query(concat!(user_select!(), " WHERE u.email = $1"))
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.db.read)
            .await?;
        row.map(|row| {
            Ok(Credentials {
                user: user_from_row(&row)?,
                password_hash: row.opt_text("password_hash")?,
            })
        })
        .transpose()
    }

    #[tracing::instrument(skip(self, actor, hash), err(level = "debug"))]
    async fn set_password_hash(&self, actor: &Actor, id: UserId, hash: &str) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let done =
            sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
                .bind(id.to_string())
                .bind(hash.to_owned())
                .bind(micros(now()))
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append(
            &mut tx,
            actor,
            AuditAction::PasswordChanged,
            "user",
            &id.to_string(),
            json!({}),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(())
    }

    async fn record_login(&self, id: UserId) -> Result<()> {
        sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(micros(now()))
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    async fn principal(&self, id: UserId) -> Result<Principal> {
        let mut conn = self.db.read.acquire().await?;
        let user = fetch_user(&mut conn, id).await?;
        if user.archived_at.is_some() {
            return Err(StoreError::NotFound);
        }
        let grants = sqlx::query(
            "SELECT id, user_id, role, party_id, created_at FROM role_grants WHERE user_id = $1 ORDER BY id",
        )
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(grant_from_row)
        .collect::<Result<Vec<_>>>()?;
        // The context: every strict ancestor of the user's own party and of
        // each granted party.
        let mut sql = Sql::new(
            "SELECT DISTINCT ancestor_id FROM party_ancestors WHERE depth > 0 AND descendant_id IN (",
        );
        sql.bind_list(
            std::iter::once(user.party_id)
                .chain(grants.iter().map(|g| g.party_id))
                .map(|p| p.to_string()),
        )
        .push(")");
        let context = sql
            .query()
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.parsed("ancestor_id"))
            .collect::<Result<BTreeSet<PartyId>>>()?;
        Ok(Principal {
            user_id: user.id,
            party_id: user.party_id,
            email: user.email,
            name: user.name.to_string(),
            grants,
            context,
        })
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn add_grant(
        &self,
        actor: &Actor,
        user: UserId,
        role: Role,
        party: PartyId,
    ) -> Result<Grant> {
        let mut tx = self.db.begin().await?;
        fetch_user(&mut tx, user).await?;
        usable_party(&mut tx, party, "party_id").await?;
        let grant = Grant {
            id: GrantId::new(),
            user_id: user,
            role,
            party_id: party,
            created_at: now(),
        };
        sqlx::query("INSERT INTO role_grants (id, user_id, role, party_id, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(grant.id.to_string())
            .bind(user.to_string())
            .bind(role.as_str())
            .bind(party.to_string())
            .bind(micros(grant.created_at))
            .execute(&mut *tx)
            .await
            .map_err(|e| on_unique(e, Conflict::AlreadyGranted))?;
        append(
            &mut tx,
            actor,
            AuditAction::GrantAdded,
            "user",
            &user.to_string(),
            json!({ "grant_id": grant.id, "role": role, "party_id": party }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(grant)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn revoke_grant(&self, actor: &Actor, id: GrantId) -> Result<Grant> {
        let mut tx = self.db.begin().await?;
        let grant = fetch_grant(&mut tx, id).await?;
        sqlx::query("DELETE FROM role_grants WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            actor,
            AuditAction::GrantRevoked,
            "user",
            &grant.user_id.to_string(),
            json!({ "grant_id": grant.id, "role": grant.role, "party_id": grant.party_id }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(grant)
    }

    async fn grant(&self, id: GrantId) -> Result<Grant> {
        let mut conn = self.db.read.acquire().await?;
        fetch_grant(&mut conn, id).await
    }

    async fn grants_of(&self, user: UserId) -> Result<Vec<Grant>> {
        sqlx::query("SELECT id, user_id, role, party_id, created_at FROM role_grants WHERE user_id = $1 ORDER BY id")
            .bind(user.to_string())
            .fetch_all(&self.db.read)
            .await?
            .iter()
            .map(grant_from_row)
            .collect()
    }
}
