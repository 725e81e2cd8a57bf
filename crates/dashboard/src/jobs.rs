//! Background work of the dashboard, each on a blocking thread, each reporting back as an
//! [`Action`]: loading or training models, registry changes, reloads after changes on disk,
//! and the watcher that notices those changes (a stat of a few files every
//! [`WATCH_INTERVAL`], the case database among them, so another process's change shows
//! within one interval; an idle dashboard stays idle otherwise).

use super::action::{Action, Effect, Job};
use super::app::App;
use super::lifecycle::RegistryOp;
use returnrisk_core::data::{Dataset, cache};
use returnrisk_core::engine::lake_orders::lake_orders;
use returnrisk_core::engine::{Engine, Prepared, Window, contrib};
use returnrisk_core::model::TrainConfig;
use returnrisk_core::model::lock::StateLock;
use returnrisk_core::model::register::{active_versions, promote_readable, rollback_readable};
use returnrisk_core::model::registry::{Registry, registry_path};
use returnrisk_core::model::store::{Lifecycle, active_models, load_or_train};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// How often the watcher looks at the data files and the registry.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(2);

/// Wraps the panic hook so that a panic off the UI thread (a background job, a watcher
/// task) is logged and nothing else: the UI thread's hook (ratatui's, which restores the
/// terminal) must not run while the dashboard goes on. Call on the UI thread, after the
/// terminal is set up.
pub fn install_job_panic_hook() {
    let previous = std::panic::take_hook();
    let ui_thread = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            previous(info);
        } else {
            tracing::error!("background job panicked: {info}");
        }
    }));
}

/// Runs `work` on a blocking thread; a panic inside is caught and reported to the loop as
/// [`Action::JobPanicked`] (the dashboard keeps working, the job is no longer running).
pub(super) fn spawn_job(
    tx: UnboundedSender<Action>,
    job: Job,
    work: impl FnOnce(&UnboundedSender<Action>) + Send + 'static,
) {
    tokio::task::spawn_blocking(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            returnrisk_core::util::panic_point(job.name());
            work(&tx);
        }));
        if let Err(payload) = outcome {
            let why = payload
                .downcast_ref::<&str>()
                .map(std::string::ToString::to_string)
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            let _ = tx.send(Action::JobPanicked(job, why));
        }
    });
}

/// Runs one effect `update` asked for: a job on a blocking thread, or (exports, the
/// clipboard) quick I/O right here, its outcome sent back as [`Action::Done`].
pub fn run(app: &App, effect: Effect, tx: &UnboundedSender<Action>) {
    match effect {
        Effect::LoadModels { retrain } => spawn_models(app, tx.clone(), retrain),
        Effect::ChangeRegistry(op) => spawn_registry_op(app, tx.clone(), op),
        Effect::ReloadData => spawn_reload_data(app, tx.clone()),
        Effect::RefreshDrift => spawn_refresh_drift(app, tx.clone()),
        Effect::ReloadModels => spawn_reload_models(app, tx.clone()),
        Effect::SellerDrivers {
            seller,
            window,
            rising,
        } => spawn_drivers(app, tx.clone(), seller, window, rising),
        Effect::LakeOrders {
            seller,
            window,
            days,
            table,
        } => {
            let (data, bands) = (app.engine.data.clone(), app.engine.bands);
            spawn_job(tx.clone(), Job::LakeOrders, move |tx| {
                let rows = lake_orders(&data, bands, &table, &seller, days);
                let _ = tx.send(Action::LakeOrders(seller, window, rows));
            });
        }
        Effect::LoadCases => super::cases::spawn_load(app, tx.clone()),
        Effect::ChangeCase(c) => super::cases::spawn_change(app, tx.clone(), c),
        Effect::ReconcileCases(e) => super::cases::spawn_reconcile(app, tx.clone(), *e),
        Effect::Export(table) => {
            let noun = &app.snap.label_noun;
            let _ = tx.send(Action::Done(super::export::write(
                &app.export_dir,
                &table,
                noun,
            )));
        }
        Effect::Copy(text) => {
            if let Err(e) = super::clipboard::copy(&text) {
                let _ = tx.send(Action::Done(format!("copy failed: {e}")));
            }
        }
    }
}

/// Explains a sample of a seller's orders and of its marketplace's (about a second), and
/// when its risk is `rising`, its recent orders against its earlier ones.
fn spawn_drivers(
    app: &App,
    tx: UnboundedSender<Action>,
    seller: String,
    window: Window,
    rising: bool,
) {
    let data = app.engine.data.clone();
    // A cube built elsewhere has no orders here to explain.
    let Some(models) = app
        .engine
        .models
        .clone()
        .filter(|_| app.engine.cube_source.is_none())
    else {
        return;
    };
    let c = &app.engine.cube;
    let (start, end) = (window.start_day(c.last_day, c.first_day), c.last_day);
    spawn_job(tx, Job::SellerDrivers, move |tx| {
        let Some(si) = data.seller_index(&seller) else {
            return;
        };
        let (own, market) = contrib::samples(&data, si, start, end);
        let mut drivers = contrib::contribution_drivers(&data, &models, si, &own, &market);
        if let Some(d) = drivers.as_mut().filter(|_| rising) {
            let (earlier, recent) = contrib::change_samples(&data, si, start, end);
            d.change = contrib::risk_change(&data, &models, (start, end), &earlier, &recent);
        }
        let _ = tx.send(Action::SellerDrivers(seller, window, drivers.map(Box::new)));
    });
}

/// Reads the data again after a change on disk (a cube built elsewhere: that cube again).
fn spawn_reload_data(app: &App, tx: UnboundedSender<Action>) {
    if let Some(src) = &app.engine.cube_source {
        return spawn_reload_cube(app, src.dir.clone(), tx);
    }
    let dir = app.engine.data.dir.clone();
    let load_options = app.load_options;
    let (bands, policy) = (app.engine.bands, app.engine.alert_policy);
    let base = app.engine.append_base();
    spawn_job(tx, Job::DataReload, move |tx| {
        let started = Instant::now();
        // New day partitions alone, onto the orders in memory; the cache written after.
        match base.append_new_parts(&load_options) {
            Ok(Some(engine)) => {
                let (data, report) = (Arc::clone(&engine.data), engine.load_report.clone());
                let _ = tx.send(Action::DataAppended(Box::new(engine), started.elapsed()));
                cache::store(&data, &report, &load_options);
                return;
            }
            Ok(None) => {}
            Err(e) => tracing::info!("appending the new parts failed, reading all: {e}"),
        }
        // Validation and the first aggregation are seconds at 10M: never on the UI thread.
        let msg = match cache::load(&dir, &load_options) {
            // New days: scored by the models in use, the cube extended by them alone.
            Ok((data, report, _)) => match base.appended(data, report) {
                Ok(engine) => Action::DataAppended(Box::new(engine), started.elapsed()),
                Err(loaded) => {
                    let (data, report) = *loaded;
                    let mut engine = Engine::new(data, report, bands);
                    engine.alert_policy = policy;
                    Action::DataLoaded(Box::new(engine))
                }
            },
            Err(e) => Action::JobFailed(format!("reload failed, keeping the old data: {e}")),
        };
        let _ = tx.send(msg);
    });
}

/// On a cube, reads the pending orders' scores from the lake for the returns to come
/// (seconds at 100M orders: after the first frame, not before it).
pub(super) fn spawn_lake_pending(app: &App, tx: UnboundedSender<Action>) {
    let Some(table) = app.engine.lake_table() else {
        return;
    };
    let (data, cube) = (Arc::clone(&app.engine.data), Arc::clone(&app.engine.cube));
    spawn_job(tx, Job::LakePending, move |tx| {
        use returnrisk_core::engine::lake_orders::pending_from_lake;
        match pending_from_lake(&data, &cube, &table) {
            Ok(pending) => {
                let _ = tx.send(Action::LakePending(cube, pending));
            }
            Err(e) => tracing::warn!("pending orders not read from the lake: {e}"),
        }
    });
}

/// On a day-partitioned `orders/` (where days land), indexes the order ids in the
/// background so that the first new day costs only itself.
pub(super) fn index_ids_for_appends(app: &App) {
    if app.engine.data.dir.join("orders").is_dir() {
        let base = app.engine.append_base();
        tokio::task::spawn_blocking(move || base.index_ids());
    }
}

/// The drift reports of the engine's data as it is now (after an append), sent with the
/// data's fingerprint so that a report for older data is dropped.
fn spawn_refresh_drift(app: &App, tx: UnboundedSender<Action>) {
    let (Some(models), Some(scores)) = (app.engine.models.clone(), app.engine.scores.clone())
    else {
        return;
    };
    let data = app.engine.data.clone();
    let memo = app.engine.drift_reference.clone();
    spawn_job(tx, Job::Drift, move |tx| {
        let windows = [
            returnrisk_core::engine::DRIFT_CURRENT_DAYS,
            returnrisk_core::engine::DRIFT_SHORT_DAYS,
        ];
        let reports = returnrisk_core::drift::cache::load_or_compute(
            &data,
            &models,
            &scores,
            &windows,
            Some(&memo),
        )
        .ok()
        .and_then(|(r, _)| <[_; 2]>::try_from(r).ok());
        let _ = tx.send(Action::DriftRefreshed(
            data.fingerprint,
            reports.map(Box::new),
        ));
    });
}

/// Opens the cube in `cube` again (its writer replaced the manifest), with the registry's
/// active models as they are now.
fn spawn_reload_cube(app: &App, cube: PathBuf, tx: UnboundedSender<Action>) {
    let dir = app.engine.data.dir.clone();
    let (bands, policy) = (app.engine.bands, app.engine.alert_policy);
    spawn_job(tx, Job::DataReload, move |tx| {
        let msg = match returnrisk_setup::open::engine_of_cube(&dir, &cube, bands, policy) {
            Ok(engine) => Action::DataLoaded(Box::new(engine)),
            Err(e) => Action::JobFailed(format!("reload failed, keeping the old cube: {e}")),
        };
        let _ = tx.send(msg);
    });
}

/// Loads saved models or trains new ones; sends progress, the result and the run store.
fn spawn_models(app: &App, tx: UnboundedSender<Action>, force: bool) {
    let data = app.engine.data.clone();
    let bands = app.engine.bands;
    spawn_job(tx, Job::Models, move |tx| {
        let started = Instant::now();
        let progress = |p: returnrisk_core::model::TrainProgress| {
            let _ = tx.send(Action::TrainProgress(p.done, p.total));
        };
        let msg = match load_or_train(&data, &TrainConfig::default(), force, &progress) {
            Ok((models, prov)) => {
                tracing::info!("{}", prov.summary());
                Action::ModelsReady(Box::new(Prepared::new(&data, models, bands)), prov)
            }
            Err(e) => Action::TrainFailed(e.to_string()),
        };
        tracing::info!(ms = started.elapsed().as_millis() as u64, "models ready");
        let _ = tx.send(msg);
        let _ = tx.send(Action::LifecycleLoaded(Box::new(Lifecycle::load(
            &data.dir,
        ))));
    });
}

/// Applies a confirmed promote / rollback under the state lock (never waiting for it: a busy
/// lock is reported), then reloads the active models.
fn spawn_registry_op(app: &App, tx: UnboundedSender<Action>, op: RegistryOp) {
    let dir = app.engine.data.dir.clone();
    let data = app.engine.data.clone();
    let bands = app.engine.bands;
    spawn_job(tx, Job::RegistryChange, move |tx| {
        let done = (|| -> Result<String, String> {
            let _writing = returnrisk_core::model::lock::begin_write();
            let _lock = StateLock::acquire(&dir, "dashboard registry change", false, &|_| {})
                .map_err(|e| e.to_string())?;
            let mut reg = Registry::load(&dir).map_err(|e| e.to_string())?;
            let what = match &op {
                RegistryOp::Promote { model, version } => {
                    promote_readable(&dir, &mut reg, model, *version).map_err(|e| e.to_string())?;
                    format!("{model}: v{version} is now active")
                }
                RegistryOp::Rollback { model } => {
                    match rollback_readable(&dir, &mut reg, model).map_err(|e| e.to_string())? {
                        Some(v) => format!("{model}: rolled back to v{v}"),
                        None => format!("{model}: rolled back to the global model"),
                    }
                }
            };
            reg.save(&dir).map_err(|e| e.to_string())?;
            Ok(what)
        })();
        match done {
            Ok(what) => reload_models(&data, bands, tx, Some(what), Lifecycle::load(&dir)),
            Err(e) => {
                let _ = tx.send(Action::JobFailed(format!("registry unchanged: {e}")));
            }
        }
    });
}

/// Re-reads the registry in the background; reloads the models when its active versions
/// differ from the ones scoring now (decided from the registry alone, no artifacts read).
fn spawn_reload_models(app: &App, tx: UnboundedSender<Action>) {
    let data = app.engine.data.clone();
    let bands = app.engine.bands;
    let current = app.engine.models.as_ref().map(|m| m.versions.clone());
    spawn_job(tx, Job::ModelReload, move |tx| {
        let lc = Lifecycle::load(&data.dir);
        if current.as_ref() == Some(&active_versions(&lc.registry)) {
            // A new candidate or a rule change: the scoring models are the same.
            let _ = tx.send(Action::LifecycleLoaded(Box::new(lc)));
            return;
        }
        reload_models(&data, bands, tx, None, lc);
    });
}

/// Scores with the active set of `lc`'s registry and sends it with a message naming the
/// change.
fn reload_models(
    data: &Arc<Dataset>,
    bands: returnrisk_core::config::RiskBands,
    tx: &UnboundedSender<Action>,
    what: Option<String>,
    lc: Lifecycle,
) {
    match active_models(&data.dir, &lc.registry) {
        Ok(Some(set)) => {
            let g = set
                .versions
                .get(returnrisk_core::model::GLOBAL)
                .map(|v| format!("global v{}", v.version))
                .unwrap_or_default();
            let what = what.unwrap_or_else(|| {
                format!("the registry changed on disk: reloaded the active models ({g})")
            });
            let prepared = Prepared::new(data, set, bands);
            let _ = tx.send(Action::ModelsReloaded(
                Box::new(prepared),
                Box::new(lc),
                what,
            ));
        }
        Ok(None) => {
            let _ = tx.send(Action::JobFailed(
                "the registry has no active global model".into(),
            ));
        }
        Err(e) => {
            let _ = tx.send(Action::JobFailed(format!("error: {e}")));
        }
    }
}

/// Watches the data files (with a `cube` built elsewhere: its manifest, which its writer
/// replaces last, and the sellers and schema) and the registry; sends
/// [`Action::FilesChanged`] on a change.
pub fn spawn_watcher(dir: &Path, cube: Option<PathBuf>, tx: UnboundedSender<Action>) {
    use returnrisk_core::util::file_stamps;
    let dir = dir.to_path_buf();
    let inputs = move |dir: &Path| match &cube {
        Some(c) => {
            let mut files = vec![c.join(returnrisk_core::engine::cube_files::MANIFEST)];
            files.extend(["sellers.csv", "sellers.parquet", "schema.toml"].map(|f| dir.join(f)));
            files
        }
        None => returnrisk_core::data::input_files(dir),
    };
    let registry = [registry_path(&dir)];
    let case_files = super::cases::watched_files(&dir);
    // The input files are listed again each time: a partitioned table may gain parts. The
    // listing reads directories, so it runs on a blocking thread, not on the runtime.
    let look = std::sync::Arc::new(move || {
        let data = file_stamps(&inputs(&dir));
        (data, file_stamps(&registry), file_stamps(&case_files))
    });
    tokio::spawn(async move {
        let look_now = || {
            let look = std::sync::Arc::clone(&look);
            tokio::task::spawn_blocking(move || look())
        };
        let Ok((mut last_data, mut last_registry, mut last_cases)) = look_now().await else {
            return;
        };
        let mut tick = tokio::time::interval(WATCH_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Ok((d, r, c)) = look_now().await else {
                break;
            };
            let data = d != last_data;
            let reg = r != last_registry;
            let cases = c != last_cases;
            if data || reg || cases {
                last_data = d;
                last_registry = r;
                last_cases = c;
                if tx
                    .send(Action::FilesChanged {
                        data,
                        registry: reg,
                        cases,
                    })
                    .is_err()
                {
                    break;
                }
            }
        }
    });
}
