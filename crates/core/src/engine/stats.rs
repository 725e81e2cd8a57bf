//! Statistics helpers: least-squares slope with its standard error and 95% margin, a change
//! over a window.

use super::inference::student_upper_tail;
use std::sync::OnceLock;

/// Running sums for a least-squares line y = a + b x.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Regression {
    n: f64,
    sx: f64,
    sy: f64,
    sxx: f64,
    sxy: f64,
    syy: f64,
}

impl Regression {
    /// Adds a point.
    pub fn add(&mut self, x: f64, y: f64) {
        self.n += 1.0;
        self.sx += x;
        self.sy += y;
        self.sxx += x * x;
        self.sxy += x * y;
        self.syy += y * y;
    }
    /// The points of `self` that are not in `earlier`, when `earlier`'s points are the first
    /// of `self`'s (running sums).
    pub fn minus(&self, earlier: &Regression) -> Regression {
        Regression {
            n: self.n - earlier.n,
            sx: self.sx - earlier.sx,
            sy: self.sy - earlier.sy,
            sxx: self.sxx - earlier.sxx,
            sxy: self.sxy - earlier.sxy,
            syy: self.syy - earlier.syy,
        }
    }
    /// The same points with every x moved by `dx`.
    pub fn shifted(&self, dx: f64) -> Regression {
        Regression {
            sx: self.sx + self.n * dx,
            sxx: self.sxx + 2.0 * dx * self.sx + self.n * dx * dx,
            sxy: self.sxy + dx * self.sy,
            ..*self
        }
    }
    /// Number of points.
    pub fn len(&self) -> usize {
        self.n as usize
    }
    /// True without points.
    pub fn is_empty(&self) -> bool {
        self.n == 0.0
    }
    /// The slope, `None` with fewer than two distinct x.
    pub fn slope(&self) -> Option<f64> {
        let den = self.n * self.sxx - self.sx * self.sx;
        (self.n >= 2.0 && den > 1e-12).then(|| (self.n * self.sxy - self.sx * self.sy) / den)
    }
    /// The slope's standard error, `None` with fewer than three points (0 for a perfect fit).
    pub fn slope_se(&self) -> Option<f64> {
        let b = self.slope()?;
        if self.n < 3.0 {
            return None;
        }
        let sxx_c = self.sxx - self.sx * self.sx / self.n;
        let syy_c = self.syy - self.sy * self.sy / self.n;
        let sxy_c = self.sxy - self.sx * self.sy / self.n;
        let sse = (syy_c - b * sxy_c).max(0.0);
        Some((sse / (self.n - 2.0) / sxx_c).sqrt())
    }

    /// Half-width of the slope's 95% interval: [`t95`] with n - 2 degrees of freedom times
    /// its standard error, `None` with fewer than three points. Few points make it wide (3
    /// days: 12.7 standard errors), so a line through a sparse seller's few days is not
    /// read as a trend.
    pub fn slope_margin(&self) -> Option<f64> {
        Some(t95(self.n as usize - 2) * self.slope_se()?)
    }

    /// The slope's t statistic (slope / standard error), `None` with fewer than three points.
    /// A perfect fit gives +/- infinity.
    pub fn slope_t(&self) -> Option<f64> {
        let (b, se) = (self.slope()?, self.slope_se()?);
        Some(if se > 0.0 {
            b / se
        } else {
            b.signum() * f64::INFINITY
        })
    }
}

/// |slope / standard error| from which a trend is told apart from noise with many points
/// (about 95%); [`t95`] is never below it.
pub const SIGNIFICANT_T: f64 = 2.0;

/// Days with orders a seller's or category's trend needs: a line through fewer (three
/// orders on three days) is read as no trend, however well it fits.
pub const TREND_MIN_DAYS: usize = 5;

/// Standard errors in a 95% margin with `df` degrees of freedom: Student's t 97.5% quantile
/// (scipy's `t.ppf(0.975, df)`), but never below [`SIGNIFICANT_T`] (so many points keep the
/// two-standard-error rule). Exact by bisection for up to 128 degrees of freedom (computed
/// once), the Cornish-Fisher expansion above (where it is within 1e-6).
pub fn t95(df: usize) -> f64 {
    const EXACT: usize = 128;
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    let t = match df {
        0 => f64::INFINITY,
        1..=EXACT => TABLE.get_or_init(|| (1..=EXACT).map(t975_by_bisection).collect())[df - 1],
        _ => t975_by_expansion(df),
    };
    t.max(SIGNIFICANT_T)
}

/// The Cornish-Fisher expansion of Student's t 97.5% quantile in 1 / df (three terms).
fn t975_by_expansion(df: usize) -> f64 {
    let (z, d) = (1.959_963_984_540_054_f64, df as f64);
    z + (z.powi(3) + z) / (4.0 * d)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * d.powi(3))
}

/// The t with an upper tail of 2.5% for `df` degrees of freedom, to 1e-12.
fn t975_by_bisection(df: usize) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 1e3_f64);
    while hi - lo > 1e-12 * hi {
        let mid = 0.5 * (lo + hi);
        if student_upper_tail(mid, df as f64) > 0.025 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// A trend in the terms a person reads: the change over the window's own length.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// Change over the window (slope x days), in the series' unit.
    pub change: f64,
    /// Half-width of its 95% interval (the slope's margin x days).
    pub margin: f64,
    /// Whether it is told apart from no change.
    pub significant: bool,
}

impl Change {
    /// The change of a line with `slope` per day and its 95% `margin` per day
    /// ([`Regression::slope_margin`]) over `days` days; `None` without a slope or its margin
    /// (too few points).
    pub fn over(slope: Option<f64>, margin: Option<f64>, days: usize) -> Option<Change> {
        let (b, m) = (slope?, margin?);
        let days = days as f64;
        Some(Change {
            change: b * days,
            margin: m * days,
            significant: b.abs() >= m,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_line_and_noise() {
        let mut r = Regression::default();
        for x in 0..10 {
            r.add(f64::from(x), 2.0 + 0.5 * f64::from(x));
        }
        assert!((r.slope().unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(r.slope_t(), Some(f64::INFINITY));
        let mut flat = Regression::default();
        for (x, y) in [(0.0, 1.0), (1.0, 3.0), (2.0, 1.0), (3.0, 3.0)] {
            flat.add(x, y);
        }
        // slope = 0.4, se: residual SS = 3.2, /2 = 1.6, sxx = 5 -> se = sqrt(0.32)
        assert!((flat.slope().unwrap() - 0.4).abs() < 1e-12);
        assert!((flat.slope_t().unwrap() - 0.4 / 0.32f64.sqrt()).abs() < 1e-9);
        // 4 points: 2 degrees of freedom, t = 4.303 standard errors.
        let margin = flat.slope_margin().unwrap();
        assert!((margin - 4.302_652_729_911_275 * 0.32f64.sqrt()).abs() < 1e-9);
        let mut one = Regression::default();
        one.add(1.0, 1.0);
        assert_eq!(one.slope(), None);
        assert_eq!(one.slope_margin(), None);
    }

    #[test]
    fn the_margin_is_students_t_and_never_below_two_standard_errors() {
        // scipy.stats.t.ppf(0.975, df)
        for (df, t) in [
            (1, 12.706_204_736_174_7),
            (2, 4.302_652_729_911_275),
            (10, 2.228_138_851_986_274),
            (30, 2.042_272_456_301_238),
            (60, 2.000_297_821_058_262),
        ] {
            assert!((t95(df) - t).abs() < 1e-9, "{df}: {} vs {t}", t95(df));
        }
        assert_eq!(t95(0), f64::INFINITY);
        assert_eq!(t95(61), SIGNIFICANT_T, "1.9996 is raised to 2");
        assert_eq!(t95(10_000), SIGNIFICANT_T);
        // Past the table the expansion agrees with the exact quantile.
        for df in [129, 200, 1000] {
            let (exact, series) = (t975_by_bisection(df), t975_by_expansion(df));
            assert!((exact - series).abs() < 1e-6, "{df}: {exact} vs {series}");
        }
    }
}
