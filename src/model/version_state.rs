//! Where a registered model version stands (active, previous, candidate, pruned): the
//! registry's rule, read by the text output, the JSON and the dashboard alike.

use super::registry::ModelEntry;

crate::named_enum! {
    /// Where a registered model version stands.
    pub enum VersionState {
        /// Scoring now.
        Active => "active",
        /// Was active, since replaced.
        Previous => "previous",
        /// Never active.
        Candidate => "candidate",
        /// Its run was deleted.
        Pruned => "pruned",
    }
}

/// The state of `version` of `entry`.
pub fn version_state(entry: &ModelEntry, version: u32) -> VersionState {
    if entry.active == Some(version) {
        VersionState::Active
    } else if entry.version(version).is_some_and(|v| v.pruned) {
        VersionState::Pruned
    } else if entry.history.contains(&version) || entry.version(version).is_some_and(|v| v.promoted)
    {
        VersionState::Previous
    } else {
        VersionState::Candidate
    }
}
