//! A cube built elsewhere, through the binary: `export cube` writes the layout the Spark job
//! writes; `--cube DIR` answers `report`, `brief` and `forecast` from it as from the orders
//! (but for what needs every order), refuses a cube of other bands or models, and the
//! commands that read every order refuse it. The Spark job itself is checked against these
//! by `spark/run.sh`, which the CI runs.

use crate::common;
use common::{json, p, run, stderr};
use serde_json::Value;
use std::path::Path;

/// A day-partitioned generated dataset (8,000 orders, 60 days), trained.
fn trained_lake() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let args = [
        "generate",
        "--out",
        p(d.path()),
        "--orders",
        "8000",
        "--sellers",
        "10",
        "--days",
        "60",
        "--seed",
        "4",
        "--partitioned",
    ];
    let g = run(&args);
    assert!(g.status.success(), "{}", stderr(&g));
    let t = run(&["train", "--data", p(d.path())]);
    assert!(t.status.success(), "{}", stderr(&t));
    d
}

/// [`trained_lake`] with its cube exported to a folder of its own (kept while the second
/// folder lives).
fn lake_with_cube() -> (tempfile::TempDir, tempfile::TempDir, std::path::PathBuf) {
    let d = trained_lake();
    let t = tempfile::tempdir().unwrap();
    let cube = t.path().join("cube");
    json(&["export", "cube", "--data", p(d.path()), "--out", p(&cube)]);
    (d, t, cube)
}

/// `report --format json` with `extra` flags, parsed.
fn report(data: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["report", "--format", "json", "--data", p(data)];
    args.extend_from_slice(extra);
    json(&args)
}

/// Drops what a cube cannot answer: the pending orders' interval and the drift alerts.
fn without_orders_fields(mut r: Value) -> Value {
    let o = r.as_object_mut().unwrap();
    o.remove("pending_returns");
    let alerts = o["alerts"].as_array_mut().unwrap();
    alerts.retain(|a| a["rule"] != "data_drift");
    r
}

#[test]
fn report_from_an_exported_cube_equals_report_on_the_orders() {
    let d = trained_lake();
    let t = tempfile::tempdir().unwrap();
    let cube = t.path().join("cube");
    let summary = json(&["export", "cube", "--data", p(d.path()), "--out", p(&cube)]);
    assert_eq!(summary["orders"], 8000);
    assert!(cube.join("manifest.json").is_file());
    let days = std::fs::read_dir(cube.join("cells")).unwrap().count();
    assert!(days >= 59, "{days} day folders");

    let from_orders = report(d.path(), &["--cube", "none"]);
    let from_cube = report(d.path(), &["--cube", p(&cube)]);
    assert!(from_cube["pending_returns"].is_null());
    assert_eq!(
        without_orders_fields(from_cube.clone()),
        without_orders_fields(from_orders.clone())
    );
    // Every window and a marketplace agree too.
    for w in ["7d", "90d", "all"] {
        let a = report(
            d.path(),
            &["--cube", p(&cube), "--window", w, "--marketplace", "M002"],
        );
        let b = report(
            d.path(),
            &["--cube", "none", "--window", w, "--marketplace", "M002"],
        );
        assert_eq!(without_orders_fields(a), without_orders_fields(b), "{w}");
    }
    // A forecast reads only the cube's days.
    let fa = json(&[
        "forecast",
        "--format",
        "json",
        "--data",
        p(d.path()),
        "--cube",
        p(&cube),
    ]);
    let fb = json(&[
        "forecast",
        "--format",
        "json",
        "--data",
        p(d.path()),
        "--cube",
        "none",
    ]);
    assert_eq!(fa["daily"], fb["daily"]);

    // The data folder's own cube/ is found without --cube, and said so on stderr.
    std::fs::rename(&cube, d.path().join("cube")).unwrap();
    let auto = run(&["report", "--format", "json", "--data", p(d.path())]);
    assert!(auto.status.success(), "{}", stderr(&auto));
    assert!(
        stderr(&auto).contains("answering from the cube in"),
        "{}",
        stderr(&auto)
    );
    let auto: Value = serde_json::from_slice(&auto.stdout).unwrap();
    assert_eq!(
        without_orders_fields(auto),
        without_orders_fields(from_orders)
    );
}

#[test]
fn a_cube_of_other_bands_or_models_and_commands_that_need_orders_are_refused() {
    let (d, _t, cube) = lake_with_cube();

    // Other bands: one line naming the manifest, what differs and how to rebuild.
    let o = run(&[
        "report",
        "--data",
        p(d.path()),
        "--cube",
        p(&cube),
        "--bands",
        "0.3,0.6",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("manifest.json") && e.contains("bands in use are 0.6"),
        "{e}"
    );
    assert!(
        e.contains("export cube") && e.contains("spark-submit"),
        "{e}"
    );
    assert_eq!(e.trim().lines().count(), 1, "{e}");

    // Other models: a new run promoted after the cube was built.
    let manifest = cube.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut m: Value = serde_json::from_str(&text).unwrap();
    m["models"]["global"]["version"] = Value::from(99);
    std::fs::write(&manifest, serde_json::to_string(&m).unwrap()).unwrap();
    let o = run(&["report", "--data", p(d.path()), "--cube", p(&cube)]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("global v99"), "{}", stderr(&o));
    std::fs::write(&manifest, text).unwrap();

    // Commands that read every order say so.
    for cmd in [vec!["drift"], vec!["train"], vec!["seller", "S001"]] {
        let mut args = cmd.clone();
        args.extend(["--data", p(d.path()), "--cube", p(&cube)]);
        let o = run(&args);
        assert!(!o.status.success(), "{cmd:?}");
        assert!(
            stderr(&o).contains("reads every order"),
            "{cmd:?}: {}",
            stderr(&o)
        );
    }

    // The export never replaces a folder.
    let again = run(&["export", "cube", "--data", p(d.path()), "--out", p(&cube)]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("exists"), "{}", stderr(&again));
}

/// The drill-down's orders read from the lake (the data folder's partitions, no scores
/// beside an exported cube) are the engine's own orders of that seller and window: the same
/// ids, dates, categories, prices and statuses, newest first.
#[test]
fn a_sellers_orders_from_the_lake_are_the_ones_the_engine_holds() {
    use returnrisk_tui::engine::{Engine, Window, lake_orders::lake_orders};
    let (d, _t, cube) = lake_with_cube();
    let settings = returnrisk_tui::open::DataSettings::default();
    let from_cube = returnrisk_tui::open::open_cube(&settings, d.path(), &cube).unwrap();
    let table = from_cube.lake_table().expect("the data folder's orders/");
    assert!(!table.scored && table.root.ends_with("orders"));

    let (ds, rep) = returnrisk_tui::data::load_dir(d.path(), &Default::default()).unwrap();
    let engine = Engine::new(ds, rep, Default::default());
    let c = &engine.cube;
    let window = Window::Days(30);
    let days = (window.start_day(c.last_day, c.first_day), c.last_day);
    let fields = |o: &returnrisk_tui::engine::OrderRow| {
        (
            o.order_id.clone(),
            o.date.clone(),
            o.category.clone(),
            o.price,
            o.status,
        )
    };
    for seller in ["S001", "S004", "S010"] {
        let mut ours: Vec<_> = engine
            .seller_detail(seller, window)
            .unwrap()
            .orders
            .iter()
            .map(fields)
            .collect();
        let lake = lake_orders(&from_cube.data, from_cube.bands, &table, seller, days).unwrap();
        assert!(lake.iter().all(|o| o.risk_score.is_none()));
        let mut lake: Vec<_> = lake.iter().map(fields).collect();
        assert!(!lake.is_empty(), "{seller}");
        ours.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        lake.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        assert_eq!(lake, ours, "{seller}");
    }
}

/// `serve --cube` answers as `serve` on the orders: the overview and the sellers (but for
/// what needs every order), a seller's orders read from the lake, and drift refused in words.
#[test]
fn serve_answers_from_a_cube_as_from_the_orders() {
    use common::server::Server;
    let (d, _t, cube) = lake_with_cube();
    let from_orders = Server::start(d.path(), &["--cube", "none"], &[]).ready();
    let from_cube = Server::start(d.path(), &["--cube", p(&cube)], &[]).ready();
    let strip = |mut v: Value| {
        if let Some(o) = v.as_object_mut() {
            o.remove("pending_returns");
            if let Some(alerts) = o.get_mut("alerts").and_then(Value::as_array_mut) {
                alerts.retain(|a| a["rule"] != "data_drift");
            }
        }
        v
    };
    for path in ["/api/v1/marketplace?window=30", "/api/v1/sellers?window=90"] {
        let (sa, a) = from_cube.get(path);
        let (sb, b) = from_orders.get(path);
        assert_eq!((sa, sb), (200, 200), "{path}: {a} {b}");
        assert_eq!(strip(a), strip(b), "{path}");
    }
    let path = "/api/v1/sellers/S001/orders?limit=1000";
    let ((sa, a), (sb, b)) = (from_cube.get(path), from_orders.get(path));
    assert_eq!((sa, sb), (200, 200), "{a}");
    let ids = |v: &Value| -> Vec<String> {
        let mut ids: Vec<String> = v["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["order_id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(a["total"], b["total"]);
    assert!(!ids(&a).is_empty());
    assert_eq!(ids(&a), ids(&b));
    let (status, e) = from_cube.get("/api/v1/drift");
    assert_eq!(status, 503);
    assert!(e.to_string().contains("needs every order"), "{e}");
}

/// The engine of `dir`'s orders with the registry's active models.
fn engine_on_orders(dir: &Path) -> returnrisk_tui::engine::Engine {
    use returnrisk_tui::model::{registry::Registry, store::active_models};
    let (ds, report) = returnrisk_tui::data::load_dir(dir, &Default::default()).unwrap();
    let models = active_models(dir, &Registry::load(dir).unwrap())
        .unwrap()
        .unwrap();
    let bands = returnrisk_tui::config::RiskBands::DEFAULT;
    let prepared = returnrisk_tui::engine::Prepared::new(&ds, models, bands);
    returnrisk_tui::engine::Engine::with_prepared(ds, report, bands, prepared)
}

#[test]
fn the_dashboard_on_an_exported_cube_draws_the_sellers_and_categories_of_the_orders() {
    use common::dashboard::{app_on, render};
    use returnrisk_tui::engine::Window;
    use returnrisk_tui::tui::action::{Action, Command, Effect};
    use returnrisk_tui::tui::tab::Tab;
    let (d, _t, cube) = lake_with_cube();
    let bands = returnrisk_tui::config::RiskBands::DEFAULT;
    let on_cube =
        returnrisk_tui::open::engine_of_cube(d.path(), &cube, bands, Default::default()).unwrap();
    assert!(on_cube.data.orders.is_empty(), "no order loaded");
    let mut apps = [
        app_on(on_cube, Window::Days(30), "lake"),
        app_on(engine_on_orders(d.path()), Window::Days(30), "lake"),
    ];
    for tab in [Tab::Sellers, Tab::Categories] {
        let [a, b] = apps.each_mut().map(|app| {
            app.update(Action::Command(Command::GoTab(tab)));
            render(app, 160, 40)
        });
        // The tables between the header (which names the cube) and the status lines.
        let body = |s: &str| {
            s.lines()
                .skip(3)
                .take(30)
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(body(&a), body(&b), "{tab:?}:\n{a}\n{b}");
        assert!(
            body(&a).concat().contains('%'),
            "{tab:?}: rates drawn:\n{a}"
        );
    }

    // Pending returns read after the first frame land on the cube they were read for only.
    let [on_cube, on_orders] = &mut apps;
    let pending = on_orders.engine.pending.clone();
    assert!(!pending.is_empty() && on_cube.engine.pending.is_empty());
    let other = std::sync::Arc::new((*on_cube.engine.cube).clone());
    on_cube.update(Action::LakePending(other, pending.clone()));
    assert!(
        on_cube.engine.pending.is_empty(),
        "another cube's pending returns"
    );
    let cube = std::sync::Arc::clone(&on_cube.engine.cube);
    on_cube.update(Action::LakePending(cube, pending.clone()));
    assert_eq!(on_cube.engine.pending, pending);

    // Enter on an order the drill-down read from the lake explains it as the orders' own
    // engine does (the same model, contributions and risk); the what-if needs the orders.
    let (seller, window) = ("S004", Window::Days(30));
    on_cube.open_seller(seller);
    let asked = on_cube.update(Action::Tick);
    assert!(asked.iter().any(|e| matches!(e, Effect::LakeOrders { .. })));
    let table = on_cube.engine.lake_table().unwrap();
    let c = &on_cube.engine.cube;
    let days = (window.start_day(c.last_day, c.first_day), c.last_day);
    let rows = returnrisk_tui::engine::lake_orders::lake_orders(
        &on_cube.engine.data,
        bands,
        &table,
        seller,
        days,
    );
    on_cube.update(Action::LakeOrders(seller.into(), window, rows));
    for _ in 0..3 {
        on_cube.update(Action::Command(Command::Down));
    }
    on_cube.update(Action::Command(Command::Open));
    let pane = on_cube.pages.seller.as_ref().unwrap().pane.clone();
    let pane = pane.unwrap_or_else(|| panic!("no pane:\n{}", render(on_cube, 160, 40)));
    let i = on_orders.engine.order_index(&pane.order_id).unwrap();
    let ours = on_orders.engine.explain_order(i, None).unwrap();
    assert_eq!(
        (&pane.base.model, &pane.base.values, &pane.base.explanation),
        (&ours.model, &ours.values, &ours.explanation)
    );
    assert!(pane.base.explanation.is_some());
    let screen = render(on_cube, 160, 40);
    assert!(screen.contains("read from the lake"), "{screen}");
    assert!(
        screen.contains("scores: cube"),
        "the header names the cube:\n{screen}"
    );
    on_cube.update(Action::Command(Command::WhatIf));
    let pane = on_cube
        .pages
        .seller
        .as_ref()
        .unwrap()
        .pane
        .as_ref()
        .unwrap();
    assert!(pane.what_if.is_none(), "no what-if on a cube");
}
