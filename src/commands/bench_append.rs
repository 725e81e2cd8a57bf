//! `bench --append`: what a day landing costs a running dashboard on a day-partitioned data
//! folder. A working copy (hard links, so nothing of the data is copied or touched) holds
//! every day but the last two; the engine is prepared on it with the registry's active
//! models, then each held-back day is linked in and timed as the dashboard's reload does it:
//! the new part read onto the orders in memory ([`crate::engine::append`]), the new orders
//! scored and the cube extended, then, apart, the dataset cache written and the drift
//! reports computed (after the first day the reference's samples are kept, after the second
//! they are read back). The order ids are indexed first, as the dashboard does after a start;
//! the first append then copies the orders into memory that can grow, the second costs only
//! its day.

use crate::data::cache;
use crate::drift::report::drift_reports_keeping;
use crate::engine::{DRIFT_CURRENT_DAYS, DRIFT_SHORT_DAYS, Engine, Prepared};
use crate::open::DataSettings;
use color_eyre::eyre::{Result, bail, eyre};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `bench --append` prints.
#[derive(Debug, Serialize)]
pub struct AppendBench {
    /// Orders before the two days.
    pub orders_before: usize,
    /// Milliseconds to index the order ids, which the dashboard does in the background
    /// after a start on day-partitioned orders (before the first append here).
    pub id_index_ms: f64,
    /// The first append after a start (the orders copied into memory that can grow).
    pub first: DayAppend,
    /// The next append (the steady state: only the day's orders are touched).
    pub second: DayAppend,
    /// Milliseconds to write the dataset cache afterwards (in the background).
    pub cache_write_ms: f64,
    /// Milliseconds for the drift reports after the first append (30 and 7 days, in the
    /// background): the reference period's samples gathered, sorted and kept.
    pub drift_first_ms: f64,
    /// The same after the next append: the reference's samples read back.
    pub drift_ms: f64,
    /// Megabytes the kept reference samples take.
    pub drift_reference_mb: f64,
    /// Milliseconds a build of the cube over every order takes, for comparison.
    pub full_cube_ms: f64,
}

/// One day appended.
#[derive(Debug, Serialize)]
pub struct DayAppend {
    /// Orders the day adds.
    pub orders: usize,
    /// Milliseconds to read and validate the new part onto the orders in memory.
    pub load_ms: f64,
    /// Milliseconds to score the new orders, extend the cube and recount the pending ones.
    pub score_and_cube_ms: f64,
    /// The two: from the change seen to the engine the dashboard shows.
    pub visible_ms: f64,
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
    if days.len() < 3 {
        bail!(
            "{}: bench --append needs 3 day partitions or more",
            orders.display()
        );
    }
    let held: Vec<PathBuf> = days.split_off(days.len() - 2);
    let parent = dir.parent().unwrap_or(Path::new("."));
    let work = Removed(parent.join(format!(".bench-append-{}", std::process::id())));
    let copy = work.0.as_path();
    link_tree(
        &dir,
        copy,
        &|p: &Path| held.iter().any(|h| h == p) || p.ends_with("cache"),
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
    let orders_before = engine.data.orders.len();
    let t = Instant::now();
    engine.append_base().index_ids();
    let id_index_ms = t.elapsed().as_secs_f64() * 1e3;
    let (first, engine) = append_day(engine, &held[0], copy, &opts)?;
    let (drift_first_ms, _) = drift_after_append(&engine)?;
    let (second, engine) = append_day(engine, &held[1], copy, &opts)?;

    let t = Instant::now();
    if !cache::store(&engine.data, &engine.load_report, &opts) {
        bail!("the dataset cache was not written");
    }
    let cache_write_ms = t.elapsed().as_secs_f64() * 1e3;
    let (drift_ms, drift_reference_mb) = drift_after_append(&engine)?;
    let t = Instant::now();
    let s = engine.scores.as_deref();
    std::hint::black_box(crate::engine::cube::Cube::build(&engine.data, s, bands));
    let full_cube_ms = t.elapsed().as_secs_f64() * 1e3;
    Ok(AppendBench {
        orders_before,
        id_index_ms,
        first,
        second,
        cache_write_ms,
        drift_first_ms,
        drift_ms,
        drift_reference_mb,
        full_cube_ms,
    })
}

/// The drift reports after an append, as the dashboard computes them (the reference's samples
/// kept by the first, read back by the next): milliseconds, and megabytes kept.
fn drift_after_append(engine: &Engine) -> Result<(f64, f64)> {
    let t = Instant::now();
    let (m, s) = engine
        .models
        .as_deref()
        .zip(engine.scores.as_deref())
        .ok_or_else(|| eyre!("no models"))?;
    let windows = [DRIFT_CURRENT_DAYS, DRIFT_SHORT_DAYS];
    let memo = &engine.drift_reference;
    std::hint::black_box(drift_reports_keeping(&engine.data, m, s, &windows, memo));
    let ms = t.elapsed().as_secs_f64() * 1e3;
    Ok((ms, memo.kept_bytes() as f64 / 1e6))
}

/// Lands `day` (a partition held back) in the working copy `copy` and appends it to
/// `engine` as the dashboard does; the timings and the engine after.
fn append_day(
    engine: Engine,
    day: &Path,
    copy: &Path,
    opts: &crate::data::LoadOptions,
) -> Result<(DayAppend, Engine)> {
    let base = engine.append_base();
    let to = copy
        .join("orders")
        .join(day.file_name().unwrap_or_default());
    // Copied, not linked: the day lands now, as a new file does (dated a minute back, so
    // that the cache written afterwards may trust its stamps).
    link_tree(day, &to, &|_| false, true)?;
    let landed = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for file in std::fs::read_dir(&to)? {
        std::fs::File::options()
            .append(true)
            .open(file?.path())?
            .set_modified(landed)?;
    }
    let t = Instant::now();
    let (after, report) = base
        .load_new_parts(opts)?
        .ok_or_else(|| eyre!("{}: not read as an append", day.display()))?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let appended = base
        .appended(after, report)
        .map_err(|_| eyre!("{}: the orders are not an append", day.display()))?;
    let score_and_cube_ms = t.elapsed().as_secs_f64() * 1e3;
    let timing = DayAppend {
        orders: appended.data.orders.len() - engine.data.orders.len(),
        load_ms,
        score_and_cube_ms,
        visible_ms: load_ms + score_and_cube_ms,
    };
    drop(engine);
    Ok((timing, appended))
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
