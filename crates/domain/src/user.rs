//! Users (people with a login), their credentials and API tokens.

use std::fmt;

use serde::Serialize;

use crate::Timestamp;
use crate::error::FieldError;
use crate::ids::{PartyId, TokenId, UserId};
use crate::party::PartyName;

/// An email address, trimmed and lower-cased so that one address is one login.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Email(String);

crate::error::deserialize_by_parsing!(Email);

impl Email {
    /// Parses an address: one `@`, something on each side, no spaces, at most 254 characters.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        let invalid =
            || FieldError::new(field, "must be an email address such as name@example.com");
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || domain.is_empty()
            || domain.contains('@')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as typed, before hashing. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Fewest characters accepted.
    pub const MIN_CHARS: usize = 10;
    /// Most characters accepted (hashing cost grows with length).
    pub const MAX_CHARS: usize = 256;

    /// Parses a new password, reporting failures against `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(FieldError::new(
                field,
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if n > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret text, for hashing or verifying.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A person party with a login.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Its identifier.
    pub id: UserId,
    /// The person party this login belongs to.
    pub party_id: PartyId,
    /// The login, unique across the installation.
    pub email: Email,
    /// The person's name (the person party's name).
    pub name: PartyName,
    /// Whether a password is set; an invited user has none until they accept.
    pub has_password: bool,
    /// When the login was archived; archived users cannot sign in.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub archived_at: Option<Timestamp>,
    /// When the user last signed in.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_login_at: Option<Timestamp>,
    /// When the login was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// What is needed to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The login.
    pub email: Email,
    /// The person's name.
    pub name: PartyName,
    /// An existing person party to attach the login to; else a new one is made.
    pub party_id: Option<PartyId>,
    /// Where the new person party belongs (ignored with `party_id`).
    pub parent_id: Option<PartyId>,
    /// The Argon2id hash of the initial password; `None` for an invited user.
    pub password_hash: Option<String>,
}

/// An API token as listed: never the secret, which is shown once at creation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    /// Its identifier.
    pub id: TokenId,
    /// Whose token it is.
    pub user_id: UserId,
    /// A label to tell tokens apart ("CI", "reporting script").
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    /// When it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it was last used (to the minute).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_used_at: Option<Timestamp>,
    /// When it stops working, if ever.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<Timestamp>,
    /// When it was revoked.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub revoked_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_to_one_login() {
        assert_eq!(
            Email::parse("email", "  Maya.Patel@Example.COM ").map(|e| e.to_string()),
            Ok("maya.patel@example.com".into())
        );
        assert!(Email::parse("email", "ops@localhost").is_ok());
        for bad in [
            "",
            "maya",
            "@example.com",
            "maya@",
            "a@b@c",
            "ma ya@x.com",
            "m@.com",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn passwords_have_bounds_and_never_print() {
        assert!(Password::parse("password", "short").is_err());
        assert!(Password::parse("password", &"x".repeat(257)).is_err());
        let p = Password::parse("password", "correct horse").ok();
        assert_eq!(format!("{p:?}"), "Some(Password(***))");
    }
}
