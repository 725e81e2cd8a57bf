//! Models for a dataset: the registry's active versions when a registered run already
//! trained on the same data with the same configuration, else a new run (trained, written to
//! the run store, registered under the promotion rule) and the active set after it.

use super::lock::{LockError, StateLock};
use super::register::{Registered, active_set, register};
use super::registry::{Registry, RegistryError};
use super::runs::{RunError, RunParams, RunRecord, fingerprint_hex, list_runs, write_run};
use super::train::TrainError;
use super::{ModelSet, TrainProgress, train_models};
use crate::config::TrainConfig;
use crate::data::Dataset;

/// How [`load_or_train`] got its models.
#[derive(Clone, Debug, PartialEq)]
pub enum Provenance {
    /// The registry's active versions: a registered run matches the data and configuration.
    Reused,
    /// A new run was trained and registered; the set is the registry's active versions after.
    Trained {
        /// The new run.
        run_id: String,
        /// What registration decided per model.
        registered: Vec<Registered>,
    },
    /// Trained now, but the run could not be stored (the message says why); the set is that
    /// run's own models and the next start trains again.
    TrainedUnsaved(String),
}

impl Provenance {
    /// One line for status bars and logs.
    pub fn summary(&self) -> String {
        match self {
            Provenance::Reused => "active models reused".into(),
            Provenance::Trained { run_id, registered } => {
                format!(
                    "run {run_id}: {}",
                    super::register::registration_summary(registered, false)
                )
            }
            Provenance::TrainedUnsaved(why) => format!("trained but not saved ({why})"),
        }
    }
}

/// Why models could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Training failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// The registry could not be read.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A run could not be read.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The state lock failed.
    #[error(transparent)]
    Lock(#[from] LockError),
}

/// The newest registered run that trained on exactly this data with this configuration.
pub fn matching_run(ds: &Dataset, cfg: &TrainConfig, reg: &Registry) -> Option<RunRecord> {
    let registered = reg.run_ids();
    let fp = fingerprint_hex(ds.fingerprint);
    let params = RunParams::of(cfg);
    list_runs(&ds.dir)
        .0
        .into_iter()
        .rev()
        .find(|r| registered.contains(r.id.as_str()) && r.fingerprint == fp && r.params == params)
}

/// The registry's active set when a registered run trained on exactly this data with this
/// configuration; `None` when a new run is needed.
pub fn reusable(ds: &Dataset, cfg: &TrainConfig) -> Result<Option<ModelSet>, StoreError> {
    let reg = Registry::load(&ds.dir)?;
    if matching_run(ds, cfg, &reg).is_none() {
        return Ok(None);
    }
    match active_set(&ds.dir, &reg) {
        Ok(found) => Ok(found.map(|(set, warnings)| {
            for w in warnings {
                tracing::warn!("{w}");
            }
            set
        })),
        // Damaged artifacts of the active global model: train a new run, which replaces it.
        Err(RegistryError::Run(e)) => {
            tracing::warn!("active models unreadable, training anew: {e}");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Trains a run, stores and registers it, and returns the registry's active set afterwards.
/// `lock` is not used, only required: the caller must hold the state lock.
fn train_and_register(
    ds: &Dataset,
    cfg: &TrainConfig,
    progress: &(dyn Fn(TrainProgress) + Sync),
    lock: &StateLock,
) -> Result<(ModelSet, Provenance), StoreError> {
    let _ = lock;
    let out = train_models(ds, cfg, progress)?;
    let _writing = super::lock::begin_write();
    let stored = (|| -> Result<_, StoreError> {
        let mut reg = Registry::load(&ds.dir)?;
        let run = write_run(ds, &out)?;
        let registered = register(ds, &mut reg, &run, &out);
        reg.save(&ds.dir)?;
        let set = active_set(&ds.dir, &reg)?;
        Ok((run.id, registered, set))
    })();
    Ok(match stored {
        Ok((run_id, registered, Some((set, _)))) => {
            (set, Provenance::Trained { run_id, registered })
        }
        Ok((_, _, None)) => (
            out.set,
            Provenance::TrainedUnsaved("the registry has no active global model".into()),
        ),
        Err(e) => (out.set, Provenance::TrainedUnsaved(e.to_string())),
    })
}

/// The active models if a registered run matches `ds` and `cfg` (unless `force`), else a new
/// run. Training holds the state lock; a process that waited for it re-checks first, so two
/// processes starting on new data train once.
pub fn load_or_train(
    ds: &Dataset,
    cfg: &TrainConfig,
    force: bool,
    progress: &(dyn Fn(TrainProgress) + Sync),
) -> Result<(ModelSet, Provenance), StoreError> {
    if !force && let Some(set) = reusable(ds, cfg)? {
        return Ok((set, Provenance::Reused));
    }
    let lock = match StateLock::acquire(&ds.dir, "training", true, &|_| {}) {
        Ok(l) => l,
        Err(e) => {
            // A read-only data directory: models for this session only.
            let out = train_models(ds, cfg, progress)?;
            return Ok((out.set, Provenance::TrainedUnsaved(e.to_string())));
        }
    };
    if !force && let Some(set) = reusable(ds, cfg)? {
        return Ok((set, Provenance::Reused));
    }
    train_and_register(ds, cfg, progress, &lock)
}

/// The registry and the runs, as the dashboard's Models tab shows them.
#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    /// The registry (empty when none exists yet).
    pub registry: Registry,
    /// Every readable run, oldest first.
    pub runs: Vec<super::runs::RunRecord>,
    /// Problems reading them (damaged registry or runs), for the status line.
    pub warnings: Vec<String>,
}

impl Lifecycle {
    /// Reads the registry and the runs of `data_dir`; never fails (problems become warnings).
    pub fn load(data_dir: &std::path::Path) -> Lifecycle {
        let mut warnings = Vec::new();
        let registry = Registry::load(data_dir).unwrap_or_else(|e| {
            warnings.push(e.to_string());
            Registry::default()
        });
        let (runs, damaged) = list_runs(data_dir);
        warnings.extend(damaged.iter().map(|e| e.to_string()));
        Lifecycle {
            registry,
            runs,
            warnings,
        }
    }
}
