//! Change requests: raised as drafts, submitted to the steering group,
//! decided member by member under the quorum rule, applied as a new terms
//! version. Every step is audited in its own transaction.
//!
//! Race safety: every step first takes the change request's row lock (a
//! no-op `UPDATE`), so concurrent decisions are counted one after the
//! other and exactly one of them reaches the quorum. Applying also takes
//! the contract's lock first, so versions are numbered one at a time.
//!
//! A contract that has ended takes no more changes: raising, editing,
//! submitting, deciding and applying all check it in their transaction.
//!
//! A change request keeps the version it was drafted against and its
//! proposal (the differences from that version, see
//! [`kept_domain::proposal`]). Submitting and applying lay the proposal over
//! the latest version: a field changed differently since refuses it.

use async_trait::async_trait;
use kept_domain::{
    Actor, AuditAction, ChangeAction, ChangeDraft, ChangeRequest, ChangeRequestId, ChangeStatus,
    Decision, NewChangeRequest, Page, TermsVersion, Timestamp, Topic, Verdict, change,
};
use serde_json::json;
use sqlx::AnyConnection;

use crate::audit::append;
use crate::contracts::fetch_contract;
use crate::error::{Conflict, Result, StoreError, on_unique};
use crate::query::ChangeRequestQuery;
use crate::sql::{Sql, micros, now, to_micros};
use crate::terms::{actor_user, check_order, insert_version, lock_contract, to_json};
use crate::{ChangeStore, SqlStore};

mod checks;
mod read;

use crate::notify::outbox::{Enqueued, enqueue};
use checks::{
    Applied, check_applies, check_not_ended, draft_proposal, effective_from_of, sync_coverage,
};
use read::{SELECT, fetch, from_row, lock, push_visible};

/// Moves a change request to `status`, stamping `column` (if any) too.
async fn set_status(
    conn: &mut AnyConnection,
    id: ChangeRequestId,
    status: ChangeStatus,
    column: Option<&str>,
    at: Timestamp,
) -> Result<()> {
    // Column names are constants of this module, never input.
    let stamp = column.map_or(String::new(), |c| format!(", {c} = $2"));
    let text =
        format!("UPDATE change_requests SET status = $1, updated_at = $2{stamp} WHERE id = $3");
    sqlx::query(sqlx::AssertSqlSafe(text))
        .bind(status.as_str().to_owned())
        .bind(micros(at))
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes the outbox row that tells people of `topic` on change request
/// `id`, in the transaction that made the change.
async fn tell(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: ChangeRequestId,
    topic: Topic,
    at: Timestamp,
) -> Result<()> {
    let row = Enqueued {
        topic,
        request: None,
        change_request: Some(id),
        data: Some(json!({ "actor_id": actor.user_id })),
        at,
    };
    enqueue(conn, &[row]).await
}

#[async_trait]
impl ChangeStore for SqlStore {
    #[tracing::instrument(skip(self, actor, new), err(level = "debug"))]
    async fn create_change_request(
        &self,
        actor: &Actor,
        new: NewChangeRequest,
    ) -> Result<ChangeRequest> {
        let mut draft = new.draft.checked()?;
        draft.effective_from = draft.effective_from.map(to_micros);
        let mut tx = self.db.begin().await?;
        let (base_version, proposal) = draft_proposal(&mut tx, new.contract_id, &draft).await?;
        let at = now();
        let id = ChangeRequestId::new();
        sqlx::query(
            "INSERT INTO change_requests (id, contract_id, title, rationale, changes, \
             effective_from, side, raised_by, status, created_at, updated_at, base_version, \
             proposal) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12)",
        )
        .bind(id.to_string())
        .bind(new.contract_id.to_string())
        .bind(draft.title.clone())
        .bind(draft.rationale.clone())
        .bind(to_json(&draft.changes)?)
        .bind(draft.effective_from.map(micros))
        .bind(new.side.as_str().to_owned())
        .bind(new.raised_by.to_string())
        .bind(ChangeStatus::Draft.as_str().to_owned())
        .bind(micros(at))
        .bind(base_version.map(i64::from))
        .bind(to_json(&proposal)?)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            actor,
            AuditAction::ChangeRequestRaised,
            "change_request",
            &id.to_string(),
            json!({ "contract_id": new.contract_id, "title": draft.title, "side": new.side, "changes": draft.changes, "base_version": base_version, "proposal": proposal }),
        )
        .await?;
        let created = fetch(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(created)
    }

    async fn change_request(&self, id: ChangeRequestId) -> Result<ChangeRequest> {
        let mut conn = self.db.read.acquire().await?;
        fetch(&mut conn, id).await
    }

    async fn list_change_requests(&self, q: &ChangeRequestQuery) -> Result<Page<ChangeRequest>> {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE 1 = 1");
        push_visible(&mut sql, &q.scope, q.user);
        if let Some(contract) = q.contract_id {
            sql.push(" AND cr.contract_id = ")
                .bind(contract.to_string());
        }
        if !q.statuses.is_empty() {
            sql.push(" AND cr.status IN (")
                .bind_list(q.statuses.iter().map(|s| s.as_str().to_owned()))
                .push(")");
        }
        if let Some(user) = q.awaiting_decision_of {
            sql.push(" AND cr.status = 'submitted' AND EXISTS (SELECT 1 FROM contract_approvers a WHERE a.contract_id = cr.contract_id AND a.user_id = ")
                .bind(user.to_string())
                .push(") AND NOT EXISTS (SELECT 1 FROM change_decisions d WHERE d.change_request_id = cr.id AND d.user_id = ")
                .bind(user.to_string())
                .push(")");
        }
        if let Some(c) = &q.cursor {
            let key = kept_domain::Cursor::decode("cursor", c, 1)?;
            sql.push(" AND cr.id < ").bind(key[0].clone());
        }
        sql.push(" ORDER BY cr.id DESC")
            .limit(u64::from(q.limit.get()) + 1);
        let mut conn = self.db.read.acquire().await?;
        let rows = sql.query().fetch_all(&mut *conn).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(from_row(&mut conn, row).await?);
        }
        Ok(Page::from_overfetch(items, q.limit, |c| {
            kept_domain::Cursor::encode(&[&c.id.to_string()])
        }))
    }

    #[tracing::instrument(skip(self, actor, draft), err(level = "debug"))]
    async fn edit_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
        draft: ChangeDraft,
    ) -> Result<ChangeRequest> {
        let mut draft = draft.checked()?;
        draft.effective_from = draft.effective_from.map(to_micros);
        let mut tx = self.db.begin().await?;
        let before = lock(&mut tx, id).await?;
        ChangeAction::Edit.check(before.status)?;
        let (base_version, proposal) = draft_proposal(&mut tx, before.contract_id, &draft).await?;
        sqlx::query(
            "UPDATE change_requests SET title = $1, rationale = $2, changes = $3, \
             effective_from = $4, updated_at = $5, base_version = $6, proposal = $7 \
             WHERE id = $8",
        )
        .bind(draft.title.clone())
        .bind(draft.rationale.clone())
        .bind(to_json(&draft.changes)?)
        .bind(draft.effective_from.map(micros))
        .bind(micros(now()))
        .bind(base_version.map(i64::from))
        .bind(to_json(&proposal)?)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            actor,
            AuditAction::ChangeRequestUpdated,
            "change_request",
            &id.to_string(),
            json!({ "title": draft.title, "changes": draft.changes, "effective_from": draft.effective_from, "base_version": base_version, "proposal": proposal }),
        )
        .await?;
        let after = fetch(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(after)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn submit_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
    ) -> Result<ChangeRequest> {
        let mut tx = self.db.begin().await?;
        let before = lock(&mut tx, id).await?;
        ChangeAction::Submit.check(before.status)?;
        // What it names, or the terms, may have changed since it was drafted.
        check_applies(&mut tx, &before).await?;
        let at = now();
        set_status(
            &mut tx,
            id,
            ChangeStatus::Submitted,
            Some("submitted_at"),
            at,
        )
        .await?;
        tell(&mut tx, actor, id, Topic::ChangeSubmitted, at).await?;
        append(
            &mut tx,
            actor,
            AuditAction::ChangeRequestSubmitted,
            "change_request",
            &id.to_string(),
            json!({}),
        )
        .await?;
        let after = fetch(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(after)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn withdraw_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
    ) -> Result<ChangeRequest> {
        let mut tx = self.db.begin().await?;
        let before = lock(&mut tx, id).await?;
        ChangeAction::Withdraw.check(before.status)?;
        set_status(&mut tx, id, ChangeStatus::Withdrawn, None, now()).await?;
        append(
            &mut tx,
            actor,
            AuditAction::ChangeRequestWithdrawn,
            "change_request",
            &id.to_string(),
            json!({ "from": before.status }),
        )
        .await?;
        let after = fetch(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(after)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn redraft_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
    ) -> Result<ChangeRequest> {
        let mut tx = self.db.begin().await?;
        let before = lock(&mut tx, id).await?;
        ChangeAction::Redraft.check(before.status)?;
        check_not_ended(&fetch_contract(&mut tx, before.contract_id).await?)?;
        // The decisions were on the change as it stood; the audit log keeps
        // them, and the redrafted change is decided afresh.
        sqlx::query("DELETE FROM change_decisions WHERE change_request_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE change_requests SET status = $1, submitted_at = NULL, decided_at = NULL, \
             updated_at = $2 WHERE id = $3",
        )
        .bind(ChangeStatus::Draft.as_str().to_owned())
        .bind(micros(now()))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            actor,
            AuditAction::ChangeRequestRedrafted,
            "change_request",
            &id.to_string(),
            json!({ "from": before.status, "decisions_set_aside": before.decisions }),
        )
        .await?;
        let after = fetch(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(after)
    }

    #[tracing::instrument(skip(self, actor, comment), err(level = "debug"))]
    async fn decide_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
        verdict: Verdict,
        comment: String,
    ) -> Result<ChangeRequest> {
        let user = actor_user(actor)?;
        let mut tx = self.db.begin().await?;
        let before = lock(&mut tx, id).await?;
        let contract = fetch_contract(&mut tx, before.contract_id).await?;
        if !contract.is_steered_by(user) {
            return Err(StoreError::NotAnApprover);
        }
        check_not_ended(&contract)?;
        if before.decided_by(user).is_some() {
            return Err(Conflict::AlreadyDecided.into());
        }
        ChangeAction::Decide.check(before.status)?;
        let at = now();
        sqlx::query(
            "INSERT INTO change_decisions (change_request_id, user_id, verdict, comment, decided_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(user.to_string())
        .bind(verdict.as_str().to_owned())
        .bind(comment.clone())
        .bind(micros(at))
        .execute(&mut *tx)
        .await
        .map_err(|e| on_unique(e, Conflict::AlreadyDecided))?;
        let (action, audit) = match verdict {
            Verdict::Approve => (
                AuditAction::ChangeRequestApprovedBy,
                json!({ "comment": comment }),
            ),
            Verdict::Reject => (
                AuditAction::ChangeRequestRejectedBy,
                json!({ "comment": comment }),
            ),
        };
        append(
            &mut tx,
            actor,
            action,
            "change_request",
            &id.to_string(),
            audit,
        )
        .await?;
        let mut all = before.decisions.clone();
        all.push(Decision {
            user_id: user,
            verdict,
            comment,
            decided_at: at,
        });
        let members = contract.steering_group.len();
        if let Some(status) = change::outcome(contract.quorum, members, &all) {
            set_status(&mut tx, id, status, Some("decided_at"), at).await?;
            let (action, topic) = if status == ChangeStatus::Approved {
                (AuditAction::ChangeRequestApproved, Topic::ChangeApproved)
            } else {
                (AuditAction::ChangeRequestRejected, Topic::ChangeRejected)
            };
            tell(&mut tx, actor, id, topic, at).await?;
            let approvals = all.iter().filter(|d| d.verdict == Verdict::Approve).count();
            append(
                &mut tx,
                actor,
                action,
                "change_request",
                &id.to_string(),
                json!({
                    "quorum": contract.quorum,
                    "members": members,
                    "approvals": approvals,
                    "rejections": all.len() - approvals,
                }),
            )
            .await?;
        } else {
            sqlx::query("UPDATE change_requests SET updated_at = $1 WHERE id = $2")
                .bind(micros(at))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let after = fetch(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok(after)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn apply_change_request(
        &self,
        actor: &Actor,
        id: ChangeRequestId,
        effective_from: Option<Timestamp>,
    ) -> Result<(ChangeRequest, TermsVersion)> {
        let mut tx = self.db.begin().await?;
        let peek = fetch(&mut tx, id).await?;
        lock_contract(&mut tx, peek.contract_id).await?;
        let before = lock(&mut tx, id).await?;
        ChangeAction::Apply.check(before.status)?;
        check_not_ended(&fetch_contract(&mut tx, before.contract_id).await?)?;
        let at = now();
        let effective_from = effective_from_of(&before, effective_from, at)?;
        let Applied {
            versions,
            contract: now,
            next,
        } = check_applies(&mut tx, &before).await?;
        check_order(&versions, effective_from)?;
        let contract = before.contract_id;
        sync_coverage(&mut tx, contract, &now, &next).await?;
        let version = TermsVersion {
            contract_id: contract,
            version: versions.last().map_or(1, |v| v.version + 1),
            effective_from,
            terms: next.terms,
            customer_ids: next.customer_ids,
            service_ids: next.service_ids,
            calendar_id: next.calendar_id,
            change_request_id: Some(id),
            created_by: actor.user_id,
            created_at: at,
        };
        insert_version(&mut tx, &version).await?;
        sqlx::query(
            "UPDATE change_requests SET status = $1, applied_at = $2, applied_version = $3, \
             updated_at = $2 WHERE id = $4",
        )
        .bind(ChangeStatus::Applied.as_str().to_owned())
        .bind(micros(at))
        .bind(i64::from(version.version))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        tell(&mut tx, actor, id, Topic::ChangeApplied, at).await?;
        append(
            &mut tx,
            actor,
            AuditAction::ChangeRequestApplied,
            "change_request",
            &id.to_string(),
            json!({ "contract_id": contract, "version": version.version, "effective_from": effective_from }),
        )
        .await?;
        let after = fetch(&mut tx, id).await?;
        self.commit_audited(tx).await?;
        Ok((after, version))
    }
}
