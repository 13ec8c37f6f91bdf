//! Admission: what becomes of a request after the scope check.
//!
//! A covered request is accepted. One the contract does not cover is
//! refused, with two ways through: a question the contract does not cover
//! goes up the chain to a supplier who can answer it, and a manager of the
//! provider may accept anything by giving a reason, which is recorded
//! together with what it overrides.

use crate::request::{MAX_REASON, RequestKind};
use crate::scope::ScopeOutcome;

/// What to do with a request, given its scope check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// The contract covers it: accept it.
    Covered,
    /// A question the contract does not cover: route it to a supplier up
    /// the chain (and refuse it if none can take it).
    RouteUp,
    /// Accepted by a manager's override; the reason to record.
    Overridden(String),
    /// Refused: the contract does not cover it (or puts it out of scope).
    Refused,
    /// An override reason came from someone who may not override.
    OverrideForbidden,
}

/// Decides admission from the scope check's `outcome` and `refusal` (its
/// reason in words), the request's `kind`, the override `reason` given (if
/// any) and whether the caller `may_override` (see
/// [`crate::Principal::override_scope`]).
pub fn admit(
    outcome: ScopeOutcome,
    refusal: &str,
    kind: RequestKind,
    reason: Option<String>,
    may_override: bool,
) -> Admission {
    match (outcome, reason) {
        (ScopeOutcome::Covered, _) => Admission::Covered,
        (ScopeOutcome::NotCovered, None) if kind == RequestKind::Question => Admission::RouteUp,
        (_, None) => Admission::Refused,
        (_, Some(_)) if !may_override => Admission::OverrideForbidden,
        (_, Some(reason)) => Admission::Overridden(overriding(reason, refusal)),
    }
}

/// A manager's override reason with what it overrides, when that still fits
/// in a reason; the manager's words alone otherwise (they were checked
/// against the limit, the addition was not).
fn overriding(reason: String, refused: &str) -> String {
    let full = format!("{reason} (overriding: {refused})");
    if full.chars().count() <= MAX_REASON {
        full
    } else {
        reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KINDS: [RequestKind; 5] = [
        RequestKind::Order,
        RequestKind::Incident,
        RequestKind::ServiceRequest,
        RequestKind::Question,
        RequestKind::InternalTask,
    ];

    #[test]
    fn an_uncovered_question_goes_up_the_chain_and_nothing_else_does() {
        for kind in KINDS {
            let expected = if kind == RequestKind::Question {
                Admission::RouteUp
            } else {
                Admission::Refused
            };
            assert_eq!(
                admit(ScopeOutcome::NotCovered, "x", kind, None, true),
                expected
            );
            // Out of scope is refused even for a question: the supplier up
            // the chain would not take it either.
            assert_eq!(
                admit(ScopeOutcome::OutOfScope, "x", kind, None, true),
                Admission::Refused
            );
        }
    }

    #[test]
    fn an_override_records_what_it_overrides_and_needs_a_manager() {
        let got = admit(
            ScopeOutcome::OutOfScope,
            "matches 'window cleaning'",
            RequestKind::Incident,
            Some("agreed by phone".to_owned()),
            true,
        );
        assert_eq!(
            got,
            Admission::Overridden("agreed by phone (overriding: matches 'window cleaning')".into())
        );
        assert_eq!(
            admit(
                ScopeOutcome::NotCovered,
                "x",
                RequestKind::Question,
                Some("r".into()),
                false
            ),
            Admission::OverrideForbidden
        );
    }

    #[test]
    fn a_long_reason_is_kept_in_the_managers_words() {
        let reason = "a".repeat(MAX_REASON - 5);
        assert_eq!(
            admit(
                ScopeOutcome::NotCovered,
                "the service is not on the contract",
                RequestKind::Incident,
                Some(reason.clone()),
                true
            ),
            Admission::Overridden(reason)
        );
    }

    proptest! {
        /// A covered request is accepted whatever else is given, and an
        /// overridden one never exceeds the reason limit when its reason
        /// did not.
        #[test]
        fn admission_invariants(
            covered in any::<bool>(),
            out in any::<bool>(),
            kind in 0usize..5,
            reason in proptest::option::of("[a-z ]{1,1000}"),
            refusal in "[a-z ]{0,200}",
            may in any::<bool>(),
        ) {
            let outcome = if covered { ScopeOutcome::Covered }
                else if out { ScopeOutcome::OutOfScope } else { ScopeOutcome::NotCovered };
            let got = admit(outcome, &refusal, KINDS[kind], reason.clone(), may);
            if covered {
                prop_assert_eq!(got, Admission::Covered);
            } else if let Admission::Overridden(text) = got {
                prop_assert!(may);
                prop_assert!(text.chars().count() <= MAX_REASON);
                prop_assert!(text.starts_with(reason.as_deref().unwrap_or_default()));
            }
        }
    }
}
