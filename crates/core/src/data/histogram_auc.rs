//! ROC AUC in constant memory, for the generator's Bayes AUC over millions of streamed orders.

/// ROC AUC over scores binned into `bins` equal-width buckets of [0, 1], in constant memory:
/// used by the generator, which streams millions of orders. Scores within one bin count as
/// ties, so it differs from the exact AUC by at most the share of pairs within a bin.
#[derive(Clone, Debug)]
pub struct HistogramAuc {
    pos: Vec<u64>,
    neg: Vec<u64>,
}

impl HistogramAuc {
    /// An empty accumulator with `bins` buckets.
    pub fn new(bins: usize) -> Self {
        HistogramAuc {
            pos: vec![0; bins.max(1)],
            neg: vec![0; bins.max(1)],
        }
    }
    /// Adds one scored outcome.
    pub fn add(&mut self, score: f64, label: bool) {
        let n = self.pos.len();
        let b = ((score.clamp(0.0, 1.0) * n as f64) as usize).min(n - 1);
        if label {
            self.pos[b] += 1;
        } else {
            self.neg[b] += 1;
        }
    }
    /// The AUC, `None` unless both classes were seen.
    pub fn auc(&self) -> Option<f64> {
        let (p, n): (u64, u64) = (self.pos.iter().sum(), self.neg.iter().sum());
        if p == 0 || n == 0 {
            return None;
        }
        let (mut neg_below, mut num) = (0u64, 0.0f64);
        for (&pb, &nb) in self.pos.iter().zip(&self.neg) {
            num += pb as f64 * (neg_below as f64 + 0.5 * nb as f64);
            neg_below += nb;
        }
        Some(num / (p as f64 * n as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // scikit-learn 1.5: y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8] -> roc_auc_score 0.75.
    #[test]
    fn matches_the_exact_auc_on_distinct_bins() {
        let y = [false, false, true, true];
        let s = [0.1, 0.4, 0.35, 0.8];
        let mut h = HistogramAuc::new(1000);
        for (l, v) in y.iter().zip(s) {
            h.add(v, *l);
        }
        assert!((h.auc().unwrap() - 0.75).abs() < 1e-12);
        assert_eq!(HistogramAuc::new(10).auc(), None);
    }
}
