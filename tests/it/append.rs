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
    let moves = generated_with_days_held(d.path(), 1);
    let (held, last) = &moves[0];

    let opts = Default::default();
    let bands = RiskBands::DEFAULT;
    let (before, report, _) = cache::load(d.path(), &opts).unwrap();
    let (models, _) = load_or_train(&before, &TrainConfig::default(), false, &|_| {}).unwrap();
    let prepared = Prepared::new(&before, models.clone(), bands);
    let engine = Engine::with_prepared(before, report, bands, prepared);
    let base = engine.append_base();

    // The day lands, fresh; the cached dataset is extended by its part alone.
    std::fs::rename(held, last).unwrap();
    let part = std::fs::read_dir(last)
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

/// Generates partitioned data into `dir` with its last `held` days moved aside (returned,
/// with where each goes back), every file an hour old.
fn generated_with_days_held(
    dir: &std::path::Path,
    held: usize,
) -> Vec<(std::path::PathBuf, std::path::PathBuf)> {
    let args = [
        "generate",
        "--out",
        p(dir),
        "--orders",
        "6000",
        "--sellers",
        "8",
        "--days",
        "40",
        "--seed",
        "4",
        "--partitioned",
    ];
    let g = run(&args);
    assert!(g.status.success(), "{}", stderr(&g));
    let mut days: Vec<_> = std::fs::read_dir(dir.join("orders"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    days.sort();
    let moves: Vec<_> = days
        .split_off(days.len() - held)
        .into_iter()
        .enumerate()
        .map(|(k, day)| (dir.join(format!("held{k}")), day))
        .collect();
    for (aside, day) in &moves {
        std::fs::rename(day, aside).unwrap();
    }
    age_all(dir);
    moves
}

/// The engine of `dir` read as the dashboard reads it (through the dataset cache) with models
/// trained on it and changed by `edit` first; and those models.
fn engine_through_the_cache(
    dir: &std::path::Path,
    edit: impl FnOnce(&mut returnrisk_tui::model::ModelSet),
) -> (Engine, returnrisk_tui::model::ModelSet) {
    let (before, report, _) = cache::load(dir, &Default::default()).unwrap();
    let (mut models, _) = load_or_train(&before, &TrainConfig::default(), false, &|_| {}).unwrap();
    edit(&mut models);
    let prepared = Prepared::new(&before, models.clone(), RiskBands::DEFAULT);
    let engine = Engine::with_prepared(before, report, RiskBands::DEFAULT, prepared);
    (engine, models)
}

/// The engine of `dir`'s files read in full, with `models`.
fn engine_of_files(dir: &std::path::Path, models: &returnrisk_tui::model::ModelSet) -> Engine {
    let (data, report) = returnrisk_tui::data::load_dir(dir, &Default::default()).unwrap();
    let prepared = Prepared::new(&data, models.clone(), RiskBands::DEFAULT);
    Engine::with_prepared(data, report, RiskBands::DEFAULT, prepared)
}

/// Whether two engines hold the same orders, scores, cube and pending returns.
fn same_engine(a: &Engine, b: &Engine) -> bool {
    let (sa, sb) = (a.scores.as_deref().unwrap(), b.scores.as_deref().unwrap());
    *a.data == *b.data
        && sa.risk == sb.risk
        && sa.own_model == sb.own_model
        && *a.cube == *b.cube
        && a.pending == b.pending
}

#[test]
fn new_days_read_onto_the_orders_in_memory_give_the_engine_a_full_load_gives() {
    let d = tempfile::tempdir().unwrap();
    let moves = generated_with_days_held(d.path(), 2);
    let opts = Default::default();
    let (engine, models) = engine_through_the_cache(d.path(), |_| {});
    let base = engine.append_base();
    assert!(
        base.append_new_parts(&opts).unwrap().is_none(),
        "nothing new"
    );

    std::fs::rename(&moves[0].0, &moves[0].1).unwrap();
    let one = base.append_new_parts(&opts).unwrap().expect("an append");
    assert!(same_engine(&one, &engine_of_files(d.path(), &models)));

    std::fs::rename(&moves[1].0, &moves[1].1).unwrap();
    let two = one
        .append_base()
        .append_new_parts(&opts)
        .unwrap()
        .expect("an append");
    let full = engine_of_files(d.path(), &models);
    assert!(same_engine(&two, &full), "the second day, written in place");
    assert!(same_engine(
        &one,
        &engine_of_files_but_last(d.path(), &models, &moves[1])
    ));
    // Both days onto the first engine again: its columns were grown past, so they are copied.
    let both = base.append_new_parts(&opts).unwrap().expect("an append");
    assert!(
        same_engine(&both, &full),
        "two days at once, from the first engine"
    );
    assert!(same_engine(&two, &full), "the other branch is untouched");

    // The cache written from the appended orders is the full load's.
    assert!(cache::store(&two.data, &two.load_report, &opts));
    let (cached, _, source) = cache::load(d.path(), &opts).unwrap();
    assert_eq!((source, &cached), (cache::Source::Cache, &*full.data));

    // Another change than new days: not an append.
    let sellers = d.path().join("sellers.csv");
    let text = std::fs::read_to_string(&sellers).unwrap();
    std::fs::write(&sellers, text.replacen("S", "Z", 1)).unwrap();
    assert!(two.append_base().append_new_parts(&opts).unwrap().is_none());
}

/// [`engine_of_files`] with `day` moved aside for the read.
fn engine_of_files_but_last(
    dir: &std::path::Path,
    models: &returnrisk_tui::model::ModelSet,
    (aside, day): &(std::path::PathBuf, std::path::PathBuf),
) -> Engine {
    std::fs::rename(day, aside).unwrap();
    let engine = engine_of_files(dir, models);
    std::fs::rename(aside, day).unwrap();
    engine
}

#[test]
fn drift_after_appends_reads_the_reference_back_and_equals_a_full_report() {
    use returnrisk_tui::drift::report::{drift_reports, drift_reports_keeping};
    use returnrisk_tui::model::VersionRef;
    let d = tempfile::tempdir().unwrap();
    let moves = generated_with_days_held(d.path(), 2);
    let opts = Default::default();
    let version = |version| VersionRef {
        version,
        run_id: "r".into(),
    };
    let (engine, mut models) = engine_through_the_cache(d.path(), |m| {
        m.versions.insert("global".into(), version(1));
    });
    let windows = [30, 7];
    let json = |r: &[returnrisk_tui::drift::report::DriftReport]| serde_json::to_string(r).unwrap();
    let full = |e: &Engine| {
        let (m, s) = (e.models.as_deref(), e.scores.as_deref());
        json(&drift_reports(&e.data, m, s, &windows, None).unwrap())
    };
    let keeping = |e: &Engine, m: &returnrisk_tui::model::ModelSet| {
        let s = e.scores.as_deref().unwrap();
        json(&drift_reports_keeping(
            &e.data,
            m,
            s,
            &windows,
            &e.drift_reference,
        ))
    };

    std::fs::rename(&moves[0].0, &moves[0].1).unwrap();
    let one = engine
        .append_base()
        .append_new_parts(&opts)
        .unwrap()
        .unwrap();
    assert!(one.drift_reference.kept().is_none());
    assert_eq!(keeping(&one, &models), full(&one));
    let kept = one.drift_reference.kept().expect("the reference kept");
    assert!(kept.bytes() > 0);

    std::fs::rename(&moves[1].0, &moves[1].1).unwrap();
    let two = one.append_base().append_new_parts(&opts).unwrap().unwrap();
    let second = keeping(&two, &models);
    let now = two.drift_reference.kept().unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&kept, &now),
        "read back, not taken again"
    );
    assert_eq!(second, full(&two), "bit for bit a full report's");
    assert_ne!(second, keeping(&one, &models), "the current windows moved");

    // Other models: their own reference (the predicted risk is theirs).
    models.versions.insert("global".into(), version(2));
    keeping(&two, &models);
    let other = two.drift_reference.kept().unwrap();
    assert!(!std::sync::Arc::ptr_eq(&kept, &other));
}
