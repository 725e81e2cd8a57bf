//! Values sorted by `f64::total_cmp`, read by runs: equal values sit next to each other, so
//! a sample of a few distinct values (a rating, a day count, a level index) is read in as
//! many steps as it has values, times a logarithm, however many orders it holds.

/// The runs of equal values (`==`) of `sorted` (sorted by `f64::total_cmp`, so equal values
/// are next to each other): (first value, length). Each run's end is found by galloping, so
/// a sample of few distinct values costs their number times a logarithm, not its length.
pub fn runs(sorted: &[f64]) -> impl Iterator<Item = (f64, usize)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let first = *sorted.get(at)?;
        let end = gallop(sorted, at + 1, |x| x == first);
        let run = (first, end - at);
        at = end;
        Some(run)
    })
}

/// The end of the part of `v` from `from` on where `inside` holds, when it holds for a prefix
/// of `v`: probes 1, 2, 4, ... values ahead, then searches the last step.
pub fn gallop(v: &[f64], from: usize, inside: impl Fn(f64) -> bool) -> usize {
    let (mut lo, mut step) = (from.min(v.len()), 1);
    loop {
        let probe = lo + step - 1;
        if probe >= v.len() {
            return lo + v[lo..].partition_point(|&x| inside(x));
        }
        if !inside(v[probe]) {
            return lo + v[lo..probe].partition_point(|&x| inside(x));
        }
        lo = probe + 1;
        step *= 2;
    }
}

/// Two ascending sequences (by `f64::total_cmp`) in one (ties: `a` first).
pub fn merged(
    a: impl Iterator<Item = f64>,
    b: impl Iterator<Item = f64>,
) -> impl Iterator<Item = f64> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if x.total_cmp(y).is_le() => a.next(),
        (Some(_), None) => a.next(),
        _ => b.next(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples with long runs, single values, both zeros and negative numbers.
    fn samples() -> Vec<Vec<f64>> {
        let mut out = vec![
            vec![],
            vec![3.5],
            vec![2.0; 1000],
            vec![-0.0, 0.0, 0.0, -0.0, 1.0, -1.0],
        ];
        for (n, levels) in [(5000, 7), (3000, 2999), (4097, 40)] {
            out.push(
                (0..n)
                    .map(|i| f64::from((i * 7919 + 13) % levels) / 4.0 - 2.0)
                    .collect(),
            );
        }
        for v in &mut out {
            v.sort_by(f64::total_cmp);
        }
        out
    }

    #[test]
    fn runs_cover_the_sample_as_dedup_groups_it() {
        for v in samples() {
            let mut expected: Vec<(f64, usize)> = Vec::new();
            for &x in &v {
                match expected.last_mut() {
                    Some((first, n)) if *first == x => *n += 1,
                    _ => expected.push((x, 1)),
                }
            }
            let got: Vec<(f64, usize)> = runs(&v).collect();
            assert_eq!(got.len(), expected.len());
            for ((a, n), (b, m)) in got.iter().zip(&expected) {
                assert_eq!((a.to_bits(), n), (b.to_bits(), m));
            }
        }
    }

    #[test]
    fn gallop_ends_where_a_linear_scan_ends() {
        for v in samples() {
            for cut in [-3.0, -0.0, 0.0, 0.25, 2.0, 9.0] {
                let linear = v.iter().take_while(|&&x| x <= cut).count();
                for from in [0, linear / 2, linear] {
                    assert_eq!(gallop(&v, from, |x| x <= cut), linear, "{cut} from {from}");
                }
            }
        }
    }

    #[test]
    fn merging_two_sorted_samples_equals_sorting_both() {
        let s = samples();
        for a in &s {
            for b in &s {
                let got: Vec<u64> = merged(a.iter().copied(), b.iter().copied())
                    .map(f64::to_bits)
                    .collect();
                let mut all: Vec<f64> = a.iter().chain(b).copied().collect();
                all.sort_by(f64::total_cmp);
                assert_eq!(got, all.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            }
        }
    }
}
