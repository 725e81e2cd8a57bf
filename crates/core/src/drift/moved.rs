//! What moved, in words a person reads next to a drift test: the share of the level that
//! changed most (`payment_method COD share 27% → 34%`), the mean of a count
//! (`delivery_days mean 4.9 → 6.2`), the median of an amount (`price median 58 → 61`). And
//! display histograms of whole numbers binned by whole numbers (the tests keep Evidently's
//! own buckets).

use super::sample::{Pair, Sample};
use serde::{Deserialize, Serialize};

/// The statistic that moved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "stat", rename_all = "snake_case")]
pub enum Stat {
    /// The share of one level.
    Share {
        /// The level.
        level: String,
    },
    /// The mean (whole-number columns).
    Mean,
    /// The median (other numbers).
    Median,
}

/// A column's statistic in the reference and current periods.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    /// Which statistic.
    #[serde(flatten)]
    pub stat: Stat,
    /// Its reference value (a share in 0-1 for `share`).
    pub reference: f64,
    /// Its current value.
    pub current: f64,
    /// The sentence: `payment_method COD share 27% → 34%`.
    pub text: String,
}

/// A number with about three significant digits.
fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Whether every value is a whole number.
pub fn whole(values: &[f64]) -> bool {
    values.iter().all(|v| v.fract() == 0.0)
}

/// What moved in column `name` between reference `r` and current `c` (levels as indices
/// into `labels` for categorical columns).
pub fn moved(name: &str, r: &[f64], c: &[f64], labels: Option<&[String]>) -> Option<Moved> {
    let (r, c) = (Sample::new(r.to_vec()), Sample::new(c.to_vec()));
    moved_between(name, &Pair::new(&r, &c), labels)
}

/// Each level's share of a sample of level indices (values that are no level count for none).
fn level_shares(s: &Sample, levels: usize) -> Vec<f64> {
    let mut counts = vec![0usize; levels];
    for (v, times) in s.runs() {
        if let Some(n) = counts.get_mut(v as usize) {
            *n += times;
        }
    }
    let n = s.len().max(1) as f64;
    counts.into_iter().map(|k| k as f64 / n).collect()
}

/// [`moved`] of two samples sorted once.
pub fn moved_between(name: &str, pair: &Pair, labels: Option<&[String]>) -> Option<Moved> {
    let (r, c) = (pair.reference, pair.current);
    let (stat, reference, current) = match labels {
        Some(labels) => {
            let (sr, sc) = (level_shares(r, labels.len()), level_shares(c, labels.len()));
            let k = (0..labels.len()).max_by(|&a, &b| {
                let d = |k: usize| (sc[k] - sr[k]).abs();
                d(a).total_cmp(&d(b))
            })?;
            let level = labels[k].clone();
            (Stat::Share { level }, sr[k], sc[k])
        }
        None if r.whole && c.whole => (Stat::Mean, r.mean()?, c.mean()?),
        None => (Stat::Median, r.median()?, c.median()?),
    };
    let text = match &stat {
        Stat::Share { level } if name.is_empty() => format!(
            "{level} share {:.0}% → {:.0}%",
            100.0 * reference,
            100.0 * current
        ),
        Stat::Share { level } => format!(
            "{name} {level} share {:.0}% → {:.0}%",
            100.0 * reference,
            100.0 * current
        ),
        Stat::Mean => format!("{name} mean {} → {}", short(reference), short(current)),
        Stat::Median => format!("{name} median {} → {}", short(reference), short(current)),
    };
    Some(Moved {
        stat,
        reference,
        current,
        text,
    })
}

/// Bins of whole numbers `lo..=hi`, each `width` wide, for about `bins` bins.
pub struct WholeBins {
    lo: i64,
    width: i64,
    n: usize,
}

impl WholeBins {
    /// Bins over the values of both samples (whole numbers).
    pub fn over(values: &[f64], bins: usize) -> WholeBins {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        WholeBins::spanning(lo, hi, bins)
    }

    /// Bins over whole numbers from `lo` to `hi`.
    pub fn spanning(lo: f64, hi: f64, bins: usize) -> WholeBins {
        let (lo, hi) = (lo as i64, hi as i64);
        let span = (hi - lo + 1).max(1);
        let width = (span + bins as i64 - 1) / bins.max(1) as i64;
        let width = width.max(1);
        WholeBins {
            lo,
            width,
            n: ((span + width - 1) / width) as usize,
        }
    }

    /// The bins' names: `3` for one value, `3-4` for several.
    pub fn labels(&self) -> Vec<String> {
        (0..self.n as i64)
            .map(|i| {
                let a = self.lo + i * self.width;
                let b = a + self.width - 1;
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect()
    }

    /// Each bin's share of `values`.
    pub fn shares(&self, values: &[f64]) -> Vec<f64> {
        self.shares_of_runs(values.iter().map(|&v| (v, 1)), values.len())
    }

    /// Each bin's share of a sample (counted run by run).
    pub fn shares_of(&self, sample: &Sample) -> Vec<f64> {
        self.shares_of_runs(sample.runs(), sample.len())
    }

    /// Each bin's share of `n` values given as (value, how many times) pairs.
    fn shares_of_runs(&self, runs: impl Iterator<Item = (f64, usize)>, n: usize) -> Vec<f64> {
        let mut counts = vec![0.0; self.n];
        for (v, times) in runs {
            let i = ((v as i64 - self.lo) / self.width).clamp(0, self.n as i64 - 1);
            counts[i as usize] += times as f64;
        }
        let n = n.max(1) as f64;
        counts.into_iter().map(|c| c / n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_that_moved_most_and_the_right_middle() {
        let labels: Vec<String> = ["Card", "COD", "UPI"].map(String::from).to_vec();
        // COD 25% -> 50%, Card 50% -> 25%: equal moves (the later level is named); UPI
        // unchanged.
        let r = [0.0, 0.0, 1.0, 2.0];
        let c = [0.0, 1.0, 1.0, 2.0];
        let m = moved("payment_method", &r, &c, Some(&labels)).unwrap();
        assert_eq!(m.text, "payment_method COD share 25% → 50%");
        let m = moved("delivery_days", &[4.0, 5.0, 6.0], &[6.0, 6.0, 7.0], None).unwrap();
        assert_eq!(m.stat, Stat::Mean);
        assert_eq!(m.text, "delivery_days mean 5.00 → 6.33");
        let m = moved(
            "price",
            &[10.5, 58.0, 900.0],
            &[61.25, 12.0, 70.0, 1000.0],
            None,
        )
        .unwrap();
        assert_eq!(m.text, "price median 58.0 → 65.6");
        assert_eq!(moved("x", &[], &[1.0], None), None);
    }

    #[test]
    fn whole_numbers_bin_by_whole_numbers() {
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        let bins = WholeBins::over(&values, 6);
        assert_eq!(bins.labels(), ["1-4", "5-8", "9-12", "13-16", "17-20"]);
        assert_eq!(
            bins.shares(&[1.0, 4.0, 5.0, 20.0]),
            [0.5, 0.25, 0.0, 0.0, 0.25]
        );
        let few = WholeBins::over(&[2.0, 3.0, 5.0], 6);
        assert_eq!(few.labels(), ["2", "3", "4", "5"]);
    }
}
