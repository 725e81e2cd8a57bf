//! `import olist` and `bench --olist`: the Olist dataset as a data directory, its import
//! timed at scale, and the model evaluated honestly against the leaky setup.

use super::output::emit_json;
use super::refuse_overwrite;
use color_eyre::eyre::{Result, WrapErr, bail};
use std::path::{Path, PathBuf};

/// `import olist`: reads, builds, writes, prints the counts as JSON.
pub(super) fn import(source: crate::cli::ImportCommand) -> Result<()> {
    let crate::cli::ImportCommand::Olist {
        src,
        out,
        format,
        force,
    } = source;
    refuse_overwrite(&out, force)?;
    let done = crate::import::olist::import_olist(&src, &out, format)?;
    if done.invalid_rows.0 > 0 {
        eprintln!(
            "warning: skipped {} invalid source row(s); first: {}",
            done.invalid_rows.0,
            done.invalid_rows.1.as_deref().unwrap_or("")
        );
    }
    eprintln!(
        "imported {} orders as {} rows into {} in {:.2} s",
        done.counts.orders_kept,
        done.counts.rows,
        out.display(),
        done.seconds
    );
    emit_json(&serde_json::json!({
        "counts": done.counts,
        "seconds": done.seconds,
        "peak_memory_mb": done.peak_memory_mb,
    }))
}

/// `bench --olist DIR`: the import of `orders` resampled orders timed in a child process
/// (its own time and peak memory), then the honest and leaky evaluations on DIR.
pub(super) fn bench_olist(src: &Path, orders: usize) -> Result<serde_json::Value> {
    let scratch = Scratch::new()?;
    let scratch = scratch.path();
    let resampled = scratch.join("resampled");
    crate::import::olist::resample::resample(src, &resampled, orders, RESAMPLE_SEED)?;
    let out = scratch.join("imported");
    let child = std::process::Command::new(std::env::current_exe()?)
        .args(["import", "olist"])
        .arg(&resampled)
        .arg("--out")
        .arg(&out)
        .output()
        .wrap_err("cannot run the import")?;
    if !child.status.success() {
        bail!(
            "the import failed: {}",
            String::from_utf8_lossy(&child.stderr)
        );
    }
    let import: serde_json::Value = serde_json::from_slice(&child.stdout)?;
    let tables = crate::import::olist::tables::read_tables(src)?;
    let built = crate::import::olist::build::build(&tables);
    let comparison =
        crate::import::olist::evaluate::compare(&tables, &built, &scratch.join("evaluate"))?;
    Ok(serde_json::json!({
        "import": {
            "orders_resampled": orders,
            "rows": import["counts"]["rows"],
            "seconds": import["seconds"],
            "peak_memory_mb": import["peak_memory_mb"],
        },
        "sample": built.counts,
        "evaluation": comparison,
    }))
}

/// Seed of the resampled orders (the benchmark is the same data every run).
const RESAMPLE_SEED: u64 = 11;

/// A scratch directory under the system's temp directory, removed when dropped (also
/// when the benchmark fails half-way).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!(
            "returnrisk-bench-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_millis()
        ));
        std::fs::create_dir_all(&dir)
            .wrap_err_with(|| format!("cannot create {}", dir.display()))?;
        Ok(Scratch(dir))
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
