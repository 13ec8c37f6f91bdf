//! Password hashing with Argon2id, off the async threads.
//!
//! Each hash uses 19 MiB and tens of milliseconds of a core by design. They
//! run on a fixed pool of threads, one per core, fed by a queue: a burst of
//! sign-ins waits its turn instead of taking hundreds of blocking threads,
//! and the memory allocator keeps at most one 19 MiB working area per
//! hashing thread (the blocking pool would leave one on every thread it
//! happened to use).

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, LazyLock, Mutex};

use std::cell::RefCell;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use kept_domain::Password;
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

/// Hashing failed (the hasher or its thread failed; never the password itself).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

type Job = Box<dyn FnOnce() + Send>;

/// The queue of the hashing threads, started on first use.
static POOL: LazyLock<Mutex<Sender<Job>>> = LazyLock::new(|| {
    let (sender, receiver) = channel::<Job>();
    let receiver = Arc::new(Mutex::new(receiver));
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    for i in 0..threads {
        let receiver = Arc::clone(&receiver);
        let spawned = std::thread::Builder::new()
            .name(format!("kept-argon2-{i}"))
            .spawn(move || work(&receiver));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start a password hashing thread");
        }
    }
    Mutex::new(sender)
});

fn work(receiver: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while taking a job, not while running it.
        let job = match receiver.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// Runs `work` on a hashing thread and waits for its result.
async fn on_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HashError> {
    let (done, result) = oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    POOL.lock()
        .map_err(|e| HashError(e.to_string()))?
        .send(job)
        .map_err(|e| HashError(e.to_string()))?;
    result.await.map_err(|e| HashError(e.to_string()))
}

thread_local! {
    /// Argon2's working memory, kept by each hashing thread and reused, so
    /// a 19 MiB block is allocated once per thread rather than per hash
    /// (glibc serves repeated large allocations from a heap that then only
    /// grows: hundreds of MB after a burst of sign-ins).
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Argon2 of `password` and `salt` into `out`, in this thread's memory.
fn compute(
    argon2: &Argon2,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    MEMORY.with_borrow_mut(|blocks| {
        let needed = params.block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
    })
}

/// Argon2id with the default (OWASP-recommended) cost and a random salt, as a PHC string.
fn hash_on_this_thread(password: &[u8]) -> Result<String, HashError> {
    let fail = |e: &dyn std::fmt::Display| HashError(e.to_string());
    let params = Params::default();
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| fail(&e))?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(&argon2, &params, password, &salt, &mut out).map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| fail(&e))?),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches a stored PHC string, with that string's own
/// algorithm, version and cost; compared in constant time.
fn verify_on_this_thread(password: &[u8], stored: &str) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(phc.algorithm.as_str()),
        Params::try_from(&phc),
    ) else {
        return false;
    };
    let version = match phc.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    compute(&argon2, &params, password, &salt, &mut out).is_ok()
        && bool::from(out.ct_eq(expected.as_bytes()))
}

/// Hashes a password to a PHC string (`$argon2id$v=19$...`), with a random salt
/// and Argon2's default (OWASP-recommended) cost.
pub async fn hash(password: &Password) -> Result<String, HashError> {
    let password = password.expose().to_owned();
    on_pool(move || hash_on_this_thread(password.as_bytes())).await?
}

/// A real hash of a random password, verified against when there is no
/// stored hash so that the work (and time) is the same.
static DECOY: LazyLock<String> = LazyLock::new(|| {
    let mut random = [0u8; 16];
    let _ = getrandom::fill(&mut random);
    hash_on_this_thread(&random).unwrap_or_default()
});

/// Whether `password` matches `stored`. With no stored hash (unknown user,
/// or no password set) it still spends the time of one verification, so the
/// answer's timing does not reveal which logins exist.
pub async fn verify(password: &str, stored: Option<&str>) -> bool {
    let matches_stored = stored.is_some();
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    let verified = on_pool(move || {
        verify_on_this_thread(password.as_bytes(), stored.as_deref().unwrap_or(&DECOY))
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
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let parsed = PasswordHash::new(&stored).expect("a PHC string");
        use argon2::password_hash::PasswordVerifier;
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok(),
            "the argon2 crate reads our hashes"
        );
        assert!(verify("correct horse battery", Some(&stored)).await);
        assert!(!verify("wrong horse battery", Some(&stored)).await);
        assert!(!verify("correct horse battery", None).await);
        assert!(!verify("anything", Some("not a hash")).await);
    }

    #[tokio::test]
    async fn hashes_made_by_the_argon2_crate_itself_verify() {
        use argon2::password_hash::PasswordHasher;
        let other = Argon2::default()
            .hash_password(b"correct horse battery")
            .map(|h| h.to_string());
        let other = other.expect("a hash");
        assert!(verify("correct horse battery", Some(&other)).await);
        assert!(!verify("correct horse battery!", Some(&other)).await);
    }
}
