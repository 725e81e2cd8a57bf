//! Feature encoding. The encoder is fitted on a model's training rows only and saved inside
//! the model, so a model loaded later encodes (and scores) exactly as when it was trained.
//!
//! Categorical features are target-encoded: the category (or payment method) becomes its
//! smoothed training return rate, an ordering a tree can split on without one-hot columns.

use crate::data::{CustomerType, Dataset, OrderFeatures, PaymentMethod};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Number of model features.
pub const N_FEATURES: usize = 8;

/// Feature names, in column order.
pub const FEATURE_NAMES: [&str; N_FEATURES] = [
    "category",
    "price",
    "discount",
    "delivery_days",
    "customer_type",
    "payment_method",
    "customer_return_rate",
    "rating",
];

/// Pseudo-count pulling a rare category's rate toward the overall rate.
pub const SMOOTHING: f64 = 20.0;

/// Encoded rows, row-major: `width` values per row. The width is the model's number of
/// features, so forests, importances and scoring work for any feature set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeatureMatrix {
    /// Features per row.
    pub width: usize,
    /// The values, row after row.
    pub values: Vec<f64>,
}

impl FeatureMatrix {
    /// An empty matrix of `width` features with room for `rows` rows.
    pub fn with_capacity(width: usize, rows: usize) -> FeatureMatrix {
        FeatureMatrix {
            width,
            values: Vec::with_capacity(width * rows),
        }
    }
    /// Appends a row (of `width` values).
    pub fn push(&mut self, row: &[f64]) {
        debug_assert_eq!(row.len(), self.width);
        self.values.extend_from_slice(row);
    }
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.width..(i + 1) * self.width]
    }
    /// The rows at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> FeatureMatrix {
        let mut m = FeatureMatrix::with_capacity(self.width, idx.len());
        for &i in idx {
            m.push(self.row(i));
        }
        m
    }
}

/// The fitted encoding of categorical features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureEncoder {
    /// Smoothed training return rate per category name.
    pub category_rate: BTreeMap<String, f64>,
    /// Smoothed training return rate per payment method, in [`PaymentMethod::ALL`] order.
    pub payment_rate: [f64; 4],
    /// Overall training return rate: the code of a category never seen in training.
    pub prior: f64,
}

fn smoothed(returns: f64, n: f64, prior: f64) -> f64 {
    (returns + SMOOTHING * prior) / (n + SMOOTHING)
}

fn payment_index(p: PaymentMethod) -> usize {
    PaymentMethod::ALL.iter().position(|&q| q == p).unwrap_or(0)
}

impl FeatureEncoder {
    /// Fits the encoding on the labelled rows `rows` of `ds`.
    pub fn fit(ds: &Dataset, rows: &[usize]) -> Self {
        let o = &ds.orders;
        let mut cat = vec![(0.0, 0.0); ds.categories.len()];
        let mut pay = [(0.0, 0.0); 4];
        let (mut ret, mut n) = (0.0, 0.0);
        for &i in rows {
            let y = f64::from(u8::from(o.returned[i].unwrap_or(false)));
            let c = &mut cat[o.category[i] as usize];
            c.0 += y;
            c.1 += 1.0;
            let p = &mut pay[payment_index(o.payment[i])];
            p.0 += y;
            p.1 += 1.0;
            ret += y;
            n += 1.0;
        }
        let prior = if n > 0.0 { ret / n } else { 0.0 };
        FeatureEncoder {
            category_rate: ds
                .categories
                .iter()
                .zip(&cat)
                .filter(|(_, c)| c.1 > 0.0)
                .map(|(name, c)| (name.clone(), smoothed(c.0, c.1, prior)))
                .collect(),
            payment_rate: pay.map(|p| smoothed(p.0, p.1, prior)),
            prior,
        }
    }

    /// The code of a category name.
    pub fn category_code(&self, name: &str) -> f64 {
        self.category_rate.get(name).copied().unwrap_or(self.prior)
    }

    /// Codes of every category of `ds`, indexed by category id (fast path for whole datasets).
    pub fn category_codes(&self, ds: &Dataset) -> Vec<f64> {
        ds.categories
            .iter()
            .map(|c| self.category_code(c))
            .collect()
    }

    /// Number of encoded features.
    pub fn width(&self) -> usize {
        N_FEATURES
    }

    /// Encodes the orders `rows` of `ds`.
    pub fn encode_rows(&self, ds: &Dataset, rows: &[usize]) -> FeatureMatrix {
        let codes = self.category_codes(ds);
        let mut m = FeatureMatrix::with_capacity(self.width(), rows.len());
        for &i in rows {
            m.push(&self.encode_order(ds, &codes, i));
        }
        m
    }

    /// Encodes one order given as features.
    pub fn encode(&self, f: &OrderFeatures) -> [f64; N_FEATURES] {
        [
            self.category_code(&f.category),
            f.price,
            f.discount,
            f.delivery_days,
            customer_code(f.customer_type),
            self.payment_rate[payment_index(f.payment_method)],
            f.customer_return_rate,
            f.rating,
        ]
    }

    /// Encodes order `i` of `ds`; `category_codes` comes from [`Self::category_codes`].
    fn encode_order(&self, ds: &Dataset, category_codes: &[f64], i: usize) -> [f64; N_FEATURES] {
        let o = &ds.orders;
        [
            category_codes[o.category[i] as usize],
            o.price[i],
            o.discount[i],
            o.delivery_days[i],
            customer_code(o.customer_type[i]),
            self.payment_rate[payment_index(o.payment[i])],
            o.customer_return_rate[i],
            o.rating[i],
        ]
    }
}

fn customer_code(c: CustomerType) -> f64 {
    match c {
        CustomerType::New => 1.0,
        CustomerType::Returning => 0.0,
    }
}
