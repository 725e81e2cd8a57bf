//! `bench` on a cube built elsewhere (`--cube DIR`, or the data folder's `cube/`): how long
//! the dashboard takes to its first frame from the cube (no order loaded), and a window or
//! marketplace switch, as `bench` measures them on the orders.

use super::bench::{key_to_frame_times, keymap, peak_rss_mb, percentile, switch_times, theme};
use crate::engine::Window;
use crate::open::DataSettings;
use crate::tui::app::App;
use crate::tui::ui;
use color_eyre::eyre::Result;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// What `bench` prints on a cube.
#[derive(Debug, Serialize)]
pub struct CubeBench {
    /// The cube's folder.
    pub cube: String,
    /// Orders the cube counts.
    pub orders: u64,
    /// Its cells.
    pub cube_cells: usize,
    /// Milliseconds from opening the cube (manifest, sellers, cells, the pending days'
    /// scored orders) to the dashboard's first frame at 120x40 on ratatui's TestBackend.
    pub tui_first_frame_ms: f64,
    /// Switches timed.
    pub switches: usize,
    /// Median milliseconds per window or marketplace switch (the snapshot from the cube).
    pub switch_p50_ms: f64,
    /// 99th percentile of the same.
    pub switch_p99_ms: f64,
    /// Median milliseconds from a window or marketplace key to the redrawn frame.
    pub key_to_frame_p50_ms: f64,
    /// 99th percentile of the same.
    pub key_to_frame_p99_ms: f64,
    /// Milliseconds to read the pending orders' scores from the lake, which the dashboard
    /// does in the background after its first frame (done here after it too).
    pub pending_ms: f64,
    /// Peak resident memory (MB) of the whole benchmark.
    pub peak_rss_mb: Option<f64>,
}

/// Runs the benchmark on the cube in `cube` over data folder `dir`.
pub fn run(args: &DataSettings, dir: &Path, cube: &Path, iterations: usize) -> Result<CubeBench> {
    let t = Instant::now();
    let engine = crate::open::open_cube_pending_later(args, dir, cube)?;
    let mut app = App::new(engine, keymap(), theme(), Window::Days(30));
    let mut term = Terminal::new(TestBackend::new(120, 40))?;
    term.draw(|f| ui::draw(f, &app))?;
    let tui_first_frame_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    if let Some(pending) = app.engine.lake_pending() {
        let cube = std::sync::Arc::clone(&app.engine.cube);
        app.update(crate::tui::action::Action::LakePending(cube, pending));
    }
    let pending_ms = t.elapsed().as_secs_f64() * 1e3;

    let times = switch_times(&app.engine, iterations)?;
    let orders = app
        .engine
        .cube_source
        .as_ref()
        .map_or(0, |c| c.manifest.orders);
    let cells = app.engine.cube.cells.len();
    let key_times = key_to_frame_times(&mut app, &mut term, iterations)?;
    Ok(CubeBench {
        cube: cube.display().to_string(),
        orders,
        cube_cells: cells,
        tui_first_frame_ms,
        pending_ms,
        switches: times.len(),
        switch_p50_ms: percentile(&times, 0.5),
        switch_p99_ms: percentile(&times, 0.99),
        key_to_frame_p50_ms: percentile(&key_times, 0.5),
        key_to_frame_p99_ms: percentile(&key_times, 0.99),
        peak_rss_mb: peak_rss_mb(),
    })
}
