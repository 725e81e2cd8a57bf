//! `export onnx`: the models as ONNX files and a manifest, for systems that do not run ours.

use super::lifecycle::{find_run, state_dir};
use super::output::emit_json;
use crate::cli::ExportCommand;
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
    let ExportCommand::Onnx {
        run,
        active: _,
        out,
    } = format;
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
    let manifest = export_onnx(&set, &cx, &out)?;
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
