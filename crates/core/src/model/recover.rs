//! Repairs after an interrupted writer, done under the state lock before any training:
//! - temporary run directories (`runs/.tmp-<id>-<pid>/`, written before the rename that
//!   makes a run) and temporary registry files whose process is gone are removed;
//! - a complete run that was never registered (a kill between storing and registering it)
//!   is registered, instead of a duplicate being trained.
//!
//! Only a process holding the lock writes runs, so under the lock no other writer can be
//! using a temporary file; the process id in the name is checked as well, for safety.

use super::register::score_rows;
use super::registry::Registry;
use super::runs::{RunError, RunParams, RunRecord, fingerprint_hex, list_runs, load_run_models};
use super::runs::{runs_dir, state_dir};
use super::train::{Holdout, TrainOutput};
use super::{GLOBAL, ModelSet};
use crate::data::Dataset;
use crate::model::TrainConfig;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The process id in a temporary name: `.tmp-<id>-<pid>` (runs) or `.<file>.tmp-<pid>-<n>`
/// (atomic file writes).
fn temp_owner(name: &str) -> Option<u32> {
    if let Some(rest) = name.strip_prefix(".tmp-") {
        return rest.rsplit('-').next()?.parse().ok();
    }
    let (_, rest) = name.split_once(".tmp-")?;
    rest.split('-').next()?.parse().ok()
}

/// Whether process `pid` is running (Linux: `/proc/<pid>`); without `/proc`, assumed gone
/// (the lock already rules out another writer).
fn process_alive(pid: u32) -> bool {
    pid == std::process::id()
        || (Path::new("/proc/self").exists() && Path::new(&format!("/proc/{pid}")).exists())
}

/// Removes the temporary files and directories of writers that are gone, from the state
/// directory and the run store; returns what was removed. Call with the state lock held.
pub fn remove_stale_temps(data_dir: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for dir in [state_dir(data_dir), runs_dir(data_dir)] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(pid) = temp_owner(&name) else {
                continue;
            };
            if process_alive(pid) {
                continue;
            }
            let path = e.path();
            let gone = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            match gone {
                Ok(()) => removed.push(path),
                Err(err) => tracing::warn!("cannot remove {}: {err}", path.display()),
            }
        }
    }
    removed
}

/// Complete runs the registry has no version of (oldest first).
pub fn unregistered_runs(data_dir: &Path, reg: &Registry) -> Vec<RunRecord> {
    let registered = reg.run_ids();
    list_runs(data_dir)
        .0
        .into_iter()
        .filter(|r| !registered.contains(r.id.as_str()))
        .collect()
}

/// The newest unregistered run trained on exactly `ds` with `cfg`, read back as the
/// training output it was stored from (holdout scores recomputed with its own models, so
/// registering it decides exactly as registering it right after training would have).
pub fn unregistered_match(
    ds: &Dataset,
    cfg: &TrainConfig,
    reg: &Registry,
) -> Option<(RunRecord, TrainOutput)> {
    let fp = fingerprint_hex(ds.fingerprint);
    let params = RunParams::of(cfg, &ds.schema);
    let run = unregistered_runs(&ds.dir, reg)
        .into_iter()
        .rev()
        .find(|r| r.fingerprint == fp && r.params == params)?;
    match read_output(ds, &run) {
        Ok(out) => Some((run, out)),
        Err(e) => {
            tracing::warn!("unregistered run {} cannot be read: {e}", run.id);
            None
        }
    }
}

/// Reads a stored run back into a [`TrainOutput`].
fn read_output(ds: &Dataset, run: &RunRecord) -> Result<TrainOutput, RunError> {
    let set = load_run_models(&ds.dir, &run.id)?;
    let path = runs_dir(&ds.dir).join(&run.id).join("holdout.csv");
    let text = std::fs::read_to_string(&path).map_err(|source| RunError::Io {
        path: path.clone(),
        source,
    })?;
    let row_of: HashMap<&str, usize> = ds
        .orders
        .id
        .iter()
        .enumerate()
        .map(|(i, id)| (id, i))
        .collect();
    let mut rows: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let mut fields = line.split(',');
        let (Some(id), Some(model)) = (fields.next(), fields.next()) else {
            return Err(damaged(&path, n, "too few fields"));
        };
        let row = *row_of
            .get(id)
            .ok_or_else(|| damaged(&path, n, "order not in the data"))?;
        rows.entry(model.to_string()).or_default().push(row);
    }
    let mut holdout = BTreeMap::new();
    for (name, rows) in rows {
        let model = model_named(&set, &name).ok_or_else(|| RunError::Damaged {
            path: path.clone(),
            message: format!("no model {name:?} in the run's artifacts"),
        })?;
        let risk = score_rows(ds, model, &rows);
        let returned = rows
            .iter()
            .map(|&i| ds.orders.returned[i].unwrap_or(false))
            .collect();
        holdout.insert(
            name,
            Holdout {
                rows,
                risk,
                returned,
            },
        );
    }
    Ok(TrainOutput {
        started_at: run.started_at.clone(),
        set,
        holdout,
    })
}

fn model_named<'a>(set: &'a ModelSet, name: &str) -> Option<&'a super::TrainedModel> {
    if name == GLOBAL {
        Some(&set.global)
    } else {
        set.sellers.get(name)
    }
}

fn damaged(path: &Path, line_index: usize, what: &str) -> RunError {
    RunError::Damaged {
        path: path.to_path_buf(),
        message: format!("line {}: {what}", line_index + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_give_their_owner() {
        assert_eq!(temp_owner(".tmp-20261125T061754Z-7c99-4242"), Some(4242));
        assert_eq!(temp_owner(".registry.json.tmp-77-3"), Some(77));
        assert_eq!(temp_owner("20261125T061754Z-7c99"), None);
        assert_eq!(temp_owner("registry.json"), None);
    }

    #[test]
    fn stale_temps_go_and_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let runs = runs_dir(dir.path());
        // A pid far above the kernel's maximum (4194304) is never running.
        let stale = runs.join(".tmp-20260101T000000Z-abcd-999999999");
        let live = runs.join(format!(".tmp-20260101T000000Z-abcd-{}", std::process::id()));
        let run = runs.join("20260101T000000Z-abcd");
        for d in [&stale, &live, &run] {
            std::fs::create_dir_all(d).unwrap();
            std::fs::write(d.join("models.json"), "{}").unwrap();
        }
        let stale_file = state_dir(dir.path()).join(".registry.json.tmp-999999999-0");
        std::fs::write(&stale_file, "{").unwrap();
        let mut removed = remove_stale_temps(dir.path());
        removed.sort();
        let mut expected = vec![stale.clone(), stale_file.clone()];
        expected.sort();
        assert_eq!(removed, expected);
        assert!(live.exists() && run.exists() && !stale.exists());
    }
}
