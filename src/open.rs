//! Opening a data directory: the one path from the command line's data flags (`--data`,
//! `--bands`, `--config`, `--strict`, `--date-range`) to validated data, for the dashboard
//! and every command alike.

use crate::cli::DataArgs;
use crate::config::RiskBands;
use crate::data::generate::{GenerateOptions, generate};
use crate::data::{Dataset, LoadOptions, LoadReport};
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The default data directory (relative to the working directory).
pub const DEFAULT_DATA_DIR: &str = "data";

/// Validated data and how it was read.
pub struct OpenedData {
    /// The orders and sellers.
    pub data: Dataset,
    /// Rows skipped and warnings.
    pub report: LoadReport,
    /// The risk bands (`--bands`, else the config file's, else the default).
    pub bands: RiskBands,
    /// The alert rules' FDR level and minimum evidence (the config file's `[alerts]`).
    pub alert_policy: crate::engine::AlertPolicy,
    /// How it was read (kept for reloads).
    pub options: LoadOptions,
}

/// Checks the data flags, finds the data directory and loads it.
pub fn open_data(args: &DataArgs) -> Result<OpenedData> {
    let bands = args.bands().map_err(|e| eyre!(e))?;
    let alert_policy = args.alert_policy().map_err(|e| eyre!(e))?;
    let options = args.load_options().map_err(|e| eyre!(e))?;
    let dir = data_dir(args)?;
    let (data, report, source) = crate::data::cache::load(&dir, &options)?;
    tracing::info!(?source, orders = data.orders.len(), "data loaded");
    Ok(OpenedData {
        data,
        report,
        bands,
        alert_policy,
        options,
    })
}

/// The data directory: `--data`, or `./data` (generated with the demo seed when absent).
pub fn data_dir(args: &DataArgs) -> Result<PathBuf> {
    if let Some(d) = &args.data {
        if !d.is_dir() {
            bail!("data directory {} does not exist", d.display());
        }
        return Ok(d.clone());
    }
    let d = PathBuf::from(DEFAULT_DATA_DIR);
    let has = |stem: &str| {
        d.join(format!("{stem}.csv")).is_file() || d.join(format!("{stem}.parquet")).is_file()
    };
    if !has("orders") || !has("sellers") {
        eprintln!(
            "{} has no data: generating the demo dataset (seed 42)",
            d.display()
        );
        generate_with_progress(&d, &GenerateOptions::default())?;
    }
    Ok(d)
}

/// Generates the demo data into `out`, with a progress bar on a terminal.
pub fn generate_with_progress(
    out: &Path,
    opts: &GenerateOptions,
) -> Result<crate::data::generate::GenerateSummary> {
    let bar = progress_bar(opts.orders, "generating orders");
    let s = generate(out, opts, &mut |n| bar.set_position(n))
        .wrap_err_with(|| format!("cannot write demo data to {}", out.display()))?;
    bar.finish_and_clear();
    Ok(s)
}

/// A progress bar on stderr when it is a terminal (hidden otherwise).
pub fn progress_bar(len: u64, msg: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len).with_message(msg);
    if let Ok(style) = ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} ({eta})") {
        bar.set_style(style);
    }
    bar
}
