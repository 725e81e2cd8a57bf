//! Registration: every model of a run becomes a new version, compared with the model it
//! would replace *on the new version's holdout orders* (the incumbent is scored on them now),
//! so both are judged on the same orders. For the global model the incumbent is the active
//! global version; for a seller, the seller's active version or, when it has none, the active
//! global model that scores it. It becomes active when it is not worse by the registry's
//! [`PromotionRule`]; otherwise it stays a candidate. Also: the set of active models,
//! assembled from their runs' artifacts.

use super::registry::{Incumbent, ModelVersion, PromotionRule, Registry, RegistryError, Score};
use super::runs::{RunError, RunRecord, load_run_models, load_run_models_only};
use super::train::{Holdout, TrainOutput};
use super::{GLOBAL, ModelSet, TrainedModel, VersionRef};
use crate::data::Dataset;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Artifacts of runs, read once each; the run being registered is already in memory.
#[derive(Default)]
struct Artifacts<'a> {
    read: HashMap<String, ModelSet>,
    current: Option<(&'a str, &'a ModelSet)>,
}

impl Artifacts<'_> {
    fn get(&mut self, data_dir: &Path, run_id: &str) -> Result<&ModelSet, RunError> {
        if let Some((id, set)) = self.current
            && id == run_id
        {
            return Ok(set);
        }
        if !self.read.contains_key(run_id) {
            let set = load_run_models(data_dir, run_id)?;
            self.read.insert(run_id.to_string(), set);
        }
        Ok(&self.read[run_id])
    }
    fn model(
        &mut self,
        data_dir: &Path,
        run_id: &str,
        name: &str,
    ) -> Result<&TrainedModel, RunError> {
        let path = super::runs::artifacts_path(data_dir, run_id);
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
pub(super) fn score_rows(ds: &Dataset, model: &TrainedModel, rows: &[usize]) -> Vec<f64> {
    model.forest.predict(&model.encoder.encode_rows(ds, rows))
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
    /// Whether `version` is the active one after registration.
    pub active: bool,
    /// Whether it scores its holdout exactly as an earlier version (the same data and
    /// configuration trained again): nothing is registered, `version` is that version.
    pub unchanged: bool,
    /// Why.
    pub reason: String,
}

/// One line on a registration: "global v2 active, 9 of 41 new versions active" (with
/// `why`, the global decision's reason in brackets after its state, and a semicolon).
pub fn registration_summary(registered: &[Registered], why: bool) -> String {
    let promoted = registered.iter().filter(|r| r.promoted).count();
    let global = registered
        .iter()
        .find(|r| r.model == GLOBAL)
        .map(|r| {
            let state = r.state();
            let reason = if why {
                format!(" ({})", r.reason)
            } else {
                String::new()
            };
            format!("global v{} {state}{reason}", r.version)
        })
        .unwrap_or_default();
    let sep = if why { ";" } else { "," };
    let new = registered.iter().filter(|r| !r.unchanged).count();
    let same = registered.len() - new;
    let same = match same {
        0 => String::new(),
        n => format!(", {n} unchanged"),
    };
    format!("{global}{sep} {promoted} of {new} new versions active{same}")
}

impl Registered {
    /// `active`, `candidate` or `unchanged`.
    pub fn state(&self) -> &'static str {
        match (self.unchanged, self.promoted) {
            (true, _) => "unchanged",
            (false, true) => "active",
            (false, false) => "candidate",
        }
    }
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
    let mut artifacts = Artifacts {
        current: Some((run.id.as_str(), &out.set)),
        ..Artifacts::default()
    };
    let mut done = Vec::new();
    let now = super::train::now_utc();
    let names = std::iter::once(GLOBAL).chain(out.set.sellers.keys().map(String::as_str));
    for name in names {
        let Some(holdout) = out.holdout.get(name) else {
            continue;
        };
        if let Some(same) = identical_version(ds, reg, &mut artifacts, holdout, name) {
            done.push(same);
            continue;
        }
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
            pruned: false,
        });
        if promoted {
            entry.activate(Some(version));
        }
        done.push(Registered {
            model: name.to_string(),
            version,
            promoted,
            active: promoted,
            unchanged: false,
            reason,
        });
    }
    if !done.is_empty() && done.iter().all(|r| r.unchanged) {
        reg.unchanged_runs.insert(run.id.clone());
    }
    done
}

/// The model's own active version, else its latest one, when the new model scores its
/// holdout exactly as that version does (the same data and configuration trained again):
/// nothing new to register.
fn identical_version(
    ds: &Dataset,
    reg: &Registry,
    artifacts: &mut Artifacts<'_>,
    holdout: &Holdout,
    name: &str,
) -> Option<Registered> {
    let entry = reg.models.get(name)?;
    let latest = entry.versions.iter().rfind(|v| !v.pruned);
    let earlier = entry.active_version().into_iter().chain(latest);
    for v in earlier {
        let Ok(model) = artifacts.model(&ds.dir, &v.run_id, name) else {
            continue;
        };
        if !model.encoder.fits(ds) || score_rows(ds, model, &holdout.rows) != holdout.risk {
            continue;
        }
        let active = entry.active == Some(v.version);
        let state = if active { "active" } else { "candidate" };
        let n = holdout.rows.len();
        return Some(Registered {
            model: name.to_string(),
            version: v.version,
            promoted: false,
            active,
            unchanged: true,
            reason: format!(
                "identical to {state} v{} on all {n} holdout orders: nothing changes",
                v.version
            ),
        });
    }
    None
}

/// Applies the rule to one new model against its incumbent `(model, version, run id)`.
fn decide(
    ds: &Dataset,
    rule: PromotionRule,
    artifacts: &mut Artifacts<'_>,
    holdout: &Holdout,
    incumbent: Option<(String, u32, String)>,
    name: &str,
) -> (bool, String, Option<Incumbent>) {
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
    if !model.encoder.fits(ds) {
        return (
            true,
            format!("active {inc_name} v{inc_version} was trained on other features; replaced"),
            None,
        );
    }
    let old_risk = score_rows(ds, model, &holdout.rows);
    judge(rule, holdout, old_risk, inc_name, inc_version, name)
}

/// The rule's verdict on a new model's holdout scores against its incumbent's.
fn judge(
    rule: PromotionRule,
    holdout: &Holdout,
    old_risk: Vec<f64>,
    inc_name: String,
    inc_version: u32,
    name: &str,
) -> (bool, String, Option<Incumbent>) {
    let new = Score::of(&holdout.returned, &holdout.risk);
    let old = Score::of(&holdout.returned, &old_risk);
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

/// The active version of every model that has one, by model name (what [`active_set`]
/// assembles, read from the registry alone).
pub fn active_versions(reg: &Registry) -> BTreeMap<String, VersionRef> {
    reg.models
        .iter()
        .filter_map(|(name, e)| {
            let v = e.active_version()?;
            Some((
                name.clone(),
                VersionRef {
                    version: v.version,
                    run_id: v.run_id.clone(),
                },
            ))
        })
        .collect()
}

/// Checks that `model`'s active version can be read. A seller without an active version is
/// scored by the global model: nothing to read.
fn check_active_readable(
    data_dir: &Path,
    reg: &Registry,
    model: &str,
) -> Result<(), UnreadableVersion> {
    let Some(v) = reg.models.get(model).and_then(|e| e.active_version()) else {
        return Ok(());
    };
    Artifacts::default()
        .model(data_dir, &v.run_id, model)
        .map(|_| ())
        .map_err(|error| UnreadableVersion {
            model: model.to_string(),
            version: v.version,
            error,
        })
}

/// Why a promote or rollback was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The registry refused it (unknown model or version, nothing to roll back to, ...).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// It would make a version active whose artifacts cannot be read.
    #[error("refused: {0}; its run's artifacts are needed to score")]
    Unreadable(UnreadableVersion),
}

/// Makes `version` of `model` active in `reg` (not saved), refusing a version whose
/// artifacts cannot be read. One rule for the CLI and the dashboard.
pub fn promote_readable(
    data_dir: &Path,
    reg: &mut Registry,
    model: &str,
    version: u32,
) -> Result<(), ChangeError> {
    reg.promote(model, version)?;
    check_active_readable(data_dir, reg, model).map_err(ChangeError::Unreadable)
}

/// Returns `model` to its previous version in `reg` (not saved), refusing a version whose
/// artifacts cannot be read; the version it returns to (`None`: the global model scores).
pub fn rollback_readable(
    data_dir: &Path,
    reg: &mut Registry,
    model: &str,
) -> Result<Option<u32>, ChangeError> {
    let back = reg.rollback(model)?;
    check_active_readable(data_dir, reg, model).map_err(ChangeError::Unreadable)?;
    Ok(back)
}

/// A cheap check (no artifact is parsed) that every active version's artifacts file is
/// there: what `pipeline` relies on before it says "up to date".
pub fn active_artifacts_present(data_dir: &Path, reg: &Registry) -> Result<(), UnreadableVersion> {
    for (name, v) in active_versions(reg) {
        let path = super::runs::artifacts_path(data_dir, &v.run_id);
        let present = std::fs::metadata(&path).map(|m| m.is_file() && m.len() > 0);
        let error = match present {
            Ok(true) => continue,
            Ok(false) => RunError::Damaged {
                path,
                message: "empty or not a file".into(),
            },
            Err(source) => RunError::Io { path, source },
        };
        return Err(UnreadableVersion {
            model: name,
            version: v.version,
            error,
        });
    }
    Ok(())
}

/// An active version whose artifacts cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{model} v{version}: {error}")]
pub struct UnreadableVersion {
    /// `global` or a seller id.
    pub model: String,
    /// The active version.
    pub version: u32,
    /// Why its run's artifacts cannot be read (names the file).
    pub error: RunError,
}

/// The models the registry makes active, assembled from their runs' artifacts, with each
/// active seller version that could not be read (its sellers fall back to the global model;
/// the caller decides whether that is acceptable). `Ok(None)` while no global version is
/// active; an error when the active global version cannot be read.
pub fn active_set(
    data_dir: &Path,
    reg: &Registry,
) -> Result<Option<(ModelSet, Vec<UnreadableVersion>)>, UnreadableVersion> {
    let Some(g) = reg.models.get(GLOBAL).and_then(|e| e.active_version()) else {
        return Ok(None);
    };
    let sellers: Vec<(&String, &ModelVersion)> = reg
        .models
        .iter()
        .filter(|(n, _)| *n != GLOBAL)
        .filter_map(|(n, e)| Some((n, e.active_version()?)))
        .collect();
    // Each run is read once, and only for the forests it contributes.
    let mut wanted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    wanted.entry(&g.run_id).or_default().insert(GLOBAL);
    for (name, v) in &sellers {
        wanted.entry(&v.run_id).or_default().insert(name);
    }
    let mut runs: HashMap<&str, Result<ModelSet, RunError>> = wanted
        .iter()
        .map(|(run, names)| {
            let set = load_run_models_only(data_dir, run, &|n| names.contains(n));
            (*run, set)
        })
        .collect();
    let src = match runs.get(g.run_id.as_str()) {
        Some(Ok(src)) => src,
        other => {
            let error = match other {
                Some(Err(error)) => error.clone(),
                _ => RunError::NotFound(g.run_id.clone()),
            };
            return Err(UnreadableVersion {
                model: GLOBAL.to_string(),
                version: g.version,
                error,
            });
        }
    };
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
    for (name, v) in sellers {
        let taken = match runs.get_mut(v.run_id.as_str()) {
            Some(Ok(run)) => run.sellers.remove(name).ok_or_else(|| RunError::Damaged {
                path: super::runs::artifacts_path(data_dir, &v.run_id),
                message: format!("no model {name:?}"),
            }),
            Some(Err(error)) => Err(error.clone()),
            None => Err(RunError::NotFound(v.run_id.clone())),
        };
        match taken {
            Ok(mut m) => {
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
            Err(error) => warnings.push(UnreadableVersion {
                model: name.clone(),
                version: v.version,
                error,
            }),
        }
    }
    Ok(Some((set, warnings)))
}
