//! The worklist as a team sees it: every case with its numbers and history, the counts by
//! state, and the case of an alert. Read in one go (the dashboard reads it off the UI thread
//! and whenever the database changes), so screens never query SQLite themselves.

use super::case::CaseDetail;
use super::state::CaseState;
use super::store::{CaseStore, StoreError};
use returnrisk_core::engine::{AlertRule, Target};
use serde::Serialize;
use std::path::PathBuf;

/// Every case, in worklist order, with where they were read from.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Worklist {
    /// The cases with their observations and history: open before closed, most severe
    /// first, then oldest first.
    pub cases: Vec<CaseDetail>,
    /// The database file.
    pub path: PathBuf,
    /// Whether changes are refused (a read-only data directory).
    pub read_only: bool,
}

/// How many cases stand where.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Nobody has looked at them.
    pub new: usize,
    /// Acknowledged or being investigated.
    pub working: usize,
    /// Escalated.
    pub escalated: usize,
    /// Snoozed.
    pub snoozed: usize,
    /// Recovered on their own.
    pub recovered: usize,
    /// Resolved since the date given to [`Worklist::counts`] (all resolved without one).
    pub resolved: usize,
}

impl CaseStore {
    /// The whole worklist.
    pub fn worklist(&self) -> Result<Worklist, StoreError> {
        let cases = self
            .list(None)?
            .into_iter()
            .map(|c| self.detail(c.id))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Worklist {
            cases,
            path: self.path.clone(),
            read_only: self.read_only,
        })
    }
}

impl Worklist {
    /// The counts; resolved ones only when resolved on or after `since` (`YYYY-MM-DD`, the
    /// history's clock), all of them when `None`.
    pub fn counts(&self, since: Option<&str>) -> Counts {
        let mut n = Counts::default();
        for d in &self.cases {
            match d.case.state {
                CaseState::New => n.new += 1,
                CaseState::Acknowledged | CaseState::Investigating => n.working += 1,
                CaseState::Escalated => n.escalated += 1,
                CaseState::Snoozed => n.snoozed += 1,
                CaseState::Recovered => n.recovered += 1,
                CaseState::Resolved => {
                    let at = d.closed_at().unwrap_or_default();
                    if since.is_none_or(|s| at >= s) {
                        n.resolved += 1;
                    }
                }
            }
        }
        n
    }

    /// The case of the alert `rule` on `target`, if one was opened.
    pub fn case_of(&self, rule: AlertRule, target: &Target) -> Option<&CaseDetail> {
        self.cases
            .iter()
            .find(|d| d.case.rule == rule && d.case.target == *target)
    }

    /// The case with id `id`.
    pub fn get(&self, id: i64) -> Option<&CaseDetail> {
        self.cases.iter().find(|d| d.case.id == id)
    }
}

impl CaseDetail {
    /// When it last reached its current state (the history's time, `YYYY-MM-DDTHH:MM:SSZ`).
    pub fn closed_at(&self) -> Option<&str> {
        let now = self.case.state.as_str();
        self.history
            .iter()
            .rev()
            .find(|h| h.to.as_deref() == Some(now))
            .map(|h| h.at.as_str())
    }
}
