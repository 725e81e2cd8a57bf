//! The headless commands: load, (re)train or reuse models, query the engine, print.

mod lifecycle;
mod order;
pub mod output;

use crate::cli::{Command, DataArgs};
use crate::config::{RiskBands, TrainConfig};
use crate::data::generate::{GenerateOptions, generate};
use crate::data::{Dataset, load_dir};
use crate::engine::{Engine, EngineError, Prepared, Window};
use crate::model::store::{Provenance, StoreError, load_or_train};
use crate::model::train::TrainError;
use crate::model::{ModelSet, TrainProgress};
use crate::report::{self, Format};
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use indicatif::{ProgressBar, ProgressStyle};
use output::{check_out, emit, emit_json, write_out};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The default data directory (relative to the working directory).
pub const DEFAULT_DATA_DIR: &str = "data";

/// Runs a parsed command line.
pub fn run(cli: crate::cli::Cli) -> Result<()> {
    let global = &cli.global;
    let data = &global.data;
    let log = crate::logging::init(global.log.clone(), cli.command.is_none());
    tracing::info!(
        command = ?cli.command.as_ref().map(Command::name),
        version = env!("CARGO_PKG_VERSION"),
        "started"
    );
    match cli.command {
        None => crate::tui::run(global, &cli.tui, log),
        Some(Command::Generate {
            out,
            orders,
            sellers,
            marketplaces,
            days,
            seed,
            force,
        }) => {
            refuse_overwrite(&out, force)?;
            let opts = GenerateOptions {
                orders,
                sellers,
                marketplaces,
                days,
                seed,
                ..GenerateOptions::default()
            };
            let s = generate_with_progress(&out, &opts)?;
            emit_json(&s)
        }
        Some(Command::Report { query, marketplace }) => {
            let window = Window::parse(&query.window).map_err(|e| eyre!(e))?;
            let check = |ds: &Dataset| known_marketplace(ds, marketplace.as_deref());
            let engine = open_with(data, false, true, &check)?;
            let snap = engine.snapshot(window, marketplace.as_deref())?;
            match query.format {
                Format::Table => emit(&report::snapshot_table(&snap, 15)),
                Format::Json => emit_json(&snap),
                Format::Csv => emit(&report::snapshot_csv(&snap)),
            }
        }
        Some(Command::Seller { id, query }) => {
            let window = Window::parse(&query.window).map_err(|e| eyre!(e))?;
            check_seller_arg(&id)?;
            let engine = open_without_drift(data, &|ds| known_seller(ds, &id))?;
            let detail = engine.seller_detail(&id, window).map_err(|e| match e {
                EngineError::UnknownSeller(_) => unknown_seller(&engine.data, &id),
                e => e.into(),
            })?;
            match query.format {
                Format::Table => emit(&report::seller_table(&detail, 25)),
                Format::Json => emit_json(&detail),
                Format::Csv => emit(&report::seller_csv(&detail)),
            }
        }
        Some(Command::Train { format }) => lifecycle::train(data, format),
        Some(Command::Predict { out, seller, order }) => predict(data, out, seller, order),
        Some(Command::Drift {
            current,
            marketplace,
            format,
            out,
        }) => {
            if let Some(out) = &out {
                check_out(out, &data_dir(data)?)?;
            }
            let check = |ds: &Dataset| known_marketplace(ds, marketplace.as_deref());
            let engine = open_without_drift(data, &check)?;
            let mp = engine.marketplace_index(marketplace.as_deref())?;
            let r = crate::drift::report::drift_report(
                &engine.data,
                engine.models.as_ref(),
                engine.scores.as_ref(),
                current,
                mp,
            )?;
            let text = match format {
                crate::cli::DriftFormat::Table => report::drift_table(&r),
                crate::cli::DriftFormat::Json => serde_json::to_string_pretty(&r)? + "\n",
                crate::cli::DriftFormat::Html => report::drift_html(&r),
            };
            match out {
                Some(path) => {
                    if write_out(&path, text.as_bytes())? {
                        eprintln!("wrote the drift report to {}", path.display());
                    }
                    Ok(())
                }
                None => emit(&text),
            }
        }
        Some(Command::Runs { command }) => lifecycle::runs(command, data),
        Some(Command::Models { command }) => lifecycle::models(command, data),
        Some(Command::Pipeline { current, format }) => lifecycle::pipeline(data, current, format),
        Some(Command::Import { source }) => import(source),
        Some(Command::Bench {
            olist: Some(src),
            olist_orders,
            ..
        }) => emit_json(&bench_olist(&src, olist_orders)?),
        Some(Command::Bench { iterations, .. }) => {
            let b = crate::bench::run(data, iterations)?;
            emit_json(&b)
        }
    }
}

/// Refuses to write a dataset into `out` when it already holds data, unless `force`.
fn refuse_overwrite(out: &Path, force: bool) -> Result<()> {
    if let Some(existing) = crate::data::input_files(out)
        .into_iter()
        .find(|f| f.exists() && !force)
    {
        bail!(
            "refusing to overwrite {}: {} already holds data (--force replaces it)",
            existing.display(),
            out.display()
        );
    }
    Ok(())
}

/// `import olist`: reads, builds, writes, prints the counts as JSON.
fn import(source: crate::cli::ImportCommand) -> Result<()> {
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
fn bench_olist(src: &Path, orders: usize) -> Result<serde_json::Value> {
    let scratch = tempfile_dir()?;
    let resampled = scratch.join("resampled");
    crate::import::olist::resample::resample(src, &resampled, orders, 11)?;
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
    let _ = std::fs::remove_dir_all(&scratch);
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

/// A fresh scratch directory under the system's temp directory.
fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "returnrisk-bench-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_millis()
    ));
    std::fs::create_dir_all(&dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// How much of a user's argument an error message repeats.
const ECHO_CHARS: usize = 40;

/// A user's argument for an error message: at most [`ECHO_CHARS`] characters, debug-quoted,
/// with its full length when cut (a 120 KB argument is not echoed back).
pub(crate) fn echo_arg(s: &str) -> String {
    let n = s.chars().count();
    if n <= ECHO_CHARS {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(ECHO_CHARS).collect();
        format!("{head:?}… ({n} characters)")
    }
}

/// A seller id argument must not be empty.
fn check_seller_arg(id: &str) -> Result<()> {
    if id.trim().is_empty() {
        bail!("the seller id is empty: expected an id such as S001 (see `report`)");
    }
    Ok(())
}

/// A seller id the data has (checked before any training).
fn known_seller(ds: &Dataset, id: &str) -> Result<()> {
    match ds.seller_index(id) {
        Some(_) => Ok(()),
        None => Err(unknown_seller(ds, id)),
    }
}

/// A marketplace id the data has, or `all` / none (checked before any training).
fn known_marketplace(ds: &Dataset, id: Option<&str>) -> Result<()> {
    match id {
        Some(m) if !m.eq_ignore_ascii_case("all") && ds.marketplace_index(m).is_none() => {
            bail!(
                "unknown marketplace {} (known: {})",
                echo_arg(m),
                ds.marketplaces.join(", ")
            )
        }
        _ => Ok(()),
    }
}

/// The error for a seller id the data does not have, with a few ids that exist.
fn unknown_seller(ds: &Dataset, id: &str) -> color_eyre::eyre::Report {
    let known: Vec<&str> = ds.sellers.iter().take(5).map(|s| s.id.as_str()).collect();
    eyre!(
        "unknown seller {} (sellers look like {})",
        echo_arg(id),
        known.join(", ")
    )
}

pub(crate) fn generate_with_progress(
    out: &Path,
    opts: &GenerateOptions,
) -> Result<crate::data::generate::GenerateSummary> {
    let bar = progress_bar(opts.orders, "generating orders");
    let s = generate(out, opts, &mut |n| bar.set_position(n))
        .wrap_err_with(|| format!("cannot write demo data to {}", out.display()))?;
    bar.finish_and_clear();
    Ok(s)
}

pub(crate) fn progress_bar(len: u64, msg: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len).with_message(msg);
    if let Ok(style) = ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} ({eta})") {
        bar.set_style(style);
    }
    bar
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

/// Loads the data, reuses or trains models (`retrain` forces training), returns the engine.
/// Data on which no model can be trained yet (no order with a known outcome) still opens,
/// with a warning: every risk number is n/a.
pub fn open(args: &DataArgs, retrain: bool) -> Result<Engine> {
    open_with(args, retrain, true, &|_| Ok(()))
}

/// Checks a command's data-dependent arguments (a seller or marketplace id) once the data
/// is loaded, before any training.
type ArgCheck<'a> = &'a dyn Fn(&Dataset) -> Result<()>;

/// Like [`open`] but without the drift reports behind the alerts (for commands that show
/// neither: `seller`, `predict`, `drift` with its own window).
fn open_without_drift(args: &DataArgs, check: ArgCheck) -> Result<Engine> {
    open_with(args, false, false, check)
}

fn open_with(args: &DataArgs, retrain: bool, drift: bool, check: ArgCheck) -> Result<Engine> {
    let (ds, report, bands) = load_data(args)?;
    check(&ds)?;
    let models = match train_or_reuse(&ds, retrain) {
        Ok((models, _)) => Some(models),
        Err(StoreError::Train(e @ TrainError::NotEnoughData(_))) => {
            eprintln!("warning: no models ({e}); risk numbers are n/a");
            None
        }
        Err(e) => return Err(e.into()),
    };
    let mut engine = Engine::new(ds, report, bands);
    if let Some(models) = models {
        let prepared = if drift {
            Prepared::new(&engine.data, models, engine.bands)
        } else {
            Prepared::without_drift(&engine.data, models, engine.bands)
        };
        engine.install(prepared);
    }
    Ok(engine)
}

/// Validated data with its models, before any scoring or aggregation.
pub(crate) struct Loaded {
    pub(crate) data: crate::data::Dataset,
    pub(crate) models: ModelSet,
    pub(crate) bands: RiskBands,
    pub(crate) provenance: Provenance,
}

/// Loads the data (warnings to stderr), checks the arguments that depend on it, and reuses
/// or trains models.
pub(crate) fn load_with_models(args: &DataArgs, retrain: bool, check: ArgCheck) -> Result<Loaded> {
    let (ds, _, bands) = load_data(args)?;
    check(&ds)?;
    let (models, prov) = train_or_reuse(&ds, retrain)?;
    Ok(Loaded {
        data: ds,
        models,
        bands,
        provenance: prov,
    })
}

/// Loads and validates the data directory; load warnings go to stderr.
fn load_data(
    args: &DataArgs,
) -> Result<(crate::data::Dataset, crate::data::LoadReport, RiskBands)> {
    let bands =
        RiskBands::parse(args.bands.as_deref().unwrap_or("default")).map_err(|e| eyre!(e))?;
    let load = args.load_options().map_err(|e| eyre!(e))?;
    let dir = data_dir(args)?;
    let (ds, load_report) = load_dir(&dir, &load)?;
    if let Some(skipped) = load_report.skipped() {
        eprintln!("warning: {skipped}");
        for e in load_report.errors.iter().skip(1).take(4) {
            eprintln!("  {e}");
        }
    }
    for w in &load_report.warnings {
        eprintln!("warning: {w}");
    }
    if !load_report.missing.is_empty() {
        let counts: Vec<String> = load_report
            .missing
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        eprintln!(
            "note: empty values (the model imputes them): {}",
            counts.join(", ")
        );
    }
    Ok((ds, load_report, bands))
}

/// The registry's active models, or a new run, with a progress bar on a terminal.
fn train_or_reuse(
    ds: &crate::data::Dataset,
    retrain: bool,
) -> std::result::Result<(ModelSet, Provenance), StoreError> {
    let bar = progress_bar(0, "training models");
    let progress = |p: TrainProgress| {
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
    };
    let result = load_or_train(ds, &TrainConfig::default(), retrain, &progress);
    bar.finish_and_clear();
    if let Ok((_, Provenance::TrainedUnsaved(why))) = &result {
        eprintln!("warning: models trained but not saved ({why})");
    }
    result
}

/// The text of `predict --order`: inline JSON, `@FILE` (the JSON in a file) or `-` (stdin).
fn order_text(arg: &str) -> Result<String> {
    if arg == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .wrap_err("cannot read the --order JSON from stdin")?;
        return Ok(text);
    }
    if let Some(file) = arg.strip_prefix('@') {
        return std::fs::read_to_string(file)
            .wrap_err_with(|| format!("cannot read the --order JSON from {file}"));
    }
    Ok(arg.to_string())
}

fn predict(
    data: &DataArgs,
    out: Option<PathBuf>,
    seller: Option<String>,
    order: Option<String>,
) -> Result<()> {
    if let Some(arg) = order {
        // Validate the input before any loading or training.
        let schema = crate::data::schema::load_schema(&data_dir(data)?)?;
        let features = order::parse_order(&order_text(&arg)?, &schema)?;
        if let Some(id) = &seller {
            check_seller_arg(id)?;
        }
        // One order needs the models only: no scoring of the whole dataset, no cube.
        let seller_id = seller.unwrap_or_default();
        let check = |ds: &Dataset| match seller_id.as_str() {
            "" => Ok(()),
            id => known_seller(ds, id),
        };
        let loaded = load_with_models(data, false, &check)?;
        let (model, name) = loaded.models.model_for(&seller_id);
        let risk = model.score(&features);
        let version = loaded.models.version_of(name);
        return emit_json(&serde_json::json!({
            "seller_id": seller_id,
            "model": name,
            "model_version": version.map(|v| v.version),
            "run_id": version.map(|v| v.run_id.as_str()),
            "risk_score": risk,
            "risk_label": loaded.bands.label(risk).as_str(),
        }));
    }
    let Some(out) = out else {
        bail!(
            "predict needs --out FILE (- for stdout), or --order JSON|@FILE|- (with optional --seller ID)"
        );
    };
    check_out(&out, &data_dir(data)?)?;
    let engine = open_without_drift(data, &|_| Ok(()))?;
    let scores = engine
        .scores
        .as_ref()
        .ok_or_else(|| eyre!("cannot predict without trained models"))?;
    let models = engine.models.as_ref().ok_or_else(|| eyre!("no models"))?;
    let ds = &engine.data;
    let csv = report::predictions_csv(ds, models, scores, engine.bands);
    if write_out(&out, csv.as_bytes())? {
        eprintln!("wrote {} scores to {}", ds.orders.len(), out.display());
    }
    Ok(())
}
