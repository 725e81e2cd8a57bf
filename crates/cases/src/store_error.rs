//! What can go wrong with the case store, and which SQLite errors mean what: a file that is
//! not a database is damaged (move it aside); a full disk, an I/O error or a permission is
//! not, and the advice never suggests discarding a database that opens.

use rusqlite::ErrorCode;
use std::path::{Path, PathBuf};

/// What can go wrong with the case store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file cannot be opened or is not a database.
    #[error("{}: {source} (the case database is damaged or not a database; move it aside to start a new one, its cases would be lost)", path.display())]
    Damaged {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// Written by a newer build.
    #[error("{}: schema version {found}, this build reads up to {known}: use a newer returnrisk-tui", path.display())]
    Newer {
        /// The database file.
        path: PathBuf,
        /// Its version.
        found: u32,
        /// This build's.
        known: u32,
    },
    /// Written by an older build, in a directory this process cannot write to upgrade it.
    #[error("{}: schema version {found}, this build needs {known}, and the data directory is read-only: run any `cases` command once as a user who can write it, to upgrade", path.display())]
    Older {
        /// The database file.
        path: PathBuf,
        /// Its version.
        found: u32,
        /// This build's.
        known: u32,
    },
    /// The data directory cannot be written: cases are read-only.
    #[error("{}: the data directory is read-only, so cases can be read but not changed", path.display())]
    ReadOnly {
        /// The database file.
        path: PathBuf,
    },
    /// The file exists and is empty: no database, and not made a new one silently.
    #[error("{}: the file is empty (0 bytes), so it holds no cases: if it should, restore it from a backup; if this data directory never had cases, delete it and a new one is made", path.display())]
    Empty {
        /// The database file.
        path: PathBuf,
    },
    /// The device holding the file is full.
    #[error("{}: no space left on the device holding it ({source}); the database is intact: free some space and try again", path.display())]
    DiskFull {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// Reading or writing failed below SQLite (the device, the file system, permissions).
    #[error("{}: {source} (reading or writing it failed: check the free space and permissions of its folder; nothing was changed)", path.display())]
    Io {
        /// The database file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// An action against the rules (a snooze over ten years, a blank note).
    #[error(transparent)]
    Action(#[from] super::action::ActionError),
    /// A query failed.
    #[error("{}: {source}", path.display())]
    Sql {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// A transition the case's state does not allow.
    #[error(transparent)]
    Transition(#[from] super::state::TransitionError),
    /// No case with that id.
    #[error("no case {0}")]
    NoCase(i64),
    /// A value in the database this build does not know (a state, a rule).
    #[error("{}: case {case}: unknown {what} {value:?}", path.display())]
    Unknown {
        /// The database file.
        path: PathBuf,
        /// The case.
        case: i64,
        /// What kind of value.
        what: &'static str,
        /// The value.
        value: String,
    },
}

/// The store's error for what SQLite said about the database at `path`.
pub fn classify(path: &Path, source: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            StoreError::Damaged { path, source }
        }
        Some(ErrorCode::DiskFull) => StoreError::DiskFull { path, source },
        // SQLite reports a full device as a plain I/O error where it grows its shared-memory
        // index or writes a page; the free space says which it was.
        Some(ErrorCode::SystemIoFailure) if device_is_full(&path) => {
            StoreError::DiskFull { path, source }
        }
        Some(
            ErrorCode::SystemIoFailure
            | ErrorCode::CannotOpen
            | ErrorCode::PermissionDenied
            | ErrorCode::ReadOnly,
        ) => StoreError::Io {
            source: std::io::Error::other(source.to_string()),
            path,
        },
        _ => StoreError::Sql { path, source },
    }
}

/// Free space below which a failed write is put down to a full device: SQLite writes pages
/// of 4 KiB and grows its shared-memory index 32 KiB at a time.
const NEARLY_FULL_BYTES: u64 = 1 << 20;

/// Whether the device holding the database at `path` is (nearly) full.
fn device_is_full(path: &Path) -> bool {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    returnrisk_core::util::free_bytes(dir.unwrap_or(Path::new(".")))
        .is_some_and(|free| free < NEARLY_FULL_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn only_a_file_that_is_not_a_database_is_called_damaged() {
        let p = Path::new("/d/cases.sqlite");
        let says = |code| classify(p, sqlite(code)).to_string();
        assert!(says(rusqlite::ffi::SQLITE_NOTADB).contains("move it aside"));
        assert!(says(rusqlite::ffi::SQLITE_CORRUPT).contains("move it aside"));
        for code in [
            rusqlite::ffi::SQLITE_FULL,
            rusqlite::ffi::SQLITE_IOERR,
            rusqlite::ffi::SQLITE_CANTOPEN,
        ] {
            let e = says(code);
            assert!(!e.contains("move it aside"), "{e}");
            assert!(e.starts_with("/d/cases.sqlite: "), "{e}");
        }
        assert!(says(rusqlite::ffi::SQLITE_FULL).contains("no space left on the device"));
    }
}
