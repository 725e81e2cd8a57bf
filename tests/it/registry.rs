//! The run store and the registry on a small generated dataset: the not-worse rule (checked
//! against the metrics recomputed from the stored holdout predictions), promote, rollback,
//! run comparison, and what a crash between a temp write and its rename leaves behind.

use crate::common;

use common::{bin, stderr};
use returnrisk_tui::data::generate::{GenerateOptions, generate};
use returnrisk_tui::data::{Dataset, LoadOptions, load_dir};
use returnrisk_tui::model::TrainConfig;
use returnrisk_tui::model::compare::compare;
use returnrisk_tui::model::forest::ForestParams;
use returnrisk_tui::model::metrics::brier;
use returnrisk_tui::model::register::active_set;
use returnrisk_tui::model::registry::{Registry, RegistryError};
use returnrisk_tui::model::runs::{list_runs, load_run, runs_dir};
use returnrisk_tui::model::store::{Provenance, load_or_train};
use returnrisk_tui::util::CRASH_EXIT_CODE;
use std::collections::HashMap;
use std::path::Path;

fn small_dataset() -> (tempfile::TempDir, Dataset) {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        orders: 6000,
        sellers: 8,
        days: 100,
        seed: 3,
        ..GenerateOptions::default()
    };
    generate(dir.path(), &opts, &mut |_| {}).unwrap();
    let (ds, _) = load_dir(dir.path(), &LoadOptions::default()).unwrap();
    (dir, ds)
}

fn cfg(trees: usize, depth: u16, seed: u64) -> TrainConfig {
    TrainConfig {
        forest: ForestParams {
            n_trees: trees,
            max_depth: depth,
            seed,
            ..ForestParams::default()
        },
        min_seller_orders: 150,
        min_seller_returns: 10,
        ..TrainConfig::default()
    }
}

fn train(ds: &Dataset, c: &TrainConfig, force: bool) -> (String, Provenance) {
    let (_, prov) = load_or_train(ds, c, force, &|_| {}).unwrap();
    let id = match &prov {
        Provenance::Trained { run_id, .. } => run_id.clone(),
        other => panic!("expected a new run, got {other:?}"),
    };
    (id, prov)
}

/// Brier score of `model` recomputed from a run's holdout.csv.
fn holdout_brier(dir: &Path, run: &str, model: &str) -> f64 {
    let text = std::fs::read_to_string(runs_dir(dir).join(run).join("holdout.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("Order_ID,model,risk_score,Returned"));
    let (y, p): (Vec<bool>, Vec<f64>) = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[1] == model)
        .map(|f| (f[3] == "1", f[2].parse::<f64>().unwrap()))
        .unzip();
    brier(&y, &p).unwrap()
}

#[test]
fn a_worse_version_stays_candidate_until_promoted_and_rollback_restores() {
    let (dir, ds) = small_dataset();
    let d = dir.path();
    let (run1, _) = train(&ds, &cfg(30, 12, 7), false);
    // Same data again with a crippled forest (one stump): worse on the same holdout.
    let (run2, prov) = train(&ds, &cfg(1, 1, 7), true);
    let Provenance::Trained { registered, .. } = prov else {
        unreachable!()
    };
    let g2 = registered.iter().find(|r| r.model == "global").unwrap();
    assert_eq!(g2.version, 2);
    assert!(!g2.promoted, "{g2:?}");
    assert!(
        g2.reason.contains("worse, kept as candidate"),
        "{}",
        g2.reason
    );

    // The decision matches the stored holdout predictions: same data, same holdout orders, so
    // the incumbent's score on run 2's holdout is its own holdout Brier score (to 1e-6 from
    // the CSV's six decimals).
    let reg = Registry::load(d).unwrap();
    let v2 = reg.models["global"].version(2).unwrap();
    let incumbent = v2.incumbent.as_ref().unwrap();
    assert_eq!((incumbent.model.as_str(), incumbent.version), ("global", 1));
    let b1 = holdout_brier(d, &run1, "global");
    let b2 = holdout_brier(d, &run2, "global");
    assert!((incumbent.score.brier.unwrap() - b1).abs() < 1e-5);
    assert!((v2.score.brier.unwrap() - b2).abs() < 1e-5);
    assert!(b2 > b1);
    assert_eq!(reg.models["global"].active, Some(1));

    // Promote by hand: the active set now scores with run 2's global forest.
    let mut reg = reg;
    reg.promote("global", 2).unwrap();
    reg.save(d).unwrap();
    let (set, _) = active_set(d, &reg).unwrap().unwrap();
    assert_eq!(set.versions["global"].run_id, run2);
    let run2_models = returnrisk_tui::model::runs::load_run_models(d, &run2).unwrap();
    assert_eq!(set.global, run2_models.global);

    // Roll back: version 1 again; nothing earlier to return to after that.
    assert_eq!(reg.rollback("global").unwrap(), Some(1));
    assert!(matches!(
        reg.rollback("global"),
        Err(RegistryError::GlobalRequired)
    ));
    assert!(matches!(
        reg.promote("global", 9),
        Err(RegistryError::UnknownVersion { .. })
    ));
    assert!(matches!(
        reg.promote("nope", 1),
        Err(RegistryError::UnknownModel(_))
    ));

    // A seller model promoted by hand scores its seller; rolled back, the global model does.
    let seller = reg
        .models
        .keys()
        .find(|k| *k != "global")
        .cloned()
        .expect("sellers with their own models");
    reg.models.get_mut(&seller).unwrap().active = None;
    reg.models.get_mut(&seller).unwrap().history.clear();
    reg.promote(&seller, 1).unwrap();
    let (set, _) = active_set(d, &reg).unwrap().unwrap();
    assert_eq!(set.model_for(&seller).1, seller);
    assert_eq!(reg.rollback(&seller).unwrap(), None);
    assert!(matches!(
        reg.rollback(&seller),
        Err(RegistryError::NoHistory(_))
    ));
    reg.save(d).unwrap();
    let (set, _) = active_set(d, &reg).unwrap().unwrap();
    assert!(!set.sellers.contains_key(&seller));
    assert_eq!(set.model_for(&seller).1, "global");

    // A tolerance wide enough lets the next crippled version through.
    reg.rule.tolerance = 1.0;
    reg.save(d).unwrap();
    let (_, prov) = train(&ds, &cfg(1, 1, 8), true);
    let Provenance::Trained { registered, .. } = prov else {
        unreachable!()
    };
    let g3 = registered.iter().find(|r| r.model == "global").unwrap();
    assert!(g3.promoted && g3.version == 3, "{g3:?}");
}

#[test]
fn unchanged_data_reuses_the_active_models_and_new_parameters_train_anew() {
    let (dir, ds) = small_dataset();
    let (run, _) = train(&ds, &cfg(20, 10, 7), false);
    let (set, prov) =
        load_or_train(&ds, &cfg(20, 10, 7), false, &|_| panic!("must not retrain")).unwrap();
    assert_eq!(prov, Provenance::Reused);
    assert_eq!(set.versions["global"].run_id, run);
    // A different configuration is a new run.
    let (_, prov) = load_or_train(&ds, &cfg(21, 10, 7), false, &|_| {}).unwrap();
    assert!(matches!(prov, Provenance::Trained { .. }));
    assert_eq!(list_runs(dir.path()).0.len(), 2);
}

#[test]
fn run_comparison_lists_changed_parameters_and_metric_deltas() {
    let (dir, ds) = small_dataset();
    let (a, _) = train(&ds, &cfg(20, 10, 7), false);
    let (b, _) = train(&ds, &cfg(5, 4, 7), true);
    let (ra, rb) = (
        load_run(dir.path(), &a).unwrap(),
        load_run(dir.path(), &b).unwrap(),
    );
    let c = compare(&ra, &rb);
    assert!(c.same_data);
    let changed: HashMap<&str, (&str, &str)> = c
        .params
        .iter()
        .map(|p| (p.name.as_str(), (p.a.as_str(), p.b.as_str())))
        .collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert_eq!(changed["trees"], ("20", "5"));
    assert_eq!(changed["max_depth"], ("10", "4"));
    let g = |run: &returnrisk_tui::model::runs::RunRecord| {
        run.model("global").unwrap().metrics.roc_auc.unwrap()
    };
    let auc = c
        .metrics
        .iter()
        .find(|m| m.model == "global" && m.metric == "roc_auc")
        .unwrap();
    assert_eq!(auc.a, Some(g(&ra)));
    assert_eq!(auc.delta, Some(g(&rb) - g(&ra)));
    // Same data and seller thresholds: the same models on both sides.
    assert!(c.only_in_a.is_empty() && c.only_in_b.is_empty());
    assert_eq!(c.metrics.len(), ra.models.len() * 7);
}

#[test]
fn a_crash_between_temp_write_and_rename_leaves_runs_and_registry_intact() {
    let (dir, ds) = small_dataset();
    let d = dir.path();
    train(&ds, &cfg(20, 10, 7), false);
    let registry_before = std::fs::read(d.join(".returnrisk/registry.json")).unwrap();
    let runs_before = list_runs(d).0;
    let data = d.to_str().unwrap();

    // A promotion killed after writing the registry's temp file, before the rename.
    let out = bin()
        .args(["models", "promote", "global", "1", "--data", data])
        .env("RETURNRISK_CRASH_AT", "before-rename")
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the fault hook must stop the process"
    );
    let temps: Vec<_> = std::fs::read_dir(d.join(".returnrisk"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert_eq!(temps.len(), 1, "the temp file was written");
    assert_eq!(
        std::fs::read(d.join(".returnrisk/registry.json")).unwrap(),
        registry_before
    );

    // A training run killed after writing its files, before the directory rename.
    let out = bin()
        .args(["train", "--data", data])
        .env("RETURNRISK_CRASH_AT", "before-run-rename")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(CRASH_EXIT_CODE), "{}", stderr(&out));
    let hidden = std::fs::read_dir(runs_dir(d))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
        .count();
    assert_eq!(hidden, 1, "the half run stays hidden");
    let (runs_after, damaged) = list_runs(d);
    assert!(damaged.is_empty());
    assert_eq!(runs_after, runs_before);
    let reg = Registry::load(d).unwrap();
    assert_eq!(
        std::fs::read(d.join(".returnrisk/registry.json")).unwrap(),
        registry_before
    );
    assert!(active_set(d, &reg).unwrap().is_some());

    // Everything still works afterwards: the same promotion, not interrupted, lands.
    let out = bin()
        .args(["models", "promote", "global", "1", "--data", data])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(Registry::load(d).unwrap().revision, reg.revision + 1);
}

#[test]
fn prune_keeps_the_newest_and_every_run_rollback_may_need() {
    let (dir, ds) = small_dataset();
    let d = dir.path();
    let (run1, _) = train(&ds, &cfg(20, 10, 7), false);
    // Two crippled runs: their global versions stay candidates.
    let (run2, _) = train(&ds, &cfg(1, 1, 7), true);
    let (run3, _) = train(&ds, &cfg(1, 1, 8), true);
    let mut reg = Registry::load(d).unwrap();
    assert_eq!(reg.models["global"].active_version().unwrap().run_id, run1);
    // Make run 2 hold nothing the registry needs: no active or previously active version
    // (a seller model of run 2 that won goes back to its run 1 version, or to the global).
    for e in reg.models.values_mut() {
        e.history.clear();
        if e.active_version().is_some_and(|v| v.run_id == run2) {
            e.active = e
                .versions
                .iter()
                .find(|v| v.run_id == run1)
                .map(|v| v.version);
        }
    }
    reg.save(d).unwrap();
    let report = returnrisk_tui::model::prune::prune(d, &mut reg, 1).unwrap();
    assert_eq!(report.deleted, vec![run2.clone()]);
    assert!(report.kept.contains(&run1) && report.kept.contains(&run3));
    assert!(report.freed_bytes > 0);
    assert!(!runs_dir(d).join(&run2).exists());
    let on_disk = Registry::load(d).unwrap();
    assert_eq!(on_disk, reg);
    // The pruned global version cannot come back; the kept ones still assemble.
    let err = reg.promote("global", 2).unwrap_err();
    assert!(err.to_string().contains("was pruned"), "{err}");
    assert!(active_set(d, &reg).unwrap().is_some());
    // Nothing left to prune: no write, no revision change.
    let rev = reg.revision;
    let again = returnrisk_tui::model::prune::prune(d, &mut reg, 1).unwrap();
    assert!(again.deleted.is_empty());
    assert_eq!(Registry::load(d).unwrap().revision, rev);
}

#[test]
fn training_unchanged_data_again_registers_nothing_and_leaves_the_run_prunable() {
    let (dir, _) = small_dataset();
    let d = common::p(dir.path());
    let train_json = || {
        let out = common::run_on(d, &["train", "--format", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let global = common::trained_global;
    let first = train_json();
    assert_eq!(global(&first)["version"], 1);
    let versions_after_first = Registry::load(dir.path()).unwrap().models["global"]
        .versions
        .len();
    let (second, third) = (train_json(), train_json());
    for run in [&second, &third] {
        let g = global(run);
        assert_eq!(g["unchanged"], true, "{g}");
        assert_eq!(
            (g["version"].clone(), g["active"].clone()),
            (1.into(), true.into())
        );
        let why = g["decision"].as_str().unwrap();
        assert!(why.starts_with("identical to active v1 on all"), "{why}");
        // Every seller model of the run is the same as well.
        for m in run["models"].as_array().unwrap() {
            assert_eq!(m["unchanged"], true, "{m}");
        }
    }
    let reg = Registry::load(dir.path()).unwrap();
    assert_eq!(reg.models["global"].versions.len(), versions_after_first);
    assert_eq!(
        reg.models["global"].active_version().unwrap().run_id,
        first["run_id"]
    );
    assert!(reg.models.values().all(|e| e.history.is_empty()));
    // Only the first run is needed: keeping the newest one deletes the second.
    let out = common::run_on(d, &["runs", "prune", "--keep", "1", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["deleted"],
        serde_json::json!([second["run_id"]]),
        "{report}"
    );
    let (runs, _) = list_runs(dir.path());
    assert_eq!(runs.len(), 2);
    // The table says so in words.
    let out = common::run_on(d, &["train"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("unchanged") && text.contains("identical to active v1"),
        "{text}"
    );
}
