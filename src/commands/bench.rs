//! `bench`: how long a window or marketplace switch takes (a full snapshot from the cube),
//! plus the one-off costs (load, scoring, cube build). Timings are medians and p99 over many
//! switches, never assertions in tests.

use crate::commands::{data_dir, open};
use crate::config_file::{ColorMode, Config};
use crate::data::load_dir;
use crate::drift::report::drift_report;
use crate::engine::cube::Cube;
use crate::engine::{Engine, Window};
use crate::model::score_dataset;
use crate::open::DataSettings;
use crate::tui::action::{Action, Command};
use crate::tui::app::App;
use crate::tui::keymap::KeyMap;
use crate::tui::theme::Theme;
use crate::tui::ui;
use color_eyre::eyre::{Result, eyre};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// What `bench` prints.
#[derive(Debug, Serialize, Deserialize)]
pub struct BenchResult {
    /// Data directory.
    pub data: String,
    /// Orders loaded.
    pub orders: usize,
    /// Cells in the cube.
    pub cube_cells: usize,
    /// Seconds to load, validate, train or reuse models, score and aggregate, with the drift
    /// reports: what the dashboard has when its models are ready.
    pub open_seconds: f64,
    /// Seconds for what `report --format json` does: that, then the 30-day snapshot as JSON.
    pub report_seconds: f64,
    /// Peak resident memory (MB) by then: `report`'s peak (Linux; `None` elsewhere).
    pub report_peak_rss_mb: Option<f64>,
    /// Seconds for one drift report (the last 7 days; reference sorted once per column).
    pub drift_seconds: f64,
    /// Seconds to load and validate the files alone (no cache); `None` when left out
    /// (`--no-files-load`).
    pub load_seconds: Option<f64>,
    /// Seconds to read the validated dataset from its cache (`.returnrisk/cache`), as a
    /// start on unchanged files does; `None` when there is no valid cache.
    pub cached_load_seconds: Option<f64>,
    /// Milliseconds to score every order (compact forests, parallel chunks).
    pub score_ms: f64,
    /// Orders scored per second.
    pub score_orders_per_second: f64,
    /// Milliseconds to rebuild the cube from scores.
    pub cube_build_ms: f64,
    /// Switches timed.
    pub switches: usize,
    /// Median milliseconds per switch.
    pub switch_p50_ms: f64,
    /// 99th percentile milliseconds per switch.
    pub switch_p99_ms: f64,
    /// Slowest switch.
    pub switch_max_ms: f64,
    /// Median milliseconds for a seller drill-down.
    pub seller_p50_ms: f64,
    /// Milliseconds from starting to load the data (from the cache when it is valid, as the
    /// dashboard does) to the dashboard's first frame (models still loading in the
    /// background), drawn at 120x40 on ratatui's TestBackend.
    pub tui_first_frame_ms: f64,
    /// Median milliseconds from a window or marketplace key to the redrawn frame (120x40).
    pub key_to_frame_p50_ms: f64,
    /// 99th percentile of the same.
    pub key_to_frame_p99_ms: f64,
    /// Orders explained (exact contributions), spread over the data.
    pub explained: usize,
    /// Median milliseconds to explain one order (encode + TreeSHAP on its scoring model).
    pub explain_p50_ms: f64,
    /// 99th percentile of the same.
    pub explain_p99_ms: f64,
    /// Median milliseconds for one scope's 30-day forecast (fit + pending + intervals).
    pub forecast_p50_ms: f64,
    /// Milliseconds for `forecast --backtest` (every scope, 8 origins, 7 days).
    pub backtest_ms: f64,
    /// Peak resident memory (MB) of the whole benchmark.
    pub peak_rss_mb: Option<f64>,
}

/// The process's peak resident memory so far in MB (`VmHWM`; Linux only).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Orders `explain_*` times.
const EXPLAINED: usize = 200;

pub(super) fn keymap() -> KeyMap {
    KeyMap::new(&Config::defaults().keys).unwrap_or_else(|e| unreachable!("default keys: {e}"))
}

pub(super) fn theme() -> Theme {
    Theme::new(ColorMode::Ansi, false, false)
}

pub(super) fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[idx]
}

/// Milliseconds of each snapshot over `iterations` rounds of every window x marketplace
/// filter, sorted.
pub(super) fn switch_times(engine: &Engine, iterations: usize) -> Result<Vec<f64>> {
    let mut filters: Vec<Option<String>> = vec![None];
    filters.extend(engine.data.marketplaces.iter().cloned().map(Some));
    let mut times = Vec::new();
    for _ in 0..iterations.max(1) {
        for w in Window::CYCLE {
            for f in &filters {
                let t = Instant::now();
                std::hint::black_box(engine.snapshot(w, f.as_deref())?);
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(times)
}

/// Milliseconds from a window (or every fifth time a marketplace) key to the redrawn frame,
/// `iterations` x 4 times, sorted.
pub(super) fn key_to_frame_times(
    app: &mut App,
    term: &mut Terminal<TestBackend>,
    iterations: usize,
) -> Result<Vec<f64>> {
    let mut times = Vec::new();
    for i in 0..iterations.max(1) * 4 {
        let action = if i % 5 == 4 {
            Action::Command(Command::Marketplace)
        } else {
            Action::Command(Command::Window)
        };
        let t = Instant::now();
        app.update(action);
        term.draw(|f| ui::draw(f, app))?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times)
}

/// Runs the benchmark: `iterations` rounds over every window x marketplace filter; with
/// `files_load`, also a load of the files without the cache.
pub fn run(args: &DataSettings, iterations: usize, files_load: bool) -> Result<BenchResult> {
    let dir = data_dir(args)?;
    let t0 = Instant::now();
    let engine: Engine = open(args, false)?;
    let open_seconds = t0.elapsed().as_secs_f64();
    let snap = engine.snapshot(Window::Days(30), None)?;
    std::hint::black_box(serde_json::to_string_pretty(&snap)?);
    let report_seconds = t0.elapsed().as_secs_f64();
    let report_peak_rss_mb = peak_rss_mb();
    let t = Instant::now();
    let (models, scores) = (engine.models.as_deref(), engine.scores.as_deref());
    std::hint::black_box(drift_report(&engine.data, models, scores, 7, None)?);
    let drift_seconds = t.elapsed().as_secs_f64();

    // The dashboard's start: load, aggregate (no models yet), first frame.
    let options = args.load_options().map_err(|e| eyre!(e))?;
    let load_seconds = if files_load {
        let t = Instant::now();
        load_dir(&dir, &options)?;
        Some(t.elapsed().as_secs_f64())
    } else {
        None
    };
    let t = Instant::now();
    let (reloaded, report, source) = crate::data::cache::load(&dir, &options)?;
    let cached_load_seconds =
        (source == crate::data::cache::Source::Cache).then(|| t.elapsed().as_secs_f64());
    let mut first_engine = Engine::new(reloaded, report, engine.bands);
    first_engine.alert_policy = engine.alert_policy;
    let first = App::new(first_engine, keymap(), theme(), Window::Days(30));
    let mut term = Terminal::new(TestBackend::new(120, 40))?;
    term.draw(|f| ui::draw(f, &first))?;
    let tui_first_frame_ms = t.elapsed().as_secs_f64() * 1e3;
    drop(first);

    let models = engine.models.as_ref().ok_or_else(|| eyre!("no models"))?;
    let t = Instant::now();
    let scores = score_dataset(&engine.data, models);
    let score_ms = t.elapsed().as_secs_f64() * 1e3;

    let t = Instant::now();
    let cube = Cube::build(&engine.data, Some(&scores), engine.bands);
    let cube_build_ms = t.elapsed().as_secs_f64() * 1e3;

    let times = switch_times(&engine, iterations)?;
    let mut seller_times = Vec::new();
    for s in engine.data.sellers.iter().take(20) {
        let t = Instant::now();
        std::hint::black_box(engine.seller_detail(&s.id, Window::Days(30))?);
        seller_times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    seller_times.sort_by(f64::total_cmp);
    let step = (engine.data.orders.len() / EXPLAINED).max(1);
    let mut explain_times = Vec::new();
    for i in (0..engine.data.orders.len()).step_by(step).take(EXPLAINED) {
        let t = Instant::now();
        std::hint::black_box(engine.explain_order(i, None));
        explain_times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    explain_times.sort_by(f64::total_cmp);
    let mut forecast_times = Vec::new();
    for m in std::iter::once(None).chain((0..engine.data.marketplaces.len() as u16).map(Some)) {
        let t = Instant::now();
        std::hint::black_box(engine.marketplace_forecast(m, 30));
        forecast_times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    forecast_times.sort_by(f64::total_cmp);
    let t = Instant::now();
    std::hint::black_box(engine.backtest(7));
    let backtest_ms = t.elapsed().as_secs_f64() * 1e3;

    // Keypress to frame: apply the window / marketplace key, redraw the whole screen.
    let orders = engine.data.orders.len();
    let cells = cube.cells.len();
    let mut app = App::new(engine, keymap(), theme(), Window::Days(30));
    let key_times = key_to_frame_times(&mut app, &mut term, iterations)?;
    Ok(BenchResult {
        data: dir.display().to_string(),
        orders,
        cube_cells: cells,
        open_seconds,
        report_seconds,
        report_peak_rss_mb,
        drift_seconds,
        load_seconds,
        cached_load_seconds,
        score_ms,
        score_orders_per_second: orders as f64 / (score_ms / 1e3),
        cube_build_ms,
        switches: times.len(),
        switch_p50_ms: percentile(&times, 0.5),
        switch_p99_ms: percentile(&times, 0.99),
        switch_max_ms: times.last().copied().unwrap_or(0.0),
        seller_p50_ms: percentile(&seller_times, 0.5),
        tui_first_frame_ms,
        key_to_frame_p50_ms: percentile(&key_times, 0.5),
        key_to_frame_p99_ms: percentile(&key_times, 0.99),
        explained: explain_times.len(),
        explain_p50_ms: percentile(&explain_times, 0.5),
        explain_p99_ms: percentile(&explain_times, 0.99),
        forecast_p50_ms: percentile(&forecast_times, 0.5),
        backtest_ms,
        peak_rss_mb: peak_rss_mb(),
    })
}
