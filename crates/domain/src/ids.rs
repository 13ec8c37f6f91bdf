//! Identifiers of stored things.
//!
//! All are UUIDv7: unique without coordination between servers, and ordered by
//! creation time, so keyset pagination by id lists things oldest first.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        pub struct $name(Uuid);

        impl $name {
            /// A new identifier, ordered after every one made before it.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The UUID inside.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// Identifies a party.
    PartyId
);
id_type!(
    /// Identifies a user (a person party with a login).
    UserId
);
id_type!(
    /// Identifies a role grant.
    GrantId
);
id_type!(
    /// Identifies an API token (not the secret itself).
    TokenId
);
id_type!(
    /// Identifies an entry of the audit log.
    AuditEventId
);
id_type!(
    /// Identifies a supplier → customer link.
    LinkId
);
id_type!(
    /// Identifies a stored business calendar.
    CalendarId
);
id_type!(
    /// Identifies a service of the catalog.
    ServiceId
);
id_type!(
    /// Identifies a contract.
    ContractId
);
id_type!(
    /// Identifies a change request against a contract.
    ChangeRequestId
);
id_type!(
    /// Identifies a request (order, incident, question, ...).
    RequestId
);
id_type!(
    /// Identifies a saved queue filter.
    SavedFilterId
);
id_type!(
    /// Identifies an outbox row: one event someone is told about (also the
    /// `webhook-id` of its webhook deliveries' events).
    OutboxId
);
id_type!(
    /// Identifies one message to one recipient by one channel.
    DeliveryId
);
id_type!(
    /// Identifies a webhook subscription.
    WebhookId
);
id_type!(
    /// Identifies a message mailed in.
    InboundMailId
);
id_type!(
    /// Identifies a new date proposed for a request's promise.
    DateProposalId
);
id_type!(
    /// Identifies a team member's absence.
    AbsenceId
);
id_type!(
    /// Identifies an order line (of an order, or of imported history).
    OrderLineId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_sort_by_creation() {
        let first = PartyId::new();
        let second = PartyId::new();
        assert!(first < second);
        assert!(first.to_string() < second.to_string());
        assert_eq!(first.to_string().parse::<PartyId>().ok(), Some(first));
        assert!("not-a-uuid".parse::<PartyId>().is_err());
    }
}
