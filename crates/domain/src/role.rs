//! Roles and the grants that give them to users on parties.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::ids::{GrantId, PartyId, UserId};

/// What a user may do with respect to a party (see DESIGN.md, "People who use it").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the installation: everything, users, configuration. Installation-wide
    /// whatever party it is granted on.
    Admin,
    /// The provider's service or account manager: manages the parties under the granted party.
    Manager,
    /// The provider's staff working requests for the granted party.
    Agent,
    /// Contact at the party that placed a contract: sees all of that party's data.
    Client,
    /// Contact at a site or recipient: sees their own party's data only.
    Customer,
    /// Contact at an upstream supplier: sees what is addressed to their party.
    Supplier,
    /// Member of a contract's steering group.
    Approver,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 7] = [
        Self::Admin,
        Self::Manager,
        Self::Agent,
        Self::Client,
        Self::Customer,
        Self::Supplier,
        Self::Approver,
    ];

    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::Agent => "agent",
            Self::Client => "client",
            Self::Customer => "customer",
            Self::Supplier => "supplier",
            Self::Approver => "approver",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role `{s}`: use admin, manager, agent, client, customer, supplier or approver"
                )
            })
    }
}

/// A role held by a user on a party.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    /// Its identifier.
    pub id: GrantId,
    /// Who holds the role.
    pub user_id: UserId,
    /// The role.
    pub role: Role,
    /// The party the role is held on; it reaches everything nested under it.
    pub party_id: PartyId,
    /// When it was granted.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_their_api_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
