//! Password hashing with Argon2id, off the async threads.
//!
//! Each hash uses 19 MiB and tens of milliseconds of a core by design. At
//! most one runs per core at a time (others queue), so a burst of sign-ins
//! cannot take hundreds of blocking threads and gigabytes of memory.

use std::sync::LazyLock;

use tokio::sync::Semaphore;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use kept_domain::Password;

/// Hashing failed (the hasher or its thread failed; never the password itself).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Permits to run one Argon2 computation: one per core.
static PERMITS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from)));

/// Runs `work` on the blocking pool once a hashing permit is free.
async fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HashError> {
    let _permit = PERMITS
        .acquire()
        .await
        .map_err(|e| HashError(e.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| HashError(e.to_string()))
}

/// Hashes a password to a PHC string (`$argon2id$v=19$...`), with a random salt
/// and Argon2's default (OWASP-recommended) cost.
pub async fn hash(password: &Password) -> Result<String, HashError> {
    let password = password.expose().to_owned();
    bounded(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    })
    .await?
}

/// A real hash of a random password, verified against when there is no
/// stored hash so that the work (and time) is the same.
static DECOY: LazyLock<String> = LazyLock::new(|| {
    let mut random = [0u8; 16];
    let _ = getrandom::fill(&mut random);
    Argon2::default()
        .hash_password(&random)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Whether `password` matches `stored`. With no stored hash (unknown user,
/// or no password set) it still spends the time of one verification, so the
/// answer's timing does not reveal which logins exist.
pub async fn verify(password: &str, stored: Option<&str>) -> bool {
    let matches_stored = stored.is_some();
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    let verified = bounded(move || {
        let hash = stored.as_deref().unwrap_or(&DECOY);
        PasswordHash::new(hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    verified && matches_stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_others_do_not() {
        let password = Password::parse("password", "correct horse battery").expect("valid");
        let stored = hash(&password).await.expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&stored)).await);
        assert!(!verify("wrong horse battery", Some(&stored)).await);
        assert!(!verify("correct horse battery", None).await);
        assert!(!verify("anything", Some("not a hash")).await);
    }
}
