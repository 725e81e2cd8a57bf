//! Opening a data directory: the one path from the command line's data flags (`--data`,
//! `--bands`, `--config`, `--strict`, `--date-range`) to validated data, for the dashboard
//! and every command alike.

use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use indicatif::{ProgressBar, ProgressStyle};
use returnrisk_core::config::RiskBands;
use returnrisk_core::data::generate::{GenerateOptions, generate};
use returnrisk_core::data::{Dataset, LoadOptions, LoadReport};
use returnrisk_core::engine::Engine;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The default data directory (relative to the working directory).
pub const DEFAULT_DATA_DIR: &str = "data";

/// Where the data is and how strictly to read it (the command line's `--data`, `--strict`,
/// `--bands`, `--date-range` and `--config`), as plain values.
#[derive(Clone, Debug, Default)]
pub struct DataSettings {
    /// The data directory [default: ./data, created with the demo dataset on first run].
    pub dir: Option<PathBuf>,
    /// Any invalid row is an error instead of skipped.
    pub strict: bool,
    /// Risk bands as typed (`default`, `original` or MEDIUM,HIGH).
    pub bands: Option<String>,
    /// Plausible order dates, FROM..TO.
    pub date_range: Option<String>,
    /// The config file.
    pub config: Option<PathBuf>,
    /// Which cube built elsewhere to answer from (`--cube`).
    pub cube: CubeChoice,
}

/// Whether to answer from a cube built elsewhere (the Spark job's, `export cube`'s) instead
/// of the orders, for what a cube can answer (`report`, `brief`, `forecast`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CubeChoice {
    /// The data folder's `cube/` when it holds a cube manifest, else the orders.
    #[default]
    Auto,
    /// Always the orders.
    Never,
    /// This cube folder.
    Dir(PathBuf),
}

impl CubeChoice {
    /// From the flag's text: `auto`, `none` or a folder.
    pub fn parse(s: &str) -> CubeChoice {
        match s {
            "auto" => CubeChoice::Auto,
            "none" => CubeChoice::Never,
            dir => CubeChoice::Dir(PathBuf::from(dir)),
        }
    }

    /// The cube folder to answer from for data folder `data_dir`, if any.
    pub fn folder(&self, data_dir: &Path) -> Option<PathBuf> {
        match self {
            CubeChoice::Auto => {
                let dir = data_dir.join("cube");
                dir.join(returnrisk_core::engine::cube_files::MANIFEST)
                    .is_file()
                    .then_some(dir)
            }
            CubeChoice::Never => None,
            CubeChoice::Dir(d) => Some(d.clone()),
        }
    }
}

impl DataSettings {
    /// The risk bands: `--bands`, else the config file's `risk.bands`, else `default`. One
    /// rule for the dashboard and every command.
    pub fn bands(&self) -> Result<returnrisk_core::config::RiskBands, String> {
        match &self.bands {
            Some(b) => returnrisk_core::config::RiskBands::parse(b),
            None => self.config().map(|c| c.bands()),
        }
    }

    /// The alert rules' FDR level and minimum evidence: the config file's `[alerts]`.
    pub fn alert_policy(&self) -> Result<returnrisk_core::engine::AlertPolicy, String> {
        self.config().map(|c| c.alert_policy())
    }

    /// The config: `--config FILE`, else the XDG file when it exists, else the defaults.
    pub fn config(&self) -> Result<crate::config_file::Config, String> {
        crate::config_file::Config::load(self.config.as_deref()).map_err(|e| e.to_string())
    }

    /// How to load the data: `--strict` and `--date-range` (checked here, before any work).
    pub fn load_options(&self) -> Result<returnrisk_core::data::LoadOptions, String> {
        let today = chrono::Utc::now().date_naive();
        let dates = match &self.date_range {
            Some(r) => returnrisk_core::data::dates::DateRange::parse(r, today)?,
            None => returnrisk_core::data::dates::DateRange::default_for(today),
        };
        Ok(returnrisk_core::data::LoadOptions {
            strict: self.strict,
            dates,
        })
    }
}

/// Validated data and how it was read.
pub struct OpenedData {
    /// The orders and sellers.
    pub data: Dataset,
    /// Rows skipped and warnings.
    pub report: LoadReport,
    /// The risk bands (`--bands`, else the config file's, else the default).
    pub bands: RiskBands,
    /// The alert rules' FDR level and minimum evidence (the config file's `[alerts]`).
    pub alert_policy: returnrisk_core::engine::AlertPolicy,
    /// How it was read (kept for reloads).
    pub options: LoadOptions,
}

/// Checks the data flags, finds the data directory and loads it.
pub fn open_data(args: &DataSettings) -> Result<OpenedData> {
    let bands = args.bands().map_err(|e| eyre!(e))?;
    let alert_policy = args.alert_policy().map_err(|e| eyre!(e))?;
    let options = args.load_options().map_err(|e| eyre!(e))?;
    let dir = data_dir(args)?;
    let (data, report, source) = returnrisk_core::data::cache::load(&dir, &options)?;
    tracing::info!(?source, orders = data.orders.len(), "data loaded");
    Ok(OpenedData {
        data,
        report,
        bands,
        alert_policy,
        options,
    })
}

/// The engine of the cube in `cube` (built elsewhere: the Spark job's, `export cube`'s) on
/// the sellers and schema of data folder `dir`, checked against the bands in use and the
/// registry's active models when `dir` has a registry; nothing is trained or scored.
pub fn open_cube(args: &DataSettings, dir: &Path, cube: &Path) -> Result<Engine> {
    let mut engine = open_cube_pending_later(args, dir, cube)?;
    if let Some(pending) = engine.lake_pending() {
        engine.pending = pending;
    }
    Ok(engine)
}

/// [`open_cube`] with the pending returns left to read ([`Engine::lake_pending`]): the
/// dashboard draws its first frame before them.
pub fn open_cube_pending_later(args: &DataSettings, dir: &Path, cube: &Path) -> Result<Engine> {
    let bands = args.bands().map_err(|e| eyre!(e))?;
    let policy = args.alert_policy().map_err(|e| eyre!(e))?;
    let models = active_registry_models(dir)?;
    let mut engine = Engine::from_cube_pending_later(cube, dir, bands, models)?;
    engine.alert_policy = policy;
    Ok(engine)
}

/// The registry's active models in `dir` (none without a registry).
fn active_registry_models(dir: &Path) -> Result<Option<returnrisk_core::model::ModelSet>> {
    Ok(
        match returnrisk_core::model::registry::Registry::load(dir) {
            Ok(reg) => returnrisk_core::model::store::active_models(dir, &reg)?,
            Err(_) => None,
        },
    )
}

/// [`open_cube`] with the bands and alert policy already settled (a reload).
pub fn engine_of_cube(
    dir: &Path,
    cube: &Path,
    bands: RiskBands,
    policy: returnrisk_core::engine::AlertPolicy,
) -> Result<Engine> {
    let models = active_registry_models(dir)?;
    let mut engine = Engine::from_cube(cube, dir, bands, models)?;
    engine.alert_policy = policy;
    Ok(engine)
}

/// One line saying which cube answers: its folder, orders, days and producer.
pub fn cube_note(src: &returnrisk_core::engine::from_cube::CubeSource) -> String {
    let m = &src.manifest;
    format!(
        "answering from the cube in {} ({} orders, {} to {}, {}; --cube none reads the orders)",
        src.dir.display(),
        m.orders,
        m.first_day,
        m.last_day,
        m.producer
    )
}

/// The data directory: `--data`, or `./data` (generated with the demo seed when absent).
pub fn data_dir(args: &DataSettings) -> Result<PathBuf> {
    if let Some(d) = &args.dir {
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
) -> Result<returnrisk_core::data::generate::GenerateSummary> {
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
