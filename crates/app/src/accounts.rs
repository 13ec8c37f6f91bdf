//! Account flows shared by the API, the web pages and the CLI: creating
//! logins, inviting people to set a password, issuing API tokens.

use jiff::{SignedDuration, Timestamp};
use kept_domain::{Actor, ApiToken, Email, NewUser, PartyId, PartyName, Password, User, UserId};
use kept_store::{NewToken, Store};

use crate::error::Error;
use crate::password;
use crate::secret::{TOKEN_PREFIX, display_prefix, hash_secret, random_secret};

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;

/// A link with which a person sets their password.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// The full link to send them.
    pub url: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// A login to create.
#[derive(Debug)]
pub struct NewLogin {
    /// The login.
    pub email: Email,
    /// The person's name.
    pub name: PartyName,
    /// Where a new person party goes.
    pub parent_id: Option<PartyId>,
    /// An existing person party to attach the login to.
    pub party_id: Option<PartyId>,
    /// The first password; without one the person is invited to set it.
    pub password: Option<Password>,
}

/// Creates a login; without a password, also an invitation link.
pub async fn create_login(
    store: &dyn Store,
    actor: &Actor,
    public_url: &str,
    new: NewLogin,
) -> Result<(User, Option<Invitation>), Error> {
    let password_hash = match &new.password {
        Some(p) => Some(password::hash(p).await.map_err(Error::internal)?),
        None => None,
    };
    let user = store
        .create_user(
            actor,
            NewUser {
                email: new.email,
                name: new.name,
                party_id: new.party_id,
                parent_id: new.parent_id,
                password_hash,
            },
        )
        .await?;
    let invitation = match new.password {
        Some(_) => None,
        None => Some(invite(store, actor, public_url, user.id).await?),
    };
    Ok((user, invitation))
}

/// Issues a new invitation link for a user (replacing any earlier one).
pub async fn invite(
    store: &dyn Store,
    actor: &Actor,
    public_url: &str,
    user: UserId,
) -> Result<Invitation, Error> {
    let secret = random_secret("").map_err(Error::internal)?;
    let expires_at = Timestamp::now() + SignedDuration::from_hours(24 * INVITATION_DAYS);
    store
        .create_invitation(actor, user, &hash_secret(&secret), expires_at)
        .await?;
    Ok(Invitation {
        url: format!("{public_url}/invite/{secret}"),
        expires_at,
    })
}

/// A token as issued: the secret is shown this once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The token as listed later.
    pub token: ApiToken,
    /// The secret to send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Issues an API token for `user`, valid for `days` (forever if `None`).
pub async fn issue_token(
    store: &dyn Store,
    actor: &Actor,
    user: UserId,
    name: &str,
    days: Option<u32>,
) -> Result<IssuedToken, Error> {
    let secret = random_secret(TOKEN_PREFIX).map_err(Error::internal)?;
    let expires_at = days.map(|d| Timestamp::now() + SignedDuration::from_hours(24 * i64::from(d)));
    let token = store
        .create_token(
            actor,
            NewToken {
                user,
                name: name.to_owned(),
                prefix: display_prefix(&secret),
                hash: hash_secret(&secret),
                expires_at,
            },
        )
        .await?;
    Ok(IssuedToken { token, secret })
}

/// Checks a token label: 1 to 100 characters.
pub fn token_name(field: &str, raw: &str) -> Result<String, kept_domain::FieldError> {
    let name = kept_domain::single_line(field, raw, 100)?;
    if name.is_empty() {
        return Err(kept_domain::FieldError::new(
            field,
            "must be 1 to 100 characters",
        ));
    }
    Ok(name)
}

/// Checks a token lifetime: 1 to 3650 days.
pub fn token_days(field: &str, days: Option<u32>) -> Result<Option<u32>, kept_domain::FieldError> {
    match days {
        Some(d) if d == 0 || d > 3650 => Err(kept_domain::FieldError::new(
            field,
            "must be between 1 and 3650 days",
        )),
        other => Ok(other),
    }
}
