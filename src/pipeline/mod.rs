//! The pipeline: validate → train → evaluate → register → predict → drift → cases in one call,
//! for cron and scripts.
//!
//! - It holds the data directory's state lock for its whole run, so two pipelines (or a
//!   pipeline and a training dashboard) never write at once; the second waits, then finds
//!   the work done.
//! - It is idempotent: `.returnrisk/pipeline.json` records what the last successful run saw
//!   (data fingerprint, parameters, registry revision, drift window, risk bands). When all
//!   match and its outputs exist, only validation runs (it must read the data to know it is
//!   unchanged). A registered run on the same data and parameters is never trained again.
//! - Outputs: `.returnrisk/predictions.csv`, `.returnrisk/drift.json`, `.returnrisk/drift.html`,
//!   and the alert cases reconciled with the last 30 days' alerts (`.returnrisk/cases.sqlite`).

use crate::config::RiskBands;
use crate::data::{Dataset, LoadOptions};
use crate::model::TrainConfig;
use crate::model::lock::StateLock;
use crate::model::recover::unregistered_match;
use crate::model::register::{
    Registered, active_artifacts_present, register, registration_summary,
};
use crate::model::registry::Registry;
use crate::model::runs::{RunParams, fingerprint_hex, state_dir, write_run};
use crate::model::store::{active_models, matching_run, prepare_to_write};
use crate::model::{ModelSet, TrainProgress, train_models};

mod steps;
mod summary_text;
use crate::util::write_atomic;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The pipeline's steps, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Load and validate the data.
    Validate,
    /// Train a run (unless a registered run matches the data and parameters).
    Train,
    /// Store the run: holdout metrics and predictions, artifacts.
    Evaluate,
    /// Register the run's models under the promotion rule.
    Register,
    /// Score every order with the active models.
    Predict,
    /// Drift of the last N days against the active model's training period.
    Drift,
    /// Reconcile the alert cases with the alerts of the config's cases window.
    Cases,
}

impl Step {
    /// Every step in order.
    pub const ALL: [Step; 7] = [
        Step::Validate,
        Step::Train,
        Step::Evaluate,
        Step::Register,
        Step::Predict,
        Step::Drift,
        Step::Cases,
    ];
    /// The step's name.
    pub fn name(self) -> &'static str {
        match self {
            Step::Validate => "validate",
            Step::Train => "train",
            Step::Evaluate => "evaluate",
            Step::Register => "register",
            Step::Predict => "predict",
            Step::Drift => "drift",
            Step::Cases => "cases",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed step.
#[derive(Debug, thiserror::Error)]
#[error("pipeline failed at step {step}: {message}")]
pub struct PipelineError {
    /// The step.
    pub step: Step,
    /// What went wrong.
    pub message: String,
}

/// What happened in one step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepOutcome {
    /// The step.
    pub step: Step,
    /// False when there was nothing to do.
    pub ran: bool,
    /// Seconds it took.
    pub seconds: f64,
    /// One line on what it did or why it was skipped.
    pub detail: String,
}

/// The pipeline's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PipelineSummary {
    /// The data directory.
    pub data_dir: PathBuf,
    /// The data's fingerprint.
    pub fingerprint: String,
    /// True when nothing had changed since the last successful run.
    pub up_to_date: bool,
    /// The run trained now, if any.
    pub run_id: Option<String>,
    /// Registration decisions of that run.
    pub registered: Vec<Registered>,
    /// Every step.
    pub steps: Vec<StepOutcome>,
    /// Files written.
    pub outputs: Vec<PathBuf>,
}

/// Options of a pipeline run.
#[derive(Clone, Debug)]
pub struct PipelineOptions {
    /// How to read the data (strictness, plausible dates).
    pub load: LoadOptions,
    /// Risk bands of the predictions file.
    pub bands: RiskBands,
    /// Drift's current window in days.
    pub current_days: u32,
    /// Training configuration.
    pub train: TrainConfig,
    /// How alerts become cases (the cases step).
    pub cases: crate::cases::Policy,
    /// The alert rules' FDR level and minimum evidence (the cases step).
    pub alerts: crate::engine::AlertPolicy,
}

/// Progress reported while the pipeline runs.
#[derive(Clone, Debug)]
pub enum PipelineEvent {
    /// Another process holds the lock (what it wrote); the pipeline waits.
    Waiting(String),
    /// A step starts.
    Started(Step),
    /// A model finished training.
    Training(TrainProgress),
}

/// What the last successful run saw (`.returnrisk/pipeline.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct PipelineState {
    format_version: u32,
    fingerprint: String,
    params: RunParams,
    registry_revision: u64,
    current_days: u32,
    bands: RiskBands,
    finished_at: String,
}

const STATE_FORMAT_VERSION: u32 = 1;

/// Where the pipeline's files live.
pub fn output_paths(data_dir: &Path) -> [PathBuf; 4] {
    let s = state_dir(data_dir);
    [
        s.join("pipeline.json"),
        s.join("predictions.csv"),
        s.join("drift.json"),
        s.join("drift.html"),
    ]
}

pub(crate) fn fail(step: Step) -> impl Fn(String) -> PipelineError {
    move |message| PipelineError { step, message }
}

/// Whether the last successful run (recorded at `state_path`) saw what this one sees and
/// its `outputs` are all there.
fn up_to_date(state_path: &Path, state: &PipelineState, outputs: &[PathBuf]) -> bool {
    let last: Option<PipelineState> = std::fs::read(state_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    last.is_some_and(|l| {
        PipelineState {
            finished_at: String::new(),
            ..l
        } == *state
    }) && outputs.iter().all(|p| p.is_file())
}

/// Runs the pipeline on `data_dir`.
pub fn run_pipeline(
    data_dir: &Path,
    opts: &PipelineOptions,
    events: &(dyn Fn(PipelineEvent) + Sync),
) -> Result<PipelineSummary, PipelineError> {
    let on_wait = |holder: &str| events(PipelineEvent::Waiting(holder.to_string()));
    let _lock = StateLock::acquire(data_dir, "pipeline", true, &on_wait)
        .map_err(|e| fail(Step::Validate)(e.to_string()))?;
    let mut steps = Vec::new();
    let mut timed = |step: Step, ran: bool, started: Instant, detail: String| {
        steps.push(StepOutcome {
            step,
            ran,
            seconds: started.elapsed().as_secs_f64(),
            detail,
        });
    };

    events(PipelineEvent::Started(Step::Validate));
    let t = Instant::now();
    let (ds, report, detail) = steps::validate(data_dir, &opts.load)?;
    timed(Step::Validate, true, t, detail);

    let [state_path, predictions_path, drift_json, drift_html_path] = output_paths(data_dir);
    let reg = Registry::load(data_dir).map_err(|e| fail(Step::Train)(e.to_string()))?;
    let state = PipelineState {
        format_version: STATE_FORMAT_VERSION,
        fingerprint: fingerprint_hex(ds.fingerprint),
        params: RunParams::of(&opts.train, &ds.schema),
        registry_revision: reg.revision,
        current_days: opts.current_days,
        bands: opts.bands,
        finished_at: String::new(),
    };
    let outputs = vec![
        predictions_path.clone(),
        drift_json.clone(),
        drift_html_path.clone(),
    ];
    let unchanged = up_to_date(&state_path, &state, &outputs)
        && active_artifacts_present(data_dir, &reg).is_ok();
    if unchanged {
        for step in &Step::ALL[1..] {
            let why = "nothing changed since the last run".to_string();
            timed(*step, false, Instant::now(), why);
        }
        return Ok(PipelineSummary {
            data_dir: data_dir.to_path_buf(),
            fingerprint: state.fingerprint,
            up_to_date: true,
            run_id: None,
            registered: Vec::new(),
            steps,
            outputs: Vec::new(),
        });
    }

    prepare_to_write(data_dir).map_err(|e| fail(Step::Train)(e.to_string()))?;
    let (run_id, registered, reg, reused) = train_steps(&ds, reg, opts, events, &mut timed)?;

    events(PipelineEvent::Started(Step::Predict));
    let t = Instant::now();
    // The active models: as read while deciding to reuse them, else as registered now.
    let set = match reused {
        Some(set) => set,
        None => active_models(data_dir, &reg)
            .map_err(|e| fail(Step::Predict)(e.to_string()))?
            .ok_or_else(|| fail(Step::Predict)("the registry has no active global model".into()))?,
    };
    let (scores, detail) = steps::predict(&ds, &set, opts.bands, &predictions_path)?;
    timed(Step::Predict, true, t, detail);

    events(PipelineEvent::Started(Step::Drift));
    let t = Instant::now();
    let paths = (drift_json.as_path(), drift_html_path.as_path());
    let (drift, detail) = steps::drift(&ds, &set, &scores, opts.current_days, paths)?;
    timed(Step::Drift, true, t, detail);

    events(PipelineEvent::Started(Step::Cases));
    let t = Instant::now();
    let prepared = crate::engine::Prepared::from_scores(&ds, set, scores, opts.bands, Some(drift));
    let mut engine = crate::engine::Engine::with_prepared(ds, report, opts.bands, prepared);
    engine.alert_policy = opts.alerts;
    let detail = steps::cases(data_dir, &engine, opts)?;
    timed(Step::Cases, true, t, detail);

    // Record what this run saw, with the registry revision after registration (the lock
    // kept anyone else from changing it since).
    let done = PipelineState {
        registry_revision: reg.revision,
        finished_at: crate::model::train::now_utc(),
        ..state.clone()
    };
    let json = serde_json::to_vec_pretty(&done).map_err(|e| fail(Step::Drift)(e.to_string()))?;
    write(&state_path, &json).map_err(fail(Step::Drift))?;
    Ok(PipelineSummary {
        data_dir: data_dir.to_path_buf(),
        fingerprint: state.fingerprint,
        up_to_date: false,
        run_id,
        registered,
        steps,
        outputs,
    })
}

type Timed<'a> = dyn FnMut(Step, bool, Instant, String) + 'a;

/// What the training steps did: the new run (if any), its registration, the registry
/// after it, and the active models when they were reused (already read).
type Trained = (Option<String>, Vec<Registered>, Registry, Option<ModelSet>);

/// Train, evaluate (store the run) and register, or skip all three when a registered run
/// already trained on this data with these parameters.
fn train_steps(
    ds: &Dataset,
    mut reg: Registry,
    opts: &PipelineOptions,
    events: &(dyn Fn(PipelineEvent) + Sync),
    timed: &mut Timed<'_>,
) -> Result<Trained, PipelineError> {
    let existing = matching_run(ds, &opts.train, &reg);
    // The active models must be readable to be relied on; unreadable ones are replaced by
    // a new run (the registration says so).
    let active = match active_models(&ds.dir, &reg) {
        Ok(active) => active,
        Err(e) => {
            tracing::warn!("{e}");
            None
        }
    };
    let usable = active.is_some();
    if let Some((run, set)) = existing.zip(active) {
        for step in [Step::Train, Step::Evaluate, Step::Register] {
            let why = format!("run {} already trained on this data", run.id);
            timed(step, false, Instant::now(), why);
        }
        return Ok((None, Vec::new(), reg, Some(set)));
    }

    events(PipelineEvent::Started(Step::Train));
    let t = Instant::now();
    let (stored, out) =
        if let Some((run, out)) = unregistered_match(ds, &opts.train, &reg).filter(|_| usable) {
            let why = format!(
                "run {} was stored but never registered: registering it",
                run.id
            );
            timed(Step::Train, false, t, why);
            (Some(run), out)
        } else {
            let progress = |p: TrainProgress| events(PipelineEvent::Training(p));
            let out = train_models(ds, &opts.train, &progress)
                .map_err(|e| fail(Step::Train)(e.to_string()))?;
            let n_models = 1 + out.set.sellers.len();
            let detail = format!("{n_models} models in {:.1} s", out.set.train_seconds);
            timed(Step::Train, true, t, detail);
            (None, out)
        };

    events(PipelineEvent::Started(Step::Evaluate));
    let t = Instant::now();
    let _writing = crate::model::lock::begin_write();
    let run = match stored {
        Some(run) => run,
        None => write_run(ds, &out).map_err(|e| fail(Step::Evaluate)(e.to_string()))?,
    };
    let g = &out.set.global.metrics;
    timed(
        Step::Evaluate,
        true,
        t,
        format!(
            "run {}: global holdout ROC AUC {}, Brier {} on {} orders",
            run.id,
            crate::report::num(g.roc_auc, 3),
            crate::report::num(g.brier, 4),
            g.n_test
        ),
    );

    events(PipelineEvent::Started(Step::Register));
    let t = Instant::now();
    let registered = register(ds, &mut reg, &run, &out);
    reg.save(&ds.dir)
        .map_err(|e| fail(Step::Register)(e.to_string()))?;
    timed(
        Step::Register,
        true,
        t,
        registration_summary(&registered, true),
    );
    Ok((Some(run.id), registered, reg, None))
}

pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    write_atomic(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
