//! Exponential smoothing with a weekly season: the additive-error ETS models with no trend
//! or a damped one and an additive weekly season or none (ETS(A,N,N), ETS(A,N,A),
//! ETS(A,Ad,N), ETS(A,Ad,A) in Hyndman and Athanasopoulos' notation, "Forecasting:
//! Principles and Practice", 3rd ed., ch. 8), in innovations form:
//!
//! ```text
//! e_t = y_t - (l_{t-1} + phi b_{t-1} + s_{t-m})      one-step error
//! l_t = l_{t-1} + phi b_{t-1} + alpha e_t             level
//! b_t = phi b_{t-1} + beta e_t                        trend (0 without one)
//! s_t = s_{t-m} + gamma e_t                           season, m = 7 (0 without one)
//! y_{T+h} = l_T + (phi + ... + phi^h) b_T + s_{T+h-m(k+1)}
//! ```
//!
//! Each model is estimated by maximum likelihood ([`super::ets_fit`]) and the one with the
//! smallest corrected AIC is kept. The forecast variance of horizon `h` is
//! `sigma² (1 + sum_{j<h} c_j²)` with `c_j = alpha + beta (phi + ... + phi^j) +
//! gamma [j mod m = 0]` (ibid., table 8.8), and the 90% interval is the normal one around the
//! point forecast, not below zero.

use serde::Serialize;

/// The season's length in days.
pub const SEASON: usize = 7;
/// Days of history a fit needs (four weeks).
pub const MIN_HISTORY: usize = 4 * SEASON;
/// The standard normal's 95% quantile (a two-sided 90% interval).
pub const Z90: f64 = 1.644_853_626_951_472_2;

/// The smoothing parameters of a fitted model (`beta` and `phi` are 0 without a trend,
/// `gamma` without a season).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Params {
    /// Level smoothing.
    pub alpha: f64,
    /// Trend smoothing.
    pub beta: f64,
    /// Season smoothing.
    pub gamma: f64,
    /// Trend damping.
    pub phi: f64,
}

/// Which components a model has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Shape {
    /// A damped additive trend.
    pub trend: bool,
    /// An additive weekly season.
    pub seasonal: bool,
}

impl Shape {
    /// The four shapes considered.
    pub const ALL: [Shape; 4] = [
        Shape::new(false, false),
        Shape::new(false, true),
        Shape::new(true, false),
        Shape::new(true, true),
    ];

    const fn new(trend: bool, seasonal: bool) -> Self {
        Shape { trend, seasonal }
    }

    /// The model's name, e.g. `ETS(A,Ad,A)`.
    pub fn name(self) -> &'static str {
        match (self.trend, self.seasonal) {
            (false, false) => "ETS(A,N,N)",
            (false, true) => "ETS(A,N,A)",
            (true, false) => "ETS(A,Ad,N)",
            (true, true) => "ETS(A,Ad,A)",
        }
    }
}

/// The model's states: level, trend and the last season, indexed by `t mod 7`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct States {
    /// Level.
    pub level: f64,
    /// Trend.
    pub slope: f64,
    /// Season of each weekday slot (`t mod 7`).
    pub season: [f64; SEASON],
}

impl States {
    /// One step of the recursions on the observation `y` of day `t`; the one-step error.
    #[inline]
    pub fn step(&mut self, y: f64, t: usize, p: &Params) -> f64 {
        let k = t % SEASON;
        let e = y - (self.level + p.phi * self.slope + self.season[k]);
        self.level += p.phi * self.slope + p.alpha * e;
        self.slope = p.phi * self.slope + p.beta * e;
        self.season[k] += p.gamma * e;
        e
    }
}

/// A model fitted to a daily series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fit {
    /// Its parameters.
    pub params: Params,
    /// Its components.
    pub shape: Shape,
    /// Standard deviation of the one-step errors (their sum of squares over the days less
    /// the estimated parameters and states).
    pub sigma: f64,
    /// The corrected AIC it was chosen by.
    pub aicc: f64,
    /// The states after the series' last day.
    #[serde(skip)]
    pub(super) end: States,
    /// Days fitted.
    #[serde(skip)]
    pub(super) days: usize,
}

/// One day's forecast.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Point {
    /// Days after the series' end (1 = the next day).
    pub h: usize,
    /// The point forecast.
    pub mean: f64,
    /// 5% bound (not below 0).
    pub low: f64,
    /// 95% bound.
    pub high: f64,
}

impl Fit {
    /// `c_j` of the variance formula.
    fn c(&self, j: usize) -> f64 {
        let p = self.params;
        let damped: f64 = (1..=j).map(|i| p.phi.powi(i as i32)).sum();
        let seasonal = if j.is_multiple_of(SEASON) {
            p.gamma
        } else {
            0.0
        };
        p.alpha + p.beta * damped + seasonal
    }

    /// The forecasts of the next `horizon` days with their 90% intervals.
    pub fn forecast(&self, horizon: usize) -> Vec<Point> {
        let p = self.params;
        let mut damped = 0.0;
        let mut var_sum = 1.0;
        (1..=horizon)
            .map(|h| {
                damped += p.phi.powi(h as i32);
                if h > 1 {
                    var_sum += self.c(h - 1).powi(2);
                }
                let e = &self.end;
                let mean = e.level + damped * e.slope + e.season[(self.days + h - 1) % SEASON];
                let half = Z90 * self.sigma * var_sum.sqrt();
                Point {
                    h,
                    mean: mean.max(0.0),
                    low: (mean - half).max(0.0),
                    high: (mean + half).max(0.0),
                }
            })
            .collect()
    }

    /// The variance of the sum of the next `horizon` days: the error of day `T+k` carries
    /// into every later day through `c_j`, so the total's is
    /// `sigma² sum_k (1 + sum_{j <= horizon-k} c_j)²`.
    pub fn total_variance(&self, horizon: usize) -> f64 {
        let c: Vec<f64> = (1..horizon).map(|j| self.c(j)).collect();
        let s2 = self.sigma * self.sigma;
        (1..=horizon)
            .map(|k| {
                let carried: f64 = c[..horizon - k].iter().sum();
                (1.0 + carried).powi(2)
            })
            .sum::<f64>()
            * s2
    }
}

/// The seasonal-naive forecast (each day as the same weekday of the last week).
pub fn seasonal_naive(y: &[f64], horizon: usize) -> Vec<f64> {
    (1..=horizon)
        .map(|h| y[y.len() - SEASON + (h - 1) % SEASON])
        .collect()
}

/// The mean absolute error of the seasonal-naive forecast one season ahead, in sample: the
/// scale of MASE (Hyndman and Koehler, 2006).
pub fn seasonal_naive_mae(y: &[f64]) -> Option<f64> {
    let n = y.len().checked_sub(SEASON).filter(|&n| n > 0)?;
    Some(
        (SEASON..y.len())
            .map(|t| (y[t] - y[t - SEASON]).abs())
            .sum::<f64>()
            / n as f64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ets_fit::fit;

    /// A weekly pattern on a level, with a deterministic "noise".
    fn series(days: usize, level: f64, slope: f64, noise: f64) -> Vec<f64> {
        let pattern = [0.9, 0.95, 1.0, 1.0, 1.05, 1.2, 0.9];
        (0..days)
            .map(|t| {
                let wiggle = ((t * 7919 % 13) as f64 / 6.0 - 1.0) * noise;
                level * pattern[t % SEASON] + slope * t as f64 + wiggle
            })
            .collect()
    }

    #[test]
    fn an_exact_weekly_pattern_is_forecast_exactly() {
        let y = series(70, 100.0, 0.0, 0.0);
        let f = fit(&y).unwrap();
        for p in f.forecast(14) {
            let want = y[(70 + p.h - 1) % SEASON];
            assert!(
                (p.mean - want).abs() < 1e-6,
                "h {}: {} vs {want}",
                p.h,
                p.mean
            );
        }
        assert!(f.sigma < 1e-5);
    }

    #[test]
    fn a_trend_is_followed() {
        let y = series(84, 100.0, 0.5, 1.0);
        let f = fit(&y).unwrap();
        assert!(f.shape.trend, "{f:?}");
        let next_week: f64 = f.forecast(7).iter().map(|p| p.mean).sum();
        let last_week: f64 = y[77..].iter().sum();
        assert!(next_week > last_week + 15.0, "{next_week} vs {last_week}");
    }

    #[test]
    fn intervals_widen_with_the_horizon_and_the_total_adds_up() {
        let y = series(84, 50.0, 0.0, 4.0);
        let f = fit(&y).unwrap();
        let pts = f.forecast(30);
        assert!(pts[29].high - pts[29].low >= pts[0].high - pts[0].low);
        // One day: the total's variance is sigma².
        assert!((f.total_variance(1) - f.sigma.powi(2)).abs() < 1e-9);
        // Without smoothing the errors do not carry: the total's variance is h sigma².
        let frozen = Fit {
            params: Params {
                alpha: 0.0,
                beta: 0.0,
                gamma: 0.0,
                phi: 0.0,
            },
            ..f.clone()
        };
        assert!((frozen.total_variance(30) - 30.0 * f.sigma.powi(2)).abs() < 1e-9);
    }

    #[test]
    fn too_short_a_history_has_no_fit_and_mase_has_its_scale() {
        assert!(fit(&[1.0; 27]).is_none());
        let y: Vec<f64> = (0..14)
            .map(|t| f64::from(t % 7) + if t >= 7 { 2.0 } else { 0.0 })
            .collect();
        assert_eq!(seasonal_naive_mae(&y), Some(2.0));
        assert_eq!(seasonal_naive(&y, 8)[7], y[7]);
    }
}
