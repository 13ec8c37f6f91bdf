//! Teams: their members (calendar and share of hours), the members'
//! absences, and the requests assigned to them, which the planner reads.
//!
//! A team is a party of kind team; nothing here makes one. Assigning a
//! request takes the request's row lock and appends an internal
//! `assigned` event, like every other change of a request.

use async_trait::async_trait;
use kept_domain::{
    Absence, AbsenceId, Actor, AuditAction, EventKind, MemberPlace, NewAbsence, OpenWork, PartyId,
    PartyKind, Request, RequestEvent, RequestId, RequestStatus, TeamMember, UserId,
};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::error::{Result, StoreError};
use crate::requests::{append_events, fetch, lock};
use crate::sql::{RowExt, Sql, micros, now};
use crate::{SqlStore, TeamStore};

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Checks that `team` is an active party of kind team (under `provider`
/// when one is given), naming `field` when it is not.
pub(crate) async fn usable_team(
    conn: &mut AnyConnection,
    team: PartyId,
    field: &str,
    provider: Option<PartyId>,
) -> Result<()> {
    let party = match crate::parties::fetch_party(conn, team).await {
        Err(StoreError::NotFound) => return Err(StoreError::invalid(field, "no such team")),
        other => other?,
    };
    if party.kind != PartyKind::Team {
        return Err(StoreError::invalid(field, "is not a team"));
    }
    if party.is_archived() {
        return Err(StoreError::invalid(field, "is archived"));
    }
    if let Some(provider) = provider {
        let under = sqlx::query(
            "SELECT 1 AS found FROM party_ancestors WHERE ancestor_id = $1 AND descendant_id = $2",
        )
        .bind(provider.to_string())
        .bind(team.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        if under.is_none() {
            return Err(StoreError::invalid(field, "is not a team of the provider"));
        }
    }
    Ok(())
}

fn date(row: &AnyRow, col: &str) -> Result<jiff::civil::Date> {
    row.parsed(col)
}

fn absence_from_row(row: &AnyRow) -> Result<Absence> {
    Ok(Absence {
        id: row.parsed("id")?,
        team_id: row.parsed("team_id")?,
        user_id: row.parsed("user_id")?,
        starts_on: date(row, "starts_on")?,
        ends_on: date(row, "ends_on")?,
        reason: row.text("reason")?,
        created_at: row.instant("created_at")?,
    })
}

fn member_from_row(row: &AnyRow) -> Result<TeamMember> {
    Ok(TeamMember {
        team_id: row.parsed("team_id")?,
        user_id: row.parsed("user_id")?,
        calendar_id: row.opt_parsed("calendar_id")?,
        share_percent: u8::try_from(row.int("share_percent")?).map_err(corrupt)?,
        absences: Vec::new(),
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

const MEMBER_COLUMNS: &str = "team_id, user_id, calendar_id, share_percent, created_at, updated_at";
const ABSENCE_COLUMNS: &str = "id, team_id, user_id, starts_on, ends_on, reason, created_at";

/// The member `user` of `team` on `conn`, without their absences.
async fn fetch_member(
    conn: &mut AnyConnection,
    team: PartyId,
    user: UserId,
) -> Result<Option<TeamMember>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MEMBER_COLUMNS} FROM team_members WHERE team_id = $1 AND user_id = $2"
    )))
    .bind(team.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(member_from_row).transpose()
}

/// The absences of `team` (of one member, if `user` is given), earliest first.
async fn fetch_absences(
    conn: &mut AnyConnection,
    team: PartyId,
    user: Option<UserId>,
) -> Result<Vec<Absence>> {
    let mut sql = Sql::new(&format!(
        "SELECT {ABSENCE_COLUMNS} FROM absences WHERE team_id = "
    ));
    sql.bind(team.to_string());
    if let Some(user) = user {
        sql.push(" AND user_id = ").bind(user.to_string());
    }
    sql.push(" ORDER BY starts_on, id");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(absence_from_row).collect()
}

/// Checks the calendar a member works on: an active one.
async fn usable_calendar(conn: &mut AnyConnection, id: kept_domain::CalendarId) -> Result<()> {
    let row = sqlx::query("SELECT archived_at FROM calendars WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::invalid("calendar_id", "no such calendar"))?;
    if row.opt_int("archived_at")?.is_some() {
        return Err(StoreError::invalid("calendar_id", "is archived"));
    }
    Ok(())
}

/// `SELECT` of the open work of a team, for [`work_from_row`].
const WORK: &str = "SELECT r.id, r.number, r.subject, r.customer_id, r.contract_id, r.priority, \
     COALESCE(r.effort_secs, s.default_effort_seconds) AS effort_secs, r.sla_due_at, \
     r.assignee_id, r.status, r.created_at, p.date AS promised \
     FROM requests r JOIN services s ON s.id = r.service_id \
     LEFT JOIN promises p ON p.request_id = r.id WHERE r.team_id = ";

fn work_from_row(row: &AnyRow) -> Result<OpenWork> {
    Ok(OpenWork {
        id: row.parsed("id")?,
        number: row.int("number")?,
        subject: row.text("subject")?,
        customer_id: row.parsed("customer_id")?,
        contract_id: row.parsed("contract_id")?,
        priority: row.parsed("priority")?,
        effort: row
            .opt_int("effort_secs")?
            .map(|s| u64::try_from(s).map(kept_domain::calendar::BusinessDuration::from_seconds))
            .transpose()
            .map_err(corrupt)?,
        due_at: row.opt_instant("sla_due_at")?,
        promised: row.opt_instant("promised")?,
        assignee_id: row.opt_parsed("assignee_id")?,
        status: row.text("status")?.parse().map_err(corrupt)?,
        created_at: row.instant("created_at")?,
    })
}

#[async_trait]
impl TeamStore for SqlStore {
    async fn team_members(&self, team: PartyId) -> Result<Vec<TeamMember>> {
        let mut conn = self.db.read.acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEMBER_COLUMNS} FROM team_members WHERE team_id = $1 ORDER BY created_at, user_id"
        )))
        .bind(team.to_string())
        .fetch_all(&mut *conn)
        .await?;
        let mut members = rows
            .iter()
            .map(member_from_row)
            .collect::<Result<Vec<_>>>()?;
        for absence in fetch_absences(&mut conn, team, None).await? {
            if let Some(m) = members.iter_mut().find(|m| m.user_id == absence.user_id) {
                m.absences.push(absence);
            }
        }
        Ok(members)
    }

    async fn team_sizes(&self, teams: &[PartyId]) -> Result<Vec<(PartyId, u32)>> {
        if teams.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql =
            Sql::new("SELECT team_id, COUNT(*) AS members FROM team_members WHERE team_id IN (");
        sql.bind_list(teams.iter().map(ToString::to_string))
            .push(") GROUP BY team_id");
        let rows = sql.query().fetch_all(&self.db.read).await?;
        rows.iter()
            .map(|r| {
                let count = u32::try_from(r.int("members")?).map_err(corrupt)?;
                Ok((r.parsed("team_id")?, count))
            })
            .collect()
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn set_team_member(
        &self,
        actor: &Actor,
        team: PartyId,
        user: UserId,
        place: MemberPlace,
    ) -> Result<TeamMember> {
        kept_domain::team::share_percent(place.share_percent.into())?;
        let mut tx = self.db.begin().await?;
        usable_team(&mut tx, team, "team_id", None).await?;
        let login = match crate::users::fetch_user(&mut tx, user).await {
            Err(StoreError::NotFound) => {
                return Err(StoreError::invalid("user_id", "no such user"));
            }
            other => other?,
        };
        if login.archived_at.is_some() {
            return Err(StoreError::invalid("user_id", "is archived"));
        }
        if let Some(calendar) = place.calendar_id {
            usable_calendar(&mut tx, calendar).await?;
        }
        let at = micros(now());
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO team_members ({MEMBER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (team_id, user_id) DO UPDATE SET calendar_id = $3, share_percent = $4, \
             updated_at = $5"
        )))
        .bind(team.to_string())
        .bind(user.to_string())
        .bind(place.calendar_id.map(|c| c.to_string()))
        .bind(i64::from(place.share_percent))
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let mut member = fetch_member(&mut tx, team, user)
            .await?
            .ok_or_else(|| corrupt("a member just written was not found"))?;
        member.absences = fetch_absences(&mut tx, team, Some(user)).await?;
        append(
            &mut tx,
            actor,
            AuditAction::TeamMemberSet,
            "party",
            &team.to_string(),
            json!({ "user_id": user, "calendar_id": place.calendar_id, "share_percent": place.share_percent }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(member)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn remove_team_member(
        &self,
        actor: &Actor,
        team: PartyId,
        user: UserId,
    ) -> Result<TeamMember> {
        let mut tx = self.db.begin().await?;
        let mut member = fetch_member(&mut tx, team, user)
            .await?
            .ok_or(StoreError::NotFound)?;
        member.absences = fetch_absences(&mut tx, team, Some(user)).await?;
        for table in ["absences", "team_members"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE team_id = $1 AND user_id = $2"
            )))
            .bind(team.to_string())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        }
        append(
            &mut tx,
            actor,
            AuditAction::TeamMemberRemoved,
            "party",
            &team.to_string(),
            json!({ "user_id": user }),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(member)
    }

    #[tracing::instrument(skip(self, actor, new), err(level = "debug"))]
    async fn add_absence(&self, actor: &Actor, new: NewAbsence) -> Result<Absence> {
        let new = new.checked()?;
        let mut tx = self.db.begin().await?;
        if fetch_member(&mut tx, new.team_id, new.user_id)
            .await?
            .is_none()
        {
            return Err(StoreError::invalid(
                "user_id",
                "is not a member of this team",
            ));
        }
        let absence = Absence {
            id: AbsenceId::new(),
            team_id: new.team_id,
            user_id: new.user_id,
            starts_on: new.starts_on,
            ends_on: new.ends_on,
            reason: new.reason,
            created_at: now(),
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO absences ({ABSENCE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )))
        .bind(absence.id.to_string())
        .bind(absence.team_id.to_string())
        .bind(absence.user_id.to_string())
        .bind(absence.starts_on.to_string())
        .bind(absence.ends_on.to_string())
        .bind(absence.reason.clone())
        .bind(micros(absence.created_at))
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            actor,
            AuditAction::AbsenceAdded,
            "party",
            &absence.team_id.to_string(),
            json!(absence),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(absence)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn remove_absence(&self, actor: &Actor, team: PartyId, id: AbsenceId) -> Result<Absence> {
        let mut tx = self.db.begin().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ABSENCE_COLUMNS} FROM absences WHERE id = $1 AND team_id = $2"
        )))
        .bind(id.to_string())
        .bind(team.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let absence = absence_from_row(&row)?;
        sqlx::query("DELETE FROM absences WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            actor,
            AuditAction::AbsenceRemoved,
            "party",
            &team.to_string(),
            json!(absence),
        )
        .await?;
        self.commit_audited(tx).await?;
        Ok(absence)
    }

    #[tracing::instrument(skip(self, actor), err(level = "debug"))]
    async fn assign_request(
        &self,
        actor: &Actor,
        id: RequestId,
        team: PartyId,
        assignee: Option<UserId>,
    ) -> Result<(Request, RequestEvent)> {
        let mut tx = self.db.begin().await?;
        let (request, last_seq) = lock(&mut tx, id).await?;
        if !request.status.is_open() {
            return Err(StoreError::invalid(
                "team_id",
                format!(
                    "the request is {}: only open work is assigned",
                    request.status
                ),
            ));
        }
        let provider: PartyId = sqlx::query("SELECT provider_id FROM contracts WHERE id = $1")
            .bind(request.contract_id.to_string())
            .fetch_one(&mut *tx)
            .await?
            .parsed("provider_id")?;
        usable_team(&mut tx, team, "team_id", Some(provider)).await?;
        if let Some(user) = assignee
            && fetch_member(&mut tx, team, user).await?.is_none()
        {
            return Err(StoreError::invalid(
                "assignee_id",
                "is not a member of this team",
            ));
        }
        let at = now().max(request.updated_at);
        let event = kept_domain::NewEvent::new(
            EventKind::Assigned,
            false,
            json!({
                "team_id": team,
                "assignee_id": assignee,
                "from_team_id": request.team_id,
                "from_assignee_id": request.assignee_id,
            }),
        );
        let mut events = append_events(&mut tx, id, last_seq, actor, at, vec![event]).await?;
        sqlx::query(
            "UPDATE requests SET team_id = $1, assignee_id = $2, last_seq = last_seq + 1, \
             updated_at = $3 WHERE id = $4",
        )
        .bind(team.to_string())
        .bind(assignee.map(|u| u.to_string()))
        .bind(micros(at))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let request = fetch(&mut tx, id).await?;
        tx.commit().await?;
        let event = events
            .pop()
            .ok_or_else(|| corrupt("an appended event was not returned"))?;
        Ok((request, event))
    }

    async fn team_work(&self, team: PartyId) -> Result<Vec<OpenWork>> {
        let mut sql = Sql::new(WORK);
        sql.bind(team.to_string()).push(" AND r.status IN (");
        let open = RequestStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str().to_owned());
        sql.bind_list(open).push(") ORDER BY r.number");
        let rows = sql.query().fetch_all(&self.db.read).await?;
        rows.iter().map(work_from_row).collect()
    }
}
