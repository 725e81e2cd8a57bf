//! The headless commands: load, (re)train or reuse models, query the engine, print.

mod bench;
mod bench_http;
pub mod bench_scale;
mod cases;
mod import;
mod lifecycle;
pub mod output;
mod predict;

use crate::cli::Command;
use crate::config::RiskBands;
use crate::data::Dataset;
use crate::data::generate::GenerateOptions;
use crate::data::order_sink::OrdersLayout;
use crate::engine::{Engine, Prepared, Window};
use crate::model::TrainConfig;
use crate::model::store::{Provenance, StoreError, load_or_train};
use crate::model::train::TrainError;
use crate::model::{ModelSet, TrainProgress};
use crate::open::DataSettings;
pub use crate::open::{DEFAULT_DATA_DIR, data_dir};
use crate::open::{OpenedData, generate_with_progress, open_data, progress_bar};
use crate::report::{self, Format};
use color_eyre::eyre::{Result, bail, eyre};
use output::{check_out, emit, emit_json, emit_text, write_out};
use std::path::{Path, PathBuf};

/// Runs a parsed command line.
pub fn run(cli: crate::cli::Cli) -> Result<()> {
    // Flags become settings before dispatch: the layers below never see clap's structs.
    let global = &cli.global;
    let data = &global.data.settings();
    let log = crate::logging::init(global.log.clone(), cli.command.is_none());
    tracing::info!(
        command = ?cli.command.as_ref().map(Command::name),
        version = env!("CARGO_PKG_VERSION"),
        "started"
    );
    match cli.command {
        None => crate::tui::run(data, &cli.tui.settings(), log),
        Some(Command::Generate {
            out,
            orders,
            sellers,
            marketplaces,
            days,
            seed,
            force,
            partitioned,
        }) => {
            refuse_overwrite(&out, force)?;
            let opts = GenerateOptions {
                orders,
                sellers,
                marketplaces,
                days,
                seed,
                layout: if partitioned {
                    OrdersLayout::PartitionedByDay
                } else {
                    OrdersLayout::Csv
                },
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
                Format::Table => emit_text(&report::snapshot_table(&snap, &engine, 15)),
                Format::Json => emit_json(&snap),
                Format::Csv => emit(&report::snapshot_csv(&snap)),
            }
        }
        Some(Command::Seller { id, query }) => {
            let window = Window::parse(&query.window).map_err(|e| eyre!(e))?;
            check_seller_arg(&id)?;
            let engine = open_without_drift(data, &|ds| known_seller(ds, &id))?;
            // The id was checked against the data before any training.
            let detail = engine.seller_detail(&id, window)?;
            match query.format {
                Format::Table => emit_text(&report::seller_table(&detail, 25)),
                Format::Json => emit_json(&detail),
                Format::Csv => emit(&report::seller_csv(&detail)),
            }
        }
        Some(Command::Forecast {
            horizon,
            marketplace,
            seller,
            backtest,
            format,
        }) => {
            if let Some(id) = &seller {
                check_seller_arg(id)?;
            }
            let check = |ds: &Dataset| {
                known_marketplace(ds, marketplace.as_deref())?;
                seller.as_deref().map_or(Ok(()), |id| known_seller(ds, id))
            };
            let engine = open_without_drift(data, &check)?;
            let noun = &engine.data.schema.label_noun;
            if backtest {
                let b = engine.backtest(horizon);
                return match format {
                    Format::Table => emit_text(&report::backtest_table(&b, noun)),
                    Format::Json => emit_json(&b),
                    Format::Csv => emit(&report::backtest_csv(&b)),
                };
            }
            let f = engine.forecast(horizon, marketplace.as_deref(), seller.as_deref())?;
            match format {
                Format::Table => emit_text(&report::forecast_table(&f, noun)),
                Format::Json => emit_json(&f),
                Format::Csv => emit(&report::forecast_csv(&f)),
            }
        }
        Some(Command::Brief { query, marketplace }) => {
            let window = Window::parse(&query.window).map_err(|e| eyre!(e))?;
            let check = |ds: &Dataset| known_marketplace(ds, marketplace.as_deref());
            let engine = open_with(data, false, true, &check)?;
            let mp = engine.marketplace_index(marketplace.as_deref())?;
            let registry = crate::model::registry::Registry::load(&data_dir(data)?).ok();
            let forecast = engine.marketplace_forecast(mp, crate::engine::brief::FORECAST_DAYS);
            let snap = engine.snapshot_at(window, mp);
            let b = engine.brief(&snap, window, mp, registry.as_ref(), &forecast);
            match query.format {
                Format::Table => emit_text(&report::brief_table(&b)),
                Format::Json => emit_json(&b),
                Format::Csv => emit(&report::brief_csv(&b)),
            }
        }
        Some(Command::Train { format }) => lifecycle::train(data, format),
        Some(Command::Predict {
            out,
            seller,
            order,
            explain,
        }) => predict::predict(data, out, seller, order, explain),
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
                engine.models.as_deref(),
                engine.scores.as_ref(),
                current,
                mp,
            )?;
            let text = match format {
                crate::cli::DriftFormat::Table => {
                    crate::text::clean_lines(&report::drift_table(&r)).into_owned()
                }
                crate::cli::DriftFormat::Json => serde_json::to_string_pretty(&r)? + "\n",
                crate::cli::DriftFormat::Html => report::drift_html(&r),
            };
            let target = out.unwrap_or_else(|| PathBuf::from("-"));
            if write_out(&target, text.as_bytes())? {
                eprintln!("wrote the drift report to {}", target.display());
            }
            Ok(())
        }
        Some(Command::Runs { command }) => lifecycle::runs(command, data),
        Some(Command::Cases { command }) => cases::cases(command, data),
        Some(Command::Models { command }) => lifecycle::models(command, data),
        Some(Command::Pipeline { current, format }) => lifecycle::pipeline(data, current, format),
        Some(Command::Import { source }) => import::import(source),
        Some(Command::Serve(opts)) => crate::serve::run(data, &opts.settings()),
        Some(Command::Bench {
            scale: Some(root),
            sizes,
            iterations,
            ..
        }) => emit_text(&bench_scale::scale(&root, &sizes, iterations)?),
        Some(Command::Bench {
            olist: Some(src),
            olist_orders,
            ..
        }) => emit_json(&import::bench_olist(&src, olist_orders)?),
        Some(Command::Bench {
            http: true,
            url,
            seconds,
            connections,
            ..
        }) => {
            // A --url load needs no data directory (nothing is generated for it).
            let dir = match url {
                Some(_) => PathBuf::new(),
                None => data_dir(data)?,
            };
            emit_json(&bench_http::run(
                &dir,
                url.as_deref(),
                seconds,
                connections,
            )?)
        }
        Some(Command::Bench {
            iterations,
            no_files_load,
            ..
        }) => {
            let b = bench::run(data, iterations, !no_files_load)?;
            emit_json(&b)
        }
    }
}

/// Refuses to write a dataset into `out` when it already holds data, unless `force`.
pub(super) fn refuse_overwrite(out: &Path, force: bool) -> Result<()> {
    if force {
        return Ok(());
    }
    if let Some(existing) = crate::data::input_files(out)
        .into_iter()
        .find(|f| f.exists())
    {
        bail!(
            "refusing to overwrite {}: {} already holds data (--force replaces it)",
            existing.display(),
            out.display()
        );
    }
    Ok(())
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
pub(super) fn check_seller_arg(id: &str) -> Result<()> {
    if id.trim().is_empty() {
        bail!("the seller id is empty: expected an id such as S001 (see `report`)");
    }
    Ok(())
}

/// A seller id the data has (checked before any training).
pub(super) fn known_seller(ds: &Dataset, id: &str) -> Result<()> {
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

/// Loads the data, reuses or trains models (`retrain` forces training), returns the engine.
/// Data on which no model can be trained yet (no order with a known outcome) still opens,
/// with a warning: every risk number is n/a.
pub fn open(args: &DataSettings, retrain: bool) -> Result<Engine> {
    open_with(args, retrain, true, &|_| Ok(()))
}

/// Checks a command's data-dependent arguments (a seller or marketplace id) once the data
/// is loaded, before any training.
pub(super) type ArgCheck<'a> = &'a dyn Fn(&Dataset) -> Result<()>;

/// Like [`open`] but without the drift reports behind the alerts (for commands that show
/// neither: `seller`, `predict`, `drift` with its own window).
pub(super) fn open_without_drift(args: &DataSettings, check: ArgCheck) -> Result<Engine> {
    open_with(args, false, false, check)
}

pub(super) fn open_with(
    args: &DataSettings,
    retrain: bool,
    drift: bool,
    check: ArgCheck,
) -> Result<Engine> {
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
    let mut engine = match models {
        Some(models) => {
            let prepared = if drift {
                Prepared::new(&ds, models, bands)
            } else {
                Prepared::without_drift(&ds, models, bands)
            };
            Engine::with_prepared(ds, report, bands, prepared)
        }
        None => Engine::new(ds, report, bands),
    };
    engine.alert_policy = args.alert_policy().map_err(|e| eyre!(e))?;
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
pub(crate) fn load_with_models(
    args: &DataSettings,
    retrain: bool,
    check: ArgCheck,
) -> Result<Loaded> {
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
    args: &DataSettings,
) -> Result<(crate::data::Dataset, crate::data::LoadReport, RiskBands)> {
    let OpenedData {
        data: ds,
        report: load_report,
        bands,
        ..
    } = open_data(args)?;
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
