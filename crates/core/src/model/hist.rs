//! A histogram tree learner for forests on many rows (the approach of LightGBM and
//! scikit-learn's HistGradientBoosting): each feature is cut once into at most 256 bins,
//! and a node's best split is found from per-bin sums of its rows, so a tree costs
//! O(rows x depth x features tried) instead of a pass over every feature's sorted order.
//!
//! Splits are the CART regression splits smartcore makes (most variance removed, i.e. Gini
//! on a 0/1 target), restricted to bin boundaries; a feature with at most 256 distinct
//! values is cut between every pair of them, so there the split is the exact best split.

use super::features::FeatureMatrix;
use super::forest::{CompactTree, ForestParams, Node};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// Bins per feature at most.
const MAX_BINS: usize = 256;

/// Rows whose values place the cuts (quantiles of a spread-out subset).
const CUT_SAMPLE: usize = 200_000;

/// The rows of a matrix as bin codes, with each feature's cut values.
pub struct Binned {
    /// Rows.
    pub n: usize,
    /// Feature-major codes: `codes[f * n + r]`.
    codes: Vec<u8>,
    /// Per feature, ascending: a value goes right of cut `k` when it is greater than
    /// `cuts[f][k]`, and its bin is the number of cuts below it.
    cuts: Vec<Vec<f64>>,
}

impl Binned {
    /// Cuts every feature of `x` and codes every row.
    pub fn new(x: &FeatureMatrix) -> Binned {
        let n = x.rows();
        let step = n.div_ceil(CUT_SAMPLE).max(1);
        let mut codes = vec![0u8; n * x.width];
        let mut cuts = Vec::with_capacity(x.width);
        for f in 0..x.width {
            let mut v: Vec<f64> = (0..n).step_by(step).map(|r| x.row(r)[f]).collect();
            v.retain(|x| !x.is_nan());
            v.sort_unstable_by(f64::total_cmp);
            v.dedup();
            let c = cut_values(&v);
            for (r, code) in codes[f * n..(f + 1) * n].iter_mut().enumerate() {
                let value = x.row(r)[f];
                *code = c.partition_point(|&t| t < value) as u8;
            }
            cuts.push(c);
        }
        Binned { n, codes, cuts }
    }

    fn code(&self, f: usize, r: u32) -> usize {
        usize::from(self.codes[f * self.n + r as usize])
    }
}

/// At most `MAX_BINS - 1` cuts between distinct sorted values: between every pair when they
/// are few, else at (about) equal-count quantiles; each cut is the midpoint of the two
/// values it separates, as CART's are.
fn cut_values(distinct: &[f64]) -> Vec<f64> {
    if distinct.len() < 2 {
        return Vec::new();
    }
    let gaps = distinct.len() - 1;
    let wanted = gaps.min(MAX_BINS - 1);
    let mut cuts: Vec<f64> = (1..=wanted)
        .map(|k| {
            let i = (k * gaps) / wanted - 1;
            distinct[i] + (distinct[i + 1] - distinct[i]) / 2.0
        })
        .collect();
    cuts.dedup();
    cuts
}

/// One row of a tree's sample: which row, its bootstrap count and its target.
#[derive(Clone, Copy)]
struct Entry {
    row: u32,
    w: f64,
    y: f64,
}

/// A node waiting to be split or made a leaf.
struct Pending {
    slot: usize,
    start: usize,
    end: usize,
    depth: u16,
}

/// Grows one tree on `sample` (rows of `bins` with their bootstrap counts) and returns it
/// with each feature's share of the impurity it removed.
pub fn grow(
    bins: &Binned,
    y: &[bool],
    sample: &[(u32, u32)],
    params: &ForestParams,
    seed: u64,
) -> (CompactTree, Vec<f64>) {
    let width = bins.cuts.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut entries: Vec<Entry> = sample
        .iter()
        .map(|&(row, count)| Entry {
            row,
            w: f64::from(count),
            y: f64::from(u8::from(y[row as usize])) * f64::from(count),
        })
        .collect();
    let mut nodes = vec![leaf(0.0)];
    let mut importance = vec![0.0; width];
    let mut queue = std::collections::VecDeque::from([Pending {
        slot: 0,
        start: 0,
        end: entries.len(),
        depth: 0,
    }]);
    let mut features: Vec<usize> = (0..width).collect();
    let leaf_min = params.min_samples_leaf.max(1) as f64;
    let mut hist = vec![(0.0f64, 0.0f64); MAX_BINS];
    while let Some(p) = queue.pop_front() {
        let node = &entries[p.start..p.end];
        let (w, wy) = node.iter().fold((0.0, 0.0), |(a, b), e| (a + e.w, b + e.y));
        nodes[p.slot] = leaf(if w > 0.0 { wy / w } else { 0.0 });
        if p.depth >= params.max_depth || w < 2.0 * leaf_min {
            continue;
        }
        // Features tried at this node: a random `max_features` of them.
        let m = params.max_features.clamp(1, width.max(1));
        for k in 0..m {
            let j = rng.random_range(k..width);
            features.swap(k, j);
        }
        let parent = wy * wy / w;
        let mut best: Option<(f64, usize, usize)> = None;
        for &f in &features[..m] {
            let bins_f = bins.cuts[f].len() + 1;
            hist[..bins_f].fill((0.0, 0.0));
            for e in node {
                let h = &mut hist[bins.code(f, e.row)];
                h.0 += e.w;
                h.1 += e.y;
            }
            let (mut lw, mut ly) = (0.0, 0.0);
            for (k, h) in hist[..bins_f - 1].iter().enumerate() {
                lw += h.0;
                ly += h.1;
                let rw = w - lw;
                if lw < leaf_min || rw < leaf_min {
                    continue;
                }
                let gain = ly * ly / lw + (wy - ly) * (wy - ly) / rw - parent;
                if gain > 1e-12 && best.is_none_or(|(g, _, _)| gain > g) {
                    best = Some((gain, f, k));
                }
            }
        }
        let Some((gain, f, k)) = best else { continue };
        importance[f] += gain;
        let node = &mut entries[p.start..p.end];
        let mid = p.start + partition(node, |e| bins.code(f, e.row) <= k);
        let left = nodes.len();
        nodes.push(leaf(0.0));
        nodes.push(leaf(0.0));
        nodes[p.slot] = Node {
            value: bins.cuts[f][k],
            feature: f as u32,
            left: left as u32,
        };
        let depth = p.depth + 1;
        queue.push_back(Pending {
            slot: left,
            start: p.start,
            end: mid,
            depth,
        });
        queue.push_back(Pending {
            slot: left + 1,
            start: mid,
            end: p.end,
            depth,
        });
    }
    let total: f64 = importance.iter().sum();
    if total > 0.0 {
        importance.iter_mut().for_each(|v| *v /= total);
    }
    (
        CompactTree {
            nodes,
            cover: Vec::new(),
        },
        importance,
    )
}

fn leaf(value: f64) -> Node {
    Node {
        value,
        feature: u32::MAX,
        left: 0,
    }
}

/// Moves the entries for which `left` holds to the front; returns how many there are.
fn partition(entries: &mut [Entry], left: impl Fn(&Entry) -> bool) -> usize {
    let mut i = 0;
    for j in 0..entries.len() {
        if left(&entries[j]) {
            entries.swap(i, j);
            i += 1;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The best single split by brute force: every midpoint of every feature, most variance
    /// removed, both sides at least `leaf` rows.
    fn brute_force_split(x: &FeatureMatrix, y: &[f64], leaf: f64) -> Option<(f64, usize, f64)> {
        let n = x.rows();
        let (w, s) = (n as f64, y.iter().sum::<f64>());
        let mut best: Option<(f64, usize, f64)> = None;
        for f in 0..x.width {
            let mut v: Vec<f64> = (0..n).map(|r| x.row(r)[f]).collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            for pair in v.windows(2) {
                let t = pair[0] + (pair[1] - pair[0]) / 2.0;
                let (mut lw, mut ls) = (0.0, 0.0);
                for (r, target) in y.iter().enumerate() {
                    if x.row(r)[f] <= t {
                        lw += 1.0;
                        ls += target;
                    }
                }
                if lw < leaf || w - lw < leaf {
                    continue;
                }
                let gain = ls * ls / lw + (s - ls) * (s - ls) / (w - lw) - s * s / w;
                if best.is_none_or(|(g, _, _)| gain > g + 1e-12) {
                    best = Some((gain, f, t));
                }
            }
        }
        best
    }

    /// On features with fewer than 256 distinct values the root split is the exact best
    /// split, and a deeper tree's leaves are the mean target of the rows that reach them.
    #[test]
    fn splits_are_the_exact_best_and_leaves_the_mean() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut x = FeatureMatrix::with_capacity(3, 2000);
        let mut y = Vec::new();
        for _ in 0..2000 {
            let row = [
                f64::from(rng.random_range(0..40u8)),
                f64::from(rng.random_range(0..5u8)) * 0.5,
                f64::from(rng.random_range(0..200u8)),
            ];
            let p = 0.1 + 0.6 * f64::from(u8::from(row[0] > 25.0)) + 0.2 * (row[1] / 2.0);
            y.push(f64::from(u8::from(rng.random_range(0.0..1.0) < p)));
            x.push(&row);
        }
        let bins = Binned::new(&x);
        let sample: Vec<(u32, u32)> = (0..2000).map(|r| (r, 1)).collect();
        let params = ForestParams {
            n_trees: 1,
            max_depth: 1,
            sampled_max_depth: 1,
            min_samples_leaf: 30,
            max_features: 3,
            seed: 0,
        };
        let labels: Vec<bool> = y.iter().map(|&v| v == 1.0).collect();
        let (tree, importance) = grow(&bins, &labels, &sample, &params, 1);
        let (_, f, t) = brute_force_split(&x, &y, 30.0).unwrap();
        assert_eq!(
            (tree.nodes[0].feature as usize, tree.nodes[0].value),
            (f, t)
        );
        assert_eq!(importance[f], 1.0);
        let deep = ForestParams {
            max_depth: 6,
            ..params
        };
        let (tree, _) = grow(&bins, &labels, &sample, &deep, 1);
        let mut sums = vec![(0.0, 0.0); tree.nodes.len()];
        for (r, target) in y.iter().enumerate() {
            let leaf = tree.leaf_of(x.row(r));
            sums[leaf].0 += 1.0;
            sums[leaf].1 += target;
        }
        for (i, (n, s)) in sums.iter().enumerate() {
            if tree.is_leaf(i) && *n > 0.0 {
                assert!((tree.nodes[i].value - s / n).abs() < 1e-12);
                assert!(*n >= 30.0);
            }
        }
    }
}
