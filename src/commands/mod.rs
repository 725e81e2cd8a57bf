//! The headless commands: load, (re)train or reuse models, query the engine, print.

mod answers;
mod bench;
mod bench_append;
mod bench_cube;
mod bench_http;
pub mod bench_scale;
mod cases;
mod export;
mod generate;
mod import;
mod lifecycle;
mod mlflow;
pub mod output;
mod predict;
mod shell;

use crate::cli::{BenchArgs, Command};
use crate::config::RiskBands;
use crate::data::Dataset;
use crate::engine::{Engine, Prepared};
use crate::model::TrainConfig;
use crate::model::store::{Provenance, StoreError, load_or_train};
use crate::model::train::TrainError;
use crate::model::{ModelSet, TrainProgress};
use crate::open::DataSettings;
pub use crate::open::{DEFAULT_DATA_DIR, data_dir};
use crate::open::{OpenedData, open_data, progress_bar};
use color_eyre::eyre::{Result, bail, eyre};
use std::path::Path;

/// Runs a parsed command line.
pub fn run(cli: crate::cli::Cli) -> Result<()> {
    // Flags become settings before dispatch: the layers below never see clap's structs.
    let global = &cli.global;
    let data = &global.data.settings();
    let log = crate::logging::init(global.log.clone(), cli.command.is_none());
    tracing::info!(
        command = ?cli.command.as_ref().map(Command::name),
        version = crate::VERSION,
        "started"
    );
    match cli.command {
        None => crate::tui::run(data, &cli.tui.settings(), log),
        Some(Command::Generate(args)) => generate::generate(&args),
        Some(Command::Report { query, marketplace }) => {
            answers::report(data, &query, marketplace.as_deref())
        }
        Some(Command::Seller { id, query }) => answers::seller(data, &id, &query),
        Some(Command::Forecast {
            horizon,
            marketplace,
            seller,
            backtest,
            format,
        }) => {
            let scope = (marketplace.as_deref(), seller.as_deref());
            answers::forecast(data, horizon, scope, backtest, format)
        }
        Some(Command::Brief { query, marketplace }) => {
            answers::brief(data, &query, marketplace.as_deref())
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
        }) => answers::drift(data, current, marketplace.as_deref(), format, out),
        Some(Command::Runs { command }) => lifecycle::runs(command, data),
        Some(Command::Cases { command }) => cases::cases(command, data),
        Some(Command::Models { command }) => lifecycle::models(command, data),
        Some(Command::Pipeline { current, format }) => lifecycle::pipeline(data, current, format),
        Some(Command::Import { source }) => import::import(source),
        Some(Command::Export { format }) => export::export(data, format),
        Some(Command::Serve(opts)) => crate::serve::run(data, &opts.settings()),
        Some(Command::Bench(args)) => bench(data, &args),
        Some(Command::Completions { shell }) => shell::completions(shell),
        Some(Command::Man { out }) => shell::man(out.as_deref()),
    }
}

/// `bench`: the scale table, the Olist import, an HTTP load, or (by default) the switches.
fn bench(data: &DataSettings, args: &BenchArgs) -> Result<()> {
    if let Some(root) = &args.scale {
        return output::emit_text(&bench_scale::scale(root, &args.sizes, args.iterations)?);
    }
    if let Some(src) = &args.olist {
        return output::emit_json(&import::bench_olist(src, args.olist_orders)?);
    }
    if args.append {
        return output::emit_json(&bench_append::run(data)?);
    }
    if args.http {
        // A --url load needs no data directory (nothing is generated for it).
        let dir = match &args.url {
            Some(_) => std::path::PathBuf::new(),
            None => data_dir(data)?,
        };
        let url = args.url.as_deref();
        return output::emit_json(&bench_http::run(&dir, url, args.seconds, args.connections)?);
    }
    let dir = data_dir(data)?;
    if let Some(cube) = data.cube.folder(&dir) {
        return output::emit_json(&bench_cube::run(data, &dir, &cube, args.iterations)?);
    }
    output::emit_json(&bench::run(data, args.iterations, !args.no_files_load)?)
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
/// The engine for a command a cube can answer (`report`, `brief`, `forecast`): from the
/// cube `--cube` names (or the data folder's own `cube/`) when there is one, else from the
/// orders (with drift when `drift`).
pub(super) fn open_answers(args: &DataSettings, drift: bool, check: ArgCheck) -> Result<Engine> {
    let dir = data_dir(args)?;
    match args.cube.folder(&dir) {
        Some(cube) => open_cube(args, &dir, &cube, check),
        None => open_with(args, false, drift, check),
    }
}

/// The engine of `cube` on the sellers and schema of `dir`, with what the command accepts.
fn open_cube(args: &DataSettings, dir: &Path, cube: &Path, check: ArgCheck) -> Result<Engine> {
    let engine = crate::open::open_cube(args, dir, cube)?;
    check(&engine.data)?;
    if let Some(src) = &engine.cube_source {
        eprintln!("{}", crate::open::cube_note(src));
    }
    Ok(engine)
}

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
    if let crate::open::CubeChoice::Dir(cube) = &args.cube {
        bail!(
            "this command reads every order; --cube {} serves only report, brief and forecast \
             (leave --cube out, or give --cube none)",
            cube.display()
        );
    }
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
