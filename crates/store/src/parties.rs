//! Parties, their nesting (a closure table) and scoped lists.

use async_trait::async_trait;
use kept_domain::{
    Actor, AuditAction, Cursor, Lineage, NewParty, Page, Party, PartyId, PartyKind, PartyName,
    PartyPatch, PartyScope,
};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::error::{Conflict, Result, StoreError, on_unique};
use crate::query::{ArchivedFilter, PartyOrder, PartyQuery};
use crate::sql::{RowExt, Sql, contains_pattern, micros, now};
use crate::{PartyStore, SqlStore};

macro_rules! party_select {
    () => {
        "SELECT p.id, p.kind, p.name, p.parent_id, p.internal, p.reference, \
         p.archived_at, p.created_at, p.updated_at FROM parties p"
    };
}

fn party_from_row(row: &AnyRow) -> Result<Party> {
    let name: String = row.text("name")?;
    let reference: Option<String> = row.opt_text("reference")?;
    Ok(Party {
        id: row.parsed("id")?,
        kind: row.parsed("kind")?,
        name: PartyName::parse("name", &name).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        parent_id: row.opt_parsed("parent_id")?,
        internal: row.flag("internal")?,
        reference: reference
            .map(|r| kept_domain::PartyReference::parse("reference", &r))
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        archived_at: row.opt_instant("archived_at")?,
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

/// The id of the party with this reference, on a connection.
pub(crate) async fn party_id_by_reference(
    conn: &mut AnyConnection,
    reference: &str,
) -> Result<Option<PartyId>> {
    let row = sqlx::query("SELECT id FROM parties WHERE reference = $1")
        .bind(reference.to_owned())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| r.parsed("id")).transpose()
}

/// Reads one party on a connection (inside a transaction or not).
pub(crate) async fn fetch_party(conn: &mut AnyConnection, id: PartyId) -> Result<Party> {
    let row = sqlx::query(concat!(party_select!(), " WHERE p.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    party_from_row(&row)
}

/// Reads a party that input refers to (a parent, the party of a grant),
/// refusing a missing or archived one as invalid input naming `field`.
pub(crate) async fn usable_party(
    conn: &mut AnyConnection,
    id: PartyId,
    field: &str,
) -> Result<Party> {
    let party = match fetch_party(conn, id).await {
        Err(StoreError::NotFound) => return Err(StoreError::invalid(field, "no such party")),
        other => other?,
    };
    if party.is_archived() {
        return Err(StoreError::invalid(field, "is archived"));
    }
    Ok(party)
}

fn check_nesting(kind: PartyKind, parent: Option<&Party>) -> Result<()> {
    kind.may_sit_under(parent.map(|p| p.kind))
        .map_err(|message| StoreError::invalid("parent_id", message))
}

/// Adds the closure rows placing `id` (and its whole subtree) under `parent`.
async fn link_subtree(conn: &mut AnyConnection, id: PartyId, parent: PartyId) -> Result<()> {
    sqlx::query(
        "INSERT INTO party_ancestors (ancestor_id, descendant_id, depth) \
         SELECT a.ancestor_id, d.descendant_id, a.depth + d.depth + 1 \
         FROM party_ancestors a, party_ancestors d \
         WHERE a.descendant_id = $1 AND d.ancestor_id = $2",
    )
    .bind(parent.to_string())
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes the closure rows linking `id`'s subtree to `id`'s ancestors.
async fn unlink_subtree(conn: &mut AnyConnection, id: PartyId) -> Result<()> {
    sqlx::query(
        "DELETE FROM party_ancestors \
         WHERE descendant_id IN (SELECT descendant_id FROM party_ancestors WHERE ancestor_id = $1) \
         AND ancestor_id IN (SELECT ancestor_id FROM party_ancestors WHERE descendant_id = $1 AND ancestor_id <> $1)",
    )
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The rows of a lineage query, top first.
async fn fetch_lineage(conn: &mut AnyConnection, id: PartyId) -> Result<Lineage> {
    let rows = sqlx::query(
        "SELECT ancestor_id FROM party_ancestors WHERE descendant_id = $1 ORDER BY depth DESC",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Err(StoreError::NotFound);
    }
    rows.iter()
        .map(|r| r.parsed("ancestor_id"))
        .collect::<Result<Vec<PartyId>>>()
        .map(Lineage)
}

/// Inserts a party with its closure rows and audit entry, on `conn` (a
/// write transaction).
pub(crate) async fn insert_party(
    conn: &mut AnyConnection,
    actor: &Actor,
    new: NewParty,
) -> Result<Party> {
    let parent = match new.parent_id {
        Some(id) => Some(usable_party(conn, id, "parent_id").await?),
        None => None,
    };
    check_nesting(new.kind, parent.as_ref())?;
    let at = now();
    let party = Party {
        id: PartyId::new(),
        kind: new.kind,
        internal: new
            .internal
            .unwrap_or_else(|| parent.as_ref().is_some_and(|p| p.internal)),
        name: new.name,
        parent_id: new.parent_id,
        reference: new.reference,
        archived_at: None,
        created_at: at,
        updated_at: at,
    };
    sqlx::query(
            "INSERT INTO parties (id, kind, name, sort_name, parent_id, internal, reference, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(party.id.to_string())
        .bind(party.kind.as_str())
        .bind(party.name.as_str())
        .bind(party.name.as_str().to_lowercase())
        .bind(party.parent_id.map(|p| p.to_string()))
        .bind(party.internal)
        .bind(party.reference.as_ref().map(|r| r.as_str().to_owned()))
        .bind(micros(at))
        .execute(&mut *conn)
        .await
        .map_err(|e| on_unique(e, Conflict::ReferenceTaken))?;
    sqlx::query(
        "INSERT INTO party_ancestors (ancestor_id, descendant_id, depth) VALUES ($1, $1, 0)",
    )
    .bind(party.id.to_string())
    .execute(&mut *conn)
    .await?;
    if let Some(parent) = party.parent_id {
        link_subtree(conn, party.id, parent).await?;
    }
    append(
        conn,
        actor,
        AuditAction::PartyCreated,
        "party",
        &party.id.to_string(),
        json!({
            "kind": party.kind,
            "name": party.name,
            "parent_id": party.parent_id,
            "internal": party.internal,
            "reference": party.reference,
        }),
    )
    .await?;
    Ok(party)
}

/// Appends the scope condition for a column holding party ids.
pub(crate) fn push_scope(sql: &mut Sql, column: &str, scope: &PartyScope) {
    if matches!(scope, PartyScope::Within { .. }) {
        sql.push(" AND ");
        push_in_scope(sql, column, scope);
    }
}

/// Appends `(column is within scope)` (`(1 = 1)` for everything).
pub(crate) fn push_in_scope(sql: &mut Sql, column: &str, scope: &PartyScope) {
    match scope {
        PartyScope::All => {
            sql.push("(1 = 1)");
        }
        PartyScope::Within { roots, context } => {
            sql.push("(")
                .push(column)
                .push(" IN (SELECT descendant_id FROM party_ancestors WHERE ancestor_id IN (")
                .bind_list(roots.iter().map(ToString::to_string))
                .push("))");
            if !context.is_empty() {
                sql.push(" OR ")
                    .push(column)
                    .push(" IN (")
                    .bind_list(context.iter().map(ToString::to_string))
                    .push(")");
            }
            sql.push(")");
        }
    }
}

/// The parties a scope reaches with their subtrees, without the context
/// parties it sees by name only; `None` for everything (admins).
pub(crate) fn reach_of(scope: &PartyScope) -> Option<PartyScope> {
    match scope {
        PartyScope::All => None,
        PartyScope::Within { roots, .. } => Some(PartyScope::Within {
            roots: roots.clone(),
            context: Vec::new(),
        }),
    }
}

/// Appends the archived condition for a table alias.
pub(crate) fn push_archived(sql: &mut Sql, alias: &str, filter: ArchivedFilter) {
    match filter {
        ArchivedFilter::Active => sql.push(&format!(" AND {alias}.archived_at IS NULL")),
        ArchivedFilter::Archived => sql.push(&format!(" AND {alias}.archived_at IS NOT NULL")),
        ArchivedFilter::All => sql,
    };
}

fn cursor_of(order: PartyOrder, party: &Party) -> Cursor {
    let id = party.id.to_string();
    match order {
        PartyOrder::Created => Cursor::encode(&[&id]),
        PartyOrder::Name => Cursor::encode(&[&party.name.as_str().to_lowercase(), &id]),
    }
}

#[async_trait]
impl PartyStore for SqlStore {
    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn create_party(&self, actor: &Actor, new: NewParty) -> Result<Party> {
        let mut tx = self.db.begin().await?;
        let party = insert_party(&mut tx, actor, new).await?;
        self.commit_audited(tx).await?;
        Ok(party)
    }

    async fn party(&self, id: PartyId) -> Result<Party> {
        let mut conn = self.db.read.acquire().await?;
        fetch_party(&mut conn, id).await
    }

    async fn lineage(&self, id: PartyId) -> Result<Lineage> {
        let mut conn = self.db.read.acquire().await?;
        fetch_lineage(&mut conn, id).await
    }

    async fn party_names(&self, ids: &[PartyId]) -> Result<Vec<(PartyId, PartyName)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT id, name FROM parties WHERE id IN (");
        sql.bind_list(ids.iter().map(ToString::to_string)).push(")");
        let rows = sql.query().fetch_all(&self.db.read).await?;
        rows.iter()
            .map(|r| {
                let name = PartyName::parse("name", &r.text("name")?)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((r.parsed("id")?, name))
            })
            .collect()
    }

    async fn list_parties(&self, q: &PartyQuery) -> Result<Page<Party>> {
        let mut sql = Sql::new(concat!(party_select!(), " WHERE 1 = 1"));
        push_scope(&mut sql, "p.id", &q.scope);
        if let Some(kind) = q.kind {
            sql.push(" AND p.kind = ").bind(kind.as_str().to_owned());
        }
        if let Some(parent) = q.parent_id {
            sql.push(" AND p.parent_id = ").bind(parent.to_string());
        }
        if let Some(under) = q.under {
            sql.push(" AND p.id IN (SELECT descendant_id FROM party_ancestors WHERE depth > 0 AND ancestor_id = ")
                .bind(under.to_string())
                .push(")");
        }
        if let Some(internal) = q.internal {
            sql.push(" AND p.internal = ").bind(internal);
        }
        if let Some(search) = q.search.as_deref().filter(|s| !s.trim().is_empty()) {
            sql.push(" AND p.sort_name LIKE ")
                .bind(contains_pattern(search.trim()))
                .push(" ESCAPE '\\'");
        }
        push_archived(&mut sql, "p", q.archived);
        match (q.order, q.cursor.as_deref()) {
            (PartyOrder::Created, Some(c)) => {
                let key = Cursor::decode("cursor", c, 1)?;
                sql.push(" AND p.id > ").bind(key[0].clone());
            }
            (PartyOrder::Name, Some(c)) => {
                let key = Cursor::decode("cursor", c, 2)?;
                sql.push(" AND (p.sort_name > ")
                    .bind(key[0].clone())
                    .push(" OR (p.sort_name = ")
                    .bind(key[0].clone())
                    .push(" AND p.id > ")
                    .bind(key[1].clone())
                    .push("))");
            }
            (_, None) => {}
        }
        sql.push(match q.order {
            PartyOrder::Created => " ORDER BY p.id",
            PartyOrder::Name => " ORDER BY p.sort_name, p.id",
        });
        sql.limit(u64::from(q.limit.get()) + 1);
        let rows = sql.query().fetch_all(&self.db.read).await?;
        let parties = rows
            .iter()
            .map(party_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(parties, q.limit, |p| {
            cursor_of(q.order, p)
        }))
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn update_party(&self, actor: &Actor, id: PartyId, patch: PartyPatch) -> Result<Party> {
        let mut tx = self.db.begin().await?;
        let before = fetch_party(&mut tx, id).await?;
        let mut after = before.clone();
        if let Some(name) = patch.name {
            after.name = name;
        }
        if let Some(internal) = patch.internal {
            after.internal = internal;
        }
        if let Some(reference) = patch.reference {
            after.reference = reference;
        }
        if let Some(parent_id) = patch.parent_id.filter(|p| *p != before.parent_id) {
            let parent = match parent_id {
                Some(pid) if pid == id => {
                    return Err(StoreError::invalid(
                        "parent_id",
                        "a party cannot sit under itself",
                    ));
                }
                Some(pid) => {
                    let parent = usable_party(&mut tx, pid, "parent_id").await?;
                    if fetch_lineage(&mut tx, pid).await?.contains(id) {
                        return Err(StoreError::invalid(
                            "parent_id",
                            "is nested under this party: moving there would make a cycle",
                        ));
                    }
                    Some(parent)
                }
                None => None,
            };
            check_nesting(before.kind, parent.as_ref())?;
            unlink_subtree(&mut tx, id).await?;
            if let Some(pid) = parent_id {
                link_subtree(&mut tx, id, pid).await?;
            }
            after.parent_id = parent_id;
        }
        if after == before {
            return Ok(before);
        }
        after.updated_at = now();
        sqlx::query(
            "UPDATE parties SET name = $2, sort_name = $3, parent_id = $4, internal = $5, \
             reference = $6, updated_at = $7 WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(after.name.as_str())
        .bind(after.name.as_str().to_lowercase())
        .bind(after.parent_id.map(|p| p.to_string()))
        .bind(after.internal)
        .bind(after.reference.as_ref().map(|r| r.as_str().to_owned()))
        .bind(micros(after.updated_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| on_unique(e, Conflict::ReferenceTaken))?;
        append(
            &mut tx,
            actor,
            AuditAction::PartyUpdated,
            "party",
            &id.to_string(),
            changes(&before, &after),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(after)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn set_party_archived(
        &self,
        actor: &Actor,
        id: PartyId,
        archived: bool,
    ) -> Result<Party> {
        let mut tx = self.db.begin().await?;
        let mut party = fetch_party(&mut tx, id).await?;
        if party.is_archived() == archived {
            return Ok(party);
        }
        if archived {
            let child = sqlx::query(
                "SELECT id FROM parties WHERE parent_id = $1 AND archived_at IS NULL LIMIT 1",
            )
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            if child.is_some() {
                return Err(Conflict::HasActiveChildren.into());
            }
            let login =
                sqlx::query("SELECT id FROM users WHERE party_id = $1 AND archived_at IS NULL")
                    .bind(id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
            if login.is_some() {
                return Err(Conflict::HasActiveLogin.into());
            }
        } else if let Some(parent) = party.parent_id
            && fetch_party(&mut tx, parent).await?.is_archived()
        {
            return Err(Conflict::ParentArchived.into());
        }
        let at = now();
        party.archived_at = archived.then_some(at);
        party.updated_at = at;
        sqlx::query("UPDATE parties SET archived_at = $2, updated_at = $3 WHERE id = $1")
            .bind(id.to_string())
            .bind(party.archived_at.map(micros))
            .bind(micros(at))
            .execute(&mut *tx)
            .await?;
        let action = if archived {
            AuditAction::PartyArchived
        } else {
            AuditAction::PartyRestored
        };
        append(
            &mut tx,
            actor,
            action,
            "party",
            &id.to_string(),
            json!({ "name": party.name }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(party)
    }
}

/// The fields that differ between two versions of a party, as `{field: [old, new]}`.
fn changes(before: &Party, after: &Party) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    let mut diff = |field: &str, old: serde_json::Value, new: serde_json::Value| {
        if old != new {
            out.insert(field.to_owned(), json!([old, new]));
        }
    };
    diff("name", json!(before.name), json!(after.name));
    diff("parent_id", json!(before.parent_id), json!(after.parent_id));
    diff("internal", json!(before.internal), json!(after.internal));
    diff("reference", json!(before.reference), json!(after.reference));
    serde_json::Value::Object(out)
}
