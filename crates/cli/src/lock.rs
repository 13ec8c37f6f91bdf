//! The mark that an SQLite database is in use: an advisory lock on a file
//! beside it (`kept.db.lock` beside `kept.db`).
//!
//! `kept serve` and `kept demo` hold a shared lock for as long as they run,
//! so several servers may share a database; `kept restore` needs the
//! exclusive one, so it cannot replace a database under a running server,
//! and a server cannot start on a database being replaced. SQLite's own
//! locks cannot tell: in WAL mode an idle server holds none. The lock is
//! the operating system's, so it goes with the process, however it ends;
//! the file stays.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// A lock on an SQLite database's lock file, held until dropped.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
}

/// The lock file of the SQLite database `database`.
pub fn lock_file(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// For `kept serve` and `kept demo` on the database at `url`: a shared lock
/// (none for PostgreSQL), with this process's id written in the file for
/// `kept restore` to name.
pub fn hold_while_serving(url: &str) -> anyhow::Result<Option<DatabaseLock>> {
    let Some(database) = kept_store::sqlite_file(url) else {
        return Ok(None);
    };
    let mut file = open(&database)?;
    match file.try_lock_shared() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => anyhow::bail!(
            "the database at {} is being replaced by `kept restore`; start the server when it has finished",
            database.display()
        ),
        Err(TryLockError::Error(e)) => return Err(cannot_lock(&database, e)),
    }
    // Several servers may hold the lock; the file names the latest.
    file.set_len(0)
        .and_then(|()| writeln!(file, "{}", std::process::id()))
        .with_context(|| format!("cannot write {}", lock_file(&database).display()))?;
    Ok(Some(DatabaseLock { _file: file }))
}

/// For `kept restore`: the exclusive lock on the SQLite database
/// `database`, refused while a server holds it.
pub fn take_exclusive(database: &Path) -> anyhow::Result<DatabaseLock> {
    let mut file = open(database)?;
    match file.try_lock() {
        Ok(()) => Ok(DatabaseLock { _file: file }),
        Err(TryLockError::WouldBlock) => {
            let mut recorded = String::new();
            let _ = file.read_to_string(&mut recorded);
            let pid = match recorded.trim() {
                "" => String::new(),
                pid => format!(" (pid {pid}?)"),
            };
            anyhow::bail!(
                "the database at {} is in use by a running kept serve or kept demo{pid}; stop it first (nothing was changed)",
                database.display()
            )
        }
        Err(TryLockError::Error(e)) => Err(cannot_lock(database, e)),
    }
}

/// Opens (creating it and its directory if need be) the lock file of `database`.
fn open(database: &Path) -> anyhow::Result<File> {
    let path = lock_file(database);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))?;
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))
}

fn cannot_lock(database: &Path, error: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!("cannot lock {}: {error}", lock_file(database).display())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("a directory");
        let file = dir.path().join("data").join("kept.db");
        (dir, file)
    }

    fn url(file: &Path) -> String {
        format!("sqlite://{}", file.display())
    }

    #[test]
    fn servers_share_the_database_and_keep_a_restore_out() {
        let (_dir, file) = database();

        let first = hold_while_serving(&url(&file));
        let second = hold_while_serving(&url(&file));
        let restore = take_exclusive(&file);

        assert!(first.is_ok_and(|l| l.is_some()));
        assert!(second.is_ok_and(|l| l.is_some()));
        let refusal = restore.expect_err("refused while servers run").to_string();
        let pid = std::process::id();
        assert!(
            refusal.contains(&format!(
                "in use by a running kept serve or kept demo (pid {pid}?)"
            )),
            "{refusal}"
        );
    }

    #[test]
    fn a_server_does_not_start_during_a_restore_and_the_lock_goes_with_its_holder() {
        let (_dir, file) = database();

        let restore = take_exclusive(&file).expect("the first lock");
        let refused = hold_while_serving(&url(&file));
        drop(restore);
        let after = hold_while_serving(&url(&file));

        let refusal = refused.expect_err("refused during a restore").to_string();
        assert!(
            refusal.contains("being replaced by `kept restore`"),
            "{refusal}"
        );
        assert!(after.is_ok_and(|l| l.is_some()));
        assert!(lock_file(&file).ends_with("data/kept.db.lock"));
    }

    #[test]
    fn postgresql_needs_no_lock_file() {
        let held = hold_while_serving("postgres://kept@db.example/kept");

        assert!(held.is_ok_and(|l| l.is_none()));
    }
}
