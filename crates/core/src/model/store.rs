//! Models for a dataset: the registry's active versions when a registered run already
//! trained on the same data with the same configuration, else a new run (trained, written to
//! the run store, registered under the promotion rule) and the active set after it.

use super::lock::{LockError, StateLock};
use super::recover::{remove_stale_temps, unregistered_match};
use super::register::{Registered, UnreadableVersion, active_set, register};
use super::registry::{Registry, RegistryError};
use super::runs::{RunError, RunParams, RunRecord, fingerprint_hex, list_runs, write_run};
use super::runs::{runs_dir, state_dir};
use super::train::{TrainError, TrainOutput};
use super::{ModelSet, TrainProgress, train_models};
use crate::data::Dataset;
use crate::model::TrainConfig;
use std::path::{Path, PathBuf};

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
    /// An active model's artifacts cannot be read. Nothing is retrained behind the user's
    /// back: the message says what to do.
    #[error(
        "active model {0}; `returnrisk-tui models rollback {model}` returns to its previous version, `returnrisk-tui train` trains a new one",
        model = .0.model
    )]
    Unreadable(UnreadableVersion),
    /// The state directory cannot be written: trained models could not be saved.
    #[error("cannot save models in {path}: {error}")]
    NotWritable {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        error: std::io::Error,
    },
}

/// The newest registered run that trained on exactly this data with this configuration.
pub fn matching_run(ds: &Dataset, cfg: &TrainConfig, reg: &Registry) -> Option<RunRecord> {
    let registered = reg.run_ids();
    let fp = fingerprint_hex(ds.fingerprint);
    let params = RunParams::of(cfg, &ds.schema);
    list_runs(&ds.dir)
        .0
        .into_iter()
        .rev()
        .find(|r| registered.contains(r.id.as_str()) && r.fingerprint == fp && r.params == params)
}

/// The registry's active set, every active version readable (an unreadable one is an
/// error, never a silent fallback); `None` while no global version is active.
pub fn active_models(data_dir: &Path, reg: &Registry) -> Result<Option<ModelSet>, StoreError> {
    match active_set(data_dir, reg) {
        Ok(Some((set, unreadable))) => match unreadable.into_iter().next() {
            Some(first) => Err(StoreError::Unreadable(first)),
            None => Ok(Some(set)),
        },
        Ok(None) => Ok(None),
        Err(e) => Err(StoreError::Unreadable(e)),
    }
}

/// The registry's active set when a registered run trained on exactly this data with this
/// configuration; `None` when a new run is needed. Active models that cannot be read are
/// an error whatever the data.
pub fn reusable(ds: &Dataset, cfg: &TrainConfig) -> Result<Option<ModelSet>, StoreError> {
    let reg = Registry::load(&ds.dir)?;
    let active = active_models(&ds.dir, &reg)?;
    Ok(active.filter(|_| matching_run(ds, cfg, &reg).is_some()))
}

/// Checks that runs and the registry can be written (a probe file in each directory,
/// renamed and removed), so that training never produces models it cannot save.
pub fn check_writable(data_dir: &Path) -> Result<(), StoreError> {
    for dir in [state_dir(data_dir), runs_dir(data_dir)] {
        let probe = dir.join(format!(".probe.tmp-{}-0", std::process::id()));
        let renamed = dir.join(format!(".probe.tmp-{}-1", std::process::id()));
        let result = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&probe, b"probe"))
            .and_then(|()| std::fs::rename(&probe, &renamed))
            .and_then(|()| std::fs::remove_file(&renamed));
        if let Err(error) = result {
            let _ = std::fs::remove_file(&probe);
            return Err(StoreError::NotWritable { path: dir, error });
        }
    }
    Ok(())
}

/// Before a writer stores anything (holding the state lock): checks that the state can be
/// written, then removes the temporary files of writers that are gone.
pub fn prepare_to_write(data_dir: &Path) -> Result<(), StoreError> {
    check_writable(data_dir)?;
    for removed in remove_stale_temps(data_dir) {
        tracing::info!("removed {} (its writer is gone)", removed.display());
    }
    Ok(())
}

/// Stores a finished training as a run, registers it, and returns the registry's active set
/// afterwards. The caller holds the state lock; the write counts as under way (a signal
/// lets it finish).
fn store_and_register(
    ds: &Dataset,
    stored: Option<RunRecord>,
    out: TrainOutput,
) -> Result<(ModelSet, Provenance), StoreError> {
    let _writing = super::lock::begin_write();
    let result = (|| -> Result<_, StoreError> {
        let mut reg = Registry::load(&ds.dir)?;
        let run = match stored {
            Some(run) => run,
            None => write_run(ds, &out)?,
        };
        crate::util::crash_point("before-register");
        let registered = register(ds, &mut reg, &run, &out);
        reg.save(&ds.dir)?;
        // Saved: an older seller version still active and unreadable is reported by the
        // next load (which names it); here its sellers fall back to the global model.
        let set = active_set(&ds.dir, &reg).map_err(StoreError::Unreadable)?;
        let set = set.map(|(set, unreadable)| {
            for u in unreadable {
                tracing::warn!("active model {u}; the global model scores its orders");
            }
            set
        });
        Ok((run.id, registered, set))
    })();
    Ok(match result {
        Ok((run_id, registered, Some(set))) => (set, Provenance::Trained { run_id, registered }),
        Ok((_, _, None)) => (
            out.set,
            Provenance::TrainedUnsaved("the registry has no active global model".into()),
        ),
        Err(e) => (out.set, Provenance::TrainedUnsaved(e.to_string())),
    })
}

/// The active models if a registered run matches `ds` and `cfg` (unless `force`), else a new
/// run. Training holds the state lock; a process that waited for it re-checks first, so two
/// processes starting on new data train once. Under the lock, the leftovers of an
/// interrupted writer are cleaned up first, and a complete run that was never registered
/// is registered instead of training a duplicate.
///
/// `force` is the user asking for training (`train`, `pipeline`, `r`): then state that
/// cannot be saved is an error before any training. Without it (a first start, new data)
/// models are trained for this session only, with [`Provenance::TrainedUnsaved`].
pub fn load_or_train(
    ds: &Dataset,
    cfg: &TrainConfig,
    force: bool,
    progress: &(dyn Fn(TrainProgress) + Sync),
) -> Result<(ModelSet, Provenance), StoreError> {
    if !force && let Some(set) = reusable(ds, cfg)? {
        return Ok((set, Provenance::Reused));
    }
    let writable = StateLock::acquire(&ds.dir, "training", true, &|_| {})
        .map_err(StoreError::from)
        .and_then(|lock| prepare_to_write(&ds.dir).map(|()| lock));
    let _lock = match writable {
        Ok(lock) => lock,
        Err(e) if force => return Err(e),
        Err(e) => {
            // A read-only data directory: models for this session only, no run written.
            let out = train_models(ds, cfg, progress)?;
            return Ok((out.set, Provenance::TrainedUnsaved(e.to_string())));
        }
    };
    let reg = Registry::load(&ds.dir)?;
    // Another process may have trained while this one waited for the lock: the active
    // artifacts are read again only then (the check above already read them once).
    if !force
        && matching_run(ds, cfg, &reg).is_some()
        && let Some(set) = reusable(ds, cfg)?
    {
        return Ok((set, Provenance::Reused));
    }
    if !force && let Some((run, out)) = unregistered_match(ds, cfg, &reg) {
        tracing::info!("registering run {}, stored but never registered", run.id);
        return store_and_register(ds, Some(run), out);
    }
    let out = train_models(ds, cfg, progress)?;
    store_and_register(ds, None, out)
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
        warnings.extend(damaged.iter().map(std::string::ToString::to_string));
        Lifecycle {
            registry,
            runs,
            warnings,
        }
    }
}
