//! `runs`, `models` and `pipeline`: the model lifecycle from the command line.

use super::output::{emit, emit_json as print_json, emit_text, outln};
use super::{DEFAULT_DATA_DIR, data_dir};
use crate::cli::{ListFormat, ModelsCommand, RunsCommand};
use crate::model::ModelMetrics;
use crate::model::TrainConfig;
use crate::model::compare::compare;
use crate::model::lock::StateLock;
use crate::model::prune::prune;
use crate::model::recover::remove_stale_temps;
use crate::model::register::{promote_readable, rollback_readable};
use crate::model::registry::{Metric, Registry};
use crate::model::runs::{RunRecord, list_runs, load_run, runs_dir};
use crate::model::store::Provenance;
use crate::open::DataSettings;
use crate::open::progress_bar;
use crate::pipeline::{PipelineEvent, PipelineOptions, run_pipeline};
use crate::report;
use color_eyre::eyre::{Result, bail, eyre};
use std::path::{Path, PathBuf};

/// The data directory of a state command: `--data`, else `./data` (which must exist).
pub(super) fn state_dir(args: &DataSettings) -> Result<PathBuf> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    if !dir.is_dir() {
        bail!("data directory {} does not exist", dir.display());
    }
    Ok(dir)
}

/// Finds a run by id, unique prefix, or `latest`.
pub(super) fn find_run(dir: &Path, id: &str) -> Result<RunRecord> {
    let (runs, _) = list_runs(dir);
    if id == "latest" {
        return runs
            .last()
            .cloned()
            .ok_or_else(|| eyre!("no runs yet in {}", runs_dir(dir).display()));
    }
    if let Ok(r) = load_run(dir, id) {
        return Ok(r);
    }
    let matching: Vec<&RunRecord> = runs.iter().filter(|r| r.id.starts_with(id)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(eyre!("no run {id:?} (see `runs list`)")),
        many => Err(eyre!(
            "{id:?} matches {} runs: {}",
            many.len(),
            many.iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `runs list|show|compare`.
pub fn runs(command: RunsCommand, data: &DataSettings) -> Result<()> {
    match command {
        RunsCommand::List { state } => {
            let dir = state_dir(data)?;
            let (runs, damaged) = list_runs(&dir);
            for e in &damaged {
                eprintln!("warning: unreadable run: {e}");
            }
            let reg = Registry::load(&dir)?;
            let registered = reg.run_ids();
            for r in runs.iter().filter(|r| !registered.contains(r.id.as_str())) {
                eprintln!(
                    "note: run {} was stored but never registered (interrupted); the next training on the same data registers it, `runs prune` deletes it",
                    r.id
                );
            }
            match state.format {
                ListFormat::Json => {
                    let rows: Vec<serde_json::Value> = runs
                        .iter()
                        .map(|r| {
                            serde_json::json!({
                                "id": r.id,
                                "started_at": r.started_at,
                                "ended_at": r.ended_at,
                                "train_seconds": r.train_seconds,
                                "fingerprint": r.fingerprint,
                                "data": r.data,
                                "models": r.models.len(),
                                "global": r.model(crate::model::GLOBAL).map(|m| &m.metrics),
                                "global_registration":
                                    crate::model::version_state::registration(&reg, crate::model::GLOBAL, &r.id),
                            })
                        })
                        .collect();
                    print_json(&rows)
                }
                ListFormat::Table if runs.is_empty() => {
                    outln!(
                        "No runs yet in {}: `train`, `pipeline` or the dashboard creates one.",
                        runs_dir(&dir).display()
                    );
                    Ok(())
                }
                ListFormat::Table => emit_text(&report::runs_table(&runs, &reg)),
            }
        }
        RunsCommand::Show { id, state } => {
            let dir = state_dir(data)?;
            let run = find_run(&dir, &id)?;
            let reg = Registry::load(&dir)?;
            match state.format {
                ListFormat::Json => {
                    let registered: Vec<serde_json::Value> = reg
                        .models
                        .iter()
                        .flat_map(|(name, e)| {
                            e.versions
                                .iter()
                                .filter(|v| v.run_id == run.id)
                                .map(move |v| {
                                    serde_json::json!({
                                        "model": name,
                                        "version": v.version,
                                        "state": crate::model::version_state::version_state(e, v.version),
                                        "reason": v.reason,
                                    })
                                })
                        })
                        .collect();
                    let unchanged = reg.unchanged_runs.contains(&run.id);
                    print_json(
                        &serde_json::json!({ "run": run, "registered": registered, "unchanged": unchanged }),
                    )
                }
                ListFormat::Table => emit_text(&report::run_text(&run, &reg)),
            }
        }
        RunsCommand::Prune { keep, state } => {
            let dir = state_dir(data)?;
            // prune saves the registry itself, and only when it deletes something.
            let (_lock, mut reg) = locked_registry(&dir, "runs prune")?;
            for removed in remove_stale_temps(&dir) {
                eprintln!("removed {} (its writer is gone)", removed.display());
            }
            let report = prune(&dir, &mut reg, keep)?;
            match state.format {
                ListFormat::Json => print_json(&report),
                ListFormat::Table => {
                    outln!(
                        "deleted {} runs ({:.1} MB freed); kept {}",
                        report.deleted.len(),
                        report.freed_bytes as f64 / 1e6,
                        report.kept.len()
                    );
                    for id in &report.deleted {
                        outln!("  deleted {id}");
                    }
                    Ok(())
                }
            }
        }
        RunsCommand::Export { to } => super::mlflow::export(to, data),
        RunsCommand::Compare { a, b, state } => {
            let dir = state_dir(data)?;
            let c = compare(&find_run(&dir, &a)?, &find_run(&dir, &b)?);
            match state.format {
                ListFormat::Json => print_json(&c),
                ListFormat::Table => emit_text(&report::comparison_table(&c)),
            }
        }
    }
}

fn parse_version(s: &str) -> Result<u32> {
    s.trim_start_matches(['v', 'V'])
        .parse()
        .map_err(|_| eyre!("bad version {s:?}: expected a number such as 3 or v3"))
}

/// Takes the state lock (waiting, and saying so) and reads the registry under it.
fn locked_registry(dir: &Path, purpose: &str) -> Result<(StateLock, Registry)> {
    let lock = StateLock::acquire(dir, purpose, true, &|holder| {
        eprintln!("waiting for another process ({holder})");
    })?;
    let reg = Registry::load(dir)?;
    Ok((lock, reg))
}

/// Runs `change` on the registry under the state lock and saves it.
fn change_registry<T>(dir: &Path, change: impl FnOnce(&mut Registry) -> Result<T>) -> Result<T> {
    let (_lock, mut reg) = locked_registry(dir, "registry change")?;
    let out = change(&mut reg)?;
    reg.save(dir)?;
    Ok(out)
}

fn active_label(v: Option<u32>) -> String {
    v.map_or("none (the global model scores)".into(), |v| format!("v{v}"))
}

/// `models list|promote|rollback|rule`.
pub fn models(command: ModelsCommand, data: &DataSettings) -> Result<()> {
    match command {
        ModelsCommand::List { state, all } => {
            let dir = state_dir(data)?;
            let reg = Registry::load(&dir)?;
            match state.format {
                ListFormat::Json => print_json(&reg),
                ListFormat::Table if reg.models.is_empty() => {
                    outln!("No registered models yet in {}.", dir.display());
                    Ok(())
                }
                ListFormat::Table => emit_text(&report::registry_table(&reg, all)),
            }
        }
        ModelsCommand::Promote {
            model,
            version,
            state,
        } => {
            let dir = state_dir(data)?;
            let v = parse_version(&version)?;
            let before = change_registry(&dir, |reg| {
                let before = reg.entry(&model)?.active;
                promote_readable(&dir, reg, &model, v)?;
                Ok(before)
            })?;
            report_change(state.format, &model, before, Some(v))
        }
        ModelsCommand::Rollback { model, state } => {
            let dir = state_dir(data)?;
            let (before, after) = change_registry(&dir, |reg| {
                let before = reg.entry(&model)?.active;
                let after = rollback_readable(&dir, reg, &model)?;
                Ok((before, after))
            })?;
            report_change(state.format, &model, before, after)
        }
        ModelsCommand::Rule {
            metric,
            tolerance,
            state,
        } => {
            let dir = state_dir(data)?;
            let metric = metric
                .map(|m| {
                    Metric::parse(&m)
                        .ok_or_else(|| eyre!("bad --metric {m:?}: expected brier or roc_auc"))
                })
                .transpose()?;
            if let Some(t) = tolerance
                && !(t.is_finite() && t >= 0.0)
            {
                bail!("bad --tolerance {t}: expected a number >= 0");
            }
            let rule = if metric.is_some() || tolerance.is_some() {
                change_registry(&dir, |reg| {
                    if let Some(m) = metric {
                        reg.rule.metric = m;
                    }
                    if let Some(t) = tolerance {
                        reg.rule.tolerance = t;
                    }
                    Ok(reg.rule)
                })?
            } else {
                Registry::load(&dir)?.rule
            };
            match state.format {
                ListFormat::Json => print_json(&rule),
                ListFormat::Table => {
                    outln!(
                        "A new version becomes active when its {} on its holdout orders is not worse than the incumbent's on the same orders, with tolerance {}.",
                        rule.metric.name(),
                        rule.tolerance
                    );
                    Ok(())
                }
            }
        }
    }
}

fn report_change(
    format: ListFormat,
    model: &str,
    before: Option<u32>,
    after: Option<u32>,
) -> Result<()> {
    match format {
        ListFormat::Json => print_json(&serde_json::json!({
            "model": model, "previous": before, "active": after,
        })),
        ListFormat::Table => {
            outln!(
                "{model}: active {} (was {})",
                active_label(after),
                active_label(before)
            );
            Ok(())
        }
    }
}

/// `train`: a new run, registered; prints every model of the run with its registration.
pub fn train(data: &DataSettings, format: ListFormat) -> Result<()> {
    let loaded = super::load_with_models(data, true, &|_| Ok(()))?;
    if let Provenance::TrainedUnsaved(why) = &loaded.provenance {
        bail!("models trained but not saved: {why}");
    }
    let dir = &loaded.data.dir;
    let (run, registered) = match &loaded.provenance {
        Provenance::Trained { run_id, registered } => {
            (Some(load_run(dir, run_id)?), registered.clone())
        }
        _ => (None, Vec::new()),
    };
    // The run's models (all of them), or the unsaved set's when the run could not be stored.
    let metrics: Vec<ModelMetrics> = match &run {
        Some(r) => r.models.iter().map(|m| m.metrics.clone()).collect(),
        None => loaded.models.all_metrics().into_iter().cloned().collect(),
    };
    let decision = |name: &str| registered.iter().find(|r| r.model == name);
    match format {
        ListFormat::Json => {
            let models: Vec<serde_json::Value> = metrics
                .iter()
                .map(|m| {
                    let mut v = serde_json::to_value(m).unwrap_or_default();
                    if let Some(obj) = v.as_object_mut() {
                        let d = decision(&m.model);
                        obj.insert("version".into(), d.map(|d| d.version).into());
                        obj.insert("active".into(), d.is_some_and(|d| d.active).into());
                        obj.insert("unchanged".into(), d.is_some_and(|d| d.unchanged).into());
                        obj.insert("decision".into(), d.map(|d| d.reason.clone()).into());
                    }
                    v
                })
                .collect();
            print_json(&serde_json::json!({
                "run_id": run.as_ref().map(|r| &r.id),
                "trained_at": loaded.models.trained_at,
                "train_seconds": run.as_ref().map_or(loaded.models.train_seconds, |r| r.train_seconds),
                "fingerprint": format!("{:016x}", loaded.data.fingerprint),
                "models": models,
            }))
        }
        ListFormat::Table => {
            if let Some(r) = &run {
                outln!("Run {} ({:.1} s)\n", r.id, r.train_seconds);
            }
            let refs: Vec<&ModelMetrics> = metrics.iter().collect();
            emit_text(&report::metrics_table(&refs))?;
            let rows: Vec<Vec<String>> = registered
                .iter()
                .map(|d| {
                    vec![
                        d.model.clone(),
                        format!("v{}", d.version),
                        d.state().to_string(),
                        d.reason.clone(),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                emit("\n")?;
                emit_text(&report::table(
                    &["Model", "Version", "State", "Decision"],
                    &rows,
                ))?;
            }
            Ok(())
        }
    }
}

/// `pipeline`: runs every step with progress on stderr and prints the summary.
pub fn pipeline(data: &DataSettings, current: u32, format: ListFormat) -> Result<()> {
    let bands = data.bands().map_err(|e| eyre!(e))?;
    let load = data.load_options().map_err(|e| eyre!(e))?;
    let dir = data_dir(data)?;
    let opts = PipelineOptions {
        load,
        bands,
        current_days: current,
        train: TrainConfig::default(),
        cases: data.config().map_err(|e| eyre!(e))?.case_policy(),
        alerts: data.alert_policy().map_err(|e| eyre!(e))?,
    };
    let bar = progress_bar(0, "training models");
    let events = |e: PipelineEvent| match e {
        PipelineEvent::Waiting(holder) => {
            eprintln!("waiting for another process ({holder})");
        }
        PipelineEvent::Started(step) => {
            bar.suspend(|| eprintln!("pipeline: {step}"));
        }
        PipelineEvent::Training(p) => {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
        }
    };
    let summary = run_pipeline(&dir, &opts, &events);
    bar.finish_and_clear();
    let summary = summary?;
    match format {
        ListFormat::Json => print_json(&summary),
        ListFormat::Table => emit_text(&summary.table()),
    }
}
