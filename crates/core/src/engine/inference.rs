//! Exact tests for small counts and false-discovery control across many tests: the binomial
//! upper tail, the Clopper-Pearson lower bound, Student's t upper tail, and the
//! Benjamini-Hochberg adjustment. All through the regularized incomplete beta function, so a
//! seller with 3 labelled orders gets the same exact answer scipy's `binom.sf` would give.

/// Relative precision the continued fraction stops at.
const EPS: f64 = 1e-15;
/// Smallest magnitude the continued fraction's terms are kept above (Lentz's method).
const TINY: f64 = 1e-300;
/// Iterations of the continued fraction; it needs about sqrt(max(a, b)) of them.
const MAX_ITER: usize = 100_000;

/// Coefficients of the Stirling series' remainder in musl's (and the `libm` crate's)
/// `lgamma` for 8 <= x < 2^58, |error| < 2^-58.74, by their bits as musl writes them.
const STIRLING_W: [f64; 7] = [
    f64::from_bits(0x3FDA_CFE3_90C9_7D69),
    f64::from_bits(0x3FB5_5555_5555_553B),
    f64::from_bits(0xBF66_C16C_16B0_2E5C),
    f64::from_bits(0x3F4A_019F_98CF_38B6),
    f64::from_bits(0xBF43_80CB_8C0F_E741),
    f64::from_bits(0x3F4B_67BA_4CDA_D5D1),
    f64::from_bits(0xBF5A_B89D_0B9E_43E4),
];

/// ln Γ(x) for x > 0: the `libm` crate's `lgamma`, whose branch for 8 <= x < 2^58 (every
/// count-sized argument) is written out here with the platform's logarithm, several times
/// faster than the crate's own; the prior fits evaluate it millions of times per switch.
pub(crate) fn ln_gamma(x: f64) -> f64 {
    if !(8.0..2.88e17).contains(&x) {
        return libm::lgamma(x);
    }
    let z = 1.0 / x;
    let y = z * z;
    let [w0, w1, w2, w3, w4, w5, w6] = STIRLING_W;
    let w = w0 + z * (w1 + y * (w2 + y * (w3 + y * (w4 + y * (w5 + y * w6)))));
    (x - 0.5) * (x.ln() - 1.0) + w
}

/// The continued fraction of the incomplete beta function (Numerical Recipes' `betacf`,
/// evaluated by the modified Lentz method).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        for aa in [
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ] {
            d = 1.0 + aa * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + aa / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// The regularized incomplete beta function I_x(a, b), for a, b > 0 and x in [0, 1].
pub fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    Beta::new(a, b).cdf(x)
}

/// The Beta(a, b) distribution, with ln B(a, b) computed once for the many evaluations a
/// quantile needs.
#[derive(Debug, Clone, Copy)]
struct Beta {
    a: f64,
    b: f64,
    ln_beta: f64,
}

impl Beta {
    fn new(a: f64, b: f64) -> Beta {
        let ln_beta = ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
        Beta { a, b, ln_beta }
    }

    /// ln of x^a (1-x)^b / B(a, b), the front factor of the continued fraction.
    fn ln_front(&self, x: f64) -> f64 {
        self.a * x.ln() + self.b * (-x).ln_1p() - self.ln_beta
    }

    /// I_x(a, b).
    fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        if x >= 1.0 {
            return 1.0;
        }
        let (a, b) = (self.a, self.b);
        let front = self.ln_front(x).exp();
        if x < (a + 1.0) / (a + b + 2.0) {
            front * beta_cf(a, b, x) / a
        } else {
            1.0 - front * beta_cf(b, a, 1.0 - x) / b
        }
    }

    /// The density at x in (0, 1).
    fn pdf(&self, x: f64) -> f64 {
        (self.ln_front(x) - x.ln() - (-x).ln_1p()).exp()
    }

    /// The `q` quantile: Newton's method on the cdf kept inside a shrinking bracket, with a
    /// bisection whenever Newton would leave it or slows down (Numerical Recipes' `rtsafe`).
    /// Started from [`Beta::first_guess`], it takes about 3 cdf evaluations where
    /// bisection alone takes 45.
    fn quantile(&self, q: f64) -> f64 {
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        let mut x = self.first_guess(q).clamp(1e-12, 1.0 - 1e-12);
        let (mut dx, mut dx_before) = (1.0f64, 1.0f64);
        for _ in 0..200 {
            let f = self.cdf(x) - q;
            if f == 0.0 {
                return x;
            }
            if f < 0.0 {
                lo = x;
            } else {
                hi = x;
            }
            let df = self.pdf(x);
            let newton_leaves = !(df.is_finite() && df > 0.0)
                || ((x - hi) * df - f) * ((x - lo) * df - f) > 0.0
                || (2.0 * f).abs() > (dx_before * df).abs();
            dx_before = dx;
            if newton_leaves {
                dx = 0.5 * (hi - lo);
                x = lo + dx;
            } else {
                dx = f / df;
                x -= dx;
            }
            if dx.abs() <= 1e-13 * x.max(1e-300) {
                break;
            }
        }
        x
    }
}

impl Beta {
    /// A first guess at the `q` quantile (Numerical Recipes 3rd ed., `Beta::invbetai`, after
    /// Abramowitz & Stegun 26.5.22): a normal quantile corrected for the beta's skew when both
    /// shapes are at least 1, the power-law tails otherwise. Close enough that Newton's
    /// method needs one or two steps.
    fn first_guess(&self, q: f64) -> f64 {
        let (a, b) = (self.a, self.b);
        if a >= 1.0 && b >= 1.0 {
            let pp = if q < 0.5 { q } else { 1.0 - q };
            let t = (-2.0 * pp.ln()).sqrt();
            let mut z = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t;
            if q < 0.5 {
                z = -z;
            }
            let al = (z * z - 3.0) / 6.0;
            let h = 2.0 / (1.0 / (2.0 * a - 1.0) + 1.0 / (2.0 * b - 1.0));
            let w = z * (al + h).sqrt() / h
                - (1.0 / (2.0 * b - 1.0) - 1.0 / (2.0 * a - 1.0))
                    * (al + 5.0 / 6.0 - 2.0 / (3.0 * h));
            a / (a + b * (2.0 * w).exp())
        } else {
            let (lna, lnb) = ((a / (a + b)).ln(), (b / (a + b)).ln());
            let (t, u) = ((a * lna).exp() / a, (b * lnb).exp() / b);
            let w = t + u;
            if q < t / w {
                (a * w * q).powf(1.0 / a)
            } else {
                1.0 - (b * w * (1.0 - q)).powf(1.0 / b)
            }
        }
    }
}

/// P(X >= k) for X ~ Binomial(n, p): the exact one-sided p-value of `k` successes in `n`
/// trials when the rate is `p` (scipy's `binom.sf(k - 1, n, p)`).
pub fn binomial_upper_tail(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    beta_inc(k as f64, (n - k + 1) as f64, p.clamp(0.0, 1.0))
}

/// The one-sided lower confidence bound of a rate from `k` successes in `n` trials at level
/// `1 - alpha` (Clopper-Pearson: the rate at which `k` or more would be seen with
/// probability `alpha`, the `alpha` quantile of Beta(k, n - k + 1)). `None` without trials.
pub fn clopper_pearson_lower(k: u64, n: u64, alpha: f64) -> Option<f64> {
    match (n, k) {
        (0, _) => None,
        (_, 0) => Some(0.0),
        _ => Some(beta_quantile(alpha, k as f64, (n - k.min(n) + 1) as f64)),
    }
}

/// The `q` quantile of the Beta(a, b) distribution (the inverse of [`beta_inc`] in x):
/// scipy's `beta.ppf(q, a, b)` to about 1e-12.
pub fn beta_quantile(q: f64, a: f64, b: f64) -> f64 {
    Beta::new(a, b).quantile(q)
}

/// P(T >= t) for Student's t with `df` degrees of freedom (scipy's `t.sf(t, df)`).
pub fn student_upper_tail(t: f64, df: f64) -> f64 {
    if t.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 0.0 } else { 1.0 };
    }
    let half = 0.5 * beta_inc(0.5 * df, 0.5, df / (df + t * t));
    if t >= 0.0 { half } else { 1.0 - half }
}

/// Benjamini-Hochberg adjusted p-values ("q-values"), in the order given: a test is a
/// discovery at false discovery rate `q` when its adjusted value is at most `q`. Equal to
/// scipy's `false_discovery_control(ps, method="bh")`. NaN p-values count as 1.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let value = |i: usize| if p[i].is_nan() { 1.0 } else { p[i] };
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| value(a).total_cmp(&value(b)));
    let mut q = vec![1.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(value(i) * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, rel: f64) {
        assert!(
            (got - want).abs() <= rel * want.abs().max(1e-300),
            "got {got:e}, want {want:e}"
        );
    }

    #[test]
    fn ln_gamma_is_the_libm_crates_to_a_few_ulps() {
        // The same formula with another logarithm: equal but where the logarithms round
        // differently, and then by an ulp or two of the result.
        let mut x = 0.013;
        while x < 1e9 {
            let (got, want) = (ln_gamma(x), libm::lgamma(x));
            assert!(
                (got - want).abs() <= 4.0 * f64::EPSILON * want.abs().max(1.0),
                "{x}: {got} vs {want}"
            );
            x *= 1.0137;
        }
        // By hand: ln 9!, and ln Γ(100.5) from Python's math.lgamma.
        close(ln_gamma(10.0), 362_880f64.ln(), 1e-15);
        close(ln_gamma(100.5), 361.435_540_467_777_6, 1e-14);
    }

    #[test]
    fn binomial_tail_equals_scipy() {
        // scipy.stats.binom.sf(k - 1, n, p)
        close(
            binomial_upper_tail(10, 30, 0.15),
            0.009657635199554848,
            1e-10,
        );
        close(binomial_upper_tail(1, 1, 0.15), 0.15, 1e-12);
        close(
            binomial_upper_tail(200, 1000, 0.15),
            1.2220301290068296e-05,
            1e-9,
        );
        close(
            binomial_upper_tail(41, 100, 0.1),
            4.753173592422103e-16,
            1e-8,
        );
        assert_eq!(binomial_upper_tail(0, 5, 0.3), 1.0);
        assert_eq!(binomial_upper_tail(6, 5, 0.3), 0.0);
    }

    #[test]
    fn binomial_tail_equals_a_sum_of_terms() {
        // Brute force: the sum of the probabilities of k..=n successes.
        for (n, p) in [(1u64, 0.3f64), (7, 0.15), (25, 0.5), (60, 0.02)] {
            let pmf = |j: u64| {
                let lc = ln_gamma(n as f64 + 1.0)
                    - ln_gamma(j as f64 + 1.0)
                    - ln_gamma((n - j) as f64 + 1.0);
                (lc + j as f64 * p.ln() + (n - j) as f64 * (1.0 - p).ln()).exp()
            };
            for k in 0..=n {
                let sum: f64 = (k..=n).map(pmf).sum();
                close(binomial_upper_tail(k, n, p), sum.min(1.0), 1e-9);
            }
        }
    }

    #[test]
    fn clopper_pearson_equals_scipy() {
        // scipy.stats.beta.ppf(0.05, k, n - k + 1)
        close(
            clopper_pearson_lower(10, 30, 0.05).unwrap(),
            0.19330842112059315,
            1e-9,
        );
        close(clopper_pearson_lower(1, 1, 0.05).unwrap(), 0.05, 1e-9);
        assert_eq!(clopper_pearson_lower(0, 9, 0.05), Some(0.0));
        assert_eq!(clopper_pearson_lower(0, 0, 0.05), None);
    }

    #[test]
    fn beta_quantile_equals_scipy() {
        // scipy.stats.beta.ppf(q, a, b)
        close(beta_quantile(0.05, 10.0, 21.0), 0.19330842112059315, 1e-9);
        close(beta_quantile(0.05, 2.4, 70.6), 0.007361519267650935, 1e-8);
        close(beta_quantile(0.5, 1.0, 1.0), 0.5, 1e-12);
    }

    #[test]
    fn beta_quantile_inverts_the_cdf_and_equals_bisection() {
        // Bisection alone on the cdf: slow, and sure.
        let bisect = |q: f64, a: f64, b: f64| {
            let (mut lo, mut hi) = (0.0f64, 1.0f64);
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if beta_inc(a, b, mid) < q {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            0.5 * (lo + hi)
        };
        for a in [0.3, 1.0, 2.4, 17.0, 350.0, 9000.0] {
            for b in [0.5, 1.0, 6.0, 120.0, 40_000.0] {
                for q in [1e-9, 0.001, 0.05, 0.5, 0.95, 0.999] {
                    let (x, want) = (beta_quantile(q, a, b), bisect(q, a, b));
                    assert!(
                        (x - want).abs() <= 1e-10 * want.max(1e-200),
                        "Beta({a}, {b}) q {q}: {x:e} vs {want:e}"
                    );
                }
            }
        }
    }

    #[test]
    fn student_tail_equals_scipy() {
        // scipy.stats.t.sf(t, df)
        close(student_upper_tail(2.5, 7.0), 0.020496109292876444, 1e-10);
        close(student_upper_tail(-1.0, 3.0), 0.8044988905221148, 1e-10);
        close(student_upper_tail(3.0, 1000.0), 0.0013833545221190963, 1e-9);
        assert_eq!(student_upper_tail(f64::INFINITY, 4.0), 0.0);
    }

    #[test]
    fn bh_equals_scipy() {
        // scipy.stats.false_discovery_control([0.01, 0.04, 0.03, 0.005, 0.5])
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.5]);
        for (got, want) in q.iter().zip([0.025, 0.05, 0.05, 0.025, 0.5]) {
            close(*got, want, 1e-12);
        }
        assert!(benjamini_hochberg(&[]).is_empty());
        assert_eq!(benjamini_hochberg(&[f64::NAN, 0.01]), vec![1.0, 0.02]);
    }
}
