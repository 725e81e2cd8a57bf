//! The run store: every training is a run, kept under `<data dir>/.returnrisk/runs/<id>/`:
//!
//! ```text
//! runs/<id>/run.json      id, times, data fingerprint and range, parameters, metrics, importances
//! runs/<id>/models.bin    the artifacts: every forest with its feature encoding (binary,
//!                         see [`super::artifact`]; runs before it have models.json)
//! runs/<id>/holdout.csv   Order_ID,model,risk_score,Returned for every model's holdout
//! ```
//!
//! A run is written into a hidden temp directory and renamed into place in one step, so a
//! crash mid-write leaves no half run; runs are never modified afterwards.

use super::train::{FORMAT_VERSION, Holdout, TrainOutput};
use super::{Driver, GLOBAL, ModelMetrics, ModelSet};
use crate::data::{Dataset, day_str};
use crate::model::TrainConfig;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Version of `run.json`; bump when [`RunRecord`] changes shape.
pub const RUN_FORMAT_VERSION: u32 = 1;

/// The tool's state directory inside a data directory.
pub fn state_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(".returnrisk")
}

/// Where a data directory's runs live.
pub fn runs_dir(data_dir: &Path) -> PathBuf {
    state_dir(data_dir).join("runs")
}

/// Why the run store failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file is not what this version writes.
    #[error("{path}: {message}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// No run has this id.
    #[error("no run {0:?} (see `runs list`)")]
    NotFound(String),
}

impl Clone for RunError {
    /// The same error (an OS error as its kind and text).
    fn clone(&self) -> RunError {
        match self {
            RunError::Io { path, source } => RunError::Io {
                path: path.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            RunError::Damaged { path, message } => RunError::Damaged {
                path: path.clone(),
                message: message.clone(),
            },
            RunError::NotFound(id) => RunError::NotFound(id.clone()),
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Dates and sizes of the data a run trained on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataRange {
    /// First order date (YYYY-MM-DD).
    pub first_day: Option<String>,
    /// Last order date.
    pub last_day: Option<String>,
    /// Orders in the data.
    pub orders: usize,
    /// Orders with a known outcome.
    pub labelled: usize,
    /// Sellers in the data.
    pub sellers: usize,
}

/// The parameters of a run, flattened for display and comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunParams {
    /// Trees per forest.
    pub trees: usize,
    /// Maximum tree depth.
    pub max_depth: u16,
    /// Minimum orders per leaf.
    pub min_samples_leaf: usize,
    /// Features tried per split.
    pub max_features: usize,
    /// Features the models see.
    pub features: Vec<String>,
    /// How each model's decision threshold is chosen.
    pub threshold_policy: String,
    /// Random seed.
    pub seed: u64,
    /// Share of the latest labelled orders held out.
    pub test_fraction: f64,
    /// Labelled orders a seller needs for its own model.
    pub min_seller_orders: usize,
    /// Returns a seller needs for its own model.
    pub min_seller_returns: usize,
    /// Rows each tree of the global forest learns from (a sample when there are more).
    pub max_train_rows: usize,
    /// The same for seller forests (0 in runs from before per-tree samples, which trained
    /// on the most recent `max_train_rows` rows instead).
    #[serde(default)]
    pub max_seller_samples: usize,
    /// Maximum depth of the trees that learn from samples of a larger training set (0 in
    /// runs from before it, which grew them to `max_depth`).
    #[serde(default)]
    pub sampled_max_depth: u16,
}

impl RunParams {
    /// The parameters of a training configuration.
    pub fn of(cfg: &TrainConfig, schema: &crate::data::schema::Schema) -> RunParams {
        let f = &cfg.forest;
        RunParams {
            trees: f.n_trees,
            max_depth: f.max_depth,
            min_samples_leaf: f.min_samples_leaf,
            max_features: f.max_features,
            features: schema.features.iter().map(|f| f.name.clone()).collect(),
            threshold_policy: "max F1 on out-of-bag predictions of the training period".into(),
            seed: f.seed,
            test_fraction: cfg.test_fraction,
            min_seller_orders: cfg.min_seller_orders,
            min_seller_returns: cfg.min_seller_returns,
            max_train_rows: cfg.max_train_rows,
            max_seller_samples: cfg.max_seller_samples,
            sampled_max_depth: f.sampled_max_depth,
        }
    }
    /// Name and value of every parameter, in display order.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        vec![
            ("trees", self.trees.to_string()),
            ("max_depth", self.max_depth.to_string()),
            ("min_samples_leaf", self.min_samples_leaf.to_string()),
            ("max_features", self.max_features.to_string()),
            ("features", self.features.join(" ")),
            ("threshold_policy", self.threshold_policy.clone()),
            ("seed", self.seed.to_string()),
            ("test_fraction", self.test_fraction.to_string()),
            ("min_seller_orders", self.min_seller_orders.to_string()),
            ("min_seller_returns", self.min_seller_returns.to_string()),
            ("max_train_rows", self.max_train_rows.to_string()),
            ("max_seller_samples", self.max_seller_samples.to_string()),
            (
                "sampled_max_depth",
                match self.sampled_max_depth {
                    0 => "max_depth".to_string(),
                    d => d.to_string(),
                },
            ),
        ]
    }
}

/// One model of a run: its holdout metrics and feature importances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunModel {
    /// Holdout metrics (the model's name is `metrics.model`).
    pub metrics: ModelMetrics,
    /// Permutation importances on the holdout, largest first.
    pub importances: Vec<Driver>,
    /// For a seller model: whether it beat this run's global model on the seller's holdout.
    pub beats_global: bool,
}

/// `run.json`: what a run trained on, with which parameters, and how its models scored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Format of this file.
    pub format_version: u32,
    /// Run id: start time and a random suffix, e.g. `20261122T020151Z-3fa2`.
    pub id: String,
    /// Start (RFC 3339, UTC, milliseconds).
    pub started_at: String,
    /// End (RFC 3339, UTC).
    pub ended_at: String,
    /// Seconds spent training.
    pub train_seconds: f64,
    /// Fingerprint of the data (16 hex digits).
    pub fingerprint: String,
    /// The data's dates and sizes.
    pub data: DataRange,
    /// Training parameters.
    pub params: RunParams,
    /// Every model, global first.
    pub models: Vec<RunModel>,
}

impl RunRecord {
    /// The model named `name` (`global` or a seller id).
    pub fn model(&self, name: &str) -> Option<&RunModel> {
        self.models.iter().find(|m| m.metrics.model == name)
    }
}

/// The fingerprint as written in run records.
pub fn fingerprint_hex(fp: u64) -> String {
    format!("{fp:016x}")
}

/// The record of a finished training.
pub fn record(ds: &Dataset, out: &TrainOutput, id: &str) -> RunRecord {
    let set = &out.set;
    let o = &ds.orders;
    let models = std::iter::once((GLOBAL, &set.global))
        .chain(set.sellers.iter().map(|(k, m)| (k.as_str(), m)))
        .map(|(name, m)| RunModel {
            metrics: m.metrics.clone(),
            importances: m.drivers.clone(),
            beats_global: name == GLOBAL || m.active,
        })
        .collect();
    RunRecord {
        format_version: RUN_FORMAT_VERSION,
        id: id.to_string(),
        started_at: out.started_at.clone(),
        ended_at: set.trained_at.clone(),
        train_seconds: set.train_seconds,
        fingerprint: fingerprint_hex(set.fingerprint),
        data: DataRange {
            first_day: o.day.iter().min().and_then(|&d| day_str(d)),
            last_day: o.day.iter().max().and_then(|&d| day_str(d)),
            orders: o.len(),
            labelled: o.returned.iter().filter(|r| r.is_some()).count(),
            sellers: ds.sellers.len(),
        },
        params: RunParams::of(&set.config, &ds.schema),
        models,
    }
}

/// A new run id from the start time (sortable) and a suffix that differs between processes
/// and calls (clock nanoseconds, process id, a counter).
fn new_run_id(started_at: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    // "2026-11-22T02:09:07.123Z" -> "20261122T020907Z".
    let seconds = started_at.split('.').next().unwrap_or(started_at);
    let compact: String = seconds
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .chain(std::iter::once('Z'))
        .collect();
    let mut h = crate::util::Fnv64::default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    h.write(&nanos.to_le_bytes());
    h.write(&std::process::id().to_le_bytes());
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    h.write(&n.to_le_bytes());
    format!("{compact}-{:04x}", h.finish() & 0xffff)
}

fn holdout_csv(ds: &Dataset, holdout: &std::collections::BTreeMap<String, Holdout>) -> String {
    let n: usize = holdout.values().map(|h| h.rows.len()).sum();
    let mut s = String::with_capacity(32 + n * 40);
    s.push_str("Order_ID,model,risk_score,Returned\n");
    for (name, h) in holdout {
        for k in 0..h.rows.len() {
            s.push_str(&format!(
                "{},{},{},{}\n",
                crate::text::csv_field(&ds.orders.id[h.rows[k]]),
                crate::text::csv_field(name),
                h.risk[k],
                u8::from(h.returned[k]),
            ));
        }
    }
    s
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let mut f = std::fs::File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// Writes a finished training as a new run and returns its record. The files go into a
/// hidden temp directory that is renamed to `runs/<id>` only when all are on disk.
pub fn write_run(ds: &Dataset, out: &TrainOutput) -> Result<RunRecord, RunError> {
    let dir = runs_dir(&ds.dir);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let id = new_run_id(&out.started_at);
    let rec = record(ds, out, &id);
    let tmp = dir.join(format!(".tmp-{id}-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    let to_json = |r: serde_json::Result<Vec<u8>>| {
        r.map_err(|e| RunError::Damaged {
            path: tmp.clone(),
            message: e.to_string(),
        })
    };
    write_synced(
        &tmp.join("run.json"),
        &to_json(serde_json::to_vec_pretty(&rec))?,
    )?;
    let models = super::artifact::encode(&out.set).map_err(|e| RunError::Damaged {
        path: tmp.join(super::artifact::FILE),
        message: e.to_string(),
    })?;
    write_synced(&tmp.join(super::artifact::FILE), &models)?;
    write_synced(
        &tmp.join("holdout.csv"),
        holdout_csv(ds, &out.holdout).as_bytes(),
    )?;
    let dest = dir.join(&id);
    crate::util::crash_point("before-run-rename");
    std::fs::rename(&tmp, &dest).map_err(io(&dest))?;
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(rec)
}

/// Reads one run's record.
pub fn load_run(data_dir: &Path, id: &str) -> Result<RunRecord, RunError> {
    if id.is_empty() || id.starts_with('.') || id.contains(['/', '\\']) {
        return Err(RunError::NotFound(id.to_string()));
    }
    let path = runs_dir(data_dir).join(id).join("run.json");
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(RunError::NotFound(id.to_string()));
        }
        Err(e) => return Err(io(&path)(e)),
    };
    let rec: RunRecord = serde_json::from_slice(&bytes).map_err(|e| RunError::Damaged {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if rec.format_version != RUN_FORMAT_VERSION {
        return Err(RunError::Damaged {
            path,
            message: format!(
                "format {} (this build reads {RUN_FORMAT_VERSION})",
                rec.format_version
            ),
        });
    }
    Ok(rec)
}

/// The artifacts file of run `id`.
pub fn artifacts_path(data_dir: &Path, id: &str) -> PathBuf {
    runs_dir(data_dir).join(id).join(super::artifact::FILE)
}

/// Reads one run's model artifacts, checking their format and every tree.
pub fn load_run_models(data_dir: &Path, id: &str) -> Result<ModelSet, RunError> {
    load_run_models_only(data_dir, id, &|_| true)
}

/// [`load_run_models`] of the models `wanted` names ([`GLOBAL`] or a seller's id):
/// other sellers are left out, and the global model has no trees unless it is wanted.
pub fn load_run_models_only(
    data_dir: &Path,
    id: &str,
    wanted: &(dyn Fn(&str) -> bool + Sync),
) -> Result<ModelSet, RunError> {
    let path = artifacts_path(data_dir, id);
    let older = path.with_file_name(super::artifact::OLDER_BUILD_FILE);
    if !path.exists() && older.exists() {
        return Err(RunError::Damaged {
            path: older,
            message: super::artifact::OLDER_BUILD.into(),
        });
    }
    let bytes = std::fs::read(&path).map_err(io(&path))?;
    let damaged = |message: String| RunError::Damaged {
        path: path.clone(),
        message,
    };
    let set = super::artifact::decode_only(&bytes, wanted).map_err(|e| damaged(e.to_string()))?;
    match set.format_version {
        FORMAT_VERSION => {}
        v if v < FORMAT_VERSION => {
            let older = super::artifact::OLDER_BUILD;
            return Err(damaged(format!("model format {v}: {older}")));
        }
        v => {
            return Err(damaged(format!(
                "model format {v}, this build reads {FORMAT_VERSION}: written by a newer returnrisk-tui"
            )));
        }
    }
    // A global model left out has no trees to check.
    let global = wanted(GLOBAL).then_some(&set.global);
    let models: Vec<&super::TrainedModel> =
        global.into_iter().chain(set.sellers.values()).collect();
    let valid = models
        .par_iter()
        .all(|m| m.forest.is_valid(m.encoder.width()));
    if !valid {
        return Err(damaged("a tree is malformed".into()));
    }
    Ok(set)
}

/// Every readable run, oldest first; runs that cannot be read are returned with the reason.
pub fn list_runs(data_dir: &Path) -> (Vec<RunRecord>, Vec<RunError>) {
    let dir = runs_dir(data_dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return (Vec::new(), Vec::new());
    };
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !e.path().is_dir() {
            continue;
        }
        match load_run(data_dir, &name) {
            Ok(r) => ok.push(r),
            Err(err) => bad.push(err),
        }
    }
    ok.sort_by(|a: &RunRecord, b| (&a.started_at, &a.id).cmp(&(&b.started_at, &b.id)));
    (ok, bad)
}
