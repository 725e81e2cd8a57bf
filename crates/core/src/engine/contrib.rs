//! What makes a seller's risk differ from its marketplace's, feature by feature: the mean
//! exact contribution (TreeSHAP) of the seller's orders in the window minus that of its
//! marketplace's orders, each order explained by the model that scores it. A positive
//! difference is a feature that raises the seller's risk against its marketplace.
//!
//! For a seller whose risk is rising, [`risk_change`] explains the change the same way: the
//! mean contributions of its orders in the window's second half minus those of its first.
//!
//! One explanation costs about 10 ms on the demo model, so the means are taken over evenly
//! spaced samples of at most [`SELLER_SAMPLE`] and [`MARKET_SAMPLE`] orders (said in the
//! answer), in parallel, off the UI thread.

use crate::data::Dataset;
use crate::model::ModelSet;
use crate::model::shap::Explanation;
use rayon::prelude::*;
use serde::Serialize;

/// Most seller orders explained.
pub const SELLER_SAMPLE: usize = 60;
/// Most marketplace orders explained.
pub const MARKET_SAMPLE: usize = 120;

/// One feature's mean contribution over two sets of orders.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContributionDriver {
    /// The feature.
    pub feature: String,
    /// Mean contribution over the orders explained (the seller's; its recent orders for a
    /// change), a probability.
    pub value: f64,
    /// Mean contribution over the orders compared with (the marketplace's; the seller's
    /// earlier orders for a change).
    pub reference: f64,
    /// `value - reference`: what the feature adds to the risk against the reference.
    pub difference: f64,
}

/// What changed a seller's mean risk between the first and the second half of a window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RiskChange {
    /// The first half's days, `start..=end`.
    pub earlier: (String, String),
    /// The second half's.
    pub recent: (String, String),
    /// Orders of the first half explained.
    pub earlier_orders: usize,
    /// Orders of the second half explained.
    pub recent_orders: usize,
    /// Mean risk of the first half's orders explained.
    pub earlier_risk: f64,
    /// Mean risk of the second half's.
    pub recent_risk: f64,
    /// `recent_risk - earlier_risk`, exactly `baseline + sum of the drivers' differences`.
    pub change: f64,
    /// The difference of the models' expected values.
    pub baseline: f64,
    /// Every feature (`value` recent, `reference` earlier), largest difference first.
    pub drivers: Vec<ContributionDriver>,
}

/// The seller's drivers against its marketplace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContributionDrivers {
    /// The seller.
    pub seller_id: String,
    /// Its marketplace.
    pub marketplace_id: String,
    /// Seller orders explained.
    pub seller_orders: usize,
    /// Marketplace orders explained.
    pub marketplace_orders: usize,
    /// Mean risk of the seller's orders explained.
    pub seller_risk: f64,
    /// Mean risk of the marketplace's orders explained.
    pub marketplace_risk: f64,
    /// `seller_risk - marketplace_risk`: the gap the drivers explain, exactly:
    /// `gap = baseline + sum of the drivers' differences` (TreeSHAP's parts add up to each
    /// order's risk).
    pub gap: f64,
    /// The difference of the models' expected values (nonzero when the seller's orders are
    /// scored by its own model and the marketplace's partly by others).
    pub baseline: f64,
    /// Every feature (`value` the seller's, `reference` the marketplace's), largest
    /// difference (in magnitude) first.
    pub drivers: Vec<ContributionDriver>,
    /// For a seller whose risk is rising: what changed it within the window.
    pub change: Option<RiskChange>,
}

/// At most `k` of `v`, evenly spaced (all of them when there are fewer).
pub fn evenly(v: &[usize], k: usize) -> Vec<usize> {
    if v.len() <= k {
        return v.to_vec();
    }
    (0..k).map(|j| v[j * v.len() / k]).collect()
}

/// The orders a seller's drivers are computed from: its orders and its marketplace's on days
/// `start..=end`, sampled ([`evenly`]).
pub fn samples(ds: &Dataset, seller: usize, start: i32, end: i32) -> (Vec<usize>, Vec<usize>) {
    let m = ds.sellers[seller].marketplace;
    let o = &ds.orders;
    let in_window = |i: &usize| (start..=end).contains(&o.day[*i]);
    let market: Vec<usize> = (0..o.len())
        .filter(in_window)
        .filter(|&i| ds.order_marketplace(i) == m)
        .collect();
    let own: Vec<usize> = market
        .iter()
        .copied()
        .filter(|&i| o.seller[i] as usize == seller)
        .collect();
    (evenly(&own, SELLER_SAMPLE), evenly(&market, MARKET_SAMPLE))
}

/// The mean explanation of some orders: each feature's part (in the data's feature order),
/// the models' expected value and the risk.
struct MeanExplanation {
    parts: Vec<f64>,
    expected: f64,
    risk: f64,
}

/// Mean contribution per feature (in the data's feature order) of `orders`, each explained
/// by its seller's scoring model; `None` when a model has no covers or there are no orders.
fn mean_contributions(
    ds: &Dataset,
    models: &ModelSet,
    orders: &[usize],
) -> Option<MeanExplanation> {
    let names: Vec<&str> = ds
        .orders
        .features
        .iter()
        .map(|c| c.spec.name.as_str())
        .collect();
    let explained: Vec<Option<Explanation>> = orders
        .par_iter()
        .map(|&i| {
            let seller = &ds.sellers[ds.orders.seller[i] as usize].id;
            models.model_for(seller).0.explain_order(ds, i)
        })
        .collect();
    let mut sums = vec![0.0; names.len()];
    let (mut expected, mut risk) = (0.0, 0.0);
    for x in &explained {
        let x = x.as_ref()?;
        expected += x.expected;
        risk += x.risk;
        for c in &x.contributions {
            if let Some(f) = names.iter().position(|n| *n == c.feature) {
                sums[f] += c.contribution;
            }
        }
    }
    let n = explained.len() as f64;
    (n > 0.0).then(|| MeanExplanation {
        parts: sums.into_iter().map(|s| s / n).collect(),
        expected: expected / n,
        risk: risk / n,
    })
}

/// The drivers of seller `seller` (index) from the orders `own` and `market` ([`samples`]).
pub fn contribution_drivers(
    ds: &Dataset,
    models: &ModelSet,
    seller: usize,
    own: &[usize],
    market: &[usize],
) -> Option<ContributionDrivers> {
    let s = mean_contributions(ds, models, own)?;
    let m = mean_contributions(ds, models, market)?;
    let sl = &ds.sellers[seller];
    Some(ContributionDrivers {
        seller_id: sl.id.clone(),
        marketplace_id: ds.marketplaces[sl.marketplace as usize].clone(),
        seller_orders: own.len(),
        marketplace_orders: market.len(),
        seller_risk: s.risk,
        marketplace_risk: m.risk,
        gap: s.risk - m.risk,
        baseline: s.expected - m.expected,
        drivers: differences(ds, &s, &m),
        change: None,
    })
}

/// Each feature's mean contribution in `value` against `reference`, largest difference (in
/// magnitude) first.
fn differences(
    ds: &Dataset,
    value: &MeanExplanation,
    reference: &MeanExplanation,
) -> Vec<ContributionDriver> {
    let mut drivers: Vec<ContributionDriver> = ds
        .orders
        .features
        .iter()
        .zip(value.parts.iter().zip(&reference.parts))
        .map(|(c, (&value, &reference))| ContributionDriver {
            feature: c.spec.name.clone(),
            value,
            reference,
            difference: value - reference,
        })
        .collect();
    drivers.sort_by(|a, b| b.difference.abs().total_cmp(&a.difference.abs()));
    drivers
}

/// The two halves of days `start..=end`: the first one day shorter when the days are odd.
pub fn halves(start: i32, end: i32) -> ((i32, i32), (i32, i32)) {
    let mid = start + (end - start + 1) / 2;
    ((start, mid - 1), (mid, end))
}

/// The seller's orders of each half of days `start..=end` ([`halves`]), sampled.
pub fn change_samples(
    ds: &Dataset,
    seller: usize,
    start: i32,
    end: i32,
) -> (Vec<usize>, Vec<usize>) {
    let ((a, b), (c, d)) = halves(start, end);
    let o = &ds.orders;
    let own = |from: i32, to: i32| -> Vec<usize> {
        let v: Vec<usize> = (0..o.len())
            .filter(|&i| o.seller[i] as usize == seller && (from..=to).contains(&o.day[i]))
            .collect();
        evenly(&v, SELLER_SAMPLE)
    };
    (own(a, b), own(c, d))
}

/// What changed the seller's risk from its `earlier` orders to its `recent` ones
/// ([`change_samples`] of days `start..=end`); `None` when either half has no orders or a
/// model cannot explain.
pub fn risk_change(
    ds: &Dataset,
    models: &ModelSet,
    (start, end): (i32, i32),
    earlier: &[usize],
    recent: &[usize],
) -> Option<RiskChange> {
    let e = mean_contributions(ds, models, earlier)?;
    let r = mean_contributions(ds, models, recent)?;
    let ((a, b), (c, d)) = halves(start, end);
    let span = |x: i32, y: i32| (crate::data::day_string(x), crate::data::day_string(y));
    Some(RiskChange {
        earlier: span(a, b),
        recent: span(c, d),
        earlier_orders: earlier.len(),
        recent_orders: recent.len(),
        earlier_risk: e.risk,
        recent_risk: r.risk,
        change: r.risk - e.risk,
        baseline: r.expected - e.expected,
        drivers: differences(ds, &r, &e),
    })
}

#[cfg(test)]
mod tests {
    use super::{evenly, halves};

    #[test]
    fn samples_are_evenly_spaced_and_whole_when_small() {
        let v: Vec<usize> = (0..10).collect();
        assert_eq!(evenly(&v, 20), v);
        assert_eq!(evenly(&v, 5), vec![0, 2, 4, 6, 8]);
        assert_eq!(evenly(&v, 3), vec![0, 3, 6]);
    }

    #[test]
    fn halves_cover_the_days_once_the_recent_one_longer_when_odd() {
        assert_eq!(halves(0, 29), ((0, 14), (15, 29)));
        assert_eq!(halves(10, 16), ((10, 12), (13, 16)));
        assert_eq!(halves(5, 5), ((5, 4), (5, 5)));
    }
}
