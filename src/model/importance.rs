//! Permutation importance: how much a model's Brier score worsens on a holdout when one
//! feature's column is shuffled (breaking its link to the outcome, keeping its distribution).

use super::Driver;
use super::features::FeatureMatrix;
use super::forest::CompactForest;
use super::metrics::brier;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

/// Shuffles per feature (their mean is reported).
pub const REPEATS: usize = 3;
/// Holdouts smaller than this get no drivers (too noisy to rank).
pub const MIN_ROWS: usize = 20;
/// A model's holdout rows shuffled at most (a larger holdout is sampled): at 10M orders the
/// global holdout has 1.9M rows, and 20,000 rank the drivers as well at a hundredth of
/// the cost.
pub const MAX_ROWS: usize = 20_000;
/// The same for one seller's orders (a thousand sellers each get their drivers).
pub const MAX_SELLER_ROWS: usize = 1_000;

/// Permutation importances of `forest` on (`x`, `y`), largest first, feature `j` named
/// `names[j]`; empty below [`MIN_ROWS`]; on a random `max_rows` of the rows when there are
/// more.
pub fn permutation_importance(
    forest: &CompactForest,
    x: &FeatureMatrix,
    y: &[bool],
    names: &[&str],
    seed: u64,
    max_rows: usize,
) -> Vec<Driver> {
    if x.rows() < MIN_ROWS {
        return Vec::new();
    }
    if x.rows() > max_rows {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
        let mut keep = rand::seq::index::sample(&mut rng, x.rows(), max_rows).into_vec();
        keep.sort_unstable();
        let y: Vec<bool> = keep.iter().map(|&r| y[r]).collect();
        return permutation_importance(forest, &x.select(&keep), &y, names, seed, max_rows);
    }
    let base = brier(y, &forest.predict(x)).unwrap_or(0.0);
    let paths = Paths::of(forest, x);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut drivers: Vec<Driver> = (0..x.width)
        .map(|j| {
            let mut total = 0.0;
            for _ in 0..REPEATS {
                let mut col: Vec<f64> = (0..x.rows()).map(|r| x.row(r)[j]).collect();
                // Fisher-Yates shuffle.
                for k in (1..col.len()).rev() {
                    col.swap(k, rng.random_range(0..=k));
                }
                let p = match &paths {
                    Some(paths) => paths.predict_shuffled(forest, x, j, &col),
                    None => {
                        let mut shuffled = x.clone();
                        for (r, v) in col.into_iter().enumerate() {
                            shuffled.values[r * x.width + j] = v;
                        }
                        forest.predict(&shuffled)
                    }
                };
                total += brier(y, &p).unwrap_or(0.0) - base;
            }
            Driver {
                feature: names.get(j).copied().unwrap_or("?").to_string(),
                importance: total / REPEATS as f64,
            }
        })
        .collect();
    drivers.sort_by(|a, b| b.importance.total_cmp(&a.importance));
    drivers
}

/// Each row's leaf value in each tree and the features its path tests: a shuffled feature
/// changes a row's value only in the trees whose path tests it, so only those are walked
/// again. The per-row sums add the trees in order, as [`CompactForest::predict`] does, so
/// the predictions are bit for bit the same as predicting the shuffled matrix.
struct Paths {
    trees: usize,
    /// `value[r * trees + t]`.
    value: Vec<f64>,
    /// `tested[r * trees + t]`: bit `j` set when the path tests feature `j`.
    tested: Vec<u64>,
}

impl Paths {
    /// `None` for matrices too wide for the bit mask.
    fn of(forest: &CompactForest, x: &FeatureMatrix) -> Option<Paths> {
        if x.width > 64 {
            return None;
        }
        let trees = forest.trees.len();
        let mut value = vec![0.0; x.rows() * trees];
        let mut tested = vec![0u64; x.rows() * trees];
        value
            .par_chunks_mut(trees.max(1))
            .zip(tested.par_chunks_mut(trees.max(1)))
            .enumerate()
            .for_each(|(r, (v, m))| {
                for (t, tree) in forest.trees.iter().enumerate() {
                    (v[t], m[t]) = tree.walk(x.row(r));
                }
            });
        Some(Paths {
            trees,
            value,
            tested,
        })
    }

    /// The forest's predictions with column `j` replaced by `col`.
    fn predict_shuffled(
        &self,
        forest: &CompactForest,
        x: &FeatureMatrix,
        j: usize,
        col: &[f64],
    ) -> Vec<f64> {
        let bit = 1u64 << j;
        let n_trees = self.trees.max(1) as f64;
        (0..x.rows())
            .into_par_iter()
            .with_min_len(256)
            .map_init(Vec::new, |row, r| {
                row.clear();
                row.extend_from_slice(x.row(r));
                row[j] = col[r];
                let base = r * self.trees;
                let mut sum = 0.0;
                for (t, tree) in forest.trees.iter().enumerate() {
                    sum += if self.tested[base + t] & bit != 0 {
                        tree.walk(row).0
                    } else {
                        self.value[base + t]
                    };
                }
                sum / n_trees
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::forest::{ForestParams, fit};

    /// Shuffling a copy of the matrix and predicting it, as the importance was first written.
    fn shuffled_predictions(forest: &CompactForest, x: &FeatureMatrix, seed: u64) -> Vec<Vec<f64>> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut out = Vec::new();
        for j in 0..x.width {
            for _ in 0..REPEATS {
                let mut col: Vec<f64> = (0..x.rows()).map(|r| x.row(r)[j]).collect();
                for k in (1..col.len()).rev() {
                    col.swap(k, rng.random_range(0..=k));
                }
                let mut shuffled = x.clone();
                for (r, v) in col.into_iter().enumerate() {
                    shuffled.values[r * x.width + j] = v;
                }
                out.push(forest.predict(&shuffled));
            }
        }
        out
    }

    /// Walking again only the trees whose path tests the shuffled feature gives the same
    /// predictions, bit for bit, as predicting the whole shuffled matrix.
    #[test]
    fn reusing_untouched_trees_changes_no_bit() {
        let mut x = FeatureMatrix::with_capacity(5, 3000);
        let mut y = Vec::new();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..3000 {
            let row: Vec<f64> = (0..5).map(|_| rng.random_range(0.0..1.0)).collect();
            y.push(f64::from(u8::from(row[0] + 0.5 * row[1] > 0.9)));
            x.push(&row);
        }
        let params = ForestParams {
            n_trees: 20,
            max_depth: 8,
            min_samples_leaf: 5,
            max_features: 2,
            seed: 1,
        };
        // Both learners: smartcore's (all rows) and the histogram one (per-tree samples).
        for max_samples in [usize::MAX, 1000] {
            let forest = fit(&x, &y, &params, max_samples).unwrap().forest;
            let paths = Paths::of(&forest, &x).unwrap();
            let mut rng = ChaCha8Rng::seed_from_u64(9);
            let expected = shuffled_predictions(&forest, &x, 9);
            let mut k = 0;
            for j in 0..x.width {
                for _ in 0..REPEATS {
                    let mut col: Vec<f64> = (0..x.rows()).map(|r| x.row(r)[j]).collect();
                    for i in (1..col.len()).rev() {
                        col.swap(i, rng.random_range(0..=i));
                    }
                    let got = paths.predict_shuffled(&forest, &x, j, &col);
                    let bits = |v: &[f64]| v.iter().map(|p| p.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&got), bits(&expected[k]), "feature {j}");
                    k += 1;
                }
            }
        }
    }
}
