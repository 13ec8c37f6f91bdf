//! Account flows shared by the API, the web pages and the CLI: creating
//! logins, inviting people to set a password and accepting the invitation,
//! one's own account and changing one's password, issuing API tokens.

use jiff::{SignedDuration, Timestamp};
use kept_domain::{
    Actor, ApiToken, Email, Grant, NewUser, PartyId, PartyName, Password, Principal, Role, User,
    UserId,
};
use kept_store::{NewToken, Store, StoreError};

use crate::Context;
use crate::error::{Error, Kind};
use crate::password;
use crate::secret::{TOKEN_PREFIX, display_prefix, hash_secret, random_secret};
use crate::users::{GrantRow, named_grants};

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
    // Blank before the other checks: a name of control characters alone is empty.
    if kept_domain::is_blank(raw) {
        return Err(kept_domain::FieldError::new(
            field,
            "must be 1 to 100 characters",
        ));
    }
    kept_domain::single_line(field, raw, 100)
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

/// One's own account as its page shows it.
#[derive(Debug, Clone)]
pub struct Account {
    /// The login.
    pub email: Email,
    /// The roles held, with their parties' names.
    pub grants: Vec<GrantRow>,
}

/// The caller's own account.
pub async fn account(ctx: &Context, caller: &Principal) -> Result<Account, Error> {
    Ok(Account {
        email: caller.email.clone(),
        grants: named_grants(ctx, caller.grants.clone()).await?,
    })
}

/// A change of one's password, as typed.
#[derive(Debug, Clone)]
pub struct PasswordChange {
    /// The current password, which must check out.
    pub current: String,
    /// The new password.
    pub new: String,
    /// The new password again.
    pub confirm: String,
}

/// The field a wrong current password is refused on.
const CURRENT: &str = "current";

/// Changes the caller's password once their current one checks out, and
/// ends every session stored for them: a front end that keeps one carries
/// it on under a fresh id. A wrong current password is refused on field
/// `current` (see [`is_wrong_password`]).
pub async fn change_password(
    ctx: &Context,
    caller: &Principal,
    change: PasswordChange,
) -> Result<(), Error> {
    let stored = ctx
        .store
        .credentials(caller.email.as_str())
        .await?
        .and_then(|c| c.password_hash);
    if !password::verify(&change.current, stored.as_deref()).await {
        return Err(Error::field(CURRENT, "is not your current password"));
    }
    let new = Password::parse("new", &change.new)?;
    if change.new != change.confirm {
        return Err(Error::field("confirm", "does not match the new password"));
    }
    let hash = password::hash(&new).await.map_err(Error::internal)?;
    ctx.store
        .set_password_hash(&Actor::user(caller), caller.user_id, &hash)
        .await?;
    ctx.store.delete_sessions_of(caller.user_id).await?;
    Ok(())
}

/// Whether [`change_password`] refused a wrong current password: front
/// ends count that as a failed sign-in, so guessing is throttled.
pub fn is_wrong_password(error: &Error) -> bool {
    error.kind == Kind::Invalid && error.errors.iter().any(|f| f.field == CURRENT)
}

/// The login a live invitation (unused, unexpired) is for, by the secret
/// of its link.
pub async fn invitation(ctx: &Context, secret: &str) -> Result<Option<User>, Error> {
    Ok(ctx
        .store
        .invitation_user(&hash_secret(secret), Timestamp::now())
        .await?)
}

/// What was wrong with the password chosen on an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordProblem {
    /// It breaks the password rules, as said.
    Invalid(String),
    /// The two copies differ.
    Mismatch,
}

/// What became of accepting an invitation.
#[derive(Debug, Clone)]
pub enum Acceptance {
    /// No live invitation has this secret (never issued, used or expired).
    NoInvitation,
    /// The password was refused; the invitation still stands.
    Refused {
        /// The login it is for.
        email: Email,
        /// Why.
        problem: PasswordProblem,
    },
    /// The password is set and the invitation used up: the person may be
    /// signed in.
    Accepted(User),
}

/// Sets the password of the login a live invitation is for, and uses the
/// invitation up.
pub async fn accept_invitation(
    ctx: &Context,
    secret: &str,
    chosen: &str,
    confirm: &str,
) -> Result<Acceptance, Error> {
    let hash = hash_secret(secret);
    let Some(user) = ctx.store.invitation_user(&hash, Timestamp::now()).await? else {
        return Ok(Acceptance::NoInvitation);
    };
    let problem = match Password::parse("password", chosen) {
        Err(e) => PasswordProblem::Invalid(e.message),
        Ok(_) if chosen != confirm => PasswordProblem::Mismatch,
        Ok(password) => return set_invited_password(ctx, &hash, &password).await,
    };
    Ok(Acceptance::Refused {
        email: user.email,
        problem,
    })
}

/// Sets the password and uses up the invitation whose secret hashes to
/// `hash`.
async fn set_invited_password(
    ctx: &Context,
    hash: &str,
    password: &Password,
) -> Result<Acceptance, Error> {
    let password_hash = password::hash(password).await.map_err(Error::internal)?;
    match ctx
        .store
        .accept_invitation(hash, &password_hash, Timestamp::now())
        .await
    {
        // Used or expired since it was read: as if it never was.
        Err(StoreError::NotFound) => Ok(Acceptance::NoInvitation),
        other => Ok(Acceptance::Accepted(other?)),
    }
}

/// The active user whose password is `password`, if `email` names one.
/// The password is hashed even when nobody has the address, so that a
/// wrong address takes as long to refuse as a wrong password.
pub async fn authenticate(
    ctx: &Context,
    email: &str,
    password: &str,
) -> Result<Option<User>, Error> {
    let active = ctx
        .store
        .credentials(email)
        .await?
        .filter(|c| c.user.archived_at.is_none());
    let stored_hash = active.as_ref().and_then(|c| c.password_hash.as_deref());
    let verified = password::verify(password, stored_hash).await;
    Ok(active.filter(|_| verified).map(|c| c.user))
}

/// The principal of the active user with login `email`, for a trusted
/// operator (the CLI on the server's machine) acting as them: exactly that
/// user's rights. Not found, or `user-archived`, otherwise.
pub async fn acting_as(ctx: &Context, email: &str) -> Result<Principal, Error> {
    let user = ctx
        .store
        .user_by_email(&email.trim().to_lowercase())
        .await?;
    if user.archived_at.is_some() {
        return Err(
            Error::new(Kind::Conflict(kept_store::Conflict::UserArchived))
                .detail(format!("{} is archived", user.email)),
        );
    }
    Ok(ctx.store.principal(user.id).await?)
}

/// Makes a login an admin, as a trusted operator (`kept user add --admin`)
/// may: admins are made outside the web UI's own admin rights.
pub async fn make_admin(ctx: &Context, actor: &Actor, user: &User) -> Result<Grant, Error> {
    Ok(ctx
        .store
        .add_grant(actor, user.id, Role::Admin, user.party_id)
        .await?)
}
