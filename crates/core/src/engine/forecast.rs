//! Forecast of returns for a scope (all marketplaces, one, or one seller):
//!
//! - the returns still to come from orders already placed ([`super::pending`]);
//! - the orders to come: each day's order count for the next 7 or 30 days from exponential
//!   smoothing with a weekly season ([`super::ets`]), with 90% intervals; and the returns
//!   those orders will bring: the volume times the scope's mean risk over the last
//!   [`RECENT_RISK_DAYS`] days. Its variance adds the volume's uncertainty to the binomial
//!   spread of returns among a known number of orders:
//!   `Var R = E[N] p (1 - p) + p² Var N` (the risk itself is taken as known).

use super::Engine;
use super::EngineError;
use super::ets::{self, Z90};
use super::pending::{PendingReturns, pending_returns};
use crate::data::day_string;
use serde::Serialize;

/// Days of recent orders whose mean risk prices the orders to come.
pub const RECENT_RISK_DAYS: i32 = 28;
/// History a seller or a marketplace needs for a volume forecast: days, and orders a day on
/// average (from its first order).
pub const SELLER_MIN_DAYS: usize = 56;
/// See [`SELLER_MIN_DAYS`].
pub const SELLER_MIN_PER_DAY: f64 = 2.0;

/// One day's forecast of orders.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayForecast {
    /// The date.
    pub date: String,
    /// Expected orders.
    pub orders: f64,
    /// 5% bound.
    pub low: f64,
    /// 95% bound.
    pub high: f64,
}

/// The orders to come in a scope and the returns they will bring.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VolumeForecast {
    /// The model chosen: `ETS(A,N,N)`, `ETS(A,N,A)`, `ETS(A,Ad,N)` or `ETS(A,Ad,A)`.
    pub model: String,
    /// Its smoothing parameters.
    pub params: ets::Params,
    /// Standard deviation of its one-step errors, in orders.
    pub sigma: f64,
    /// Days of history it was fitted on.
    pub history_days: usize,
    /// Each day of the horizon.
    pub days: Vec<DayForecast>,
    /// Orders over the horizon, expected.
    pub orders: f64,
    /// 5% bound of the total.
    pub orders_low: f64,
    /// 95% bound.
    pub orders_high: f64,
    /// Mean risk of the scope's orders over the last [`RECENT_RISK_DAYS`] days.
    pub recent_risk: Option<f64>,
    /// Returns expected from the orders to come.
    pub returns: Option<f64>,
    /// 5% bound.
    pub returns_low: Option<f64>,
    /// 95% bound.
    pub returns_high: Option<f64>,
}

/// A scope's forecast.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScopeForecast {
    /// `all`, a marketplace id or a seller id.
    pub scope: String,
    /// Returns to come from orders already placed (`null` without scores).
    pub pending: Option<PendingReturns>,
    /// Orders to come (`null` with `note` when the history is too short).
    pub volume: Option<VolumeForecast>,
    /// Why there is no volume forecast.
    pub note: Option<String>,
}

/// The forecast for every scope asked for.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Forecast {
    /// The last day of the data; the forecast starts the day after.
    pub as_of: String,
    /// Days ahead.
    pub horizon: u32,
    /// The scopes: all marketplaces then each, or the one asked for.
    pub scopes: Vec<ScopeForecast>,
}

/// The volume forecast of the daily order counts `history` (ending on day `last`) for
/// `horizon` days, priced at `risk`; `None` when the history is too short to fit.
pub fn volume_forecast(
    history: &[f64],
    last: i32,
    horizon: usize,
    risk: Option<f64>,
) -> Option<VolumeForecast> {
    let fit = super::ets_fit::fit(history)?;
    let points = fit.forecast(horizon);
    let days: Vec<DayForecast> = points
        .iter()
        .map(|p| DayForecast {
            date: day_string(last + p.h as i32),
            orders: p.mean.max(0.0),
            low: p.low.max(0.0),
            high: p.high.max(0.0),
        })
        .collect();
    let orders: f64 = points.iter().map(|p| p.mean).sum();
    let var_n = fit.total_variance(horizon);
    let half_n = Z90 * var_n.sqrt();
    let returns = risk.map(|p| {
        let mean = orders * p;
        let var = orders * p * (1.0 - p) + p * p * var_n;
        (mean, Z90 * var.sqrt())
    });
    Some(VolumeForecast {
        model: fit.shape.name().into(),
        params: fit.params,
        sigma: fit.sigma,
        history_days: history.len(),
        days,
        orders,
        orders_low: (orders - half_n).max(0.0),
        orders_high: orders + half_n,
        recent_risk: risk,
        returns: returns.map(|r| r.0),
        returns_low: returns.map(|(m, h)| (m - h).max(0.0)),
        returns_high: returns.map(|(m, h)| m + h),
    })
}

impl Engine {
    /// Orders per day of a marketplace (or all) from the first day of the data to the last.
    pub fn daily_orders(&self, marketplace: Option<u16>) -> Vec<f64> {
        let c = &self.cube;
        (c.first_day..=c.last_day)
            .map(|d| c.totals(d, d, marketplace).orders as f64)
            .collect()
    }

    /// Mean risk of a marketplace's (or all) orders over the last [`RECENT_RISK_DAYS`] days.
    fn recent_risk(&self, marketplace: Option<u16>) -> Option<f64> {
        if !self.cube.scored {
            return None;
        }
        let last = self.cube.last_day;
        self.cube
            .totals(last - RECENT_RISK_DAYS + 1, last, marketplace)
            .mean_risk()
    }

    /// The forecast of a marketplace's (or all's) returns: its pending orders, and its orders
    /// to come when its history is long and dense enough (the sellers' rule: a count of a few
    /// orders a week is intermittent, and a Gaussian interval around it is not honest).
    pub fn marketplace_forecast(&self, marketplace: Option<u16>, horizon: u32) -> ScopeForecast {
        let mut history = self.daily_orders(marketplace);
        // From the scope's first order: days before it are no history of its demand.
        let first = history
            .iter()
            .position(|&n| n > 0.0)
            .unwrap_or(history.len());
        history.drain(..first);
        let per_day = history.iter().sum::<f64>() / history.len().max(1) as f64;
        let enough = history.len() >= SELLER_MIN_DAYS && per_day >= SELLER_MIN_PER_DAY;
        let volume = enough
            .then(|| {
                let risk = self.recent_risk(marketplace);
                volume_forecast(&history, self.cube.last_day, horizon as usize, risk)
            })
            .flatten();
        let note = volume.is_none().then(|| match enough {
            true => too_short(history.len()),
            false => thin(history.len(), per_day),
        });
        ScopeForecast {
            scope: marketplace.map_or("all".into(), |m| self.data.marketplaces[m as usize].clone()),
            pending: self
                .pending
                .get(marketplace.map_or(0, |m| m as usize + 1))
                .cloned(),
            note,
            volume,
        }
    }

    /// The forecast of one seller's returns: its pending orders, and its orders to come
    /// when it has [`SELLER_MIN_DAYS`] days of history at [`SELLER_MIN_PER_DAY`] orders a day.
    pub fn seller_forecast(&self, si: usize, horizon: u32) -> ScopeForecast {
        let ds = &self.data;
        let orders = self.seller_orders.of(si, ds);
        let last = self.cube.last_day;
        let scores = self.scores.as_deref();
        let first = orders.iter().map(|&i| ds.orders.day[i as usize]).min();
        let mut history = vec![0.0; first.map_or(0, |f| (last - f + 1) as usize)];
        let (mut risk, mut price) = (Vec::new(), Vec::new());
        let (mut recent_sum, mut recent_n) = (0.0, 0u32);
        let pending_from = self.cube.pending_from();
        for &i in orders {
            let i = i as usize;
            let day = ds.orders.day[i];
            if let Some(f) = first {
                history[(day - f) as usize] += 1.0;
            }
            let Some(s) = scores else { continue };
            if ds.orders.returned[i].is_none() && day >= pending_from {
                risk.push(s.risk[i]);
                price.push(ds.orders.price[i]);
            }
            if day > last - RECENT_RISK_DAYS {
                recent_sum += s.risk[i];
                recent_n += 1;
            }
        }
        let per_day = orders.len() as f64 / history.len().max(1) as f64;
        let enough = history.len() >= SELLER_MIN_DAYS && per_day >= SELLER_MIN_PER_DAY;
        let recent = (recent_n > 0).then(|| recent_sum / f64::from(recent_n));
        let volume = enough
            .then(|| volume_forecast(&history, last, horizon as usize, recent))
            .flatten();
        let note = (volume.is_none()).then(|| thin(history.len(), per_day));
        ScopeForecast {
            scope: ds.sellers[si].id.clone(),
            pending: scores.map(|_| pending_returns(&risk, &price)),
            volume,
            note,
        }
    }

    /// The forecast for the next `horizon` days: of one seller, of one marketplace, or of all
    /// marketplaces and then each.
    pub fn forecast(
        &self,
        horizon: u32,
        marketplace: Option<&str>,
        seller: Option<&str>,
    ) -> Result<Forecast, EngineError> {
        let scopes = match (seller, self.marketplace_index(marketplace)?) {
            (Some(id), _) => {
                let si = self
                    .data
                    .seller_index(id)
                    .ok_or_else(|| EngineError::UnknownSeller(id.to_string()))?;
                vec![self.seller_forecast(si, horizon)]
            }
            (None, Some(m)) => vec![self.marketplace_forecast(Some(m), horizon)],
            (None, None) => std::iter::once(None)
                .chain((0..self.data.marketplaces.len() as u16).map(Some))
                .map(|m| self.marketplace_forecast(m, horizon))
                .collect(),
        };
        Ok(Forecast {
            as_of: day_string(self.cube.last_day),
            horizon,
            scopes,
        })
    }
}

/// The note for a history too short or too sparse for a volume forecast.
fn thin(days: usize, per_day: f64) -> String {
    format!(
        "not enough history for a volume forecast: {days} days at {per_day:.2} orders a day \
         (needs {SELLER_MIN_DAYS} days at {SELLER_MIN_PER_DAY} a day)"
    )
}

/// The note for a history too short to fit.
fn too_short(days: usize) -> String {
    format!(
        "not enough history for a volume forecast: {days} days (needs {})",
        ets::MIN_HISTORY
    )
}
