//! Sign-in throttling, counted in the database so the limits hold across
//! servers and restarts.
//!
//! Failures are counted per account *and* client address. After a few on one
//! pair, each further attempt from that address on that account waits a
//! growing delay (2 s, 4 s, 8 s, … up to a cap) before its password is even
//! checked. Separately, an address with many failures across accounts (a
//! password spray) is paused for the window. Nothing locks an account as
//! such: its owner, signing in from an address without failures on it, gets
//! in at once while someone elsewhere guesses at it.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use jiff::{SignedDuration, Timestamp};
use kept_store::LoginFailures;

use crate::config::Config;
use crate::error::{ApiError, ProblemKind};
use crate::state::AppState;

/// How long a pair's failures count towards its delay: as long as the store
/// keeps them (`purge_expired`), so the cap, once reached, holds all day.
const PAIR_MEMORY: SignedDuration = SignedDuration::from_hours(24);

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

/// The address failures are counted under: an IPv6 client by its /64
/// network, since one subscriber is given a whole /64 and could otherwise
/// move to a fresh address for every guess; anything else as it is.
fn throttle_key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => v6.to_canonical().to_string(),
        _ => address.to_owned(),
    }
}

/// The throttling rules, from the configuration.
#[derive(Debug, Clone, Copy)]
struct Rules {
    before_delay: u32,
    max_delay: SignedDuration,
    per_address: u32,
    window: SignedDuration,
}

impl Rules {
    fn of(config: &Config) -> Self {
        Self {
            before_delay: config.login_failures_before_delay,
            max_delay: SignedDuration::from_secs(i64::from(config.login_max_delay_seconds)),
            per_address: config.login_failures_per_address,
            window: SignedDuration::from_mins(i64::from(config.login_window_minutes)),
        }
    }

    /// How long a pair with `failures` waits after its latest: nothing up
    /// to `before_delay`, then 2 s doubling with each failure, up to the cap.
    fn delay(&self, failures: u32) -> SignedDuration {
        let Some(beyond) = failures.checked_sub(self.before_delay) else {
            return SignedDuration::ZERO;
        };
        // 2^(beyond + 1) seconds; past 2^20 the cap has long been reached.
        let seconds = 1_i64 << (beyond.saturating_add(1)).min(20);
        SignedDuration::from_secs(seconds).min(self.max_delay)
    }

    /// Why an attempt is refused now, if it is.
    fn refusal(&self, failures: &LoginFailures, now: Timestamp) -> Option<Refusal> {
        if failures.by_address >= self.per_address {
            return Some(Refusal::Address(self.window));
        }
        let last = failures.last_on_pair?;
        let wait = now.duration_until(last + self.delay(failures.by_pair));
        wait.is_positive().then_some(Refusal::Pair(wait))
    }
}

/// Why a sign-in attempt is not checked, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// This account from this address: wait this long.
    Pair(SignedDuration),
    /// Anything from this address: wait this long.
    Address(SignedDuration),
}

impl Refusal {
    fn error(self) -> ApiError {
        let (wait, detail) = match self {
            Self::Pair(wait) => (
                wait,
                "too many failed sign-ins to this account from your address",
            ),
            Self::Address(wait) => (wait, "too many failed sign-ins from your address"),
        };
        // Whole seconds, rounded up, so a retry on time is not refused again.
        let seconds = (wait.as_millis() + 999) / 1000;
        let seconds = u64::try_from(seconds).unwrap_or(1).max(1);
        let mut error = ApiError::new(ProblemKind::TooManyAttempts)
            .detail(format!("{detail}; try again in {}", spoken(seconds)));
        error.retry_after = Some(seconds);
        error
    }
}

/// A wait in words: seconds under two minutes, else minutes rounded up.
fn spoken(seconds: u64) -> String {
    match seconds {
        1 => "1 second".into(),
        s if s < 120 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

/// Refuses a sign-in attempt while its pair must wait or its address is
/// paused; the password is not checked then.
pub async fn check(state: &AppState, email: &str, address: &str) -> Result<(), ApiError> {
    let rules = Rules::of(&state.config);
    let now = Timestamp::now();
    let failures = state
        .store
        .login_failures(
            email,
            &throttle_key(address),
            now - PAIR_MEMORY,
            now - rules.window,
        )
        .await?;
    match rules.refusal(&failures, now) {
        Some(refusal) => Err(refusal.error()),
        None => Ok(()),
    }
}

/// Records a failed attempt.
pub async fn failed(state: &AppState, email: &str, address: &str) -> Result<(), ApiError> {
    Ok(state
        .store
        .record_login_failure(email, &throttle_key(address), Timestamp::now())
        .await?)
}

/// Forgets the failures on an account from an address after it signs in
/// from there; failures from other addresses stay counted against theirs.
pub async fn succeeded(state: &AppState, email: &str, address: &str) -> Result<(), ApiError> {
    Ok(state
        .store
        .clear_login_failures(email, &throttle_key(address))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::of(&Config::default())
    }

    fn failures(by_pair: u32, ago: Option<i64>, by_address: u32, now: Timestamp) -> LoginFailures {
        LoginFailures {
            by_pair,
            last_on_pair: ago.map(|s| now - SignedDuration::from_secs(s)),
            by_address,
        }
    }

    #[test]
    fn the_delay_doubles_after_three_failures_up_to_fifteen_minutes() {
        let delays: Vec<i64> = (0..=15).map(|n| rules().delay(n).as_secs()).collect();
        assert_eq!(
            delays,
            [
                0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900
            ]
        );
        assert_eq!(rules().delay(u32::MAX).as_secs(), 900);
    }

    #[test]
    fn a_pair_waits_from_its_latest_failure_and_an_address_for_the_window() {
        let now = Timestamp::now();
        let r = rules();
        assert_eq!(r.refusal(&failures(0, None, 0, now), now), None);
        assert_eq!(r.refusal(&failures(2, Some(0), 2, now), now), None);
        assert_eq!(
            r.refusal(&failures(5, Some(3), 5, now), now),
            Some(Refusal::Pair(SignedDuration::from_secs(5))),
            "8 s after the fifth failure, 3 s of it gone"
        );
        assert_eq!(r.refusal(&failures(5, Some(8), 5, now), now), None);
        assert_eq!(
            r.refusal(&failures(0, None, 20, now), now),
            Some(Refusal::Address(SignedDuration::from_mins(15)))
        );
    }

    #[test]
    fn waits_are_told_in_whole_seconds_rounded_up() {
        let error = Refusal::Pair(SignedDuration::from_millis(1500)).error();
        assert_eq!(error.retry_after, Some(2));
        let error = Refusal::Address(SignedDuration::from_mins(15)).error();
        assert_eq!(error.retry_after, Some(900));
        assert_eq!(spoken(900), "15 minutes");
        assert_eq!(spoken(8), "8 seconds");
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_network_and_others_as_they_are() {
        assert_eq!(throttle_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            throttle_key("2001:db8:1:2:bbbb::9"),
            throttle_key("2001:db8:1:2:aaaa::1")
        );
        assert_eq!(throttle_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(throttle_key("192.0.2.7"), "192.0.2.7");
        assert_eq!(throttle_key("unknown"), "unknown");
    }
}
