//! How good the Olist model really is, and how much the MLOps project's mistakes inflated
//! its number, measured on the same data with the same forest:
//!
//! 1. **Honest**: one row per (order, seller), the most recent 20% of labelled orders held
//!    out (the tool's own time split), with a bootstrap 95% interval for the ROC AUC.
//! 2. **Random split**: the same rows split at random (80/20).
//! 3. **Leaky**: the fan-out join (items x payments x reviews), orders without a review
//!    counted as "not returned", rows split at random, so copies of one order sit on both
//!    sides of the split.

use super::build::{Built, ImportRow};
use super::tables::OlistTables;
use super::write::write_dataset;
use crate::data::{Dataset, LoadOptions, load_dir};
use crate::model::TrainConfig;
use crate::model::features::FeatureEncoder;
use crate::model::forest;
use crate::model::metrics::roc_auc;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

/// Bootstrap resamples for the AUC interval.
pub const BOOTSTRAP: usize = 1000;

/// One evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// What was done.
    pub setup: String,
    /// Rows trained on.
    pub train_rows: usize,
    /// Rows tested on.
    pub test_rows: usize,
    /// Share of positives in the test rows.
    pub base_rate: Option<f64>,
    /// Holdout ROC AUC.
    pub roc_auc: Option<f64>,
    /// Bootstrap 95% interval of the ROC AUC (2.5th and 97.5th percentiles).
    pub roc_auc_95: Option<(f64, f64)>,
}

/// The three evaluations.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Time split at the (order, seller) grain: the honest number.
    pub honest: Evaluation,
    /// Random split at the same grain.
    pub random_split: Evaluation,
    /// Random split over the fan-out join with missing reviews as 0: the leaky number.
    pub leaky: Evaluation,
    /// Rows of the fan-out join.
    pub fan_out_rows: usize,
}

/// Percentile bootstrap interval of the ROC AUC of (`y`, `p`).
pub fn bootstrap_auc(y: &[bool], p: &[f64], seed: u64) -> Option<(f64, f64)> {
    if y.is_empty() {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut aucs: Vec<f64> = (0..BOOTSTRAP)
        .filter_map(|_| {
            let idx: Vec<usize> = (0..y.len()).map(|_| rng.random_range(0..y.len())).collect();
            let ys: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
            let ps: Vec<f64> = idx.iter().map(|&i| p[i]).collect();
            roc_auc(&ys, &ps)
        })
        .collect();
    if aucs.len() < BOOTSTRAP / 2 {
        return None;
    }
    aucs.sort_by(f64::total_cmp);
    let at = |q: f64| aucs[((aucs.len() - 1) as f64 * q).round() as usize];
    Some((at(0.025), at(0.975)))
}

/// Fits the global forest on `train` rows of `ds` and scores `test` rows.
fn fit_and_score(
    ds: &Dataset,
    train: &[usize],
    test: &[usize],
    cfg: &TrainConfig,
) -> color_eyre::Result<(Vec<bool>, Vec<f64>)> {
    let enc = FeatureEncoder::fit(ds, train);
    let label = |i: usize| ds.orders.returned[i].unwrap_or(false);
    let y: Vec<bool> = train.iter().map(|&i| label(i)).collect();
    let fitted = forest::fit(&enc.encode_rows(ds, train), &y, &cfg.forest, usize::MAX)?;
    let p = fitted.forest.predict(&enc.encode_rows(ds, test));
    Ok((test.iter().map(|&i| label(i)).collect(), p))
}

fn evaluation(setup: &str, train: usize, y: &[bool], p: &[f64], seed: u64) -> Evaluation {
    Evaluation {
        setup: setup.into(),
        train_rows: train,
        test_rows: y.len(),
        base_rate: (!y.is_empty())
            .then(|| y.iter().filter(|&&b| b).count() as f64 / y.len() as f64),
        roc_auc: roc_auc(y, p),
        roc_auc_95: bootstrap_auc(y, p, seed),
    }
}

/// A random 80/20 split of the labelled rows of `ds`.
fn split_at_random(ds: &Dataset, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for i in (0..ds.orders.len()).filter(|&i| ds.orders.returned[i].is_some()) {
        if rng.random::<f64>() < 0.8 {
            train.push(i);
        } else {
            test.push(i);
        }
    }
    (train, test)
}

/// The fan-out join the MLOps project trained on: every (item, payment, review) combination
/// of an order is a row; no review counts as 0.
fn fan_out(t: &OlistTables, built: &Built) -> Vec<ImportRow> {
    let reviews = t.reviews_by_order();
    let items = t.items_by_order();
    let mut rows = Vec::new();
    for base in &built.rows {
        let order = base.order_id.as_str();
        // No review counts as "not returned" here: the MLOps project's mistake.
        let labels: Vec<bool> = reviews
            .get(order)
            .map_or(vec![false], |rs| rs.iter().map(|r| r.score <= 2).collect());
        let pays = t.payments.get(order).map_or(&[][..], Vec::as_slice);
        let its = items.get(order).map_or(&[][..], Vec::as_slice);
        for it in its.iter().filter(|i| i.seller == base.seller) {
            for (k, pay) in pays.iter().enumerate() {
                for (r, &bad) in labels.iter().enumerate() {
                    let mut row = base.clone();
                    row.id = format!("{}-i{}-p{k}-r{r}", base.id, it.item);
                    row.price = it.price;
                    row.freight = it.freight;
                    row.items = 1;
                    row.features.payment_type.clone_from(&pay.kind);
                    row.features.installments = Some(pay.installments);
                    row.bad_review = Some(bad);
                    rows.push(row);
                }
            }
        }
    }
    rows
}

/// Runs the three evaluations; `scratch` is a directory for the data sets they load.
pub fn compare(
    t: &OlistTables,
    built: &Built,
    scratch: &std::path::Path,
) -> color_eyre::Result<Comparison> {
    let cfg = TrainConfig::default();
    let seed = cfg.forest.seed;
    let grain = scratch.join("grain");
    write_dataset(&grain, t, &built.rows)?;
    let (ds, _) = load_dir(&grain, &LoadOptions::default())?;
    let out = crate::model::train_models(&ds, &cfg, &|_| {})?;
    let h = &out.holdout[crate::model::GLOBAL];
    let honest = evaluation(
        "time split (latest 20% of labelled orders), one row per (order, seller)",
        out.set.global.metrics.n_train,
        &h.returned,
        &h.risk,
        seed,
    );
    let (train, test) = split_at_random(&ds, seed);
    let (y, p) = fit_and_score(&ds, &train, &test, &cfg)?;
    let random_split = evaluation(
        "random 80/20 split, one row per (order, seller)",
        train.len(),
        &y,
        &p,
        seed,
    );
    let rows = fan_out(t, built);
    let fan = scratch.join("fan-out");
    write_dataset(&fan, t, &rows)?;
    let (ds, _) = load_dir(&fan, &LoadOptions::default())?;
    let (train, test) = split_at_random(&ds, seed);
    let (y, p) = fit_and_score(&ds, &train, &test, &cfg)?;
    let leaky = evaluation(
        "random 80/20 split over items x payments x reviews, no review = 0",
        train.len(),
        &y,
        &p,
        seed,
    );
    Ok(Comparison {
        honest,
        random_split,
        leaky,
        fan_out_rows: rows.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_ranking_has_a_point_interval() {
        let y = [false, false, true, true, false, true];
        let p = [0.1, 0.2, 0.8, 0.9, 0.3, 0.7];
        assert_eq!(bootstrap_auc(&y, &p, 1), Some((1.0, 1.0)));
    }

    #[test]
    fn the_interval_holds_the_estimate() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let y: Vec<bool> = (0..400).map(|_| rng.random::<f64>() < 0.3).collect();
        let p: Vec<f64> = y
            .iter()
            .map(|&b| rng.random::<f64>() + if b { 0.3 } else { 0.0 })
            .collect();
        let auc = roc_auc(&y, &p).unwrap();
        let (lo, hi) = bootstrap_auc(&y, &p, 2).unwrap();
        assert!(lo < auc && auc < hi, "{lo} {auc} {hi}");
        assert!(hi - lo < 0.2 && hi - lo > 0.02, "{lo} {hi}");
    }
}
