//! What makes a seller's risk differ from its marketplace's, feature by feature: the mean
//! exact contribution (TreeSHAP) of the seller's orders in the window minus that of its
//! marketplace's orders, each order explained by the model that scores it. A positive
//! difference is a feature that raises the seller's risk against its marketplace.
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

/// One feature's mean contribution for the seller and its marketplace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContributionDriver {
    /// The feature.
    pub feature: String,
    /// Mean contribution over the seller's orders (a probability).
    pub seller: f64,
    /// Mean contribution over the marketplace's orders.
    pub marketplace: f64,
    /// `seller - marketplace`: what the feature adds to the seller's risk against its
    /// marketplace.
    pub difference: f64,
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
    /// Every feature, largest difference (in magnitude) first.
    pub drivers: Vec<ContributionDriver>,
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
    let mut drivers: Vec<ContributionDriver> = ds
        .orders
        .features
        .iter()
        .zip(s.parts.iter().zip(&m.parts))
        .map(|(c, (&seller, &marketplace))| ContributionDriver {
            feature: c.spec.name.clone(),
            seller,
            marketplace,
            difference: seller - marketplace,
        })
        .collect();
    drivers.sort_by(|a, b| b.difference.abs().total_cmp(&a.difference.abs()));
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
        drivers,
    })
}

#[cfg(test)]
mod tests {
    use super::evenly;

    #[test]
    fn samples_are_evenly_spaced_and_whole_when_small() {
        let v: Vec<usize> = (0..10).collect();
        assert_eq!(evenly(&v, 20), v);
        assert_eq!(evenly(&v, 5), vec![0, 2, 4, 6, 8]);
        assert_eq!(evenly(&v, 3), vec![0, 3, 6]);
    }
}
