//! Random forests: trained with smartcore's `RandomForestRegressor` on the 0/1 return target
//! (the mean of leaf return rates is the return probability; the variance criterion on 0/1
//! equals Gini), then copied into a compact flat layout that scores in parallel chunks.

use super::features::FeatureMatrix;
use super::lockstep::{LANES, SteppedTree};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;

/// Forest hyper-parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForestParams {
    /// Number of trees.
    pub n_trees: usize,
    /// Maximum tree depth.
    pub max_depth: u16,
    /// Minimum orders in a leaf (larger leaves give smoother probabilities).
    pub min_samples_leaf: usize,
    /// Features tried per split.
    pub max_features: usize,
    /// Seed for bootstrap samples and feature choice.
    pub seed: u64,
    /// Maximum depth of a tree that learns from its own sample of a larger training set
    /// ([`super::sampled`]): 150,000 rows with leaves of 25 have room for about 6,000
    /// leaves, which 12 levels (4,096) cut short. On the 10M demo's global holdout, depth
    /// 12 -> 16 took ROC AUC from 0.7461 to 0.7473 (Bayes 0.7518); `min_samples_leaf`
    /// still bounds every leaf. Forests trained on all their rows keep `max_depth`.
    #[serde(default = "depth_before_sampled_max_depth")]
    pub sampled_max_depth: u16,
}

/// [`ForestParams::sampled_max_depth`] by default.
pub const SAMPLED_MAX_DEPTH: u16 = 16;

/// What models saved before [`ForestParams::sampled_max_depth`] did: every tree grew to
/// the default `max_depth`.
fn depth_before_sampled_max_depth() -> u16 {
    12
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_trees: 100,
            max_depth: 12,
            min_samples_leaf: 25,
            max_features: 3,
            seed: 7,
            sampled_max_depth: SAMPLED_MAX_DEPTH,
        }
    }
}

/// Errors from training.
#[derive(Debug, thiserror::Error)]
pub enum ForestError {
    /// smartcore refused the input.
    #[error("forest training failed: {0}")]
    Fit(String),
    /// The fitted forest could not be copied into the compact layout.
    #[error("cannot read the fitted forest: {0}")]
    Layout(String),
}

/// Marks a leaf in [`CompactTree::feature`].
const LEAF: u32 = u32::MAX;

/// One node: 16 bytes. The two children of a split are adjacent (`left`, `left + 1`), so
/// the walk is branch-free: `next = left + (x[feature] > value)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Split threshold, or the leaf's return rate.
    pub value: f64,
    /// Split feature, or `u32::MAX` for a leaf.
    pub feature: u32,
    /// Child for `x <= value`; `left + 1` is the child for `x > value`.
    pub left: u32,
}

/// One tree; node 0 is the root.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompactTree {
    /// Nodes in breadth-first order.
    pub nodes: Vec<Node>,
    /// Training rows that reach each node (its cover), for exact contributions
    /// ([`super::shap`]); empty in models saved before covers were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cover: Vec<u32>,
}

impl CompactTree {
    /// The node a row ends in.
    #[inline]
    pub fn leaf_of(&self, x: &[f64]) -> usize {
        let mut i = 0;
        let mut node = &self.nodes[0];
        while node.feature != LEAF {
            i = node.left as usize + usize::from(x[node.feature as usize] > node.value);
            node = &self.nodes[i];
        }
        i
    }

    /// Whether node `i` is a leaf.
    #[inline]
    pub fn is_leaf(&self, i: usize) -> bool {
        self.nodes[i].feature == LEAF
    }

    /// Counts the rows of `x` that pass through each node into [`Self::cover`].
    pub(super) fn count_covers(&mut self, x: &FeatureMatrix) {
        self.count_covers_of((0..x.rows()).map(|r| x.row(r)));
    }

    /// The same for any rows.
    pub(super) fn count_covers_of<'a>(&mut self, rows: impl Iterator<Item = &'a [f64]>) {
        let mut cover = vec![0u32; self.nodes.len()];
        for row in rows {
            let mut i = 0;
            loop {
                cover[i] += 1;
                let n = &self.nodes[i];
                if n.feature == LEAF {
                    break;
                }
                i = n.left as usize + usize::from(row[n.feature as usize] > n.value);
            }
        }
        self.cover = cover;
    }

    /// The leaf value a row ends in.
    #[inline]
    pub(super) fn predict(&self, x: &[f64]) -> f64 {
        let mut node = &self.nodes[0];
        while node.feature != LEAF {
            let go_right = x[node.feature as usize] > node.value;
            node = &self.nodes[node.left as usize + usize::from(go_right)];
        }
        node.value
    }
}

/// A fitted forest in compact form, with smartcore's impurity importances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompactForest {
    /// The trees.
    pub trees: Vec<CompactTree>,
    /// Normalised impurity-decrease importance per feature.
    pub impurity_importance: Vec<f64>,
}

/// Mirror of smartcore's serialised forest, read through serde (its fields are private).
#[derive(Deserialize)]
struct SmartForest {
    forest_regressor: Option<SmartBase>,
}
#[derive(Deserialize)]
struct SmartBase {
    trees: Option<Vec<SmartTree>>,
}
#[derive(Deserialize)]
struct SmartTree {
    nodes: Vec<SmartNode>,
}
#[derive(Deserialize)]
struct SmartNode {
    output: f64,
    split_feature: usize,
    split_value: Option<f64>,
    true_child: Option<usize>,
    false_child: Option<usize>,
}

/// What training returns: the compact forest and out-of-bag predictions of the training rows
/// that have one (not those in every tree's bootstrap sample; a forest on samples predicts
/// a fixed sample of its rows).
pub struct Fitted {
    /// The forest.
    pub forest: CompactForest,
    /// (training row, out-of-bag prediction), rows ascending.
    pub oob: Vec<(usize, f64)>,
}

/// Trains a forest on rows `x` with targets `y` (returned or not). With more than
/// `max_samples` rows, each tree learns from its own sample of them ([`super::sampled`]);
/// else every tree bootstraps all rows.
pub fn fit(
    x: &FeatureMatrix,
    y: &[bool],
    params: &ForestParams,
    max_samples: usize,
) -> Result<Fitted, ForestError> {
    if x.rows() > max_samples.max(1) {
        return super::sampled::fit_sampled(x, y, params, max_samples.max(1));
    }
    let (rf, m) = fit_smartcore(x, y, params)?;
    let oob: Vec<f64> = rf
        .predict_oob(&m)
        .map_err(|e| ForestError::Fit(e.to_string()))?;
    let impurity_importance = rf
        .compute_feature_importances()
        .map_err(|e| ForestError::Fit(e.to_string()))?;
    let mut forest = compact(&rf, impurity_importance)?;
    for tree in &mut forest.trees {
        tree.count_covers(x);
    }
    Ok(Fitted {
        forest,
        oob: oob
            .into_iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .collect(),
    })
}

/// smartcore's forest on `x`, and the matrix it was fitted on.
fn fit_smartcore(
    x: &FeatureMatrix,
    y: &[bool],
    params: &ForestParams,
) -> Result<(SmartRf, DenseMatrix<f64>), ForestError> {
    let m = DenseMatrix::new(x.rows(), x.width, x.values.clone(), false)
        .map_err(|e| ForestError::Fit(e.to_string()))?;
    let target: Vec<f64> = y.iter().map(|&b| f64::from(u8::from(b))).collect();
    let sp = RandomForestRegressorParameters::default()
        .with_n_trees(params.n_trees)
        .with_max_depth(params.max_depth)
        .with_min_samples_leaf(params.min_samples_leaf)
        .with_min_samples_split(2 * params.min_samples_leaf)
        .with_m(params.max_features.min(x.width))
        .with_seed(params.seed)
        .with_keep_samples(true);
    let rf =
        RandomForestRegressor::fit(&m, &target, sp).map_err(|e| ForestError::Fit(e.to_string()))?;
    Ok((rf, m))
}

type SmartRf = RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>;

/// Copies a smartcore forest into the compact layout.
fn compact(rf: &SmartRf, impurity_importance: Vec<f64>) -> Result<CompactForest, ForestError> {
    let layout = |e: serde_json::Error| ForestError::Layout(e.to_string());
    let value = serde_json::to_value(rf).map_err(layout)?;
    let mirror: SmartForest = serde_json::from_value(value).map_err(layout)?;
    let trees = mirror
        .forest_regressor
        .and_then(|b| b.trees)
        .ok_or_else(|| ForestError::Layout("forest has no trees".into()))?;
    let mut out = Vec::with_capacity(trees.len());
    for t in trees {
        out.push(compact_tree(&t.nodes)?);
    }
    Ok(CompactForest {
        trees: out,
        impurity_importance,
    })
}

/// Renumbers a smartcore tree breadth-first with each split's children adjacent.
fn compact_tree(src: &[SmartNode]) -> Result<CompactTree, ForestError> {
    let bad = || ForestError::Layout("tree node points outside the tree".into());
    let mut nodes = Vec::with_capacity(src.len());
    // (source index) in the order the nodes are laid out.
    let mut queue = std::collections::VecDeque::from([0usize]);
    nodes.push(Node {
        value: 0.0,
        feature: LEAF,
        left: 0,
    });
    let mut next_slot = 1u32;
    let mut slot = 0usize;
    while let Some(i) = queue.pop_front() {
        let n = src.get(i).ok_or_else(bad)?;
        nodes[slot] = match (n.true_child, n.false_child, n.split_value) {
            (Some(l), Some(r), Some(v)) => {
                if l >= src.len() || r >= src.len() {
                    return Err(bad());
                }
                queue.push_back(l);
                queue.push_back(r);
                nodes.push(Node {
                    value: 0.0,
                    feature: LEAF,
                    left: 0,
                });
                nodes.push(Node {
                    value: 0.0,
                    feature: LEAF,
                    left: 0,
                });
                let left = next_slot;
                next_slot += 2;
                Node {
                    value: v,
                    feature: n.split_feature as u32,
                    left,
                }
            }
            _ => Node {
                value: n.output,
                feature: LEAF,
                left: 0,
            },
        };
        slot += 1;
    }
    Ok(CompactTree {
        nodes,
        cover: Vec::new(),
    })
}

impl CompactForest {
    /// Mean of the trees' leaf values for one row: the return probability.
    pub fn predict_one(&self, x: &[f64]) -> f64 {
        let sum: f64 = self.trees.iter().map(|t| t.predict(x)).sum();
        sum / self.trees.len().max(1) as f64
    }

    /// Scores many rows, in parallel chunks. Within a chunk the loop runs tree by tree, so one
    /// tree's nodes stay in cache while it scores every row of the chunk (row by row, a large
    /// forest would be fetched from memory again for each row), [`LANES`] rows at a time in
    /// lock step ([`super::lockstep`]). The per-row sums add the trees in the same order as
    /// [`Self::predict_one`], so results are identical.
    pub fn predict(&self, rows: &FeatureMatrix) -> Vec<f64> {
        const CHUNK: usize = 1024;
        let mut out = vec![0.0; rows.rows()];
        if rows.width == 0 {
            return out;
        }
        let n_trees = self.trees.len().max(1) as f64;
        let width = rows.width;
        let stepped: Vec<SteppedTree> = if rows.rows() >= LANES {
            self.trees.iter().map(SteppedTree::new).collect()
        } else {
            Vec::new()
        };
        out.par_chunks_mut(CHUNK)
            .zip(rows.values.par_chunks(CHUNK * width))
            .for_each(|(o, r)| {
                let full = o.len() / LANES * LANES;
                for (t, tree) in self.trees.iter().enumerate() {
                    if let Some(st) = stepped.get(t) {
                        let lanes = o[..full].chunks_exact_mut(LANES);
                        for (slots, x) in lanes.zip(r.chunks_exact(LANES * width)) {
                            st.add_lanes(x, width, slots);
                        }
                    }
                    let done = if stepped.is_empty() { 0 } else { full };
                    let rest = r[done * width..].chunks_exact(width);
                    for (slot, x) in o[done..].iter_mut().zip(rest) {
                        *slot += tree.predict(x);
                    }
                }
                for slot in o.iter_mut() {
                    *slot /= n_trees;
                }
            });
        out
    }

    /// Whether every tree is well formed: non-empty, children inside the tree and after their
    /// parent (so every walk ends), features below `width`, covers (when kept) one per node
    /// and each split's the sum of its children's. A model file that fails this is not used.
    pub fn is_valid(&self, width: usize) -> bool {
        !self.trees.is_empty()
            && self.trees.iter().all(|t| {
                !t.nodes.is_empty()
                    && covers_add_up(t)
                    && t.nodes.iter().enumerate().all(|(i, n)| {
                        n.feature == LEAF
                            || ((n.feature as usize) < width
                                && (n.left as usize) > i
                                && (n.left as usize) + 1 < t.nodes.len())
                    })
            })
    }
}

/// Whether a tree's covers are absent, or one per node with every split's cover the sum of
/// its children's (what [`super::shap`] relies on).
fn covers_add_up(t: &CompactTree) -> bool {
    if t.cover.is_empty() {
        return true;
    }
    t.cover.len() == t.nodes.len()
        && t.nodes.iter().enumerate().all(|(i, n)| {
            let l = n.left as usize;
            n.feature == LEAF
                || t.cover
                    .get(l + 1)
                    .is_some_and(|r| u64::from(t.cover[l]) + u64::from(*r) == u64::from(t.cover[i]))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compact copy scores exactly like smartcore's own predict.
    #[test]
    fn compact_layout_matches_smartcore_predictions() {
        let mut x = FeatureMatrix::with_capacity(8, 400);
        let mut y = Vec::new();
        for i in 0..400 {
            let a = f64::from(i % 20);
            let b = f64::from((i * 7) % 13);
            let row = [
                a,
                b,
                f64::from(i % 3),
                1.0,
                f64::from(i % 2),
                0.2,
                a / 20.0,
                3.0,
            ];
            x.push(&row);
            y.push(if a + b > 18.0 { 1.0 } else { 0.0 });
        }
        let params = ForestParams {
            n_trees: 15,
            max_depth: 6,
            min_samples_leaf: 3,
            max_features: 3,
            seed: 3,
            sampled_max_depth: 6,
        };
        let labels: Vec<bool> = y.iter().map(|&v| v == 1.0).collect();
        let fitted = fit(&x, &labels, &params, usize::MAX).unwrap();
        let m = DenseMatrix::new(x.rows(), 8, x.values.clone(), false).unwrap();
        let sp = RandomForestRegressorParameters::default()
            .with_n_trees(15)
            .with_max_depth(6)
            .with_min_samples_leaf(3)
            .with_min_samples_split(6)
            .with_m(3)
            .with_seed(3)
            .with_keep_samples(true);
        let rf: SmartRf = RandomForestRegressor::fit(&m, &y, sp).unwrap();
        let expected = rf.predict(&m).unwrap();
        let got = fitted.forest.predict(&x);
        for (g, e) in got.iter().zip(&expected) {
            assert!((g - e).abs() < 1e-12, "{g} vs {e}");
        }
        // The forest learned the rule.
        let auc =
            crate::model::metrics::roc_auc(&y.iter().map(|&v| v > 0.5).collect::<Vec<_>>(), &got)
                .unwrap();
        assert!(auc > 0.95, "auc {auc}");
    }
}
