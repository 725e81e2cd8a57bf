//! Forests on more rows than one tree should learn from: each tree draws its own bootstrap
//! sample of `max_samples` rows (scikit-learn's `max_samples`), so the forest sees every
//! row for the cost of a tree on `max_samples` rows; trees grow on binned features
//! ([`super::hist`]), to [`ForestParams::sampled_max_depth`] levels. Out-of-bag
//! predictions are made for a fixed sample of the training rows, each from the trees whose
//! sample did not include it.

use super::features::FeatureMatrix;
use super::forest::{CompactForest, CompactTree, Fitted, ForestError, ForestParams};
use super::hist::{Binned, grow};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

/// One tree trained on its own sample, with what out-of-bag needs.
struct SampledTree {
    tree: CompactTree,
    importance: Vec<f64>,
    /// For each out-of-bag row, whether it was in this tree's sample.
    in_bag: Vec<bool>,
}

/// Trains a forest where each tree learns from a bootstrap sample of `max_samples` rows of
/// `x` (meant for `x.rows() > max_samples`; smaller inputs go to smartcore's forest).
pub fn fit_sampled(
    x: &FeatureMatrix,
    y: &[bool],
    params: &ForestParams,
    max_samples: usize,
) -> Result<Fitted, ForestError> {
    let n = x.rows();
    if n == 0 || x.width == 0 || n > u32::MAX as usize {
        return Err(ForestError::Fit(format!(
            "cannot train on {n} rows of {} columns",
            x.width
        )));
    }
    let bins = Binned::new(x);
    let grown = ForestParams {
        max_depth: params.sampled_max_depth,
        ..params.clone()
    };
    // The rows that get out-of-bag predictions (for the decision threshold).
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed ^ 0x00b0_00b0);
    let mut oob_rows = rand::seq::index::sample(&mut rng, n, max_samples.min(n)).into_vec();
    oob_rows.sort_unstable();
    let trees: Vec<SampledTree> = (0..params.n_trees)
        .into_par_iter()
        .map(|t| {
            let seed = params
                .seed
                .wrapping_add(0x9e37_79b9_7f4a_7c15u64.wrapping_mul(t as u64 + 1));
            let sample = bootstrap(n, max_samples, seed);
            let (mut tree, importance) = grow(&bins, y, &sample, &grown, seed ^ 1);
            tree.count_covers_of(sample.iter().map(|&(r, _)| x.row(r as usize)));
            let in_bag = oob_rows
                .iter()
                .map(|&r| sample.binary_search_by_key(&(r as u32), |s| s.0).is_ok())
                .collect();
            SampledTree {
                tree,
                importance,
                in_bag,
            }
        })
        .collect();
    let mut oob = Vec::with_capacity(oob_rows.len());
    for (k, &r) in oob_rows.iter().enumerate() {
        let (sum, count) = trees
            .iter()
            .filter(|t| !t.in_bag[k])
            .fold((0.0, 0usize), |(s, c), t| {
                (s + t.tree.predict(x.row(r)), c + 1)
            });
        if count > 0 {
            oob.push((r, sum / count as f64));
        }
    }
    Ok(Fitted {
        forest: CompactForest {
            impurity_importance: mean_importance(trees.iter().map(|t| &t.importance), x.width),
            trees: trees.into_iter().map(|t| t.tree).collect(),
        },
        oob,
    })
}

/// `draws` rows drawn with replacement from `n`: distinct rows, ascending, with their counts.
fn bootstrap(n: usize, draws: usize, seed: u64) -> Vec<(u32, u32)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rows: Vec<u32> = (0..draws).map(|_| rng.random_range(0..n) as u32).collect();
    rows.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(rows.len());
    for r in rows {
        match out.last_mut() {
            Some((last, c)) if *last == r => *c += 1,
            _ => out.push((r, 1)),
        }
    }
    out
}

/// The trees' normalised importances averaged and normalised again (smartcore's forest rule).
fn mean_importance<'a>(per_tree: impl Iterator<Item = &'a Vec<f64>>, width: usize) -> Vec<f64> {
    let mut sum = vec![0.0; width];
    for imp in per_tree {
        for (s, v) in sum.iter_mut().zip(imp) {
            *s += v;
        }
    }
    let total: f64 = sum.iter().sum();
    if total > 0.0 {
        for s in &mut sum {
            *s /= total;
        }
    }
    sum
}
