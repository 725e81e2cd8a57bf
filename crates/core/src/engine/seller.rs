//! The seller drill-down: the seller's numbers, daily trend, orders (newest first), the
//! metrics of the model that scores it, and explanations.

use super::direction::{SellerDriver, with_directions};
use super::explain::{Explanation, explain, top_drivers};
use super::snapshot::{SellerStats, TrendPoint};
use super::{Engine, EngineError, Window};
use crate::model::ModelMetrics;
use serde::Serialize;

crate::named_enum! {
    /// Where an order stands: its label, or pending while it has none yet.
    pub enum OrderStatus {
        /// Labelled as returned.
        Returned => "returned",
        /// Labelled as kept.
        Kept => "kept",
        /// Not labelled yet.
        Pending => "pending",
    }
}

impl OrderStatus {
    /// The status of an order's label.
    pub fn of(returned: Option<bool>) -> OrderStatus {
        match returned {
            Some(true) => OrderStatus::Returned,
            Some(false) => OrderStatus::Kept,
            None => OrderStatus::Pending,
        }
    }

    /// The label it stands for (`None`: not known yet); [`OrderStatus::of`] back.
    pub fn returned(self) -> Option<bool> {
        match self {
            OrderStatus::Returned => Some(true),
            OrderStatus::Kept => Some(false),
            OrderStatus::Pending => None,
        }
    }
}

/// One order in the drill-down.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrderRow {
    /// `Order_ID`.
    pub order_id: String,
    /// Order date.
    pub date: String,
    /// `Product_Category`.
    pub category: String,
    /// Price.
    pub price: f64,
    /// The order's other features by name: a number, a level, or null when missing.
    #[serde(flatten)]
    pub features: std::collections::BTreeMap<String, serde_json::Value>,
    /// The payment method, when the dataset has one (also among `features`).
    #[serde(skip)]
    pub payment_method: Option<String>,
    /// Returned, kept or pending.
    pub status: OrderStatus,
    /// Model probability of a return.
    pub risk_score: Option<f64>,
    /// Low / Medium / High.
    pub risk_label: Option<crate::config::RiskLabel>,
}

/// Everything the drill-down shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SellerDetail {
    /// The window.
    pub window: String,
    /// What one labelled-positive order is called (the words for the `return*` fields).
    pub label_noun: crate::data::label::LabelNoun,
    /// Latest order date in the data.
    pub as_of: String,
    /// The seller's numbers (absent when it has no orders in the window).
    pub stats: Option<SellerStats>,
    /// `seller_id`.
    pub seller_id: String,
    /// `seller_name`.
    pub seller_name: String,
    /// `marketplace_id`.
    pub marketplace_id: String,
    /// The scoring model: `global` or the seller id.
    pub model: Option<String>,
    /// Its holdout metrics.
    pub model_metrics: Option<ModelMetrics>,
    /// Daily trend over the window.
    pub trend: Vec<TrendPoint>,
    /// The four rules against the marketplace.
    pub explanations: Vec<Explanation>,
    /// Top model drivers for this seller, with their direction on its orders.
    pub drivers: Vec<SellerDriver>,
    /// Orders in the window, newest first.
    pub orders: Vec<OrderRow>,
    /// Returns to come from its pending orders and, with the history for one, its orders
    /// of the next [`SELLER_FORECAST_DAYS`] days (whatever the window).
    pub forecast: super::forecast::ScopeForecast,
}

/// Days ahead of the drill-down's forecast.
pub const SELLER_FORECAST_DAYS: u32 = 7;

/// Order `i`'s features other than its category and price (shown on their own), by name.
fn order_features(
    ds: &crate::data::Dataset,
    i: usize,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    use crate::data::features::FeatureValues;
    ds.orders
        .features
        .iter()
        .enumerate()
        .filter(|(_, c)| !matches!(c.values, FeatureValues::Category | FeatureValues::Price))
        .map(|(f, c)| {
            let v = match &c.values {
                FeatureValues::Categorical { .. } => ds
                    .level_name(f, i)
                    .map_or(serde_json::Value::Null, std::convert::Into::into),
                _ => ds
                    .number(f, i)
                    .map_or(serde_json::Value::Null, std::convert::Into::into),
            };
            (c.spec.name.clone(), v)
        })
        .collect()
}

impl Engine {
    /// The drill-down of seller `seller_id` for `window`.
    pub fn seller_detail(
        &self,
        seller_id: &str,
        window: Window,
    ) -> Result<SellerDetail, EngineError> {
        let ds = &self.data;
        let si = ds
            .seller_index(seller_id)
            .ok_or_else(|| EngineError::UnknownSeller(seller_id.to_string()))?;
        let seller = &ds.sellers[si];
        let mp_id = ds.marketplaces[seller.marketplace as usize].clone();
        let mp = self.snapshot(window, Some(&mp_id))?;
        let stats = mp
            .sellers
            .iter()
            .find(|s| s.seller_id == seller_id)
            .cloned();
        let start = window.start_day(self.cube.last_day, self.cube.first_day);

        // Daily trend from the cube's cells of this seller.
        let n_days = (self.cube.last_day - start + 1).max(0) as usize;
        let mut days = vec![super::cube::Cell::default(); n_days];
        for k in self.cube.cell_range(start, self.cube.last_day) {
            if self.cube.seller[k] as usize == si {
                days[(self.cube.day_of(k) - start) as usize].merge(&self.cube.cells[k]);
            }
        }
        let scored = self.cube.scored;
        let trend = days
            .iter()
            .enumerate()
            .map(|(i, c)| TrendPoint {
                date: crate::data::day_string(start + i as i32),
                orders: c.orders,
                labelled: c.labelled,
                returned: c.returned,
                return_rate: c.return_rate(),
                mean_risk: if scored { c.mean_risk() } else { None },
            })
            .collect();

        let o = &ds.orders;
        let in_window: Vec<usize> = self
            .seller_orders
            .of(si, ds)
            .iter()
            .map(|&i| i as usize)
            .take_while(|&i| o.day[i] >= start)
            .collect();
        let orders = in_window
            .iter()
            .map(|&i| {
                let risk = self.scores.as_ref().map(|s| s.risk[i]);
                OrderRow {
                    order_id: o.id[i].to_string(),
                    date: crate::data::day_string(o.day[i]),
                    category: ds.categories[o.category[i] as usize].clone(),
                    price: o.price[i],
                    features: order_features(ds, i),
                    payment_method: ds.payment(i).map(str::to_string),
                    status: OrderStatus::of(o.returned[i]),
                    risk_score: risk,
                    risk_label: risk.map(|r| self.bands.label(r)),
                }
            })
            .collect();

        let (model, model_metrics) = match &self.models {
            Some(m) => {
                let (tm, name) = m.model_for(seller_id);
                (Some(name.to_string()), Some(tm.metrics.clone()))
            }
            None => (None, None),
        };
        Ok(SellerDetail {
            label_noun: self.data.schema.label_noun.clone(),
            window: window.to_string(),
            as_of: mp.as_of.clone(),
            explanations: stats
                .as_ref()
                .map(|s| explain(s, &mp, &ds.roles))
                .unwrap_or_default(),
            drivers: with_directions(
                ds,
                top_drivers(
                    self.models
                        .as_ref()
                        .and_then(|m| m.drivers_for(seller_id))
                        .as_ref(),
                ),
                &in_window,
                self.scores.as_ref().map(|s| &s.risk[..]),
            ),
            stats,
            seller_id: seller.id.clone(),
            seller_name: seller.name.clone(),
            marketplace_id: mp_id,
            model,
            model_metrics,
            trend,
            orders,
            forecast: self.seller_forecast(si, SELLER_FORECAST_DAYS),
        })
    }
}
