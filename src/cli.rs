//! Command-line interface: every subcommand and flag, with help text.

use crate::data::generate::{MAX_MARKETPLACES, MAX_ORDERS, MAX_SELLERS};
use crate::report::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Which orders, sellers and categories of a marketplace are likely to be returned, why, and
/// how that is changing.
#[derive(Debug, Parser)]
#[command(name = "returnrisk-tui", version = crate::VERSION, about)]
pub struct Cli {
    /// The command; without one, the dashboard for the default data.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options every command takes, before or after its name.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Dashboard options.
    #[command(flatten)]
    pub tui: TuiArgs,
}

/// Options that mean the same for every command, before or after the subcommand's name
/// (`returnrisk-tui --data D report` = `returnrisk-tui report --data D`).
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Where the data is, how to read it, and the config file.
    #[command(flatten)]
    pub data: DataArgs,
    /// Log file [default: $XDG_STATE_HOME/returnrisk-tui/returnrisk-tui.log]
    #[arg(long, value_name = "FILE", global = true)]
    pub log: Option<PathBuf>,
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free one (the address is printed on stderr).
    /// Anything but loopback needs a token or --no-auth.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "IP:PORT")]
    pub bind: String,
    /// File holding the bearer token clients must send (else $RETURNRISK_TOKEN).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Serve a non-loopback address without a token (say so explicitly).
    #[arg(long)]
    pub no_auth: bool,
    /// Orders a /predict batch may hold (a larger one is refused with 413).
    #[arg(long, default_value_t = crate::serve::predict::MAX_BATCH, value_name = "N")]
    pub max_batch: usize,
    /// Orders a /predict?explain=true batch may hold (each explanation costs ~10 ms).
    #[arg(long, default_value_t = crate::serve::predict::MAX_EXPLAIN_BATCH, value_name = "N")]
    pub max_explain_batch: usize,
    /// Seconds a request may take before it is answered 408.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// Connections open at once; more wait until one closes [default: 1024, or less to
    /// fit the open-file limit]
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Seconds a client has to send a request's head; an idle connection closes after it.
    #[arg(long, default_value_t = crate::serve::listen::HEADER_TIMEOUT_SECONDS, value_name = "SECONDS")]
    pub header_timeout: f64,
    /// A browser origin allowed to call the API (CORS; repeat for several). None: CORS off.
    #[arg(long, value_name = "ORIGIN")]
    pub cors_origin: Vec<String>,
}

/// Options of the interactive dashboard.
#[derive(Debug, Clone, Args)]
pub struct TuiArgs {
    /// No colours (also when NO_COLOR is set); selection stays visible as reversed text.
    #[arg(long)]
    pub no_color: bool,
    /// Plain ASCII borders, bars and arrows.
    #[arg(long)]
    pub ascii: bool,
    /// Mouse: click a tab, scroll a table.
    #[arg(long)]
    pub mouse: bool,
    /// Start window (7, 30, 90, all) [default: from the config, 30]
    #[arg(long)]
    pub window: Option<String>,
}

/// Where the data is and how strictly to read it.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Data directory with orders.csv and sellers.csv (or .parquet) [default: ./data, created
    /// with the demo dataset on first run]
    #[arg(long, value_name = "DIR", env = "RETURNRISK_DATA", global = true)]
    pub data: Option<PathBuf>,
    /// Treat any invalid row as an error (exit 1) instead of skipping it.
    #[arg(long, global = true)]
    pub strict: bool,
    /// Risk bands: `default` (0.25/0.50), `original` (0.45/0.75) or MEDIUM,HIGH
    /// [default: the config's `risk.bands` for the dashboard, else `default`]
    #[arg(long, value_name = "BANDS", global = true)]
    pub bands: Option<String>,
    /// Plausible order dates, FROM..TO (YYYY-MM-DD, either side may be left empty); a date
    /// outside is an invalid row [default: 2000-01-01..one year after today]
    #[arg(long, value_name = "FROM..TO", global = true)]
    pub date_range: Option<String>,
    /// Config file: risk bands for every command, and the dashboard's look, window and keys
    /// [default: $XDG_CONFIG_HOME/returnrisk-tui/config.toml when it exists]
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Answer `report`, `brief` and `forecast` from a cube built elsewhere (the Spark job's
    /// or `export cube`'s) without reading the orders: a folder, `auto` (the data folder's
    /// `cube/` when there is one) or `none` (always the orders)
    #[arg(
        long,
        value_name = "DIR|auto|none",
        default_value = "auto",
        global = true
    )]
    pub cube: String,
}

impl DataArgs {
    /// The flags as the data opener's settings.
    pub fn settings(&self) -> crate::open::DataSettings {
        crate::open::DataSettings {
            dir: self.data.clone(),
            strict: self.strict,
            bands: self.bands.clone(),
            date_range: self.date_range.clone(),
            config: self.config.clone(),
            cube: crate::open::CubeChoice::parse(&self.cube),
        }
    }
}

impl ServeArgs {
    /// The flags as the server's settings.
    pub fn settings(&self) -> crate::serve::ServeSettings {
        crate::serve::ServeSettings {
            bind: self.bind.clone(),
            token_file: self.token_file.clone(),
            no_auth: self.no_auth,
            max_batch: self.max_batch,
            max_explain_batch: self.max_explain_batch,
            timeout: self.timeout,
            max_connections: self.max_connections,
            header_timeout: self.header_timeout,
            cors_origin: self.cors_origin.clone(),
        }
    }
}

impl TuiArgs {
    /// The flags as the dashboard's settings.
    pub fn settings(&self) -> crate::tui::TuiSettings {
        crate::tui::TuiSettings {
            no_color: self.no_color,
            ascii: self.ascii,
            mouse: self.mouse,
            window: self.window.clone(),
        }
    }
}

/// Window and output format of a query.
#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    /// Window: the last 7, 30 or 90 days up to the latest order date, or all.
    #[arg(long, default_value = "all")]
    pub window: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// A count flag: `min..=max`, else clap's one-line "not in min..=max" error (exit 2), so no
/// count can exhaust memory, overflow or make an empty measurement.
fn count_in(min: u64, max: u64) -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(min..=max)
}

/// A duration flag in seconds: above 0 and at most an hour (a negative, infinite or
/// not-a-number value would panic on conversion to a duration).
fn seconds_in(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 3600.0 => Ok(v),
        Ok(_) => Err("expected seconds above 0 and at most 3600".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// `--current`: 7 or 30.
fn parse_current(s: &str) -> Result<u32, String> {
    match s {
        "7" => Ok(7),
        "30" => Ok(30),
        _ => Err("expected 7 or 30".into()),
    }
}

/// Output formats of `drift`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DriftFormat {
    /// Text tables.
    Table,
    /// JSON.
    Json,
    /// One self-contained HTML page.
    Html,
}

/// Output formats of the run and registry commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Text tables.
    Table,
    /// JSON.
    Json,
}

/// The output format of a run or registry command (the run store is `--data`'s).
#[derive(Debug, Clone, Args)]
pub struct StateArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

/// The case a person's transition applies to, with an optional note.
#[derive(Debug, Args)]
pub struct CaseArgs {
    /// The case number.
    pub id: i64,
    /// A note kept with the case and in its history.
    #[arg(long)]
    pub note: Option<String>,
}

/// `cases` subcommands.
#[derive(Debug, Subcommand)]
pub enum CasesCommand {
    /// The cases, open ones first, most severe first, then oldest.
    List {
        /// Only cases in this state (new, acknowledged, investigating, escalated, snoozed,
        /// recovered, resolved).
        #[arg(long)]
        state: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// One case: its numbers at each evaluation and its history.
    Show {
        /// The case number.
        id: i64,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Reconcile the cases with the alerts of the current data (what `pipeline` does).
    Evaluate {
        /// The window whose alerts are evaluated: 7, 30, 90 or all [default: the config's
        /// `cases.window`, 30]
        #[arg(long)]
        window: Option<String>,
    },
    /// Send the webhook messages that are due (`[notify]`; what every evaluation and change
    /// does anyway), for cron.
    Notify,
    /// I have seen it.
    Ack(CaseArgs),
    /// I am on it.
    Investigate(CaseArgs),
    /// Someone else must decide.
    Escalate(CaseArgs),
    /// Done.
    Resolve(CaseArgs),
    /// Not done after all: a resolved or recovered case becomes new again (its history kept).
    Reopen(CaseArgs),
    /// Not now: until a data day, or for a number of days from the data's last day. Snoozes
    /// count in the data's calendar (the order dates), not the clock's: the case comes back at
    /// the first evaluation whose data reaches past that day.
    Snooze {
        /// The case and note.
        #[command(flatten)]
        case: CaseArgs,
        /// Until this data day (YYYY-MM-DD, in the order dates' calendar).
        #[arg(
            long,
            value_name = "YYYY-MM-DD",
            conflicts_with = "days",
            required_unless_present = "days"
        )]
        until: Option<String>,
        /// For this many days after the data's last day (at most 3650).
        #[arg(long)]
        days: Option<u64>,
    },
    /// Add a note.
    Note {
        /// The case number.
        id: i64,
        /// The note.
        text: String,
    },
    /// Give the case to someone.
    Assign {
        /// The case number.
        id: i64,
        /// Who.
        user: String,
    },
}

/// `runs` subcommands.
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// Every run, oldest first, with its global model's holdout metrics and registration.
    List {
        /// Store and format.
        #[command(flatten)]
        state: StateArgs,
    },
    /// One run: data, parameters, every model's metrics, importances, registry decisions.
    Show {
        /// Run id, a unique prefix of one, or `latest`.
        id: String,
        /// Store and format.
        #[command(flatten)]
        state: StateArgs,
    },
    /// Delete old runs: all but the newest --keep, except runs holding an active or a
    /// previously active version (rollback may need them).
    Prune {
        /// Newest runs to keep.
        #[arg(long, default_value_t = 5)]
        keep: usize,
        /// Store and format.
        #[command(flatten)]
        state: StateArgs,
    },
    /// Send runs to another tracking system (see `runs export mlflow --help`).
    Export {
        /// Which system.
        #[command(subcommand)]
        to: RunsExportCommand,
    },
    /// Parameter and metric differences between two runs (B minus A).
    Compare {
        /// Run A (id, unique prefix or `latest`).
        a: String,
        /// Run B.
        b: String,
        /// Store and format.
        #[command(flatten)]
        state: StateArgs,
    },
}

/// Where `runs export` sends runs.
#[derive(Debug, Subcommand)]
pub enum RunsExportCommand {
    /// Runs to an MLflow tracking server through its REST API: parameters, every model's
    /// holdout metrics (a seller's as `S006/roc_auc`), times and data as tags, run.json and
    /// the ONNX export as artifacts, the global model as an MLflow model (onnx flavour,
    /// with an input signature). A run exported before is found by its tag and left as it is.
    Mlflow {
        /// The tracking server, e.g. http://127.0.0.1:5000.
        #[arg(long, value_name = "URI")]
        tracking_uri: String,
        /// Experiment to log into (created when missing).
        #[arg(long, default_value = "returnrisk")]
        experiment: String,
        /// Also register the global model of the run holding our registry's active version
        /// as a version of this registered model in MLflow's registry, with the alias
        /// `active` pointing at it.
        #[arg(long, value_name = "NAME")]
        register: Option<String>,
        /// Runs to export (id, unique prefix or `latest`) [default: every run not yet
        /// exported].
        runs: Vec<String>,
    },
}

/// `models` subcommands.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Every registered model with its active version (with --all: every version).
    List {
        /// Store and format.
        #[command(flatten)]
        state: StateArgs,
        /// Every version, not only the active ones.
        #[arg(long)]
        all: bool,
    },
    /// Make a version active by hand.
    Promote {
        /// `global` or a seller id.
        model: String,
        /// Version number (`3` or `v3`).
        version: String,
        /// Store and format.
        #[command(flatten)]
        state: StateArgs,
    },
    /// Return a model to its previously active version (a seller: to the global model when
    /// it has none).
    Rollback {
        /// `global` or a seller id.
        model: String,
        /// Store and format.
        #[command(flatten)]
        state: StateArgs,
    },
    /// Show or set the promotion rule applied when new versions are registered.
    Rule {
        /// Compared holdout metric: brier (lower is better) or roc_auc (higher is better).
        #[arg(long)]
        metric: Option<String>,
        /// How much worse a new version may be and still become active (>= 0).
        #[arg(long)]
        tolerance: Option<f64>,
        /// Store and format.
        #[command(flatten)]
        state: StateArgs,
    },
}

/// `export` formats.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every forest that scores (the global model and each seller's own) as an ONNX model
    /// (ai.onnx.ml TreeEnsemble, in double precision; the raw features in, the risk out),
    /// with manifest.json saying which file scores which seller. Writes a new folder
    /// atomically; never replaces one.
    Onnx {
        /// The models of this run (id, unique prefix or `latest`) instead of the active ones.
        #[arg(long, value_name = "ID", conflicts_with = "active")]
        run: Option<String>,
        /// The registry's active versions (the default).
        #[arg(long)]
        active: bool,
        /// Folder to create.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// The cube (every day x seller x category's sums, scored by the active models) as
    /// Parquet, `cells/day=YYYY-MM-DD/part-0.parquet`, with manifest.json: the layout the
    /// Spark job writes and `--cube DIR` opens. Writes a new folder atomically.
    Cube {
        /// Folder to create.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// `import` sources.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// The Olist Brazilian e-commerce dataset: one row per (order, seller), labelled with a
    /// bad review (score <= 2) as a proxy for a return, with features known at purchase.
    Olist {
        /// Directory with the Olist CSV files (`olist_orders_dataset.csv`, ...).
        src: PathBuf,
        /// Data directory to write (orders, sellers, schema.toml, import.json).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Format of the orders table.
        #[arg(long, value_enum, default_value = "csv")]
        format: crate::import::olist::write::OrdersFormat,
        /// Replace the data already in the output directory (refused without it).
        #[arg(long)]
        force: bool,
    },
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a deterministic demo dataset (orders.csv, sellers.csv, ground_truth.csv).
    Generate(GenerateArgs),
    /// Marketplace report: KPIs, health, trend, categories, sellers and alerts.
    Report {
        /// Window and format.
        #[command(flatten)]
        query: QueryArgs,
        /// Marketplace id, or all.
        #[arg(long)]
        marketplace: Option<String>,
    },
    /// One seller: numbers, orders (newest first), trend, model metrics and explanations.
    Seller {
        /// Seller id.
        id: String,
        /// Window and format.
        #[command(flatten)]
        query: QueryArgs,
    },
    /// Forecast of returns: those still to come from pending orders, and the orders (and
    /// returns) of the next days, with 90% intervals; `--backtest` replays it on the data.
    Forecast {
        /// Days ahead: 7 or 30.
        #[arg(long, default_value_t = 7, value_parser = parse_current)]
        horizon: u32,
        /// One marketplace (default: all, then each).
        #[arg(long, conflicts_with = "seller")]
        marketplace: Option<String>,
        /// One seller (a volume forecast when it has the history for one).
        #[arg(long)]
        seller: Option<String>,
        /// Replay the last 8 weekly origins on the data: MASE against seasonal naive,
        /// interval coverage, then-pending orders' returns predicted vs actual.
        #[arg(long, conflicts_with_all = ["seller", "marketplace"])]
        backtest: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Briefing: the 3-5 statements that matter most in the window (the change in expected
    /// returns by seller and category, new alerts, drift, the forecast, the model), computed.
    Brief {
        /// Window and format.
        #[command(flatten)]
        query: QueryArgs,
        /// Marketplace id, or all.
        #[arg(long)]
        marketplace: Option<String>,
    },
    /// Train a new run, register its models, print their holdout metrics and the decisions.
    Train {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Score orders: every order to a CSV file, or one order given as JSON.
    Predict {
        /// Write every order's score to this CSV file (`-`: stdout).
        #[arg(long, value_name = "FILE", conflicts_with = "order")]
        out: Option<PathBuf>,
        /// Seller whose model scores the order (the global model if it has none).
        #[arg(long, requires = "order")]
        seller: Option<String>,
        /// One order as JSON with the orders.csv feature columns as keys: inline, `@FILE` to
        /// read it from a file, or `-` to read it from stdin.
        #[arg(long, value_name = "JSON|@FILE|-")]
        order: Option<String>,
        /// With --order: each feature's exact contribution to the risk (TreeSHAP), which
        /// with the model's expected value adds up to the risk.
        #[arg(long, requires = "order")]
        explain: bool,
    },
    /// Data drift: the model's training period vs the last 7 or 30 days, per column.
    Drift {
        /// Current window: the last 7 or 30 days.
        #[arg(long, default_value_t = 30, value_parser = parse_current)]
        current: u32,
        /// Marketplace id (default: all, then each).
        #[arg(long)]
        marketplace: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: DriftFormat,
        /// Write to this file (a regular file is replaced atomically; `-`: stdout).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Alert cases: list, show, evaluate, and work them (ack, investigate, escalate, snooze,
    /// resolve, note, assign).
    Cases {
        /// What to do.
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// Training runs: list them, show one, compare two.
    Runs {
        /// What to do.
        #[command(subcommand)]
        command: RunsCommand,
    },
    /// The model registry: versions, promote, roll back, the promotion rule.
    Models {
        /// What to do.
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// Run validate, train, evaluate, register, predict, drift; idempotent and locked (cron).
    ///
    /// A second run on unchanged data does no work; two at once do not collide (the second
    /// waits for the data directory's lock, then finds the work done). Exits 1 naming the
    /// failed step.
    Pipeline {
        /// Drift's current window: the last 7 or 30 days.
        #[arg(long, default_value_t = 30, value_parser = parse_current)]
        current: u32,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Import a public dataset into a data directory (see `import olist --help`).
    Import {
        /// Which dataset.
        #[command(subcommand)]
        source: ImportCommand,
    },
    /// Export models in formats other systems run (see `export onnx --help`).
    Export {
        /// Which format.
        #[command(subcommand)]
        format: ExportCommand,
    },
    /// Serve the engine over HTTP (JSON under /api/v1, /health, /ready) until SIGTERM/SIGINT.
    Serve(ServeArgs),
    /// Time window and marketplace switches on the cube; prints JSON with p50/p99 ms.
    Bench(BenchArgs),
    /// Shell completions on standard output, from these very flags (for example
    /// `returnrisk-tui completions bash > ~/.local/share/bash-completion/completions/returnrisk-tui`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The manual page (roff) on standard output (`returnrisk-tui man | man -l -`); with --out,
    /// a page for the program and one for each command written into a folder.
    Man {
        /// Folder to write `returnrisk-tui.1`, `returnrisk-tui-report.1`, ... into.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

impl Command {
    /// The subcommand's name, as typed (for logs).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Generate(_) => "generate",
            Command::Report { .. } => "report",
            Command::Seller { .. } => "seller",
            Command::Train { .. } => "train",
            Command::Predict { .. } => "predict",
            Command::Forecast { .. } => "forecast",
            Command::Brief { .. } => "brief",
            Command::Drift { .. } => "drift",
            Command::Runs { .. } => "runs",
            Command::Cases { .. } => "cases",
            Command::Models { .. } => "models",
            Command::Pipeline { .. } => "pipeline",
            Command::Bench(_) => "bench",
            Command::Serve(_) => "serve",
            Command::Import { .. } => "import",
            Command::Export { .. } => "export",
            Command::Completions { .. } => "completions",
            Command::Man { .. } => "man",
        }
    }
}

/// `generate`: where, how much and how.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Number of orders (1 to 4,000,000,000).
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(1..=MAX_ORDERS))]
    pub orders: u64,
    /// Number of sellers (1 to 1,000,000).
    #[arg(long, default_value_t = 40, value_parser = count_in(1, MAX_SELLERS))]
    pub sellers: usize,
    /// Number of marketplaces (1 to 1,000).
    #[arg(long, default_value_t = 3, value_parser = count_in(1, MAX_MARKETPLACES))]
    pub marketplaces: usize,
    /// Number of days (1 to 3653: ten years).
    #[arg(long, default_value_t = 180, value_parser = clap::value_parser!(u32).range(1..=3653))]
    pub days: u32,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Replace the data files already in the output directory (refused without it).
    #[arg(long)]
    pub force: bool,
    /// Write the orders as `orders/day=YYYY-MM-DD/part-0.parquet` (one part per day,
    /// the layout of a warehouse export) instead of `orders.csv`.
    #[arg(long)]
    pub partitioned: bool,
}

/// `bench`: what to time, and how long.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Switches to time (1 to 1,000,000).
    #[arg(long, default_value_t = 200, value_parser = count_in(1, 1_000_000))]
    pub iterations: usize,
    /// Leave out the load from the files without the cache (`load_seconds` is null): at
    /// 100M orders it takes minutes and holds a second copy of the orders in memory.
    #[arg(long)]
    pub no_files_load: bool,
    /// Instead: the Olist import and evaluation on the Olist tables in DIR (the import
    /// timed on --olist-orders resampled orders; honest vs leaky ROC AUC on DIR itself).
    #[arg(long, value_name = "DIR")]
    pub olist: Option<PathBuf>,
    /// Orders to resample for the timed import (1 to 100,000,000).
    #[arg(long, default_value_t = 100_000, value_parser = count_in(1, 100_000_000))]
    pub olist_orders: usize,
    /// Instead: what a day landing costs a running dashboard on a data folder whose orders/
    /// is partitioned by day (a hard-linked copy without the last day, then that day).
    #[arg(long)]
    pub append: bool,
    /// Instead: a load test of `serve` on the data (single and batch /predict, the
    /// overview), with keep-alive connections.
    #[arg(long)]
    pub http: bool,
    /// With --http: load this URL instead (single-order POSTs of a demo order), e.g. the
    /// FastAPI comparison in bench/fastapi.
    #[arg(long, value_name = "URL", requires = "http")]
    pub url: Option<String>,
    /// With --http: seconds per load (above 0, at most 3600).
    #[arg(long, default_value_t = 5.0, value_parser = seconds_in)]
    pub seconds: f64,
    /// With --http: concurrent connections (1 to 1,024).
    #[arg(long, default_value_t = 4, value_parser = count_in(1, 1_024))]
    pub connections: usize,
    /// Instead: the scale table (Markdown) for --sizes, each dataset generated under DIR
    /// when missing and trained when it has no run, then benched in a child process.
    #[arg(long, value_name = "DIR")]
    pub scale: Option<PathBuf>,
    /// With --scale: ORDERS:SELLERS per dataset, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1000000:200,10000000:1000",
        requires = "scale"
    )]
    pub sizes: Vec<crate::data::dataset_size::Size>,
}
