//! Permutation importance: how much a model's Brier score worsens on a holdout when one
//! feature's column is shuffled (breaking its link to the outcome, keeping its distribution).

use super::Driver;
use super::features::FeatureMatrix;
use super::forest::CompactForest;
use super::lockstep::{LANES, SteppedTree};
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

/// A forest laid out once for the many shuffles of permutation importance: each tree in the
/// lock-step layout ([`super::lockstep`]) and, per node, the features tested on the path from
/// the root to it. The global forest's drivers are measured on every seller's orders, so it is
/// prepared once for all of them.
pub struct Prepared<'a> {
    forest: &'a CompactForest,
    stepped: Vec<SteppedTree>,
    /// `path_features[t][node]`: bit `j` set when the path to `node` tests feature `j`.
    path_features: Vec<Vec<u64>>,
}

impl<'a> Prepared<'a> {
    /// Lays out `forest` (a well-formed one: children after their parent).
    pub fn new(forest: &'a CompactForest) -> Prepared<'a> {
        let path_features = forest
            .trees
            .iter()
            .map(|tree| {
                let mut tested = vec![0u64; tree.nodes.len()];
                for (i, node) in tree.nodes.iter().enumerate() {
                    if !tree.is_leaf(i) {
                        let below = tested[i] | 1 << node.feature.min(63);
                        let left = node.left as usize;
                        tested[left..=left + 1].fill(below);
                    }
                }
                tested
            })
            .collect();
        Prepared {
            forest,
            stepped: forest.trees.iter().map(SteppedTree::new).collect(),
            path_features,
        }
    }
}

/// Permutation importances of the prepared forest on (`x`, `y`), largest first, feature `j`
/// named `names[j]`; empty below [`MIN_ROWS`]; on a random `max_rows` of the rows when there
/// are more.
pub fn permutation_importance(
    forest: &Prepared,
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
    let paths = Paths::of(forest, x);
    let base_p = match &paths {
        Some(paths) => paths.predict(forest),
        None => forest.forest.predict(x),
    };
    let base = brier(y, &base_p).unwrap_or(0.0);
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
                let p = if let Some(paths) = &paths {
                    paths.predict_shuffled(forest, x, j, &col)
                } else {
                    let mut shuffled = x.clone();
                    for (r, v) in col.into_iter().enumerate() {
                        shuffled.values[r * x.width + j] = v;
                    }
                    forest.forest.predict(&shuffled)
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

/// Rows re-scored together when a column is shuffled.
const CHUNK: usize = 256;

/// The leaf each row ends in, in each tree: a shuffled feature changes a row's leaf only in
/// the trees whose path to it tests that feature, so only those are walked again. The
/// per-row sums add the trees in order, as [`CompactForest::predict`] does, so the
/// predictions are bit for bit the same as predicting the shuffled matrix.
struct Paths {
    rows: usize,
    /// `leaf[t * rows + r]`: tree by tree, so a chunk of rows reads one tree's leaves in a run.
    leaf: Vec<u32>,
}

impl Paths {
    /// `None` for matrices too wide for the bit masks.
    fn of(forest: &Prepared, x: &FeatureMatrix) -> Option<Paths> {
        if x.width > 64 {
            return None;
        }
        let rows = x.rows();
        let mut leaf = vec![0u32; rows * forest.stepped.len()];
        leaf.par_chunks_mut(rows.max(1))
            .zip(&forest.stepped)
            .for_each(|(leaves, tree)| {
                for (g, out) in leaves.chunks_mut(LANES).enumerate() {
                    let group = std::array::from_fn(|k| (g * LANES + k).min(rows - 1));
                    for (o, l) in out
                        .iter_mut()
                        .zip(tree.leaves_at(&x.values, x.width, &group))
                    {
                        *o = l as u32;
                    }
                }
            });
        Some(Paths { rows, leaf })
    }

    /// The forest's predictions of the unshuffled rows.
    fn predict(&self, forest: &Prepared) -> Vec<f64> {
        let n_trees = forest.stepped.len().max(1) as f64;
        let mut out = vec![0.0; self.rows];
        for (leaves, tree) in self.leaf.chunks(self.rows.max(1)).zip(&forest.stepped) {
            for (o, &l) in out.iter_mut().zip(leaves) {
                *o += tree.value(l as usize);
            }
        }
        out.iter_mut().for_each(|o| *o /= n_trees);
        out
    }

    /// The forest's predictions with column `j` replaced by `col`.
    fn predict_shuffled(
        &self,
        forest: &Prepared,
        x: &FeatureMatrix,
        j: usize,
        col: &[f64],
    ) -> Vec<f64> {
        let bit = 1u64 << j;
        let (n, width) = (self.rows, x.width);
        let n_trees = forest.stepped.len().max(1) as f64;
        let mut out = vec![0.0; n];
        out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, sums)| {
            let start = c * CHUNK;
            let mut rows = x.values[start * width..(start + sums.len()) * width].to_vec();
            for (r, v) in col[start..start + sums.len()].iter().enumerate() {
                rows[r * width + j] = *v;
            }
            let mut again = Vec::with_capacity(sums.len());
            for (t, tree) in forest.stepped.iter().enumerate() {
                let leaves = &self.leaf[t * n + start..t * n + start + sums.len()];
                let tested = &forest.path_features[t];
                again.clear();
                for (r, &l) in leaves.iter().enumerate() {
                    if tested[l as usize] & bit != 0 {
                        again.push(r);
                    } else {
                        sums[r] += tree.value(l as usize);
                    }
                }
                for group in again.chunks(LANES) {
                    let ends = tree.leaves_at(&rows, width, &lanes(group));
                    for (&r, &l) in group.iter().zip(&ends) {
                        sums[r] += tree.value(l);
                    }
                }
            }
            sums.iter_mut().for_each(|s| *s /= n_trees);
        });
        out
    }
}

/// Up to [`LANES`] row indices as a full set of lanes (the last one repeated; its extra
/// results are not read).
fn lanes(group: &[usize]) -> [usize; LANES] {
    std::array::from_fn(|k| group[k.min(group.len() - 1)])
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
            y.push(row[0] + 0.5 * row[1] > 0.9);
            x.push(&row);
        }
        let params = ForestParams {
            n_trees: 20,
            max_depth: 8,
            sampled_max_depth: 8,
            min_samples_leaf: 5,
            max_features: 2,
            seed: 1,
        };
        // Both learners: smartcore's (all rows) and the histogram one (per-tree samples).
        for max_samples in [usize::MAX, 1000] {
            let forest = fit(&x, &y, &params, max_samples).unwrap().forest;
            let prepared = Prepared::new(&forest);
            let paths = Paths::of(&prepared, &x).unwrap();
            let bits = |v: &[f64]| v.iter().map(|p| p.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&paths.predict(&prepared)), bits(&forest.predict(&x)));
            let mut rng = ChaCha8Rng::seed_from_u64(9);
            let expected = shuffled_predictions(&forest, &x, 9);
            let mut k = 0;
            for j in 0..x.width {
                for _ in 0..REPEATS {
                    let mut col: Vec<f64> = (0..x.rows()).map(|r| x.row(r)[j]).collect();
                    for i in (1..col.len()).rev() {
                        col.swap(i, rng.random_range(0..=i));
                    }
                    let got = paths.predict_shuffled(&prepared, &x, j, &col);
                    assert_eq!(bits(&got), bits(&expected[k]), "feature {j}");
                    k += 1;
                }
            }
        }
    }
}
