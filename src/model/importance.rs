//! Permutation importance: how much a model's Brier score worsens on a holdout when one
//! feature's column is shuffled (breaking its link to the outcome, keeping its distribution).

use super::Driver;
use super::features::FeatureMatrix;
use super::forest::CompactForest;
use super::metrics::brier;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// Shuffles per feature (their mean is reported).
pub const REPEATS: usize = 3;
/// Holdouts smaller than this get no drivers (too noisy to rank).
pub const MIN_ROWS: usize = 20;

/// Permutation importances of `forest` on (`x`, `y`), largest first, feature `j` named
/// `names[j]`; empty below [`MIN_ROWS`].
pub fn permutation_importance(
    forest: &CompactForest,
    x: &FeatureMatrix,
    y: &[bool],
    names: &[&str],
    seed: u64,
) -> Vec<Driver> {
    if x.rows() < MIN_ROWS {
        return Vec::new();
    }
    let base = brier(y, &forest.predict(x)).unwrap_or(0.0);
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
                let mut shuffled = x.clone();
                for (r, v) in col.into_iter().enumerate() {
                    shuffled.values[r * x.width + j] = v;
                }
                total += brier(y, &forest.predict(&shuffled)).unwrap_or(0.0) - base;
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
