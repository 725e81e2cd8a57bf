//! How Evidently turns two samples into the two distributions it compares with Jensen-Shannon:
//! numerical columns with more than 20 distinct reference values go into numpy's "sturges"
//! histogram bins over both samples; anything else is counted per value. Empty buckets get a
//! tiny share ("feel zeroes") so the distance stays finite.

use super::sample::{Pair, Sample};

/// Distinct reference values above which a numerical column is binned.
pub const MAX_CATEGORIES_FOR_COUNTS: usize = 20;

/// numpy's `histogram_bin_edges(values, bins="sturges")`.
pub fn sturges_edges(values: &[f64]) -> Vec<f64> {
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    sturges_edges_over(lo, hi, values.len())
}

/// [`sturges_edges`] of `n` values whose smallest and largest are `lo` and `hi`.
pub fn sturges_edges_over(mut lo: f64, mut hi: f64, n: usize) -> Vec<f64> {
    if n == 0 {
        return vec![0.0, 1.0];
    }
    if lo == hi {
        lo -= 0.5;
        hi += 0.5;
    }
    let ptp = hi - lo;
    let width = ptp / ((n as f64).log2() + 1.0);
    let n = if width > 0.0 {
        (ptp / width).ceil() as usize
    } else {
        1
    };
    let step = (hi - lo) / n as f64;
    let mut edges: Vec<f64> = (0..=n).map(|i| lo + i as f64 * step).collect();
    edges[n] = hi;
    edges
}

/// numpy's `histogram(values, edges)[0]` for equal-width `edges` (last bin closed).
pub fn histogram(values: &[f64], edges: &[f64]) -> Vec<f64> {
    histogram_of_runs(values.iter().map(|&v| (v, 1)), edges)
}

/// [`histogram`] of a sample's runs of equal values ([`Sample::runs`]).
pub fn histogram_of(sample: &Sample, edges: &[f64]) -> Vec<f64> {
    histogram_of_runs(sample.runs(), edges)
}

/// [`histogram`] of (value, how many times) pairs.
fn histogram_of_runs(runs: impl Iterator<Item = (f64, usize)>, edges: &[f64]) -> Vec<f64> {
    let n = edges.len() - 1;
    let (first, last) = (edges[0], edges[n]);
    let norm = n as f64 / (last - first);
    let mut counts = vec![0.0; n];
    for (x, times) in runs {
        if !(x >= first && x <= last) {
            continue;
        }
        let mut i = (((x - first) * norm) as usize).min(n - 1);
        if x < edges[i] {
            i -= 1;
        } else if i + 1 < n && x >= edges[i + 1] {
            i += 1;
        }
        counts[i] += times as f64;
    }
    counts
}

/// Replaces zero shares: by the smallest non-zero share / 10^6 if that is <= 0.0001, else
/// by 0.0001 (Evidently's `feel_zeroes`).
fn feel_zeroes(shares: &mut [f64]) {
    let min = shares
        .iter()
        .copied()
        .filter(|&s| s != 0.0)
        .fold(f64::INFINITY, f64::min);
    if !min.is_finite() {
        return;
    }
    let fill = if min <= 0.0001 { min / 1e6 } else { 0.0001 };
    for s in shares.iter_mut().filter(|s| **s == 0.0) {
        *s = fill;
    }
}

/// The distinct values of both samples, sorted.
pub fn union_keys(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut keys: Vec<f64> = a.iter().chain(b).copied().collect();
    keys.sort_unstable_by(f64::total_cmp);
    keys.dedup();
    keys
}

/// How often each of `keys` (sorted) occurs in `sample`.
pub fn counts(sample: &[f64], keys: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; keys.len()];
    for v in sample {
        if let Ok(i) = keys.binary_search_by(|k| k.total_cmp(v)) {
            out[i] += 1.0;
        }
    }
    out
}

/// Number of distinct values.
pub fn n_distinct(values: &[f64]) -> usize {
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    v.dedup();
    v.len()
}

/// The (reference, current) shares Evidently compares; `numerical` is the column's type.
pub fn binned_shares(reference: &[f64], current: &[f64], numerical: bool) -> (Vec<f64>, Vec<f64>) {
    let (r, c) = (
        Sample::new(reference.to_vec()),
        Sample::new(current.to_vec()),
    );
    binned_shares_of(&Pair::new(&r, &c), numerical)
}

/// [`binned_shares`] of two samples sorted once.
pub fn binned_shares_of(pair: &Pair, numerical: bool) -> (Vec<f64>, Vec<f64>) {
    let (reference, current) = (pair.reference, pair.current);
    let (nr, nc) = (reference.len().max(1) as f64, current.len().max(1) as f64);
    let (mut r, mut c) = if numerical && reference.distinct > MAX_CATEGORIES_FOR_COUNTS {
        let (lo, hi) = pair.range();
        let edges = sturges_edges_over(lo, hi, pair.len());
        (
            histogram_of(reference, &edges),
            histogram_of(current, &edges),
        )
    } else {
        let keys = pair.union_keys();
        (reference.counts(&keys), current.counts(&keys))
    };
    r.iter_mut().for_each(|v| *v /= nr);
    c.iter_mut().for_each(|v| *v /= nc);
    feel_zeroes(&mut r);
    feel_zeroes(&mut c);
    (r, c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::stats::jensen_shannon;

    // Reference values from numpy 2 / scipy 1.17.1 on this machine:
    //   edges = np.histogram_bin_edges(ref + cur, bins="sturges"); np.histogram(x, edges)[0];
    //   jensenshannon(feel_zeroes(ref_share), feel_zeroes(cur_share)) as in Evidently's
    //   get_binned_data.
    fn samples() -> (Vec<f64>, Vec<f64>) {
        let r = (0..300)
            .map(|i| (f64::from(i) * 0.37).sin() * 10.0 + f64::from(i) * 0.05)
            .collect();
        let c = (0..120)
            .map(|i| (f64::from(i) * 0.51).sin() * 10.0 + 4.0)
            .collect();
        (r, c)
    }

    #[test]
    fn sturges_histogram_matches_numpy() {
        let (r, c) = samples();
        let all: Vec<f64> = r.iter().chain(&c).copied().collect();
        let edges = sturges_edges(&all);
        assert_eq!(edges.len(), 11);
        assert!((edges[0] - -9.302398257691626).abs() < 1e-12);
        assert!((edges[10] - 24.646861787080248).abs() < 1e-12);
        assert_eq!(
            histogram(&r, &edges),
            [14.0, 24.0, 32.0, 41.0, 38.0, 43.0, 38.0, 31.0, 25.0, 14.0]
        );
        assert_eq!(
            histogram(&c, &edges),
            [6.0, 25.0, 14.0, 14.0, 14.0, 17.0, 30.0, 0.0, 0.0, 0.0]
        );
    }

    #[test]
    fn jensen_shannon_on_evidently_bins_matches() {
        let (r, c) = samples();
        let (p, q) = binned_shares(&r, &c, true);
        assert!((jensen_shannon(&p, &q).unwrap() - 0.3248517802198826).abs() < 1e-12);
        let r2 = [1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 5.0];
        let c2 = [1.0, 2.0, 2.0, 2.0, 3.0, 6.0, 6.0];
        let (p, q) = binned_shares(&r2, &c2, false);
        assert!((jensen_shannon(&p, &q).unwrap() - 0.5358177776058726).abs() < 1e-12);
    }
}
