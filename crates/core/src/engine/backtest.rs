//! The forecast replayed on the data itself: at each of the last [`ORIGINS`] weekly origins
//! the volume model is fitted on the days up to the origin and forecasts the next days, which
//! are then compared with what happened; and the orders of the [`pending_days`] before the
//! origin (those that would have been pending then) are priced by their risks and compared
//! with the returns they actually had. Only origins whose pending orders all lie after the
//! models' training cut are priced: a model never scores an order it trained on (a
//! backtest of in-sample orders would measure the fit, not the forecast).
//!
//! - MASE: the forecast's errors scaled by the in-sample mean absolute
//!   error of the one-season-ahead seasonal-naive forecast (Hyndman and Koehler, 2006); the
//!   seasonal-naive forecast of the same days gets its own MASE on the same scale, so the two
//!   read side by side (below 1: better than last week's numbers, in sample).
//! - Coverage: the share of days whose actual count lies inside the 90% interval.

use super::Engine;
use super::ets;
use super::pending::interval;
use crate::data::day_string;
use serde::Serialize;

/// Weekly origins replayed.
pub const ORIGINS: usize = 8;

/// One origin's volume forecast against what happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VolumeOrigin {
    /// The origin's last day of history.
    pub origin: String,
    /// Orders forecast over the horizon.
    pub forecast: f64,
    /// Orders that came.
    pub actual: f64,
    /// Days whose count fell inside the 90% interval, of `days`.
    pub covered: usize,
    /// Days compared.
    pub days: usize,
}

/// The volume backtest of one series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VolumeBacktest {
    /// The origins, oldest first.
    pub origins: Vec<VolumeOrigin>,
    /// MASE of the forecast.
    pub mase: Option<f64>,
    /// MASE of the seasonal-naive forecast of the same days.
    pub naive_mase: Option<f64>,
    /// Share of days inside the 90% interval.
    pub coverage: Option<f64>,
}

/// One origin's then-pending orders: the returns predicted against those that came.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReturnsOrigin {
    /// The origin.
    pub origin: String,
    /// Orders of the pending days before it whose outcome is known now.
    pub orders: u64,
    /// Of those days' orders, the ones still pending now (left out).
    pub still_pending: u64,
    /// Returns predicted (the sum of the risks).
    pub predicted: f64,
    /// 5% bound (Poisson-binomial).
    pub low: u64,
    /// 95% bound.
    pub high: u64,
    /// Returns that came.
    pub actual: u64,
}

/// A scope's backtest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScopeBacktest {
    /// `all` or a marketplace id.
    pub scope: String,
    /// The volume forecast's.
    pub volume: VolumeBacktest,
    /// The then-pending orders' (empty without scores).
    pub returns: Vec<ReturnsOrigin>,
}

/// The backtest of every scope.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Backtest {
    /// The last day of the data.
    pub as_of: String,
    /// Days ahead each origin forecasts.
    pub horizon: u32,
    /// Days before an origin whose orders count as pending then ([`pending_days`]).
    pub pending_days: i32,
    /// The first day no model trained on (the latest holdout start of the models in use);
    /// `null` without models.
    pub training_cut: Option<String>,
    /// Why the then-pending orders are not priced at some or every origin (origins before
    /// the training cut), or `null` when every origin is.
    pub returns_note: Option<String>,
    /// The scopes: all marketplaces, then each.
    pub scopes: Vec<ScopeBacktest>,
}

/// Replays the volume forecast on `y` at `origins` weekly origins, the last one `horizon`
/// days before the end (so every forecast day has happened).
pub fn volume_backtest(y: &[f64], horizon: usize, origins: usize, last: i32) -> VolumeBacktest {
    let mut out = Vec::new();
    let (mut err, mut naive_err, mut scale_sum, mut n) = (0.0, 0.0, 0.0, 0usize);
    for k in (0..origins).rev() {
        let Some(end) = y.len().checked_sub(horizon + ets::SEASON * k) else {
            continue;
        };
        let history = &y[..end];
        let (Some(fit), Some(scale)) = (
            super::ets_fit::fit(history),
            ets::seasonal_naive_mae(history),
        ) else {
            continue;
        };
        let points = fit.forecast(horizon);
        let naive = ets::seasonal_naive(history, horizon);
        let actual = &y[end..end + horizon];
        let mut covered = 0;
        for ((p, &a), &s) in points.iter().zip(actual).zip(&naive) {
            covered += usize::from(p.low <= a && a <= p.high);
            if scale > 0.0 {
                err += (a - p.mean).abs() / scale;
                naive_err += (a - s).abs() / scale;
                scale_sum += 1.0;
            }
            n += 1;
        }
        out.push(VolumeOrigin {
            origin: day_string(last - (y.len() - end) as i32),
            forecast: points.iter().map(|p| p.mean).sum(),
            actual: actual.iter().sum(),
            covered,
            days: horizon,
        });
    }
    let covered: usize = out.iter().map(|o| o.covered).sum();
    VolumeBacktest {
        origins: out,
        mase: (scale_sum > 0.0).then(|| err / scale_sum),
        naive_mase: (scale_sum > 0.0).then(|| naive_err / scale_sum),
        coverage: (n > 0).then(|| covered as f64 / n as f64),
    }
}

/// How many days orders stay pending in these data: the label's latency measured from the
/// data ([`super::latency`]), at least 1.
pub fn pending_days(engine: &Engine) -> i32 {
    engine.cube.label_latency().map_or(1, |l| (l as i32).max(1))
}

/// The first day no model of `models` trained on: the latest holdout start among them.
fn training_cut(models: &crate::model::ModelSet) -> Option<i32> {
    std::iter::once(&models.global)
        .chain(models.sellers.values())
        .filter_map(|m| m.metrics.test_start.as_deref())
        .filter_map(|d| d.parse().ok())
        .map(crate::data::date_to_day)
        .max()
}

impl Engine {
    /// At each origin, the orders of the `pending` days up to it, of a marketplace or all:
    /// returns predicted by their risks against the returns that came.
    fn returns_backtest(
        &self,
        marketplace: Option<u16>,
        origins: &[VolumeOrigin],
        pending: i32,
        cut: i32,
    ) -> Vec<ReturnsOrigin> {
        let Some(scores) = &self.scores else {
            return Vec::new();
        };
        let ds = &self.data;
        let o = &ds.orders;
        origins
            .iter()
            .filter_map(|origin| {
                let end = crate::data::date_to_day(origin.origin.parse().ok()?);
                // Out of sample only: every then-pending order after the training cut.
                if end - pending + 1 < cut {
                    return None;
                }
                let mut risks = Vec::new();
                let (mut actual, mut still) = (0u64, 0u64);
                for i in 0..o.len() {
                    let in_scope = marketplace.is_none_or(|m| ds.order_marketplace(i) == m);
                    if !in_scope || o.day[i] > end || o.day[i] <= end - pending {
                        continue;
                    }
                    match o.returned[i] {
                        None => still += 1,
                        Some(r) => {
                            risks.push(scores.risk[i]);
                            actual += u64::from(r);
                        }
                    }
                }
                let (low, high, _) = interval(&risks);
                Some(ReturnsOrigin {
                    origin: origin.origin.clone(),
                    orders: risks.len() as u64,
                    still_pending: still,
                    predicted: crate::util::sum(risks.iter().copied()),
                    low,
                    high,
                    actual,
                })
            })
            .collect()
    }

    /// The backtest of the volume forecast for `horizon` days and of the returns of
    /// then-pending orders, for all marketplaces and each.
    pub fn backtest(&self, horizon: u32) -> Backtest {
        let pending = pending_days(self);
        let cut = self.models.as_deref().and_then(training_cut);
        let scopes: Vec<ScopeBacktest> = std::iter::once(None)
            .chain((0..self.data.marketplaces.len() as u16).map(Some))
            .map(|m| {
                let y = self.daily_orders(m);
                let volume = volume_backtest(&y, horizon as usize, ORIGINS, self.cube.last_day);
                ScopeBacktest {
                    scope: m.map_or("all".into(), |m| self.data.marketplaces[m as usize].clone()),
                    returns: cut.map_or_else(Vec::new, |cut| {
                        self.returns_backtest(m, &volume.origins, pending, cut)
                    }),
                    volume,
                }
            })
            .collect();
        let priced = scopes.first().map_or(0, |s| s.returns.len());
        let origins = scopes.first().map_or(0, |s| s.volume.origins.len());
        let returns_note = match cut {
            Some(cut) if priced < origins => Some(format!(
                "{} of {origins} origins priced: the models trained on orders before {}, so an \
                 origin's {pending} days of then-pending orders must start on or after it \
                 (the holdout covers {} days; pricing every origin needs {})",
                priced,
                day_string(cut),
                self.cube.last_day - cut + 1,
                pending + horizon as i32 + (ORIGINS as i32 - 1) * ets::SEASON as i32,
            )),
            _ => None,
        };
        Backtest {
            as_of: day_string(self.cube.last_day),
            horizon,
            pending_days: pending,
            training_cut: cut.map(day_string),
            returns_note,
            scopes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// Poisson counts around a weekly pattern: a known generating process.
    fn poisson_series(days: usize, level: f64, seed: u64) -> Vec<f64> {
        let pattern = [0.85, 0.9, 0.95, 1.0, 1.05, 1.25, 1.0];
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
        (0..days)
            .map(|t| {
                // Poisson counts this large are close to normal: mean + z sqrt(mean), z from
                // the sum of 12 uniforms (Irwin-Hall).
                let mean = level * pattern[t % 7];
                let z: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
                (mean + z * mean.sqrt()).round().max(0.0)
            })
            .collect()
    }

    #[test]
    fn on_a_known_process_the_forecast_beats_seasonal_naive_and_intervals_cover_90_percent() {
        let (mut covered, mut days, mut mase, mut naive) = (0.0, 0.0, 0.0, 0.0);
        for seed in 0..20 {
            let y = poisson_series(180, 200.0, seed);
            let b = volume_backtest(&y, 7, ORIGINS, 179);
            assert_eq!(b.origins.len(), ORIGINS);
            let n = (ORIGINS * 7) as f64;
            covered += b.coverage.unwrap() * n;
            days += n;
            mase += b.mase.unwrap();
            naive += b.naive_mase.unwrap();
        }
        let coverage = covered / days;
        assert!((0.85..=0.95).contains(&coverage), "coverage {coverage}");
        // Seasonal naive carries last week's noise; smoothing averages it away.
        assert!(mase / 20.0 < 0.9, "MASE {}", mase / 20.0);
        assert!(mase < 0.85 * naive, "MASE {mase} vs naive {naive}");
    }

    #[test]
    fn origins_are_weekly_and_end_a_horizon_before_the_data() {
        let y = poisson_series(100, 50.0, 1);
        let b = volume_backtest(&y, 7, 3, 99);
        let dates: Vec<&str> = b.origins.iter().map(|o| o.origin.as_str()).collect();
        // Day 99 is the last; the last origin is 7 days before it, then weekly back.
        assert_eq!(dates, [day_string(78), day_string(85), day_string(92)]);
        let actual: f64 = y[93..100].iter().sum();
        assert_eq!(b.origins[2].actual, actual);
    }
}
