//! Exact per-order contributions: path-dependent TreeSHAP (Lundberg, Erion and Lee, 2018,
//! "Consistent Individualized Feature Attribution for Tree Ensembles", Algorithm 2) on the
//! compact forest layout.
//!
//! A tree's value for an order with only the features in `S` known is the cover-weighted mean
//! of the leaves it can still reach (a split on an unknown feature follows both children in
//! proportion to the training rows that went each way). The Shapley values of that game are
//! the contributions: they sum, with the expected value (the cover-weighted mean of all
//! leaves), to the tree's prediction. A forest's are the mean of its trees'. TreeSHAP gets
//! them in O(leaves x depth²) per tree instead of enumerating the 2^M subsets.

use super::TrainedModel;
use super::forest::{CompactForest, CompactTree};
use serde::Serialize;

/// A forest's contributions for one row of encoded columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Contributions {
    /// The forest's expected value (what it predicts knowing nothing of the order).
    pub expected: f64,
    /// One per encoded column; `expected + sum` is the forest's prediction.
    pub columns: Vec<f64>,
}

/// One element of the path of features from the root to the current node.
#[derive(Clone, Copy, Debug)]
struct PathElement {
    /// The feature split on (`usize::MAX` for the root's placeholder).
    feature: usize,
    /// Share of the paths through this split when the feature is unknown.
    zero: f64,
    /// 1 when the order goes this way with the feature known, else 0.
    one: f64,
    /// Permutation weight.
    weight: f64,
}

const NONE: usize = usize::MAX;

/// Grows the path `path[..len]` by one split (`EXTEND` in the paper); returns the new length.
fn extend(path: &mut [PathElement], len: usize, zero: f64, one: f64, feature: usize) -> usize {
    path[len] = PathElement {
        feature,
        zero,
        one,
        weight: if len == 0 { 1.0 } else { 0.0 },
    };
    let d1 = (len + 1) as f64;
    for i in (0..len).rev() {
        path[i + 1].weight += one * path[i].weight * (i + 1) as f64 / d1;
        path[i].weight = zero * path[i].weight * (len - i) as f64 / d1;
    }
    len + 1
}

/// Removes element `at` from the path `path[..len]`, undoing its extension (`UNWIND`);
/// returns the new length.
fn unwind(path: &mut [PathElement], len: usize, at: usize) -> usize {
    let depth = len - 1;
    let PathElement { one, zero, .. } = path[at];
    let d1 = (depth + 1) as f64;
    let mut next = path[depth].weight;
    for i in (0..depth).rev() {
        if one == 0.0 {
            path[i].weight = path[i].weight * d1 / (zero * (depth - i) as f64);
        } else {
            let t = path[i].weight;
            path[i].weight = next * d1 / ((i + 1) as f64 * one);
            next = t - path[i].weight * zero * (depth - i) as f64 / d1;
        }
    }
    for i in at..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
    depth
}

/// The total weight the path would have with element `at` unwound, without unwinding it.
fn unwound_sum(path: &[PathElement], at: usize) -> f64 {
    let depth = path.len() - 1;
    let PathElement { one, zero, .. } = path[at];
    let mut next = path[depth].weight;
    let mut total = 0.0;
    for i in (0..depth).rev() {
        if one == 0.0 {
            total += path[i].weight / (zero * (depth - i) as f64);
        } else {
            let t = next / ((i + 1) as f64 * one);
            total += t;
            next = path[i].weight - t * zero * (depth - i) as f64;
        }
    }
    total * (depth + 1) as f64
}

/// One tree's walk (`RECURSE`): adds its contributions to `phi`. The paths of every level
/// live one after another in `buf` (a child copies its parent's and extends it), so the
/// walk allocates nothing per node.
struct TreeWalk<'a> {
    tree: &'a CompactTree,
    x: &'a [f64],
    phi: &'a mut [f64],
    buf: &'a mut Vec<PathElement>,
}

impl TreeWalk<'_> {
    /// Visits `node`, whose parent's path is `buf[parent..parent + parent_len]`.
    fn recurse(&mut self, node: usize, parent: usize, parent_len: usize, step: (f64, f64, usize)) {
        let start = parent + parent_len;
        if self.buf.len() < start + parent_len + 1 {
            self.buf.resize(start + parent_len + 1, EMPTY);
        }
        self.buf.copy_within(parent..start, start);
        let (zero, one, f) = step;
        let mut len = extend(&mut self.buf[start..], parent_len, zero, one, f);
        let n = self.tree.nodes[node];
        if self.tree.is_leaf(node) {
            let path = &self.buf[start..start + len];
            for i in 1..len {
                let e = path[i];
                self.phi[e.feature] += unwound_sum(path, i) * (e.one - e.zero) * n.value;
            }
            return;
        }
        let split = n.feature as usize;
        let left = n.left as usize;
        let (hot, cold) = if self.x[split] > n.value {
            (left + 1, left)
        } else {
            (left, left + 1)
        };
        let cover = f64::from(self.tree.cover[node]);
        let share = |c: usize| f64::from(self.tree.cover[c]) / cover;
        let (mut in_zero, mut in_one) = (1.0, 1.0);
        let path = &self.buf[start..start + len];
        if let Some(k) = path.iter().position(|e| e.feature == split) {
            in_zero = path[k].zero;
            in_one = path[k].one;
            len = unwind(&mut self.buf[start..], len, k);
        }
        let (hot_share, cold_share) = (share(hot), share(cold));
        self.recurse(hot, start, len, (hot_share * in_zero, in_one, split));
        self.recurse(cold, start, len, (cold_share * in_zero, 0.0, split));
    }
}

const EMPTY: PathElement = PathElement {
    feature: NONE,
    zero: 0.0,
    one: 0.0,
    weight: 0.0,
};

/// A tree's expected value: its leaves' values weighted by their covers.
fn tree_expected(tree: &CompactTree) -> f64 {
    let root = f64::from(tree.cover[0]);
    (0..tree.nodes.len())
        .filter(|&i| tree.is_leaf(i))
        .map(|i| tree.nodes[i].value * f64::from(tree.cover[i]) / root)
        .sum()
}

/// Whether every tree of `forest` carries the covers contributions need (models saved before
/// covers were kept do not).
pub fn has_covers(forest: &CompactForest) -> bool {
    forest
        .trees
        .iter()
        .all(|t| t.cover.len() == t.nodes.len() && t.cover[0] > 0)
}

/// The exact contributions of each of the `x.len()` encoded columns to the forest's
/// prediction for `x`, or `None` when the forest has no covers.
pub fn contributions(forest: &CompactForest, x: &[f64]) -> Option<Contributions> {
    if !has_covers(forest) {
        return None;
    }
    let mut phi = vec![0.0; x.len()];
    let mut expected = 0.0;
    let mut buf = vec![EMPTY; 128];
    for tree in &forest.trees {
        expected += tree_expected(tree);
        let mut walk = TreeWalk {
            tree,
            x,
            phi: &mut phi,
            buf: &mut buf,
        };
        walk.recurse(0, 0, 0, (1.0, 1.0, NONE));
    }
    let n = forest.trees.len().max(1) as f64;
    Some(Contributions {
        expected: expected / n,
        columns: phi.into_iter().map(|p| p / n).collect(),
    })
}

/// One feature's part of an order's risk.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureContribution {
    /// The feature's name.
    pub feature: String,
    /// What it adds to the risk (a probability; negative lowers it). A missing-flag column's
    /// part is counted with its feature.
    pub contribution: f64,
}

/// Why a model gives an order its risk: `expected` plus the contributions is `risk`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// The model's expected value (its risk for an order it knows nothing about).
    pub expected: f64,
    /// The order's risk.
    pub risk: f64,
    /// Every feature's part, largest magnitude first.
    pub contributions: Vec<FeatureContribution>,
}

/// The explanation of `model`'s risk for the encoded row `row`, or `None` when the model was
/// saved without covers.
pub fn explain(model: &TrainedModel, row: &[f64]) -> Option<Explanation> {
    let c = contributions(&model.forest, row)?;
    let features = &model.encoder.features;
    let mut parts = vec![0.0; features.len()];
    for (col, f) in model.encoder.column_features().into_iter().enumerate() {
        parts[f] += c.columns[col];
    }
    let mut contributions: Vec<FeatureContribution> = features
        .iter()
        .zip(parts)
        .map(|(f, contribution)| FeatureContribution {
            feature: f.name.clone(),
            contribution,
        })
        .collect();
    contributions.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()));
    Some(Explanation {
        expected: c.expected,
        risk: model.forest.predict_one(row),
        contributions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::features::FeatureMatrix;
    use crate::model::forest::{ForestParams, fit};

    /// A tree's value knowing only the features in `known` (a bit set): Algorithm 1 of the
    /// paper, the conditional expectation TreeSHAP's game is defined by.
    fn value_given(tree: &CompactTree, x: &[f64], known: u32, node: usize) -> f64 {
        let n = tree.nodes[node];
        if tree.is_leaf(node) {
            return n.value;
        }
        let f = n.feature as usize;
        let l = n.left as usize;
        if known >> f & 1 == 1 {
            let next = if x[f] > n.value { l + 1 } else { l };
            return value_given(tree, x, known, next);
        }
        let c = |i: usize| f64::from(tree.cover[i]);
        (c(l) * value_given(tree, x, known, l) + c(l + 1) * value_given(tree, x, known, l + 1))
            / c(node)
    }

    /// Shapley values by enumerating every subset of the `m` features.
    fn brute_force(forest: &CompactForest, x: &[f64]) -> Vec<f64> {
        let m = x.len();
        let v = |s: u32| {
            forest
                .trees
                .iter()
                .map(|t| value_given(t, x, s, 0))
                .sum::<f64>()
                / forest.trees.len() as f64
        };
        let fact = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
        let mut phi = vec![0.0; m];
        for (i, p) in phi.iter_mut().enumerate() {
            for s in 0u32..(1 << m) {
                if s >> i & 1 == 1 {
                    continue;
                }
                let k = s.count_ones() as usize;
                let w = fact(k) * fact(m - k - 1) / fact(m);
                *p += w * (v(s | 1 << i) - v(s));
            }
        }
        phi
    }

    fn small_forest(seed: u64, width: usize) -> (CompactForest, FeatureMatrix) {
        let mut x = FeatureMatrix::with_capacity(width, 300);
        let mut y = Vec::new();
        let mut r = seed;
        let mut next = || {
            r = r
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (r >> 33) as f64 / (1u64 << 31) as f64
        };
        for _ in 0..300 {
            let row: Vec<f64> = (0..width).map(|_| (next() * 10.0).floor()).collect();
            let p = 0.1 + 0.08 * row[0] - 0.05 * row[1] + 0.04 * row[2 % width];
            y.push(next() < p.clamp(0.0, 1.0));
            x.push(&row);
        }
        let params = ForestParams {
            n_trees: 6,
            max_depth: 5,
            sampled_max_depth: 5,
            min_samples_leaf: 4,
            max_features: 3,
            seed,
        };
        (fit(&x, &y, &params, usize::MAX).unwrap().forest, x)
    }

    #[test]
    fn contributions_equal_brute_force_shapley_values() {
        for seed in [1, 2, 3] {
            let (forest, x) = small_forest(seed, 5);
            assert!(has_covers(&forest));
            for r in [0, 17, 123, 299] {
                let row = x.row(r);
                let got = contributions(&forest, row).unwrap();
                let want = brute_force(&forest, row);
                for (g, w) in got.columns.iter().zip(&want) {
                    assert!((g - w).abs() < 1e-12, "seed {seed} row {r}: {g} vs {w}");
                }
                // The empty set's value is the expected value.
                let empty: f64 = forest
                    .trees
                    .iter()
                    .map(|t| value_given(t, row, 0, 0))
                    .sum::<f64>()
                    / forest.trees.len() as f64;
                assert!((got.expected - empty).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn contributions_and_expected_value_add_up_to_the_prediction() {
        let (forest, x) = small_forest(9, 6);
        for r in 0..x.rows() {
            let c = contributions(&forest, x.row(r)).unwrap();
            let sum = c.expected + c.columns.iter().sum::<f64>();
            let risk = forest.predict_one(x.row(r));
            assert!((sum - risk).abs() < 1e-12, "row {r}: {sum} vs {risk}");
        }
        // A column no tree splits on contributes nothing.
        let mut wide = FeatureMatrix::with_capacity(7, 1);
        let mut row = x.row(0).to_vec();
        row.push(5.0);
        wide.push(&row);
        assert_eq!(contributions(&forest, wide.row(0)).unwrap().columns[6], 0.0);
    }

    #[test]
    fn a_forest_without_covers_has_no_contributions() {
        let (mut forest, x) = small_forest(4, 4);
        forest.trees[2].cover.clear();
        assert!(contributions(&forest, x.row(0)).is_none());
    }
}
