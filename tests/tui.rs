//! The dashboard rendered with ratatui's TestBackend on the committed demo data: snapshots of
//! every screen at 80x24 and 120x40, and state tests that keys do what they say.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use returnrisk_tui::config::{RiskBands, TrainConfig};
use returnrisk_tui::data::{LoadOptions, load_dir};
use returnrisk_tui::engine::{Engine, Prepared, Target, Window};
use returnrisk_tui::model::ModelSet;
use returnrisk_tui::model::store::{Lifecycle, Provenance, load_or_train};
use returnrisk_tui::tui::action::{Action, Command};
use returnrisk_tui::tui::app::{App, SELLERS};
use returnrisk_tui::tui::config::{ColorMode, Config};
use returnrisk_tui::tui::keymap::KeyMap;
use returnrisk_tui::tui::theme::Theme;
use returnrisk_tui::tui::{ui, views};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn data_copy() -> &'static PathBuf {
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
fn models() -> &'static ModelSet {
    static M: OnceLock<ModelSet> = OnceLock::new();
    M.get_or_init(|| {
        let (ds, _) = load_dir(data_copy(), &LoadOptions::default()).unwrap();
        let (mut m, _) = load_or_train(&ds, &TrainConfig::default(), false, &|_| {}).unwrap();
        m.trained_at = "2026-07-01T08:00:00Z".into();
        m
    })
}

fn app_without_models() -> App {
    let (ds, report) = load_dir(data_copy(), &LoadOptions::default()).unwrap();
    let engine = Engine::new(ds, report, RiskBands::DEFAULT);
    let cfg = Config::defaults();
    let mut app = App::new(
        engine,
        KeyMap::new(&cfg.keys),
        Theme::new(ColorMode::Ansi, false, false),
        Window::Days(30),
    );
    app.data_label = "data".into();
    app
}

/// The run store and registry with fixed run ids and times, so snapshots are stable.
fn lifecycle() -> Lifecycle {
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

fn app() -> App {
    let mut app = app_without_models();
    let prepared = Prepared::new(&app.engine.data, models().clone(), app.engine.bands);
    app.update(Action::ModelsReady(Box::new(prepared), Provenance::Reused));
    app.update(Action::LifecycleLoaded(Box::new(lifecycle())));
    app
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, app)).unwrap();
    t.backend().to_string()
}

fn snap_both(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), render(app, 120, 40));
}

#[test]
fn snapshot_every_tab() {
    let mut a = app();
    for (i, name) in [
        "marketplace",
        "sellers",
        "categories",
        "alerts",
        "models",
        "drift",
    ]
    .iter()
    .enumerate()
    {
        a.update(Action::Command(Command::GoTab(i)));
        snap_both(name, &a);
    }
}

#[test]
fn snapshot_seller_drilldown() {
    let mut a = app();
    a.open_seller("S006");
    snap_both("seller_detail", &a);
}

#[test]
fn snapshot_help_overlay() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(SELLERS)));
    a.update(Action::Command(Command::Help));
    snap_both("help_sellers", &a);
}

#[test]
fn snapshot_alert_jump() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(3)));
    a.update(Action::Command(Command::Open));
    snap_both("alert_jump", &a);
}

#[test]
fn snapshot_while_training_and_too_small() {
    let mut a = app_without_models();
    a.update(Action::TrainProgress(12, 41));
    insta::assert_snapshot!("training_80x24", render(&a, 80, 24));
    let text = render(&a, 50, 10);
    assert!(
        text.contains("terminal too small: 50x10 (need 60x16)"),
        "{text}"
    );
}

#[test]
fn snapshot_ascii_mono() {
    let mut a = app();
    a.theme = Theme::new(ColorMode::Auto, true, true);
    insta::assert_snapshot!("marketplace_ascii_80x24", render(&a, 80, 24));
}

#[test]
fn window_key_switches_every_number_to_the_engines_answer() {
    let mut a = app();
    assert_eq!(a.window, Window::Days(30));
    a.update(Action::Command(Command::Window));
    assert_eq!(a.window, Window::Days(90));
    let expected = a.engine.snapshot(Window::Days(90), None).unwrap();
    assert_eq!(a.snap, expected);
    let screen = render(&a, 120, 40);
    assert!(screen.contains("90d"));
    assert!(
        screen.contains(&format!(
            "Orders {}",
            returnrisk_tui::tui::widgets::int(expected.total_orders)
        )),
        "{screen}"
    );
    a.update(Action::Command(Command::Marketplace));
    assert_eq!(
        a.snap,
        a.engine.snapshot(Window::Days(90), Some("M001")).unwrap()
    );
}

#[test]
fn filter_narrows_the_table_and_esc_clears_it() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(SELLERS)));
    let all = views::seller_rows(a.sellers_source(), &a.lists[0]).len();
    a.update(Action::Command(Command::Filter));
    for c in "s006".chars() {
        a.update(Action::FilterChar(c));
    }
    let rows = views::seller_rows(a.sellers_source(), &a.lists[0]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].seller_id, "S006");
    assert!(render(&a, 80, 24).contains("filter: s006"));
    a.update(Action::Command(Command::Back));
    assert_eq!(
        views::seller_rows(a.sellers_source(), &a.lists[0]).len(),
        all
    );
}

#[test]
fn enter_on_an_alert_opens_its_target() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(3)));
    let alerts = a.snap.alerts.clone();
    let seller_at = alerts
        .iter()
        .position(|x| matches!(x.target, Target::Seller(_)))
        .unwrap();
    for _ in 0..seller_at {
        a.update(Action::Command(Command::Down));
    }
    a.update(Action::Command(Command::Open));
    let Target::Seller(id) = &alerts[seller_at].target else {
        unreachable!()
    };
    assert_eq!(&a.detail.as_ref().unwrap().detail.seller_id, id);
    a.update(Action::Command(Command::Back));
    assert!(a.detail.is_none());

    if let Some(cat_at) = alerts
        .iter()
        .position(|x| matches!(x.target, Target::Category(_)))
    {
        a.update(Action::Command(Command::GoTab(3)));
        a.update(Action::Command(Command::Top));
        for _ in 0..cat_at {
            a.update(Action::Command(Command::Down));
        }
        a.update(Action::Command(Command::Open));
        let Target::Category(name) = &alerts[cat_at].target else {
            unreachable!()
        };
        assert_eq!(a.tab, 2);
        let rows = views::category_rows(&a.snap.categories, &a.lists[1]);
        assert_eq!(&rows[a.lists[1].selected].category, name);
    }
}

#[test]
fn sort_keys_order_the_rows() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(SELLERS)));
    let risks: Vec<f64> = views::seller_rows(a.sellers_source(), &a.lists[0])
        .iter()
        .map(|s| s.stats.mean_risk.unwrap())
        .collect();
    assert!(
        risks.windows(2).all(|w| w[0] >= w[1]),
        "default: mean risk descending"
    );
    a.update(Action::Command(Command::Sort));
    let orders: Vec<u64> = views::seller_rows(a.sellers_source(), &a.lists[0])
        .iter()
        .map(|s| s.stats.orders)
        .collect();
    assert!(orders.windows(2).all(|w| w[0] >= w[1]));
    assert!(render(&a, 120, 40).contains("Orders▼"));
    a.update(Action::Command(Command::ReverseSort));
    let orders: Vec<u64> = views::seller_rows(a.sellers_source(), &a.lists[0])
        .iter()
        .map(|s| s.stats.orders)
        .collect();
    assert!(orders.windows(2).all(|w| w[0] <= w[1]));
    assert!(render(&a, 120, 40).contains("Orders▲"));
}

#[test]
fn enter_on_a_category_lists_its_sellers() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(2)));
    let cat = views::category_rows(&a.snap.categories, &a.lists[1])[0]
        .category
        .clone();
    a.update(Action::Command(Command::Open));
    assert_eq!(a.tab, SELLERS);
    let scoped = a.sellers_source();
    let total: u64 = scoped.iter().map(|s| s.stats.orders).sum();
    let cat_orders = a
        .snap
        .categories
        .iter()
        .find(|c| c.category == cat)
        .unwrap()
        .stats
        .orders;
    assert_eq!(
        total, cat_orders,
        "sellers' orders in the category add up to the category"
    );
    assert!(render(&a, 120, 40).contains(&format!("category {cat}")));
    a.update(Action::Command(Command::Back));
    assert!(a.category_scope.is_none());
}

#[test]
fn drilldown_filters_orders() {
    let mut a = app();
    a.open_seller("S006");
    let all = a.detail.as_ref().unwrap().detail.orders.len();
    a.update(Action::Command(Command::OrderStatus));
    let d = a.detail.as_ref().unwrap();
    let rows = views::order_rows(&d.detail.orders, &d.filter, &d.list);
    assert!(rows.len() < all && rows.iter().all(|o| o.status.as_str() == "returned"));
    a.update(Action::Command(Command::OrderPayment));
    let d = a.detail.as_ref().unwrap();
    assert!(
        views::order_rows(&d.detail.orders, &d.filter, &d.list)
            .iter()
            .all(|o| o.payment_method.as_deref() == Some("COD"))
    );
}

#[test]
fn export_writes_the_visible_table() {
    let mut a = app();
    let dir = tempfile::tempdir().unwrap();
    a.export_dir = dir.path().to_path_buf();
    a.update(Action::Command(Command::GoTab(SELLERS)));
    a.update(Action::Command(Command::Export));
    let msg = a.message.clone().unwrap();
    let file = dir.path().join("returnrisk-sellers-30-all.csv");
    assert!(
        msg.starts_with("exported 40 rows to ") && msg.ends_with("returnrisk-sellers-30-all.csv"),
        "{msg}"
    );
    let text = std::fs::read_to_string(file).unwrap();
    assert_eq!(text.lines().count(), 41);
}

#[test]
fn help_and_footer_come_from_one_key_map() {
    let cfg = Config::defaults();
    let km = KeyMap::new(&cfg.keys);
    use returnrisk_tui::tui::keymap::Screen;
    let screens = [
        Screen::default(),
        Screen {
            table: true,
            ..Screen::default()
        },
        Screen {
            table: true,
            detail: true,
            models: false,
        },
        Screen {
            table: true,
            detail: false,
            models: true,
        },
    ];
    for screen in screens {
        let help = km.help(screen);
        for (key, _) in km.footer(screen) {
            assert!(
                help.iter()
                    .any(|(keys, _)| keys.split(' ').any(|k| k == key)),
                "{key} in help"
            );
        }
        // No key is bound twice on one screen.
        let mut seen = std::collections::HashSet::new();
        for b in km.bindings.iter() {
            if screen.active(b.context) {
                for k in &b.keys {
                    assert!(seen.insert(*k), "{k:?} bound twice");
                }
            }
        }
    }
}

#[test]
fn retrain_key_asks_then_starts_background_training_once() {
    let mut a = app();
    // `r` asks first, like promote and rollback; `n` leaves everything as it was.
    a.update(Action::Command(Command::Retrain));
    assert_eq!(
        a.confirm.as_ref().unwrap().prompt,
        "Train a new run and register its models?"
    );
    assert!(!a.retrain_requested);
    a.update(Action::Confirm(false));
    assert!(a.confirm.is_none() && !a.retrain_requested);
    assert_eq!(a.message.as_deref(), Some("cancelled"));
    a.update(Action::Command(Command::Retrain));
    a.update(Action::Confirm(true));
    assert!(a.retrain_requested);
    assert_eq!(
        a.training,
        returnrisk_tui::tui::app::Training::Running(0, 0)
    );
    a.retrain_requested = false;
    // A second press while training does not queue another run.
    a.update(Action::Command(Command::Retrain));
    assert!(!a.retrain_requested);
    // Scores stay on screen while retraining.
    assert!(a.snap.mean_risk.is_some());
}

#[test]
fn mouse_click_on_a_tab_title_switches_tab() {
    let mut a = app();
    let screen = render(&a, 120, 40);
    let tab_row = screen.lines().nth(1).unwrap();
    // Column of "Alerts" on the rendered tab row (the snapshot's text, minus its quote).
    let col = tab_row.find("4 Alerts").unwrap() as u16 - 1;
    a.update(Action::Click(col, 1));
    assert_eq!(a.tab, 3);
    a.update(Action::Click(col, 5));
    assert_eq!(a.tab, 3, "clicks off the tab row do not switch");
}

#[test]
fn every_screen_renders_at_every_size_without_panicking() {
    let mut a = app();
    let sizes = [
        (1, 1),
        (20, 5),
        (59, 15),
        (60, 16),
        (61, 17),
        (80, 24),
        (100, 30),
        (120, 40),
        (200, 60),
    ];
    let screens: [fn(&mut App); 6] = [
        |a| a.update(Action::Command(Command::GoTab(0))),
        |a| a.update(Action::Command(Command::GoTab(1))),
        |a| a.update(Action::Command(Command::GoTab(2))),
        |a| a.update(Action::Command(Command::GoTab(3))),
        |a| a.open_seller("S001"),
        |a| a.update(Action::Command(Command::Help)),
    ];
    for (i, go) in screens.iter().enumerate() {
        go(&mut a);
        for _ in 0..4 {
            a.update(Action::Command(Command::Window));
            for &(cols, rows) in &sizes {
                let text = render(&a, cols, rows);
                assert!(!text.trim().is_empty(), "screen {i} at {cols}x{rows}");
            }
        }
        if a.help {
            a.update(Action::Command(Command::Help));
        }
    }
}

#[test]
fn drift_alert_jumps_to_its_marketplace() {
    let mut a = app();
    let alerts = a.snap.alerts.clone();
    let at = alerts
        .iter()
        .position(|x| x.rule.as_str() == "data_drift")
        .expect("the demo data's injected shift raises a drift alert");
    assert_eq!(alerts[at].target, Target::Marketplace("M002".into()));
    assert!(
        alerts
            .iter()
            .filter(|x| x.rule.as_str() == "data_drift")
            .count()
            == 1,
        "only M002 drifts"
    );
    a.update(Action::Command(Command::GoTab(3)));
    for _ in 0..at {
        a.update(Action::Command(Command::Down));
    }
    a.update(Action::Command(Command::Open));
    assert_eq!((a.tab, a.marketplace_id()), (0, Some("M002")));
    assert_eq!(a.snap, a.engine.snapshot(a.window, Some("M002")).unwrap());
}

#[test]
fn windows_and_marketplaces_cycle_both_ways() {
    let mut a = app();
    assert_eq!(a.window, Window::Days(30));
    a.update(Action::Command(Command::PrevWindow));
    assert_eq!(a.window, Window::Days(7));
    a.update(Action::Command(Command::PrevWindow));
    assert_eq!(a.window, Window::All);
    a.update(Action::Command(Command::Window));
    assert_eq!(a.window, Window::Days(7));
    // all -> the last marketplace -> the one before; forward from there goes back.
    let n = a.engine.data.marketplaces.len() as u16;
    a.update(Action::Command(Command::PrevMarketplace));
    assert_eq!(a.marketplace, Some(n - 1));
    a.update(Action::Command(Command::PrevMarketplace));
    assert_eq!(a.marketplace, Some(n - 2));
    a.update(Action::Command(Command::Marketplace));
    assert_eq!(a.marketplace, Some(n - 1));
    a.update(Action::Command(Command::Marketplace));
    assert_eq!(a.marketplace, None);
    assert_eq!(a.snap.marketplace, "all");
}
