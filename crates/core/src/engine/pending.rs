//! Returns still to come from orders already placed: each pending order (no outcome yet) is
//! returned with its predicted risk, independently of the others, so the number of returns is
//! Poisson-binomial. Its mean is the sum of the risks; the 90% interval is exact (the whole
//! distribution by dynamic programming) up to [`EXACT_UP_TO`] orders, else the normal
//! approximation with a continuity correction.

use serde::Serialize;

/// Pending orders up to which the interval is computed exactly (O(n²) work).
pub const EXACT_UP_TO: usize = 2000;
/// The interval's lower and upper quantiles (a 90% interval).
pub const QUANTILES: (f64, f64) = (0.05, 0.95);
/// The standard normal's 95% quantile.
const Z95: f64 = 1.644_853_626_951_472_2;

/// The returns to come from the pending orders of a scope.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PendingReturns {
    /// Orders without an outcome yet.
    pub orders: u64,
    /// Expected returns among them (the sum of their risks).
    pub expected: f64,
    /// 5% quantile of the number of returns.
    pub low: u64,
    /// 95% quantile.
    pub high: u64,
    /// Expected value of their returns (risk x price, summed).
    pub revenue_at_risk: f64,
    /// Whether the interval is exact (else the normal approximation).
    pub exact: bool,
}

/// The distribution of the number of successes of independent trials with probabilities
/// `p`: `pmf[k]` = P(k successes).
pub fn poisson_binomial(p: &[f64]) -> Vec<f64> {
    let mut pmf = vec![0.0; p.len() + 1];
    pmf[0] = 1.0;
    for (n, &q) in p.iter().enumerate() {
        for k in (1..=n + 1).rev() {
            pmf[k] = pmf[k] * (1.0 - q) + pmf[k - 1] * q;
        }
        pmf[0] *= 1.0 - q;
    }
    pmf
}

/// The smallest `k` with P(X <= k) >= `q`.
fn quantile(pmf: &[f64], q: f64) -> u64 {
    let mut cdf = 0.0;
    for (k, &m) in pmf.iter().enumerate() {
        cdf += m;
        // A hair under q counts: the running sum's rounding must not push k one too far.
        if cdf >= q - 1e-12 {
            return k as u64;
        }
    }
    pmf.len().saturating_sub(1) as u64
}

/// The 90% interval of the number of successes: exact up to [`EXACT_UP_TO`] trials, else
/// normal with a continuity correction; and whether it is exact.
pub fn interval(p: &[f64]) -> (u64, u64, bool) {
    if p.len() <= EXACT_UP_TO {
        let pmf = poisson_binomial(p);
        return (
            quantile(&pmf, QUANTILES.0),
            quantile(&pmf, QUANTILES.1),
            true,
        );
    }
    let mean: f64 = p.iter().sum();
    let sd = p.iter().map(|q| q * (1.0 - q)).sum::<f64>().sqrt();
    // P(X <= k) ~ Phi((k + 0.5 - mean) / sd): the smallest k reaching each quantile.
    let k = |z: f64| (mean + z * sd - 0.5).ceil().clamp(0.0, p.len() as f64) as u64;
    (k(-Z95), k(Z95), false)
}

/// The returns to come from orders with risks `risk` and prices `price`.
pub fn pending_returns(risk: &[f64], price: &[f64]) -> PendingReturns {
    let (low, high, exact) = interval(risk);
    PendingReturns {
        orders: risk.len() as u64,
        expected: crate::util::sum(risk.iter().copied()),
        low,
        high,
        revenue_at_risk: crate::util::sum(risk.iter().zip(price).map(|(r, p)| r * p)),
        exact,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P(k successes) by enumerating every outcome.
    fn enumerate(p: &[f64]) -> Vec<f64> {
        let mut pmf = vec![0.0; p.len() + 1];
        for mask in 0u32..(1 << p.len()) {
            let prob: f64 = p
                .iter()
                .enumerate()
                .map(|(i, &q)| if mask >> i & 1 == 1 { q } else { 1.0 - q })
                .product();
            pmf[mask.count_ones() as usize] += prob;
        }
        pmf
    }

    fn risks(n: usize, seed: u64) -> Vec<f64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    #[test]
    fn the_exact_distribution_equals_enumeration() {
        for n in [0, 1, 2, 5, 12] {
            let p = risks(n, n as u64 + 3);
            let dp = poisson_binomial(&p);
            let brute = enumerate(&p);
            for (a, b) in dp.iter().zip(&brute) {
                assert!((a - b).abs() < 1e-12, "n={n}: {a} vs {b}");
            }
            let q = |pmf: &[f64], t: f64| {
                let mut c = 0.0;
                pmf.iter().position(|m| {
                    c += m;
                    c >= t - 1e-12
                })
            };
            let (lo, hi, exact) = interval(&p);
            assert!(exact);
            assert_eq!(Some(lo as usize), q(&brute, 0.05), "n={n}");
            assert_eq!(Some(hi as usize), q(&brute, 0.95), "n={n}");
        }
        // Certain outcomes: no spread.
        assert_eq!(interval(&[1.0, 1.0, 0.0]), (2, 2, true));
    }

    #[test]
    fn the_normal_approximation_is_within_one_of_the_exact_interval() {
        let p = risks(EXACT_UP_TO + 1, 11);
        let (lo, hi, exact) = interval(&p);
        assert!(!exact);
        let pmf = poisson_binomial(&p);
        let (elo, ehi) = (quantile(&pmf, 0.05), quantile(&pmf, 0.95));
        assert!(
            lo.abs_diff(elo) <= 1 && hi.abs_diff(ehi) <= 1,
            "{lo}-{hi} vs {elo}-{ehi}"
        );
        let r = pending_returns(&[0.5, 0.25], &[10.0, 4.0]);
        assert_eq!((r.expected, r.revenue_at_risk, r.orders), (0.75, 6.0, 2));
    }
}
