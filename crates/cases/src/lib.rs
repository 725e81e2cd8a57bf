//! The monitoring centre's cases: each alert (rule + target) that fires opens a case that
//! people work through (acknowledge, investigate, escalate, snooze, resolve) and that
//! evaluations keep up to date (reopen, wake, recover). Kept in SQLite so several people,
//! dashboards, the server and the CLI share one data directory.

pub mod action;
pub mod case;
pub mod deliver;
pub mod notify;
pub mod reconcile;
pub mod state;
pub mod store;
mod store_error;
pub mod worklist;

pub use action::{ActionError, ActionInput, ActionVerb, CaseAction, SnoozeUntil};
pub use case::{Case, CaseDetail};
pub use reconcile::{Evaluation, Firing, Reconciled, evaluation_of, firings};
pub use state::{CaseState, Transition, TransitionError};
pub use store::{CaseStore, StoreError};
pub use worklist::{Counts, Worklist};

/// How alerts become cases: the config's `[cases]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The window whose alerts are evaluated.
    pub window: returnrisk_core::engine::Window,
    /// Quiet evaluations in a row after which an open case recovers.
    pub recover_after: u32,
    /// Who acts, in the history.
    pub user: String,
    /// Who is told (`[notify]`).
    pub notify: notify::Notify,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            window: returnrisk_core::engine::Window::Days(30),
            recover_after: reconcile::RECOVER_AFTER,
            user: current_user(),
            notify: notify::Notify::default(),
        }
    }
}

/// Reconciles the cases of `data_dir` with `e`: `None` when the directory is read-only (the
/// cases can be read, not evaluated), else what changed.
pub fn evaluate(
    data_dir: &std::path::Path,
    e: &Evaluation,
    recover_after: u32,
) -> Result<Option<Reconciled>, StoreError> {
    let mut store = CaseStore::open(data_dir)?;
    if store.read_only {
        return Ok(None);
    }
    store.reconcile(e, recover_after).map(Some)
}

/// Who is acting: `$USER`, else `$LOGNAME`, else the account name of the process's user
/// (the password database), else `uid N`.
pub fn current_user() -> String {
    let from_env = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty())
    };
    from_env("USER")
        .or_else(|| from_env("LOGNAME"))
        .or_else(account_name)
        .unwrap_or_else(|| {
            // SAFETY: geteuid has no preconditions and cannot fail.
            format!("uid {}", unsafe { libc::geteuid() })
        })
}

/// The name the password database gives the process's effective user.
fn account_name() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: passwd is plain old data; an all-zero value is valid and getpwuid_r fills it.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is to a live local of the stated size; getpwuid_r writes at most
    // buf.len() bytes into buf and sets found to &entry or null.
    let rc = unsafe {
        libc::getpwuid_r(
            uid,
            &raw mut entry,
            buf.as_mut_ptr(),
            buf.len(),
            &raw mut found,
        )
    };
    if rc != 0 || found.is_null() || entry.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points to a NUL-terminated string inside buf, alive here.
    let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) };
    let name = name.to_string_lossy().trim().to_owned();
    (!name.is_empty()).then_some(name)
}
