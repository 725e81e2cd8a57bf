//! Where a registered model version stands (active, previous, candidate, pruned): the
//! registry's rule, read by the text output, the JSON and the dashboard alike.

use super::registry::{ModelEntry, Registry};

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

/// What the registry says about `model`'s version from run `run_id`: "v2 active",
/// "v2 candidate", "-" when the run has no version of that model, "unchanged" when the run's
/// models were all identical to earlier versions, or "unregistered" when the run has none at
/// all (stored, then interrupted before registration).
pub fn registration(reg: &Registry, model: &str, run_id: &str) -> String {
    if !reg.run_ids().contains(run_id) {
        return "unregistered".into();
    }
    if reg.unchanged_runs.contains(run_id) {
        return "unchanged".into();
    }
    let Some(entry) = reg.models.get(model) else {
        return "-".into();
    };
    entry
        .versions
        .iter()
        .find(|v| v.run_id == run_id)
        .map_or("-".into(), |v| {
            format!("v{} {}", v.version, version_state(entry, v.version))
        })
}
