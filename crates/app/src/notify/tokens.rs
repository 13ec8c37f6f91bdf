//! Signed tokens in mail: the reply address that leads a reply back to its
//! request, the one-click unsubscribe link, and the single-use link that
//! answers a proposed date. Each is an HMAC-SHA256
//! under a key the servers share (made on first use, kept in the
//! database), so they cannot be guessed from a request's number.

use hmac::{Hmac, KeyInit, Mac};
use kept_domain::{DateProposalId, Request, RequestId, Topic, UserId};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::Context;
use crate::error::Error;
use crate::secret::random_secret;

/// The name of the shared key.
const KEY: &str = "mail-tokens";
/// Bytes of MAC a token carries: 80 bits, in 20 hex digits, so a reply
/// address stays within the 64 characters of an address's local part.
const MAC_BYTES: usize = 10;

/// Signs and checks the tokens.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(***)")
    }
}

impl Signer {
    /// The signer with the servers' shared key.
    pub async fn load(ctx: &Context) -> Result<Self, Error> {
        let fresh = random_secret("").map_err(Error::internal)?;
        let key = ctx.store.server_key(KEY, &fresh).await?;
        Ok(Self::new(key.as_bytes()))
    }

    /// A signer with `key` (tests).
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    fn mac(&self, purpose: &str, parts: &[&str]) -> String {
        // A key of any length is accepted by HMAC; this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(purpose.as_bytes());
        for part in parts {
            mac.update(b"\0");
            mac.update(part.as_bytes());
        }
        let bytes = mac.finalize().into_bytes();
        bytes[..MAC_BYTES]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The token of `request`'s reply address: its number, a dash, and the
    /// MAC of its id (`r42-…`).
    pub fn reply_token(&self, request: &Request) -> String {
        format!(
            "r{}-{}",
            request.number,
            self.mac("reply", &[&request.id.to_string()])
        )
    }

    /// The request number a reply token names, if the token is shaped like
    /// one; check it with [`Signer::reply_token_matches`] once the request
    /// is read.
    pub fn reply_token_number(token: &str) -> Option<i64> {
        let (number, mac) = token.strip_prefix('r')?.split_once('-')?;
        (mac.len() == MAC_BYTES * 2).then_some(())?;
        number.parse().ok()
    }

    /// Whether `token` was made for the request `id`.
    pub fn reply_token_matches(&self, token: &str, id: RequestId) -> bool {
        let Some((_, mac)) = token.split_once('-') else {
            return false;
        };
        let expected = self.mac("reply", &[&id.to_string()]);
        expected
            .as_bytes()
            .ct_eq(mac.to_ascii_lowercase().as_bytes())
            .into()
    }

    /// The token of the link that stops mail of `topic` to `user`.
    pub fn unsubscribe_token(&self, user: UserId, topic: Topic) -> String {
        let user = user.to_string();
        format!(
            "{user}.{topic}.{}",
            self.mac("unsubscribe", &[&user, topic.as_str()])
        )
    }

    /// The user and topic an unsubscribe token stops, if it is genuine.
    pub fn check_unsubscribe(&self, token: &str) -> Option<(UserId, Topic)> {
        let mut parts = token.split('.');
        let (user, topic, mac) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let expected = self.mac("unsubscribe", &[user, topic]);
        if !bool::from(expected.as_bytes().ct_eq(mac.as_bytes())) {
            return None;
        }
        Some((user.parse().ok()?, topic.parse().ok()?))
    }

    /// The token of the link by which `user` answers the proposal
    /// `proposal`. It works once because a proposal is answered once.
    pub fn proposal_token(&self, proposal: DateProposalId, user: UserId) -> String {
        let (proposal, user) = (proposal.to_string(), user.to_string());
        format!(
            "{proposal}.{user}.{}",
            self.mac("proposal", &[&proposal, &user])
        )
    }

    /// The proposal and the user a proposal token answers for, if it is
    /// genuine.
    pub fn check_proposal(&self, token: &str) -> Option<(DateProposalId, UserId)> {
        let mut parts = token.split('.');
        let (proposal, user, mac) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let expected = self.mac("proposal", &[proposal, user]);
        if !bool::from(expected.as_bytes().ct_eq(mac.as_bytes())) {
            return None;
        }
        Some((proposal.parse().ok()?, user.parse().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsubscribe_token_names_its_user_and_topic_and_resists_tampering() {
        let signer = Signer::new(b"key");
        let user = UserId::new();
        let token = signer.unsubscribe_token(user, Topic::RequestAtRisk);
        assert_eq!(
            signer.check_unsubscribe(&token),
            Some((user, Topic::RequestAtRisk))
        );
        let other = token.replace("request_at_risk", "request_breached");
        assert_eq!(signer.check_unsubscribe(&other), None, "another topic");
        assert_eq!(
            Signer::new(b"other").check_unsubscribe(&token),
            None,
            "another key"
        );
    }

    #[test]
    fn a_proposal_token_names_its_proposal_and_user_and_resists_tampering() {
        let signer = Signer::new(b"key");
        let (proposal, user) = (DateProposalId::new(), UserId::new());
        let token = signer.proposal_token(proposal, user);
        assert_eq!(signer.check_proposal(&token), Some((proposal, user)));
        let someone = UserId::new();
        let swapped = token.replace(&user.to_string(), &someone.to_string());
        assert_eq!(signer.check_proposal(&swapped), None, "another user");
        let mut flipped = token.clone();
        let last = flipped
            .pop()
            .map_or('0', |c| if c == '0' { '1' } else { '0' });
        flipped.push(last);
        assert_eq!(signer.check_proposal(&flipped), None, "another MAC");
        assert_eq!(signer.check_proposal(&format!("{token}.x")), None);
        assert_eq!(signer.check_proposal("garbled"), None);
        assert_eq!(
            Signer::new(b"other").check_proposal(&token),
            None,
            "another key"
        );
        let unsubscribe = signer.unsubscribe_token(user, Topic::DateAnswered);
        assert_eq!(signer.check_proposal(&unsubscribe), None, "another purpose");
    }

    #[test]
    fn a_reply_token_fits_an_address_and_names_its_request() {
        let token = format!("r123-{}", "ab".repeat(MAC_BYTES));
        assert_eq!(Signer::reply_token_number(&token), Some(123));
        assert_eq!(Signer::reply_token_number("r123-short"), None);
        assert_eq!(Signer::reply_token_number("123-abc"), None);
        assert!(format!("reply+r{}-{}", i64::MAX, "ab".repeat(MAC_BYTES)).len() <= 64);
    }
}
