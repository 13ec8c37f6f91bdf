//! What the customer's side of a request is told when its provider
//! escalated it up the chain: that the supplier answered it (its public
//! replies, and that it was fulfilled), never the escalation itself, the
//! supplier's request, its steps or its internal notes.
//!
//! The supplier's public events come back to the request as `upstream`
//! events, internal when the provider escalated (the escalation is the
//! provider's business) and public when the request was a question routed
//! up the chain for the asker (who then sees them in the timeline). An
//! internal note of the supplier is never relayed at all.

use serde::Serialize;

use crate::Timestamp;
use crate::request::{EventKind, RequestEvent, RequestStatus};

/// An answer from up the chain, as the customer's side is told it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpstreamAnswer {
    /// When it came back.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// The supplier's reply; none when the answer is that the supplier
    /// fulfilled the request.
    pub reply: Option<String>,
}

/// The answers among a request's events (internal ones included) that the
/// customer's side is told of: the supplier's replies and its fulfilling
/// the request, from relays the customer's side does not already see.
pub fn answers_from_upstream(events: &[RequestEvent]) -> Vec<UpstreamAnswer> {
    events
        .iter()
        .filter(|e| e.kind == EventKind::Upstream && !e.public)
        .filter_map(|e| {
            let fulfilled = RequestStatus::Fulfilled.as_str();
            match e.data["event"].as_str() {
                Some("reply") => Some(UpstreamAnswer {
                    at: e.at,
                    reply: e.body.clone(),
                }),
                Some("status_changed") if e.data["data"]["to"] == fulfilled => {
                    Some(UpstreamAnswer {
                        at: e.at,
                        reply: None,
                    })
                }
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(
        kind: EventKind,
        public: bool,
        body: Option<&str>,
        data: serde_json::Value,
    ) -> RequestEvent {
        RequestEvent {
            seq: 1,
            kind,
            at: Timestamp::UNIX_EPOCH,
            actor_id: None,
            actor: "someone".into(),
            public,
            body: body.map(str::to_owned),
            data,
        }
    }

    #[test]
    fn the_suppliers_reply_and_fulfilment_are_told_and_nothing_else_of_the_escalation() {
        let events = [
            event(EventKind::Escalated, false, None, json!({ "number": 7 })),
            event(
                EventKind::Upstream,
                false,
                None,
                json!({ "event": "status_changed", "data": { "from": "new", "to": "acknowledged" } }),
            ),
            event(
                EventKind::Upstream,
                false,
                Some("In the annex, page 112."),
                json!({ "event": "reply", "number": 7 }),
            ),
            event(
                EventKind::Note,
                false,
                Some("Supplier is slow again"),
                json!({}),
            ),
            event(
                EventKind::Upstream,
                false,
                None,
                json!({ "event": "status_changed", "data": { "from": "in_progress", "to": "fulfilled" } }),
            ),
        ];

        let told = answers_from_upstream(&events);

        assert_eq!(
            told,
            [
                UpstreamAnswer {
                    at: Timestamp::UNIX_EPOCH,
                    reply: Some("In the annex, page 112.".into()),
                },
                UpstreamAnswer {
                    at: Timestamp::UNIX_EPOCH,
                    reply: None,
                },
            ]
        );
    }

    #[test]
    fn relays_already_public_to_the_asker_are_not_told_twice() {
        let routed = [event(
            EventKind::Upstream,
            true,
            Some("In the annex."),
            json!({ "event": "reply" }),
        )];

        assert!(answers_from_upstream(&routed).is_empty());
    }
}
