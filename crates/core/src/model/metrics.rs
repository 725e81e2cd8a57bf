//! Classification metrics with scikit-learn's definitions: ROC AUC with tied scores,
//! average precision (PR AUC), Brier score, and accuracy / precision / recall / F1 at a
//! threshold with `zero_division = 0`. A metric that is undefined (one class only) is `None`.

use serde::{Deserialize, Serialize};

/// ROC AUC (`sklearn.metrics.roc_auc_score`): the probability that a random positive scores
/// above a random negative, ties counting one half. `None` unless both classes are present.
pub fn roc_auc(labels: &[bool], scores: &[f64]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..labels.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum_pos, mut n_pos) = (0.0, 0usize);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their average.
        let avg_rank = (i + j + 2) as f64 / 2.0;
        for &k in &idx[i..=j] {
            if labels[k] {
                rank_sum_pos += avg_rank;
                n_pos += 1;
            }
        }
        i = j + 1;
    }
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let u = rank_sum_pos - (n_pos * (n_pos + 1)) as f64 / 2.0;
    Some(u / (n_pos as f64 * n_neg as f64))
}

/// Average precision (`sklearn.metrics.average_precision_score`):
/// `sum_n (R_n - R_{n-1}) P_n` over the distinct score thresholds, highest first.
/// `None` unless both classes are present.
pub fn average_precision(labels: &[bool], scores: &[f64]) -> Option<f64> {
    let n_pos = labels.iter().filter(|&&l| l).count();
    if n_pos == 0 || n_pos == labels.len() {
        return None;
    }
    let (mut ap, mut prev_recall) = (0.0, 0.0);
    for (_, tp, fp) in descending_sweep(labels, scores) {
        let recall = tp as f64 / n_pos as f64;
        ap += (recall - prev_recall) * tp as f64 / (tp + fp) as f64;
        prev_recall = recall;
    }
    Some(ap)
}

/// For each distinct score, highest first: (score, true positives, false positives) when
/// everything scoring at least that much is predicted positive.
fn descending_sweep(labels: &[bool], scores: &[f64]) -> Vec<(f64, usize, usize)> {
    let mut idx: Vec<usize> = (0..labels.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut out = Vec::new();
    let mut i = 0;
    while i < idx.len() {
        let s = scores[idx[i]];
        while i < idx.len() && scores[idx[i]] == s {
            if labels[idx[i]] {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        out.push((s, tp, fp));
    }
    out
}

/// Brier score: mean squared difference between probability and outcome. `None` when empty.
pub fn brier(labels: &[bool], scores: &[f64]) -> Option<f64> {
    if labels.is_empty() {
        return None;
    }
    let sum: f64 = labels
        .iter()
        .zip(scores)
        .map(|(&l, &s)| (s - f64::from(u8::from(l))).powi(2))
        .sum();
    Some(sum / labels.len() as f64)
}

/// Confusion-matrix metrics at a threshold (`score >= threshold` predicts a return).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThresholdMetrics {
    /// (TP + TN) / n; `None` when empty.
    pub accuracy: Option<f64>,
    /// TP / (TP + FP), 0 when nothing is predicted positive.
    pub precision: f64,
    /// TP / (TP + FN), 0 when there are no positives.
    pub recall: f64,
    /// Harmonic mean of precision and recall, 0 when both are 0.
    pub f1: f64,
}

/// Accuracy, precision, recall and F1 at `threshold`, with `zero_division = 0`.
pub fn at_threshold(labels: &[bool], scores: &[f64], threshold: f64) -> ThresholdMetrics {
    let (mut tp, mut fp, mut tn, mut fn_) = (0usize, 0usize, 0usize, 0usize);
    for (&l, &s) in labels.iter().zip(scores) {
        match (s >= threshold, l) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
    }
    let div = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = div(tp, tp + fp);
    let recall = div(tp, tp + fn_);
    let f1 = div(2 * tp, 2 * tp + fp + fn_);
    ThresholdMetrics {
        accuracy: (!labels.is_empty()).then(|| (tp + tn) as f64 / labels.len() as f64),
        precision,
        recall,
        f1,
    }
}

/// The threshold that maximises F1 on (`labels`, `scores`), searched over the distinct scores;
/// the highest such threshold on ties; 0.5 when there are no positives.
pub fn best_f1_threshold(labels: &[bool], scores: &[f64]) -> f64 {
    let n_pos = labels.iter().filter(|&&l| l).count();
    if n_pos == 0 || labels.is_empty() {
        return 0.5;
    }
    let (mut best_f1, mut best_t) = (-1.0, 0.5);
    for (s, tp, fp) in descending_sweep(labels, scores) {
        let f1 = 2.0 * tp as f64 / (tp + fp + n_pos) as f64;
        if f1 > best_f1 {
            best_f1 = f1;
            best_t = s;
        }
    }
    best_t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    // Reference values from scikit-learn 1.5:
    //   y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8]
    //   roc_auc_score -> 0.75, average_precision_score -> 0.8333333333333333
    #[test]
    fn sklearn_doc_example() {
        let y = [false, false, true, true];
        let s = [0.1, 0.4, 0.35, 0.8];
        assert!(close(roc_auc(&y, &s).unwrap(), 0.75));
        assert!(close(average_precision(&y, &s).unwrap(), 5.0 / 6.0));
    }

    // With ties: y = [0, 1, 0, 1, 1], s = [0.5, 0.5, 0.2, 0.9, 0.5].
    // Pairs (pos, neg): (0.5,0.5)=.5 (0.5,0.2)=1 (0.9,*)=1+1 (0.5,0.5)=.5 (0.5,0.2)=1 -> 5/6.
    // AP: threshold 0.9 -> P=1, R=1/3; threshold 0.5 -> P=3/4, R=1; AP = 1/3 + 2/3*3/4 = 5/6.
    #[test]
    fn ties_are_handled_like_sklearn() {
        let y = [false, true, false, true, true];
        let s = [0.5, 0.5, 0.2, 0.9, 0.5];
        assert!(close(roc_auc(&y, &s).unwrap(), 5.0 / 6.0));
        assert!(close(average_precision(&y, &s).unwrap(), 5.0 / 6.0));
    }

    #[test]
    fn single_class_is_none_not_nan() {
        assert_eq!(roc_auc(&[true, true], &[0.1, 0.2]), None);
        assert_eq!(average_precision(&[false, false], &[0.1, 0.2]), None);
        assert_eq!(brier(&[], &[]), None);
    }

    #[test]
    fn brier_and_threshold_metrics() {
        let y = [true, false, true, false];
        let s = [0.9, 0.6, 0.4, 0.1];
        // (0.01 + 0.36 + 0.36 + 0.01) / 4
        assert!(close(brier(&y, &s).unwrap(), 0.185));
        let m = at_threshold(&y, &s, 0.5);
        assert!(close(m.accuracy.unwrap(), 0.5));
        assert!(close(m.precision, 0.5));
        assert!(close(m.recall, 0.5));
        assert!(close(m.f1, 0.5));
        // Nothing predicted positive: precision 0 by zero_division = 0.
        let none = at_threshold(&y, &s, 0.95);
        assert_eq!((none.precision, none.recall, none.f1), (0.0, 0.0, 0.0));
    }

    #[test]
    fn best_threshold_maximises_f1() {
        let y = [true, false, true, false, false];
        let s = [0.9, 0.6, 0.4, 0.1, 0.05];
        // t=0.9: F1 = 2/3; t=0.6: 2/4=0.5... t=0.4: P=2/3 R=1 -> 0.8 (best)
        assert!(close(best_f1_threshold(&y, &s), 0.4));
    }
}
