//! One writer at a time per data directory: training, registration, promote/rollback and the
//! pipeline hold an advisory lock on `<data dir>/.returnrisk/lock`. The OS releases it when
//! the process ends, so a crash never leaves a stale lock behind.

use super::runs::state_dir;
use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A held lock; released on drop.
#[derive(Debug)]
pub struct StateLock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The lock file could not be opened or locked.
    #[error("cannot lock {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Another process holds it (only with `wait = false`).
    #[error("another returnrisk-tui process is writing to {path} ({holder})")]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// What the holder wrote into the file (pid and purpose).
        holder: String,
    },
}

/// Path of the lock file.
pub fn lock_path(data_dir: &Path) -> PathBuf {
    state_dir(data_dir).join("lock")
}

impl StateLock {
    /// Takes the lock for `purpose`; waits for another holder when `wait`, else fails with
    /// [`LockError::Busy`]. `on_wait` is called once before waiting (to tell the user).
    pub fn acquire(
        data_dir: &Path,
        purpose: &str,
        wait: bool,
        on_wait: &dyn Fn(&str),
    ) -> Result<StateLock, LockError> {
        let path = lock_path(data_dir);
        let err = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(state_dir(data_dir)).map_err(err)?;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim().to_string();
                if !wait {
                    return Err(LockError::Busy { path, holder });
                }
                on_wait(&holder);
                file.lock().map_err(err)?;
            }
            Err(TryLockError::Error(e)) => return Err(err(e)),
        }
        // Who holds it, for the message another process shows; the lock is what counts.
        let _ = file.set_len(0);
        let _ = write!(file, "pid {} ({purpose})", std::process::id());
        Ok(StateLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_until_the_first_drops() {
        let dir = tempfile::tempdir().unwrap();
        let first = StateLock::acquire(dir.path(), "test", false, &|_| {}).unwrap();
        match StateLock::acquire(dir.path(), "other", false, &|_| {}) {
            Err(LockError::Busy { holder, .. }) => assert!(holder.contains("(test)"), "{holder}"),
            other => panic!("expected Busy, got {other:?}"),
        }
        drop(first);
        StateLock::acquire(dir.path(), "other", false, &|_| {}).unwrap();
    }
}
