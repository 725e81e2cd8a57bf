//! Two-sample statistics with scipy's definitions: Kolmogorov-Smirnov (`ks_2samp`, exact
//! two-sided p-value as scipy computes it for samples up to 10,000), Wasserstein distance
//! (`wasserstein_distance`), Jensen-Shannon distance (`jensenshannon`, natural log), the
//! chi-squared goodness-of-fit test (`chisquare`) and the two-proportion Z-test.

use super::sorted::{gallop, merged, runs};

/// Result of a test: its statistic and p-value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TestResult {
    /// The test statistic.
    pub statistic: f64,
    /// The p-value.
    pub p_value: f64,
}

/// Largest sample size for which the KS p-value is computed exactly (scipy's `MAX_AUTO_N`).
pub const KS_EXACT_MAX_N: usize = 10_000;

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Two-sample Kolmogorov-Smirnov test, two-sided (`scipy.stats.ks_2samp`, method `auto`).
/// `None` when a sample is empty. Beyond [`KS_EXACT_MAX_N`] the p-value uses the limiting
/// Kolmogorov distribution (scipy uses its finite-n `kstwo` there; they agree to ~1e-3).
pub fn ks_2samp(a: &[f64], b: &[f64]) -> Option<TestResult> {
    let mut x = a.to_vec();
    let mut y = b.to_vec();
    x.sort_unstable_by(f64::total_cmp);
    y.sort_unstable_by(f64::total_cmp);
    ks_2samp_sorted(&x, &y)
}

/// [`ks_2samp`] of two samples already sorted by `f64::total_cmp`.
pub fn ks_2samp_sorted(x: &[f64], y: &[f64]) -> Option<TestResult> {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    // D = max |F1 - F2| over all observed values (right-continuous CDFs).
    let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
    while i < n1 || j < n2 {
        let v = match (x.get(i), y.get(j)) {
            (Some(&p), Some(&q)) => p.min(q),
            (Some(&p), None) => p,
            (None, Some(&q)) => q,
            (None, None) => break,
        };
        while i < n1 && x[i] <= v {
            i += 1;
        }
        while j < n2 && y[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / n1 as f64 - j as f64 / n2 as f64).abs());
    }
    let p = if n1.max(n2) <= KS_EXACT_MAX_N {
        exact_two_sided(n1, n2, d).unwrap_or_else(|| kolmogorov_sf(d, n1, n2))
    } else {
        kolmogorov_sf(d, n1, n2)
    };
    Some(TestResult {
        statistic: d,
        p_value: p.clamp(0.0, 1.0),
    })
}

/// Exact two-sided p-value: the share of lattice paths from (0,0) to (n1,n2) that leave the band
/// |x/n1 - y/n2| < d (Hodges 1958; the "1 - p" recursion of Viehmann 2021, as in scipy).
fn exact_two_sided(n1: usize, n2: usize, d: f64) -> Option<f64> {
    let g = gcd(n1, n2);
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round() as usize;
    if h == 0 {
        return Some(1.0);
    }
    if n1 == n2 {
        // Closed form for equal sizes (alternating sum over reflections).
        let n = n1;
        let mut p = 0.0;
        let mut k = (n / h) as isize;
        while k >= 0 {
            let kh = k as usize * h;
            let mut term = 1.0;
            for j in 0..h {
                term = (n as f64 - kh as f64 - j as f64) * term
                    / (n as f64 + kh as f64 + j as f64 + 1.0);
            }
            p = term * (1.0 - p);
            k -= 1;
        }
        return Some(2.0 * p);
    }
    let (m, n) = if n1 >= n2 { (n1, n2) } else { (n2, n1) };
    let (mg, ng) = ((m / g) as f64, (n / g) as f64);
    let hf = h as f64;
    // a[j - minj] holds 1 - P(path to (i, j) stays inside) for the current column i.
    let mut minj = 0usize;
    let mut maxj = ((hf / mg).ceil() as usize).min(n + 1);
    let mut curlen = maxj - minj;
    let len = (2 * maxj + 2).min(n + 1);
    let mut a = vec![1.0f64; len.max(maxj)];
    for v in a.iter_mut().take(maxj) {
        *v = 0.0;
    }
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        let lo = ((ng * i as f64 - hf) / mg).floor() as isize + 1;
        minj = (lo.max(0) as usize).min(n);
        maxj = (((ng * i as f64 + hf) / mg).ceil() as usize).min(n + 1);
        if maxj <= minj {
            return Some(1.0);
        }
        let needed = maxj - minj + lastlen.saturating_sub(maxj - minj);
        if a.len() < needed.max(maxj - lastminj + 1) {
            a.resize(needed.max(maxj - lastminj + 1), 1.0);
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            val = (a[jj + minj - lastminj] * i as f64 + val * j as f64) / (i + j) as f64;
            a[jj] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            for v in a.iter_mut().skip(curlen).take(lastlen - curlen) {
                *v = 1.0;
            }
        }
        if !val.is_finite() {
            return None;
        }
    }
    Some(a[maxj - minj - 1])
}

/// Survival function of the limiting Kolmogorov distribution at sqrt(en) * d.
fn kolmogorov_sf(d: f64, n1: usize, n2: usize) -> f64 {
    let en = (n1 * n2) as f64 / (n1 + n2) as f64;
    let z = en.sqrt() * d;
    if z < 1e-3 {
        return 1.0;
    }
    let mut s = 0.0;
    for k in 1..200 {
        let kf = f64::from(k);
        let term = (-2.0 * kf * kf * z * z).exp();
        s += if k % 2 == 1 { term } else { -term };
        if term < 1e-16 {
            break;
        }
    }
    (2.0 * s).clamp(0.0, 1.0)
}

/// 1-Wasserstein distance between two samples (`scipy.stats.wasserstein_distance`, equal
/// weights): the area between their empirical CDFs. `None` when a sample is empty.
pub fn wasserstein_distance(u: &[f64], v: &[f64]) -> Option<f64> {
    let mut a = u.to_vec();
    let mut b = v.to_vec();
    a.sort_unstable_by(f64::total_cmp);
    b.sort_unstable_by(f64::total_cmp);
    wasserstein_sorted(&a, &b)
}

/// [`wasserstein_distance`] of two samples already sorted by `f64::total_cmp`: the area
/// between their CDFs, step by step over the distinct values of both (a repeated value
/// adds a step of width zero), each CDF found by galloping to the step.
pub fn wasserstein_sorted(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let heads = |s| runs(s).map(|(v, _)| v);
    let mut pooled = merged(heads(a), heads(b));
    let mut lower = pooled.next()?;
    let (mut i, mut j, mut area) = (0usize, 0usize, 0.0);
    for upper in pooled {
        i = gallop(a, i, |x| x <= lower);
        j = gallop(b, j, |x| x <= lower);
        let diff = (i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs();
        area += diff * (upper - lower);
        lower = upper;
    }
    Some(area)
}

/// Jensen-Shannon distance (`scipy.spatial.distance.jensenshannon`, natural log): the square
/// root of the JS divergence of the two distributions, each normalised to sum 1.
pub fn jensen_shannon(p: &[f64], q: &[f64]) -> Option<f64> {
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    if p.len() != q.len() || sp <= 0.0 || sq <= 0.0 {
        return None;
    }
    let rel = |x: f64, y: f64| if x > 0.0 { x * (x / y).ln() } else { 0.0 };
    let mut js = 0.0;
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = f64::midpoint(a, b);
        js += rel(a, m) + rel(b, m);
    }
    Some((js / 2.0).max(0.0).sqrt())
}

/// Chi-squared goodness-of-fit test (`scipy.stats.chisquare(f_obs, f_exp)`): statistic
/// sum (o - e)^2 / e, p-value from the chi-squared distribution with k - 1 degrees of freedom.
/// `None` with fewer than two categories or a non-positive expected count.
pub fn chi_square(observed: &[f64], expected: &[f64]) -> Option<TestResult> {
    if observed.len() < 2 || observed.len() != expected.len() || expected.iter().any(|&e| e <= 0.0)
    {
        return None;
    }
    let stat: f64 = observed
        .iter()
        .zip(expected)
        .map(|(&o, &e)| (o - e).powi(2) / e)
        .sum();
    let df = (observed.len() - 1) as f64;
    Some(TestResult {
        statistic: stat,
        p_value: gamma_q(df / 2.0, stat / 2.0),
    })
}

/// Two-proportion Z-test, two-sided, with the pooled proportion (Evidently's `z_stat_test`).
/// `None` when a sample is empty or the pooled proportion is 0 or 1.
pub fn proportions_z_test(k1: f64, n1: f64, k2: f64, n2: f64) -> Option<TestResult> {
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let p = (k1 + k2) / (n1 + n2);
    let se = (p * (1.0 - p) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se <= 0.0 {
        return None;
    }
    let z = (k1 / n1 - k2 / n2) / se;
    Some(TestResult {
        statistic: z,
        p_value: erfc(z.abs() / std::f64::consts::SQRT_2),
    })
}

/// ln Gamma(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, &c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised upper incomplete gamma Q(a, x): series below a + 1, continued fraction above.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let lead = -x + a * x.ln() - ln_gamma(a);
    if x < a + 1.0 {
        let (mut sum, mut term, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (1.0 - sum * lead.exp()).clamp(0.0, 1.0)
    } else {
        // Lentz's continued fraction.
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -f64::from(i) * (f64::from(i) - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (lead.exp() * h).clamp(0.0, 1.0)
    }
}

/// Complementary error function (erfc(x) = Q(1/2, x^2) for x >= 0).
pub fn erfc(x: f64) -> f64 {
    if x >= 0.0 {
        gamma_q(0.5, x * x)
    } else {
        2.0 - gamma_q(0.5, x * x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values: scipy 1.17.1 (numpy 2), computed on this machine with
    //   stats.ks_2samp(u, v), stats.wasserstein_distance(u, v),
    //   scipy.spatial.distance.jensenshannon(p, q), stats.chisquare(obs, exp),
    //   2 * stats.norm.sf(|z|) for the pooled two-proportion z, stats.chi2.sf(x, df).
    const A: [f64; 10] = [0.1, 0.5, 0.9, 1.3, 2.2, 2.8, 3.1, 4.0, 4.4, 5.0];
    const B: [f64; 12] = [0.3, 1.1, 1.9, 2.5, 3.3, 3.9, 4.6, 5.5, 6.1, 6.8, 7.2, 8.0];
    const C: [f64; 10] = [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5];
    const D: [f64; 8] = [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0];
    const E: [f64; 9] = [2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0, 5.0];

    fn xy() -> (Vec<f64>, Vec<f64>) {
        let x = (0..200)
            .map(|i| (f64::from(i) * 0.7).sin() * 3.0 + f64::from(i) * 0.01)
            .collect();
        let y = (0..150)
            .map(|i| (f64::from(i) * 1.3).sin() * 3.0 + 0.4)
            .collect();
        (x, y)
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn ks_matches_scipy_exact() {
        let (x, y) = xy();
        for (u, v, stat, p) in [
            (&A[..], &B[..], 0.4166666666666667, 0.23373839782508513),
            (&A[..], &C[..], 0.3, 0.7869297884777761),
            (&D[..], &E[..], 0.4305555555555556, 0.2964212258329906),
            (&x[..], &y[..], 0.185, 0.004991452951795344),
        ] {
            let r = ks_2samp(u, v).unwrap();
            assert!(close(r.statistic, stat, 1e-12), "{} vs {stat}", r.statistic);
            assert!(close(r.p_value, p, 1e-9), "{} vs {p}", r.p_value);
        }
        assert_eq!(ks_2samp(&[], &A), None);
    }

    #[test]
    fn wasserstein_matches_scipy() {
        let (x, y) = xy();
        assert!(close(
            wasserstein_distance(&A, &B).unwrap(),
            1.8366666666666664,
            1e-12
        ));
        assert!(close(
            wasserstein_distance(&D, &E).unwrap(),
            1.2916666666666667,
            1e-12
        ));
        assert!(close(
            wasserstein_distance(&x, &y).unwrap(),
            0.6195888595533396,
            1e-12
        ));
    }

    /// The area between the CDFs summed over every pooled value, repeats included (the
    /// computation before runs), to the bit.
    #[test]
    fn wasserstein_by_runs_equals_the_sum_over_every_value() {
        fn every_value(a: &[f64], b: &[f64]) -> f64 {
            let mut pooled: Vec<f64> = a.iter().chain(b).copied().collect();
            pooled.sort_by(f64::total_cmp);
            let (mut i, mut j, mut area) = (0usize, 0usize, 0.0);
            for w in pooled.windows(2) {
                let (lower, upper) = (w[0], w[1]);
                while i < a.len() && a[i] <= lower {
                    i += 1;
                }
                while j < b.len() && b[j] <= lower {
                    j += 1;
                }
                let diff = (i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs();
                area += diff * (upper - lower);
            }
            area
        }
        let sample = |n: usize, levels: usize, shift: f64| {
            let mut v: Vec<f64> = (0..n)
                .map(|i| ((i * 7919 + 5) % levels) as f64 * 0.37 - shift)
                .chain([0.0, -0.0])
                .collect();
            v.sort_by(f64::total_cmp);
            v
        };
        for (a, b) in [
            (sample(4000, 7, 1.0), sample(900, 5, 0.5)),
            (sample(3000, 2999, 100.0), sample(2500, 1000, 90.0)),
            (sample(50, 41, 0.0), sample(5000, 3, 0.0)),
        ] {
            let got = wasserstein_sorted(&a, &b).unwrap();
            assert_eq!(got.to_bits(), every_value(&a, &b).to_bits());
            assert!(got > 0.0);
        }
    }

    #[test]
    fn jensen_shannon_matches_scipy() {
        assert!(close(
            jensen_shannon(&[0.1, 0.4, 0.5], &[0.3, 0.3, 0.4]).unwrap(),
            0.18035965602712561,
            1e-12
        ));
        assert!(close(
            jensen_shannon(&[10.0, 0.0, 30.0], &[5.0, 5.0, 10.0]).unwrap(),
            0.3150049103413686,
            1e-12
        ));
    }

    #[test]
    fn chi_square_and_z_test_match_scipy() {
        let r = chi_square(&[30.0, 14.0, 34.0, 22.0], &[25.0; 4]).unwrap();
        assert!(close(r.statistic, 9.44, 1e-12));
        assert!(close(r.p_value, 0.023978301316485748, 1e-10));
        let r = chi_square(
            &[120.0, 80.0, 50.0, 30.0, 20.0],
            &[100.0, 100.0, 60.0, 20.0, 20.0],
        )
        .unwrap();
        assert!(close(r.statistic, 14.666666666666666, 1e-12));
        assert!(close(r.p_value, 0.005444933165561504, 1e-10));
        let z = proportions_z_test(45.0, 300.0, 70.0, 310.0).unwrap();
        assert!(close(z.statistic, -2.3931010679289377, 1e-12));
        assert!(close(z.p_value, 0.01670663832769827, 1e-10));
        assert!(close(gamma_q(1.5, 3.65), 0.06292623645904312, 1e-10));
        assert!(close(gamma_q(60.0, 75.0), 0.03307348091130466, 1e-10));
    }
}
