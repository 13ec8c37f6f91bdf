//! The audit log: who changed what, read by admins only.

use kept_domain::{AuditAction, AuditEvent, Limit, Page, Principal, UserId, single_line};
use kept_store::AuditQuery;

use crate::Context;
use crate::error::Error;

/// The audit log's filters as given (a query string, a command line):
/// read only once the caller is known to be an admin, so that others hear
/// "forbidden" whatever they give.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only changes to this kind of thing (`party`, `user`, `token`…).
    pub subject_type: Option<String>,
    /// Only changes to the thing with this id.
    pub subject_id: Option<String>,
    /// Only changes made by this user.
    pub actor: Option<UserId>,
    /// Only this kind of change, such as `party.updated`.
    pub action: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The page size, 1 to 200 (the default if not given).
    pub limit: Option<u32>,
}

/// A page of audit events, newest first (admins only).
pub async fn events(
    ctx: &Context,
    caller: &Principal,
    filter: AuditFilter,
) -> Result<Page<AuditEvent>, Error> {
    Error::check(caller.administer_users())?;
    let action = filter
        .action
        .map(|a| {
            a.parse::<AuditAction>()
                .map_err(|m| Error::field("action", m))
        })
        .transpose()?;
    let query = AuditQuery {
        subject_type: filter
            .subject_type
            .map(|t| single_line("subject_type", &t, 64))
            .transpose()?,
        subject_id: filter
            .subject_id
            .map(|i| single_line("subject_id", &i, 200))
            .transpose()?,
        actor: filter.actor,
        action,
        cursor: filter.cursor,
        limit: Limit::parse("limit", filter.limit.unwrap_or(Limit::DEFAULT.get()))?,
    };
    Ok(ctx.store.audit_events(&query).await?)
}
