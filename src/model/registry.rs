//! The model registry (`<data dir>/.returnrisk/registry.json`): numbered versions of every
//! model (`global` and each seller's own), one active version each, and the rule that decides
//! whether a new version replaces the active one.
//!
//! A new version is compared with the model it would replace *on the new version's holdout
//! orders* (the incumbent is scored on them now), so both are judged on the same orders. For
//! the global model the incumbent is the active global version; for a seller it is the
//! seller's active version or, when it has none, the active global model that scores it.
//! It becomes active when it is not worse by the registry's [`PromotionRule`]; otherwise it
//! stays a candidate. Promote and roll back by hand; every change bumps `revision`.

use super::metrics::{brier, roc_auc};
use super::runs::{RunError, RunRecord, load_run_models, state_dir};
use super::train::{Holdout, TrainOutput};
use super::{GLOBAL, ModelSet, TrainedModel, VersionRef};
use crate::data::Dataset;
use crate::util::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Version of `registry.json`.
pub const REGISTRY_FORMAT_VERSION: u32 = 1;

/// Where the registry lives.
pub fn registry_path(data_dir: &Path) -> PathBuf {
    state_dir(data_dir).join("registry.json")
}

/// The holdout metric the promotion rule compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Brier score: lower is better; judges calibrated probabilities, which the dashboard shows.
    Brier,
    /// ROC AUC: higher is better; judges ranking only.
    RocAuc,
}

impl Metric {
    /// Parses `brier` or `roc_auc`.
    pub fn parse(s: &str) -> Option<Metric> {
        match s {
            "brier" => Some(Metric::Brier),
            "roc_auc" => Some(Metric::RocAuc),
            _ => None,
        }
    }
    /// The name used in files and messages.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Brier => "brier",
            Metric::RocAuc => "roc_auc",
        }
    }
}

/// When a new version may replace the active one: its metric is no worse than the
/// incumbent's on the same holdout orders, allowing `tolerance` (0 = must be at least as good).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PromotionRule {
    /// The compared metric.
    pub metric: Metric,
    /// How much worse the new version may be and still be promoted.
    pub tolerance: f64,
}

impl Default for PromotionRule {
    fn default() -> Self {
        PromotionRule {
            metric: Metric::Brier,
            tolerance: 0.0,
        }
    }
}

/// A model's metrics on a set of holdout orders.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Holdout orders.
    pub n: usize,
    /// Brier score (`None` without orders).
    pub brier: Option<f64>,
    /// ROC AUC (`None` with one class).
    pub roc_auc: Option<f64>,
}

impl Score {
    /// Scores `risk` against `returned`.
    pub fn of(returned: &[bool], risk: &[f64]) -> Score {
        Score {
            n: returned.len(),
            brier: brier(returned, risk),
            roc_auc: roc_auc(returned, risk),
        }
    }
    /// The value of `metric`.
    pub fn get(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::Brier => self.brier,
            Metric::RocAuc => self.roc_auc,
        }
    }
}

impl PromotionRule {
    /// Whether `new` is not worse than `old`; `None` when the metric is n/a for either.
    pub fn not_worse(&self, new: &Score, old: &Score) -> Option<bool> {
        let (a, b) = (new.get(self.metric)?, old.get(self.metric)?);
        Some(match self.metric {
            Metric::Brier => a <= b + self.tolerance,
            Metric::RocAuc => a >= b - self.tolerance,
        })
    }
}

/// The model a new version was compared with, scored on the new version's holdout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incumbent {
    /// Its model name (`global` when a seller without an active version was compared with it).
    pub model: String,
    /// Its version.
    pub version: u32,
    /// Its metrics on the new version's holdout orders.
    pub score: Score,
}

/// One registered version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelVersion {
    /// 1, 2, ... per model.
    pub version: u32,
    /// The run that trained it.
    pub run_id: String,
    /// When it was registered (RFC 3339, UTC).
    pub registered_at: String,
    /// Its metrics on its own holdout.
    pub score: Score,
    /// Whether registration made it active.
    pub promoted: bool,
    /// Why (the comparison, in words).
    pub reason: String,
    /// What it was compared with.
    pub incumbent: Option<Incumbent>,
}

/// Versions of one model.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelEntry {
    /// Every version, oldest first.
    pub versions: Vec<ModelVersion>,
    /// The active version (`None`: a seller scored by the global model).
    pub active: Option<u32>,
    /// Previously active versions, most recent last (what `rollback` returns to).
    pub history: Vec<u32>,
}

impl ModelEntry {
    /// The version numbered `v`.
    pub fn version(&self, v: u32) -> Option<&ModelVersion> {
        self.versions.iter().find(|x| x.version == v)
    }
    /// The active version's record.
    pub fn active_version(&self) -> Option<&ModelVersion> {
        self.active.and_then(|v| self.version(v))
    }
    fn activate(&mut self, v: Option<u32>) {
        if self.active != v
            && let Some(old) = self.active
        {
            self.history.push(old);
        }
        self.active = v;
    }
}

/// `registry.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Registry {
    /// Format of this file.
    pub format_version: u32,
    /// Bumped by every change (the dashboard reloads when it moves).
    pub revision: u64,
    /// The promotion rule applied at registration.
    pub rule: PromotionRule,
    /// Entries by model name (`global` or a seller id).
    pub models: BTreeMap<String, ModelEntry>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            format_version: REGISTRY_FORMAT_VERSION,
            revision: 0,
            rule: PromotionRule::default(),
            models: BTreeMap::new(),
        }
    }
}

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a registry this version reads.
    #[error("{path}: {message} (move it away to start a new registry)")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// No model has this name.
    #[error("no model {0:?} in the registry (see `models list`)")]
    UnknownModel(String),
    /// The model has no such version.
    #[error("model {model:?} has no version {version} (it has {have})")]
    UnknownVersion {
        /// The model.
        model: String,
        /// The asked version.
        version: u32,
        /// The versions it has.
        have: String,
    },
    /// Nothing to roll back to.
    #[error("model {0:?} has no earlier active version to roll back to")]
    NoHistory(String),
    /// The global model cannot be switched off.
    #[error("the global model must keep an active version")]
    GlobalRequired,
    /// A run's artifacts could not be read.
    #[error(transparent)]
    Run(#[from] RunError),
}

impl Registry {
    /// Reads the registry; an empty one when the file does not exist yet.
    pub fn load(data_dir: &Path) -> Result<Registry, RegistryError> {
        let path = registry_path(data_dir);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Registry::default()),
            Err(source) => return Err(RegistryError::Io { path, source }),
        };
        let reg: Registry = serde_json::from_slice(&bytes).map_err(|e| RegistryError::Damaged {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if reg.format_version != REGISTRY_FORMAT_VERSION {
            return Err(RegistryError::Damaged {
                path,
                message: format!(
                    "format {} (this build reads {REGISTRY_FORMAT_VERSION})",
                    reg.format_version
                ),
            });
        }
        Ok(reg)
    }

    /// Bumps the revision and writes the registry atomically (temp file + rename).
    pub fn save(&mut self, data_dir: &Path) -> Result<(), RegistryError> {
        self.revision += 1;
        let path = registry_path(data_dir);
        let json = serde_json::to_vec_pretty(self).map_err(|e| RegistryError::Damaged {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, &json).map_err(|source| RegistryError::Io { path, source })
    }

    /// The entry of `model`.
    pub fn entry(&self, model: &str) -> Result<&ModelEntry, RegistryError> {
        self.models
            .get(model)
            .ok_or_else(|| RegistryError::UnknownModel(model.to_string()))
    }

    /// Ids of every run with a registered version.
    pub fn run_ids(&self) -> std::collections::BTreeSet<&str> {
        self.models
            .values()
            .flat_map(|e| e.versions.iter().map(|v| v.run_id.as_str()))
            .collect()
    }

    /// Makes `version` of `model` active by hand.
    pub fn promote(&mut self, model: &str, version: u32) -> Result<(), RegistryError> {
        let entry = self
            .models
            .get_mut(model)
            .ok_or_else(|| RegistryError::UnknownModel(model.to_string()))?;
        if entry.version(version).is_none() {
            let have: Vec<String> = entry
                .versions
                .iter()
                .map(|v| format!("v{}", v.version))
                .collect();
            return Err(RegistryError::UnknownVersion {
                model: model.to_string(),
                version,
                have: have.join(", "),
            });
        }
        entry.activate(Some(version));
        Ok(())
    }

    /// Returns `model` to the version active before the current one (for a seller with no
    /// earlier version: back to the global model). Returns the new active version.
    pub fn rollback(&mut self, model: &str) -> Result<Option<u32>, RegistryError> {
        let entry = self
            .models
            .get_mut(model)
            .ok_or_else(|| RegistryError::UnknownModel(model.to_string()))?;
        let to = match entry.history.pop() {
            Some(v) => Some(v),
            None if model != GLOBAL && entry.active.is_some() => None,
            None if model == GLOBAL => return Err(RegistryError::GlobalRequired),
            None => return Err(RegistryError::NoHistory(model.to_string())),
        };
        entry.active = to;
        Ok(to)
    }
}

/// Artifacts of runs, read once each.
#[derive(Default)]
struct Artifacts(HashMap<String, ModelSet>);

impl Artifacts {
    fn get(&mut self, data_dir: &Path, run_id: &str) -> Result<&ModelSet, RunError> {
        if !self.0.contains_key(run_id) {
            let set = load_run_models(data_dir, run_id)?;
            self.0.insert(run_id.to_string(), set);
        }
        Ok(&self.0[run_id])
    }
    fn model(
        &mut self,
        data_dir: &Path,
        run_id: &str,
        name: &str,
    ) -> Result<&TrainedModel, RunError> {
        let path = super::runs::runs_dir(data_dir)
            .join(run_id)
            .join("models.json");
        let set = self.get(data_dir, run_id)?;
        if name == GLOBAL {
            return Ok(&set.global);
        }
        set.sellers.get(name).ok_or(RunError::Damaged {
            path,
            message: format!("no model {name:?}"),
        })
    }
}

/// Scores holdout rows with `model` (for comparing an incumbent on a new version's holdout).
fn score_rows(ds: &Dataset, model: &TrainedModel, rows: &[usize]) -> Vec<f64> {
    let codes = model.encoder.category_codes(ds);
    let x: Vec<_> = rows
        .iter()
        .map(|&i| model.encoder.encode_order(ds, &codes, i))
        .collect();
    model.forest.predict(&x)
}

/// What registration decided for one model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Registered {
    /// The model.
    pub model: String,
    /// Its new version.
    pub version: u32,
    /// Whether it became active.
    pub promoted: bool,
    /// Why.
    pub reason: String,
}

fn fmt_metric(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.4}"))
}

/// Registers every model of a run as a new version and applies the promotion rule.
pub fn register(
    ds: &Dataset,
    reg: &mut Registry,
    run: &RunRecord,
    out: &TrainOutput,
) -> Vec<Registered> {
    let mut artifacts = Artifacts::default();
    let mut done = Vec::new();
    let now = super::train::now_utc();
    let names = std::iter::once(GLOBAL).chain(out.set.sellers.keys().map(String::as_str));
    for name in names {
        let Some(holdout) = out.holdout.get(name) else {
            continue;
        };
        // The incumbent: this model's active version, or for a seller without one the
        // active global model (already decided above, since the global comes first).
        let entry = reg.models.get(name);
        let own = entry.and_then(|e| e.active_version()).map(|v| (name, v));
        let fallback = || {
            let g = reg.models.get(GLOBAL)?.active_version()?;
            (name != GLOBAL).then_some((GLOBAL, g))
        };
        let incumbent_ref = own
            .or_else(fallback)
            .map(|(m, v)| (m.to_string(), v.version, v.run_id.clone()));
        let (promoted, reason, incumbent) =
            decide(ds, reg.rule, &mut artifacts, holdout, incumbent_ref, name);
        let entry = reg.models.entry(name.to_string()).or_default();
        let version = entry.versions.iter().map(|v| v.version).max().unwrap_or(0) + 1;
        entry.versions.push(ModelVersion {
            version,
            run_id: run.id.clone(),
            registered_at: now.clone(),
            score: Score::of(&holdout.returned, &holdout.risk),
            promoted,
            reason: reason.clone(),
            incumbent,
        });
        if promoted {
            entry.activate(Some(version));
        }
        done.push(Registered {
            model: name.to_string(),
            version,
            promoted,
            reason,
        });
    }
    done
}

/// Applies the rule to one new model against its incumbent `(model, version, run id)`.
fn decide(
    ds: &Dataset,
    rule: PromotionRule,
    artifacts: &mut Artifacts,
    holdout: &Holdout,
    incumbent: Option<(String, u32, String)>,
    name: &str,
) -> (bool, String, Option<Incumbent>) {
    let new = Score::of(&holdout.returned, &holdout.risk);
    let Some((inc_name, inc_version, run_id)) = incumbent else {
        return (true, "first version".into(), None);
    };
    let model = match artifacts.model(&ds.dir, &run_id, &inc_name) {
        Ok(m) => m,
        Err(e) => {
            return (
                true,
                format!("active {inc_name} v{inc_version} cannot be read ({e}); replaced"),
                None,
            );
        }
    };
    let old = Score::of(&holdout.returned, &score_rows(ds, model, &holdout.rows));
    let m = rule.metric;
    let (a, b) = (fmt_metric(new.get(m)), fmt_metric(old.get(m)));
    let who = if inc_name == name {
        format!("active v{inc_version}")
    } else {
        format!("{inc_name} v{inc_version}")
    };
    let inc = Some(Incumbent {
        model: inc_name,
        version: inc_version,
        score: old,
    });
    let n = new.n;
    match rule.not_worse(&new, &old) {
        Some(true) => (
            true,
            format!(
                "{} {a} vs {who}'s {b} on the same {n} orders: not worse",
                m.name()
            ),
            inc,
        ),
        Some(false) => (
            false,
            format!(
                "{} {a} vs {who}'s {b} on the same {n} orders: worse, kept as candidate",
                m.name()
            ),
            inc,
        ),
        None => (
            false,
            format!("{} is n/a on these {n} orders: kept as candidate", m.name()),
            inc,
        ),
    }
}

/// The models the registry makes active, assembled from their runs' artifacts, with a
/// warning for each active seller version that could not be read (its sellers fall back to
/// the global model). `Ok(None)` while no global version is active.
pub fn active_set(
    data_dir: &Path,
    reg: &Registry,
) -> Result<Option<(ModelSet, Vec<String>)>, RegistryError> {
    let Some(g) = reg.models.get(GLOBAL).and_then(|e| e.active_version()) else {
        return Ok(None);
    };
    let mut artifacts = Artifacts::default();
    // The global model's run, without cloning that run's seller forests.
    let src = artifacts.get(data_dir, &g.run_id)?;
    let mut set = ModelSet {
        format_version: src.format_version,
        fingerprint: src.fingerprint,
        trained_at: src.trained_at.clone(),
        train_seconds: src.train_seconds,
        config: src.config.clone(),
        global: src.global.clone(),
        sellers: BTreeMap::new(),
        seller_drivers: src.seller_drivers.clone(),
        versions: BTreeMap::new(),
    };
    set.versions.insert(
        GLOBAL.to_string(),
        VersionRef {
            version: g.version,
            run_id: g.run_id.clone(),
        },
    );
    let mut warnings = Vec::new();
    for (name, entry) in reg.models.iter().filter(|(n, _)| *n != GLOBAL) {
        let Some(v) = entry.active_version() else {
            continue;
        };
        match artifacts.model(data_dir, &v.run_id, name) {
            Ok(m) => {
                let mut m = m.clone();
                m.active = true;
                set.sellers.insert(name.clone(), m);
                set.versions.insert(
                    name.clone(),
                    VersionRef {
                        version: v.version,
                        run_id: v.run_id.clone(),
                    },
                );
            }
            Err(e) => warnings.push(format!(
                "{name} v{}: {e}; the global model scores it",
                v.version
            )),
        }
    }
    Ok(Some((set, warnings)))
}
