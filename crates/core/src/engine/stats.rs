//! Statistics helpers: least-squares slope with its standard error, a change over a window.

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

/// |slope / standard error| from which a trend is told apart from noise (about 95%).
pub const SIGNIFICANT_T: f64 = 2.0;

/// A trend in the terms a person reads: the change over the window's own length.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// Change over the window (slope x days), in the series' unit.
    pub change: f64,
    /// Half-width of its 95% interval (`SIGNIFICANT_T` standard errors x days).
    pub margin: f64,
    /// Whether it is told apart from no change.
    pub significant: bool,
}

impl Change {
    /// The change of a line with `slope` and standard error `se` per day over `days` days;
    /// `None` without a slope or its error (too few points).
    pub fn over(slope: Option<f64>, se: Option<f64>, days: usize) -> Option<Change> {
        let (b, se) = (slope?, se?);
        let days = days as f64;
        Some(Change {
            change: b * days,
            margin: SIGNIFICANT_T * se * days,
            significant: b.abs() >= SIGNIFICANT_T * se,
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
        let mut one = Regression::default();
        one.add(1.0, 1.0);
        assert_eq!(one.slope(), None);
    }
}
