//! Sign-in throttling, per account and per client address, counted in the
//! database so the limits hold across servers and restarts.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use jiff::{SignedDuration, Timestamp};

use crate::config::Config;
use crate::error::{ApiError, ProblemKind};
use crate::state::AppState;

/// The client's address: the peer, or (behind a trusted proxy) the rightmost
/// `X-Forwarded-For` entry, which the proxy itself added.
pub fn client_address(parts: &Parts, config: &Config) -> String {
    if config.trust_forwarded_for {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        if let Some(address) = forwarded {
            return address.to_owned();
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// The client's address, as an extractor.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(client_address(parts, &state.config)))
    }
}

/// Refuses a sign-in attempt while either limit is reached.
pub async fn check(state: &AppState, email: &str, address: &str) -> Result<(), ApiError> {
    let window = SignedDuration::from_mins(i64::from(state.config.login_window_minutes));
    let failures = state
        .store
        .login_failures(email, address, Timestamp::now() - window)
        .await?;
    if failures.by_account >= state.config.login_failures_per_account
        || failures.by_address >= state.config.login_failures_per_address
    {
        let mut error = ApiError::new(ProblemKind::TooManyAttempts).detail(format!(
            "too many failed sign-ins; try again in {} minutes",
            state.config.login_window_minutes
        ));
        error.retry_after = Some(window.as_secs().unsigned_abs());
        return Err(error);
    }
    Ok(())
}

/// Records a failed attempt.
pub async fn failed(state: &AppState, email: &str, address: &str) -> Result<(), ApiError> {
    Ok(state
        .store
        .record_login_failure(email, address, Timestamp::now())
        .await?)
}

/// Forgets an account's failures after it signs in.
pub async fn succeeded(state: &AppState, email: &str) -> Result<(), ApiError> {
    Ok(state.store.clear_login_failures(email).await?)
}
