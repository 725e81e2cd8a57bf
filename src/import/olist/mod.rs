//! `import olist`: the public Olist dataset (orders, items, payments, reviews, customers,
//! products, sellers, category names) as one row per (order, seller), labelled with the
//! field's proxy for a return (a bad review), with features known when the order was placed.
//!
//! [`tables`] reads the files, [`build`] sets the grain, the label and the exclusions,
//! [`features`] computes the causal features, [`write`] writes the data directory.

pub mod build;
pub mod evaluate;
pub mod features;
pub mod resample;
pub mod tables;
pub mod write;

use std::path::{Path, PathBuf};
use std::time::Instant;

/// What an import did.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The counts (also in `import.json`).
    pub counts: build::ImportCounts,
    /// Rows of the source tables that could not be read, and the first one.
    pub invalid_rows: (usize, Option<String>),
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Seconds taken.
    pub seconds: f64,
    /// Peak resident memory of the process, in MB (Linux; `None` elsewhere).
    pub peak_memory_mb: Option<f64>,
}

/// Imports the Olist tables in `src` into the data directory `out`.
pub fn import_olist(
    src: &Path,
    out: &Path,
    format: write::OrdersFormat,
) -> color_eyre::Result<Imported> {
    let started = Instant::now();
    let tables = tables::read_tables(src)?;
    let built = build::build(&tables);
    let seconds = started.elapsed().as_secs_f64();
    let files = write::write_import(out, src, &tables, &built, format, seconds)?;
    Ok(Imported {
        counts: built.counts,
        invalid_rows: (
            tables.report.skipped_rows,
            tables
                .report
                .errors
                .first()
                .map(std::string::ToString::to_string),
        ),
        files,
        seconds: started.elapsed().as_secs_f64(),
        peak_memory_mb: crate::util::peak_memory_mb(),
    })
}
