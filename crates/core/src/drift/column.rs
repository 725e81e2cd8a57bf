//! Per-column drift with Evidently's DataDriftPreset defaults, so results compare with it:
//!
//! | reference rows | column                                   | test                     | drift when |
//! |---|---|---|---|
//! | <= 1000 | numerical, > 5 distinct values (both samples) | two-sample KS            | p <= 0.05 |
//! | <= 1000 | categorical, or numerical with <= 5 values    | chi-squared (> 2 values) | p < 0.05  |
//! | <= 1000 | ... with <= 2 values                          | two-proportion Z-test    | p < 0.05  |
//! | > 1000  | numerical, > 5 distinct values                | Wasserstein / ref. std   | >= 0.1    |
//! | > 1000  | categorical, or numerical with <= 5 values    | Jensen-Shannon distance  | >= 0.1    |
//!
//! A dataset drifts when at least half of its columns do. Categorical values are passed as
//! numeric codes (any consistent encoding).

use super::binning::binned_shares_of;
use super::sample::{Pair, Sample};
use super::stats::{
    chi_square, jensen_shannon, ks_2samp_sorted, proportions_z_test, wasserstein_sorted,
};
use serde::{Deserialize, Serialize};

/// Reference size up to which p-value tests are used.
pub const SMALL_REFERENCE: usize = 1000;
/// Distinct values up to which a numerical column is treated as categorical.
pub const FEW_VALUES: usize = 5;
/// p-value threshold.
pub const P_THRESHOLD: f64 = 0.05;
/// Distance threshold.
pub const DISTANCE_THRESHOLD: f64 = 0.1;
/// Share of drifted columns from which the dataset drifts.
pub const DATASET_DRIFT_SHARE: f64 = 0.5;

/// Column type as Evidently sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Numbers.
    Numerical,
    /// Categories (encoded as numbers).
    Categorical,
}

/// The test used for a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatTest {
    /// Two-sample Kolmogorov-Smirnov (p-value).
    Ks,
    /// Chi-squared goodness of fit (p-value).
    ChiSquare,
    /// Two-proportion Z-test (p-value).
    ZTest,
    /// Wasserstein distance divided by the reference standard deviation.
    WassersteinNormed,
    /// Jensen-Shannon distance.
    JensenShannon,
}

impl StatTest {
    /// The name used in every output (same as the JSON).
    pub fn name(self) -> &'static str {
        match self {
            StatTest::Ks => "ks",
            StatTest::ChiSquare => "chi_square",
            StatTest::ZTest => "z_test",
            StatTest::WassersteinNormed => "wasserstein_normed",
            StatTest::JensenShannon => "jensen_shannon",
        }
    }

    /// Whether the score is a p-value (drift when small) rather than a distance.
    pub fn is_p_value(self) -> bool {
        matches!(self, StatTest::Ks | StatTest::ChiSquare | StatTest::ZTest)
    }
}

/// One column's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnDrift {
    /// The test.
    pub test: StatTest,
    /// p-value or distance.
    pub score: f64,
    /// The threshold it is compared with.
    pub threshold: f64,
    /// The verdict.
    pub drifted: bool,
}

/// Chooses and runs the test for one column; `None` when a sample is empty.
pub fn column_drift(reference: &[f64], current: &[f64], kind: ColumnKind) -> Option<ColumnDrift> {
    let (r, c) = (
        Sample::new(reference.to_vec()),
        Sample::new(current.to_vec()),
    );
    column_drift_of(&Pair::new(&r, &c), kind)
}

/// [`column_drift`] of two samples sorted once ([`Sample`]).
pub fn column_drift_of(pair: &Pair, kind: ColumnKind) -> Option<ColumnDrift> {
    let (reference, current) = (pair.reference, pair.current);
    if reference.is_empty() || current.is_empty() {
        return None;
    }
    let n_values = pair.distinct();
    let numerical = kind == ColumnKind::Numerical && n_values > FEW_VALUES;
    let (test, score) = if reference.len() <= SMALL_REFERENCE {
        if numerical {
            let ks = ks_2samp_sorted(&reference.sorted, &current.sorted)?;
            (StatTest::Ks, ks.p_value)
        } else if n_values > 2 {
            (StatTest::ChiSquare, chi_square_p(pair))
        } else {
            (StatTest::ZTest, z_test_p(pair))
        }
    } else if numerical {
        let std = reference.population_std().max(0.001);
        (
            StatTest::WassersteinNormed,
            wasserstein_sorted(&reference.sorted, &current.sorted)? / std,
        )
    } else {
        let (r, c) = binned_shares_of(pair, kind == ColumnKind::Numerical);
        (StatTest::JensenShannon, jensen_shannon(&r, &c)?)
    };
    let (threshold, drifted) = match test {
        StatTest::Ks => (P_THRESHOLD, score <= P_THRESHOLD),
        StatTest::ChiSquare | StatTest::ZTest => (P_THRESHOLD, score < P_THRESHOLD),
        _ => (DISTANCE_THRESHOLD, score >= DISTANCE_THRESHOLD),
    };
    Some(ColumnDrift {
        test,
        score,
        threshold,
        drifted,
    })
}

/// Evidently's chi-squared: observed current counts against reference counts scaled to the
/// current size. A value absent from the reference has expected 0: scipy's statistic is then
/// infinite and its p-value 0.
fn chi_square_p(pair: &Pair) -> f64 {
    let keys = pair.union_keys();
    let k_norm = pair.current.len() as f64 / pair.reference.len() as f64;
    let expected: Vec<f64> = pair
        .reference
        .counts(&keys)
        .iter()
        .map(|c| c * k_norm)
        .collect();
    let observed = pair.current.counts(&keys);
    if expected
        .iter()
        .zip(&observed)
        .any(|(&e, &o)| e == 0.0 && o > 0.0)
    {
        return 0.0;
    }
    chi_square(&observed, &expected).map_or(1.0, |r| r.p_value)
}

/// Evidently's Z-test on two-valued columns: share of values different from the smallest one.
fn z_test_p(pair: &Pair) -> f64 {
    let first = pair.range().0;
    let ones = |s: &Sample| s.sorted.iter().filter(|&&v| v != first).count() as f64;
    let (r, c) = (pair.reference, pair.current);
    proportions_z_test(ones(r), r.len() as f64, ones(c), c.len() as f64).map_or(1.0, |r| r.p_value)
}

/// Whether a dataset drifts: at least [`DATASET_DRIFT_SHARE`] of its columns drift.
pub fn dataset_drifted(columns: &[ColumnDrift]) -> bool {
    !columns.is_empty()
        && columns.iter().filter(|c| c.drifted).count() as f64 / columns.len() as f64
            >= DATASET_DRIFT_SHARE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(n: usize, f: impl Fn(usize) -> f64) -> Vec<f64> {
        (0..n).map(f).collect()
    }

    #[test]
    fn test_selection_follows_evidently_defaults() {
        let small = seq(500, |i| (i as f64 * 0.3).sin());
        let big = seq(2000, |i| (i as f64 * 0.3).sin());
        let cur = seq(300, |i| (i as f64 * 0.3).sin() + 0.5);
        assert_eq!(
            column_drift(&small, &cur, ColumnKind::Numerical)
                .unwrap()
                .test,
            StatTest::Ks
        );
        assert_eq!(
            column_drift(&big, &cur, ColumnKind::Numerical)
                .unwrap()
                .test,
            StatTest::WassersteinNormed
        );
        let cat_small = seq(500, |i| (i % 4) as f64);
        let cat_big = seq(2000, |i| (i % 4) as f64);
        let cat_cur = seq(300, |i| (i % 3) as f64);
        assert_eq!(
            column_drift(&cat_small, &cat_cur, ColumnKind::Categorical)
                .unwrap()
                .test,
            StatTest::ChiSquare
        );
        assert_eq!(
            column_drift(&cat_big, &cat_cur, ColumnKind::Categorical)
                .unwrap()
                .test,
            StatTest::JensenShannon
        );
        let bin = seq(500, |i| (i % 2) as f64);
        assert_eq!(
            column_drift(&bin, &bin, ColumnKind::Categorical)
                .unwrap()
                .test,
            StatTest::ZTest
        );
        // A numerical column with few values is treated as categorical.
        assert_eq!(
            column_drift(&cat_small, &cat_cur, ColumnKind::Numerical)
                .unwrap()
                .test,
            StatTest::ChiSquare
        );
    }

    #[test]
    fn shifted_samples_drift_and_identical_ones_do_not() {
        let r = seq(2000, |i| (i as f64 * 0.7).sin() * 2.0);
        let same = column_drift(&r, &r, ColumnKind::Numerical).unwrap();
        assert!(!same.drifted && same.score.abs() < 1e-12);
        let shifted: Vec<f64> = r.iter().map(|v| v + 1.0).collect();
        let d = column_drift(&r, &shifted, ColumnKind::Numerical).unwrap();
        assert!(d.drifted && d.score > 0.5, "{d:?}");
        // COD share 20% -> 45%: Jensen-Shannon on a large reference flags it.
        let cod_ref = seq(2000, |i| f64::from(i % 5 == 0));
        let cod_cur = seq(400, |i| f64::from(i % 20 < 9));
        assert!(
            column_drift(&cod_ref, &cod_cur, ColumnKind::Categorical)
                .unwrap()
                .drifted
        );
        assert!(dataset_drifted(&[d, d, same]));
        assert!(!dataset_drifted(&[d, same, same]));
    }

    #[test]
    fn test_names_match_the_json() {
        for t in [
            StatTest::Ks,
            StatTest::ChiSquare,
            StatTest::ZTest,
            StatTest::WassersteinNormed,
            StatTest::JensenShannon,
        ] {
            assert_eq!(serde_json::to_value(t).unwrap(), t.name());
        }
    }

    #[test]
    fn new_category_in_current_is_drift() {
        let r = seq(300, |i| (i % 3) as f64);
        let mut c = seq(100, |i| (i % 3) as f64);
        c.push(7.0);
        let d = column_drift(&r, &c, ColumnKind::Categorical).unwrap();
        assert_eq!(d.test, StatTest::ChiSquare);
        assert!(d.drifted && d.score == 0.0);
    }
}
