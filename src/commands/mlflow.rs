//! `runs export mlflow`: our runs in an MLflow tracking server ([`crate::mlflow`]).

use super::export::run_models;
use super::lifecycle::{find_run, state_dir};
use super::output::emit_json;
use crate::cli::RunsExportCommand;
use crate::mlflow::{Client, Outcome, Prior, RunParts, experiment_id, export_run, prior, register};
use crate::model::onnx::{ExportContext, export as export_onnx};
use crate::model::registry::Registry;
use crate::model::runs::{RunRecord, list_runs, runs_dir};
use crate::open::DataSettings;
use color_eyre::eyre::{Result, WrapErr, eyre};
use serde_json::{Value, json};
use std::path::Path;

/// `runs export mlflow`.
pub(super) fn export(to: RunsExportCommand, data: &DataSettings) -> Result<()> {
    let RunsExportCommand::Mlflow {
        tracking_uri,
        experiment,
        register: register_as,
        runs,
    } = to;
    let dir = state_dir(data)?;
    let records: Vec<RunRecord> = if runs.is_empty() {
        list_runs(&dir).0
    } else {
        runs.iter()
            .map(|id| find_run(&dir, id))
            .collect::<Result<_>>()?
    };
    let schema = crate::data::schema::load_schema(&dir)?;
    let cx = ExportContext {
        schema: &schema,
        bands: data.bands().map_err(|e| eyre!(e))?,
        source: "",
    };
    let reg = Registry::load(&dir)?;
    let client = Client::new(&tracking_uri);
    let exp = experiment_id(&client, &experiment)?;
    let mut done = Vec::new();
    for rec in &records {
        // A run exported before needs nothing prepared (its ONNX export is not remade).
        let outcome = match prior(&client, &exp, &rec.id)? {
            Some(Prior { run, done: true }) => Outcome::Already(run),
            Some(Prior { run, done: false }) => {
                Outcome::Exported(export_one(&client, &exp, &dir, &reg, rec, &cx, Some(&run))?)
            }
            None => Outcome::Exported(export_one(&client, &exp, &dir, &reg, rec, &cx, None)?),
        };
        let (status, id) = match outcome {
            Outcome::Exported(id) => ("exported", id),
            Outcome::Already(id) => ("already exported", id),
        };
        eprintln!("run {}: {status} as MLflow run {id}", rec.id);
        done.push(json!({"run": rec.id, "mlflow_run_id": id, "status": status}));
    }
    let registered = match &register_as {
        Some(name) => register_active(&client, &exp, &dir, &reg, name)?,
        None => Value::Null,
    };
    emit_json(&json!({
        "tracking_uri": tracking_uri,
        "experiment": experiment,
        "experiment_id": exp,
        "runs": done,
        "registered": registered,
    }))
}

/// Exports one run: its ONNX export made in a temporary folder, then everything logged
/// (after deleting `stale`, a half-written earlier export).
fn export_one(
    client: &Client,
    exp: &str,
    dir: &Path,
    reg: &Registry,
    rec: &RunRecord,
    cx: &ExportContext,
    stale: Option<&str>,
) -> Result<String> {
    let set = run_models(dir, reg, &rec.id)?;
    let run_json = std::fs::read(runs_dir(dir).join(&rec.id).join("run.json"))
        .wrap_err_with(|| format!("cannot read run {}", rec.id))?;
    let tmp = std::env::temp_dir().join(format!(
        "returnrisk-mlflow-{}-{}",
        std::process::id(),
        rec.id
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    let source = format!("run {}", rec.id);
    let cx = ExportContext {
        source: &source,
        ..*cx
    };
    let logged = export_onnx(&set, &cx, &tmp).map(|manifest| {
        let parts = RunParts {
            record: rec,
            run_json: &run_json,
            export_dir: &tmp,
            manifest: &manifest,
        };
        export_run(client, exp, &parts, stale)
    });
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(logged??)
}

/// `--register NAME`: our active global version mirrored in MLflow's registry.
fn register_active(
    client: &Client,
    exp: &str,
    dir: &Path,
    reg: &Registry,
    name: &str,
) -> Result<Value> {
    let active = reg
        .models
        .get(crate::model::GLOBAL)
        .and_then(|e| e.active_version())
        .ok_or_else(|| eyre!("--register: no active global version in {}", dir.display()))?;
    let v = register(client, exp, name, &active.run_id, active.version)?;
    eprintln!(
        "registered {name} version {v} (alias active) = our global v{} of run {}",
        active.version, active.run_id
    );
    Ok(json!({"name": name, "version": v, "ours": active.version, "run": active.run_id}))
}
