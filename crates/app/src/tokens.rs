//! API tokens: the caller's own, issued and revoked alike through the API
//! and the tokens page (the CLI issues them for any user with
//! [`accounts::issue_token`]).

use kept_domain::{Actor, ApiToken, Principal, TokenId};

use crate::Context;
use crate::accounts::{self, IssuedToken};
use crate::error::Error;

/// The caller's tokens, newest first (never their secrets).
pub async fn list(ctx: &Context, caller: &Principal) -> Result<Vec<ApiToken>, Error> {
    Ok(ctx.store.tokens_of(caller.user_id).await?)
}

/// Issues a token for the caller, labelled `name` (1 to 100 characters)
/// and valid for `expires_in_days` (1 to 3650; forever if `None`).
pub async fn issue(
    ctx: &Context,
    caller: &Principal,
    name: &str,
    expires_in_days: Option<u32>,
) -> Result<IssuedToken, Error> {
    let name = accounts::token_name("name", name)?;
    let days = accounts::token_days("expires_in_days", expires_in_days)?;
    accounts::issue_token(
        ctx.store.as_ref(),
        &Actor::user(caller),
        caller.user_id,
        &name,
        days,
    )
    .await
}

/// Revokes one of the caller's tokens; anyone else's is not found.
pub async fn revoke(ctx: &Context, caller: &Principal, id: TokenId) -> Result<ApiToken, Error> {
    Ok(ctx
        .store
        .revoke_token(&Actor::user(caller), caller.user_id, id)
        .await?)
}
