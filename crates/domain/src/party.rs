//! Parties: organisations, their sites and departments, teams and people.
//!
//! Parties nest. The nesting rules below keep the tree meaningful: a person
//! contains nothing, a site belongs to an organisation, an organisation sits
//! at the top or under another organisation (a subsidiary).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::error::FieldError;
use crate::ids::PartyId;

/// What sort of party this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A company, public body or other legal entity.
    Organisation,
    /// A place where an organisation receives service (a store, an office).
    Site,
    /// A department within an organisation.
    Department,
    /// A group of people who work together (a helpdesk, a crew).
    Team,
    /// One human being.
    Person,
}

impl PartyKind {
    /// Every kind, in the order the UI offers them.
    pub const ALL: [PartyKind; 5] = [
        Self::Organisation,
        Self::Site,
        Self::Department,
        Self::Team,
        Self::Person,
    ];

    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organisation => "organisation",
            Self::Site => "site",
            Self::Department => "department",
            Self::Team => "team",
            Self::Person => "person",
        }
    }

    /// Whether a party of this kind may be placed under `parent` (`None`: at the top).
    pub fn may_sit_under(self, parent: Option<PartyKind>) -> Result<(), String> {
        use PartyKind::*;
        match (self, parent) {
            (_, Some(Person)) => Err("a person cannot contain other parties".into()),
            (Organisation, None | Some(Organisation)) => Ok(()),
            (Organisation, Some(p)) => Err(format!(
                "an organisation sits at the top or under another organisation, not under a {}",
                p.as_str()
            )),
            (Site | Department | Team, None) => Err(format!(
                "a {} belongs to an organisation: give it a parent",
                self.as_str()
            )),
            (Site | Department | Team, Some(_)) => Ok(()),
            (Person, _) => Ok(()),
        }
    }
}

impl fmt::Display for PartyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PartyKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!("unknown kind `{s}`: use organisation, site, department, team or person")
            })
    }
}

/// A party's display name: trimmed, 1 to 200 characters, no control
/// characters, not made only of characters that show nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct PartyName(String);

impl PartyName {
    /// Longest name accepted, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Parses a name, reporting failures against `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        if crate::error::is_blank(name) {
            return Err(FieldError::new(field, "must not be empty"));
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                "must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PartyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An identifier a party has in another system (a store number, an account
/// code): 1 to 64 characters of letters, digits and `-_.:/`, unique in Kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct PartyReference(String);

impl PartyReference {
    /// Parses a reference, reporting failures against `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let r = raw.trim();
        let ok_char = |c: char| c.is_ascii_alphanumeric() || "-_.:/".contains(c);
        if r.is_empty() || r.len() > 64 || !r.chars().all(ok_char) {
            return Err(FieldError::new(
                field,
                "must be 1 to 64 letters, digits or -_.:/ characters",
            ));
        }
        Ok(Self(r.to_owned()))
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A party as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Party {
    /// Its identifier.
    pub id: PartyId,
    /// What sort of party it is.
    pub kind: PartyKind,
    /// Its display name.
    pub name: PartyName,
    /// The party it belongs to, if any.
    pub parent_id: Option<PartyId>,
    /// Whether it is part of the provider's own organisation.
    pub internal: bool,
    /// Its identifier in another system, if any.
    pub reference: Option<PartyReference>,
    /// When it was archived; archived parties are hidden from lists by default.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub archived_at: Option<Timestamp>,
    /// When it was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it was last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

impl Party {
    /// True once archived.
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// What is needed to create a party.
#[derive(Debug, Clone, PartialEq)]
pub struct NewParty {
    /// What sort of party.
    pub kind: PartyKind,
    /// Its name.
    pub name: PartyName,
    /// Where it belongs.
    pub parent_id: Option<PartyId>,
    /// Part of the provider's organisation; `None` inherits the parent's flag.
    pub internal: Option<bool>,
    /// Its identifier in another system.
    pub reference: Option<PartyReference>,
}

/// A change to a party; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartyPatch {
    /// A new name.
    pub name: Option<PartyName>,
    /// A new parent: `Some(None)` moves the party to the top.
    pub parent_id: Option<Option<PartyId>>,
    /// A new internal flag.
    pub internal: Option<bool>,
    /// A new reference: `Some(None)` removes it.
    pub reference: Option<Option<PartyReference>>,
}

impl PartyPatch {
    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// The chain of parties from the top of a tree down to one party, inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lineage(pub Vec<PartyId>);

impl Lineage {
    /// The party at the end of the chain.
    pub fn party(&self) -> Option<PartyId> {
        self.0.last().copied()
    }

    /// Whether `party` is this party or one of its ancestors.
    pub fn contains(&self, party: PartyId) -> bool {
        self.0.contains(&party)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PartyKind::*;

    #[test]
    fn nesting_rules_keep_the_tree_meaningful() {
        assert!(Organisation.may_sit_under(None).is_ok());
        assert!(Organisation.may_sit_under(Some(Organisation)).is_ok());
        assert!(Organisation.may_sit_under(Some(Site)).is_err());
        assert!(Site.may_sit_under(Some(Organisation)).is_ok());
        assert!(Site.may_sit_under(None).is_err());
        assert!(Team.may_sit_under(Some(Department)).is_ok());
        assert!(Person.may_sit_under(None).is_ok());
        assert!(Person.may_sit_under(Some(Team)).is_ok());
        for kind in PartyKind::ALL {
            assert!(kind.may_sit_under(Some(Person)).is_err());
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            PartyName::parse("name", "  Leeds store ").map(|n| n.to_string()),
            Ok("Leeds store".into())
        );
        assert!(PartyName::parse("name", "   ").is_err());
        assert!(PartyName::parse("name", &"x".repeat(201)).is_err());
        assert!(PartyName::parse("name", &"é".repeat(200)).is_ok());
        assert!(PartyName::parse("name", "bad\u{0}name").is_err());
        for blank in ["\u{200B}", "\u{0007}", " \u{200B}\t", "\u{FEFF}"] {
            assert_eq!(
                PartyName::parse("name", blank).map_err(|e| e.message),
                Err("must not be empty".to_owned()),
                "{blank:?}"
            );
        }
    }

    #[test]
    fn references_allow_codes_only() {
        assert!(PartyReference::parse("reference", "STORE-012").is_ok());
        assert!(PartyReference::parse("reference", "acct:42/b").is_ok());
        assert!(PartyReference::parse("reference", "two words").is_err());
        assert!(PartyReference::parse("reference", "").is_err());
    }

    #[test]
    fn kinds_parse_from_their_api_names() {
        for kind in PartyKind::ALL {
            assert_eq!(kind.as_str().parse::<PartyKind>(), Ok(kind));
        }
        assert!("company".parse::<PartyKind>().is_err());
    }
}

crate::error::deserialize_by_parsing!(PartyName, PartyReference);
