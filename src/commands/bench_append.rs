//! `bench --append`: what a day landing costs a running dashboard on a day-partitioned data
//! folder. A working copy (hard links, so nothing of the data is copied or touched) holds
//! every day but the last; the engine is prepared on it with the registry's active models,
//! then the last day is linked in and timed as the dashboard's reload does it: the dataset
//! extended by the new part ([`crate::data::cache::load`]), the new orders scored and the cube
//! extended ([`crate::engine::append`]), then, apart, the drift reports.

use crate::data::cache;
use crate::engine::{DRIFT_CURRENT_DAYS, DRIFT_SHORT_DAYS, Engine, Prepared};
use crate::open::DataSettings;
use color_eyre::eyre::{Result, bail, eyre};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// What `bench --append` prints.
#[derive(Debug, Serialize)]
pub struct AppendBench {
    /// Orders before the day.
    pub orders_before: usize,
    /// Orders the day adds.
    pub orders_appended: usize,
    /// Milliseconds to extend the dataset by the new part (read and validate it, append).
    pub load_ms: f64,
    /// Milliseconds to score the new orders, extend the cube and recount the pending ones.
    pub score_and_cube_ms: f64,
    /// The two: from the change seen to the engine the dashboard shows.
    pub visible_ms: f64,
    /// Milliseconds for the drift reports afterwards (30 and 7 days, in the background).
    pub drift_ms: f64,
    /// Milliseconds a build of the cube over every order takes, for comparison.
    pub full_cube_ms: f64,
}

/// Runs the benchmark on the data folder of `args` (its `orders/` partitioned by day).
pub fn run(args: &DataSettings) -> Result<AppendBench> {
    let dir = super::data_dir(args)?;
    let orders = dir.join("orders");
    let mut days: Vec<_> = std::fs::read_dir(&orders)
        .map_err(|e| {
            eyre!(
                "{}: {e} (bench --append needs orders/ partitioned by day)",
                orders.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    days.sort();
    let Some(last) = days.pop() else {
        bail!("{}: no partitions", orders.display());
    };
    let parent = dir.parent().unwrap_or(Path::new("."));
    let work = Removed(parent.join(format!(".bench-append-{}", std::process::id())));
    let copy = work.0.as_path();
    link_tree(
        &dir,
        copy,
        &|p: &Path| p == last || p.ends_with("cache"),
        false,
    )?;
    let bands = args.bands().map_err(|e| eyre!(e))?;
    let opts = args.load_options().map_err(|e| eyre!(e))?;
    let reg = crate::model::registry::Registry::load(copy)?;
    let models = crate::model::store::active_models(copy, &reg)?
        .ok_or_else(|| eyre!("{}: no active models (run `train` first)", dir.display()))?;
    let (before, report, _) = cache::load(copy, &opts)?;
    let prepared = Prepared::new(&before, models, bands);
    let engine = Engine::with_prepared(before, report, bands, prepared);
    let base = engine.append_base();
    let to = copy
        .join("orders")
        .join(last.file_name().unwrap_or_default());
    // Copied, not linked: the day lands now, as a new file does.
    link_tree(&last, &to, &|_| false, true)?;

    let t = Instant::now();
    let (after, report, source) = cache::load(copy, &opts)?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    if source != cache::Source::Appended {
        bail!("the last day was not appended to the cached data ({source:?})");
    }
    let t = Instant::now();
    let appended = base
        .appended(after, report)
        .map_err(|_| eyre!("the last day's orders are not an append"))?;
    let score_and_cube_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let (m, s) = (appended.models.as_deref(), appended.scores.as_deref());
    let windows = [DRIFT_CURRENT_DAYS, DRIFT_SHORT_DAYS];
    std::hint::black_box(crate::drift::report::drift_reports(
        &appended.data,
        m,
        s,
        &windows,
        None,
    )?);
    let drift_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    std::hint::black_box(crate::engine::cube::Cube::build(&appended.data, s, bands));
    let full_cube_ms = t.elapsed().as_secs_f64() * 1e3;
    Ok(AppendBench {
        orders_before: engine.data.orders.len(),
        orders_appended: appended.data.orders.len() - engine.data.orders.len(),
        load_ms,
        score_and_cube_ms,
        visible_ms: load_ms + score_and_cube_ms,
        drift_ms,
        full_cube_ms,
    })
}

/// A working folder removed when dropped (on success and on error alike).
struct Removed(std::path::PathBuf);

impl Drop for Removed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Hard-links (or with `copy`, copies) every file under `from` into `to` (same layout),
/// leaving out what `skip` says.
fn link_tree(from: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool, copy: bool) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        if skip(&path) {
            continue;
        }
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            link_tree(&path, &target, skip, copy)?;
        } else if copy {
            std::fs::copy(&path, &target)?;
        } else {
            std::fs::hard_link(&path, &target)
                .or_else(|_| std::fs::copy(&path, &target).map(|_| ()))?;
        }
    }
    Ok(())
}
