//! Pruning the run store: a run takes 15 MB on the demo data and about 180 MB at 1M orders,
//! so a pipeline run from cron would fill the disk. `runs prune` deletes runs that are
//! neither among the newest ones kept nor needed by the registry (a run holding an active or
//! a previously active version, which rollback may return to, is always kept).

use super::registry::{Registry, RegistryError};
use super::runs::{RunError, list_runs, runs_dir};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// What pruning did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    /// Runs deleted.
    pub deleted: Vec<String>,
    /// Runs kept.
    pub kept: Vec<String>,
    /// Bytes freed.
    pub freed_bytes: u64,
}

/// Why pruning failed.
#[derive(Debug, thiserror::Error)]
pub enum PruneError {
    /// The registry could not be read or written.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A run could not be deleted.
    #[error(transparent)]
    Run(#[from] RunError),
}

/// Runs the registry needs: those holding an active or a previously active version.
pub fn needed_runs(reg: &Registry) -> BTreeSet<String> {
    let mut needed = BTreeSet::new();
    for e in reg.models.values() {
        for v in &e.versions {
            if e.active == Some(v.version) || e.history.contains(&v.version) {
                needed.insert(v.run_id.clone());
            }
        }
    }
    needed
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |rd| {
        rd.flatten()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    })
}

/// Deletes every run that is not among the `keep` newest and not needed by the registry.
/// The caller holds the state lock. The registry first marks the runs' versions as pruned
/// (so they can no longer be promoted), then each run is renamed to a hidden name and
/// removed: a crash midway leaves only hidden leftovers, which listing ignores.
pub fn prune(data_dir: &Path, reg: &mut Registry, keep: usize) -> Result<PruneReport, PruneError> {
    let (runs, _) = list_runs(data_dir);
    let needed = needed_runs(reg);
    let newest: BTreeSet<&str> = runs
        .iter()
        .rev()
        .take(keep)
        .map(|r| r.id.as_str())
        .collect();
    let (doomed, kept): (Vec<&str>, Vec<&str>) = runs
        .iter()
        .map(|r| r.id.as_str())
        .partition(|id| !newest.contains(id) && !needed.contains(*id));
    let mut report = PruneReport {
        kept: kept.iter().map(std::string::ToString::to_string).collect(),
        ..PruneReport::default()
    };
    if doomed.is_empty() {
        return Ok(report);
    }
    for e in reg.models.values_mut() {
        for v in &mut e.versions {
            if doomed.contains(&v.run_id.as_str()) {
                v.pruned = true;
            }
        }
    }
    reg.unchanged_runs
        .retain(|id| !doomed.contains(&id.as_str()));
    reg.save(data_dir)?;
    let root = runs_dir(data_dir);
    for id in doomed {
        let dir = root.join(id);
        let size = dir_size(&dir);
        let hidden = root.join(format!(".pruned-{id}"));
        let io = |source| RunError::Io {
            path: dir.clone(),
            source,
        };
        std::fs::rename(&dir, &hidden).map_err(io)?;
        std::fs::remove_dir_all(&hidden).map_err(io)?;
        report.freed_bytes += size;
        report.deleted.push(id.to_string());
    }
    Ok(report)
}
