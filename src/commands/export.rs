//! `export onnx` (the models as ONNX files and a manifest, for systems that do not run ours)
//! and `export cube` (the cube as Parquet, the layout the Spark job writes).

use super::lifecycle::{find_run, state_dir};
use super::output::emit_json;
use crate::cli::ExportCommand;
use crate::engine::{cube_files, cube_files::CubeFilesError, cube_lake};
use crate::model::onnx::{ExportContext, MANIFEST, export as export_onnx};
use crate::model::registry::Registry;
use crate::model::runs::load_run_models;
use crate::model::store::active_models;
use crate::model::{ModelSet, VersionRef};
use crate::open::DataSettings;
use color_eyre::eyre::{Result, eyre};
use std::path::Path;
use std::time::Instant;

/// Run `id`'s models, with the registry versions they were registered as.
pub(super) fn run_models(dir: &Path, reg: &Registry, id: &str) -> Result<ModelSet> {
    let mut set = load_run_models(dir, id)?;
    for (name, entry) in &reg.models {
        if let Some(v) = entry.versions.iter().find(|v| v.run_id == id) {
            let run_id = id.to_string();
            let version = VersionRef {
                version: v.version,
                run_id,
            };
            set.versions.insert(name.clone(), version);
        }
    }
    Ok(set)
}

/// `export FORMAT`.
pub(super) fn export(data: &DataSettings, format: ExportCommand) -> Result<()> {
    match format {
        ExportCommand::Onnx {
            run,
            active: _,
            out,
        } => onnx(data, run, &out),
        ExportCommand::Cube { out } => cube(data, &out),
    }
}

/// `export cube`: the engine's cube with the active models' scores, as Parquet.
fn cube(data: &DataSettings, out: &Path) -> Result<()> {
    if out.exists() {
        return Err(CubeFilesError::Exists(out.to_path_buf()).into());
    }
    let engine = super::open_without_drift(data, &|_| Ok(()))?;
    let started = Instant::now();
    let models = engine.models.as_deref();
    let m = cube_lake::export(&engine.data, &engine.cube, models, engine.bands, out)?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "wrote {} cells of {} orders ({} to {}) and {} to {} in {seconds:.1} s",
        m.cells,
        m.orders,
        m.first_day,
        m.last_day,
        cube_files::MANIFEST,
        out.display()
    );
    emit_json(&serde_json::json!({
        "out": out,
        "orders": m.orders,
        "cells": m.cells,
        "first_day": m.first_day,
        "last_day": m.last_day,
        "scored": m.scored,
        "seconds": seconds,
    }))
}

/// `export onnx`: every forest of the active set or a run, with the manifest.
fn onnx(data: &DataSettings, run: Option<String>, out: &Path) -> Result<()> {
    let dir = state_dir(data)?;
    let schema = crate::data::schema::load_schema(&dir)?;
    let bands = data.bands().map_err(|e| eyre!(e))?;
    let reg = Registry::load(&dir)?;
    let (set, source) = if let Some(id) = run {
        let rec = find_run(&dir, &id)?;
        (run_models(&dir, &reg, &rec.id)?, format!("run {}", rec.id))
    } else {
        let set = active_models(&dir, &reg)?.ok_or_else(|| {
            eyre!(
                "no active models in {}: run `returnrisk-tui train` first, or give --run ID",
                dir.display()
            )
        })?;
        (set, "active registry versions".to_string())
    };
    let started = Instant::now();
    let cx = ExportContext {
        schema: &schema,
        bands,
        source: &source,
    };
    let manifest = export_onnx(&set, &cx, out)?;
    let seconds = started.elapsed().as_secs_f64();
    let bytes: u64 = manifest.models.iter().map(|m| m.bytes).sum();
    let trees: usize = manifest.models.iter().map(|m| m.trees).sum();
    let scoring = manifest.models.iter().filter(|m| m.scores).count();
    eprintln!(
        "wrote {} models ({scoring} scoring; {trees} trees, {:.1} MB) and {MANIFEST} to {} in {seconds:.1} s",
        manifest.models.len(),
        bytes as f64 / 1e6,
        out.display()
    );
    emit_json(&serde_json::json!({
        "out": out,
        "manifest": out.join(MANIFEST),
        "source": source,
        "models": manifest.models.len(),
        "scoring": scoring,
        "trees": trees,
        "bytes": bytes,
        "seconds": seconds,
    }))
}
