//! A day landing in a running engine: the appended engine (new orders scored by the models
//! in use, the cube extended by them alone) equals an engine built on all the data with the
//! same models, and the dashboard shows it at once without training.

use crate::common;
use common::{p, run, stderr};
use returnrisk_tui::config::RiskBands;
use returnrisk_tui::data::cache;
use returnrisk_tui::engine::{Engine, Prepared, Window};
use returnrisk_tui::model::TrainConfig;
use returnrisk_tui::model::store::load_or_train;

#[test]
fn an_appended_day_gives_the_engine_a_full_load_gives() {
    let d = tempfile::tempdir().unwrap();
    let args = [
        "generate",
        "--out",
        p(d.path()),
        "--orders",
        "6000",
        "--sellers",
        "8",
        "--days",
        "40",
        "--seed",
        "9",
        "--partitioned",
    ];
    let g = run(&args);
    assert!(g.status.success(), "{}", stderr(&g));
    let orders = d.path().join("orders");
    let mut days: Vec<_> = std::fs::read_dir(&orders)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    days.sort();
    let last = days.pop().unwrap();
    let held = d.path().join("held");
    std::fs::rename(&last, &held).unwrap();

    // Files an hour old, so the dataset cache trusts their stamps (a new day lands later).
    age_all(d.path());
    let opts = Default::default();
    let bands = RiskBands::DEFAULT;
    let (before, report, _) = cache::load(d.path(), &opts).unwrap();
    let (models, _) = load_or_train(&before, &TrainConfig::default(), false, &|_| {}).unwrap();
    let prepared = Prepared::new(&before, models.clone(), bands);
    let engine = Engine::with_prepared(before, report, bands, prepared);
    let base = engine.append_base();

    // The day lands, fresh; the cached dataset is extended by its part alone.
    std::fs::rename(&held, &last).unwrap();
    let part = std::fs::read_dir(&last)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::File::options()
        .append(true)
        .open(&part)
        .unwrap()
        .set_modified(std::time::SystemTime::now())
        .unwrap();
    let (after, report, source) = cache::load(d.path(), &opts).unwrap();
    assert_eq!(source, cache::Source::Appended);
    let n = after.orders.len();
    let Ok(appended) = base.appended(after.clone(), report.clone()) else {
        panic!("an append");
    };

    let whole = Prepared::new(&after, models, bands);
    let whole = Engine::with_prepared(after, report, bands, whole);
    assert!(n > engine.data.orders.len());
    let (sa, sb) = (
        appended.scores.as_deref().unwrap(),
        whole.scores.as_deref().unwrap(),
    );
    assert!(
        sa.risk == sb.risk && sa.own_model == sb.own_model,
        "the same scores"
    );
    assert!(
        *appended.cube == *whole.cube,
        "the extended cube is the built one"
    );
    assert_eq!(appended.pending, whole.pending);
    for w in [Window::Days(7), Window::Days(30), Window::All] {
        let a = serde_json::to_value(appended.snapshot_at(w, None)).unwrap();
        let mut b = serde_json::to_value(whole.snapshot_at(w, None)).unwrap();
        // Drift is recomputed after an append, off the critical path: compare without it.
        let drop_drift = |v: &mut serde_json::Value| {
            let alerts = v["alerts"].as_array_mut().unwrap();
            alerts.retain(|a| a["rule"] != "data_drift");
        };
        let mut a = a;
        drop_drift(&mut a);
        drop_drift(&mut b);
        assert_eq!(a, b, "{w}");
    }

    // Not an append (other orders first): the data comes back for a full load.
    let (first, report, _) = cache::load(d.path(), &opts).unwrap();
    let again = appended.append_base();
    assert!(
        again.appended(first, report).is_err(),
        "the same data is no append"
    );
}

/// Dates every file under `dir` an hour back.
fn age_all(dir: &std::path::Path) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            age_all(&path);
        } else {
            let file = std::fs::File::options().append(true).open(&path).unwrap();
            file.set_modified(then).unwrap();
        }
    }
}
