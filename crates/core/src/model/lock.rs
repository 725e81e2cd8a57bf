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

/// State writes under way in this process (runs being stored, registry changes).
static WRITES_IN_PROGRESS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Marks a state write under way until dropped; [`wait_for_writes`] waits for it. A process
/// ending on a signal lets a run being registered finish instead of leaving it half-done.
#[derive(Debug)]
#[must_use = "the write counts as under way only while the guard lives"]
pub struct WriteGuard(());

/// Starts a state write (see [`WriteGuard`]).
pub fn begin_write() -> WriteGuard {
    WRITES_IN_PROGRESS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    WriteGuard(())
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        WRITES_IN_PROGRESS.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Waits until no state write is under way, at most `timeout`; true when none is.
pub fn wait_for_writes(timeout: std::time::Duration) -> bool {
    let start = std::time::Instant::now();
    while WRITES_IN_PROGRESS.load(std::sync::atomic::Ordering::SeqCst) > 0 {
        if start.elapsed() >= timeout {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_for_writes_ends_when_the_guard_drops() {
        let guard = begin_write();
        assert!(!wait_for_writes(std::time::Duration::from_millis(30)));
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            drop(guard);
        });
        assert!(wait_for_writes(std::time::Duration::from_secs(10)));
        t.join().unwrap();
    }

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
