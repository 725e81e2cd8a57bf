//! Batch scoring that walks several rows down one tree at the same time.
//!
//! A single walk is a chain of dependent loads (the next node depends on the comparison at
//! this one), so one row at a time leaves the core waiting on memory at every level. Walking
//! [`LANES`] rows in lock step gives it that many independent chains to overlap. Leaves are
//! rewritten as nodes that point to themselves, so every lane takes exactly the tree's depth in
//! steps without a per-lane "am I done" branch; each row still ends in the same leaf as
//! [`CompactTree::predict`], and the per-row sums add the trees in the same order, so the
//! scores are bit for bit the ones of the row-by-row walk.

use super::forest::CompactTree;

/// Rows walked together.
pub const LANES: usize = 16;

/// One node of the stepping layout: `next = left + (x[feature] > value)`.
#[derive(Clone, Copy, Debug)]
struct Step {
    value: f64,
    feature: u32,
    left: u32,
}

/// A tree laid out for lock-step walks: leaves loop onto themselves.
#[derive(Clone, Debug)]
pub struct SteppedTree {
    steps: Vec<Step>,
    /// Leaf value per node (only read at leaves).
    values: Vec<f64>,
    /// Edges from the root to the deepest leaf.
    depth: usize,
}

impl SteppedTree {
    /// The stepping layout of `tree` (a well-formed tree: children after their parent).
    pub fn new(tree: &CompactTree) -> SteppedTree {
        let n = tree.nodes.len();
        let mut depth_of = vec![0usize; n];
        let mut depth = 0;
        let mut steps = Vec::with_capacity(n);
        for (i, node) in tree.nodes.iter().enumerate() {
            if tree.is_leaf(i) {
                depth = depth.max(depth_of[i]);
                // `x > +inf` is false for every x (NaN included): the lane stays here.
                steps.push(Step {
                    value: f64::INFINITY,
                    feature: 0,
                    left: i as u32,
                });
            } else {
                let (left, below) = (node.left as usize, depth_of[i] + 1);
                for child in [left, left + 1] {
                    if let Some(d) = depth_of.get_mut(child) {
                        *d = below;
                    }
                }
                steps.push(Step {
                    value: node.value,
                    feature: node.feature,
                    left: node.left,
                });
            }
        }
        SteppedTree {
            steps,
            values: tree.nodes.iter().map(|n| n.value).collect(),
            depth,
        }
    }

    /// Adds this tree's leaf value for each of the `LANES` rows in `rows` (row-major, `width`
    /// values per row) to `out`.
    #[inline]
    pub fn add_lanes(&self, rows: &[f64], width: usize, out: &mut [f64]) {
        const EACH_LANE: [usize; LANES] = {
            let mut lanes = [0; LANES];
            let mut k = 0;
            while k < LANES {
                lanes[k] = k;
                k += 1;
            }
            lanes
        };
        for (slot, i) in out.iter_mut().zip(self.leaves_at(rows, width, &EACH_LANE)) {
            *slot += self.values[i];
        }
    }

    /// The leaf (node index) each of the rows `rows[lane]` of `x` (row-major, `width` values
    /// per row) ends in: the same node as [`CompactTree::leaf_of`].
    #[inline]
    pub fn leaves_at(&self, x: &[f64], width: usize, rows: &[usize; LANES]) -> [usize; LANES] {
        let mut at = [0usize; LANES];
        for _ in 0..self.depth {
            for (i, r) in at.iter_mut().zip(rows) {
                let s = self.steps[*i];
                let v = x[r * width + s.feature as usize];
                *i = s.left as usize + usize::from(v > s.value);
            }
        }
        at
    }

    /// The value of leaf `node`.
    #[inline]
    pub fn value(&self, node: usize) -> f64 {
        self.values[node]
    }
}

#[cfg(test)]
mod tests {
    use crate::model::features::FeatureMatrix;
    use crate::model::forest::{ForestParams, fit};

    fn matrix(rows: usize, salt: usize) -> (FeatureMatrix, Vec<bool>) {
        let mut x = FeatureMatrix::with_capacity(5, rows);
        let mut y = Vec::new();
        for i in 0..rows {
            let a = ((i * 31 + salt) % 97) as f64;
            let b = ((i * 17 + salt) % 41) as f64 / 4.0;
            x.push(&[a, b, (i % 3) as f64, a * b, ((i * 7) % 11) as f64]);
            y.push(a / 10.0 + b > 9.0 || i % 13 == 0);
        }
        (x, y)
    }

    #[test]
    fn lock_step_scores_equal_the_row_by_row_walk_bit_for_bit() {
        let (x, y) = matrix(3000, 0);
        let params = ForestParams {
            n_trees: 12,
            max_depth: 9,
            sampled_max_depth: 9,
            min_samples_leaf: 2,
            max_features: 2,
            seed: 5,
        };
        // Both learners: smartcore under the sample cap, the histogram learner above it.
        for cap in [usize::MAX, 1000] {
            let forest = fit(&x, &y, &params, cap).unwrap().forest;
            // Rows the forest never saw, a count that is not a multiple of the lanes, and
            // values no split expects (NaN, infinities).
            let (mut probe, _) = matrix(2051, 5);
            probe.values[3] = f64::NAN;
            probe.values[11] = f64::INFINITY;
            probe.values[27] = f64::NEG_INFINITY;
            let batch = forest.predict(&probe);
            assert_eq!(batch.len(), probe.rows());
            for (r, got) in batch.iter().enumerate() {
                let want = forest.predict_one(probe.row(r));
                assert_eq!(got.to_bits(), want.to_bits(), "row {r} (cap {cap})");
            }
            // Any rows, in any order, end in the leaves of the row-by-row walk.
            let picks: [usize; super::LANES] = std::array::from_fn(|k| (k * 131 + 7) % 2051);
            for tree in &forest.trees {
                let leaves = super::SteppedTree::new(tree).leaves_at(&probe.values, 5, &picks);
                for (leaf, &r) in leaves.iter().zip(&picks) {
                    assert_eq!(*leaf, tree.leaf_of(probe.row(r)), "row {r} (cap {cap})");
                }
            }
            let depths: Vec<usize> = forest
                .trees
                .iter()
                .map(|t| super::SteppedTree::new(t).depth)
                .collect();
            assert!(depths.iter().all(|&d| (1..=9).contains(&d)), "{depths:?}");
        }
    }
}
