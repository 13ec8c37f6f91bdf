//! The vocabulary of Kept as types, and the rules that hold between them.
//!
//! Everything here is pure: no I/O, no clock reads except where a caller asks
//! for "now". Input is parsed into these types at the edge (`Email::parse`,
//! `PartyName::parse`), so code inside works only with valid values.

pub mod admission;
pub mod audit;
pub mod business_calendar;
pub mod chain;
pub mod change;
pub mod contract;
pub mod error;
pub mod ids;
pub mod number;
pub mod outlook;
pub mod page;
pub mod party;
pub mod policy;
pub mod progress;
pub mod proposal;
pub mod queue;
pub mod relay;
pub mod request;
pub mod role;
pub mod saved_filter;
pub mod scope;
pub mod service;
pub mod sla;
pub mod terms;
pub mod user;

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
    AuditEventId, CalendarId, ChangeRequestId, ContractId, GrantId, LinkId, PartyId, RequestId,
    SavedFilterId, ServiceId, TokenId, UserId,
};
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
pub use terms::{
    Covered, Difference, KpiKind, KpiPeriod, KpiTarget, Names, Priority, ScopeList, SlaField,
    SlaTarget, Terms, TermsVersion, VersionState, diff_versions, terms_at, version_states,
};
pub use user::{ApiToken, Email, NewUser, Password, User};

/// An instant in time, in UTC.
pub type Timestamp = jiff::Timestamp;
