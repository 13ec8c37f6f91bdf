//! The append-only audit log: who changed what, and when.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::Timestamp;
use crate::ids::{AuditEventId, UserId};
use crate::policy::Principal;

/// Who made a change: a user, or the system acting for someone (CLI, demo, jobs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user, when a signed-in person acted.
    pub user_id: Option<UserId>,
    /// A readable name: the user's email, or what the system was doing.
    pub label: String,
}

impl Actor {
    /// The signed-in user behind a request.
    pub fn user(principal: &Principal) -> Self {
        Self {
            user_id: Some(principal.user_id),
            label: principal.email.to_string(),
        }
    }

    /// The system itself, labelled with what it was doing (`"kept user add"`).
    pub fn system(label: impl Into<String>) -> Self {
        Self {
            user_id: None,
            label: label.into(),
        }
    }
}

macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// A kind of change recorded in the audit log.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum AuditAction {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)*
        }

        impl AuditAction {
            /// Every action.
            pub const ALL: &'static [AuditAction] = &[$(Self::$variant,)*];

            /// The stable dotted name stored and shown (`party.created`).
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }
        }
    };
}

// utoipa's derive does not see the names the macro passes to `serde(rename)`,
// so the schema is written from `ALL` and lists the names actually sent.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for AuditAction {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A kind of change recorded in the audit log (`party.created`).",
            ))
            .enum_values(Some(Self::ALL.iter().map(|a| a.as_str())))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for AuditAction {}

actions! {
    /// A party was created.
    PartyCreated => "party.created",
    /// A party's name, parent, flag or reference changed.
    PartyUpdated => "party.updated",
    /// A party was archived.
    PartyArchived => "party.archived",
    /// An archived party was restored.
    PartyRestored => "party.restored",
    /// A login was created.
    UserCreated => "user.created",
    /// A login's email or name changed.
    UserUpdated => "user.updated",
    /// A login was archived (its sessions and tokens stop working).
    UserArchived => "user.archived",
    /// An archived login was restored.
    UserRestored => "user.restored",
    /// A password was set or changed.
    PasswordChanged => "user.password_changed",
    /// An invitation to set a password was issued.
    InvitationIssued => "user.invited",
    /// A role was granted.
    GrantAdded => "grant.added",
    /// A role was taken away.
    GrantRevoked => "grant.revoked",
    /// An API token was created.
    TokenCreated => "token.created",
    /// An API token was revoked.
    TokenRevoked => "token.revoked",
    /// A webhook subscription was created.
    WebhookCreated => "webhook.created",
    /// A webhook subscription was deleted.
    WebhookDeleted => "webhook.deleted",
    /// A supplier → customer link was made.
    LinkCreated => "link.created",
    /// A link was ended.
    LinkArchived => "link.archived",
    /// An ended link was made again.
    LinkRestored => "link.restored",
    /// A business calendar was stored.
    CalendarCreated => "calendar.created",
    /// A calendar's name or rules changed.
    CalendarUpdated => "calendar.updated",
    /// A calendar was archived.
    CalendarArchived => "calendar.archived",
    /// An archived calendar was restored.
    CalendarRestored => "calendar.restored",
    /// A service was added to the catalog.
    ServiceCreated => "service.created",
    /// A service's description, scope or defaults changed.
    ServiceUpdated => "service.updated",
    /// A service was withdrawn.
    ServiceArchived => "service.archived",
    /// A withdrawn service was offered again.
    ServiceRestored => "service.restored",
    /// Past orders were imported as order history.
    OrdersImported => "orders.imported",
    /// A contract was recorded.
    ContractCreated => "contract.created",
    /// A contract was renamed.
    ContractUpdated => "contract.updated",
    /// A contract ended.
    ContractArchived => "contract.archived",
    /// An ended contract was restored.
    ContractRestored => "contract.restored",
    /// A version of a contract's terms was set before it took effect.
    TermsVersionCreated => "terms.version_created",
    /// A version not yet in force was edited.
    TermsVersionUpdated => "terms.version_updated",
    /// A change request was raised (as a draft).
    ChangeRequestRaised => "change_request.raised",
    /// A draft change request was edited.
    ChangeRequestUpdated => "change_request.updated",
    /// A change request went to the steering group.
    ChangeRequestSubmitted => "change_request.submitted",
    /// A steering-group member approved a change request.
    ChangeRequestApprovedBy => "change_request.approval",
    /// A steering-group member rejected a change request.
    ChangeRequestRejectedBy => "change_request.rejection",
    /// The quorum approved a change request.
    ChangeRequestApproved => "change_request.approved",
    /// The steering group turned a change request down.
    ChangeRequestRejected => "change_request.rejected",
    /// A change request was withdrawn.
    ChangeRequestWithdrawn => "change_request.withdrawn",
    /// A submitted or approved change request went back to draft, its
    /// decisions set aside, to be redrafted and decided again.
    ChangeRequestRedrafted => "change_request.redrafted",
    /// An approved change request became a new terms version.
    ChangeRequestApplied => "change_request.applied",
    /// A person joined a team, or their calendar or share changed.
    TeamMemberSet => "team.member_set",
    /// A person left a team.
    TeamMemberRemoved => "team.member_removed",
    /// A team member's absence was recorded.
    AbsenceAdded => "team.absence_added",
    /// A team member's absence was taken back.
    AbsenceRemoved => "team.absence_removed",
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuditAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("unknown audit action `{s}`"))
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// Its identifier.
    pub id: AuditEventId,
    /// When the change was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// The user who made it, if a user did.
    pub actor_user_id: Option<UserId>,
    /// Who made it, readably.
    pub actor: String,
    /// What kind of change it was.
    pub action: AuditAction,
    /// The kind of thing changed: `party`, `user` (logins, passwords,
    /// invitations and grants) or `token`.
    pub subject_type: String,
    /// The id of the thing changed.
    pub subject_id: String,
    /// What changed, as JSON (old and new values, names).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_are_unique_and_round_trip() {
        let mut names: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), AuditAction::ALL.len());
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>().ok(), Some(*action));
        }
    }
}
