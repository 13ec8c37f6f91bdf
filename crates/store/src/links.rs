//! Supplier → customer links: the service chain, kept acyclic.

use async_trait::async_trait;
use kept_domain::{
    Actor, AuditAction, ChainGraph, Cursor, Link, LinkId, NewLink, Page, PartyScope,
};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::db::Backend;
use crate::error::{Conflict, Result, StoreError, on_unique};
use crate::parties::{push_archived, push_in_scope, usable_party};
use crate::query::LinkQuery;
use crate::sql::{RowExt, Sql, micros, now};
use crate::{LinkStore, SqlStore};

macro_rules! link_select {
    () => {
        "SELECT l.id, l.supplier_id, l.customer_id, l.label, l.archived_at, l.created_at FROM links l"
    };
}
const SELECT: &str = link_select!();

fn link_from_row(row: &AnyRow) -> Result<Link> {
    Ok(Link {
        id: row.parsed("id")?,
        supplier_id: row.parsed("supplier_id")?,
        customer_id: row.parsed("customer_id")?,
        label: row.opt_text("label")?,
        archived_at: row.opt_instant("archived_at")?,
        created_at: row.instant("created_at")?,
    })
}

async fn fetch_link(conn: &mut AnyConnection, id: LinkId) -> Result<Link> {
    let row = sqlx::query(concat!(link_select!(), " WHERE l.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    link_from_row(&row)
}

/// Every active link, on `conn`.
async fn active_links(conn: &mut AnyConnection) -> Result<Vec<Link>> {
    let rows = sqlx::query(concat!(link_select!(), " WHERE l.archived_at IS NULL"))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(link_from_row).collect()
}

/// Refuses a link that would close a loop. On PostgreSQL a transaction-wide
/// advisory lock serialises link writers, so two links made at once cannot
/// close a loop between them; SQLite has one writer already.
async fn check_acyclic(
    conn: &mut AnyConnection,
    backend: Backend,
    supplier: kept_domain::PartyId,
    customer: kept_domain::PartyId,
) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7301)")
            .execute(&mut *conn)
            .await?;
    }
    let links = active_links(conn).await?;
    match ChainGraph::new(&links).cycle_with(supplier, customer) {
        Some(path) => Err(StoreError::ChainCycle(path)),
        None => Ok(()),
    }
}

/// Records a link on `conn` (a transaction): both parties usable, no loop.
pub(crate) async fn insert_link(
    conn: &mut AnyConnection,
    backend: Backend,
    actor: &Actor,
    new: NewLink,
) -> Result<Link> {
    usable_party(conn, new.supplier_id, "supplier_id").await?;
    usable_party(conn, new.customer_id, "customer_id").await?;
    check_acyclic(conn, backend, new.supplier_id, new.customer_id).await?;
    let link = Link {
        id: LinkId::new(),
        supplier_id: new.supplier_id,
        customer_id: new.customer_id,
        label: new.label,
        archived_at: None,
        created_at: now(),
    };
    sqlx::query(
        "INSERT INTO links (id, supplier_id, customer_id, label, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(link.id.to_string())
    .bind(link.supplier_id.to_string())
    .bind(link.customer_id.to_string())
    .bind(link.label.clone())
    .bind(micros(link.created_at))
    .execute(&mut *conn)
    .await
    .map_err(|e| on_unique(e, Conflict::AlreadyLinked))?;
    append(
        conn,
        actor,
        AuditAction::LinkCreated,
        "link",
        &link.id.to_string(),
        json!({ "supplier_id": link.supplier_id, "customer_id": link.customer_id, "label": link.label }),
    )
    .await?;
    Ok(link)
}

#[async_trait]
impl LinkStore for SqlStore {
    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn create_link(&self, actor: &Actor, new: NewLink) -> Result<Link> {
        let mut tx = self.db.begin().await?;
        let link = insert_link(&mut tx, self.db.backend, actor, new).await?;
        self.commit_audited(tx).await?;
        Ok(link)
    }

    async fn link(&self, id: LinkId) -> Result<Link> {
        let mut conn = self.db.read.acquire().await?;
        fetch_link(&mut conn, id).await
    }

    async fn visible_link(&self, id: LinkId, scope: &PartyScope) -> Result<Link> {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE l.id = ")
            .bind(id.to_string())
            .push(" AND ");
        push_visible(&mut sql, scope);
        let row = sql
            .query()
            .fetch_optional(&self.db.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        link_from_row(&row)
    }

    async fn list_links(&self, q: &LinkQuery) -> Result<Page<Link>> {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE ");
        push_visible(&mut sql, &q.scope);
        if let Some(party) = q.party_id {
            sql.push(" AND (l.supplier_id = ")
                .bind(party.to_string())
                .push(" OR l.customer_id = ")
                .bind(party.to_string())
                .push(")");
        }
        push_archived(&mut sql, "l", q.archived);
        if let Some(c) = q.cursor.as_deref() {
            let key = Cursor::decode("cursor", c, 1)?;
            sql.push(" AND l.id > ").bind(key[0].clone());
        }
        sql.push(" ORDER BY l.id")
            .limit(u64::from(q.limit.get()) + 1);
        let rows = sql.query().fetch_all(&self.db.read).await?;
        let links = rows.iter().map(link_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(links, q.limit, |l| {
            Cursor::encode(&[&l.id.to_string()])
        }))
    }

    async fn chain_links(&self, scope: &PartyScope) -> Result<Vec<Link>> {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE l.archived_at IS NULL AND ");
        push_visible(&mut sql, scope);
        let rows = sql.query().fetch_all(&self.db.read).await?;
        rows.iter().map(link_from_row).collect()
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn set_link_archived(&self, actor: &Actor, id: LinkId, archived: bool) -> Result<Link> {
        let mut tx = self.db.begin().await?;
        let mut link = fetch_link(&mut tx, id).await?;
        if link.is_archived() == archived {
            return Ok(link);
        }
        if !archived {
            usable_party(&mut tx, link.supplier_id, "supplier_id").await?;
            usable_party(&mut tx, link.customer_id, "customer_id").await?;
            check_acyclic(&mut tx, self.db.backend, link.supplier_id, link.customer_id).await?;
        }
        link.archived_at = archived.then(now);
        sqlx::query("UPDATE links SET archived_at = $1 WHERE id = $2")
            .bind(link.archived_at.map(micros))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(|e| on_unique(e, Conflict::AlreadyLinked))?;
        let action = if archived {
            AuditAction::LinkArchived
        } else {
            AuditAction::LinkRestored
        };
        append(&mut tx, actor, action, "link", &id.to_string(), json!({})).await?;
        self.commit_audited(tx).await?;
        Ok(link)
    }
}

/// A link is visible when the caller reaches either party, or when its
/// customer is a party above what they reach (the suppliers of a head office
/// serve its stores too). A head office's own links to other sites stay
/// hidden: context shows a party, not what lies beneath it.
fn push_visible(sql: &mut Sql, scope: &PartyScope) {
    match scope {
        PartyScope::All => {
            sql.push("(1 = 1)");
        }
        PartyScope::Within { roots, context } => {
            let reach = PartyScope::Within {
                roots: roots.clone(),
                context: Vec::new(),
            };
            sql.push("(");
            push_in_scope(sql, "l.supplier_id", &reach);
            sql.push(" OR ");
            push_in_scope(sql, "l.customer_id", &reach);
            if !context.is_empty() {
                sql.push(" OR l.customer_id IN (")
                    .bind_list(context.iter().map(ToString::to_string))
                    .push(")");
            }
            sql.push(")");
        }
    }
}
