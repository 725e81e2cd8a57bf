//! The monitoring centre's cases: each alert (rule + target) that fires opens a case that
//! people work through (acknowledge, investigate, escalate, snooze, resolve) and that
//! evaluations keep up to date (reopen, wake, recover). Kept in SQLite so several people,
//! dashboards, the server and the CLI share one data directory.

pub mod case;
pub mod reconcile;
pub mod state;
pub mod store;

pub use case::{Case, CaseDetail};
pub use reconcile::{Evaluation, Firing, Reconciled, evaluation_of, firings};
pub use state::{CaseState, Transition, TransitionError};
pub use store::{CaseStore, StoreError};

/// Who is acting: `$USER`, else `unknown`.
pub fn current_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}
