//! Contracts: who provides, who placed it (the client), who is served (the
//! customers), which services, on which calendar, and the steering group
//! that approves changes to it.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Timestamp;
use crate::error::{FieldError, ValidationErrors};
use crate::ids::{CalendarId, ContractId, PartyId, ServiceId, UserId};
use crate::party::PartyName;

/// How many of a steering group must approve a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quorum {
    /// Every member.
    All,
    /// More than half of the members.
    Majority,
    /// At least this many members ("n of m").
    AtLeast(u32),
}

impl Quorum {
    /// Approvals needed in a group of `members`.
    pub fn required(self, members: usize) -> usize {
        match self {
            Self::All => members,
            Self::Majority => members / 2 + 1,
            Self::AtLeast(n) => usize::try_from(n).unwrap_or(usize::MAX),
        }
    }

    /// Whether `approvals` of `members` meet the rule.
    pub fn is_met(self, approvals: usize, members: usize) -> bool {
        members > 0 && approvals >= self.required(members)
    }

    /// Checks the rule against a group of `members`.
    pub fn check(self, field: &str, members: usize) -> Result<(), FieldError> {
        match self {
            Self::AtLeast(n) if n == 0 || usize::try_from(n).unwrap_or(usize::MAX) > members => {
                Err(FieldError::new(
                    field,
                    format!("must be from 1 to the size of the steering group ({members})"),
                ))
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Quorum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Majority => f.write_str("majority"),
            Self::AtLeast(n) => write!(f, "{n}"),
        }
    }
}

impl FromStr for Quorum {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "all" => Ok(Self::All),
            "majority" => Ok(Self::Majority),
            n => n.parse::<u32>().map(Self::AtLeast).map_err(|_| {
                format!("`{s}` is not a quorum: write all, majority, or a number of members")
            }),
        }
    }
}

impl Serialize for Quorum {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quorum {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contract {
    /// The contract's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: ContractId,
    /// Its name ("Harbour Retail facilities management 2026").
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name: PartyName,
    /// The party that provides the services.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub provider_id: PartyId,
    /// The party that placed the contract and pays for it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub client_id: PartyId,
    /// The parties served (sites, departments, end users).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub customer_ids: Vec<PartyId>,
    /// The services it covers, from the provider's catalog.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub service_ids: Vec<ServiceId>,
    /// The business calendar its clocks run on.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub calendar_id: Option<CalendarId>,
    /// The last day of the probation period, if there is one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub probation_ends_on: Option<jiff::civil::Date>,
    /// The users who approve changes to it.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub steering_group: Vec<UserId>,
    /// How many of them must approve: `all`, `majority`, or a number.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "majority"))]
    pub quorum: Quorum,
    /// The address a new request is mailed to (`facilities@example.com`),
    /// if it takes requests by email.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Email))]
    pub intake_address: Option<crate::Email>,
    /// When it ended, if it has.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub archived_at: Option<Timestamp>,
    /// When it was recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

impl Contract {
    /// Whether `user` sits on the steering group.
    pub fn is_steered_by(&self, user: UserId) -> bool {
        self.steering_group.contains(&user)
    }

    /// Whether it has ended.
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// A contract to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContract {
    /// Its name.
    pub name: PartyName,
    /// The provider.
    pub provider_id: PartyId,
    /// The client.
    pub client_id: PartyId,
    /// The customers served.
    pub customer_ids: Vec<PartyId>,
    /// The services covered.
    pub service_ids: Vec<ServiceId>,
    /// The calendar.
    pub calendar_id: Option<CalendarId>,
    /// The last day of probation.
    pub probation_ends_on: Option<jiff::civil::Date>,
    /// The approvers.
    pub steering_group: Vec<UserId>,
    /// The approval rule.
    pub quorum: Quorum,
}

fn dedup<T: Ord + Copy>(items: &[T]) -> (Vec<T>, bool) {
    let mut seen = BTreeSet::new();
    let out: Vec<T> = items.iter().copied().filter(|i| seen.insert(*i)).collect();
    let had_repeats = out.len() != items.len();
    (out, had_repeats)
}

impl NewContract {
    /// Checks what can be checked without the database: at least one
    /// customer and one approver, no repeats, a quorum the group can meet,
    /// and a provider that is not its own client.
    pub fn checked(mut self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.provider_id == self.client_id {
            errors.push(FieldError::new(
                "client_id",
                "the provider cannot be its own client",
            ));
        }
        if self.customer_ids.is_empty() {
            errors.push(FieldError::new(
                "customer_ids",
                "a contract serves at least one customer",
            ));
        }
        if self.steering_group.is_empty() {
            errors.push(FieldError::new(
                "steering_group",
                "a contract needs at least one approver for its change requests",
            ));
        }
        for (field, repeated) in [
            ("customer_ids", dedup(&self.customer_ids).1),
            ("service_ids", dedup(&self.service_ids).1),
            ("steering_group", dedup(&self.steering_group).1),
        ] {
            if repeated {
                errors.push(FieldError::new(field, "lists an entry twice"));
            }
        }
        self.customer_ids = dedup(&self.customer_ids).0;
        self.service_ids = dedup(&self.service_ids).0;
        self.steering_group = dedup(&self.steering_group).0;
        if let Err(e) = self.quorum.check("quorum", self.steering_group.len()) {
            errors.push(e);
        }
        errors.into_result(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorum_rules_count_approvals() {
        assert!(Quorum::All.is_met(3, 3));
        assert!(!Quorum::All.is_met(2, 3));
        assert!(Quorum::Majority.is_met(2, 3));
        assert!(!Quorum::Majority.is_met(2, 4));
        assert!(Quorum::Majority.is_met(3, 4));
        assert!(Quorum::AtLeast(2).is_met(2, 5));
        assert!(!Quorum::AtLeast(2).is_met(1, 5));
        assert!(!Quorum::All.is_met(0, 0), "an empty group approves nothing");
        assert!(Quorum::AtLeast(4).check("quorum", 3).is_err());
        assert!(Quorum::AtLeast(0).check("quorum", 3).is_err());
        assert_eq!("2".parse::<Quorum>(), Ok(Quorum::AtLeast(2)));
        assert!("most".parse::<Quorum>().is_err());
    }

    #[test]
    fn a_new_contract_needs_customers_approvers_and_a_meetable_quorum() {
        let (p, c) = (PartyId::new(), PartyId::new());
        let u = UserId::new();
        let base = NewContract {
            name: PartyName::parse("name", "FM").expect("name"),
            provider_id: p,
            client_id: c,
            customer_ids: vec![c],
            service_ids: vec![],
            calendar_id: None,
            probation_ends_on: None,
            steering_group: vec![u],
            quorum: Quorum::All,
        };
        assert!(base.clone().checked().is_ok());
        let bad = NewContract {
            client_id: p,
            customer_ids: vec![],
            steering_group: vec![u, u],
            quorum: Quorum::AtLeast(3),
            ..base
        }
        .checked()
        .expect_err("invalid");
        let fields: Vec<&str> = bad.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["client_id", "customer_ids", "steering_group", "quorum"]
        );
    }
}
