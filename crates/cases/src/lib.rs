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

/// Who is acting: `$USER`, else `unknown`.
pub fn current_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}
