//! One column's values in one window, sorted once. Every statistic of the report reads the
//! sorted values (tests, bins, counts, the median) or the sums taken here in the values'
//! original order (mean, standard deviation), so a sample is never sorted twice and the
//! numbers are bit for bit those of sorting each time: values equal under `f64::total_cmp`
//! are the same bits, so any sort or merge of them gives the same sequence.

use super::sorted::{merged, runs};
use std::cell::OnceCell;

/// A sample's sorted values and the summaries the tests need.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The values, sorted by `f64::total_cmp`.
    pub sorted: Vec<f64>,
    /// `f64::min` / `f64::max` folded over the values in their original order.
    pub lo: f64,
    /// See [`Self::lo`].
    pub hi: f64,
    /// Sum in the original order.
    sum: f64,
    /// Sum of squared deviations from the mean, in the original order.
    squares: f64,
    /// Whether every value is a whole number.
    pub whole: bool,
    /// Distinct values (as `Vec::dedup` counts them).
    pub distinct: usize,
}

impl Sample {
    /// The values of `rows` that `value` gives (in that order), summarised and sorted in
    /// `buffer`: a buffer that held a larger sample ([`Self::into_values`]) takes them
    /// without touching fresh memory.
    pub fn gather(
        mut buffer: Vec<f64>,
        rows: &[usize],
        value: impl Fn(usize) -> Option<f64>,
    ) -> Sample {
        buffer.clear();
        buffer.reserve_exact(rows.len());
        buffer.extend(rows.iter().filter_map(|&i| value(i)));
        Sample::new(buffer)
    }

    /// The sorted values, to be reused as a buffer.
    pub fn into_values(self) -> Vec<f64> {
        self.sorted
    }

    /// Summarises `values` (in their original order), then sorts them.
    pub fn new(mut values: Vec<f64>) -> Sample {
        let (lo, hi) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let sum: f64 = values.iter().sum();
        let mean = sum / values.len() as f64;
        let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
        let whole = values.iter().all(|v| v.fract() == 0.0);
        values.sort_unstable_by(f64::total_cmp);
        let distinct = runs(&values).count();
        Sample {
            sorted: values,
            lo,
            hi,
            sum,
            squares,
            whole,
            distinct,
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The mean (`None` when empty).
    pub fn mean(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.sum / self.len() as f64)
    }

    /// The population standard deviation (NaN when empty).
    pub fn population_std(&self) -> f64 {
        (self.squares / self.len() as f64).sqrt()
    }

    /// The median (`None` when empty).
    pub fn median(&self) -> Option<f64> {
        let (v, n) = (&self.sorted, self.len());
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(v[n / 2]),
            _ => Some(f64::midpoint(v[n / 2 - 1], v[n / 2])),
        }
    }

    /// How often each of `keys` (sorted, distinct) occurs, by `f64::total_cmp` equality: two
    /// binary searches per key.
    pub fn counts(&self, keys: &[f64]) -> Vec<f64> {
        let v = &self.sorted;
        keys.iter()
            .map(|k| {
                let below = v.partition_point(|x| x.total_cmp(k).is_lt());
                let through = below + v[below..].partition_point(|x| x.total_cmp(k).is_le());
                (through - below) as f64
            })
            .collect()
    }

    /// The values as runs of equal ones (`==`): (the run's first value, its length).
    pub fn runs(&self) -> impl Iterator<Item = (f64, usize)> + '_ {
        runs(&self.sorted)
    }
}

/// A sample kept for later reports ([`Sample::kept`]): its summaries, and its sorted values
/// as runs of equal bits where that takes less memory (a rating, a level index, a price of a
/// few thousand distinct values), else as they are.
#[derive(Clone, Debug)]
pub struct KeptSample {
    values: KeptValues,
    /// The summaries (its `sorted` empty).
    summary: Sample,
}

#[derive(Clone, Debug)]
enum KeptValues {
    Sorted(Vec<f64>),
    /// Each run's value and how many times it repeats.
    Runs(Vec<f64>, Vec<u32>),
}

impl Sample {
    /// This sample as kept for later reports: [`KeptSample::sample`] gives it back bit for
    /// bit without sorting again.
    pub fn kept(&self) -> KeptSample {
        let v = &self.sorted;
        let runs = v
            .windows(2)
            .filter(|w| w[0].to_bits() != w[1].to_bits())
            .count()
            + 1;
        let smaller = runs * 12 < v.len() * 8 && u32::try_from(v.len()).is_ok();
        let values = if smaller {
            let (mut heads, mut lengths) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
            for &x in v {
                match (heads.last(), lengths.last_mut()) {
                    (Some(h), Some(n)) if f64::to_bits(*h) == x.to_bits() => *n += 1,
                    _ => {
                        heads.push(x);
                        lengths.push(1u32);
                    }
                }
            }
            KeptValues::Runs(heads, lengths)
        } else {
            KeptValues::Sorted(v.clone())
        };
        let summary = Sample {
            sorted: Vec::new(),
            ..*self
        };
        KeptSample { values, summary }
    }
}

impl KeptSample {
    /// The sample again, its values written into `buffer`.
    pub fn sample(&self, mut buffer: Vec<f64>) -> Sample {
        buffer.clear();
        match &self.values {
            KeptValues::Sorted(v) => buffer.extend_from_slice(v),
            KeptValues::Runs(heads, lengths) => {
                buffer.reserve_exact(lengths.iter().map(|&n| n as usize).sum());
                for (&x, &n) in heads.iter().zip(lengths) {
                    buffer.extend(std::iter::repeat_n(x, n as usize));
                }
            }
        }
        Sample {
            sorted: buffer,
            ..self.summary.clone()
        }
    }

    /// Bytes its values take.
    pub fn bytes(&self) -> usize {
        match &self.values {
            KeptValues::Sorted(v) => v.len() * 8,
            KeptValues::Runs(heads, lengths) => heads.len() * 8 + lengths.len() * 4,
        }
    }
}

/// The two samples a column's test compares.
#[derive(Clone, Debug)]
pub struct Pair<'a> {
    /// The reference window's values.
    pub reference: &'a Sample,
    /// The current window's values.
    pub current: &'a Sample,
    /// [`Self::distinct`], counted on first use (the test choice and the display bins both
    /// ask; a merge of the two samples is millions of values at 10M orders).
    distinct: OnceCell<usize>,
}

impl<'a> Pair<'a> {
    /// The pair of `reference` and `current`.
    pub fn new(reference: &'a Sample, current: &'a Sample) -> Pair<'a> {
        Pair {
            reference,
            current,
            distinct: OnceCell::new(),
        }
    }

    /// Values in both samples together.
    pub fn len(&self) -> usize {
        self.reference.len() + self.current.len()
    }

    /// Whether both are empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Smallest and largest value of both (the fold over the reference, then the current).
    pub fn range(&self) -> (f64, f64) {
        let (r, c) = (self.reference, self.current);
        (r.lo.min(c.lo), r.hi.max(c.hi))
    }

    /// Whether every value of both is a whole number.
    pub fn whole(&self) -> bool {
        self.reference.whole && self.current.whole
    }

    /// The distinct values of both, sorted.
    pub fn union_keys(&self) -> Vec<f64> {
        self.union_runs().collect()
    }

    /// How many distinct values both have together.
    pub fn distinct(&self) -> usize {
        *self.distinct.get_or_init(|| self.union_runs().count())
    }

    /// The first value of each run of equal values (`==`) of both samples merged: a value
    /// equal to the one before is left out, as `Vec::dedup` leaves it.
    fn union_runs(&self) -> impl Iterator<Item = f64> + '_ {
        let heads = |s: &'a Sample| runs(&s.sorted).map(|(v, _)| v);
        let mut last: Option<f64> = None;
        merged(heads(self.reference), heads(self.current)).filter(move |&v| {
            let new = last != Some(v);
            if new {
                last = Some(v);
            }
            new
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::binning::{counts, n_distinct, union_keys};

    #[test]
    fn summaries_equal_the_slice_functions() {
        let r: Vec<f64> = (0..500).map(|i| f64::from((i * 37) % 101) / 4.0).collect();
        let c: Vec<f64> = (0..77)
            .map(|i| f64::from((i * 11) % 53) / 2.0 - 3.0)
            .collect();
        let (sr, sc) = (Sample::new(r.clone()), Sample::new(c.clone()));
        let pair = Pair::new(&sr, &sc);
        let all: Vec<f64> = r.iter().chain(&c).copied().collect();
        assert_eq!(pair.union_keys(), union_keys(&r, &c));
        assert_eq!(pair.distinct(), n_distinct(&all));
        assert_eq!(sr.distinct, n_distinct(&r));
        let keys = pair.union_keys();
        assert_eq!(sr.counts(&keys), counts(&r, &keys));
        assert_eq!(sc.counts(&keys), counts(&c, &keys));
        let mean = r.iter().sum::<f64>() / r.len() as f64;
        assert_eq!(sr.mean(), Some(mean));
        let var = r.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / r.len() as f64;
        assert_eq!(sr.population_std().to_bits(), var.sqrt().to_bits());
        let mut sorted = r.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(sr.median(), Some(f64::midpoint(sorted[249], sorted[250])));
        assert_eq!(pair.range(), (-3.0, 25.0));
        assert!(!pair.whole() && Sample::new(vec![1.0, 4.0]).whole);
    }

    #[test]
    fn a_kept_sample_comes_back_bit_for_bit() {
        let few: Vec<f64> = (0..5000).map(|i| f64::from(i % 7) - 3.0).collect();
        let mut zeros = vec![0.0, -0.0, -0.0, 0.0, 1.5, f64::NAN];
        zeros.extend(std::iter::repeat_n(2.0, 40));
        let many: Vec<f64> = (0..3000).map(|i| f64::from(i) / 7.0).collect();
        for (values, runs) in [(few, true), (zeros, true), (many, false), (vec![], false)] {
            let s = Sample::new(values);
            let kept = s.kept();
            assert_eq!(matches!(kept.values, KeptValues::Runs(..)), runs);
            assert!(kept.bytes() <= s.len() * 8);
            let back = kept.sample(vec![9.0; 3]);
            let bits = |s: &Sample| s.sorted.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&back), bits(&s));
            let sums = |s: &Sample| [s.lo, s.hi, s.sum, s.squares].map(f64::to_bits);
            assert_eq!(sums(&back), sums(&s));
            assert_eq!((back.whole, back.distinct), (s.whole, s.distinct));
        }
    }
}
