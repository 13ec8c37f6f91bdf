//! When a promise is at risk, and the list its owner and manager read.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Suggestion;
use crate::Timestamp;
use crate::calendar::BusinessDuration;
use crate::ids::{PartyId, RequestId, UserId};

named_enum!(
    /// Why a promise is at risk.
    RiskReason, "a risk reason" {
        /// Its team's plan finishes it after its date.
        Plan => "plan",
        /// The configured share of its business time is used.
        Time => "time",
    }
);

/// The share of the business time to a promise's date, in percent, after
/// which it counts as at risk when none is configured.
pub const DEFAULT_AT_RISK_PERCENT: u8 = 80;

/// Whether a promise of `date` is at risk, and why: its team's plan
/// finishes it after its date or not within the plan's reach
/// (`projected` is `Some(None)`), or the share `used` of its business time
/// (0 to 1) has reached `threshold`. `projected` is `None` for a request in
/// no team's plan: then the time used alone decides.
pub fn risk_of(
    date: Timestamp,
    projected: Option<Option<Timestamp>>,
    used: Option<f64>,
    threshold: f64,
) -> Option<RiskReason> {
    match projected {
        Some(done) if done.is_none_or(|p| p > date) => Some(RiskReason::Plan),
        _ if used.is_some_and(|u| u >= threshold) => Some(RiskReason::Time),
        _ => None,
    }
}

/// The share of a promise's business time used: `elapsed` since it was
/// made out of `span` from then to its date, 0 to 1; all of it when the
/// span is empty (a date made on a closed day or already past).
pub fn used_share(elapsed: BusinessDuration, span: BusinessDuration) -> f64 {
    if span.as_seconds() == 0 {
        return 1.0;
    }
    #[allow(clippy::cast_precision_loss)] // seconds, far below 2^52
    let share = elapsed.as_seconds() as f64 / span.as_seconds() as f64;
    share.clamp(0.0, 1.0)
}

/// A promise at risk, as the at-risk list shows it to the provider's
/// people.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromiseAtRisk {
    /// The request.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub request_id: RequestId,
    /// Its number.
    pub number: i64,
    /// Its subject.
    pub subject: String,
    /// The customer it is for.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub customer_id: PartyId,
    /// The customer's name.
    pub customer: String,
    /// The team doing it, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub team_id: Option<PartyId>,
    /// The team's name.
    pub team: Option<String>,
    /// The member it is assigned to, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub assignee_id: Option<UserId>,
    /// Their name.
    pub assignee: Option<String>,
    /// The date promised.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub date: Timestamp,
    /// When the plan finishes it (none: not within the plan's reach, or in
    /// no plan).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub projected: Option<Timestamp>,
    /// Why it is at risk: `plan` or `time`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "plan"))]
    pub reason: RiskReason,
    /// What to do: `renegotiate`, `reassign` or `split`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "renegotiate"))]
    pub suggestion: Suggestion,
    /// Since when it has been at risk.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at_risk_since: Timestamp,
}
