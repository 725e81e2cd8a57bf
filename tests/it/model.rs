//! Models on the committed default data: holdout quality against the Bayes ceiling the
//! generator knows, persistence and reuse, and scoring one order.

use crate::common;

use common::copy_state;
use returnrisk_tui::data::{Dataset, LoadOptions, load_dir};
use returnrisk_tui::model::TrainConfig;
use returnrisk_tui::model::metrics::roc_auc;
use returnrisk_tui::model::store::{Provenance, load_or_train};
use returnrisk_tui::model::{ModelSet, score_dataset};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn default_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The default data copied to a temp dir (so saved models never land in the repo), trained once.
fn trained() -> &'static (PathBuf, Dataset, ModelSet) {
    static T: OnceLock<(PathBuf, Dataset, ModelSet)> = OnceLock::new();
    T.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        for f in ["orders.csv", "sellers.csv", "ground_truth.csv"] {
            std::fs::copy(default_data().join(f), dir.join(f)).unwrap();
        }
        let (ds, _) = load_dir(&dir, &LoadOptions::strict()).unwrap();
        let (set, prov) = load_or_train(&ds, &TrainConfig::default(), false, &|_| {}).unwrap();
        assert!(matches!(prov, Provenance::Trained { .. }), "{prov:?}");
        (dir, ds, set)
    })
}

#[test]
fn global_model_is_within_003_of_bayes_auc_on_its_holdout() {
    let (dir, ds, set) = trained();
    let truth: HashMap<String, f64> = std::fs::read_to_string(dir.join("ground_truth.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let (id, p) = l.split_once(',').unwrap();
            (id.to_string(), p.parse().unwrap())
        })
        .collect();
    let test_start = set.global.metrics.test_start.clone().unwrap();
    let start = returnrisk_tui::data::date_to_day(
        chrono::NaiveDate::parse_from_str(&test_start, "%Y-%m-%d").unwrap(),
    );
    let o = &ds.orders;
    let rows: Vec<usize> = (0..o.len())
        .filter(|&i| o.day[i] >= start && o.returned[i].is_some())
        .collect();
    assert_eq!(rows.len(), set.global.metrics.n_test);
    let y: Vec<bool> = rows.iter().map(|&i| o.returned[i] == Some(true)).collect();
    let p_true: Vec<f64> = rows.iter().map(|&i| truth[&o.id[i]]).collect();
    let bayes = roc_auc(&y, &p_true).unwrap();
    let model = set.global.metrics.roc_auc.unwrap();
    eprintln!("global holdout ROC AUC {model:.4}, Bayes {bayes:.4}");
    assert!(bayes - model <= 0.03, "model {model} vs Bayes {bayes}");
    assert!(
        model <= bayes + 0.01,
        "a model cannot beat the truth by much: {model} vs {bayes}"
    );
}

#[test]
fn metrics_are_complete_and_thresholds_are_not_blind() {
    let (_, _, set) = trained();
    let g = &set.global.metrics;
    assert!(g.n_train > 30_000 && g.n_test > 5_000);
    assert!(
        g.threshold < 0.5,
        "max-F1 threshold at a ~20% base rate sits below 0.5: {}",
        g.threshold
    );
    assert!(g.recall.unwrap() > 0.3, "recall {:?}", g.recall);
    for m in set.all_metrics() {
        for v in [
            m.roc_auc,
            m.pr_auc,
            m.brier,
            m.accuracy,
            m.precision,
            m.recall,
            m.f1,
        ]
        .into_iter()
        .flatten()
        {
            assert!(
                v.is_finite() && (0.0..=1.0).contains(&v),
                "{}: {v}",
                m.model
            );
        }
        assert_eq!(m.test_start, g.test_start, "one time cutoff for all models");
    }
    // Some sellers score with their own model, each only because it was not worse than the
    // global one on the seller's holdout (the registry's default rule, first run).
    assert!(!set.sellers.is_empty());
    for m in set.sellers.values() {
        assert!(m.active);
        assert!(m.metrics.brier.unwrap() <= m.metrics.global_brier.unwrap());
    }
}

#[test]
fn saved_models_are_reused_and_score_identically() {
    let (_, ds, set) = trained();
    let (again, prov) = load_or_train(ds, &TrainConfig::default(), false, &|_| {
        panic!("must not retrain")
    })
    .unwrap();
    assert_eq!(prov, Provenance::Reused);
    assert!(&again == set, "reloaded models differ from the saved ones");
    let a = score_dataset(ds, set);
    let b = score_dataset(ds, &again);
    assert_eq!(a.risk, b.risk);
}

#[test]
fn changed_data_means_retraining() {
    let (dir, _, _) = trained();
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(dir.join("sellers.csv"), copy.path().join("sellers.csv")).unwrap();
    // Drop the last 2000 orders: a different fingerprint.
    let text = std::fs::read_to_string(dir.join("orders.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(
        copy.path().join("orders.csv"),
        lines[..lines.len() - 2000].join("\n"),
    )
    .unwrap();
    copy_state(dir, copy.path());
    let (ds, _) = load_dir(copy.path(), &LoadOptions::default()).unwrap();
    let cfg = TrainConfig {
        forest: returnrisk_tui::model::forest::ForestParams {
            n_trees: 5,
            ..Default::default()
        },
        ..TrainConfig::default()
    };
    let (_, prov) = load_or_train(&ds, &cfg, false, &|_| {}).unwrap();
    assert!(matches!(prov, Provenance::Trained { .. }), "{prov:?}");
}

#[test]
fn every_order_is_scored_with_a_probability() {
    let (_, ds, set) = trained();
    let s = score_dataset(ds, set);
    assert_eq!(s.risk.len(), ds.orders.len());
    assert!(s.risk.iter().all(|r| (0.0..=1.0).contains(r)));
    // Pending orders are scored too.
    let pending: Vec<usize> = (0..ds.orders.len())
        .filter(|&i| ds.orders.returned[i].is_none())
        .collect();
    assert!(!pending.is_empty());
    let mean_pending = pending.iter().map(|&i| s.risk[i]).sum::<f64>() / pending.len() as f64;
    assert!(mean_pending > 0.05 && mean_pending < 0.6, "{mean_pending}");
}

#[test]
fn damaged_active_models_are_an_error_until_training_is_asked_for() {
    let (dir, _, set) = trained();
    let copy = tempfile::tempdir().unwrap();
    for f in ["orders.csv", "sellers.csv"] {
        std::fs::copy(dir.join(f), copy.path().join(f)).unwrap();
    }
    copy_state(dir, copy.path());
    let (ds, _) = load_dir(copy.path(), &LoadOptions::default()).unwrap();
    let run_id = &set.versions["global"].run_id;
    let path = returnrisk_tui::model::runs::runs_dir(copy.path())
        .join(run_id)
        .join("models.bin");
    // A well-formed file whose first tree splits on a feature the encoder lacks: never walked.
    let mut bad = returnrisk_tui::model::runs::load_run_models(copy.path(), run_id).unwrap();
    bad.global.forest.trees[0].nodes[0].feature = 60_000;
    let bytes = returnrisk_tui::model::artifact::encode(&bad).unwrap();
    std::fs::write(&path, bytes).unwrap();
    assert!(returnrisk_tui::model::runs::load_run_models(copy.path(), run_id).is_err());
    // Truncated file: also refused.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert!(returnrisk_tui::model::runs::load_run_models(copy.path(), run_id).is_err());
    // Loading does not retrain behind the user's back: an error names the model, version,
    // file and what to do.
    let cfg = TrainConfig {
        forest: returnrisk_tui::model::forest::ForestParams {
            n_trees: 5,
            ..Default::default()
        },
        ..TrainConfig::default()
    };
    let err = load_or_train(&ds, &cfg, false, &|_| panic!("must not train"))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("active model global v1: {}: ", path.display())),
        "{err}"
    );
    assert!(err.contains("models rollback global") && err.contains("`returnrisk-tui train`"));
    // Training when asked: a new run replaces the unreadable active version.
    let (fresh, prov) = load_or_train(&ds, &cfg, true, &|_| {}).unwrap();
    let Provenance::Trained { registered, .. } = prov else {
        panic!("expected a new run, got {prov:?}")
    };
    let global = registered.iter().find(|r| r.model == "global").unwrap();
    assert!(
        global.promoted && global.reason.contains("cannot be read"),
        "{global:?}"
    );
    assert_eq!(fresh.versions["global"].version, 2);
    assert!(set.global.forest.is_valid(set.global.encoder.width()));
}
