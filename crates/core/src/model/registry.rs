//! The model registry (`<data dir>/.returnrisk/registry.json`): numbered versions of every
//! model (`global` and each seller's own), one active version each, the history that
//! rollback returns along, and the [`PromotionRule`] that registration applies
//! ([`super::register`]). Promote and roll back by hand; every change bumps `revision`.

use super::GLOBAL;
use super::metrics::{brier, roc_auc};
use super::runs::{RunError, state_dir};
use crate::util::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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
    /// Its run was deleted by `runs prune`: it can no longer be promoted.
    #[serde(default)]
    pub pruned: bool,
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
    pub(super) fn activate(&mut self, v: Option<u32>) {
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
    /// Runs registered without a new version: every model identical to an earlier one.
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub unchanged_runs: std::collections::BTreeSet<String>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            format_version: REGISTRY_FORMAT_VERSION,
            revision: 0,
            rule: PromotionRule::default(),
            models: BTreeMap::new(),
            unchanged_runs: Default::default(),
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
    /// The version's run was pruned.
    #[error("{model} v{version}: its run {run_id} was pruned (deleted); it cannot be promoted")]
    Pruned {
        /// The model.
        model: String,
        /// The version.
        version: u32,
        /// Its deleted run.
        run_id: String,
    },
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

    /// Ids of every registered run: those with a version, and those that changed nothing.
    pub fn run_ids(&self) -> std::collections::BTreeSet<&str> {
        self.models
            .values()
            .flat_map(|e| e.versions.iter().map(|v| v.run_id.as_str()))
            .chain(self.unchanged_runs.iter().map(String::as_str))
            .collect()
    }

    /// Makes `version` of `model` active by hand.
    pub fn promote(&mut self, model: &str, version: u32) -> Result<(), RegistryError> {
        let entry = self
            .models
            .get_mut(model)
            .ok_or_else(|| RegistryError::UnknownModel(model.to_string()))?;
        if let Some(v) = entry.version(version).filter(|v| v.pruned) {
            return Err(RegistryError::Pruned {
                model: model.to_string(),
                version,
                run_id: v.run_id.clone(),
            });
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn score(brier: Option<f64>, roc_auc: Option<f64>) -> Score {
        Score {
            n: 100,
            brier,
            roc_auc,
        }
    }

    #[test]
    fn not_worse_counts_ties_and_tolerance_in_the_metrics_direction() {
        let brier = PromotionRule::default();
        let (a, b) = (score(Some(0.14), Some(0.70)), score(Some(0.15), Some(0.75)));
        assert_eq!(brier.not_worse(&a, &b), Some(true)); // lower Brier wins
        assert_eq!(brier.not_worse(&b, &a), Some(false));
        assert_eq!(brier.not_worse(&a, &a), Some(true)); // a tie is not worse
        let loose = PromotionRule {
            tolerance: 0.02,
            ..brier
        };
        assert_eq!(loose.not_worse(&b, &a), Some(true));
        let auc = PromotionRule {
            metric: Metric::RocAuc,
            tolerance: 0.0,
        };
        assert_eq!(auc.not_worse(&b, &a), Some(true)); // higher AUC wins
        assert_eq!(auc.not_worse(&a, &b), Some(false));
        let one_class = score(Some(0.1), None);
        assert_eq!(auc.not_worse(&one_class, &a), None);
        assert_eq!(Metric::parse("roc_auc"), Some(Metric::RocAuc));
        assert_eq!(Metric::parse("f1"), None);
    }

    #[test]
    fn rollback_walks_the_history_and_keeps_a_global_model() {
        let mut reg = Registry::default();
        let version = |v: u32| ModelVersion {
            version: v,
            run_id: format!("r{v}"),
            registered_at: String::new(),
            score: score(Some(0.1), Some(0.7)),
            promoted: false,
            reason: String::new(),
            incumbent: None,
            pruned: false,
        };
        let e = reg.models.entry(GLOBAL.into()).or_default();
        e.versions = (1..=3).map(version).collect();
        e.activate(Some(1));
        reg.promote(GLOBAL, 3).unwrap();
        reg.promote(GLOBAL, 2).unwrap();
        assert_eq!(reg.rollback(GLOBAL).unwrap(), Some(3));
        assert_eq!(reg.rollback(GLOBAL).unwrap(), Some(1));
        assert!(matches!(
            reg.rollback(GLOBAL),
            Err(RegistryError::GlobalRequired)
        ));
        assert_eq!(reg.models[GLOBAL].active, Some(1));
    }
}
