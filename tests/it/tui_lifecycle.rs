//! The Models and Drift tabs and the dashboard's reaction to changes on disk, on a private
//! copy of the demo data: promote / roll back with confirmation (through the same background
//! job the event loop runs), reload after the registry or the data change, drift sorting.

use crate::common;

use common::{copy_state, trained_demo as trained_base};
use returnrisk_tui::config::RiskBands;
use returnrisk_tui::config_file::{ColorMode, Config};
use returnrisk_tui::data::{LoadOptions, load_dir};
use returnrisk_tui::engine::{Engine, Prepared, Window};
use returnrisk_tui::model::TrainConfig;
use returnrisk_tui::model::registry::Registry;
use returnrisk_tui::model::store::{Lifecycle, Provenance, load_or_train};
use returnrisk_tui::tui::action::{Action, Command, Effect};
use returnrisk_tui::tui::app::{App, Training};
use returnrisk_tui::tui::keymap::KeyMap;
use returnrisk_tui::tui::lifecycle::RegistryOp;
use returnrisk_tui::tui::tab::Tab;
use returnrisk_tui::tui::tabs::drift::{drift_report, drift_rows, drift_scope, strength};
use returnrisk_tui::tui::theme::Theme;
use returnrisk_tui::tui::{jobs, ui};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc::unbounded_channel;

/// An app over the data in `dir`, before any models are loaded.
fn app_without_models(dir: &Path) -> App {
    let (ds, report) = load_dir(dir, &LoadOptions::default()).unwrap();
    let cfg = Config::defaults();
    App::new(
        Engine::new(ds, report, RiskBands::DEFAULT),
        KeyMap::new(&cfg.keys).unwrap(),
        Theme::new(ColorMode::Ansi, false, false),
        Window::Days(30),
    )
}

/// A private copy of the trained demo data, and an app over it.
fn app_on_copy() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let base = trained_base();
    for f in ["orders.csv", "sellers.csv"] {
        std::fs::copy(base.join(f), dir.path().join(f)).unwrap();
    }
    copy_state(base, dir.path());
    let mut app = app_without_models(dir.path());
    let (models, prov) =
        load_or_train(&app.engine.data, &TrainConfig::default(), false, &|_| {}).unwrap();
    assert_eq!(prov, Provenance::Reused);
    let prepared = Prepared::new(&app.engine.data, models, app.engine.bands);
    app.update(Action::ModelsReady(Box::new(prepared), Provenance::Reused));
    app.update(Action::LifecycleLoaded(Box::new(Lifecycle::load(
        dir.path(),
    ))));
    (dir, app)
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, app)).unwrap();
    t.backend().to_string()
}

/// Selects the Models-tab row of `model`.
fn select_model(app: &mut App, model: &str) {
    let pos = app
        .pages
        .models
        .rows(app)
        .iter()
        .position(|r| r.model == model)
        .unwrap();
    app.pages.models.view.cursor.selected = pos;
}

/// Runs the effects an update asked for and applies the first result.
fn run_jobs(app: &mut App, rt: &tokio::runtime::Runtime, effects: Vec<Effect>) {
    assert!(!effects.is_empty(), "the update asked for a job");
    let (tx, mut rx) = unbounded_channel();
    rt.block_on(async {
        for e in effects {
            jobs::run(app, e, &tx);
        }
        let a = tokio::time::timeout(Duration::from_secs(120), rx.recv())
            .await
            .expect("the job answers")
            .expect("an action");
        app.update(a);
    });
}

/// A seller with a registered version that is not active (a candidate).
fn candidate_seller(app: &App) -> String {
    app.lifecycle
        .registry
        .models
        .iter()
        .find(|(k, e)| *k != "global" && e.active.is_none() && !e.versions.is_empty())
        .map(|(k, _)| k.clone())
        .expect("the demo data has seller candidates")
}

#[test]
fn promote_and_rollback_ask_first_and_reload_the_scoring_models() {
    let (dir, mut app) = app_on_copy();
    let rt = tokio::runtime::Runtime::new().unwrap();
    app.update(Action::Command(Command::GoTab(Tab::Models)));
    let seller = candidate_seller(&app);
    select_model(&mut app, &seller);
    assert!(
        !app.engine
            .models
            .as_ref()
            .unwrap()
            .sellers
            .contains_key(&seller)
    );

    // P asks; n cancels and changes nothing.
    app.update(Action::Command(Command::Promote));
    let prompt = app.overlays.confirm.as_ref().unwrap().prompt.clone();
    assert_eq!(
        prompt,
        format!("Promote {seller} v1 (the global model scores it)?")
    );
    assert!(render(&app, 120, 40).contains(&format!("{prompt} y = yes, n = no")));
    let fx = app.update(Action::Command(Command::No));
    assert!(app.overlays.confirm.is_none() && fx.is_empty());

    // P then y: the background job promotes under the lock and reloads the scoring models.
    app.update(Action::Command(Command::Promote));
    let fx = app.update(Action::Command(Command::Yes));
    assert_eq!(
        fx,
        vec![Effect::ChangeRegistry(RegistryOp::Promote {
            model: seller.clone(),
            version: 1
        })]
    );
    // The watcher sees the job's own write of the registry before the job is done: no
    // second reload races it (its message would replace the promotion's).
    let watched = app.update(Action::FilesChanged {
        data: false,
        registry: true,
        cases: false,
    });
    assert!(watched.is_empty() && app.registry_changed_while_loading);
    run_jobs(&mut app, &rt, fx);
    let promoted = format!("{seller}: v1 is now active");
    assert_eq!(app.status.message.as_deref(), Some(promoted.as_str()));
    assert!(!app.registry_changed_while_loading && !app.registry_op_running);
    // The deferred look at the registry finds the models in use and says nothing.
    run_jobs(&mut app, &rt, vec![Effect::ReloadModels]);
    assert_eq!(app.status.message.as_deref(), Some(promoted.as_str()));
    let models = app.engine.models.as_ref().unwrap();
    assert_eq!(models.model_for(&seller).1, seller);
    let on_disk = Registry::load(dir.path()).unwrap();
    assert_eq!(on_disk.models[&seller].active, Some(1));
    assert_eq!(app.lifecycle.registry, on_disk);
    // The seller's rows are now scored by its own model.
    let s = app.engine.data.seller_index(&seller).unwrap() as u32;
    let scores = app.engine.scores.as_ref().unwrap();
    let o = &app.engine.data.orders;
    assert!(
        (0..o.len())
            .filter(|&i| o.seller[i] == s)
            .all(|i| scores.own_model[i])
    );

    // B asks to go back to the global model; y does it.
    select_model(&mut app, &seller);
    app.update(Action::Command(Command::Rollback));
    assert_eq!(
        app.overlays.confirm.as_ref().unwrap().prompt,
        format!("Roll back {seller} from v1 to the global model?")
    );
    let fx = app.update(Action::Command(Command::Yes));
    run_jobs(&mut app, &rt, fx);
    assert_eq!(
        app.engine.models.as_ref().unwrap().model_for(&seller).1,
        "global"
    );

    // Nothing to roll back for the global model (one version): a message, no question.
    select_model(&mut app, "global");
    app.update(Action::Command(Command::Rollback));
    assert!(app.overlays.confirm.is_none());
    assert_eq!(
        app.status.message.as_deref(),
        Some("global has no earlier active version to roll back to")
    );
}

#[test]
fn a_registry_change_on_disk_reloads_the_models_and_says_so() {
    let (dir, mut app) = app_on_copy();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let seller = candidate_seller(&app);
    // Another process (the CLI) promotes a seller model.
    let mut reg = Registry::load(dir.path()).unwrap();
    reg.promote(&seller, 1).unwrap();
    reg.save(dir.path()).unwrap();
    let fx = app.update(Action::FilesChanged {
        data: false,
        registry: true,
        cases: false,
    });
    run_jobs(&mut app, &rt, fx);
    let msg = app.status.message.clone().unwrap();
    assert!(
        msg.starts_with("the registry changed on disk: reloaded the active models"),
        "{msg}"
    );
    assert_eq!(
        app.engine.models.as_ref().unwrap().model_for(&seller).1,
        seller
    );
    assert!(render(&app, 120, 40).contains("the registry changed on disk"));

    // A change seen while models are loading is looked at again once they are in.
    app.status.training = Training::Starting;
    let fx = app.update(Action::FilesChanged {
        data: false,
        registry: true,
        cases: false,
    });
    assert!(fx.is_empty() && app.registry_changed_while_loading);
    let models = app.engine.models.as_deref().cloned().unwrap();
    let prepared = Prepared::new(&app.engine.data, models, app.engine.bands);
    let fx = app.update(Action::ModelsReady(Box::new(prepared), Provenance::Reused));
    // Models in: the registry is looked at again, and the alerts are evaluated as cases.
    assert_eq!(fx[0], Effect::ReloadModels);
    assert!(matches!(fx[1], Effect::ReconcileCases(_)) && fx.len() == 2);
    assert!(!app.registry_changed_while_loading);
    run_jobs(&mut app, &rt, fx);

    // A registry change that leaves the scoring models as they are only refreshes the tab.
    let mut reg = Registry::load(dir.path()).unwrap();
    reg.rule.tolerance = 0.001;
    reg.save(dir.path()).unwrap();
    app.status.message = None;
    let fx = app.update(Action::FilesChanged {
        data: false,
        registry: true,
        cases: false,
    });
    run_jobs(&mut app, &rt, fx);
    assert_eq!(app.status.message, None);
    assert_eq!(app.lifecycle.registry.rule.tolerance, 0.001);
}

#[test]
fn new_data_on_disk_replaces_the_engine_and_asks_for_models() {
    let (dir, mut app) = app_on_copy();
    // Unchanged contents: nothing happens but a note.
    let (same, rep) = load_dir(dir.path(), &LoadOptions::default()).unwrap();
    let fx = app.update(Action::DataLoaded(Box::new(Engine::new(
        same,
        rep,
        RiskBands::DEFAULT,
    ))));
    assert_eq!(
        app.status.message.as_deref(),
        Some("data files touched on disk; contents unchanged")
    );
    assert!(fx.is_empty());

    // Fewer orders: a new engine, risk n/a until models arrive, and a model load requested.
    let text = std::fs::read_to_string(dir.path().join("orders.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(
        dir.path().join("orders.csv"),
        lines[..lines.len() - 500].join("\n"),
    )
    .unwrap();
    let (ds, rep) = load_dir(dir.path(), &LoadOptions::default()).unwrap();
    let fx = app.update(Action::DataLoaded(Box::new(Engine::new(
        ds,
        rep,
        RiskBands::DEFAULT,
    ))));
    assert_eq!(app.engine.data.orders.len(), 49_500);
    assert!(app.engine.models.is_none());
    assert_eq!(app.status.training, Training::Starting);
    assert_eq!(fx, vec![Effect::LoadModels { retrain: false }]);
    assert_eq!(
        app.status.message.as_deref(),
        Some("reloaded new data: 49,500 orders (was 50,000); models loading")
    );

    // Models prepared for the old data (a training that was running) arrive late: discarded,
    // never installed over the new orders.
    let (old, _) = load_dir(trained_base(), &LoadOptions::default()).unwrap();
    let (models, _) = load_or_train(&old, &TrainConfig::default(), false, &|_| {}).unwrap();
    let stale = Prepared::new(&old, models, RiskBands::DEFAULT);
    app.update(Action::ModelsReady(Box::new(stale), Provenance::Reused));
    assert!(app.engine.models.is_none());
    assert_eq!(app.status.training, Training::Starting);
    let _ = render(&app, 120, 40);
}

#[test]
fn the_watcher_notices_registry_and_data_changes() {
    let (dir, _app) = app_on_copy();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let path: PathBuf = dir.path().to_path_buf();
    rt.block_on(async {
        let (tx, mut rx) = unbounded_channel();
        jobs::spawn_watcher(&path, None, tx);
        // Let it take its first look, then change the registry.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut reg = Registry::load(&path).unwrap();
        reg.save(&path).unwrap();
        let a = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(
            a,
            Action::FilesChanged {
                data: false,
                registry: true,
                cases: false,
            }
        ));
        std::fs::write(
            path.join("sellers.csv"),
            "seller_id,seller_name,marketplace_id\n",
        )
        .unwrap();
        let a = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(a, Action::FilesChanged { data: true, .. }));
    });
}

#[test]
fn the_watcher_notices_a_part_added_to_a_partitioned_table() {
    let (dir, _app) = app_on_copy();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let path: PathBuf = dir.path().to_path_buf();
    let day = path.join("orders/day=2026-07-01");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::write(day.join("part-0.parquet"), "first").unwrap();
    rt.block_on(async {
        let (tx, mut rx) = unbounded_channel();
        jobs::spawn_watcher(&path, None, tx);
        tokio::time::sleep(Duration::from_millis(300)).await;
        // A second part in the same day: only the part's directory changes.
        std::fs::write(day.join("part-1.parquet"), "second").unwrap();
        let a = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(
            a,
            Action::FilesChanged {
                data: true,
                registry: false,
                cases: false,
            }
        ));
    });
}

#[test]
fn drift_tab_follows_the_marketplace_filter_and_sorts_by_strength() {
    let (_dir, mut app) = app_on_copy();
    app.update(Action::Command(Command::GoTab(Tab::Drift)));
    // all -> M001 -> M002
    app.update(Action::Command(Command::Marketplace));
    app.update(Action::Command(Command::Marketplace));
    let scope = drift_scope(&app).unwrap();
    assert_eq!(scope.marketplace, "M002");
    let rows = drift_rows(Some(scope), &app.pages.drift.view);
    let strengths: Vec<f64> = rows.iter().map(|c| strength(c)).collect();
    assert!(strengths.windows(2).all(|w| w[0] >= w[1]), "{strengths:?}");
    // Strength >= 1 exactly for the drifted columns (distance tests at this reference size).
    for c in &rows {
        assert_eq!(c.drift.drifted, strength(c) >= 1.0, "{}", c.column);
    }
    let drifted: Vec<&str> = rows
        .iter()
        .filter(|c| c.drift.drifted)
        .map(|c| c.column.as_str())
        .collect();
    assert_eq!(drifted.len(), scope.drifted_columns);
    assert!(drifted.contains(&"delivery_days") && drifted.contains(&"payment_method"));
    let first = rows[0].column.clone();
    let screen = render(&app, 120, 40);
    assert!(screen.contains("Columns 1/10: M002"), "{screen}");
    assert!(
        screen.contains(&format!("{first}: reference vs current share")),
        "{screen}"
    );
    // The 7-day window shows the drift of the last 7 days (fewer current orders).
    let n30 = scope.n_current;
    while app.window != Window::Days(7) {
        app.update(Action::Command(Command::Window));
    }
    let short = drift_report(&app).unwrap();
    assert_eq!(
        (short.current_start.as_str(), short.current_end.as_str()),
        ("2026-06-24", "2026-06-30")
    );
    let n7 = drift_scope(&app).unwrap().n_current;
    assert!(n7 > 0 && n7 < n30, "{n7} vs {n30}");
    assert!(render(&app, 120, 40).contains("current 2026-06-24..2026-06-30"));
    // s twice: by column name, A-Z.
    app.update(Action::Command(Command::Sort));
    app.update(Action::Command(Command::Sort));
    let names: Vec<String> = drift_rows(drift_scope(&app), &app.pages.drift.view)
        .iter()
        .map(|c| c.column.clone())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

/// The active global model's artifacts file in `dir`.
fn active_models_file(dir: &Path) -> PathBuf {
    let reg = Registry::load(dir).unwrap();
    let g = reg.models["global"].active_version().unwrap();
    returnrisk_tui::model::runs::runs_dir(dir)
        .join(&g.run_id)
        .join("models.bin")
}

#[test]
fn unreadable_active_models_are_said_on_the_status_line_and_risk_is_na() {
    let (dir, _) = app_on_copy();
    let file = active_models_file(dir.path());
    std::fs::write(&file, "{").unwrap();
    // A fresh start on the damaged state: the models job reports, nothing is retrained.
    let mut app = app_without_models(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    run_jobs(&mut app, &rt, vec![Effect::LoadModels { retrain: false }]);
    assert!(
        matches!(app.status.training, Training::Failed(_)),
        "{:?}",
        app.status.training
    );
    let msg = app.status.message.clone().unwrap();
    assert!(
        msg.starts_with(&format!(
            "error: models unavailable: active model global v1: {}:",
            file.display()
        )),
        "{msg}"
    );
    assert!(msg.contains("models rollback global"), "{msg}");
    app.update(Action::Command(Command::GoTab(Tab::Sellers)));
    let screen = render(&app, 160, 30);
    assert!(screen.contains("models: unavailable"), "{screen}");
    assert!(screen.contains("error: models unavailable: active model global v1"));
    // Every risk cell says n/a, none says "training".
    assert!(
        screen.contains("n/a") && !screen.contains("training"),
        "{screen}"
    );
    // No run was added.
    assert_eq!(
        returnrisk_tui::model::runs::list_runs(dir.path()).0.len(),
        1
    );
}

#[test]
fn promoting_a_version_whose_artifacts_are_gone_is_refused() {
    let (dir, mut app) = app_on_copy();
    let rt = tokio::runtime::Runtime::new().unwrap();
    app.update(Action::Command(Command::GoTab(Tab::Models)));
    let seller = candidate_seller(&app);
    // The run's artifacts lose that seller's model (the rest stays readable).
    let file = active_models_file(dir.path());
    let run_id = file
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    let mut set = returnrisk_tui::model::runs::load_run_models(dir.path(), run_id).unwrap();
    set.sellers.remove(&seller);
    std::fs::write(
        &file,
        returnrisk_tui::model::artifact::encode(&set).unwrap(),
    )
    .unwrap();
    let before = std::fs::read(returnrisk_tui::model::registry::registry_path(dir.path())).unwrap();
    select_model(&mut app, &seller);
    app.update(Action::Command(Command::Promote));
    let fx = app.update(Action::Command(Command::Yes));
    run_jobs(&mut app, &rt, fx);
    let msg = app.status.message.clone().unwrap();
    assert!(
        msg.starts_with(&format!(
            "registry unchanged: refused: {seller} v1: {}: no model",
            file.display()
        )),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(returnrisk_tui::model::registry::registry_path(dir.path())).unwrap(),
        before
    );
}
