//! Training: a global forest over all labelled orders and one per seller with enough of them,
//! each split by time (train on older orders, evaluate on the most recent ones), trained in
//! parallel on all cores, with progress reported as models finish.

use super::features::{FeatureEncoder, FeatureMatrix};
use super::forest::{self, ForestError};
use super::importance::{self, Prepared, permutation_importance};
use super::metrics::{at_threshold, average_precision, best_f1_threshold, brier, roc_auc};
use super::{GLOBAL, ModelMetrics, ModelSet, SellerDrivers, TrainedModel};
use crate::data::{Dataset, day_str};
use crate::model::TrainConfig;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Version of the saved model file; bump when [`ModelSet`] changes shape.
pub const FORMAT_VERSION: u32 = 4;

/// Progress of a training run, sent as each model finishes.
#[derive(Clone, Debug)]
pub struct TrainProgress {
    /// Models finished.
    pub done: usize,
    /// Models in the run.
    pub total: usize,
    /// The model that just finished.
    pub model: String,
}

/// Why training could not run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Too few labelled orders, or all on one day, for a time split.
    #[error("not enough labelled orders to train: {0}")]
    NotEnoughData(String),
    /// The forest library failed.
    #[error(transparent)]
    Forest(#[from] ForestError),
}

/// Rows of a time split: train strictly before `test_start_day`, test from it on.
#[derive(Clone, Debug)]
pub struct TimeSplit {
    /// Training rows, oldest first.
    pub train: Vec<usize>,
    /// Holdout rows, oldest first.
    pub test: Vec<usize>,
    /// First holdout day.
    pub test_start_day: i32,
}

/// Splits labelled `rows` by time so that about `test_fraction` of them (the most recent,
/// whole days) form the holdout. `None` when either side would be empty.
pub fn time_split(ds: &Dataset, rows: &[usize], test_fraction: f64) -> Option<TimeSplit> {
    if rows.len() < 2 {
        return None;
    }
    let mut rows = rows.to_vec();
    rows.sort_by_key(|&i| (ds.orders.day[i], i));
    let n = rows.len();
    let n_test = ((n as f64 * test_fraction).ceil() as usize).clamp(1, n);
    let cutoff = ds.orders.day[rows[n - n_test]];
    let split = rows.partition_point(|&i| ds.orders.day[i] < cutoff);
    if split == 0 || split == n {
        return None;
    }
    let test = rows.split_off(split);
    Some(TimeSplit {
        train: rows,
        test,
        test_start_day: cutoff,
    })
}

fn labels(ds: &Dataset, rows: &[usize]) -> Vec<bool> {
    rows.iter()
        .map(|&i| ds.orders.returned[i].unwrap_or(false))
        .collect()
}

/// A fitted model and its holdout in encoded form (for seller drivers).
struct Fit {
    model: TrainedModel,
    test_rows: Vec<usize>,
    test_x: FeatureMatrix,
    test_y: Vec<bool>,
    test_p: Vec<f64>,
}

/// Fits one model on a split and evaluates it on the holdout.
fn fit_model(
    ds: &Dataset,
    name: &str,
    split: &TimeSplit,
    cfg: &TrainConfig,
) -> Result<Fit, ForestError> {
    let train = &split.train[..];
    let max_samples = if name == GLOBAL {
        cfg.max_train_rows
    } else {
        cfg.max_seller_samples
    };
    let encoder = FeatureEncoder::fit(ds, train);
    let x = encoder.encode_rows(ds, train);
    let y_bool = labels(ds, train);
    let forest::Fitted { forest, oob } = forest::fit(&x, &y_bool, &cfg.forest, max_samples)?;
    // The training matrix goes before the holdout's matrix is made (4.7 and 1.2 GB at 100M
    // orders).
    drop(x);
    let (oob_y, oob_p): (Vec<bool>, Vec<f64>) = oob.iter().map(|&(r, p)| (y_bool[r], p)).unzip();
    drop(oob);
    let threshold = best_f1_threshold(&oob_y, &oob_p);

    let test_x = encoder.encode_rows(ds, &split.test);
    let test_y = labels(ds, &split.test);
    let p = forest.predict(&test_x);
    let at = at_threshold(&test_y, &p, threshold);
    let n_test = test_y.len();
    let two_classes = roc_auc(&test_y, &p).is_some();
    let metrics = ModelMetrics {
        model: name.to_string(),
        n_train: train.len(),
        n_test,
        base_rate: (n_test > 0)
            .then(|| test_y.iter().filter(|&&b| b).count() as f64 / n_test as f64),
        roc_auc: roc_auc(&test_y, &p),
        pr_auc: average_precision(&test_y, &p),
        brier: brier(&test_y, &p),
        accuracy: at.accuracy,
        // Precision/recall/F1 need both classes to mean anything: n/a otherwise.
        precision: two_classes.then_some(at.precision),
        recall: two_classes.then_some(at.recall),
        f1: two_classes.then_some(at.f1),
        threshold,
        test_start: day_str(split.test_start_day),
        train_start: train.first().and_then(|&i| day_str(ds.orders.day[i])),
        global_brier: None,
        global_roc_auc: None,
    };
    let names = encoder.column_names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let max_rows = if name == GLOBAL {
        importance::MAX_ROWS
    } else {
        importance::MAX_SELLER_ROWS
    };
    let drivers = permutation_importance(
        &Prepared::new(&forest),
        &test_x,
        &test_y,
        &names,
        cfg.forest.seed,
        max_rows,
    );
    Ok(Fit {
        model: TrainedModel {
            encoder,
            forest,
            metrics,
            drivers,
            active: true,
        },
        test_rows: split.test.clone(),
        test_x,
        test_y,
        test_p: p,
    })
}

/// Holdout predictions of one model: dataset rows, scores and outcomes, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Holdout {
    /// Row indices into the dataset's orders.
    pub rows: Vec<usize>,
    /// The model's risk score per row.
    pub risk: Vec<f64>,
    /// Whether the order was returned.
    pub returned: Vec<bool>,
}

/// Everything a training run produces: the models and every model's holdout predictions.
#[derive(Clone, Debug)]
pub struct TrainOutput {
    /// When training started (RFC 3339, UTC).
    pub started_at: String,
    /// The trained models (every seller model, each `active` when it beat the global one).
    pub set: ModelSet,
    /// Holdout predictions by model name.
    pub holdout: BTreeMap<String, Holdout>,
}

/// Current UTC time as RFC 3339 to the second.
pub fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Current UTC time as RFC 3339 to the millisecond (orders runs started in the same second).
pub fn now_utc_millis() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Trains the global model and every eligible per-seller model, in parallel.
pub fn train_models(
    ds: &Dataset,
    cfg: &TrainConfig,
    progress: &(dyn Fn(TrainProgress) + Sync),
) -> Result<TrainOutput, TrainError> {
    let started = std::time::Instant::now();
    let started_at = now_utc_millis();
    let o = &ds.orders;
    let labelled: Vec<usize> = (0..o.len()).filter(|&i| o.returned[i].is_some()).collect();
    let global_split = time_split(ds, &labelled, cfg.test_fraction).ok_or_else(|| {
        TrainError::NotEnoughData(format!(
            "{} labelled orders; need orders on at least two days",
            labelled.len()
        ))
    })?;

    let mut per_seller: Vec<Vec<usize>> = vec![Vec::new(); ds.sellers.len()];
    for &i in &labelled {
        per_seller[o.seller[i] as usize].push(i);
    }
    // 8 bytes a labelled order, not needed past here (740 MB at 100M orders).
    drop(labelled);
    // Every model uses the global cutoff, so a seller's model and the global one are
    // evaluated on exactly the same holdout orders.
    let cutoff = global_split.test_start_day;
    let mut jobs: Vec<(String, TimeSplit)> = vec![(GLOBAL.to_string(), global_split)];
    // Each seller's rows move into its split (a copy of them all was 740 MB at 100M).
    for (s, mut rows) in per_seller.into_iter().enumerate() {
        rows.sort_by_key(|&i| (o.day[i], i));
        let at = rows.partition_point(|&i| o.day[i] < cutoff);
        let test = rows.split_off(at);
        let train = rows;
        let returns = train
            .iter()
            .filter(|&&i| o.returned[i] == Some(true))
            .count();
        if train.len() >= cfg.min_seller_orders
            && returns >= cfg.min_seller_returns
            && !test.is_empty()
        {
            let split = TimeSplit {
                train,
                test,
                test_start_day: cutoff,
            };
            jobs.push((ds.sellers[s].id.clone(), split));
        }
    }
    let total = jobs.len();
    let done = AtomicUsize::new(0);
    let fits: Vec<(String, Fit)> = jobs
        .par_iter()
        .map(|(name, split)| {
            let fit = fit_model(ds, name, split, cfg)?;
            let d = done.fetch_add(1, Ordering::SeqCst) + 1;
            progress(TrainProgress {
                done: d,
                total,
                model: name.clone(),
            });
            Ok((name.clone(), fit))
        })
        .collect::<Result<_, ForestError>>()?;

    let mut fits = fits.into_iter();
    let (_, global) = fits
        .next()
        .ok_or_else(|| TrainError::NotEnoughData("no global model".into()))?;
    let mut sellers: BTreeMap<String, Fit> = fits.collect();
    compare_with_global(ds, &global, &mut sellers);
    let seller_drivers = seller_drivers(ds, &global, cfg.forest.seed);
    let holdout_of = |f: &Fit| Holdout {
        rows: f.test_rows.clone(),
        risk: f.test_p.clone(),
        returned: f.test_y.clone(),
    };
    let mut holdout = BTreeMap::new();
    holdout.insert(GLOBAL.to_string(), holdout_of(&global));
    for (k, f) in &sellers {
        holdout.insert(k.clone(), holdout_of(f));
    }
    let set = ModelSet {
        format_version: FORMAT_VERSION,
        fingerprint: ds.fingerprint,
        trained_at: now_utc(),
        train_seconds: started.elapsed().as_secs_f64(),
        config: cfg.clone(),
        global: global.model,
        sellers: sellers.into_iter().map(|(k, f)| (k, f.model)).collect(),
        seller_drivers,
        versions: BTreeMap::new(),
    };
    Ok(TrainOutput {
        started_at,
        set,
        holdout,
    })
}

/// Scores each seller's holdout with the global model too, and keeps the seller's own model
/// active only if its Brier score there is lower (better) than the global model's.
fn compare_with_global(ds: &Dataset, global: &Fit, sellers: &mut BTreeMap<String, Fit>) {
    let mut by_seller: BTreeMap<&str, (Vec<bool>, Vec<f64>)> = BTreeMap::new();
    for (k, &i) in global.test_rows.iter().enumerate() {
        let id = ds.sellers[ds.orders.seller[i] as usize].id.as_str();
        let e = by_seller.entry(id).or_default();
        e.0.push(global.test_y[k]);
        e.1.push(global.test_p[k]);
    }
    for (id, fit) in sellers.iter_mut() {
        let (y, p) = by_seller.get(id.as_str()).cloned().unwrap_or_default();
        let m = &mut fit.model.metrics;
        m.global_brier = brier(&y, &p);
        m.global_roc_auc = roc_auc(&y, &p);
        fit.model.active = match (m.brier, m.global_brier) {
            (Some(own), Some(global)) => own < global,
            _ => false,
        };
    }
}

/// The global model's drivers for every seller: permutation importance measured on the
/// seller's orders in the global holdout (a seller's own model carries its own drivers).
fn seller_drivers(ds: &Dataset, global: &Fit, seed: u64) -> BTreeMap<String, SellerDrivers> {
    let mut by_seller: Vec<Vec<usize>> = vec![Vec::new(); ds.sellers.len()];
    for (k, &i) in global.test_rows.iter().enumerate() {
        by_seller[ds.orders.seller[i] as usize].push(k);
    }
    let forest = Prepared::new(&global.model.forest);
    ds.sellers
        .par_iter()
        .enumerate()
        .map(|(s, seller)| {
            let ks = &by_seller[s];
            let x = global.test_x.select(ks);
            let names = global.model.encoder.column_names();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let y: Vec<bool> = ks.iter().map(|&k| global.test_y[k]).collect();
            let d = SellerDrivers {
                model: GLOBAL.to_string(),
                n: ks.len(),
                drivers: permutation_importance(
                    &forest,
                    &x,
                    &y,
                    &names,
                    seed,
                    importance::MAX_SELLER_ROWS,
                ),
            };
            (seller.id.clone(), d)
        })
        .collect()
}
