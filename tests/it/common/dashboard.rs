//! The dashboard on a private copy of the demo data, with models trained once and fixed run
//! ids and times so that snapshots are stable.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use returnrisk_tui::config::RiskBands;
use returnrisk_tui::config_file::{ColorMode, Config};
use returnrisk_tui::data::{LoadOptions, load_dir};
use returnrisk_tui::engine::{Engine, Prepared, Window};
use returnrisk_tui::model::ModelSet;
use returnrisk_tui::model::TrainConfig;
use returnrisk_tui::model::store::{Lifecycle, Provenance, load_or_train};
use returnrisk_tui::tui::action::Action;
use returnrisk_tui::tui::app::App;
use returnrisk_tui::tui::keymap::KeyMap;
use returnrisk_tui::tui::theme::Theme;
use returnrisk_tui::tui::ui;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn data_copy() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        for f in ["orders.csv", "sellers.csv"] {
            std::fs::copy(src.join(f), dir.join(f)).unwrap();
        }
        dir
    })
}

/// Models trained once, with a fixed timestamp so snapshots are stable.
pub fn models() -> &'static ModelSet {
    static M: OnceLock<ModelSet> = OnceLock::new();
    M.get_or_init(|| {
        let (ds, _) = load_dir(data_copy(), &LoadOptions::default()).unwrap();
        let (mut m, _) = load_or_train(&ds, &TrainConfig::default(), false, &|_| {}).unwrap();
        m.trained_at = "2026-07-01T08:00:00Z".into();
        m
    })
}

pub fn app_without_models() -> App {
    let (ds, report) = load_dir(data_copy(), &LoadOptions::default()).unwrap();
    app_on(
        Engine::new(ds, report, RiskBands::DEFAULT),
        Window::Days(30),
        "data",
    )
}

/// The dashboard on `engine` with the default keys and ANSI colours, labelled `label`.
pub fn app_on(engine: Engine, window: Window, label: &str) -> App {
    let cfg = Config::defaults();
    let mut app = App::new(
        engine,
        KeyMap::new(&cfg.keys).unwrap(),
        Theme::new(ColorMode::Ansi, false, false),
        window,
    );
    app.data_label = label.into();
    app
}

/// The run store and registry with fixed run ids and times, so snapshots are stable.
pub fn lifecycle() -> Lifecycle {
    let _ = models();
    let mut lc = Lifecycle::load(data_copy());
    let ids: Vec<String> = lc.runs.iter().map(|r| r.id.clone()).collect();
    let fixed = |id: &str| {
        let k = ids.iter().position(|x| x == id).unwrap_or(99);
        format!("20260701T080000Z-{k:04}")
    };
    for r in &mut lc.runs {
        r.id = fixed(&r.id);
        r.started_at = "2026-07-01T08:00:00.000Z".into();
    }
    for e in lc.registry.models.values_mut() {
        for v in &mut e.versions {
            v.run_id = fixed(&v.run_id);
            v.registered_at = "2026-07-01T08:00:05Z".into();
        }
    }
    lc
}

pub fn app() -> App {
    let mut app = app_without_models();
    let prepared = Prepared::new(&app.engine.data, models().clone(), app.engine.bands);
    app.update(Action::ModelsReady(Box::new(prepared), Provenance::Reused));
    app.update(Action::LifecycleLoaded(Box::new(lifecycle())));
    app
}

pub fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, app)).unwrap();
    t.backend().to_string()
}

/// Shows every alert of every target on the Alerts tab (a row each, as before grouping).
pub fn expand_all_alerts(a: &mut App) {
    use returnrisk_tui::tui::tabs::alerts::target_key;
    a.pages.alerts.expanded = a
        .snap
        .alerts
        .iter()
        .map(|x| target_key(&x.target))
        .collect();
}

/// Types `text` into the open line (filter, palette or prompt), one key per character.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(returnrisk_tui::tui::action::Action::Command(
            returnrisk_tui::tui::action::Command::Edit(
                returnrisk_tui::tui::line_edit::Edit::Insert(c),
            ),
        ));
    }
}
