//! Runs exported to an MLflow tracking server through its REST API: a run's parameters,
//! every model's holdout metrics (the global model's as `roc_auc`, a seller's as
//! `S006/roc_auc`), its times and data as tags, `run.json` and the ONNX export as artifacts,
//! and the global model as an MLflow model in the `onnx` flavour (`model/`). A tag holds our
//! run id, so exporting a run again finds it; another tag is set only when everything is
//! logged, so an interrupted export is redone, never taken as done.

mod client;
mod model;

pub use client::{Client, MlflowError};

use crate::model::ModelMetrics;
use crate::model::onnx::Manifest;
use crate::model::runs::RunRecord;
use serde_json::{Value, json};
use std::path::Path;

/// The tag holding our run id.
pub const RUN_TAG: &str = "returnrisk.run_id";
/// Set to `true` last, when every part of the run is logged.
pub const DONE_TAG: &str = "returnrisk.exported";
/// Metrics per `runs/log-batch` call (MLflow's limit).
const BATCH: usize = 1000;

/// What exporting one run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Logged now, as this MLflow run.
    Exported(String),
    /// Logged before, as this MLflow run; nothing changed.
    Already(String),
}

/// The id of the experiment named `name`, created when missing.
pub fn experiment_id(c: &Client, name: &str) -> Result<String, MlflowError> {
    let found = c.get("experiments/get-by-name", &[("experiment_name", name)])?;
    let answer = match found {
        Some(v) => v["experiment"].clone(),
        None => c.post("experiments/create", &json!({ "name": name }))?,
    };
    Ok(text(&answer["experiment_id"]))
}

/// An MLflow run already holding one of ours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prior {
    /// Its MLflow run id.
    pub run: String,
    /// Whether its export finished (else it is redone).
    pub done: bool,
}

/// The MLflow run holding our run `id` in `exp`, if any (a finished one first).
pub fn prior(c: &Client, exp: &str, id: &str) -> Result<Option<Prior>, MlflowError> {
    Ok(find(c, exp, id)?.map(|(run, done)| Prior { run, done }))
}

/// One of our runs and what is logged with it.
pub struct RunParts<'a> {
    /// Its record.
    pub record: &'a RunRecord,
    /// `run.json` as stored.
    pub run_json: &'a [u8],
    /// Its ONNX export (a folder written by `export onnx`).
    pub export_dir: &'a Path,
    /// The export's manifest.
    pub manifest: &'a Manifest,
}

/// Logs one run in experiment `exp` and returns its MLflow run id; `stale` is an MLflow run holding a half-written
/// earlier export of it ([`prior`]), deleted first.
pub fn export_run(
    c: &Client,
    exp: &str,
    run: &RunParts,
    stale: Option<&str>,
) -> Result<String, MlflowError> {
    let rec = run.record;
    if let Some(id) = stale {
        c.post("runs/delete", &json!({ "run_id": id }))?;
    }
    let created = c.post(
        "runs/create",
        &json!({
            "experiment_id": exp,
            "run_name": rec.id,
            "start_time": millis(&rec.started_at),
            "tags": [
                {"key": RUN_TAG, "value": rec.id},
                {"key": "mlflow.source.name", "value": "returnrisk-tui"},
                {"key": "mlflow.source.type", "value": "LOCAL"},
            ],
        }),
    )?;
    let info = &created["run"]["info"];
    let (id, artifacts) = (text(&info["run_id"]), text(&info["artifact_uri"]));
    log_values(c, &id, rec)?;
    c.put_artifact(&artifacts, "run.json", run.run_json)?;
    put_folder(c, &artifacts, run.export_dir, "onnx")?;
    let path = run.export_dir.join("global.onnx");
    let global = std::fs::read(&path).map_err(|e| MlflowError::Local {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    c.put_artifact(&artifacts, "model/model.onnx", &global)?;
    for (name, body) in model::files(run.manifest, &id, &rec.ended_at) {
        c.put_artifact(&artifacts, &format!("model/{name}"), body.as_bytes())?;
    }
    c.post(
        "runs/set-tag",
        &json!({ "run_id": id, "key": DONE_TAG, "value": "true" }),
    )?;
    c.post(
        "runs/update",
        &json!({ "run_id": id, "status": "FINISHED", "end_time": millis(&rec.ended_at) }),
    )?;
    Ok(id)
}

/// A registered model version in MLflow for the MLflow run holding our run `run_id`: the
/// registered model `name` (created when missing) gets a version whose source is that run's
/// `model/` (unless one exists already) and its alias `active` points at it, mirroring our
/// registry's active global version `version`. Returns MLflow's version number.
pub fn register(
    c: &Client,
    exp: &str,
    name: &str,
    run_id: &str,
    version: u32,
) -> Result<String, MlflowError> {
    let Some((mlflow_run, true)) = find(c, exp, run_id)? else {
        return Err(MlflowError::Local {
            path: run_id.to_string(),
            message: "the run holding the active version is not exported; export it first".into(),
        });
    };
    if c.get("registered-models/get", &[("name", name)])?.is_none() {
        c.post("registered-models/create", &json!({ "name": name }))?;
    }
    let filter = format!(
        "name = '{}' and run_id = '{mlflow_run}'",
        name.replace('\'', "\\'")
    );
    let found = c.get("model-versions/search", &[("filter", &filter)])?;
    let existing = found.as_ref().and_then(|v| {
        v["model_versions"]
            .as_array()
            .and_then(|a| a.first().cloned())
    });
    let mlflow_version = if let Some(v) = existing {
        text(&v["version"])
    } else {
        let run = c
            .get("runs/get", &[("run_id", &mlflow_run)])?
            .unwrap_or_default();
        let artifacts = text(&run["run"]["info"]["artifact_uri"]);
        let created = c.post(
            "model-versions/create",
            &json!({
                "name": name,
                "source": format!("{artifacts}/model"),
                "run_id": mlflow_run,
                "tags": [{"key": "returnrisk.version", "value": version.to_string()}],
            }),
        )?;
        text(&created["model_version"]["version"])
    };
    c.post(
        "registered-models/alias",
        &json!({ "name": name, "alias": "active", "version": mlflow_version }),
    )?;
    Ok(mlflow_version)
}

/// The MLflow run holding our run `id` in `exp`, and whether its export finished.
fn find(c: &Client, exp: &str, id: &str) -> Result<Option<(String, bool)>, MlflowError> {
    let filter = format!("tags.`{RUN_TAG}` = '{}'", id.replace('\'', ""));
    let answer = c.post(
        "runs/search",
        &json!({ "experiment_ids": [exp], "filter": filter, "max_results": 100 }),
    )?;
    let runs = answer["runs"].as_array().cloned().unwrap_or_default();
    let done = |r: &Value| {
        r["data"]["tags"].as_array().is_some_and(|t| {
            t.iter()
                .any(|t| t["key"] == DONE_TAG && t["value"] == "true")
        })
    };
    let pick = runs.iter().find(|r| done(r)).or(runs.first());
    Ok(pick.map(|r| (text(&r["info"]["run_id"]), done(r))))
}

/// Parameters, tags and every model's metrics, in batches MLflow accepts.
fn log_values(c: &Client, id: &str, rec: &RunRecord) -> Result<(), MlflowError> {
    let params: Vec<Value> = rec
        .params
        .entries()
        .into_iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    let d = &rec.data;
    let tags: Vec<Value> = [
        ("returnrisk.data_fingerprint", rec.fingerprint.clone()),
        (
            "returnrisk.first_day",
            d.first_day.clone().unwrap_or_default(),
        ),
        (
            "returnrisk.last_day",
            d.last_day.clone().unwrap_or_default(),
        ),
        ("returnrisk.orders", d.orders.to_string()),
        ("returnrisk.labelled", d.labelled.to_string()),
        ("returnrisk.sellers", d.sellers.to_string()),
        ("returnrisk.train_seconds", rec.train_seconds.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| json!({"key": k, "value": v}))
    .collect();
    c.post(
        "runs/log-batch",
        &json!({"run_id": id, "params": params, "tags": tags}),
    )?;
    let at = millis(&rec.ended_at);
    let metrics: Vec<Value> = rec
        .models
        .iter()
        .flat_map(|m| metric_values(&m.metrics))
        .map(|(key, value)| json!({"key": key, "value": value, "timestamp": at, "step": 0}))
        .collect();
    for chunk in metrics.chunks(BATCH) {
        c.post("runs/log-batch", &json!({"run_id": id, "metrics": chunk}))?;
    }
    Ok(())
}

/// A model's metrics by MLflow name: the global model's plain (`roc_auc`), a seller's under
/// its id (`S006/roc_auc`, characters MLflow refuses in a name replaced by `_`).
pub fn metric_values(m: &ModelMetrics) -> Vec<(String, f64)> {
    let prefix = if m.model == crate::model::GLOBAL {
        String::new()
    } else {
        let safe: String = m
            .model
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_-. :".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{safe}/")
    };
    [
        ("roc_auc", m.roc_auc),
        ("pr_auc", m.pr_auc),
        ("brier", m.brier),
        ("accuracy", m.accuracy),
        ("precision", m.precision),
        ("recall", m.recall),
        ("f1", m.f1),
        ("base_rate", m.base_rate),
        ("threshold", Some(m.threshold)),
        ("n_train", Some(m.n_train as f64)),
        ("n_test", Some(m.n_test as f64)),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((format!("{prefix}{k}"), v.filter(|v| v.is_finite())?)))
    .collect()
}

/// Stores every file under `dir` as artifacts under `under`.
fn put_folder(c: &Client, artifacts: &str, dir: &Path, under: &str) -> Result<(), MlflowError> {
    let unreadable = |e: std::io::Error| MlflowError::Local {
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    let mut stack = vec![(dir.to_path_buf(), under.to_string())];
    while let Some((folder, rel)) = stack.pop() {
        for entry in std::fs::read_dir(&folder).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            let name = format!("{rel}/{}", entry.file_name().to_string_lossy());
            if entry.path().is_dir() {
                stack.push((entry.path(), name));
            } else {
                let bytes = std::fs::read(entry.path()).map_err(unreadable)?;
                c.put_artifact(artifacts, &name, &bytes)?;
            }
        }
    }
    Ok(())
}

/// Milliseconds since 1970 of an RFC 3339 time (0 when unreadable).
fn millis(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map_or(0, |t| t.timestamp_millis())
}

/// A JSON string's text, or a number's.
fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}
