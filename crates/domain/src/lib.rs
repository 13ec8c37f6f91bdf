//! The vocabulary of Kept as types, and the rules that hold between them.
//!
//! Everything here is pure: no I/O, no clock reads except where a caller asks
//! for "now". Input is parsed into these types at the edge (`Email::parse`,
//! `PartyName::parse`), so code inside works only with valid values.

/// An enum of names stored and shown as text: `as_str`, `Display`,
/// `FromStr` (naming the valid values on error) and `ALL`.
macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$(Self::$variant,)*];

            /// Every value's name, in the same order.
            pub const NAMES: &'static [&'static str] = &[$($text,)*];

            /// The name used in the API and stored.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|x| x.as_str() == s)
                    .ok_or_else(|| {
                        let names: Vec<&str> = Self::ALL.iter().map(|x| x.as_str()).collect();
                        format!("`{s}` is not {}; use one of {}", $what, names.join(", "))
                    })
            }
        }
    };
}

pub mod admission;
pub mod audit;
pub mod business_calendar;
pub mod chain;
pub mod change;
pub mod contract;
pub mod error;
pub mod ids;
pub mod inbound;
pub mod notify;
pub mod number;
pub mod order;
pub mod outlook;
pub mod page;
pub mod party;
pub mod policy;
pub mod progress;
pub mod promise;
pub mod proposal;
pub mod queue;
pub mod relay;
pub mod request;
pub mod role;
pub mod saved_filter;
pub mod scope;
pub mod service;
pub mod sla;
pub mod team;
pub mod terms;
pub mod user;
pub mod webhook;

pub use kept_calendar as calendar;

pub use admission::{Admission, admit};
pub use audit::{Actor, AuditAction, AuditEvent};
pub use business_calendar::{CalendarPatch, NewCalendar, StoredCalendar};
pub use chain::{ChainGraph, Direction, Link, NewLink, Reached};
pub use change::{
    ChangeAction, ChangeDraft, ChangeRequest, ChangeStatus, ChangeSteps, ChangeViewer,
    ContractChanges, Coverage, Decision, InvalidTransition, NewChangeRequest, Side, Verdict,
};
pub use contract::{Contract, NewContract, Quorum};
pub use error::{FieldError, ValidationErrors, is_blank, required_line, single_line};
pub use ids::{
    AbsenceId, AuditEventId, CalendarId, ChangeRequestId, ContractId, DateProposalId, DeliveryId,
    GrantId, InboundMailId, LinkId, OrderLineId, OutboxId, PartyId, RequestId, SavedFilterId,
    ServiceId, TokenId, UserId, WebhookId,
};
pub use inbound::{Attachment, InboundOutcome};
pub use notify::{Audience, Channel, DeliveryState, RetryPolicy, Timing, Topic};
pub use number::WholeRange;
pub use outlook::{NextStep, status_words};
pub use page::{Cursor, Limit, Page};
pub use party::{Lineage, NewParty, Party, PartyKind, PartyName, PartyPatch, PartyReference};
pub use policy::{Access, LinkAccess, LinkEnd, PartyScope, Principal, Raiser, RequestRole};
pub use progress::{NewEvent, Progress, Refusal, RequestChange, Side as ReplySide, SlaSummary};
pub use proposal::{
    ApplyRefusal, ChangeConflict, Rebased, apply_proposal, propose, rebase, still_to_change,
};
pub use relay::{UpstreamAnswer, answers_from_upstream};
pub use request::{
    EventKind, InvalidRequestTransition, NewRequest, Request, RequestAction, RequestEvent,
    RequestKind, RequestStatus, SlaState,
};
pub use role::{Grant, Role};
pub use scope::{ScopeCheck, ScopeOutcome, check_scope, covering_change};
pub use service::{NewService, Service, ServiceDetails, ServicePatch, Targets};
pub use sla::{Alarm, ClockKind, ClockTimes, ClockView, RequestClock};
pub use team::{Absence, MemberPlace, NewAbsence, OpenWork, TeamMember};
pub use terms::{
    Covered, Difference, KpiKind, KpiPeriod, KpiTarget, Names, Priority, ScopeList, SlaField,
    SlaTarget, Terms, TermsVersion, VersionState, diff_versions, terms_at, version_states,
};
pub use user::{ApiToken, Email, NewUser, Password, User};
pub use webhook::{NewWebhook, Webhook};

/// An instant in time, in UTC.
pub type Timestamp = jiff::Timestamp;
