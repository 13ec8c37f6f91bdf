//! Random secrets (API tokens, invitation links) and their stored hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The prefix of every API token, so that leaked tokens are recognisable
/// (secret scanners can match `kept_`).
pub const TOKEN_PREFIX: &str = "kept_";

/// A new secret: 32 random bytes from the operating system, base64url, after `prefix`.
pub fn random_secret(prefix: &str) -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// The SHA-256 of a secret, hex: what the database keeps instead of the secret.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The first characters of a token, shown in lists to tell tokens apart.
pub fn display_prefix(token: &str) -> String {
    token.chars().take(TOKEN_PREFIX.len() + 6).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_hash_stably() {
        let a = random_secret(TOKEN_PREFIX).expect("randomness");
        let b = random_secret(TOKEN_PREFIX).expect("randomness");
        assert_ne!(a, b);
        assert!(a.starts_with("kept_") && a.len() == 5 + 43);
        assert_eq!(hash_secret(&a), hash_secret(&a));
        assert_eq!(hash_secret(&a).len(), 64);
        assert_eq!(display_prefix(&a).len(), 11);
    }
}
