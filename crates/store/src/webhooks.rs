//! Webhook subscriptions and their topics. A subscription is never
//! removed: deleting it archives it, so the deliveries made for it still
//! name something, and gives up those still waiting.

use async_trait::async_trait;
use kept_domain::{
    Actor, AuditAction, NewWebhook, PartyId, Timestamp, Topic, UserId, Webhook, WebhookId,
};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::error::{Result, StoreError};
use crate::sql::{RowExt, Sql, micros, now};
use crate::users::fetch_user;
use crate::{SqlStore, WebhookStore};

/// Which active subscriptions a list shows: every one, or those `owner`
/// made together with those scoped to one of `parties`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookQuery {
    /// Every subscription (an admin's list).
    pub all: bool,
    /// Those this user made.
    pub owner: Option<UserId>,
    /// Those scoped to one of these parties.
    pub parties: Vec<PartyId>,
}

/// What a call to a subscription needs: where, and the secret to sign with.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    /// The subscription.
    pub id: WebhookId,
    /// Where to post.
    pub url: String,
    /// The signing secret (`whsec_…`).
    pub secret: String,
    /// When it was deleted: nothing more is posted to it.
    pub archived_at: Option<Timestamp>,
}

// The secret stays out of logs.
impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("archived_at", &self.archived_at)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "SELECT s.id, s.owner_id, s.party_id, s.url, s.created_at, s.archived_at \
                       FROM webhook_subscriptions s";

fn from_row(row: &AnyRow) -> Result<Webhook> {
    Ok(Webhook {
        id: row.parsed("id")?,
        owner_id: row.parsed("owner_id")?,
        party_id: row.opt_parsed("party_id")?,
        url: row.text("url")?,
        topics: Vec::new(),
        created_at: row.instant("created_at")?,
        archived_at: row.opt_instant("archived_at")?,
    })
}

/// Reads the rows of `sql` as subscriptions, each with its topics.
async fn load(conn: &mut AnyConnection, sql: Sql) -> Result<Vec<Webhook>> {
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let mut hooks = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    if hooks.is_empty() {
        return Ok(hooks);
    }
    let mut topics =
        Sql::new("SELECT subscription_id, topic FROM webhook_topics WHERE subscription_id IN (");
    topics.bind_list(hooks.iter().map(|h| h.id.to_string()));
    topics.push(")");
    for row in topics.query().fetch_all(&mut *conn).await? {
        let id: WebhookId = row.parsed("subscription_id")?;
        // A topic this version no longer has is left out, not an error.
        let Ok(topic) = row.text("topic")?.parse::<Topic>() else {
            continue;
        };
        if let Some(hook) = hooks.iter_mut().find(|h| h.id == id) {
            hook.topics.push(topic);
        }
    }
    for hook in &mut hooks {
        hook.topics
            .sort_by_key(|t| Topic::ALL.iter().position(|a| a == t));
    }
    Ok(hooks)
}

/// One subscription on `conn`.
async fn fetch(conn: &mut AnyConnection, id: WebhookId) -> Result<Webhook> {
    let mut sql = Sql::new(COLUMNS);
    sql.push(" WHERE s.id = ").bind(id.to_string());
    load(conn, sql).await?.pop().ok_or(StoreError::NotFound)
}

#[async_trait]
impl WebhookStore for SqlStore {
    async fn create_webhook(&self, actor: &Actor, new: NewWebhook) -> Result<Webhook> {
        let mut tx = self.db.begin().await?;
        if fetch_user(&mut tx, new.owner_id)
            .await?
            .archived_at
            .is_some()
        {
            return Err(StoreError::invalid("owner_id", "is archived"));
        }
        if let Some(party) = new.party_id {
            let found: Option<String> = sqlx::query_scalar("SELECT id FROM parties WHERE id = $1")
                .bind(party.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::invalid("party_id", "no such party"));
            }
        }
        let id = WebhookId::new();
        sqlx::query(
            "INSERT INTO webhook_subscriptions (id, owner_id, party_id, url, secret, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(new.owner_id.to_string())
        .bind(new.party_id.map(|p| p.to_string()))
        .bind(new.url.clone())
        .bind(new.secret)
        .bind(micros(now()))
        .execute(&mut *tx)
        .await?;
        for topic in &new.topics {
            sqlx::query("INSERT INTO webhook_topics (subscription_id, topic) VALUES ($1, $2)")
                .bind(id.to_string())
                .bind(topic.as_str().to_owned())
                .execute(&mut *tx)
                .await?;
        }
        append(
            &mut tx,
            actor,
            AuditAction::WebhookCreated,
            "webhook",
            &id.to_string(),
            json!({ "owner_id": new.owner_id, "party_id": new.party_id, "url": new.url, "topics": new.topics }),
        )
        .await?;
        let hook = fetch(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(hook)
    }

    async fn webhook(&self, id: WebhookId) -> Result<Webhook> {
        let mut conn = self.db.read.acquire().await?;
        fetch(&mut conn, id).await
    }

    async fn list_webhooks(&self, query: &WebhookQuery) -> Result<Vec<Webhook>> {
        let mut sql = Sql::new(COLUMNS);
        sql.push(" WHERE s.archived_at IS NULL");
        if !query.all {
            sql.push(" AND (s.owner_id = ")
                .bind(query.owner.map(|o| o.to_string()).unwrap_or_default());
            if !query.parties.is_empty() {
                sql.push(" OR s.party_id IN (");
                sql.bind_list(query.parties.iter().map(ToString::to_string));
                sql.push(")");
            }
            sql.push(")");
        }
        sql.push(" ORDER BY s.id");
        let mut conn = self.db.read.acquire().await?;
        load(&mut conn, sql).await
    }

    async fn delete_webhook(&self, actor: &Actor, id: WebhookId) -> Result<Webhook> {
        let mut tx = self.db.begin().await?;
        let at = now();
        let done = sqlx::query(
            "UPDATE webhook_subscriptions SET archived_at = $1 WHERE id = $2 AND archived_at IS NULL",
        )
        .bind(micros(at))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        // Nothing more goes to it: what waits is given up, and says why.
        sqlx::query(
            "UPDATE deliveries SET state = 'dead', last_error = 'the webhook subscription was deleted' \
             WHERE channel = 'webhook' AND recipient = $1 AND state IN ('pending', 'failed')",
        )
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let hook = fetch(&mut tx, id).await?;
        append(
            &mut tx,
            actor,
            AuditAction::WebhookDeleted,
            "webhook",
            &id.to_string(),
            json!({ "owner_id": hook.owner_id, "url": hook.url }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(hook)
    }

    async fn webhooks_for(&self, topic: Topic) -> Result<Vec<Webhook>> {
        let mut sql = Sql::new(COLUMNS);
        sql.push(
            " JOIN webhook_topics t ON t.subscription_id = s.id \
             WHERE s.archived_at IS NULL AND t.topic = ",
        )
        .bind(topic.as_str().to_owned());
        sql.push(" ORDER BY s.id");
        let mut conn = self.db.read.acquire().await?;
        load(&mut conn, sql).await
    }

    async fn webhook_target(&self, id: WebhookId) -> Result<WebhookTarget> {
        let row = sqlx::query(
            "SELECT id, url, secret, archived_at FROM webhook_subscriptions WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.db.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(WebhookTarget {
            id: row.parsed("id")?,
            url: row.text("url")?,
            secret: row.text("secret")?,
            archived_at: row.opt_instant("archived_at")?,
        })
    }
}
