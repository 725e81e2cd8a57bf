//! The case store: `.returnrisk/cases.sqlite` in the data directory, SQLite (bundled) in WAL
//! mode so several dashboards, the server and the CLI share it; every change is one
//! transaction. The schema is versioned (`PRAGMA user_version`) and upgraded in place by
//! [`MIGRATIONS`], each in its own transaction; a file that is not a database, or comes from
//! a newer build, is an error naming the file, never recreated.

pub use super::store_error::StoreError;
use super::store_error::classify;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database's file name, under `.returnrisk/`.
pub const FILE: &str = "cases.sqlite";
/// How long a writer waits for another one before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema, one migration per version: `MIGRATIONS[k]` upgrades version `k` to `k + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: cases, what each evaluation saw, who did what, notes.
    "CREATE TABLE cases (
        id INTEGER PRIMARY KEY,
        rule TEXT NOT NULL,
        target_kind TEXT NOT NULL,
        target TEXT NOT NULL,
        marketplace TEXT,
        severity TEXT NOT NULL,
        state TEXT NOT NULL,
        assignee TEXT,
        snoozed_until TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        misses INTEGER NOT NULL DEFAULT 0,
        message TEXT NOT NULL,
        UNIQUE (rule, target_kind, target)
    );
    CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        as_of TEXT NOT NULL,
        at TEXT NOT NULL,
        alerts INTEGER NOT NULL
    );
    CREATE TABLE observations (
        case_id INTEGER NOT NULL REFERENCES cases(id),
        evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
        severity TEXT NOT NULL,
        magnitude REAL NOT NULL,
        message TEXT NOT NULL,
        PRIMARY KEY (case_id, evaluation_id)
    );
    CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id),
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        action TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        detail TEXT
    );
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id),
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        text TEXT NOT NULL
    );",
    // 2: notification deliveries per case (webhooks), and the lookups the worklist makes.
    "CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id),
        event TEXT NOT NULL,
        url TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX cases_by_state ON cases(state);
    CREATE INDEX history_by_case ON history(case_id);",
    // 3: the webhook outbox: one row per message and URL (a case event from the history, or
    // a daily digest), its payload fixed when queued, its attempts and next try; and where
    // each URL started (a URL added later is not sent the events before it). Replaces the
    // second version's deliveries table, which nothing wrote.
    "DROP TABLE deliveries;
    CREATE TABLE webhooks (
        url TEXT PRIMARY KEY,
        since_history_id INTEGER NOT NULL,
        added_at TEXT NOT NULL
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,
        history_id INTEGER REFERENCES history(id),
        case_id INTEGER REFERENCES cases(id),
        digest_date TEXT,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        delivered_at TEXT,
        UNIQUE (history_id, url),
        UNIQUE (digest_date, url)
    );
    CREATE INDEX outbox_due ON outbox(state, next_at);
    CREATE INDEX outbox_by_case ON outbox(case_id);",
];

/// The schema version this build writes.
pub fn schema_version() -> u32 {
    MIGRATIONS.len() as u32
}

/// An open case store.
pub struct CaseStore {
    /// The connection.
    pub(super) conn: Connection,
    /// The file, for messages.
    pub path: PathBuf,
    /// Whether changes are refused (a read-only data directory).
    pub read_only: bool,
}

/// The database of data directory `data_dir`.
pub fn path_in(data_dir: &Path) -> PathBuf {
    data_dir.join(".returnrisk").join(FILE)
}

impl CaseStore {
    /// Opens (creating and upgrading as needed) the case database of `data_dir`; read-only
    /// when the directory cannot be written.
    pub fn open(data_dir: &Path) -> Result<CaseStore, StoreError> {
        let path = path_in(data_dir);
        let dir = data_dir.join(".returnrisk");
        let writable = std::fs::create_dir_all(&dir).is_ok() && dir_writable(&dir);
        if !writable && !path.exists() {
            // Nothing to read, and nowhere to write one.
            return Err(StoreError::ReadOnly { path });
        }
        if !writable {
            if std::fs::metadata(&path).is_ok_and(|m| m.len() == 0) {
                return Err(StoreError::Empty { path });
            }
            let conn = open_read_only(&path).map_err(|source| classify(&path, source))?;
            let store = CaseStore {
                conn,
                path,
                read_only: true,
            };
            store.check_version()?;
            let found = store.version()?;
            if found < schema_version() {
                return Err(StoreError::Older {
                    path: store.path,
                    found,
                    known: schema_version(),
                });
            }
            return Ok(store);
        }
        Self::open_file(&path)
    }

    /// Opens (creating and upgrading as needed) the database at `path`.
    pub fn open_file(path: &Path) -> Result<CaseStore, StoreError> {
        Self::open_at_version(path, schema_version())
    }

    /// Opens the database at `path` upgraded to `version` only (tests make old databases).
    pub fn open_at_version(path: &Path, version: u32) -> Result<CaseStore, StoreError> {
        match std::fs::metadata(path) {
            // An existing empty file is no database: never silently a new, empty one.
            Ok(m) if m.len() == 0 => {
                return Err(StoreError::Empty {
                    path: path.to_path_buf(),
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path, version)?,
            Err(e) => {
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    source: e,
                });
            }
        }
        let damaged = |source| classify(path, source);
        let conn = Connection::open(path).map_err(damaged)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(damaged)?;
        // A file that is not a database fails here, on its first read.
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            .map_err(damaged)?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(damaged)?;
        let mut store = CaseStore {
            conn,
            path: path.to_path_buf(),
            read_only: false,
        };
        store.migrate(version)?;
        Ok(store)
    }

    /// The schema version of the file.
    pub fn version(&self) -> Result<u32, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))
            .map_err(|source| self.sql(source))
    }

    fn check_version(&self) -> Result<(), StoreError> {
        let found = self.version()?;
        if found > schema_version() {
            return Err(StoreError::Newer {
                path: self.path.clone(),
                found,
                known: schema_version(),
            });
        }
        Ok(())
    }

    /// Applies the migrations from the file's version up to `target`, each in a transaction
    /// that also sets the new version (so a crash leaves a whole version, never half).
    fn migrate(&mut self, target: u32) -> Result<(), StoreError> {
        self.check_version()?;
        if self.version()? >= target {
            // Up to date: no write lock for a reader.
            return Ok(());
        }
        let path = self.path.clone();
        let sql = |source| StoreError::Sql {
            path: path.clone(),
            source,
        };
        loop {
            // Read the version inside the write transaction: another process may have
            // migrated meanwhile.
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql)?;
            let at: u32 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(sql)?;
            if at >= target {
                return tx.commit().map_err(sql);
            }
            tx.execute_batch(MIGRATIONS[at as usize]).map_err(sql)?;
            tx.pragma_update(None, "user_version", at + 1)
                .map_err(sql)?;
            tx.commit().map_err(sql)?;
        }
    }

    /// A query error on this store.
    pub(super) fn sql(&self, source: rusqlite::Error) -> StoreError {
        classify(&self.path, source)
    }

    /// Refuses a change when the store is read-only.
    pub(super) fn writable(&self) -> Result<(), StoreError> {
        match self.read_only {
            true => Err(StoreError::ReadOnly {
                path: self.path.clone(),
            }),
            false => Ok(()),
        }
    }
}

/// The error of a failed query on the database at `path`.
pub(super) fn sql_error(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| classify(path, source)
}

/// Creates the database at `path` whole or not at all: made and migrated to `version` under
/// a temporary name, then linked into place only if no other process made one meanwhile (a
/// crash leaves no empty or half-made file at `path`).
fn create(path: &Path, version: u32) -> Result<(), StoreError> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = path.with_file_name(format!(".{FILE}.tmp-{}-{n}", std::process::id()));
    let made = make_then_link(path, &temp, version);
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = temp.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    made
}

/// [`create`]'s work: the database at `temp`, then linked to `path`.
fn make_then_link(path: &Path, temp: &Path, version: u32) -> Result<(), StoreError> {
    {
        let conn = Connection::open(temp).map_err(|source| classify(path, source))?;
        let mut store = CaseStore {
            conn,
            path: path.to_path_buf(),
            read_only: false,
        };
        store
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            .map_err(|source| classify(path, source))?;
        store.migrate(version)?;
        // Closing checkpoints the WAL into the file and removes the -wal and -shm files.
        store
            .conn
            .close()
            .map_err(|(_, source)| classify(path, source))?;
    }
    match std::fs::hard_link(temp, path) {
        Ok(()) => Ok(()),
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// A write transaction that takes the write lock at once (waiting up to [`BUSY_TIMEOUT`]
/// for another writer), so it never fails half-way on an upgrade from read to write.
pub(super) fn immediate(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}

impl CaseStore {
    /// Every row query `sql` (with `?1` = `id`) gives, read by `f`.
    pub(super) fn rows_of<T>(
        &self,
        id: i64,
        sql: &str,
        f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.sql(e))?;
        stmt.query_map([id], f)
            .and_then(std::iter::Iterator::collect)
            .map_err(|e| self.sql(e))
    }
}

/// Opens a database that cannot be written here. A WAL database needs its `-wal` and `-shm`
/// files to be read while a writer has them; when there is no `-wal` file, nobody is
/// writing and the file holds everything, so it is opened as immutable (SQLite would
/// otherwise try to create the `-shm` file in a directory it cannot write).
fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if Path::new(&wal).exists() {
        return Connection::open_with_flags(path, flags);
    }
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' | ' ' => uri.push_str(&format!("%{:02x}", c as u32)),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
}

/// Whether a file can be created in `dir` (permissions alone do not tell, for root).
fn dir_writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".cases-probe-{}", std::process::id()));
    let ok = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_version_database_is_upgraded_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        {
            let v1 = CaseStore::open_at_version(&path, 1).unwrap();
            assert_eq!(v1.version().unwrap(), 1);
            v1.conn
                .execute(
                    "INSERT INTO cases (rule, target_kind, target, severity, state, first_seen,
                     last_seen, message) VALUES ('rising_risk', 'seller', 'S023', 'critical',
                     'new', '2026-06-30', '2026-06-30', 'm')",
                    [],
                )
                .unwrap();
        }
        let now = CaseStore::open_file(&path).unwrap();
        assert_eq!(now.version().unwrap(), schema_version());
        let n: i64 = now
            .conn
            .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        // The latest version's tables exist.
        now.conn
            .execute_batch("SELECT count(*) FROM outbox; SELECT count(*) FROM webhooks")
            .unwrap();
        let mode: String = now
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn damaged_and_newer_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(
            &path,
            b"this is not a database, it is a text file of some length",
        )
        .unwrap();
        let e = CaseStore::open_file(&path).err().unwrap().to_string();
        assert!(e.starts_with(&path.display().to_string()), "{e}");
        assert!(e.contains("move it aside"), "{e}");
        // Not replaced.
        assert!(std::fs::read(&path).unwrap().starts_with(b"this is not"));

        let newer = dir.path().join("newer.sqlite");
        {
            let s = CaseStore::open_file(&newer).unwrap();
            s.conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let e = CaseStore::open_file(&newer).err().unwrap().to_string();
        assert!(e.contains("schema version 99"), "{e}");
    }

    #[test]
    fn an_empty_file_is_an_error_and_stays_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(&path, b"").unwrap();
        let e = CaseStore::open_file(&path).err().unwrap().to_string();
        assert!(e.starts_with(&path.display().to_string()), "{e}");
        assert!(e.contains("the file is empty (0 bytes)"), "{e}");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }

    #[test]
    fn a_new_database_appears_whole_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let s = CaseStore::open_file(&path).unwrap();
        assert_eq!(s.version().unwrap(), schema_version());
        let mode: String = s
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(s);
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [FILE]);
        // Opened again by a second store, it is the same database.
        assert_eq!(
            CaseStore::open_file(&path).unwrap().version().unwrap(),
            schema_version()
        );
    }
}
